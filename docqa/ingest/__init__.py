"""Ingest: load source files, chunk them, embed the chunks."""
