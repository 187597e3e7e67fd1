"""Scale benchmark: ingest and search cost at 10^4, 10^5 and, with --million, 10^6 chunks.

Prints numbers; asserts nothing. Each measurement runs in a process of its own, so that the
memory it reports is its own. Vectors are synthetic unit vectors shaped like sentence
embeddings (`embedding_like`); BM25 texts are synthetic too (invented words, Zipf-distributed).
Chunking and embedding need real text and the real models: they are measured on corpus/ and
extrapolated. Build steps use both cores; every search runs on one thread, as the service
runs each query.

    .venv/bin/python benchmarks/scale_bench.py            # 10^4 and 10^5 chunks: ~3 minutes
    .venv/bin/python benchmarks/scale_bench.py --million  # and 10^6: ~30 more minutes, 4.5 GB
"""

import argparse
import ctypes
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import faiss
import numpy as np

REPO = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_WAIT_POLICY": "PASSIVE"}
DIM = 384  # multilingual-e5-small; USE vectors have 512 dimensions
QUERIES = 200
K = 10
BUILD_THREADS = 2
# Each topic's vectors spread along this many directions of their own, plus a little noise:
# neighbourhoods of low dimension, as in real embeddings, rather than isotropic blobs.
TOPIC_DIRECTIONS = 16
CHUNKS_PER_TOPIC = 1_000
# Sentence vectors per chunk vector in the index of corpus/ (349 / 111).
SENTENCES_PER_CHUNK = 3.1

# One query (a vector, or a string for BM25) in, the ids found out.
Search = Callable[[object], np.ndarray]


def rss_mb() -> float:
    """Resident memory of this process now (not its peak), after returning freed memory to
    the system so that a new index cannot hide in it."""
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def normalized(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


class EmbeddingLike:
    """Unit vectors in topics: a shared direction (embeddings are anisotropic: e5 passages of
    corpus/ have mean cosine 0.85), a topic centre, a spread along the topic's own few
    directions, and noise. Queries are fresh draws, not perturbed copies of stored vectors."""

    def __init__(self, n: int, rng: np.random.Generator) -> None:
        self.rng = rng
        topics = max(64, n // CHUNKS_PER_TOPIC)
        scale = np.float32(1 / np.sqrt(DIM))
        self.shared = 3 * normalized(rng.standard_normal((1, DIM), dtype=np.float32))
        self.centres = rng.standard_normal((topics, DIM), dtype=np.float32) * scale
        self.directions = rng.standard_normal((topics, TOPIC_DIRECTIONS, DIM), dtype=np.float32)
        self.directions *= 2 * scale / np.float32(np.sqrt(TOPIC_DIRECTIONS))

    def sample(self, count: int) -> np.ndarray:
        """`count` vectors, float32, generated topic by topic to bound temporary memory."""
        out = np.empty((count, DIM), np.float32)
        topic_of = np.sort(self.rng.integers(0, len(self.centres), count))
        bounds = np.searchsorted(topic_of, np.arange(len(self.centres) + 1))
        for topic, (start, stop) in enumerate(itertools.pairwise(bounds)):
            spread = self.rng.standard_normal((stop - start, TOPIC_DIRECTIONS), dtype=np.float32)
            noise = self.rng.standard_normal((stop - start, DIM), dtype=np.float32)
            out[start:stop] = normalized(
                self.shared
                + self.centres[topic]
                + spread @ self.directions[topic]
                + np.float32(0.15 / np.sqrt(DIM)) * noise
            )
        return out[self.rng.permutation(count)]


def latencies(search: Search, queries: Sequence) -> tuple[float, float, list[np.ndarray]]:
    """p50 and p95 in ms of one query at a time, and the ids each query found."""
    found, times = [], []
    for query in queries:
        started = time.perf_counter()
        found.append(search(query))
        times.append((time.perf_counter() - started) * 1000)
    return float(np.percentile(times, 50)), float(np.percentile(times, 95)), found


def recall(found: list[np.ndarray], truth: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(t)) / K for f, t in zip(found, truth, strict=True)]))


def disk_mb(index: faiss.Index) -> float:
    with tempfile.NamedTemporaryFile() as file:
        faiss.write_index(index, file.name)
        return os.path.getsize(file.name) / 2**20


def _hnsw(index: faiss.Index) -> faiss.Index:
    from docqa.index import dense

    index.hnsw.efConstruction = dense.HNSW_EF_CONSTRUCTION
    return index


def _ivf_lists(n: int) -> int:
    # 4 sqrt(n) lists, as FAISS advises, with the 40 training vectors each that k-means needs.
    return int(min(4 * np.sqrt(n), n / 40))


def dense_variants(n: int) -> dict[str, Callable[[], faiss.Index]]:
    """Empty indexes: exact, dense.py's HNSW, and the smaller alternatives."""
    from docqa.index import dense

    metric, neighbours = faiss.METRIC_INNER_PRODUCT, dense.HNSW_NEIGHBOURS
    sq8 = faiss.ScalarQuantizer.QT_8bit
    return {
        "exact (flat)": lambda: faiss.IndexFlatIP(DIM),
        "HNSW flat (dense.py)": lambda: _hnsw(faiss.IndexHNSWFlat(DIM, neighbours, metric)),
        "HNSW SQ8": lambda: _hnsw(faiss.IndexHNSWSQ(DIM, sq8, neighbours, metric)),
        "IVF flat": lambda: faiss.IndexIVFFlat(faiss.IndexFlatIP(DIM), DIM, _ivf_lists(n), metric),
    }


def tunings(name: str, vectors: np.ndarray) -> dict[str, Callable[[faiss.Index], Search]]:
    """Search settings to try on an index: label -> (index -> one-query search)."""

    def plain(index: faiss.Index) -> Search:
        return lambda query: index.search(query.reshape(1, -1), K)[1][0]

    def hnsw(ef: int, rerank: int = 0) -> Callable[[faiss.Index], Search]:
        def searcher(index: faiss.Index) -> Search:
            index.hnsw.efSearch = ef
            if not rerank:
                return plain(index)

            def search(query: np.ndarray) -> np.ndarray:
                # Candidates from the 8-bit codes, ordered by the float vectors, which the
                # service holds anyway (IndexData.chunk_vectors).
                candidates = index.search(query.reshape(1, -1), rerank)[1][0]
                exact = vectors[candidates] @ query
                return candidates[np.argsort(-exact)[:K]]

            return search

        return searcher

    def ivf(nprobe: int) -> Callable[[faiss.Index], Search]:
        def searcher(index: faiss.Index) -> Search:
            index.nprobe = nprobe
            return plain(index)

        return searcher

    if name.startswith("exact"):
        return {"": plain}
    if name.startswith("HNSW flat"):
        return {f"efSearch {ef}": hnsw(ef) for ef in (96, 192, 384)}
    if name.startswith("HNSW SQ8"):
        settings = {f"efSearch {ef}": hnsw(ef) for ef in (96, 192)}
        settings |= {f"efSearch {ef}, re-rank 40": hnsw(ef, rerank=40) for ef in (96, 192)}
        return settings
    return {f"nprobe {p}": ivf(p) for p in (16, 32, 64)}


def measure_dense(n: int) -> list[dict]:
    """Build, size and search every dense variant over n synthetic vectors."""
    from docqa.index.hubness import hubness

    data = EmbeddingLike(n, np.random.default_rng(0))
    vectors, queries = data.sample(n), data.sample(QUERIES)
    faiss.omp_set_num_threads(BUILD_THREADS)
    truth = faiss.knn(queries, vectors, K, metric=faiss.METRIC_INNER_PRODUCT)[1]
    started = time.perf_counter()
    hubness(vectors)
    rows = [{"variant": "hubness scores (ingest)", "build_s": time.perf_counter() - started}]
    for name, make in dense_variants(n).items():
        before = rss_mb()
        started = time.perf_counter()
        index = make()
        if not index.is_trained:
            index.train(vectors[np.random.default_rng(1).permutation(n)[: 64 * _ivf_lists(n)]])
        index.add(vectors)
        built = time.perf_counter() - started
        memory = rss_mb() - before
        size = disk_mb(index)
        faiss.omp_set_num_threads(1)
        for label, searcher in tunings(name, vectors).items():
            p50, p95, found = latencies(searcher(index), queries)
            rows.append(
                {
                    "variant": f"{name} {label}".strip(),
                    "build_s": built,
                    "memory_mb": memory,
                    "disk_mb": size,
                    "p50_ms": p50,
                    "p95_ms": p95,
                    "recall": recall(found, truth),
                }
            )
        faiss.omp_set_num_threads(BUILD_THREADS)
        del index
    rows.append({"variant": "process peak", "memory_mb": peak_mb()})
    return rows


def synthetic_texts(count: int, rng: np.random.Generator) -> tuple[list[str], list[str]]:
    """`count` chunks of 70 invented words, Zipf-distributed, and QUERIES 5-word queries."""
    syllables = np.array([c + v for c in "bcdfglmnprstv" for v in "aeiou"])
    vocabulary = np.unique(
        ["".join(rng.choice(syllables, rng.integers(2, 5))) for _ in range(200_000)]
    )
    weights = 1 / (np.arange(len(vocabulary)) + 2.7)
    weights /= weights.sum()
    texts = []
    for start in range(0, count, 10_000):
        words = vocabulary[rng.choice(len(vocabulary), (min(10_000, count - start), 70), p=weights)]
        texts += [" ".join(row) + "." for row in words]
    # Queries use words past the 100 commonest, as questions' content words do.
    picks = rng.integers(100, len(vocabulary), (QUERIES, 5))
    return texts, [" ".join(vocabulary[row]) for row in picks]


def measure_lexical(n: int) -> list[dict]:
    """Build, size and search BM25 (docqa.index.lexical, Spanish) over n synthetic chunks."""
    from docqa.index.lexical import LexicalIndex

    texts, queries = synthetic_texts(n, np.random.default_rng(0))
    before = rss_mb()
    started = time.perf_counter()
    index = LexicalIndex.build("es", texts, np.arange(n))
    built = time.perf_counter() - started
    memory = rss_mb() - before
    with tempfile.TemporaryDirectory() as tmp:
        index.save(Path(tmp) / "bm25")
        size = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file()) / 2**20
    # 100 candidates, as search asks BM25 for (DOCQA_CANDIDATES).
    p50, p95, _ = latencies(lambda query: index.search(query, 100)[0], queries)
    return [
        {
            "variant": "BM25 (bm25s, stemmed, folded)",
            "build_s": built,
            "memory_mb": memory,
            "disk_mb": size,
            "p50_ms": p50,
            "p95_ms": p95,
        },
        {"variant": "process peak", "memory_mb": peak_mb()},
    ]


def measure_text() -> list[dict]:
    """Chunking (sentence split + windows) and embedding throughput on corpus/."""
    from docqa.config import Settings
    from docqa.embed.registry import get_embedder
    from docqa.ingest.chunking import ChunkingParams, chunk_text
    from docqa.ingest.loaders import load_file
    from docqa.text.language import detect_language

    texts = [load_file(path).text for path in sorted((REPO / "corpus").iterdir())]
    started = time.perf_counter()
    chunk_texts, sentence_texts = [], []
    for text in texts:
        sentences, chunks = chunk_text("doc", text, detect_language(text), ChunkingParams())
        chunk_texts += [text[c.start : c.end] for c in chunks]
        sentence_texts += [text[s.start : s.end] for s in sentences]
    seconds = time.perf_counter() - started
    characters = sum(map(len, texts))
    rows = [
        {
            "variant": "chunking (pysbd + windows)",
            "chunks_per_s": len(chunk_texts) / seconds,
            "chars_per_s": characters / seconds,
        }
    ]
    settings = Settings(_env_file=None)
    total = 0.0
    for name in settings.embedders:
        embedder = get_embedder(name, settings)
        embedder.encode_passages(chunk_texts[:8])  # warm-up
        started = time.perf_counter()
        for batch in range(0, len(chunk_texts), settings.embed_batch_size):
            embedder.encode_passages(chunk_texts[batch : batch + settings.embed_batch_size])
        for batch in range(0, len(sentence_texts), settings.embed_batch_size):
            embedder.encode_passages(sentence_texts[batch : batch + settings.embed_batch_size])
        seconds = time.perf_counter() - started
        total += seconds
        rows.append(
            {
                "variant": f"embedding ({name}), a chunk and its sentences",
                "chunks_per_s": len(chunk_texts) / seconds,
            }
        )
    rows.append(
        {"variant": "embedding (all embedders), a chunk and its sentences",
         "chunks_per_s": len(chunk_texts) / total}
    )  # fmt: skip
    return rows


SECTIONS = {"dense": measure_dense, "lexical": measure_lexical}


def run_child(section: str, n: int | None) -> list[dict]:
    """Run one measurement in a fresh interpreter; it prints its rows as JSON."""
    args = [sys.executable, __file__, "--child", section] + ([str(n)] if n else [])
    done = subprocess.run(args, env=ENV, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _cell(row: dict, key: str, fmt: str) -> str:
    return format(row[key], fmt) if key in row else ""


def print_table(title: str, rows: list[dict]) -> None:
    print(f"\n{title}")
    print(
        f"  {'':44} {'build s':>9} {'memory MB':>10} {'disk MB':>8} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'recall@10':>9}"
    )
    for row in rows:
        print(
            f"  {row['variant']:44} {_cell(row, 'build_s', '9.1f'):>9} "
            f"{_cell(row, 'memory_mb', '10.0f'):>10} {_cell(row, 'disk_mb', '8.0f'):>8} "
            f"{_cell(row, 'p50_ms', '8.2f'):>8} {_cell(row, 'p95_ms', '8.2f'):>8} "
            f"{_cell(row, 'recall', '9.3f'):>9}"
        )


def print_text(rows: list[dict], sizes: list[int]) -> None:
    print("\nchunking and embedding, measured on corpus/")
    for row in rows:
        rate = row["chunks_per_s"]
        extra = f", {row['chars_per_s']:,.0f} characters/s" if "chars_per_s" in row else ""
        hours = ", ".join(f"10^{len(str(n)) - 1}: {n / rate / 3600:,.1f} h" for n in sizes)
        print(f"  {row['variant']:54} {rate:8.1f} chunks/s{extra}  ({hours})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--million", action="store_true", help="also measure 10^6 chunks")
    parser.add_argument("--no-models", action="store_true", help="skip the embedding models")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        section, *n = args.child
        rows = SECTIONS[section](int(n[0])) if n else measure_text()
        print(json.dumps(rows))
        return
    sizes = [10_000, 100_000] + ([1_000_000] if args.million else [])
    print(
        f"synthetic {DIM}-d unit vectors in topics of ~{CHUNKS_PER_TOPIC:,} chunks, "
        f"{QUERIES} held-out queries, k={K}; builds on {BUILD_THREADS} threads, "
        "searches on 1; memory is the RSS growth while building"
    )
    if not args.no_models:
        print_text(run_child("text", None), sizes)
    for n in sizes:
        print_table(f"dense index, {n:,} chunk vectors", run_child("dense", n))
        print_table(f"BM25, {n:,} chunks of 70 words", run_child("lexical", n))
    print(
        f"\nThe service holds, per embedder, a chunk index and a sentence index "
        f"(~{SENTENCES_PER_CHUNK} sentences a chunk), and IndexData keeps the float vectors "
        "besides the FAISS copy."
    )


if __name__ == "__main__":
    main()
