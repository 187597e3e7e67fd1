"""docqa on Milvus end to end: a real ingest, an interrupted one, the CLI's ask and eval through
Milvus Lite on 127.0.0.1, and the same top passages as FAISS on the dev questions."""

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import CorpusIndex, index_env, ingest, make_settings, run_cli
from service.servers import free_port

from docqa.eval.dataset import default_set, load_questions
from docqa.index.base import IndexNotFoundError, create_backend
from docqa.index.milvus import writer
from docqa.index.search import Searcher
from docqa.ingest.pipeline import IngestError, run_ingest
from index.milvus.lite import listening_addresses

HOSPITALS = "How many rural hospitals are there?"


def test_ingest_search_reingest_and_an_interrupted_ingest(
    small_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(
        tmp_path / "index",
        small_corpus,
        index_backend="milvus",
        milvus_uri=str(tmp_path / "milvus" / "docqa.db"),
    )
    backend = create_backend(settings)
    try:
        first = ingest(settings)
        assert (first.documents, first.embedded_documents) == (3, 3)
        assert "docqa.db" in first.location
        result = Searcher.open(settings).search(HOSPITALS, 3)
        assert result.index_version == first.build_id
        assert result.answer is not None and result.answer.value is not None
        assert result.answer.value.text == "660"

        # Nothing changed: the build is kept, its vectors read back from Milvus.
        again = ingest(settings)
        assert again.up_to_date and again.build_id == first.build_id

        # A changed corpus whose publish is cut short: the served build stays.
        (small_corpus / "extra.txt").write_text("Otro documento sobre camas de hospital.\n")
        inserted = writer._insert

        def fail_on_lexicon(client, name, rows) -> None:  # type: ignore[no-untyped-def]
            if name.endswith("_lexicon"):
                raise OSError("disk full")
            inserted(client, name, rows)

        monkeypatch.setattr(writer, "_insert", fail_on_lexicon)
        with pytest.raises((IngestError, OSError)):
            ingest(settings)
        assert backend.current_id() == first.build_id
        assert Searcher.open(settings).search(HOSPITALS, 3).to_dict() | {"took_ms": 0} == (
            result.to_dict() | {"took_ms": 0}
        )
    finally:
        backend.close()  # type: ignore[attr-defined]


def test_an_unreachable_milvus_stops_ingest_before_it_embeds(
    small_corpus: Path, tmp_path: Path
) -> None:
    uri = f"http://127.0.0.1:{free_port()}"
    settings = make_settings(
        tmp_path / "index",
        small_corpus,
        index_backend="milvus",
        milvus_uri=uri,
        milvus_connect_seconds=1,
    )
    stages: list[str] = []

    def progress(label: str, total: int):  # type: ignore[no-untyped-def]
        stages.append(label)
        return lambda _n: None

    with pytest.raises(IndexNotFoundError, match=f"cannot reach Milvus at {uri}"):
        run_ingest(small_corpus, settings.index_dir, settings, progress=progress)
    assert not [s for s in stages if s.startswith("embedding")]


def test_cli_ask_reads_milvus_lite_listening_on_loopback_only(milvus_index: CorpusIndex) -> None:
    result = run_cli(
        "ask",
        HOSPITALS,
        "--json",
        "--index",
        str(milvus_index.index_dir),
        env=index_env(milvus_index),
    )
    assert result.returncode == 0, result.stderr
    # Everything came from Milvus: there is no build folder.
    assert not milvus_index.index_dir.exists()
    body = json.loads(result.stdout)
    assert body["index_version"] == milvus_index.report.build_id
    documents = {d.doc_id: d for d in create_backend(milvus_index.settings).open().documents}
    for passage in body["passages"]:
        cited = passage["citation"]
        assert passage["text"] == documents[cited["doc_id"]].text[cited["start"] : cited["end"]]
    port = urlsplit(milvus_index.settings.milvus_uri).port
    assert port is not None and listening_addresses(port) == {"127.0.0.1"}


def test_cli_eval_on_milvus_scores_as_on_faiss(
    corpus_index: CorpusIndex, milvus_index: CorpusIndex, tmp_path: Path
) -> None:
    subset = tmp_path / "subset.jsonl"
    lines = default_set().read_text("utf-8").splitlines()
    subset.write_text("\n".join(lines[:12]) + "\n", "utf-8")
    overall = {}
    for index, env in ((corpus_index, {}), (milvus_index, index_env(milvus_index))):
        out = tmp_path / index.settings.index_backend
        result = run_cli(
            "eval",
            *("--set", str(subset), "--index", str(index.index_dir)),
            *("--gate", "none", "--out", str(out)),
            env=env,
        )
        assert result.returncode == 0, result.stderr
        report = json.loads((out / "report.json").read_text("utf-8"))
        overall[index.settings.index_backend] = report["metrics"]["overall"]
    assert overall["milvus"]["questions"] == 12
    assert overall["milvus"]["citation_validity"] == 1.0
    for metric in ("hit@1", "hit@5", "answer_accuracy"):
        assert overall["milvus"][metric] == pytest.approx(overall["faiss"][metric], abs=0.1)


def test_milvus_and_faiss_rank_the_dev_questions_alike(
    corpus_index: CorpusIndex, milvus_index: CorpusIndex
) -> None:
    faiss, milvus = Searcher.open(corpus_index.settings), Searcher.open(milvus_index.settings)
    questions = [q.question for q in load_questions(default_set())][::6]
    same = 0
    for question in questions:
        want, got = faiss.search(question, 5), milvus.search(question, 5)
        assert got.index_version == milvus_index.report.build_id
        same += [p.citation for p in got.passages[:1]] == [p.citation for p in want.passages[:1]]
    # BM25 differs a little between the engines (docs: tokenizer, statistics), and Milvus
    # reads float sentence vectors where the FAISS build reads 6-bit codes.
    assert same >= 0.9 * len(questions)
