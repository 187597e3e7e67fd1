// widget.js: `<script src=".../widget.js" data-endpoint="...">` puts a search box where the tag
// stands. It lives in a Shadow DOM, so the host page's CSS and this box's CSS stay apart, and it
// follows the ARIA combobox pattern: arrows move through the results, Enter opens one (the
// document view, in a new tab), Escape closes the list and then clears the box.
// The service serves this file with core.js before it, both inside one function: nothing is
// added to the host page's globals.
(() => {
  "use strict";
  const script = document.currentScript;
  if (!script) return;
  const { t, element } = DocQA;
  const endpoint = script.dataset.endpoint || new URL(".", script.src).href;
  const K = 5;
  const EXCERPT_CHARS = 240;
  const DEBOUNCE_MS = 250;
  const MIN_CHARS = 2;

  const CSS = `
    :host { display: block; }
    .box {
      all: initial; display: block; max-width: 40rem;
      font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1f24;
    }
    .box * { box-sizing: border-box; }
    input {
      width: 100%; font: inherit; color: inherit; background: #fff; margin: 0;
      padding: 0.5rem 0.7rem; border: 1px solid #8c959f; border-radius: 6px;
    }
    input:focus { outline: 3px solid #80b3ff; outline-offset: 1px; }
    .status { min-height: 1.4em; margin: 0.3rem 0; color: #57606a; font-size: 0.9em; }
    .status[data-kind="error"] { color: #a40e26; }
    .results {
      list-style: none; margin: 0; padding: 0; max-height: 28rem; overflow-y: auto;
      background: #fff; border: 1px solid #d0d7de; border-radius: 6px;
    }
    .results[hidden] { display: none; }
    .option { padding: 0.55rem 0.75rem; border-top: 1px solid #eaeef2; cursor: pointer; }
    .option:first-child { border-top: 0; }
    .option:hover { background: #f3f8ff; }
    .option[aria-selected="true"] {
      background: #ddf4ff; outline: 2px solid #0b5cad; outline-offset: -2px;
    }
    .passage { white-space: pre-line; }
    mark { background: #ffe58a; color: inherit; padding: 0 0.1em; border-radius: 2px; }
    .value { background: #f0b400; font-weight: 700; border-radius: 2px; padding: 0 0.1em; }
    .figures { margin: 0 0 0.3rem; font-size: 0.9em; }
    .figures[hidden] { display: none; }
    .figure { color: #0b5cad; }
    .source { margin-top: 0.25rem; color: #57606a; font-size: 0.85em; }
    .hidden {
      position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%);
      white-space: nowrap;
    }`;

  const host = element("div", "docqa-widget");
  script.after(host);
  const root = host.attachShadow({ mode: "open" });
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(CSS);
  root.adoptedStyleSheets = [sheet];

  const box = element("div", "box");
  box.lang = DocQA.lang;
  const label = element("label", "hidden", t.label);
  label.htmlFor = "q";
  const input = element("input");
  Object.assign(input, { id: "q", type: "search", placeholder: t.placeholder });
  input.autocomplete = "off";
  for (const [name, value] of Object.entries({
    role: "combobox", "aria-autocomplete": "list", "aria-expanded": "false",
    "aria-controls": "results",
  })) {
    input.setAttribute(name, value);
  }
  const statusLine = element("div", "status");
  statusLine.setAttribute("role", "status");
  // Disagreeing figures: outside the listbox, which holds only options.
  const figures = element("div", "figures");
  figures.hidden = true;
  const list = element("ul", "results");
  Object.assign(list, { id: "results", hidden: true });
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", t.results);
  box.append(label, input, statusLine, figures, list);
  root.append(box);

  let options = []; // [{ el, url }] in the order shown
  let active = -1;
  let timer = 0;
  let controller = null;
  let latest = 0; // the number of the newest search; older answers are dropped

  const show = (message, kind) => DocQA.showStatus(statusLine, message, kind);

  function activate(index) {
    active = index;
    options.forEach((option, i) => option.el.setAttribute("aria-selected", String(i === index)));
    if (index < 0) {
      input.removeAttribute("aria-activedescendant");
    } else {
      input.setAttribute("aria-activedescendant", options[index].el.id);
      options[index].el.scrollIntoView({ block: "nearest" });
    }
  }

  function expand(open) {
    list.hidden = !open;
    input.setAttribute("aria-expanded", String(open));
    if (!open) activate(-1);
  }

  function reset(message, kind) {
    options = [];
    list.replaceChildren();
    figures.replaceChildren();
    figures.hidden = true;
    expand(false);
    show(message, kind);
  }

  function openResult(index) {
    window.open(options[index].url, "_blank", "noopener");
  }

  function option(passage, body, index) {
    const el = element("li", "option");
    el.id = "option-" + index;
    el.setAttribute("role", "option");
    el.setAttribute("aria-selected", "false");
    const text = element("div", "passage");
    text.append(DocQA.passageText(passage, body.answer, EXCERPT_CHARS));
    el.append(text, element("div", "source", DocQA.source(passage.citation)));
    el.addEventListener("click", () => openResult(index));
    return { el, url: DocQA.viewUrl(endpoint, passage.citation, body.index_version) };
  }

  function render(body) {
    if (body.passages.length === 0) {
      reset(t.noResults, "empty");
      return;
    }
    options = body.passages.map((passage, i) => option(passage, body, i));
    list.replaceChildren(...options.map((o) => o.el));
    const line = DocQA.figuresLine(body.figures, endpoint, body.index_version);
    figures.replaceChildren(...(line ? [line] : []));
    figures.hidden = !line;
    show(body.answer ? t.found(body.passages.length, body.took_ms) : t.noAnswer,
         body.answer ? "" : "empty");
    expand(true);
    activate(-1);
  }

  async function run(question) {
    clearTimeout(timer);
    if (controller) controller.abort();
    controller = new AbortController();
    const mine = ++latest;
    show(t.searching, "loading");
    box.setAttribute("aria-busy", "true");
    try {
      const body = await DocQA.search(endpoint, question, K, controller.signal);
      if (mine === latest) render(body);
    } catch (error) {
      if (mine === latest && error.name !== "AbortError") reset(error.message, "error");
    } finally {
      if (mine === latest) box.removeAttribute("aria-busy");
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    const question = input.value.trim();
    if (question.length < MIN_CHARS) {
      latest++;
      if (controller) controller.abort();
      box.removeAttribute("aria-busy");
      reset("");
      return;
    }
    timer = setTimeout(() => run(question), DEBOUNCE_MS);
  });

  input.addEventListener("keydown", (event) => {
    const count = options.length;
    if (event.key === "ArrowDown" && count) {
      event.preventDefault();
      expand(true);
      activate((active + 1) % count);
    } else if (event.key === "ArrowUp" && count) {
      event.preventDefault();
      expand(true);
      activate(active <= 0 ? count - 1 : active - 1);
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (active >= 0 && !list.hidden) {
        openResult(active);
      } else if (input.value.trim().length >= MIN_CHARS) {
        run(input.value.trim());
      }
    } else if (event.key === "Escape") {
      event.preventDefault();
      if (!list.hidden) {
        expand(false);
      } else {
        input.value = "";
        input.dispatchEvent(new Event("input"));
      }
    }
  });

  // A click on a result must not blur the box first, or the list would close under it.
  list.addEventListener("mousedown", (event) => event.preventDefault());
  input.addEventListener("blur", () => expand(false));
  input.addEventListener("focus", () => expand(options.length > 0));
})();
