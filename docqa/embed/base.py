"""The embedder contract shared by every model behind the dense index."""

from abc import ABC, abstractmethod

import numpy as np


def normalized(vectors: np.ndarray) -> np.ndarray:
    """Float32 rows of unit length, so inner product is cosine similarity."""
    vectors = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class Embedder(ABC):
    """Turns questions and passages into comparable unit vectors."""

    #: Registry name, used in settings and in the index manifest.
    name: str
    #: What exactly was loaded (package version, model), recorded in the manifest.
    model_id: str
    dim: int
    #: Whether questions and passages are encoded alike, so a stored passage vector is also
    #: the vector of the same text as a question (index.lexicon reuses its words' vectors).
    symmetric: bool = False

    @abstractmethod
    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dim) float32 unit vectors for questions."""

    @abstractmethod
    def encode_passages(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dim) float32 unit vectors for passages."""
