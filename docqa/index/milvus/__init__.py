"""The "milvus" index backend: builds as Milvus collections, switched by one registry row."""

from docqa.index.milvus.backend import MilvusBackend

__all__ = ["MilvusBackend"]
