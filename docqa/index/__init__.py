"""Index: dense (FAISS) and lexical (BM25) search over the same chunks, with cited answers."""
