"""Evaluation: question sets, metrics, and the quality gate."""
