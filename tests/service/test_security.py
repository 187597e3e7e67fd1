"""Attacks on the service: path traversal, oversized, slow and deeply nested requests, floods,
forged client addresses, unbounded echoes."""

import json
import logging
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from conftest import SMALL_CORPUS, ingest, make_settings, run_cli, write_corpus
from pydantic import SecretStr

from docqa.config import Settings
from docqa.eval.targets import HttpTarget, TargetError
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
        # Run as `docqa serve` runs it: its timeouts and its proxy trust.
        return servers.start(create_app(settings), settings=settings)

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


def test_a_fresh_x_forwarded_for_does_not_escape_the_limit(start: Callable[..., str]) -> None:
    url = start(rate_limit_per_minute=6, rate_limit_burst=3)
    with httpx.Client(base_url=url, timeout=60) as flood:
        statuses = [
            flood.get("/documents", headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code
            for n in range(5)
        ]
        assert statuses == [200, 200, 200, 429, 429]
        assert "too many requests from 127.0.0.1" in flood.get("/documents").json()["detail"]


def test_a_named_proxy_is_believed(start: Callable[..., str]) -> None:
    # So that the test above shows the default, not forwarded headers that never work.
    url = start(rate_limit_per_minute=6, rate_limit_burst=3, forwarded_allow_ips=["127.0.0.1"])
    with httpx.Client(base_url=url, timeout=60) as proxy:
        statuses = [
            proxy.get("/documents", headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code
            for n in range(5)
        ]
        assert statuses == [200] * 5
        for _ in range(3):
            proxy.get("/documents", headers={"X-Forwarded-For": "203.0.113.9"})
        refused = proxy.get("/documents", headers={"X-Forwarded-For": "203.0.113.9"})
        assert "too many requests from 203.0.113.9" in refused.json()["detail"]


# --- batch clients with API keys -----------------------------------------------------------

BATCH_KEY = "batch-key-0123456789"


def asks(url: str, key: str | None, questions: int) -> HttpTarget:
    """A batch of `questions` /ask requests through eval's HTTP target; returns the target."""
    target = HttpTarget(url, api_key=SecretStr(key) if key else None)
    try:
        for _ in range(questions):
            assert target.ask(QUESTION, 3)["passages"]
    finally:
        target.close()
    return target


def test_a_batch_with_a_key_is_not_limited_and_one_without_waits(
    start: Callable[..., str],
) -> None:
    url = start(rate_limit_per_minute=60, rate_limit_burst=2, api_keys=[BATCH_KEY])
    assert asks(url, BATCH_KEY, 8).rate_limited == 0
    started = time.monotonic()
    # /health (unlimited) then 8 questions against a bucket of 2 refilling at 1 a second.
    unkeyed = asks(url, None, 8)
    assert unkeyed.rate_limited >= 4
    # Each 429 was waited out as its Retry-After said (1 s), not retried at once.
    assert time.monotonic() - started >= unkeyed.rate_limited * 0.9


def test_a_wrong_key_is_a_401_not_a_slow_run(start: Callable[..., str]) -> None:
    url = start(rate_limit_per_minute=60, rate_limit_burst=2, api_keys=[BATCH_KEY])
    with pytest.raises(TargetError, match=r"401.*not one of DOCQA_API_KEYS"):
        asks(url, "wrong-key-0123456789", 1)
    with httpx.Client(base_url=url, timeout=60) as http:
        # Another scheme (a proxy's Basic auth) is not a key and is limited as usual.
        response = http.get("/documents", headers={"Authorization": "Basic dXNlcjpwYXNz"})
        assert response.status_code == 200


def refused_asks(http: httpx.Client) -> float:
    """How many POST /ask the service has answered 429, from its /metrics."""
    metrics = http.get("/metrics").text
    series = 'docqa_requests_total{method="POST",route="/ask",status="429"} '
    rows = [row for row in metrics.splitlines() if row.startswith(series)]
    return sum(float(row.removeprefix(series)) for row in rows)


def test_docqa_eval_over_http_sends_its_key(
    start: Callable[..., str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    question = {
        "question": QUESTION,
        "lang": "es",
        "answers": ["gratuita"],
        "doc_id": "salud.txt",
        "cross_lingual": False,
        "kind": "name",
    }
    rows = [{"id": f"q-{n}", **question} for n in range(5)]
    question_set = tmp_path / "set.jsonl"
    question_set.write_text("".join(json.dumps(row) + "\n" for row in rows), "utf-8")
    url = start(rate_limit_per_minute=60, rate_limit_burst=1, api_keys=[BATCH_KEY])
    command = ("eval", "--set", str(question_set), "--target", url, "--gate", "none")
    with httpx.Client(base_url=url, timeout=60) as http:
        monkeypatch.setenv("DOCQA_EVAL_API_KEY", BATCH_KEY)
        keyed = run_cli(*command)
        assert keyed.returncode == 0, keyed.stderr
        assert refused_asks(http) == 0
        monkeypatch.delenv("DOCQA_EVAL_API_KEY")
        unkeyed = run_cli(*command)
        # Refused, waited out, and answered in the end.
        assert unkeyed.returncode == 0, unkeyed.stderr
        assert refused_asks(http) >= 3
    assert "5 questions" in keyed.stdout and "5 questions" in unkeyed.stdout
    assert "DOCQA_EVAL_API_KEY" in unkeyed.stderr and "DOCQA_EVAL_API_KEY" not in keyed.stderr


# --- echoes of what a client sent ----------------------------------------------------------


def test_a_huge_doc_id_is_echoed_shortened(
    client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    # 100,000 characters: over what httpx sends, so written to the socket by hand.
    request = f"GET /documents/{'x' * 100_000} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    logged = caplog.at_level(logging.INFO, logger="docqa.access")
    with logged, connect(str(client.base_url)) as sock:
        sock.sendall(request.encode())
        response = b""
        while chunk := sock.recv(65536):
            response += chunk
    head, body = response.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 404 ")
    detail = json.loads(body)["detail"]
    assert len(detail) < 200 and "(100,000 characters)" in detail
    [line] = [r for r in caplog.records if r.name == "docqa.access" and r.status == 404]
    assert len(line.path) < 200 and "(100,011 characters)" in line.path


def test_a_huge_content_type_and_field_name_are_echoed_shortened(client: httpx.Client) -> None:
    refused = client.post("/ask", content=b"{}", headers={"content-type": "text/" + "x" * 5000})
    assert refused.status_code == 415 and len(refused.json()["detail"]) < 200
    invalid = client.post("/ask", json={"question": "hola", "f" * 20_000: 1})
    assert invalid.status_code == 422
    [error] = invalid.json()["detail"]
    assert len(error["field"]) < 200 and "(20,000 characters)" in error["field"]


# --- control characters --------------------------------------------------------------------


@pytest.mark.parametrize("question", ["hola\u0000", "hola\x1b[31m", "ho\x7fla", "hola\x85"])
def test_control_characters_in_a_question_are_a_422(client: httpx.Client, question: str) -> None:
    asked = client.post("/ask", json={"question": question})
    assert asked.status_code == 422
    [error] = asked.json()["detail"]
    assert error["field"] == "question" and "control character U+" in error["message"]
    searched = client.get("/search", params={"q": question})
    assert searched.status_code == 422
    assert [e["field"] for e in searched.json()["detail"]] == ["q"]


def test_tabs_and_line_breaks_in_a_question_are_accepted(client: httpx.Client) -> None:
    response = client.post("/ask", json={"question": "¿La vacunación\tinfantil\r\nes gratuita?"})
    assert response.status_code == 200


# --- the published limits ------------------------------------------------------------------


def test_openapi_publishes_the_configured_limits(start: Callable[..., str]) -> None:
    url = start(max_k=20, max_question_chars=300, default_k=4)
    with httpx.Client(base_url=url, timeout=60) as http:
        spec = http.get("/openapi.json").json()
        body = spec["components"]["schemas"]["AskRequest"]["properties"]
        assert (body["question"]["minLength"], body["question"]["maxLength"]) == (1, 300)
        assert (body["k"]["minimum"], body["k"]["maximum"], body["k"]["default"]) == (1, 20, 4)
        q, k = spec["paths"]["/search"]["get"]["parameters"]
        assert (q["schema"]["minLength"], q["schema"]["maxLength"]) == (1, 300)
        assert (k["schema"]["anyOf"][0]["minimum"], k["schema"]["anyOf"][0]["maximum"]) == (1, 20)
        # The bounds are those the service checks: just inside is answered, just outside not.
        assert http.post("/ask", json={"question": "a" * 300, "k": 20}).status_code == 200
        assert http.post("/ask", json={"question": "a" * 301}).status_code == 422
        assert http.post("/ask", json={"question": "hola", "k": 21}).status_code == 422
        assert http.get("/search", params={"q": "hola", "k": 0}).status_code == 422


# --- slow clients --------------------------------------------------------------------------


def connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    return socket.create_connection((parts.hostname, parts.port), timeout=30)


def closed_after(sock: socket.socket, trickle: bytes, every: float = 0.2) -> tuple[float, bytes]:
    """Send `trickle` a byte every `every` s until the server closes; (seconds, what it sent)."""
    started = time.monotonic()
    received = b""
    sock.settimeout(every)
    for byte in trickle:
        try:
            sock.sendall(bytes([byte]))
            while chunk := sock.recv(65536):
                received += chunk
            break  # the server closed the connection
        except TimeoutError:
            continue
        except (BrokenPipeError, ConnectionResetError):
            break
    return time.monotonic() - started, received


def test_a_body_sent_a_byte_at_a_time_is_cut_off(start: Callable[..., str]) -> None:
    url = start(body_timeout_seconds=1.5)
    body = json.dumps({"question": QUESTION}).encode() * 10
    head = (
        f"POST /ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    with connect(url) as sock:
        sock.sendall(head)
        seconds, received = closed_after(sock, body)
    # 1.5 s, not the 80 s the whole body would take at this pace.
    assert 1.4 <= seconds < 5, seconds
    assert received.startswith(b"HTTP/1.1 408 ")
    assert b"DOCQA_BODY_TIMEOUT_SECONDS" in received


def test_headers_sent_a_byte_at_a_time_are_cut_off(start: Callable[..., str]) -> None:
    url = start(header_timeout_seconds=1.5)
    head = b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 400 + b"\r\n\r\n"
    with connect(url) as sock:
        seconds, received = closed_after(sock, head)
    assert 1.4 <= seconds < 5, seconds
    assert received == b""


def test_an_idle_connection_is_closed(start: Callable[..., str]) -> None:
    url = start(header_timeout_seconds=1, keep_alive_seconds=1)
    with connect(url) as sock:
        # Opened and never used, then kept alive after a request: both closed within a second.
        started = time.monotonic()
        assert sock.recv(1) == b""
        assert time.monotonic() - started < 5
    with connect(url) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        started = time.monotonic()
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        assert received.startswith(b"HTTP/1.1 200 ")
        assert time.monotonic() - started < 5
