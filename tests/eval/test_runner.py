"""The eval runner and `docqa eval` against the real index: metrics, gate, bad sets."""

import json
from pathlib import Path

import pytest
from conftest import run_cli

from docqa.eval.dataset import DatasetError, default_set, load_questions
from docqa.eval.runner import THRESHOLDS, evaluate
from docqa.index.loader import open_searcher

EASY = {
    "id": "t-1",
    "question": (
        "¿A cuántos hospitales creció la capacidad del IMSS-Bienestar desde su lanzamiento?"
    ),
    "lang": "es",
    "answers": ["660 hospitales"],
    "doc_id": "003_24e78c8e44c615f3.txt",
}
OFF_TOPIC = {
    "id": "t-2",
    "question": "What is the capital of France?",
    "lang": "en",
    "answers": [],
    "kind": "unanswerable",
}
IMPOSSIBLE = {**EASY, "id": "t-3", "answers": ["a string that appears in no document"]}


def write_set(path: Path, rows: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", "utf-8")
    return path


def test_bundled_dev_set_meets_the_documented_shape():
    questions = load_questions(default_set())
    langs = [q.lang for q in questions]
    assert len(questions) >= 60
    assert abs(langs.count("es") - langs.count("en")) <= 2
    assert sum(q.cross_lingual for q in questions) >= 0.3 * len(questions)
    assert sum(not q.answerable for q in questions) >= 5


def test_metrics_count_hits_and_abstentions(corpus_index, tmp_path):
    searcher = open_searcher(corpus_index.index_dir, corpus_index.settings)
    questions = load_questions(write_set(tmp_path / "s.jsonl", [EASY, OFF_TOPIC, IMPOSSIBLE]))
    report = evaluate(searcher, questions, k=5)
    rows = {r["id"]: r for r in report["rows"]}
    assert rows["t-1"]["rank"] is not None and rows["t-1"]["rank"] <= 3
    assert rows["t-3"]["rank"] is None
    assert report["overall"]["hit@5"] == 0.5
    assert report["overall"]["abstention_recall"] == 1.0
    assert report["index_version"] == searcher.version
    assert any(f.startswith("hit@3") for f in report["failed_thresholds"])
    assert set(THRESHOLDS) <= set(report["thresholds"])


def test_eval_command_gates_on_thresholds(corpus_index, tmp_path):
    index = str(corpus_index.index_dir)
    good = run_cli(
        "eval",
        "--set",
        str(write_set(tmp_path / "good.jsonl", [EASY, OFF_TOPIC])),
        "--index",
        index,
        "--out",
        str(tmp_path / "out"),
    )
    assert good.returncode == 0, good.stdout + good.stderr
    assert json.loads((tmp_path / "out" / "report.json").read_text())["overall"]["hit@1"] == 1.0
    bad = run_cli(
        "eval", "--set", str(write_set(tmp_path / "bad.jsonl", [IMPOSSIBLE])), "--index", index
    )
    assert bad.returncode == 1
    assert "below thresholds" in bad.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json\n", ":1:"),
        (json.dumps({"id": "x", "question": "q", "lang": "fr", "answers": ["a"]}), "lang"),
        (json.dumps({"id": "x", "question": "q", "lang": "es"}), "answer string"),
        ("\n\n", "no questions"),
    ],
)
def test_bad_question_sets_are_refused_with_the_reason(tmp_path, content, message):
    path = tmp_path / "set.jsonl"
    path.write_text(content, "utf-8")
    with pytest.raises(DatasetError, match=message):
        load_questions(path)


def test_eval_command_reports_a_missing_set(tmp_path):
    result = run_cli("eval", "--set", str(tmp_path / "missing.jsonl"), "--index", str(tmp_path))
    assert result.returncode == 2
    assert "does not exist" in result.stderr
