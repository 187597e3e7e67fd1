"""multilingual-e5-small with torch in bfloat16 on a CUDA GPU, through sentence-transformers."""

from pathlib import Path

import numpy as np

from docqa.embed.base import Embedder, normalized
from docqa.embed.e5_onnx import model_label


def cuda_found() -> bool:
    """Whether torch sees a CUDA device; without an NVIDIA driver, found without importing
    torch (seconds of start-up that a CPU-only service does not need)."""
    if not Path("/proc/driver/nvidia/version").exists():
        return False
    import torch

    return torch.cuda.is_available()


class E5TorchEmbedder(Embedder):
    """The converted sentence-transformers folder with its 'query: ' / 'passage: ' prompts.
    Texts over 512 tokens are truncated (the ONNX runtime averages windows instead)."""

    name = "e5"
    dim = 384

    def __init__(self, folder: Path, device: str = "cuda", batch_size: int = 32) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(
            str(folder),
            device=device,
            local_files_only=True,
            model_kwargs={"dtype": torch.bfloat16},
        )
        self._batch_size = batch_size
        self.model_id = model_label(folder, f"torch=={torch.__version__} bfloat16 {device}")

    def _encode(self, texts: list[str], prompt_name: str) -> np.ndarray:
        vectors = self._model.encode(
            list(texts),
            prompt_name=prompt_name,
            batch_size=self._batch_size,
            convert_to_tensor=True,
        )
        return normalized(vectors.float().cpu().numpy())

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, "query")

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, "passage")
