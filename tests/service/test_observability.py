"""/metrics scraped from a real server, request ids, and the JSON line logged per request."""

import json
import logging
import re
from collections.abc import Iterator

import httpx
import pytest
from conftest import SMALL_CORPUS, ingest, make_settings, write_corpus
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from docqa.config import Settings
from docqa.service.app import create_app
from docqa.service.logs import JsonFormatter
from service.servers import Servers

ADMIN_KEY = "metrics-admin-key-0123456789"
ORIGIN = "https://portal.example.org"
QUESTION = "How many rural hospitals are there?"
LOG_FIELDS = {
    "timestamp",
    "level",
    "logger",
    "message",
    "request_id",
    "method",
    "route",
    "path",
    "status",
    "duration_ms",
    "client",
}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    folder = tmp_path_factory.mktemp("observability")
    corpus = write_corpus(folder / "corpus", SMALL_CORPUS)
    settings = make_settings(
        folder / "index",
        corpus,
        admin_api_key=ADMIN_KEY,
        reload_poll_seconds=0,
        cors_origins=[ORIGIN],
    )
    ingest(settings)
    return create_app(settings)


@pytest.fixture(scope="module")
def site(app: FastAPI, servers: Servers) -> tuple[Settings, str]:
    return app.state.settings, servers.start(app)


@pytest.fixture(scope="module")
def client(site: tuple[Settings, str]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site[1], timeout=60) as http:
        yield http


def scrape(client: httpx.Client) -> dict[tuple[str, tuple], float]:
    """Every sample of /metrics, parsed as Prometheus parses it, by (name, sorted labels)."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def requests_total(samples: dict, route: str, method: str, status: int) -> float:
    labels = (("method", method), ("route", route), ("status", str(status)))
    return samples.get(("docqa_requests_total", labels), 0)


def test_metrics_count_requests_by_route_template(client: httpx.Client) -> None:
    before = scrape(client)
    for _ in range(3):
        assert client.post("/ask", json={"question": QUESTION, "k": 2}).status_code == 200
    assert client.post("/ask", json={"question": ""}).status_code == 422
    assert client.get("/documents/salud.txt").status_code == 200
    assert client.get("/documents/nope-1.txt").status_code == 404
    assert client.get("/documents/nope-2.txt").status_code == 404
    assert client.get("/no/such/path").status_code == 404
    after = scrape(client)

    def grew(route: str, method: str, status: int) -> float:
        return requests_total(after, route, method, status) - requests_total(
            before, route, method, status
        )

    assert grew("/ask", "POST", 200) == 3
    assert grew("/ask", "POST", 422) == 1
    assert grew("/documents/{doc_id}", "GET", 200) == 1
    # Labelled by template, so unknown doc_ids and paths cannot grow the label set.
    assert grew("/documents/{doc_id}", "GET", 404) == 2
    assert grew("unmatched", "GET", 404) == 1
    assert not [key for key in after if "nope" in str(key) or "/no/such" in str(key)]

    count = after[("docqa_request_seconds_count", (("route", "/ask"),))]
    assert count == sum(requests_total(after, "/ask", "POST", s) for s in (200, 422))
    assert after[("docqa_request_seconds_bucket", (("le", "+Inf"), ("route", "/ask")))] == count
    assert after[("docqa_request_seconds_sum", (("route", "/ask"),))] > 0


def test_metrics_follow_the_index_through_a_reload(
    site: tuple[Settings, str], client: httpx.Client
) -> None:
    settings, _ = site
    health = client.get("/health").json()
    samples = scrape(client)
    assert samples[("docqa_index_info", (("version", health["index_version"]),))] == 1
    assert samples[("docqa_documents", ())] == health["documents"] == 3
    assert samples[("docqa_chunks", ())] == health["chunks"]

    write_corpus(settings.corpus_dir, {"extra.txt": "Extra\n\nUn documento más del corpus.\n"})
    second = ingest(settings).build_id
    reloaded = client.post("/admin/reload", headers={"X-API-Key": ADMIN_KEY})
    assert reloaded.json()["index_version"] == second

    samples = scrape(client)
    versions = [labels for name, labels in samples if name == "docqa_index_info"]
    assert versions == [(("version", second),)]
    assert samples[("docqa_documents", ())] == 4


# --- request ids and logs ------------------------------------------------------------------

GENERATED_ID = re.compile(r"[0-9a-f]{32}")


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("client-id_42.a", True),
        ("x" * 64, True),
        ("x" * 65, False),
        ("has space", False),
        ("<script>", False),
        ('a";{"forged": 1}', False),
        ("", False),
    ],
)
def test_a_request_id_is_kept_only_when_sane(client: httpx.Client, sent: str, kept: bool) -> None:
    response = client.get("/health", headers={"X-Request-ID": sent})
    echoed = response.headers["x-request-id"]
    if kept:
        assert echoed == sent
    else:
        assert GENERATED_ID.fullmatch(echoed)


@pytest.mark.parametrize(
    ("method", "path", "content", "status"),
    [
        ("GET", "/no/such/path", None, 404),
        ("POST", "/ask", b'{"question": ""}', 422),
        ("POST", "/ask", b"{" * 70_000, 413),
        ("POST", "/admin/reload", None, 401),
    ],
)
def test_errors_carry_the_request_id_too(
    client: httpx.Client, method: str, path: str, content: bytes | None, status: int
) -> None:
    headers = {"X-Request-ID": "trace-me", "content-type": "application/json"}
    response = client.request(method, path, content=content, headers=headers)
    assert response.status_code == status
    assert response.headers["x-request-id"] == "trace-me"


def test_a_429_carries_the_request_id(site: tuple[Settings, str], servers: Servers) -> None:
    settings, _ = site
    limited = settings.model_copy(update={"rate_limit_per_minute": 1, "rate_limit_burst": 1})
    with httpx.Client(base_url=servers.start(create_app(limited)), timeout=60) as http:
        assert http.get("/documents").status_code == 200
        refused = http.get("/documents", headers={"X-Request-ID": "flood-1"})
    assert refused.status_code == 429
    assert refused.headers["x-request-id"] == "flood-1"


def test_an_unexpected_error_is_a_json_500_with_the_request_id(
    app: FastAPI,
    client: httpx.Client,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(question: str, k: int) -> None:
        raise RuntimeError("secret internals /srv/docqa")

    # uvicorn's loggers do not reach the root logger: let them, to see whether it logs too.
    monkeypatch.setattr(logging.getLogger("uvicorn"), "propagate", True)
    before = scrape(client)
    with caplog.at_level(logging.INFO):
        with monkeypatch.context() as patch:
            patch.setattr(app.state.live.current.searcher, "search", broken)
            response = client.post(
                "/ask",
                json={"question": "What breaks the search?"},
                headers={"X-Request-ID": "crash-1", "Origin": ORIGIN},
            )
        # A request's line is logged after its response is sent, so before the next is served.
        again = client.post("/ask", json={"question": QUESTION}, headers={"X-Request-ID": "ok-2"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"detail": "internal server error"}
    assert "secret" not in response.text and "RuntimeError" not in response.text
    assert response.headers["x-request-id"] == "crash-1"
    # A page on an allowed origin can read the failure and its id, as it can any response.
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert "X-Request-ID" in response.headers["access-control-expose-headers"]

    # Logged once, traceback and request id together, then the access line with the 500.
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert errors[0].request_id == "crash-1"
    assert "RuntimeError: secret internals" in JsonFormatter().format(errors[0])
    crash = [
        record.status
        for record in caplog.records
        if record.name == "docqa.access" and record.request_id == "crash-1"
    ]
    assert crash == [500]
    assert (
        requests_total(scrape(client), "/ask", "POST", 500)
        - requests_total(before, "/ask", "POST", 500)
        == 1
    )

    # The service goes on answering.
    assert again.status_code == 200 and again.json()["passages"]
    assert again.headers["x-request-id"] == "ok-2"


def test_each_request_logs_one_json_line(
    client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="docqa.access"):
        response = client.get("/documents/salud.txt")
        missing = client.get("/documents/nope.txt", headers={"X-Request-ID": "look-for-me"})
        # A request's line is written after its response has gone out: one more request
        # served means the two before it have logged.
        client.get("/health")
    ids = {response.headers["x-request-id"], "look-for-me"}
    lines = [
        json.loads(JsonFormatter().format(record))
        for record in caplog.records
        if record.name == "docqa.access" and getattr(record, "request_id", None) in ids
    ]
    by_id = {line["request_id"]: line for line in lines}
    assert len(lines) == len(by_id) == 2

    found = by_id[response.headers["x-request-id"]]
    assert set(found) == LOG_FIELDS
    assert found["level"] == "INFO" and found["method"] == "GET"
    assert (found["route"], found["path"]) == ("/documents/{doc_id}", "/documents/salud.txt")
    assert found["status"] == 200 and found["client"] == "127.0.0.1"
    assert found["duration_ms"] >= 0
    assert found["message"] == "GET /documents/{doc_id} 200"
    assert by_id["look-for-me"]["status"] == missing.status_code == 404


def test_a_librarys_private_record_fields_stay_out_of_the_json_line() -> None:
    record = logging.makeLogRecord({"msg": "hi", "request_id": "r-1", "_ray_timestamp_ns": 1})
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "r-1" and "_ray_timestamp_ns" not in line
