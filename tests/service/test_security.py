"""Attacks on the service: path traversal, oversized and deeply nested bodies, request floods."""

import json
from collections.abc import Callable, Iterator

import httpx
import pytest
from conftest import SMALL_CORPUS, ingest, make_settings, write_corpus

from docqa.config import Settings
from docqa.service.app import create_app
from docqa.service.ratelimit import TokenBuckets
from service.servers import Servers

QUESTION = "¿La vacunación infantil es gratuita?"
JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def small_index(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    folder = tmp_path_factory.mktemp("security")
    settings = make_settings(folder / "index", write_corpus(folder / "corpus", SMALL_CORPUS))
    ingest(settings)
    return settings


@pytest.fixture(scope="module")
def start(small_index: Settings, servers: Servers) -> Callable[..., str]:
    """Serve the small index with these settings; returns the URL."""

    def serve(**overrides: object) -> str:
        settings = make_settings(
            small_index.index_dir, small_index.corpus_dir, reload_poll_seconds=0, **overrides
        )
        return servers.start(create_app(settings))

    return serve


@pytest.fixture(scope="module")
def client(start: Callable[..., str]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=start(), timeout=60) as http:
        yield http


def raw_get(client: httpx.Client, target: str) -> httpx.Response:
    """GET with the request target sent byte for byte: no client-side dot-segment cleanup."""
    return client.get("/", extensions={"target": target.encode("latin-1")})


# --- path traversal: doc_id and file parameters never reach the file system -----------------

TRAVERSALS = [
    "/documents/../../etc/passwd",
    "/documents/..%2f..%2f..%2fetc%2fpasswd",
    "/documents/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/documents/%2fetc%2fpasswd",
    "/documents//etc/passwd",
    "/documents/..%5c..%5cdocqa%5cconfig.py",
    "/documents/salud.txt%00.html",
    "/view/..%2f..%2f..%2fetc%2fpasswd",
    "/view/%2e%2e%2f%2e%2e%2fpyproject.toml",
    "/view/%00",
    "/static/../../config.py",
    "/static/..%2f..%2f..%2fconfig.py",
    "/static/%2e%2e/%2e%2e/%2e%2e/config.py",
    "/static/..\\..\\..\\config.py",
    "/static/%2fetc%2fpasswd",
    "/static/core.js%00",
    "/static/core.js%00.html",
    "/docs-assets/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/docs-assets/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
]
# Text of files an attacker would be after: the system's users, this service's own code.
SECRETS = ("root:", "[project]", "class Settings", "def create_app")


@pytest.mark.parametrize("target", TRAVERSALS)
def test_path_traversal_gets_a_404_and_no_file(client: httpx.Client, target: str) -> None:
    response = raw_get(client, target)
    assert response.status_code in {400, 404, 422}, response.text[:200]
    assert not [secret for secret in SECRETS if secret in response.text]


def test_the_same_requests_reach_files_that_are_meant_to_be_served(client: httpx.Client) -> None:
    # So the 404s above are the service refusing, not the request going astray.
    assert "DocQA" in raw_get(client, "/static/%63ore.js").text
    assert raw_get(client, "/documents/salud.txt").json()["source"] == "salud.txt"


def test_a_hostile_doc_id_is_never_markup(client: httpx.Client) -> None:
    hostile = "<script>alert(1)</script>"
    view = client.get(f"/view/{hostile}")
    assert view.status_code == 404 and hostile not in view.text
    document = client.get(f"/documents/{hostile}")
    assert document.status_code == 404
    # Named in the message, inside JSON, which browsers never render as a page.
    assert document.headers["content-type"].startswith("application/json")


# --- request bodies ------------------------------------------------------------------------


def test_a_body_over_the_limit_is_a_413_before_it_is_read(client: httpx.Client) -> None:
    body = json.dumps({"question": "a" * 70_000}).encode()
    response = client.post("/ask", content=body, headers=JSON)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/json")
    assert "65536 bytes" in response.json()["detail"]
    assert "DOCQA_MAX_BODY_BYTES" in response.json()["detail"]


def test_a_streamed_body_without_content_length_is_counted(client: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"question": "'
        for _ in range(100):
            yield b"a" * 1000
        yield b'"}'

    # A generator body goes out with Transfer-Encoding: chunked and no Content-Length.
    response = client.post("/ask", content=chunks(), headers=JSON)
    assert response.status_code == 413
    assert "DOCQA_MAX_BODY_BYTES" in response.json()["detail"]


def test_a_body_at_the_limit_is_read_and_validated(client: httpx.Client) -> None:
    padding = 65536 - len(json.dumps({"question": ""}))
    body = json.dumps({"question": "a" * padding}).encode()
    assert len(body) == 65536
    response = client.post("/ask", content=body, headers=JSON)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "question"


@pytest.mark.parametrize(("depth", "status"), [(20_000, 422), (100_000, 413)])
def test_deeply_nested_json_is_a_clear_4xx(client: httpx.Client, depth: int, status: int) -> None:
    response = client.post("/ask", content=b"[" * depth, headers=JSON)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    if status == 422:
        [error] = response.json()["detail"]
        assert (error["field"], error["message"]) == ("body", "malformed JSON: nested too deeply")


# --- rate limiting -------------------------------------------------------------------------


def test_a_flood_from_one_client_gets_429_with_retry_after(start: Callable[..., str]) -> None:
    url = start(rate_limit_per_minute=6, rate_limit_burst=3)
    with httpx.Client(base_url=url, timeout=60) as flood:
        statuses = [flood.get("/documents").status_code for _ in range(3)]
        assert statuses == [200, 200, 200]
        refused = flood.post("/ask", json={"question": QUESTION})
        assert refused.status_code == 429
        assert refused.headers["content-type"].startswith("application/json")
        # Six a minute: the next token is at most ten seconds away.
        assert 1 <= int(refused.headers["retry-after"]) <= 10
        assert "DOCQA_RATE_LIMIT_PER_MINUTE" in refused.json()["detail"]
        # Monitoring still gets through.
        assert flood.get("/health").status_code == 200
        assert flood.get("/metrics").status_code == 200
    # Another client address has its own bucket (all of 127.0.0.0/8 is loopback).
    other = httpx.HTTPTransport(local_address="127.0.0.2")
    with httpx.Client(base_url=url, transport=other, timeout=60) as neighbour:
        assert neighbour.get("/documents").status_code == 200


def test_a_rate_of_zero_turns_the_limit_off(start: Callable[..., str]) -> None:
    url = start(rate_limit_per_minute=0, rate_limit_burst=1)
    with httpx.Client(base_url=url, timeout=60) as http:
        assert {http.get("/documents").status_code for _ in range(20)} == {200}


def test_a_bucket_refills_at_the_set_rate() -> None:
    buckets = TokenBuckets(per_minute=60, burst=2)
    assert [buckets.take("a", now=100.0) for _ in range(2)] == [0, 0]
    assert buckets.take("a", now=100.0) == pytest.approx(1.0)
    assert buckets.take("a", now=100.5) == pytest.approx(0.5)
    assert buckets.take("a", now=101.0) == 0
    # A long pause fills the bucket only up to the burst.
    assert [buckets.take("a", now=1000.0) for _ in range(3)][-1] == pytest.approx(1.0)


def test_buckets_are_per_client_and_bounded() -> None:
    buckets = TokenBuckets(per_minute=60, burst=1, max_clients=2)
    assert buckets.take("a", now=0.0) == 0
    assert buckets.take("a", now=0.0) > 0
    assert buckets.take("b", now=0.0) == 0
    # A third client pushes out the least recently seen one, which starts afresh.
    assert buckets.take("c", now=0.0) == 0
    assert buckets.take("a", now=0.0) == 0
    assert len(buckets) == 2
