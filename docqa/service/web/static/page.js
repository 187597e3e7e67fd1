// The search page at "/": a question form over GET /search, results with the answer marked
// inside its passage, each linking to the document view at the cited span.
(() => {
  "use strict";
  const { t, element } = DocQA;
  const form = document.getElementById("ask");
  const input = document.getElementById("q");
  const statusLine = document.getElementById("status");
  const list = document.getElementById("results");
  // The line of disagreeing figures, between the status and the results.
  let figures = null;
  const endpoint = new URL(".", location.href).href;
  let pending = null;

  const show = (message, kind) => DocQA.showStatus(statusLine, message, kind);

  function result(passage, answer, version) {
    const item = element("li", "result");
    const text = element("p", "passage");
    text.append(DocQA.passageText(passage, answer));
    const link = element("a", "open", t.open);
    link.href = DocQA.viewUrl(endpoint, passage.citation, version);
    item.append(text, element("p", "source", DocQA.source(passage.citation)), link);
    return item;
  }

  async function run(question) {
    if (pending) pending.abort();
    pending = new AbortController();
    list.replaceChildren();
    if (figures) figures.remove();
    show(t.searching, "loading");
    list.setAttribute("aria-busy", "true");
    try {
      const body = await DocQA.search(endpoint, question, 5, pending.signal);
      if (body.passages.length === 0) {
        show(t.noResults, "empty");
        return;
      }
      show(body.answer ? t.found(body.passages.length, body.took_ms) : t.noAnswer,
           body.answer ? "" : "empty");
      figures = DocQA.figuresLine(body.figures, endpoint, body.index_version);
      if (figures) statusLine.after(figures);
      list.append(...body.passages.map((p) => result(p, body.answer, body.index_version)));
    } catch (error) {
      if (error.name !== "AbortError") show(error.message, "error");
    } finally {
      list.removeAttribute("aria-busy");
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const question = input.value.trim();
    if (!question) return;
    // The question goes into the address, so a search can be shared and survives "back".
    history.replaceState(null, "", "?" + new URLSearchParams({ q: question }));
    run(question);
  });

  DocQA.translate(document);
  document.documentElement.lang = DocQA.lang;
  const initial = new URLSearchParams(location.search).get("q");
  if (initial && initial.trim()) {
    input.value = initial;
    run(initial.trim());
  }
})();
