"""The search page, the document view and widget.js in a real headless Chromium.

The example host page (examples/embed.html) is served from another origin than the service,
as a site that embeds the widget would be. Screenshots go to var/test-artifacts/.
"""

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from conftest import REPO, SMALL_CORPUS, CorpusIndex, ingest, make_settings, write_corpus
from playwright.sync_api import Browser, Page, Response, expect, sync_playwright
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from docqa.service.app import create_app
from service.servers import Servers

# Debian's Chromium unless CHROMIUM_PATH names another build (or, to try the skip, a missing one).
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
EXAMPLE = REPO / "examples" / "embed.html"
# The service URL the example page is written for; the tests serve it with the real one.
EXAMPLE_ENDPOINT = "http://127.0.0.1:8000"
ARTIFACTS = REPO / "var" / "test-artifacts"

SPANISH = "¿Cuántos hospitales tiene el IMSS-Bienestar?"
ENGLISH = "How many hospitals does IMSS-Bienestar have?"
OFF_TOPIC = "¿Cuál es la receta tradicional del pastel de chocolate alemán?"

# Searches can be slow on a busy 2-core machine; every wait is for an element or a response.
expect.set_options(timeout=60_000)


@dataclass(frozen=True)
class Site:
    api: str  # the docqa service
    host: str  # a page on an allowed origin that embeds the widget
    stranger: str  # the same page on an origin that is not allowed


def embed_page(api: str) -> Starlette:
    """A site of its own serving examples/embed.html, its script tag pointing at `api`."""
    html = EXAMPLE.read_text("utf-8")
    assert html.count(EXAMPLE_ENDPOINT) == 2, "embed.html no longer names the default endpoint"
    page = html.replace(EXAMPLE_ENDPOINT, api)
    return Starlette(routes=[Route("/embed.html", lambda _: HTMLResponse(page))])


def start_site(index_dir: Path, corpus_dir: Path, servers: Servers) -> Site:
    api, host, stranger = servers.reserve(), servers.reserve(), servers.reserve()
    settings = make_settings(index_dir, corpus_dir, cors_origins=[host[1]])
    servers.start(create_app(settings), api)
    servers.start(embed_page(api[1]), host)
    servers.start(embed_page(api[1]), stranger)
    return Site(api[1], host[1], stranger[1])


@pytest.fixture(scope="module")
def site(corpus_index: CorpusIndex, servers: Servers) -> Site:
    return start_site(corpus_index.index_dir, corpus_index.corpus_dir, servers)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        message = (
            f"{CHROMIUM} is missing; to run them, `sudo apt-get install chromium` (.ci/run does) "
            "or set CHROMIUM_PATH to a Chromium binary, then `make test`"
        )
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests: {message}")
        pytest.skip(message)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Callable[[str], Page]]:
    """A new page in a browser whose language is `locale`; uncaught script errors fail the test."""
    contexts = []
    errors: list[str] = []

    def open_(locale: str) -> Page:
        context = browser.new_context(locale=locale, viewport={"width": 1100, "height": 800})
        context.set_default_timeout(60_000)
        context.on("weberror", lambda error: errors.append(str(error.error)))
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


def search(site: Site, question: str) -> dict:
    """What the widget and the page should show: the API's own answer."""
    return httpx.get(f"{site.api}/search", params={"q": question, "k": 5}, timeout=120).json()


def answers(question: str) -> Callable[[Response], bool]:
    """Matches the response to the search for the whole question (not a debounced prefix)."""

    def match(response: Response) -> bool:
        url = urlsplit(response.url)
        return url.path.endswith("/search") and parse_qs(url.query).get("q") == [question]

    return match


def ask_widget(page: Page, question: str) -> None:
    """Type the question key by key, as a person does, and wait for its answer to arrive."""
    with page.expect_response(answers(question)) as searched:
        page.get_by_role("combobox").press_sequentially(question)
    assert searched.value.ok


def check_view(view: Page, citation: dict, text: str) -> None:
    """The document view shows `text` at the citation, highlighted and scrolled into view."""
    assert urlsplit(view.url).path == f"/view/{citation['doc_id']}"
    query = parse_qs(urlsplit(view.url).query)
    assert (query["start"], query["end"]) == ([str(citation["start"])], [str(citation["end"])])
    mark = view.locator("#doc-text mark")
    expect(mark).to_have_count(1)
    assert mark.text_content() == text
    expect(mark).to_be_in_viewport()
    expect(view.locator("#doc-title")).to_have_text(citation["title"])


# --- widget.js on another site -----------------------------------------------------------------


def test_widget_answers_a_spanish_question_from_another_origin(
    site: Site, open_page: Callable[[str], Page]
) -> None:
    expected = search(site, SPANISH)
    assert expected["answer"] is not None
    top = expected["passages"][0]
    page = open_page("es-MX")
    page.goto(f"{site.host}/embed.html")
    box = page.get_by_role("combobox")
    expect(box).to_have_attribute("placeholder", "Escriba una pregunta…")
    searches: list[str] = []
    page.on(
        "request",
        lambda request: searches.append(request.url) if "/search?" in request.url else None,
    )
    # Every state the status line goes through, to see the loading state that comes and goes.
    page.evaluate(
        """() => {
          const status = document.querySelector(".docqa-widget").shadowRoot
            .querySelector("[role=status]");
          window.statusLog = [];
          new MutationObserver(() => window.statusLog.push(status.dataset.kind + "|" +
            status.textContent)).observe(status, {attributes: true, childList: true});
        }"""
    )

    ask_widget(page, SPANISH)

    options = page.get_by_role("option")
    expect(options).to_have_count(len(expected["passages"]))
    expect(box).to_have_attribute("aria-expanded", "true")
    # The answer sentence is marked once, in the option that holds it, its value marked inside.
    marks = page.locator(".docqa-widget [role=option] mark")
    expect(marks).to_have_count(1)
    expect(marks).to_have_text(expected["answer"]["text"])
    expect(marks.locator(".value")).to_have_text(expected["answer"]["value"]["text"])
    # The figures the sources disagree on, one link each, outside the list of options.
    figures = page.locator(".docqa-widget .figures a")
    expect(figures).to_have_text([f["value"]["text"] for f in expected["figures"]])
    expect(options.first.locator(".source")).to_have_text(top["citation"]["title"])
    expect(page.get_by_role("status")).to_contain_text("5 pasajes")
    assert any("loading|Buscando…" in state for state in page.evaluate("window.statusLog"))
    # Debounced: far fewer searches than key presses.
    assert 1 <= len([url for url in searches if "/search?" in url]) < len(SPANISH) / 2
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "widget-es.png")

    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", "option-0")
    expect(options.first).to_have_attribute("aria-selected", "true")
    with page.context.expect_page() as opened:
        box.press("Enter")
    view = opened.value
    assert view.url.startswith(f"{site.api}/view/")
    check_view(view, top["citation"], top["text"])
    view.screenshot(path=ARTIFACTS / "widget-es-view.png")


def test_widget_keyboard_and_english_ui(site: Site, open_page: Callable[[str], Page]) -> None:
    page = open_page("en-US")
    page.goto(f"{site.host}/embed.html")
    box = page.get_by_role("combobox")
    expect(box).to_have_attribute("placeholder", "Type a question…")
    expect(box).to_have_attribute("aria-expanded", "false")
    listbox = page.get_by_role("listbox", include_hidden=True)
    assert box.get_attribute("aria-controls") == listbox.get_attribute("id")
    expect(listbox).to_be_hidden()

    ask_widget(page, ENGLISH)
    expect(page.get_by_role("option")).to_have_count(5)
    expect(page.get_by_role("status")).to_contain_text("5 passages")
    for key, active in [
        ("ArrowDown", "option-0"),
        ("ArrowDown", "option-1"),
        ("ArrowUp", "option-0"),
        ("ArrowUp", "option-4"),
    ]:
        box.press(key)
        expect(box).to_have_attribute("aria-activedescendant", active)
    expect(page.get_by_role("option", selected=True)).to_have_count(1)

    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(listbox).to_be_hidden()
    expect(box).not_to_have_attribute("aria-activedescendant", "option-4")
    expect(box).to_have_value(ENGLISH)
    box.press("ArrowDown")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-activedescendant", "option-0")
    box.press("Escape")
    box.press("Escape")
    expect(box).to_have_value("")
    expect(page.get_by_role("option")).to_have_count(0)

    # A 4xx from the service is shown as the service words it.
    with page.expect_response(lambda response: "/search?" in response.url) as refused:
        box.fill("x" * 1001)
    assert refused.value.status == 422
    status = page.get_by_role("status")
    expect(status).to_have_text("q: is 1001 characters long; the limit is 1000")
    expect(status).to_have_attribute("data-kind", "error")
    expect(box).to_have_attribute("aria-expanded", "false")


def test_widget_on_an_origin_not_allowed_shows_an_error(
    site: Site, open_page: Callable[[str], Page]
) -> None:
    page = open_page("es-ES")
    page.goto(f"{site.stranger}/embed.html")
    with page.expect_event("requestfailed", lambda request: "/search?" in request.url):
        page.get_by_role("combobox").fill(SPANISH)
    expect(page.get_by_role("status")).to_have_text("No se pudo consultar el servicio.")
    expect(page.get_by_role("option")).to_have_count(0)


def test_widget_says_when_the_documents_do_not_answer(
    site: Site, open_page: Callable[[str], Page]
) -> None:
    expected = search(site, OFF_TOPIC)
    assert expected["answer"] is None, "the off-topic question got an answer: pick another one"
    page = open_page("es-MX")
    page.goto(f"{site.host}/embed.html")
    ask_widget(page, OFF_TOPIC)
    expect(page.get_by_role("status")).to_have_text(
        "Los documentos no responden a esta pregunta. Pasajes más cercanos:"
    )
    expect(page.get_by_role("option")).to_have_count(len(expected["passages"]))
    expect(page.get_by_role("listbox").locator("mark")).to_have_count(0)


def test_widget_and_host_styles_stay_apart(site: Site, open_page: Callable[[str], Page]) -> None:
    page = open_page("es-MX")
    page.goto(f"{site.host}/embed.html")
    ask_widget(page, SPANISH)
    box = page.get_by_role("combobox")
    mark = page.get_by_role("listbox").locator("mark")
    expect(mark).to_have_count(1)

    def style(locator, prop: str) -> str:
        return locator.evaluate(f"el => getComputedStyle(el).getPropertyValue('{prop}')")

    # The host page's loud rules (30px, red, blue marks) do not reach into the widget...
    assert style(box, "font-size") == "15px"
    assert style(box, "color") != "rgb(204, 0, 0)"
    assert style(mark, "background-color") == "rgb(255, 229, 138)"
    # ...and the widget's rules for .results, .option and mark do not reach out.
    host_list = page.locator("body > ul.results")
    assert style(host_list, "list-style-type") == "disc"
    assert style(host_list, "border-top-width") == "0px"
    assert style(host_list.locator(".option"), "font-size") == "30px"
    assert style(page.locator("p.site-footer mark"), "background-color") == "rgb(153, 204, 255)"
    # Nor do its names: the shared core stays inside the widget's own function.
    assert page.evaluate("typeof DocQA") == "undefined"


# --- the search page and the document view ----------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "question", "title", "found", "button"),
    [
        ("es-ES", SPANISH, "Buscar en los documentos", "5 pasajes", "Ver en el documento"),
        ("en-GB", ENGLISH, "Search the documents", "5 passages", "Open in document"),
    ],
)
def test_search_page_in_the_browsers_language(
    site: Site,
    open_page: Callable[[str], Page],
    locale: str,
    question: str,
    title: str,
    found: str,
    button: str,
) -> None:
    expected = search(site, question)
    assert expected["answer"] is not None
    page = open_page(locale)
    page.goto(f"{site.api}/")
    expect(page.locator("html")).to_have_attribute("lang", locale[:2])
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    page.get_by_role("searchbox").fill(question)
    page.get_by_role("searchbox").press("Enter")

    results = page.locator("#results > li")
    expect(results).to_have_count(len(expected["passages"]))
    expect(page.get_by_role("status")).to_contain_text(found)
    first = results.first
    # The answer sentence is marked once, in whichever passage holds it.
    expect(page.locator("#results mark")).to_have_count(1)
    expect(page.locator("#results mark")).to_have_text(expected["answer"]["text"])
    top = expected["passages"][0]
    expect(first.locator(".source")).to_have_text(top["citation"]["title"])
    link = first.get_by_role("link", name=button)
    page.screenshot(path=ARTIFACTS / f"page-{locale}.png", full_page=True)
    link.click()
    check_view(page, top["citation"], top["text"])
    page.go_back()
    # The question is in the address, so going back shows the same search again.
    expect(page.get_by_role("searchbox")).to_have_value(question)
    expect(results).to_have_count(len(expected["passages"]))


def test_search_page_marks_the_value_and_links_the_figures_that_disagree(
    site: Site, open_page: Callable[[str], Page]
) -> None:
    expected = search(site, SPANISH)
    value = expected["answer"]["value"]
    figures = expected["figures"]
    assert value is not None and len(figures) >= 3
    page = open_page("es-ES")
    page.goto(f"{site.api}/?" + urlencode({"q": SPANISH}))
    expect(page.locator("#results mark .value")).to_have_text(value["text"])
    line = page.locator(".figures")
    expect(line).to_contain_text("Las fuentes difieren:")
    links = line.get_by_role("link")
    expect(links).to_have_count(len(figures))
    expect(links).to_have_text([f["value"]["text"] for f in figures])
    page.screenshot(path=ARTIFACTS / "page-figures.png", full_page=True)
    links.nth(1).click()
    check_view(page, figures[1]["citation"], figures[1]["text"])


def test_document_view_explains_what_it_cannot_show(
    site: Site, open_page: Callable[[str], Page]
) -> None:
    doc_id = httpx.get(f"{site.api}/documents").json()[0]["doc_id"]
    page = open_page("en-US")
    page.goto(f"{site.api}/view/no-such-doc.txt?start=0&end=5")
    expect(page.get_by_role("status")).to_have_text("There is no such document.")
    page.goto(f"{site.api}/view/{doc_id}?start=999999&end=1000001")
    expect(page.get_by_role("status")).to_have_text("The cited passage is not in this document.")
    expect(page.locator("#doc-text")).not_to_be_empty()
    expect(page.locator("#doc-text mark")).to_have_count(0)
    page.goto(f"{site.api}/view/{doc_id}?start=0&end=10&v=an-older-build")
    expect(page.get_by_role("status")).to_contain_text("The index was updated")
    expect(page.locator("#doc-text mark")).to_have_count(1)


def test_api_docs_render_offline(site: Site, open_page: Callable[[str], Page]) -> None:
    page = open_page("en-US")
    page.goto(f"{site.api}/docs")
    expect(page.locator(".opblock-summary-path", has_text="/ask")).to_have_count(1)
    expect(page.locator(".opblock-summary-path", has_text="/admin/reload")).to_have_count(1)


# --- hostile document text -------------------------------------------------------------------

HOSTILE = {
    "hostil.txt": (
        "<img src=x onerror=\"window.pwned='title'\">Hospital <script>window.pwned=1</script>\n\n"
        "El hospital <script>window.pwned='body'</script> tiene 42 camas "
        "<img src=x onerror=\"window.pwned='img'\"> y un quirófano <b>nuevo</b>. "
        "La clínica del hospital atiende a 300 pacientes cada semana.\n"
    )
}
HOSTILE_QUESTION = "¿Cuántas camas tiene el hospital?"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory, servers: Servers) -> Site:
    folder = tmp_path_factory.mktemp("hostile")
    corpus = write_corpus(folder / "corpus", {**SMALL_CORPUS, **HOSTILE})
    ingest(make_settings(folder / "index", corpus))
    return start_site(folder / "index", corpus, servers)


def assert_inert(page: Page, scope: str) -> None:
    """Nothing from the document became an element, and none of its scripts ran."""
    assert page.locator(f"{scope} :is(img, script, b)").count() == 0
    assert page.evaluate("window.pwned") is None


def test_hostile_document_text_renders_as_text(
    hostile_site: Site, open_page: Callable[[str], Page]
) -> None:
    expected = search(hostile_site, HOSTILE_QUESTION)
    hostile = [p for p in expected["passages"] if p["citation"]["source"] == "hostil.txt"]
    assert hostile, "the hostile document is not among the results"

    page = open_page("es-ES")
    page.goto(f"{hostile_site.api}/?{urlencode({'q': HOSTILE_QUESTION})}")
    result = page.locator("#results > li").filter(has_text="<script>window.pwned='body'</script>")
    expect(result).to_have_count(1)
    expect(result.locator(".source")).to_have_text(hostile[0]["citation"]["title"])
    assert_inert(page, "#results")

    result.get_by_role("link").click()
    check_view(page, hostile[0]["citation"], hostile[0]["text"])
    expect(page.locator("#doc-text")).to_contain_text("<img src=x onerror=\"window.pwned='img'\">")
    expect(page.locator("#doc-title")).to_contain_text("<script>window.pwned=1</script>")
    assert_inert(page, "main")
    page.screenshot(path=ARTIFACTS / "hostile-view.png")

    widget = open_page("es-ES")
    widget.goto(f"{hostile_site.host}/embed.html")
    ask_widget(widget, HOSTILE_QUESTION)
    expect(widget.get_by_role("option").filter(has_text="<script>")).not_to_have_count(0)
    assert_inert(widget, ".docqa-widget")
