"""The HTTP service against a real index of corpus/, over a real uvicorn server: the contract
tests on each backend (FAISS and Milvus Lite), the request checks and static files on FAISS."""

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from conftest import CorpusIndex, assert_same_passages, faiss_only, make_settings
from starlette.testclient import TestClient

from docqa.index.base import IndexNotFoundError
from docqa.index.milvus.client import public_uri
from docqa.service.app import create_app
from service.servers import Servers, free_port

SPANISH = "¿Cuántos hospitales tiene el IMSS-Bienestar?"
ENGLISH_BRANCH_19 = "Where does the money for IMSS-Bienestar come from in the federal budget?"
BRANCH_19_SOURCE = "004_d2aca7a4c659a733.txt"
ASK_KEYS = {
    "question",
    "language",
    "answer",
    "passages",
    "index_version",
    "took_ms",
    "figures",
}
SERVE = [sys.executable, "-m", "docqa.cli", "serve"]
CITATION_KEYS = {"doc_id", "title", "source", "page", "start", "end"}


@pytest.fixture(scope="module")
def base_url(any_index: CorpusIndex, servers: Servers) -> str:
    return servers.start(create_app(any_index.settings, any_index.index_dir))


@pytest.fixture(scope="module")
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=120) as http:
        yield http


@pytest.fixture(scope="module")
def health(client: httpx.Client) -> dict:
    response = client.get("/health")
    assert response.status_code == 200
    return response.json()


@pytest.fixture(scope="module")
def documents(client: httpx.Client) -> dict[str, dict]:
    """Every document's full record, by doc_id."""
    listing = client.get("/documents").json()
    return {d["doc_id"]: client.get(f"/documents/{d['doc_id']}").json() for d in listing}


def assert_cited(span: dict, documents: dict[str, dict]) -> None:
    citation = span["citation"]
    assert set(citation) == CITATION_KEYS
    doc = documents[citation["doc_id"]]
    assert span["text"] == doc["text"][citation["start"] : citation["end"]]
    assert span["text"].strip()
    assert citation["title"] == doc["title"]
    assert citation["source"] == doc["source"]


# --- /health and /documents ----------------------------------------------------------------


def test_health_reports_the_loaded_index(health: dict, any_index: CorpusIndex) -> None:
    report, settings = any_index.report, any_index.settings
    assert health["status"] == "ok"
    assert health["documents"] == report.documents == 5
    assert health["chunks"] == report.chunks > 0
    assert health["index_version"] == report.build_id
    assert health["embedders"] == settings.embedders
    location = (
        public_uri(settings.milvus_uri)
        if settings.index_backend == "milvus"
        else str(any_index.index_dir)
    )
    assert (health["backend"], health["location"]) == (settings.index_backend, location)
    assert health["model"] and all(part for part in health["model"].split(", "))
    assert len(health["model"].split(", ")) == len(health["embedders"])
    assert health["built_at"]


def test_documents_lists_the_corpus(client: httpx.Client, any_index: CorpusIndex) -> None:
    response = client.get("/documents")
    assert response.status_code == 200
    listing = response.json()
    assert len(listing) == 5
    assert {d["source"] for d in listing} == {p.name for p in any_index.corpus_dir.iterdir()}
    for summary in listing:
        assert set(summary) == {"doc_id", "title", "source", "language", "pages", "chars"}
        assert summary["language"] in {"es", "en"}
        detail = client.get(f"/documents/{summary['doc_id']}").json()
        assert set(detail) == {"doc_id", "title", "source", "language", "pages", "text"}
        assert len(detail["text"]) == summary["chars"] > 0
        assert detail["pages"] == summary["pages"]


def test_unknown_document_is_a_json_404(client: httpx.Client) -> None:
    response = client.get("/documents/no-such-doc.txt")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert "no-such-doc.txt" in response.json()["detail"]


# --- /ask and /search ----------------------------------------------------------------------


def test_spanish_question_passages_and_answer_cite_exact_offsets(
    client: httpx.Client, documents: dict[str, dict], health: dict
) -> None:
    response = client.post("/ask", json={"question": SPANISH})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == ASK_KEYS
    assert body["question"] == SPANISH
    assert body["language"] == "es"
    assert body["index_version"] == health["index_version"]
    assert body["took_ms"] >= 0
    assert len(body["passages"]) == 5  # the default k
    for passage in body["passages"]:
        assert isinstance(passage["score"], float)
        assert_cited(passage, documents)
    assert body["answer"] is not None
    assert_cited(body["answer"], documents)


def test_english_question_finds_the_spanish_branch_19_document(client: httpx.Client) -> None:
    body = client.post("/ask", json={"question": ENGLISH_BRANCH_19, "k": 5}).json()
    assert body["language"] == "en"
    sources = [p["citation"]["source"] for p in body["passages"]]
    assert BRANCH_19_SOURCE in sources


def test_k_sets_the_number_of_passages(client: httpx.Client) -> None:
    body = client.post("/ask", json={"question": SPANISH, "k": 2}).json()
    assert len(body["passages"]) == 2


def test_search_returns_the_same_body_as_ask(client: httpx.Client) -> None:
    asked = client.post("/ask", json={"question": SPANISH, "k": 3}).json()
    searched = client.get("/search", params={"q": SPANISH, "k": 3})
    assert searched.status_code == 200
    found = searched.json()
    assert set(found) == ASK_KEYS
    asked.pop("took_ms")
    found.pop("took_ms")
    assert found == asked


def test_questions_are_stripped_and_echoed(client: httpx.Client) -> None:
    body = client.post("/ask", json={"question": f"  {SPANISH}\n", "k": 1}).json()
    assert body["question"] == SPANISH


def test_concurrent_requests_share_one_index(client: httpx.Client, health: dict) -> None:
    questions = [SPANISH, ENGLISH_BRANCH_19] * 4
    serial = {q: client.post("/ask", json={"question": q}).json()["passages"] for q in questions}

    def ask(question: str) -> dict:
        response = client.post("/ask", json={"question": question})
        assert response.status_code == 200
        return response.json()

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(ask, questions))
    for question, body in zip(questions, results, strict=True):
        assert body["index_version"] == health["index_version"]
        assert_same_passages(body["passages"], serial[question])


# --- bad input: 4xx with a JSON body naming the field, never a 500 ---------------------------


def error_fields(response: httpx.Response) -> dict[str, str]:
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/json")
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail
    for item in detail:
        assert item["message"].strip()
    return {item["field"]: item["message"] for item in detail}


@faiss_only
@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"question": ""}, "question", "empty"),
        ({"question": " \t\n "}, "question", "whitespace"),
        ({"question": "a" * 1001}, "question", "1000"),
        ({"question": SPANISH, "k": 0}, "k", "between 1 and 50"),
        ({"question": SPANISH, "k": 51}, "k", "between 1 and 50"),
        ({"question": SPANISH, "k": -3}, "k", "between 1 and 50"),
        ({"question": SPANISH, "k": "abc"}, "k", "integer"),
        ({"question": SPANISH, "k": 2.5}, "k", "integer"),
        ({"question": SPANISH, "k": None}, "k", "integer"),
        ({"k": 3}, "question", "required"),
        ({"question": 42}, "question", "string"),
        ({"question": SPANISH, "top_k": 3}, "top_k", "not an accepted field"),
        ({"question": "\ud800 hola"}, "question", "unicode"),
        ([SPANISH], "body", "JSON object"),
        ("just a string", "body", "JSON object"),
    ],
)
def test_ask_rejects_bad_input(client: httpx.Client, body: object, field: str, words: str) -> None:
    # json.dumps escapes non-ASCII, so a lone surrogate travels as the JSON escape \ud800.
    content = json.dumps(body).encode()
    response = client.post("/ask", content=content, headers={"content-type": "application/json"})
    assert response.status_code == 422
    fields = error_fields(response)
    assert field in fields
    assert words.lower() in fields[field].lower()


def test_question_at_the_length_limit_is_accepted(client: httpx.Client) -> None:
    response = client.post("/ask", json={"question": "hospitales " * 90 + "a" * 10, "k": 1})
    assert response.status_code == 200


@faiss_only
@pytest.mark.parametrize(
    "content",
    [b'{"question": "hola"', b"{question: 1}", b"", b"\xff\xfe not utf-8"],
)
def test_malformed_json_is_a_clear_4xx(client: httpx.Client, content: bytes) -> None:
    response = client.post("/ask", content=content, headers={"content-type": "application/json"})
    assert response.status_code in {400, 422}
    assert response.headers["content-type"].startswith("application/json")
    detail = response.json()["detail"]
    text = str(detail).lower()
    assert "body" in text or "json" in text


@faiss_only
def test_malformed_json_names_the_problem(client: httpx.Client) -> None:
    response = client.post(
        "/ask", content=b'{"question": "hola",}', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert "malformed JSON" in error_fields(response)["body"]


@faiss_only
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_ask_requires_a_json_content_type(client: httpx.Client, content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = client.post("/ask", content=b'{"question": "hola"}', headers=headers)
    assert response.status_code == 415
    assert response.headers["content-type"].startswith("application/json")
    assert "application/json" in response.json()["detail"]


@faiss_only
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "x" * 1001}, "q"),
        ({"q": SPANISH, "k": "0"}, "k"),
        ({"q": SPANISH, "k": "51"}, "k"),
        ({"q": SPANISH, "k": "abc"}, "k"),
    ],
)
def test_search_rejects_bad_input(client: httpx.Client, params: dict, field: str) -> None:
    response = client.get("/search", params=params)
    assert response.status_code == 422
    assert field in error_fields(response)


@faiss_only
def test_wrong_method_and_unknown_path_are_json(client: httpx.Client) -> None:
    for response in (client.get("/ask"), client.get("/nowhere")):
        assert response.status_code in {404, 405}
        assert response.headers["content-type"].startswith("application/json")


# --- the page, the document view and the widget --------------------------------------------

# Each of these can turn text into markup; document text must only ever become text nodes.
MARKUP_SINKS = ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "DOMParser")


@faiss_only
def test_search_page_is_served_with_a_strict_policy(client: httpx.Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<form id="ask"' in response.text
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_document_view_status_follows_the_doc_id(
    client: httpx.Client, documents: dict[str, dict]
) -> None:
    known = client.get(f"/view/{next(iter(documents))}", params={"start": 0, "end": 5})
    assert known.status_code == 200
    assert known.headers["content-type"].startswith("text/html")
    assert "content-security-policy" in known.headers
    assert client.get("/view/no-such-doc.txt").status_code == 404


@faiss_only
def test_widget_script_is_one_self_contained_file(client: httpx.Client) -> None:
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    script = response.text
    # The shared core travels inside the widget's own function, not as a global.
    assert script.startswith("(() => {") and script.rstrip().endswith("})();")
    assert "const DocQA" in script and "attachShadow" in script


@faiss_only
@pytest.mark.parametrize(
    "path", ["/widget.js", "/static/core.js", "/static/page.js", "/static/view.js"]
)
def test_scripts_never_write_markup(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert not [sink for sink in MARKUP_SINKS if sink in response.text]


@faiss_only
def test_openapi_documents_the_api(client: httpx.Client) -> None:
    page = client.get("/docs").text
    # Swagger UI comes from this service, not from a CDN an offline machine cannot reach.
    assert "docs-assets/swagger-ui-bundle.js" in page and "cdn" not in page
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/ask", "/search", "/health", "/documents", "/documents/{doc_id}"} <= set(paths)
    assert "/admin/reload" in paths


def test_responses_name_the_index_version_in_a_header(client: httpx.Client, health: dict) -> None:
    for response in (
        client.post("/ask", json={"question": SPANISH, "k": 1}),
        client.get("/search", params={"q": SPANISH, "k": 1}),
        client.get("/documents"),
    ):
        assert response.headers["x-index-version"] == health["index_version"]


def test_a_repeated_question_gets_the_same_answer(client: httpx.Client) -> None:
    first, again = (client.post("/ask", json={"question": ENGLISH_BRANCH_19}).json() for _ in "ab")
    # The page shows took_ms: a cached answer reports the time its search took, not the
    # lookup's ("0 ms").
    assert again["took_ms"] == first["took_ms"] >= 1
    assert again == first


# --- startup -------------------------------------------------------------------------------


def test_startup_without_an_index_fails_clearly(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "no-index", tmp_path / "corpus")
    app = create_app(settings)
    with pytest.raises(IndexNotFoundError, match="docqa ingest"), TestClient(app):
        pass


# --- docqa serve ---------------------------------------------------------------------------


def _cli_env() -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_WAIT_POLICY": "PASSIVE"}


def test_docqa_serve_runs_the_service(corpus_index: CorpusIndex, tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [*SERVE, "--index", str(corpus_index.index_dir), "--port", str(port)],
            cwd=tmp_path,
            env=_cli_env(),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"docqa serve exited:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"not ready in 60 s:\n{log.read_text()}"
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.25)
        health = httpx.get(f"{url}/health", timeout=10).json()
        assert health["index_version"] == corpus_index.report.build_id
        asked = httpx.post(f"{url}/ask", json={"question": SPANISH, "k": 3}, timeout=60)
        body = asked.json()
        assert len(body["passages"]) == 3
        assert body["index_version"] == health["index_version"]
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    # Logs are JSON lines, uvicorn's included; each request's line names its request id.
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    assert any("Uvicorn running on" in line["message"] for line in lines)
    [access] = [line for line in lines if line.get("request_id") == asked.headers["x-request-id"]]
    assert (access["method"], access["route"], access["status"]) == ("POST", "/ask", 200)
    assert access["level"] == "INFO" and access["duration_ms"] > 0


def test_docqa_serve_without_an_index_exits_2(tmp_path: Path) -> None:
    result = subprocess.run(
        [*SERVE, "--index", "/nonexistent"],
        cwd=tmp_path,
        env=_cli_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert "docqa ingest" in result.stderr
    assert "Traceback" not in result.stderr
