"""Any sentence-transformers model, from a local folder or a hub name, loaded offline."""

import os
from pathlib import Path

import numpy as np

from docqa.embed.base import Embedder, normalized


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
        self.dim = int(self._model.get_sentence_embedding_dimension())
        label = Path(model).name if os.path.isdir(model) else model
        self.model_id = f"sentence-transformers:{label}"

    def _encode(self, texts: list[str]) -> np.ndarray:
        return normalized(self._model.encode(list(texts), batch_size=32, convert_to_numpy=True))

    encode_queries = _encode
    encode_passages = _encode
