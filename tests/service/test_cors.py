"""Cross-origin calls, as the widget makes them: only origins in DOCQA_CORS_ORIGINS may read."""

from collections.abc import Iterator

import httpx
import pytest
from conftest import CorpusIndex, make_settings

from docqa.service.app import create_app
from service.servers import Servers

ALLOWED = "https://portal.example.org"
OTHER = "https://elsewhere.example.net"
QUESTION = "¿Cuántos hospitales tiene el IMSS-Bienestar?"


@pytest.fixture(scope="module")
def client(corpus_index: CorpusIndex, servers: Servers) -> Iterator[httpx.Client]:
    settings = make_settings(
        corpus_index.index_dir, corpus_index.corpus_dir, cors_origins=[ALLOWED.upper()]
    )
    with httpx.Client(base_url=servers.start(create_app(settings)), timeout=60) as http:
        yield http


def search(client: httpx.Client, origin: str) -> httpx.Response:
    return client.get("/search", params={"q": QUESTION, "k": 1}, headers={"Origin": origin})


def test_an_allowed_origin_may_read_the_answer(client: httpx.Client) -> None:
    response = search(client, ALLOWED)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED


def test_another_origin_is_not_allowed_to_read(client: httpx.Client) -> None:
    response = search(client, OTHER)
    assert not [name for name in response.headers if name.startswith("access-control-")]


def test_an_allowed_origin_may_read_the_service_headers(client: httpx.Client) -> None:
    response = client.post("/ask", json={"question": QUESTION, "k": 1}, headers={"Origin": ALLOWED})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED
    exposed = {
        name.strip().lower()
        for name in response.headers["access-control-expose-headers"].split(",")
    }
    # Every header the service sets that a script would read: the rest are safelisted.
    assert exposed == {"x-request-id", "x-index-version", "retry-after"}
    assert {"x-request-id", "x-index-version"} <= set(response.headers)


def test_preflight_for_a_json_post_from_an_allowed_origin(client: httpx.Client) -> None:
    response = client.options(
        "/ask",
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "POST" in response.headers["access-control-allow-methods"]


@pytest.mark.parametrize(
    ("origin", "method", "refused"),
    [(OTHER, "POST", "origin"), (ALLOWED, "DELETE", "method"), (OTHER, "PUT", "origin, method")],
)
def test_a_refused_preflight_is_a_json_400(
    client: httpx.Client, origin: str, method: str, refused: str
) -> None:
    response = client.options(
        "/ask", headers={"Origin": origin, "Access-Control-Request-Method": method}
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    detail = response.json()["detail"]
    assert f"({refused})" in detail and origin in detail and "DOCQA_CORS_ORIGINS" in detail
