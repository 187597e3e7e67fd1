"""`GET /`: a minimal search page over `/search` (the full page and widget come later)."""

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(tags=["page"])

# Results are written with textContent only: document text never becomes markup.
PAGE = """<!doctype html>
<html lang="es">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>docqa</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 48rem; margin: 2rem auto; padding: 0 1rem; }
input[type=search] { width: 70%; }
li { margin: 0.8rem 0; }
.cite { color: #555; font-size: 0.9em; }
.error { color: #a00; }
</style>
</head>
<body>
<h1>docqa</h1>
<form id="ask">
  <input type="search" name="q" required maxlength="1000"
         placeholder="Pregunta / question" aria-label="Question">
  <button type="submit">Buscar / Search</button>
</form>
<p id="status" role="status"></p>
<p id="answer"></p>
<ol id="passages"></ol>
<script>
const form = document.getElementById("ask");
const statusLine = document.getElementById("status");
const answer = document.getElementById("answer");
const list = document.getElementById("passages");

function cite(c) {
  const page = c.page === null ? "" : ", p. " + c.page;
  return c.title + " [" + c.source + page + ", " + c.start + "-" + c.end + "]";
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const q = new FormData(form).get("q");
  statusLine.className = "";
  statusLine.textContent = "…";
  answer.textContent = "";
  list.replaceChildren();
  try {
    const response = await fetch("search?" + new URLSearchParams({ q: q, k: "5" }));
    const body = await response.json();
    if (!response.ok) {
      const detail = Array.isArray(body.detail)
        ? body.detail.map((d) => d.field + ": " + d.message).join("; ")
        : String(body.detail);
      statusLine.className = "error";
      statusLine.textContent = detail;
      return;
    }
    statusLine.textContent = body.passages.length + " passages, " + body.took_ms + " ms";
    answer.textContent = body.answer
      ? body.answer.text + " — " + cite(body.answer.citation)
      : "No answer found in the corpus.";
    for (const p of body.passages) {
      const item = document.createElement("li");
      const text = document.createElement("div");
      text.textContent = p.text;
      const source = document.createElement("div");
      source.className = "cite";
      source.textContent = cite(p.citation) + " · " + p.score.toFixed(3);
      item.append(text, source);
      list.append(item);
    }
  } catch (error) {
    statusLine.className = "error";
    statusLine.textContent = String(error);
  }
});
</script>
</body>
</html>
"""


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def page() -> str:
    return PAGE
