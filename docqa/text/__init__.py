"""Text utilities shared by ingest and index: language, sentences, normalisation."""
