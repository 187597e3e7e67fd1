"""`docqa eval` as a user runs it: a separate process, a real index, corpus or service."""

import json
from pathlib import Path

import pytest
from conftest import CorpusIndex, faiss_only, index_env, run_cli
from service.servers import free_port

from eval.questions import CROSS, EASY, IMPOSSIBLE, OFF_TOPIC, write_set

PNG = b"\x89PNG\r\n\x1a\n"
# Questions on the small corpus of tests/conftest.py, asked in the other language.
SMALL_SET = [
    {
        "id": "s-1",
        "question": "¿Cuántos hospitales tiene la red de hospitales rurales?",
        "lang": "es",
        "answers": ["660 hospitals"],
        "doc_id": "hospitals.md",
        "cross_lingual": True,
        "kind": "number",
    },
    {
        "id": "s-2",
        "question": "Which budget branch funds the programme?",
        "lang": "en",
        "answers": ["Ramo 19"],
        "doc_id": "notas--financiamiento.txt",
        "cross_lingual": True,
        "kind": "name",
    },
    OFF_TOPIC,
]


@pytest.fixture(scope="module")
def first_run(any_index: CorpusIndex, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    """One report-only run with --out on each backend: its process, its set and its output
    folder."""
    folder = tmp_path_factory.mktemp("eval-run")
    question_set = write_set(folder / "set.jsonl", [EASY, OFF_TOPIC, CROSS, IMPOSSIBLE])
    out = folder / "out"
    result = run_cli(
        "eval", "--set", str(question_set), "--index", str(any_index.index_dir),
        "--out", str(out), "--gate", "none", env=index_env(any_index),
    )  # fmt: skip
    return result, question_set, out


def test_eval_writes_report_json_markdown_charts_and_failures(
    first_run: tuple, any_index: CorpusIndex
) -> None:
    result, _, out = first_run
    assert result.returncode == 0, result.stderr
    assert "| overall" in result.stdout and "gate: off" in result.stdout
    report = json.loads((out / "report.json").read_text("utf-8"))
    assert report["index_version"] == any_index.report.build_id
    assert [r["id"] for r in report["rows"]] == ["t-1", "t-2", "t-3", "t-4"]
    assert report["gate"]["mode"] == "none"
    markdown = (out / "report.md").read_text("utf-8")
    assert "| cross-lingual" in markdown and "![hit_at_k.png](hit_at_k.png)" in markdown
    failures = markdown.split("## Failures")[1]
    assert "### t-4 (es, number): not in the top 3 (no passage)" in failures
    assert "1. `" in failures
    for chart in ("hit_at_k.png", "latency.png"):
        assert (out / chart).read_bytes().startswith(PNG)


def test_eval_passes_the_baseline_gate_on_its_own_report(
    first_run: tuple, any_index: CorpusIndex
) -> None:
    _, question_set, out = first_run
    result = run_cli(
        "eval", "--set", str(question_set), "--index", str(any_index.index_dir),
        "--baseline", str(out / "report.json"), "--gate", "baseline", env=index_env(any_index),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "gate (baseline): passed" in result.stdout


@faiss_only  # the gate's arithmetic; the baseline test above runs the gate on each backend
def test_eval_fails_below_thresholds_and_below_the_baseline(
    first_run: tuple, any_index: CorpusIndex, tmp_path: Path
) -> None:
    _, question_set, out = first_run
    better = json.loads((out / "report.json").read_text("utf-8"))
    better["metrics"]["overall"]["ndcg@10"] += 0.05
    baseline = tmp_path / "better.json"
    baseline.write_text(json.dumps(better), "utf-8")
    result = run_cli(
        "eval", "--set", str(question_set), "--index", str(any_index.index_dir),
        "--baseline", str(baseline), env=index_env(any_index),
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert "gate (all): FAILED" in result.stdout
    assert "overall hit@3" in result.stdout and "< threshold 0.95" in result.stdout
    assert "overall ndcg@10" in result.stdout and "< baseline" in result.stdout


def test_eval_compare_on_a_freshly_ingested_corpus(small_corpus: Path, tmp_path: Path) -> None:
    question_set = write_set(tmp_path / "small.jsonl", SMALL_SET)
    out = tmp_path / "out"
    result = run_cli(
        "eval", "--set", str(question_set), "--corpus", str(small_corpus),
        "--compare", "--out", str(out), "--gate", "none",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    table = result.stdout.split("| ranking")[1]
    for preset in ("bm25 only", "e5 only", "use only", "fused (default)"):
        assert f"| {preset}" in table
    compared = json.loads((out / "compare.json").read_text("utf-8"))
    assert compared["bm25 only"]["params"]["dense_weight"] == 0
    assert compared["fused (default)"]["metrics"]["overall"]["questions"] == 3
    assert json.loads((out / "report.json").read_text("utf-8"))["ranking"] == "fused (default)"
    assert f"corpus {small_corpus}" in result.stdout


def test_eval_over_http_against_a_running_service(service_url: str, tmp_path: Path) -> None:
    question_set = write_set(tmp_path / "set.jsonl", [EASY, OFF_TOPIC])
    out = tmp_path / "out"
    result = run_cli(
        "eval", "--set", str(question_set), "--target", service_url, "--out", str(out),
        "--gate", "none",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads((out / "report.json").read_text("utf-8"))
    assert report["target"] == service_url
    assert report["metrics"]["overall"]["citation_validity"] == 1.0


def test_eval_reports_an_unreachable_target(tmp_path: Path) -> None:
    question_set = write_set(tmp_path / "set.jsonl", [EASY])
    url = f"http://127.0.0.1:{free_port()}"
    result = run_cli("eval", "--set", str(question_set), "--target", url)
    assert result.returncode == 2
    assert f"cannot reach {url}/health" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--index", "i", "--corpus", "c"], "--index and --corpus are alternatives"),
        (["--target", "http://127.0.0.1:9", "--index", "i"], "takes no --index or --corpus"),
        (["--target", "http://127.0.0.1:9", "--compare"], "cannot run against --target"),
        (["--gate", "baseline"], "--gate baseline needs --baseline"),
        (["--set", "{tmp}/bad.jsonl"], "bad.jsonl:2: not valid JSON"),
        (["--set", "{tmp}/missing.jsonl"], "does not exist"),
        (["--baseline", "{tmp}/bad.jsonl"], "bad.jsonl is not JSON"),
        (["--baseline", "{tmp}/set.jsonl"], "is not a report.json written by"),
        (["--out", "{tmp}/set.jsonl"], "exists and is not a folder"),
        (["--index", "{tmp}/no-index"], "docqa ingest"),
    ],
)
def test_eval_refuses_bad_input_with_exit_2_and_a_reason(
    tmp_path: Path, args: list[str], message: str
) -> None:
    write_set(tmp_path / "set.jsonl", [EASY])
    (tmp_path / "bad.jsonl").write_text(json.dumps(EASY) + "\n{oops\n", "utf-8")
    args = [arg.replace("{tmp}", str(tmp_path)) for arg in args]
    if "--set" not in args:
        args += ["--set", str(tmp_path / "set.jsonl")]
    result = run_cli("eval", *args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
