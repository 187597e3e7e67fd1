"""Ingest's load, chunk and encode steps as Ray Data map_batches, for `docqa ingest --ray`.

The steps are the local ones run elsewhere: each file is read by `load_file`, each document
cut by `chunk_document`, each text encoded by the registry's embedder, one pool of actors per
embedder (each loads its model once). The driver puts the pieces back in corpus order, so the
build is the one local ingest writes: same chunk rows and ids, vectors equal to float error.
Ray is imported inside each step: importing this module costs nothing.

Every node must see the corpus folder at the same path (a shared file system) and run the
same docqa install.
"""

import logging
import pickle
import re
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from docqa.config import Settings
from docqa.embed.base import Embedder
from docqa.embed.registry import get_embedder
from docqa.ingest.chunking import ChunkingParams
from docqa.ingest.documents import Skipped, corpus_files, load_file
from docqa.ingest.extractor import Extractor
from docqa.ingest.pipeline import (
    IngestError,
    IngestReport,
    Progress,
    Rows,
    Stages,
    chunk_document,
    merge_chunks,
    run_ingest,
)
from docqa.ingest.ray_session import ray_session
from docqa.model import Chunked, Document, Limits

# Each task starts one reading child process (a Python start and imports): a few files each.
FILES_PER_TASK = 16
DOCUMENTS_PER_TASK = 16

Batch = dict[str, np.ndarray]
# A line of a traceback that names an exception and its message.
_RAISED = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception)): (.*)$", re.MULTILINE)


def _objects(items: Sequence[Any]) -> np.ndarray:
    """A 1-d object column; np.array would stack equal-shaped arrays into one."""
    column = np.empty(len(items), dtype=object)
    column[:] = list(items)
    return column


def _quiet_data() -> None:
    """The CLI draws its own progress; Ray Data's bars and notes would interleave with it."""
    from ray.data import DataContext

    DataContext.get_current().enable_progress_bars = False
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    # Which says, once, that the bars are off.
    logging.getLogger("ray.data._internal.progress").setLevel(logging.ERROR)


def _read_files(batch: Batch, corpus_dir: Path, limits: Limits) -> Batch:
    with Extractor(limits) as extractor:
        loaded = [load_file(Path(path), corpus_dir, extractor) for path in batch["path"]]
    return {"order": batch["order"], "loaded": _objects(loaded)}


def load_on_ray(corpus_dir: Path, limits: Limits) -> tuple[list[Document], list[Skipped]]:
    """`load_corpus` with the files read by Ray tasks, a few files each."""
    import ray.data

    _quiet_data()
    paths = [str(path) for path in corpus_files(corpus_dir.resolve())]
    if not paths:
        return [], []
    items = [{"order": order, "path": path} for order, path in enumerate(paths)]
    loaded = ray.data.from_items(items).map_batches(
        partial(_read_files, corpus_dir=corpus_dir.resolve(), limits=limits),
        batch_size=FILES_PER_TASK,
        batch_format="numpy",
    )
    by_order = sorted(loaded.take_all(), key=lambda row: row["order"])
    documents = [row["loaded"] for row in by_order if isinstance(row["loaded"], Document)]
    skipped = [row["loaded"] for row in by_order if isinstance(row["loaded"], Skipped)]
    return documents, skipped


def _chunk_documents(batch: Batch, params: ChunkingParams) -> Batch:
    tables = [chunk_document(pickle.loads(document), params) for document in batch["document"]]
    return {
        "order": batch["order"],
        "chunks": _objects([chunks for chunks, _ in tables]),
        "sentences": _objects([sentences for _, sentences in tables]),
    }


def chunk_on_ray(documents: list[Document], params: ChunkingParams) -> Chunked:
    """`chunk_corpus` with each document cut by a Ray task, merged here in corpus order."""
    import ray.data

    _quiet_data()
    # Pickled: Arrow, which holds the dataset's rows, has no type for a Document.
    items = [{"order": order, "document": pickle.dumps(doc)} for order, doc in enumerate(documents)]
    cut = ray.data.from_items(items).map_batches(
        partial(_chunk_documents, params=params),
        batch_size=DOCUMENTS_PER_TASK,
        batch_format="numpy",
    )
    by_order = sorted(cut.take_all(), key=lambda row: row["order"])
    return merge_chunks(documents, [(row["chunks"], row["sentences"]) for row in by_order])


class _Encoder:
    """One actor of an embedder's pool: the model loaded once, then batch after batch."""

    def __init__(self, name: str, settings: Settings) -> None:
        self._name = name
        self._embedder = get_embedder(name, settings)

    def __call__(self, batch: Batch) -> Batch:
        batch[self._name] = self._embedder.encode_passages(batch["text"].tolist())
        return batch


def encode_on_ray(
    embedders: Sequence[Embedder],
    texts: list[str],
    into: dict[str, Rows],
    settings: Settings,
    progress: Progress,
) -> None:
    """`encode_locally` on Ray: one actor pool per embedder, chained in one dataset so that
    every model encodes at once; each batch is written into its rows as it comes back."""
    import ray.data

    _quiet_data()
    ticks = {e.name: progress(f"embedding ({e.name})", len(texts)) for e in embedders}
    if not texts:
        return
    dataset: ray.data.Dataset = ray.data.from_items(
        [{"position": position, "text": text} for position, text in enumerate(texts)]
    )
    for embedder in embedders:
        dataset = dataset.map_batches(
            _Encoder,
            fn_constructor_args=(embedder.name, settings),
            batch_size=settings.embed_batch_size,
            batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(min_size=1, max_size=settings.ray_actors),
            # A CPU per actor, so that every embedder's pool fits on a small cluster at once.
            num_cpus=1,
            num_gpus=settings.ray_gpus_per_actor,
        )
    # Batches come back in any order; each carries its positions in `texts`.
    for batch in dataset.drop_columns(["text"]).iter_batches(batch_format="numpy", batch_size=None):
        for name, tick in ticks.items():
            into[name][batch["position"]] = batch[name]
            tick(len(batch["position"]))


RAY_STAGES = Stages(load=load_on_ray, chunk=chunk_on_ray, encode=encode_on_ray)


def failure(error: Exception) -> str:
    """What failed on the cluster, as the line its own exception printed: Ray hands back a
    traceback, wrapped in exceptions of its own."""
    raised = [
        f"{name}: {message}"
        for name, message in _RAISED.findall(str(error))
        if not name.startswith("ray.")
    ]
    return raised[-1] if raised else str(error).strip().splitlines()[0]


def _check_gpus(settings: Settings) -> None:
    """Ray would wait for ever for GPUs that the cluster does not have."""
    import ray

    gpus = ray.cluster_resources().get("GPU", 0)
    if settings.ray_gpus_per_actor > gpus:
        raise IngestError(
            f"DOCQA_RAY_GPUS_PER_ACTOR is {settings.ray_gpus_per_actor:g} but the Ray cluster "
            f"has {gpus:g} GPUs"
        )


def run_ingest_on_ray(
    address: str,
    corpus_dir: Path,
    index_dir: Path,
    settings: Settings,
    progress: Progress | None = None,
) -> IngestReport:
    """`run_ingest` with its load, chunk and encode steps on the Ray cluster at `address`."""
    with ray_session(address):
        # Only now: a private Ray's environment is set before Ray is first imported.
        from ray.exceptions import RayError

        _check_gpus(settings)
        try:
            return run_ingest(corpus_dir, index_dir, settings, progress, stages=RAY_STAGES)
        except RayError as error:
            raise IngestError(
                f"ingest on Ray failed: {failure(error)}; the existing index was left as it was"
            ) from error
