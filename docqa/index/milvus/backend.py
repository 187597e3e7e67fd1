"""MilvusBackend: docqa's builds as collections in the Milvus of DOCQA_MILVUS_URI."""

import json
import logging
import threading
from pathlib import Path

from pymilvus.exceptions import MilvusException

from docqa.config import Settings
from docqa.index.base import (
    Backend,
    BuildParts,
    IndexDamagedError,
    IndexNotFoundError,
    Stored,
)
from docqa.index.dense import kind_for
from docqa.index.manifest import FORMAT_VERSION, Manifest, ManifestError
from docqa.index.milvus import schema, writer
from docqa.index.milvus.build import MilvusBuild
from docqa.index.milvus.client import Connection, MilvusError, public_uri
from docqa.index.milvus.schema import Layout
from docqa.model import Chunked, Vectors

logger = logging.getLogger(__name__)

# What a build's manifest names its indexes (Manifest.dense_index, .sentence_codes).
DENSE_LITE = "milvus-flat"
DENSE_SERVER = "milvus-hnsw"
SENTENCE_VECTORS = "milvus-float"


class MilvusBackend(Backend):
    """Builds as collections; the registry's latest "current" row names the served one."""

    _connection: Connection | None = None

    def __init__(self, settings: Settings, index_dir: Path) -> None:
        super().__init__(settings, index_dir)
        self._lock = threading.Lock()
        self.where = public_uri(settings.milvus_uri)

    @property
    def location(self) -> str:
        return self.where

    @property
    def connection(self) -> Connection:
        with self._lock:
            if self._connection is None:
                self._connection = Connection.shared(self.settings)
            return self._connection

    def close(self) -> None:
        """Close the connection, for every backend of this process on the same database (and
        stop the Milvus Lite process it started)."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def _failed(self, error: MilvusException) -> MilvusError:
        return MilvusError(f"Milvus at {self.where} failed: {error.message}")

    def current_id(self) -> str | None:
        try:
            return writer.current_id(self.connection.client)
        except MilvusException as error:
            logger.warning("%s", self._failed(error))
            return None

    def _dense_kind(self) -> str:
        return DENSE_LITE if self.connection.lite else DENSE_SERVER

    def open(self, build_id: str | None = None) -> MilvusBuild:
        """The current build, or a kept one by id (the previous stays until the next switch)."""
        client = self.connection.client
        try:
            build_id = build_id or writer.current_id(client)
            if build_id is None:
                raise IndexNotFoundError(
                    f"no index in Milvus at {self.where}: run `docqa ingest` first"
                )
            rows = writer.registry_rows(client, writer.MANIFEST + schema.build_key(build_id))
            if not rows:
                raise IndexNotFoundError(
                    f"Milvus at {self.where} holds no build {build_id}: run `docqa ingest`"
                )
            record = json.loads(next(iter(rows.values())))
            if record.get("schema") != schema.SCHEMA_VERSION:
                raise IndexNotFoundError(
                    f"the build {build_id} in Milvus at {self.where} was written by another "
                    f"docqa version (collections of schema {record.get('schema')}, this docqa "
                    f"reads {schema.SCHEMA_VERSION}): run `docqa ingest` to rebuild it"
                )
            manifest = Manifest.parse(json.dumps(record["manifest"]))
            if manifest.format != FORMAT_VERSION:
                raise IndexNotFoundError(
                    f"the build {build_id} in Milvus at {self.where} has index format "
                    f"{manifest.format}, this docqa reads {FORMAT_VERSION}: run `docqa ingest`"
                )
            layout = Layout(
                dims={e.name: e.dim for e in manifest.embedders},
                lexicon_dim=record["lexicon_dim"],
                lite=manifest.dense_index == DENSE_LITE,
            )
            return MilvusBuild(client, manifest, layout, self.settings.exact_search_max_chunks)
        except (ManifestError, ValueError, KeyError) as error:
            raise IndexDamagedError(
                f"the current build in Milvus at {self.where} is damaged ({error}): "
                "run `docqa ingest` to rebuild it"
            ) from error
        except MilvusException as error:
            raise self._failed(error) from error

    def reusable(self) -> Stored | None:
        try:
            build = self.open()
        except MilvusError:
            # Milvus itself is unusable (unreachable, refused the token): say so before an
            # ingest embeds anything it could not store.
            raise
        except IndexDamagedError as error:
            logger.warning("%s; re-embedding every document", error)
            return None
        except IndexNotFoundError:
            return None
        vectors = {
            e.name: Vectors(
                build.all_vectors("chunks", e.name), build.all_vectors("sentences", e.name)
            )
            for e in build.manifest.embedders
        }
        chunked = Chunked(build.documents, build.chunks, build.sentences)
        words = {lang: len(found) for lang, found in build.lexicon.words.items()}
        location = self._location(schema.build_key(build.manifest.build_id))
        return Stored(build.manifest, location, chunked, vectors, words)

    def fits(self, stored: Stored) -> bool:
        exact_max = self.settings.exact_search_max_chunks
        manifest = stored.manifest
        return (
            stored.lexicon_words is not None
            and manifest.backend == "milvus"
            and manifest.dense_index == self._dense_kind()
            and manifest.sentence_codes == SENTENCE_VECTORS
            and manifest.lexicon_index
            == {lang: kind_for(n, exact_max) for lang, n in stored.lexicon_words.items()}
        )

    def publish(self, parts: BuildParts) -> str:
        connection = self.connection
        manifest = parts.manifest.model_copy(
            update={"dense_index": self._dense_kind(), "sentence_codes": SENTENCE_VECTORS}
        )
        record = {
            "schema": schema.SCHEMA_VERSION,
            "lexicon_dim": writer.layout_of(parts, connection.lite).lexicon_dim,
            "manifest": json.loads(manifest.to_json()),
        }
        try:
            key = writer.write(connection.client, parts, connection.lite, json.dumps(record))
        except MilvusException as error:
            raise self._failed(error) from error
        return self._location(key)

    def _location(self, key: str) -> str:
        return f"{self.where} (collections {schema.PREFIX}_{key}_*)"
