"""Embedders: text to L2-normalised vectors, for questions and for passages."""
