"""Hubness scores: how close each passage sits to the rest of the corpus.

A passage that is near many others (an introduction, a summary) is near every question too and
crowds the top of every ranking. Search subtracts this score, as CSLS does for cross-lingual
word retrieval (Conneau et al., 2018).
"""

import numpy as np

# Neighbours averaged per passage, and the fixed sample they are drawn from, so that the cost
# stays linear in corpus size.
NEIGHBOURS = 20
SAMPLE = 4096
BLOCK = 8192


def hubness(vectors: np.ndarray) -> np.ndarray:
    """Per row, the mean cosine to its nearest rows of a fixed sample of `vectors`."""
    count = len(vectors)
    out = np.zeros(count, np.float32)
    if count < 2:
        return out
    sample = vectors
    if count > SAMPLE:
        sample = vectors[np.random.default_rng(0).choice(count, SAMPLE, replace=False)]
    # One more than needed: the largest similarity is the row itself when it is in the sample.
    take = min(NEIGHBOURS, len(sample) - 1) + 1
    for start in range(0, count, BLOCK):
        sims = vectors[start : start + BLOCK] @ sample.T
        top = np.sort(np.partition(sims, -take, axis=1)[:, -take:], axis=1)
        out[start : start + BLOCK] = top[:, :-1].mean(axis=1)
    return out
