"""A new index build is served without a restart: admin reload, the CURRENT watch, failures."""

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from conftest import SMALL_CORPUS, assert_same_passages, ingest, make_settings, write_corpus

from docqa.config import Settings
from docqa.embed.registry import get_embedder
from docqa.index import store
from docqa.index.search import Searcher
from docqa.model import Document
from docqa.service.app import create_app
from service.servers import Servers

# The file a re-ingest adds, and a question only it answers.
NEW_FILE = {
    "ambulancias.txt": (
        "Ambulancias aéreas\n\n"
        "El programa opera 12 ambulancias aéreas para trasladar pacientes desde zonas rurales. "
        "Cada ambulancia aérea lleva un médico y una enfermera.\n"
    )
}
NEW_QUESTION = "¿Cuántas ambulancias aéreas opera el programa?"
QUESTIONS = [
    NEW_QUESTION,
    "¿La vacunación infantil es gratuita?",
    "How many rural hospitals are there?",
    "¿Con qué recursos se financia el programa?",
]
ADMIN_KEY = "test-admin-key-0123456789"
AUTH = {"X-API-Key": ADMIN_KEY}


@dataclass
class Site:
    settings: Settings
    url: str
    first_version: str

    def add_file_and_ingest(self) -> str:
        """A real re-ingest with one more file; returns the new build id (now CURRENT)."""
        write_corpus(self.settings.corpus_dir, NEW_FILE)
        report = ingest(self.settings)
        assert report.build_id != self.first_version
        return report.build_id


def serve_small_corpus(folder: Path, servers: Servers, **overrides: object) -> Site:
    """A small corpus, ingested, served with these settings (no watch unless asked)."""
    corpus = write_corpus(folder / "corpus", SMALL_CORPUS)
    # No rate limit: the load tests send many requests a second from one address.
    options = {
        "admin_api_key": ADMIN_KEY,
        "reload_poll_seconds": 0,
        "rate_limit_per_minute": 0,
        **overrides,
    }
    settings = make_settings(folder / "index", corpus, **options)
    first = ingest(settings).build_id
    return Site(settings, servers.start(create_app(settings)), first)


@pytest.fixture
def start_site(tmp_path: Path, servers: Servers) -> Callable[..., Site]:
    return lambda **overrides: serve_small_corpus(tmp_path, servers, **overrides)


@pytest.fixture(scope="module")
def keyed_site(tmp_path_factory: pytest.TempPathFactory, servers: Servers) -> Site:
    return serve_small_corpus(tmp_path_factory.mktemp("keyed"), servers)


def version(url: str) -> str:
    return httpx.get(f"{url}/health", timeout=30).json()["index_version"]


def ask(url: str, question: str) -> dict:
    response = httpx.post(f"{url}/ask", json={"question": question, "k": 3}, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def reload(url: str, headers: dict | None = None) -> httpx.Response:
    return httpx.post(f"{url}/admin/reload", headers=headers or AUTH, timeout=120)


def sources(body: dict) -> set[str]:
    return {p["citation"]["source"] for p in body["passages"]}


def test_admin_reload_serves_a_new_build(start_site: Callable[..., Site]) -> None:
    site = start_site()
    before = ask(site.url, NEW_QUESTION)
    assert before["index_version"] == site.first_version
    assert "ambulancias.txt" not in sources(before)

    second = site.add_file_and_ingest()
    assert version(site.url) == site.first_version  # no watch: nothing changes by itself

    response = reload(site.url)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["previous_version"] == site.first_version
    assert body["index_version"] == second
    assert body["changed"] is True

    assert version(site.url) == second
    assert len(httpx.get(f"{site.url}/documents").json()) == 4
    # The same question and k as before the reload: the old build's cached result is gone.
    after = ask(site.url, NEW_QUESTION)
    assert after["index_version"] == second
    assert after["passages"][0]["citation"]["source"] == "ambulancias.txt"

    again = reload(site.url).json()
    assert again["changed"] is False
    assert again["index_version"] == second


def test_the_watch_serves_a_new_build_without_a_call(start_site: Callable[..., Site]) -> None:
    site = start_site(reload_poll_seconds=0.2)
    second = site.add_file_and_ingest()
    deadline = time.monotonic() + 60
    while version(site.url) != second:
        assert time.monotonic() < deadline, "the watch did not pick up the new build in 60 s"
        time.sleep(0.1)
    assert ask(site.url, NEW_QUESTION)["index_version"] == second


def test_a_damaged_build_is_refused_and_the_old_one_kept(
    start_site: Callable[..., Site],
) -> None:
    site = start_site()
    damaged = site.add_file_and_ingest()
    (site.settings.index_dir / store.BUILDS / damaged / "chunks.npy").unlink()

    response = reload(site.url)
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/json")
    detail = response.json()["detail"]
    assert "chunks.npy" in detail and f"still serving {site.first_version}" in detail

    health = httpx.get(f"{site.url}/health").json()
    assert health["index_version"] == site.first_version
    assert "chunks.npy" in health["last_reload_error"]
    assert ask(site.url, QUESTIONS[1])["index_version"] == site.first_version

    # The next ingest rebuilds the damaged build; reloading it clears the error.
    repaired = ingest(site.settings).build_id
    assert reload(site.url).json()["index_version"] == repaired
    assert httpx.get(f"{site.url}/health").json()["last_reload_error"] is None


def test_requests_during_a_swap_see_exactly_one_build(
    start_site: Callable[..., Site],
) -> None:
    # No cache: every request runs a full search while the builds are swapped.
    site = start_site(result_cache_size=0)
    second = site.add_file_and_ingest()
    builds = site.settings.index_dir / store.BUILDS
    embedders = [get_embedder(name, site.settings) for name in site.settings.embedders]

    def searcher(build: str) -> Searcher:
        return Searcher(store.read_build(builds / build), embedders, site.settings)

    expected = {
        build: {q: searcher(build).search(q, 3).to_dict()["passages"] for q in QUESTIONS}
        for build in (site.first_version, second)
    }
    assert expected[site.first_version] != expected[second]

    answered = threading.Event()  # some requests are done on the first build
    reloaded = threading.Event()
    results: list[tuple[bool, dict]] = []  # (sent after the reload returned, body)
    lock = threading.Lock()

    def traffic(worker: int) -> None:
        with httpx.Client(base_url=site.url, timeout=120) as client:
            after_reload = 0
            for i in range(60):
                if after_reload >= 3:
                    return
                late = reloaded.is_set()
                question = QUESTIONS[(worker + i) % len(QUESTIONS)]
                response = client.post("/ask", json={"question": question, "k": 3})
                assert response.status_code == 200, response.text
                with lock:
                    results.append((late, response.json()))
                    if len(results) >= 6:
                        answered.set()
                after_reload += late

    with ThreadPoolExecutor(max_workers=6) as pool:
        running = [pool.submit(traffic, worker) for worker in range(6)]
        assert answered.wait(timeout=120)
        response = reload(site.url)
        reloaded.set()
        for future in running:
            future.result()
    assert response.status_code == 200
    assert response.json()["index_version"] == second

    seen = {body["index_version"] for _, body in results}
    assert seen == {site.first_version, second}
    for late, body in results:
        assert_same_passages(body["passages"], expected[body["index_version"]][body["question"]])
        if late:
            assert body["index_version"] == second


# The re-ingest of the live-swap test: one new file, and one changed so its offsets move.
CHANGED_FILE = {
    "salud.txt": (
        "Vacunación infantil\n\n"
        "Las campañas de vacunación recorren también las comunidades rurales. "
        + SMALL_CORPUS["salud.txt"].split("\n\n", 1)[1]
    )
}


def build_documents(settings: Settings, version: str) -> dict[str, Document]:
    """The documents of one build, as stored on disk, by doc_id."""
    data = store.read_build(settings.index_dir / store.BUILDS / version)
    return {doc.doc_id: doc for doc in data.documents}


def assert_consistent(body: dict, version: str, documents: dict[str, Document]) -> None:
    """Every citation in `body` points into that build's own documents, exactly."""
    spans = [*body["passages"], *([body["answer"]] if body["answer"] else [])]
    assert spans
    for span in spans:
        citation = span["citation"]
        doc = documents[citation["doc_id"]]
        assert span["text"] == doc.text[citation["start"] : citation["end"]], version
        assert (citation["title"], citation["source"]) == (doc.title, doc.source)


def test_traffic_during_a_reingest_and_live_swap_sees_one_build_per_response(
    start_site: Callable[..., Site],
) -> None:
    # The watch swaps the build in, as in production; no cache, so every request searches.
    site = start_site(reload_poll_seconds=0.2, result_cache_size=0)
    workers, after_swap, most = 4, 5, 150
    warmed = threading.Event()  # some requests were answered by the first build
    swapped = threading.Event()  # /health reports the new build
    results: list[tuple[bool, httpx.Response]] = []  # (sent after the swap was seen, response)
    lock = threading.Lock()

    def traffic(worker: int) -> None:
        with httpx.Client(base_url=site.url, timeout=120) as client:
            late = 0
            for i in range(most):
                if late >= after_swap:
                    return
                sent_late = swapped.is_set()
                question = QUESTIONS[(worker + i) % len(QUESTIONS)]
                response = client.post("/ask", json={"question": question, "k": 3})
                with lock:
                    results.append((sent_late, response))
                    if len(results) >= 2 * workers:
                        warmed.set()
                late += sent_late

    with ThreadPoolExecutor(max_workers=workers) as pool:
        running = [pool.submit(traffic, worker) for worker in range(workers)]
        assert warmed.wait(timeout=120)
        # A real re-ingest of a changed corpus while the requests keep coming.
        write_corpus(site.settings.corpus_dir, {**NEW_FILE, **CHANGED_FILE})
        second = ingest(site.settings).build_id
        deadline = time.monotonic() + 60
        while version(site.url) != second:
            assert time.monotonic() < deadline, "the watch did not swap the build in 60 s"
            time.sleep(0.1)
        swapped.set()
        for future in running:
            future.result()

    builds = {v: build_documents(site.settings, v) for v in (site.first_version, second)}
    texts = {v: {d.source: d.text for d in docs.values()} for v, docs in builds.items()}
    assert texts[site.first_version]["salud.txt"] != texts[second]["salud.txt"]
    failed = [r for _, r in results if r.status_code != 200]
    assert not failed, [(r.status_code, r.text) for r in failed]
    seen = set()
    for late, response in results:
        body = response.json()
        served = body["index_version"]
        assert response.headers["x-index-version"] == served
        assert served in builds
        assert_consistent(body, served, builds[served])
        if late:
            assert served == second
        seen.add(served)
    assert seen == {site.first_version, second}
    assert len(results) <= workers * most


# --- the admin key ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-API-Key": "wrong"},
        {"X-API-Key": ADMIN_KEY[:-1] + "x"},
        {"X-API-Key": ADMIN_KEY + "0"},
        {"X-API-Key": "é".encode("latin-1") + ADMIN_KEY.encode()},
        {"Authorization": f"Bearer {ADMIN_KEY}"},
    ],
)
def test_reload_needs_the_admin_key(keyed_site: Site, headers: dict) -> None:
    response = httpx.post(f"{keyed_site.url}/admin/reload", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/json")
    assert "X-API-Key" in response.json()["detail"]


def test_the_admin_key_is_accepted(keyed_site: Site) -> None:
    response = reload(keyed_site.url)
    assert response.status_code == 200
    assert response.json()["index_version"] == keyed_site.first_version


def test_admin_endpoints_are_off_without_a_key(start_site: Callable[..., Site]) -> None:
    site = start_site(admin_api_key=None)
    response = reload(site.url)
    assert response.status_code == 403
    assert "DOCQA_ADMIN_API_KEY" in response.json()["detail"]
