"""Any sentence-transformers model, from a local folder or a hub name, loaded offline."""

import hashlib
import os
from pathlib import Path

import numpy as np

from docqa.embed.base import Embedder, normalized

# Files up to this size are hashed whole (configs, vocabularies); bigger ones (weights) by
# their size and a sample of evenly spaced blocks, which tells apart a fine-tuned or swapped
# model of the same size without re-reading gigabytes at every start.
_WHOLE_MAX_BYTES = 1 << 20
_SAMPLE_BLOCKS = 16
_BLOCK_BYTES = 1 << 16


def _model_folder(model: str) -> Path | None:
    """The local folder the model was loaded from: the path itself or its hub cache snapshot."""
    if os.path.isdir(model):
        return Path(model)
    from huggingface_hub import snapshot_download

    # sentence-transformers reads a bare name ("all-MiniLM-L6-v2") from its own organisation.
    candidates = [model] if "/" in model else [f"sentence-transformers/{model}", model]
    for repo_id in candidates:
        try:
            return Path(
                snapshot_download(
                    repo_id,
                    local_files_only=True,
                    cache_dir=os.getenv("SENTENCE_TRANSFORMERS_HOME"),
                )
            )
        except Exception:  # not in the cache under this name, or not a valid repo id
            continue
    return None


def model_fingerprint(folder: Path) -> str:
    """A short hash of a model folder's content: every file's path and size, and its bytes
    (whole for small files, sampled for big ones). Hidden files and folders are left out."""
    digest = hashlib.sha256()
    files = (p for p in folder.rglob("*") if p.is_file())
    for path in sorted(files, key=lambda p: p.relative_to(folder).as_posix()):
        relative = path.relative_to(folder).as_posix()
        if any(part.startswith(".") for part in relative.split("/")):
            continue
        size = path.stat().st_size
        digest.update(f"{relative}\0{size}\0".encode("utf-8", "surrogateescape"))
        with path.open("rb") as data:
            if size <= _WHOLE_MAX_BYTES:
                digest.update(data.read())
                continue
            for block in range(_SAMPLE_BLOCKS):
                data.seek((size - _BLOCK_BYTES) * block // (_SAMPLE_BLOCKS - 1))
                digest.update(data.read(_BLOCK_BYTES))
    return digest.hexdigest()[:16]


class SentenceTransformerEmbedder(Embedder):
    """The standard interface for user-configured models; symmetric unless prompts are set."""

    name = "st"

    def __init__(self, model: str, threads: int = 2) -> None:
        if not model:
            raise ValueError(
                "the 'st' embedder needs a model: set DOCQA_ST_MODEL to a local model folder "
                "(or a hub name already in the local cache)"
            )
        # Hub access would hang or fail on an air-gapped machine; only local files are used.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(threads)
        self._model = SentenceTransformer(model, device="cpu", local_files_only=True)
        dim = self._model.get_embedding_dimension()
        if dim is None:
            raise ValueError(f"the model {model!r} does not say the size of its vectors")
        self.dim = dim
        # The id names what was loaded by content, not by folder name: every bundled model
        # lives in a folder called "model", and vectors of one must never pass for another's.
        label = Path(model).name if os.path.isdir(model) else model
        folder = _model_folder(model)
        fingerprint = f":{model_fingerprint(folder)}" if folder is not None else ""
        self.model_id = f"sentence-transformers:{label}{fingerprint}"

    def _encode(self, texts: list[str]) -> np.ndarray:
        return normalized(self._model.encode(list(texts), batch_size=32, convert_to_numpy=True))

    encode_queries = _encode
    encode_passages = _encode
