"""schemathesis against the service's own OpenAPI description: no 5xx, no answer off the spec."""

from collections.abc import Iterator

import pytest
import schemathesis
from conftest import SMALL_CORPUS, ingest, make_settings, write_corpus
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from docqa.service.app import create_app
from service.servers import Servers

ADMIN_KEY = "fuzz-admin-key-0123456789"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Per operation and mode (valid and invalid input); small operations run out of distinct cases.
EXAMPLES = 60
MIN_CASES = 500
OPERATIONS = {
    "POST /ask",
    "GET /search",
    "GET /health",
    "GET /metrics",
    "GET /documents",
    "GET /documents/{doc_id}",
    "POST /admin/reload",
}


@pytest.fixture(scope="module")
def urls(tmp_path_factory: pytest.TempPathFactory, servers: Servers) -> Iterator[dict[str, str]]:
    """The small corpus served twice: with an admin key, and with admin endpoints off."""
    folder = tmp_path_factory.mktemp("fuzz")
    corpus = write_corpus(folder / "corpus", SMALL_CORPUS)
    # No rate limit: the fuzzer sends hundreds of requests a second from one address.
    options = {"reload_poll_seconds": 0, "rate_limit_per_minute": 0}
    keyed = make_settings(folder / "index", corpus, admin_api_key=ADMIN_KEY, **options)
    ingest(keyed)
    keyless = make_settings(folder / "index", corpus, **options)
    yield {"keyed": servers.start(create_app(keyed)), "keyless": servers.start(create_app(keyless))}


def fuzz(operation: APIOperation, url: str, headers: dict[str, str] | None = None) -> int:
    """Send generated valid and invalid requests to `url`; returns how many."""
    sent = 0
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        # derandomize: the same cases on every run, so a failure can be reproduced.
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case: schemathesis.Case) -> None:
            nonlocal sent
            sent += 1
            case.call_and_validate(base_url=url, headers=headers, checks=CHECKS, timeout=60)

        try:
            run()
        except Unsatisfiable:
            # Inputs that accept anything (no parameters, a free string) have no invalid case.
            assert mode is GenerationMode.NEGATIVE
    return sent


def test_generated_requests_get_no_5xx_and_only_documented_answers(urls: dict[str, str]) -> None:
    schema = schemathesis.openapi.from_url(f"{urls['keyed']}/openapi.json")
    operations = {op.label: op for op in (result.ok() for result in schema.get_all_operations())}
    assert set(operations) == OPERATIONS

    sent = {label: fuzz(op, urls["keyed"]) for label, op in operations.items()}
    reload = operations["POST /admin/reload"]
    sent["POST /admin/reload with the key"] = fuzz(reload, urls["keyed"], {"X-API-Key": ADMIN_KEY})
    sent["POST /admin/reload, admin off"] = fuzz(reload, urls["keyless"])

    assert sum(sent.values()) >= MIN_CASES, sent
