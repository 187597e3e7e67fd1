"""The service on the Milvus backend: the same answers and exact citations as on FAISS, and a
live re-ingest under traffic that gives no failed and no mixed-version answer."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from conftest import CorpusIndex, write_corpus

from docqa.index.base import create_backend
from docqa.model import Document
from docqa.service.app import create_app
from service.servers import Servers
from service.test_reload import (
    CHANGED_FILE,
    NEW_FILE,
    QUESTIONS,
    assert_consistent,
    ingest,
    serve_small_corpus,
    version,
)

CORPUS_QUESTIONS = [
    "¿Cuántos hospitales tiene el IMSS-Bienestar?",
    "Where does the money for IMSS-Bienestar come from in the federal budget?",
    "How many health centers does the program have?",
]


def documents(settings: object) -> dict[str, Document]:
    """The documents of the backend's current build, by doc_id."""
    return {d.doc_id: d for d in create_backend(settings).open().documents}  # type: ignore[arg-type]


def test_ask_cites_exactly_on_each_backend(any_index: CorpusIndex, servers: Servers) -> None:
    url = servers.start(create_app(any_index.settings, any_index.index_dir))
    with httpx.Client(base_url=url, timeout=120) as client:
        health = client.get("/health").json()
        assert health["index_version"] == any_index.report.build_id
        listing = client.get("/documents").json()
        texts = {
            d["doc_id"]: client.get(f"/documents/{d['doc_id']}").json()["text"] for d in listing
        }
        for question in CORPUS_QUESTIONS:
            response = client.post("/ask", json={"question": question, "k": 5})
            assert response.status_code == 200, response.text
            body = response.json()
            assert (
                body["index_version"]
                == response.headers["x-index-version"]
                == health["index_version"]
            )
            spans = [*body["passages"], *([body["answer"]] if body["answer"] else [])]
            spans += body["figures"]
            assert body["passages"]
            for span in spans:
                citation = span["citation"]
                assert (
                    span["text"] == texts[citation["doc_id"]][citation["start"] : citation["end"]]
                )


def test_traffic_during_a_milvus_reingest_sees_one_build_per_response(
    tmp_path: Path, servers: Servers
) -> None:
    # Milvus Lite in this process, shared by the service and the re-ingest; the watch swaps
    # the build in; no cache, so every request searches.
    site = serve_small_corpus(
        tmp_path,
        servers,
        index_backend="milvus",
        milvus_uri=str(tmp_path / "milvus" / "docqa.db"),
        reload_poll_seconds=0.2,
        result_cache_size=0,
    )
    builds = {site.first_version: documents(site.settings)}
    workers, after_swap, most = 4, 5, 150
    warmed, swapped = threading.Event(), threading.Event()
    results: list[tuple[bool, httpx.Response]] = []
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
        write_corpus(site.settings.corpus_dir, {**NEW_FILE, **CHANGED_FILE})
        second = ingest(site.settings).build_id
        deadline = time.monotonic() + 60
        while version(site.url) != second:
            assert time.monotonic() < deadline, "the watch did not swap the build in 60 s"
            time.sleep(0.1)
        swapped.set()
        for future in running:
            future.result()

    builds[second] = documents(site.settings)
    assert builds[site.first_version]["salud.txt"].text != builds[second]["salud.txt"].text
    failed = [r for _, r in results if r.status_code != 200]
    assert not failed, [(r.status_code, r.text) for r in failed]
    seen = set()
    for late, response in results:
        body = response.json()
        served = body["index_version"]
        assert response.headers["x-index-version"] == served
        assert_consistent(body, served, builds[served])
        if late:
            assert served == second
        seen.add(served)
    assert seen == {site.first_version, second}
    create_backend(site.settings).close()  # type: ignore[attr-defined]


pytestmark = pytest.mark.timeout(600)
