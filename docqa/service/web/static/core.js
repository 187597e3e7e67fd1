// docqa UI core, shared by the search page, the document view and widget.js: messages in
// Spanish and English, calls to the API, and rendering of cited text.
// Document text only ever becomes text nodes (textContent, createTextNode), never markup.
const DocQA = (() => {
  "use strict";

  const MESSAGES = {
    es: {
      title: "Buscar en los documentos",
      label: "Pregunta",
      placeholder: "Escriba una pregunta…",
      submit: "Buscar",
      searching: "Buscando…",
      results: "Resultados",
      answer: "Respuesta",
      noAnswer: "Los documentos no responden a esta pregunta. Pasajes más cercanos:",
      noResults: "Sin resultados.",
      found: (n, ms) => `${n} ${n === 1 ? "pasaje" : "pasajes"} · ${Math.round(ms)} ms`,
      figures: "Las fuentes difieren:",
      months: ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"],
      page: (n) => `pág. ${n}`,
      open: "Ver en el documento",
      error: "No se pudo consultar el servicio.",
      loadingDocument: "Cargando el documento…",
      notFound: "No existe ese documento.",
      spanMissing: "El pasaje citado no está en este documento.",
      versionChanged:
        "El índice se actualizó después de la búsqueda: el resaltado puede no coincidir.",
      back: "Volver a la búsqueda",
    },
    en: {
      title: "Search the documents",
      label: "Question",
      placeholder: "Type a question…",
      submit: "Search",
      searching: "Searching…",
      results: "Results",
      answer: "Answer",
      noAnswer: "The documents do not answer this question. Closest passages:",
      noResults: "No results.",
      found: (n, ms) => `${n} ${n === 1 ? "passage" : "passages"} · ${Math.round(ms)} ms`,
      figures: "Sources differ:",
      months: ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
      page: (n) => `p. ${n}`,
      open: "Open in document",
      error: "Could not reach the search service.",
      loadingDocument: "Loading the document…",
      notFound: "There is no such document.",
      spanMissing: "The cited passage is not in this document.",
      versionChanged: "The index was updated after this search: the highlight may be off.",
      back: "Back to search",
    },
  };

  // "es", "es-MX", "es-419"... read Spanish; every other language reads English.
  function language(tag = navigator.language) {
    return /^es(-|$)/i.test(tag || "") ? "es" : "en";
  }

  const lang = language();
  const t = MESSAGES[lang];

  // Fills every [data-i18n] element (text) and [data-i18n-placeholder] (placeholder) of root.
  function translate(root) {
    for (const el of root.querySelectorAll("[data-i18n]")) {
      el.textContent = t[el.dataset.i18n];
    }
    for (const el of root.querySelectorAll("[data-i18n-placeholder]")) {
      el.placeholder = t[el.dataset.i18nPlaceholder];
    }
  }

  // status: the HTTP status, or 0 when the service could not be reached at all.
  // A status line: the message, and its kind ("loading", "empty", "error" or "") for styling.
  function showStatus(line, message, kind = "") {
    line.textContent = message;
    line.dataset.kind = kind;
  }

  class ServiceError extends Error {
    constructor(message, status) {
      super(message);
      this.status = status;
    }
  }

  // The API's 4xx bodies say what is wrong: {"detail": "..."} or {"detail": [{field, message}]}.
  function describe(body) {
    const detail = body && body.detail;
    if (Array.isArray(detail)) {
      return detail.map((d) => `${d.field}: ${d.message}`).join("; ");
    }
    return typeof detail === "string" ? detail : t.error;
  }

  async function getJSON(url, signal) {
    let response;
    try {
      response = await fetch(url, { signal, headers: { Accept: "application/json" } });
    } catch (error) {
      if (error.name === "AbortError") throw error;
      throw new ServiceError(t.error, 0);
    }
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      throw new ServiceError(response.status < 500 ? describe(body) : t.error, response.status);
    }
    return { body, version: response.headers.get("X-Index-Version") };
  }

  // endpoint: the service's base URL, with or without a trailing slash.
  function base(endpoint) {
    return endpoint.endsWith("/") ? endpoint : endpoint + "/";
  }

  async function search(endpoint, question, k, signal) {
    const url = new URL("search", base(endpoint));
    url.search = new URLSearchParams({ q: question, k: String(k) }).toString();
    return (await getJSON(url, signal)).body;
  }

  function documentUrl(endpoint, docId) {
    return new URL("documents/" + encodeURIComponent(docId), base(endpoint));
  }

  // The document view with a span highlighted; v tells the view which build cited it.
  function viewUrl(endpoint, citation, version) {
    const url = new URL("view/" + encodeURIComponent(citation.doc_id), base(endpoint));
    url.search = new URLSearchParams({
      start: String(citation.start),
      end: String(citation.end),
      v: version,
    }).toString();
    return url.href;
  }

  function element(tag, className, text) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  }

  const fits = (start, end, length) =>
    Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start < end && end <= length;

  // text with [start, end) inside a <mark>, and [valueStart, valueEnd) of that span inside a
  // <strong class="value"> in it; the whole text plain when the span does not fit.
  function highlighted(text, start, end, valueStart = -1, valueEnd = -1) {
    const fragment = document.createDocumentFragment();
    if (!fits(start, end, text.length)) {
      fragment.append(text);
      return { fragment, mark: null };
    }
    const span = text.slice(start, end);
    const mark = element("mark");
    if (fits(valueStart, valueEnd, span.length)) {
      const value = element("strong", "value", span.slice(valueStart, valueEnd));
      mark.append(span.slice(0, valueStart), value, span.slice(valueEnd));
    } else {
      mark.textContent = span;
    }
    fragment.append(text.slice(0, start), mark, text.slice(end));
    return { fragment, mark };
  }

  // About `limit` characters of text around [start, end) (from the beginning when start < 0),
  // cut at spaces, "…" where text is left out; the span is always whole and keeps its place.
  function excerpt(text, start, end, limit) {
    if (text.length <= limit) return { text, start, end };
    const spanned = start >= 0;
    const room = Math.max(0, limit - (end - start));
    let from = spanned ? Math.max(0, start - Math.floor(room / 2)) : 0;
    let to = Math.min(text.length, Math.max(from + limit, spanned ? end : 0));
    const cut = text.indexOf(" ", from);
    if (from > 0 && cut !== -1 && (!spanned || cut < start)) from = cut + 1;
    const stop = text.lastIndexOf(" ", to);
    if (to < text.length && stop > from && (!spanned || stop >= end)) to = stop;
    const head = from > 0 ? "…" : "";
    const shift = head.length - from;
    return {
      text: head + text.slice(from, to) + (to < text.length ? "…" : ""),
      start: spanned ? start + shift : -1,
      end: spanned ? end + shift : -1,
    };
  }

  // A passage, with the answer sentence marked when the answer lies inside it; with `limit`,
  // only about that many characters of it, around the answer.
  function passageText(passage, answer, limit = Infinity) {
    const p = passage.citation;
    const a = answer && answer.citation;
    const inside = a && a.doc_id === p.doc_id && a.start >= p.start && a.end <= p.end;
    const shown = inside
      ? excerpt(passage.text, a.start - p.start, a.end - p.start, limit)
      : excerpt(passage.text, -1, -1, limit);
    // The value's offsets are the document's, like the sentence's.
    const value = inside && answer.value;
    const valueStart = value ? value.start - a.start : -1;
    const valueEnd = value ? value.end - a.start : -1;
    return highlighted(shown.text, shown.start, shown.end, valueStart, valueEnd).fragment;
  }

  // "jul 2024", "7 abr", "2023" from a figure date's ISO form ("2024-07-29", "--04-07").
  function shortDate(iso) {
    const [year, month, day] = iso.replace(/^-/, "").split("-");
    const name = month ? t.months[Number(month) - 1] : "";
    if (year && year !== "-") return name ? `${name} ${year}` : year;
    return day ? `${Number(day)} ${name}` : name;
  }

  // "Sources differ: 576 (jul 2024) · 669 · 692 (dic 2023)", each figure a link to the
  // document view at the sentence that gives it; null when the sources agree.
  function figuresLine(figures, endpoint, version) {
    if (!figures || figures.length < 2) return null;
    const line = element("p", "figures", t.figures + " ");
    figures.forEach((figure, i) => {
      if (i) line.append(" · ");
      const link = element("a", "figure", figure.value.text);
      link.href = viewUrl(endpoint, figure.citation, version);
      link.title = figure.text;
      line.append(link);
      if (figure.date) line.append(` (${shortDate(figure.date.iso)})`);
    });
    return line;
  }

  // "Title · p. 3" (the page only where the document has pages).
  function source(citation) {
    const { title, page } = citation;
    return page === null ? title : `${title} · ${t.page(page)}`;
  }

  return {
    lang, t, translate, showStatus, ServiceError, getJSON, search, documentUrl, viewUrl,
    element, highlighted, passageText, figuresLine, source,
  };
})();
