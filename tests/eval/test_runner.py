"""Runs against the real corpus index: in process, and over HTTP from a real server."""

from pathlib import Path

import pytest
from conftest import ingest, make_settings
from fastapi import FastAPI
from service.servers import Servers

from docqa.eval.dataset import fingerprint, load_questions
from docqa.eval.runner import run
from docqa.eval.targets import HttpTarget, SearcherTarget, TargetError
from docqa.index.search import Searcher
from eval.questions import CROSS, EASY, IMPOSSIBLE, OFF_TOPIC, write_set


@pytest.fixture
def set_path(tmp_path: Path) -> Path:
    return write_set(tmp_path / "set.jsonl", [EASY, OFF_TOPIC, CROSS, IMPOSSIBLE])


def test_in_process_run_scores_rows_slices_and_failures(
    in_process: SearcherTarget, set_path: Path
) -> None:
    questions = load_questions(set_path)
    report = run(in_process, questions, 10, set_path=set_path)
    rows = {r["id"]: r for r in report["rows"]}
    assert rows["t-4"]["ranks"] == []
    assert rows["t-2"]["ranks"] == [] and rows["t-2"]["abstained"]
    assert rows["t-1"]["ranks"] and rows["t-3"]["ranks"]
    overall = report["metrics"]["overall"]
    assert overall["questions"] == 4 and overall["answerable"] == 3
    assert overall["citation_validity"] == 1.0
    assert report["metrics"]["cross_lingual"]["questions"] == 1
    assert report["set"] == {
        "name": "set.jsonl",
        "questions": 4,
        "fingerprint": fingerprint(questions),
    }
    assert report["index_version"] == in_process.version
    assert report["index_versions"] == [in_process.version]
    failure = next(f for f in report["failures"] if f["id"] == "t-4")
    assert failure["rank"] is None and len(failure["passages"]) == 3
    document = in_process.document_text(failure["passages"][0]["doc_id"])
    first = failure["passages"][0]
    assert document[first["start"] : first["end"]] == first["text"]


class SwitchingTarget:
    """A service that reloads a new build after its first two answers, as `serve` does."""

    def __init__(self, first: SearcherTarget, second: SearcherTarget) -> None:
        self.targets, self.asked = (first, second), 0
        self.name, self.version = "switching", first.version

    def ask(self, question: str, k: int) -> dict:
        self.asked += 1
        return self.targets[self.asked > 2].ask(question, k)

    def document_text(self, doc_id: str) -> str | None:
        return self.targets[self.asked > 2].document_text(doc_id)


def test_a_run_that_spans_a_reload_names_both_builds(
    in_process: SearcherTarget, small_corpus: Path, tmp_path: Path, set_path: Path
) -> None:
    settings = make_settings(tmp_path / "index", small_corpus)
    ingest(settings)
    other = SearcherTarget(Searcher.open(settings, settings.index_dir), settings, "small")
    report = run(
        SwitchingTarget(in_process, other), load_questions(set_path), 10, set_path=set_path
    )
    assert report["index_versions"] == [in_process.version, other.version]
    assert report["index_version"] == f"{in_process.version} then {other.version}"
    assert [r["index_version"] for r in report["rows"]] == [in_process.version] * 2 + [
        other.version
    ] * 2


def test_a_question_the_service_refuses_stops_the_run(
    in_process: SearcherTarget, tmp_path: Path
) -> None:
    too_long = {**EASY, "question": "¿" + "hospitales " * 200 + "?"}
    path = write_set(tmp_path / "long.jsonl", [too_long])
    with pytest.raises(TargetError, match="question t-1: refused: question: is 2202 characters"):
        run(in_process, load_questions(path), 10, set_path=path)


def test_http_run_matches_the_in_process_run(
    service_url: str, in_process: SearcherTarget, set_path: Path
) -> None:
    questions = load_questions(set_path)
    local = run(in_process, questions, 10, set_path=set_path)
    remote_target = HttpTarget(service_url)
    try:
        remote = run(remote_target, questions, 10, set_path=set_path)
    finally:
        remote_target.close()
    assert remote["index_version"] == local["index_version"]
    assert remote["target"] == service_url

    def outcome(report: dict) -> list[tuple]:
        return [(r["id"], r["ranks"], r["abstained"], r["answer_correct"]) for r in report["rows"]]

    assert outcome(remote) == outcome(local)
    assert remote["metrics"]["overall"]["citation_validity"] == 1.0


def broken_service(document: str) -> FastAPI:
    """A service whose passage citations are off by one character: eval must notice."""
    app = FastAPI()
    citation = {"doc_id": "d", "title": "d", "source": "d.txt", "page": None}

    @app.get("/health")
    def health() -> dict:
        return {"index_version": "broken-1"}

    @app.post("/ask")
    def ask() -> dict:
        passage = {
            "text": document[0:20],
            "score": 1.0,
            "citation": {**citation, "start": 1, "end": 21},
        }
        return {"question": "q", "language": "es", "answer": None, "passages": [passage]}

    @app.get("/documents/{doc_id}")
    def get_document(doc_id: str) -> dict:
        return {"doc_id": doc_id, "text": document}

    return app


def test_invalid_citations_over_http_are_measured_and_listed(
    servers: Servers, tmp_path: Path
) -> None:
    url = servers.start(broken_service("El programa tiene 660 hospitales en 23 estados."))
    path = write_set(tmp_path / "set.jsonl", [EASY])
    target = HttpTarget(url)
    try:
        report = run(target, load_questions(path), 10, set_path=path)
    finally:
        target.close()
    assert report["metrics"]["overall"]["citation_validity"] == 0.0
    assert report["failures"][0]["invalid_citations"] == 1


def test_unreachable_or_foreign_targets_are_refused(servers: Servers) -> None:
    url = servers.start(FastAPI())
    with pytest.raises(TargetError, match="answered 404"):
        HttpTarget(url)
    with pytest.raises(TargetError, match="http"):
        HttpTarget("localhost:8000")
