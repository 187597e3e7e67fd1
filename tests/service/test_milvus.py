"""The service on the Milvus backend: the same answers and exact citations as on FAISS, and a
live re-ingest under traffic that gives no failed and no mixed-version answer."""

from pathlib import Path

import httpx
import pytest
from conftest import CorpusIndex, make_settings

from docqa.config import Settings
from docqa.index.milvus import MilvusBackend
from docqa.index.milvus.client import public_uri
from docqa.model import Document
from docqa.service.app import create_app
from service import test_reload
from service.servers import Servers

CORPUS_QUESTIONS = [
    "¿Cuántos hospitales tiene el IMSS-Bienestar?",
    "Where does the money for IMSS-Bienestar come from in the federal budget?",
    "How many health centers does the program have?",
]


def test_ask_cites_exactly_on_each_backend(any_index: CorpusIndex, servers: Servers) -> None:
    url = servers.start(create_app(any_index.settings, any_index.index_dir))
    with httpx.Client(base_url=url, timeout=120) as client:
        health = client.get("/health").json()
        assert health["index_version"] == any_index.report.build_id
        settings = any_index.settings
        assert health["backend"] == settings.index_backend
        assert health["location"] == (
            public_uri(settings.milvus_uri)
            if settings.index_backend == "milvus"
            else str(any_index.index_dir)
        )
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
    tmp_path: Path, servers: Servers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """test_reload's live swap under traffic, on Milvus Lite in this process (shared by the
    service and the re-ingest), each build's documents read back from Milvus."""

    milvus = {"index_backend": "milvus", "milvus_uri": str(tmp_path / "milvus" / "docqa.db")}

    def start_site(**overrides: object) -> test_reload.Site:
        return test_reload.serve_small_corpus(tmp_path, servers, **milvus, **overrides)

    def build_documents(settings: Settings, version: str) -> dict[str, Document]:
        build = MilvusBackend(settings, settings.index_dir).open(version)
        return {doc.doc_id: doc for doc in build.documents}

    monkeypatch.setattr(test_reload, "build_documents", build_documents)
    try:
        test_reload.test_traffic_during_a_reingest_and_live_swap_sees_one_build_per_response(
            start_site
        )
    finally:
        # Every backend of this process on that file shares one connection: this stops Lite.
        MilvusBackend(make_settings(tmp_path, tmp_path, **milvus), tmp_path).close()
