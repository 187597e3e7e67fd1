// The document view at /view/<doc_id>?start=&end=&v=: the full text with the cited span
// marked and scrolled into view.
(() => {
  "use strict";
  const { t } = DocQA;
  const statusLine = document.getElementById("status");
  const params = new URLSearchParams(location.search);
  const endpoint = new URL("..", location.href).href;

  const show = (message, kind) => DocQA.showStatus(statusLine, message, kind);

  async function load() {
    let loaded;
    try {
      // A malformed %-escape in the address throws here, as an unknown document would 404.
      const docId = decodeURIComponent(location.pathname.split("/").pop());
      loaded = await DocQA.getJSON(DocQA.documentUrl(endpoint, docId));
    } catch (error) {
      show(error.status === 404 || error instanceof URIError ? t.notFound : error.message, "error");
      return;
    }
    const doc = loaded.body;
    document.title = doc.title;
    document.getElementById("doc-title").textContent = doc.title;
    document.getElementById("doc-source").textContent = doc.source;
    const asked = params.has("start") && params.has("end");
    const { fragment, mark } = DocQA.highlighted(
      doc.text, Number(params.get("start")), Number(params.get("end")));
    const text = document.getElementById("doc-text");
    text.lang = doc.language;
    text.append(fragment);
    if (asked && !mark) {
      show(t.spanMissing, "error");
    } else if (params.get("v") && loaded.version && params.get("v") !== loaded.version) {
      // The citation's offsets belong to the build that answered the search.
      show(t.versionChanged, "error");
    } else {
      show("");
    }
    if (mark) mark.scrollIntoView({ block: "center" });
  }

  DocQA.translate(document);
  document.documentElement.lang = DocQA.lang;
  load();
})();
