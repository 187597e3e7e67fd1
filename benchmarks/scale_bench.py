"""Scale benchmark: whole synthetic builds of 10^4, 10^5 and, with --million, 10^6 chunks,
written in the real on-disk format, then loaded and searched as the service does.

Prints numbers; asserts nothing. Each step runs in a process of its own, so that the memory it
reports is its own:

- models: loads only the embedders (e5, USE) and the language detector and encodes the
  questions; its memory is subtracted from the search process's, leaving the index's own.
- text: chunking and embedding rates on corpus/ with the real models; they bound ingest.
- build: a complete build of N synthetic chunks made and switched in by the index builder
  (index.build.publish_build, as ingest makes its builds; the lexicon's word vectors are
  synthetic), its parts timed inside it. Each size is built with the default
  DOCQA_EXACT_SEARCH_MAX_CHUNKS and, up to 10^5 chunks, also with the other kind of dense
  index (exact or approximate).
- search: the build's files dropped from the page cache, Searcher.open on that folder and a
  first search (both from disk); the files a search reads (all but the float vectors, which
  only the next ingest reads) read through once, so that the page cache holds them as it does
  on a machine that has served a while; then 200 questions of the dev set through
  Searcher.search (k=5) with the real models, how much of the float vectors is then in the
  page cache, and recall of each approximate chunk index against exact search.

Synthetic data: documents of 20 chunks, chunks of ~4.1 sentences of ~19 words that overlap by
one sentence (3.1 sentence rows a chunk, as in corpus/), half the documents Spanish and half
English. Words are Zipf-distributed over a vocabulary of 200,000 words a language at 10^6
chunks (fewer below, by Heaps' law): invented ones, with the content words of corpus/ at every
10th rank from the 10th, so that the questions' words hit postings of realistic lengths and
their rendering in the other language is not empty. Vectors are unit vectors shaped like
sentence embeddings (`EmbeddingLike`), 384-d for e5 and 512-d for USE. The lexicon holds every
word of the texts, as ingest's would, with synthetic vectors.

    .venv/bin/python benchmarks/scale_bench.py            # 10^4 and 10^5 chunks: ~5 minutes
    .venv/bin/python benchmarks/scale_bench.py --million  # and 10^6: ~30 more, 20 GB of disk
    .venv/bin/python benchmarks/scale_bench.py --wait-policies PASSIVE ACTIVE  # each search twice
    .venv/bin/python benchmarks/scale_bench.py --backend milvus --no-text  # on Milvus Lite

With --backend milvus each build goes into a Milvus Lite database of its own (one build a size,
with Milvus's own dense index): the time Backend.publish takes to insert it, and after the
searches the resident memory of the search process and of the `milvus` process Lite runs as
its child. What reads FAISS's files (their sizes, the page cache, recall) is left out.
"""

import argparse
import ctypes
import gc
import hashlib
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_WAIT_POLICY": "PASSIVE"}
WAIT_POLICIES = ("PASSIVE", "ACTIVE")
QUESTIONS = REPO / "docqa" / "eval" / "sets" / "dev.jsonl"
SEARCHES = 200
SEARCH_K = 5
# Recall is measured on this many fresh synthetic queries, at k=10 (the goal's) and at the
# number of candidates search asks each dense index for (DOCQA_CANDIDATES).
RECALL_QUERIES = 200
K = 10
# Each topic's vectors spread along this many directions of their own, plus a little noise:
# neighbourhoods of low dimension, as in real embeddings, rather than isotropic blobs.
TOPIC_DIRECTIONS = 16
CHUNKS_PER_TOPIC = 1_000
VECTOR_BLOCK = 65_536
# Per embedder, the seed of its synthetic vectors; queries are drawn from the same topics.
SEEDS = {"e5": 1, "use": 2}
# corpus/: 111 chunks of 5 documents, 349 sentence rows (3.1 a chunk), ~79 words a chunk.
SENTENCES_PER_CHUNK = 3.1
CHUNKS_PER_DOCUMENT = 20
# Sentences a chunk adds after the one it shares with the previous chunk: 3.1 on average.
NEW_SENTENCES, NEW_SENTENCES_P = (2, 3, 4), (0.2, 0.5, 0.3)
SENTENCE_WORDS = (10, 29)  # uniform, 19 on average
# Words a language at 10^6 chunks, and fewer in smaller corpora by Heaps' law: corpus/ has 881
# Spanish content words in 78 chunks, which extrapolates to ~170,000 at 500,000 chunks.
VOCABULARY = 200_000
HEAPS_EXPONENT = 0.6
REAL_WORD_STRIDE = 10
# A build with this exact_max gets the approximate index at every size measured.
SMALL_EXACT_MAX = 1_000
# Up to this size, each build is made with both kinds of dense index, whatever the default.
BOTH_KINDS_MAX = 100_000

# Below this share of the CPUs used by other processes the machine counts as quiet.
QUIET_SHARE = 0.05

GOAL_P95_MS = 50
GOAL_RECALL = 0.95
GOAL_MEMORY_MB = 2_048


def seed_of(name: str) -> int:
    return SEEDS.get(name, 1 + len(SEEDS))


def log(message: str) -> None:
    """Progress on stderr, which the parent passes through; stdout carries the result."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def memory() -> dict[str, float]:
    """Resident memory of this process now, in MB, after returning freed memory to the system:
    anonymous (heap, arrays read into memory) and file-backed (mapped files' pages touched,
    libraries), and the peak of the total."""
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in {"RssAnon", "RssFile", "RssShmem", "VmHWM"}:
            fields[key] = int(value.split()[0]) / 1024
    return {
        "anon": fields["RssAnon"],
        "file": fields["RssFile"] + fields["RssShmem"],
        "peak": fields["VmHWM"],
    }


class PeakAnon:
    """The largest anonymous resident memory of this process, sampled twice a second on a
    thread (VmHWM would count the pages of files mapped for writing too)."""

    def __init__(self) -> None:
        self.mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.5):
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith("RssAnon:"):
                    self.mb = max(self.mb, int(line.split()[1]) / 1024)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.mb


def percentiles(times: list[float]) -> dict[str, float]:
    return {
        "p50": float(np.percentile(times, 50)),
        "p95": float(np.percentile(times, 95)),
        "mean": float(np.mean(times)),
    }


def normalized(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


class EmbeddingLike:
    """Unit vectors in topics: a shared direction (embeddings are anisotropic: e5 passages of
    corpus/ have mean cosine 0.85), a topic centre, a spread along the topic's own few
    directions, and noise. Queries are fresh draws, not perturbed copies of stored vectors."""

    def __init__(self, n: int, dim: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.dim = dim
        topics = max(64, n // CHUNKS_PER_TOPIC)
        scale = np.float32(1 / np.sqrt(dim))
        self.shared = 3 * normalized(rng.standard_normal((1, dim), dtype=np.float32))
        self.centres = rng.standard_normal((topics, dim), dtype=np.float32) * scale
        self.directions = rng.standard_normal((topics, TOPIC_DIRECTIONS, dim), dtype=np.float32)
        self.directions *= 2 * scale / np.float32(np.sqrt(TOPIC_DIRECTIONS))

    def sample(self, count: int, rng: np.random.Generator) -> np.ndarray:
        """`count` vectors, float32, generated topic by topic to bound temporary memory."""
        out = np.empty((count, self.dim), np.float32)
        topic_of = np.sort(rng.integers(0, len(self.centres), count))
        bounds = np.searchsorted(topic_of, np.arange(len(self.centres) + 1))
        for topic, (start, stop) in enumerate(itertools.pairwise(bounds)):
            spread = rng.standard_normal((stop - start, TOPIC_DIRECTIONS), dtype=np.float32)
            noise = rng.standard_normal((stop - start, self.dim), dtype=np.float32)
            out[start:stop] = normalized(
                self.shared
                + self.centres[topic]
                + spread @ self.directions[topic]
                + np.float32(0.15 / np.sqrt(self.dim)) * noise
            )
        return out[rng.permutation(count)]

    def fill(self, out: np.ndarray, rng: np.random.Generator) -> None:
        """Fill `out` (a file mapped for writing) block by block."""
        for start in range(0, len(out), VECTOR_BLOCK):
            stop = min(start + VECTOR_BLOCK, len(out))
            out[start:stop] = self.sample(stop - start, rng)


def questions() -> list[str]:
    """SEARCHES questions of the dev set, repeated as needed."""
    lines = QUESTIONS.read_text("utf-8").splitlines()
    asked = [json.loads(line)["question"] for line in lines if line.strip()]
    return list(itertools.islice(itertools.cycle(asked), SEARCHES))


def dir_mb(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 2**20
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


# --- models: the embedders alone, for the baseline ------------------------------------------


def load_models(settings) -> tuple[list, float]:
    """The embedders and the language detector, loaded and warmed up (first calls are slow),
    the same way in the models process and in the search process; and the seconds it took."""
    from docqa.embed.registry import get_embedder
    from docqa.text.language import detect_language

    started = time.perf_counter()
    # get_embedder keeps them: Searcher gets these same objects.
    embedders = [get_embedder(name, settings) for name in settings.embedders]
    detect_language("imss bienestar hospitales")  # loads the detector's models
    for embedder in embedders:
        embedder.encode_queries(["warm-up"])
    return embedders, time.perf_counter() - started


class OtherLoad:
    """The share of the machine's CPU time that other processes use from now until `share()`:
    the embedders run two threads, and slow down several times when another process takes a
    core."""

    def __init__(self) -> None:
        self._start = self._now()

    @staticmethod
    def _now() -> tuple[float, float, float]:
        ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:9]]
        busy = sum(ticks) - ticks[3] - ticks[4]  # all but idle and iowait
        return busy / os.sysconf("SC_CLK_TCK"), time.process_time(), time.monotonic()

    def share(self) -> float:
        (busy0, own0, wall0), (busy1, own1, wall1) = self._start, self._now()
        others = (busy1 - busy0) - (own1 - own0)
        return max(0.0, others / max(wall1 - wall0, 1e-9) / (os.cpu_count() or 1))


def wait_for_quiet(seconds: float) -> float:
    """Wait, up to `seconds`, until other processes use under QUIET_SHARE of the CPUs over
    5 seconds; the seconds waited."""
    started = deadline = time.monotonic()
    deadline += seconds
    while time.monotonic() < deadline:
        others = OtherLoad()
        time.sleep(5)
        if others.share() < QUIET_SHARE:
            break
    return time.monotonic() - started


def measure_models() -> dict:
    """Load the embedders and the language detector, then encode the questions as search does:
    the question with each embedder on a second thread while this one encodes the question's
    words with the lexicon embedder and then the rendering (the question stands in for it)."""
    from docqa.config import Settings
    from docqa.index.lexicon import content_words, lexicon_embedder
    from docqa.index.search import Searcher  # noqa: F401  (the search process's imports)
    from docqa.text.language import detect_language

    settings = Settings()
    before = memory()
    embedders, load_s = load_models(settings)
    loaded = memory()
    words_embedder = lexicon_embedder(embedders)

    def encode(question: str) -> None:
        for embedder in embedders:
            embedder.encode_queries([question])

    times = []
    with ThreadPoolExecutor(1) as background:
        for question in questions():
            started = time.perf_counter()
            own = background.submit(encode, question)
            words = content_words(question, detect_language(question))
            if words:
                words_embedder.encode_queries(words)
            encode(question)
            own.result()
            times.append((time.perf_counter() - started) * 1000)
    return {
        "embedders": [{"name": e.name, "model_id": e.model_id, "dim": e.dim} for e in embedders],
        "lexicon_embedder": words_embedder.name,
        "load_s": load_s,
        "memory": {"start": before, "loaded": loaded, "encoded": memory()},
        "encode_ms": percentiles(times),
    }


# --- text: chunking and embedding rates on corpus/ ------------------------------------------


def measure_text() -> list[dict]:
    """Chunking (sentence split + windows) and embedding throughput on corpus/."""
    from docqa.config import Settings
    from docqa.embed.registry import get_embedder
    from docqa.ingest.chunking import chunk_text
    from docqa.ingest.documents import load_corpus
    from docqa.ingest.pipeline import chunking_params

    settings = Settings()
    documents, _ = load_corpus(REPO / "corpus")
    started = time.perf_counter()
    chunk_texts, sentence_texts = [], []
    for doc in documents:
        sentences, chunks = chunk_text(doc.doc_id, doc.text, doc.lang, chunking_params(settings))
        chunk_texts += [doc.text[c.start : c.end] for c in chunks]
        sentence_texts += [doc.text[s.start : s.end] for s in sentences]
    seconds = time.perf_counter() - started
    characters = sum(len(doc.text) for doc in documents)
    rows = [
        {
            "variant": "chunking (pysbd + windows)",
            "chunks_per_s": len(chunk_texts) / seconds,
            "chars_per_s": characters / seconds,
        }
    ]
    total = 0.0
    for name in settings.embedders:
        embedder = get_embedder(name, settings)
        embedder.encode_passages(chunk_texts[:8])  # warm-up
        started = time.perf_counter()
        for texts in (chunk_texts, sentence_texts):
            for batch in range(0, len(texts), settings.embed_batch_size):
                embedder.encode_passages(texts[batch : batch + settings.embed_batch_size])
        seconds = time.perf_counter() - started
        total += seconds
        rows.append(
            {
                "variant": f"embedding ({name}), a chunk and its sentences",
                "chunks_per_s": len(chunk_texts) / seconds,
            }
        )
    rows.append(
        {
            "variant": "embedding (all embedders), a chunk and its sentences",
            "chunks_per_s": len(chunk_texts) / total,
        }
    )
    return rows


# --- build: a complete synthetic build folder -----------------------------------------------


def real_words() -> list[str]:
    """Content words of corpus/, commonest first (by paragraphs holding them), one per folded
    spelling."""
    from docqa.index.lexicon import content_words
    from docqa.ingest.documents import load_corpus
    from docqa.text.normalize import fold

    documents, _ = load_corpus(REPO / "corpus")
    counts = Counter()
    for doc in documents:
        for paragraph in doc.text.split("\n"):
            counts.update(content_words(paragraph, doc.lang))
    words, seen = [], set()
    for word, _ in counts.most_common():
        if fold(word) not in seen:
            seen.add(fold(word))
            words.append(word)
    return words


def vocabulary_size(n: int) -> int:
    return int(VOCABULARY * (n / 1_000_000) ** HEAPS_EXPONENT)


def vocabulary(lang_index: int, size: int, real: list[str]) -> list[str]:
    """`size` words by rank: invented ones, with `real` at every REAL_WORD_STRIDE-th rank."""
    rng = np.random.default_rng(100 + lang_index)
    syllables = [c + v for c in "bcdfglmnprstv" for v in "aeiou"]
    taken, invented = set(real), []
    while len(invented) < size:
        lengths = rng.integers(2, 5, size)
        picks = rng.integers(0, len(syllables), (size, 4)).tolist()
        for length, row in zip(lengths.tolist(), picks, strict=True):
            word = "".join(syllables[s] for s in row[:length])
            if word not in taken:
                taken.add(word)
                invented.append(word)
    words, real_left, fresh = [], iter(real), iter(invented)
    for rank in range(size):
        word = next(real_left, None) if rank and rank % REAL_WORD_STRIDE == 0 else None
        words.append(word or next(fresh))
    return words


class Corpus:
    """Makes the synthetic documents of one build, with their chunk and sentence tables."""

    def __init__(self, n: int, real: list[str]) -> None:
        self.n = n
        self.real = real
        self.documents: list = []
        self.chunk_rows: list[np.ndarray] = []
        self.sentence_rows: list[np.ndarray] = []
        # Per language: its vocabulary and, per word, how many of its chunks hold it.
        self.words: dict[str, list[str]] = {}
        self.chunk_counts: dict[str, np.ndarray] = {}

    @property
    def sentences(self) -> int:
        return sum(len(rows) for rows in self.sentence_rows)

    def language(self, lang_index: int, count: int, rng: np.random.Generator) -> None:
        """Make `count` chunks' documents in one language."""
        from docqa.model import LANGS, Document

        lang = LANGS[lang_index]
        size = vocabulary_size(self.n)
        words = self.words[lang] = vocabulary(lang_index, size, self.real)
        cdf = np.cumsum(1 / (np.arange(size) + 2.7))
        cdf /= cdf[-1]
        counts = self.chunk_counts[lang] = np.zeros(size, np.int64)
        for start in range(0, count, CHUNKS_PER_DOCUMENT):
            chunks = min(CHUNKS_PER_DOCUMENT, count - start)
            new = rng.choice(NEW_SENTENCES, chunks, p=NEW_SENTENCES_P)
            lengths = rng.integers(*SENTENCE_WORDS, int(new.sum()) + 1)
            ids = np.searchsorted(cdf, rng.random(int(lengths.sum())))
            word_at = np.concatenate([[0], np.cumsum(lengths)])
            tokens = [words[i] for i in ids.tolist()]
            sentences = [
                " ".join(tokens[a:b]) + "." for a, b in itertools.pairwise(word_at.tolist())
            ]
            text = " ".join(sentences)
            ends = np.cumsum([len(s) + 1 for s in sentences]) - 1
            starts = ends - [len(s) for s in sentences]
            first = np.concatenate([[0], np.cumsum(new)[:-1]])
            stop = first + new + 1
            chunk_start, chunk_end = starts[first], ends[stop - 1]
            for a, b in zip(first, stop, strict=True):
                counts[np.unique(ids[word_at[a] : word_at[b]])] += 1
            doc = len(self.documents)
            base = self.sentences
            self.chunk_rows.append(
                np.column_stack(
                    [
                        np.full(chunks, doc),
                        chunk_start,
                        chunk_end,
                        base + first,
                        base + stop,
                        np.full(chunks, lang_index),
                    ]
                ).astype(np.int32)
            )
            self.sentence_rows.append(
                np.column_stack([np.full(len(starts), doc), starts, ends]).astype(np.int32)
            )
            doc_id = f"synthetic-{lang}-{doc:07d}.txt"
            sha = hashlib.sha256(text.encode()).hexdigest()
            self.documents.append(Document(doc_id, f"Synthetic {doc}", doc_id, lang, text, sha))

    def tables(self) -> tuple[np.ndarray, np.ndarray]:
        return np.concatenate(self.chunk_rows), np.concatenate(self.sentence_rows)

    def lexicon(self, dim: int, rng: np.random.Generator) -> tuple[dict, dict, dict]:
        """The vocabulary of the texts, as Lexicon.build finds it, with synthetic vectors: the
        words, vectors and chunk counts of Lexicon.from_vectors."""
        from docqa.text.normalize import fold

        words, vectors, chunk_counts = {}, {}, Counter()
        for lang, vocab in self.words.items():
            present = np.flatnonzero(self.chunk_counts[lang])
            chunk_counts.update({fold(vocab[i]): int(self.chunk_counts[lang][i]) for i in present})
            words[lang] = sorted(vocab[i] for i in present)
            vectors[lang] = normalized(rng.standard_normal((len(present), dim), np.float32))
        return words, vectors, dict(chunk_counts)


@contextmanager
def timed_parts(timers: "Timers") -> Iterator[None]:
    """Inside the block, the builder's parts are timed by `timers`, by label."""
    from docqa.index import build as builder
    from docqa.index import store
    from docqa.index.codes import Codes
    from docqa.index.dense import DenseIndex
    from docqa.index.lexical import LexicalIndex

    parts = [
        (LexicalIndex, "build", "BM25, both languages"),
        (Codes, "build", "sentence codes ({})"),
        (DenseIndex, "build", "dense {}"),
        (builder, "hubness", "hubness"),
        (store, "write_build", "files written (tables, documents, vectors, indexes)"),
    ]
    saved = [(owner, name, vars(owner)[name]) for owner, name, _ in parts]
    for owner, name, label in parts:
        timed = timers.wrap(label, getattr(owner, name))
        setattr(owner, name, staticmethod(timed) if isinstance(owner, type) else timed)
    try:
        yield
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)


def backend_settings(backend: str, root: Path, kind: str) -> dict[str, str | Path]:
    """Where a build of `kind` goes: an index folder under `root`, or a Milvus Lite file."""
    if backend == "faiss":
        return {"index_dir": root / f"index-{kind}"}
    return {"index_backend": backend, "milvus_uri": str(root / "milvus" / f"{root.name}.db")}


def children_mb() -> float:
    """Resident MB of this process's children: Milvus Lite's `milvus` process."""
    import psutil

    return sum(c.memory_info().rss for c in psutil.Process().children(recursive=True)) / 2**20


def build(n: int, exact_maxes: list[int], models: dict, root: Path, backend: str) -> dict:
    """Synthetic documents, tables and vectors of n chunks, then one build per exact_max in an
    index folder (or Milvus database) of its own, made and switched in by the index builder as
    ingest's are (index.build.publish_build, with synthetic word vectors for the lexicon)."""
    from docqa.config import Settings
    from docqa.index import codes
    from docqa.index.base import create_backend
    from docqa.index.build import publish_build
    from docqa.index.dense import kind_for
    from docqa.index.lexicon import Lexicon
    from docqa.index.manifest import EmbedderRecord
    from docqa.ingest.pipeline import reuse_key
    from docqa.model import LANGS, Chunked, Vectors

    started_all = time.perf_counter()
    peak = PeakAnon()
    rng = np.random.default_rng(0)
    corpus = Corpus(n, real_words())
    synthetic_s = 0.0
    log(f"{n:,}: documents")
    started = time.perf_counter()
    for lang_index in range(len(LANGS)):
        corpus.language(lang_index, n // 2 if lang_index == 0 else n - n // 2, rng)
    chunks, sentences = corpus.tables()
    chunked = Chunked(corpus.documents, chunks, sentences)
    lexicon_dim = next(
        e["dim"] for e in models["embedders"] if e["name"] == models["lexicon_embedder"]
    )
    lexicon_parts = corpus.lexicon(lexicon_dim, rng)
    synthetic_s += time.perf_counter() - started
    vocabulary_sizes = {lang: len(words) for lang, words in lexicon_parts[0].items()}
    log(f"{n:,}: vectors")
    vector_dir = root / "vectors"
    vector_dir.mkdir(parents=True)
    vectors = {}
    for embedder in models["embedders"]:
        name, dim = embedder["name"], embedder["dim"]
        seed = seed_of(name)
        data = EmbeddingLike(n, dim, seed)
        started = time.perf_counter()
        # Written to files and mapped: at 10^6 chunks they are 11 GB.
        tables = {}
        for table, count, stream in (("chunks", n, 1), ("sentences", len(sentences), 3)):
            path = vector_dir / f"{name}-{table}.npy"
            out = np.lib.format.open_memmap(path, "w+", np.float32, (count, dim))
            data.fill(out, np.random.default_rng([seed, stream]))
            out.flush()
            del out
            tables[table] = np.load(path, mmap_mode="r")
        vectors[name] = Vectors(tables["chunks"], tables["sentences"])
        synthetic_s += time.perf_counter() - started
    records = [EmbedderRecord(**e) for e in models["embedders"]]
    key = reuse_key(Settings(), [e.model_id for e in records])
    variants = []
    for exact_max in exact_maxes:
        kind = kind_for(n, exact_max) if backend == "faiss" else backend
        settings = Settings(
            **backend_settings(backend, root, kind), exact_search_max_chunks=exact_max
        )
        log(f"{n:,}: lexicon and build ({kind})")
        started = time.perf_counter()
        lexicon = Lexicon.from_vectors(*lexicon_parts, chunks=n, exact_max=exact_max)
        lexicon_s = time.perf_counter() - started
        kinds = " / ".join(sorted(set(lexicon.kinds.values())))
        timers = Timers()
        target = create_backend(settings)
        if backend != "faiss":
            target.publish = timers.wrap(
                f"inserted into {backend} (Backend.publish)", target.publish
            )
        started = time.perf_counter()
        with timed_parts(timers):
            _, location = publish_build(
                target,
                chunked,
                vectors,
                records,
                key,
                lexicon,
                models["lexicon_embedder"],
            )
        build_s = time.perf_counter() - started
        backend_mb = children_mb()
        target.close()
        del lexicon
        gc.collect()
        spent = {
            label.format(codes.KIND if "codes" in label else kind): ms / 1000
            for label, ms in timers.take().items()
        }
        lexicon_label = "lexicon, {} words, {}".format(
            " + ".join(f"{v:,}" for v in vocabulary_sizes.values()), kinds
        )
        variants.append(
            {
                "exact_max": exact_max,
                "kind": kind,
                "location": str(settings.index_dir) if backend == "faiss" else settings.milvus_uri,
                "build_s": build_s,
                "parts": [{"part": lexicon_label, "s": lexicon_s}]
                + [{"part": label, "s": s} for label, s in spent.items()],
                "files": build_sizes(Path(location)) if backend == "faiss" else {},
                "backend_mb": backend_mb,
            }
        )
    shutil.rmtree(vector_dir)
    return {
        "n": n,
        "documents": len(corpus.documents),
        "sentences": len(sentences),
        "synthetic_s": synthetic_s,
        "total_s": time.perf_counter() - started_all,
        "variants": variants,
        "peak_mb": peak.stop(),
    }


def build_sizes(build_dir: Path) -> dict[str, float]:
    """MB on disk of a build folder's parts, by kind of file."""
    groups = {
        "documents.jsonl, chunk and sentence tables": (
            "documents.jsonl",
            "chunks.npy",
            "sentences.npy",
        ),
        "float vectors (read by the next ingest only)": ("vectors-*",),
        "dense indexes": ("dense-*",),
        "sentence codes": ("codes-*",),
        "hubness": ("hubness-*",),
        "BM25": ("bm25-*",),
        "lexicon": ("lexicon",),
    }
    sizes = {
        group: sum(dir_mb(path) for pattern in patterns for path in build_dir.glob(pattern))
        for group, patterns in groups.items()
    }
    return sizes | {"whole build": dir_mb(build_dir)}


# --- search: load the build and ask it questions --------------------------------------------


class Timers:
    """Time spent inside wrapped callables, per label, since the last reset; a search calls
    some of them on two threads at once, whose times add up."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = defaultdict(float)
        self._lock = threading.Lock()

    def wrap(self, label: str, function: Callable) -> Callable:
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                with self._lock:
                    self.ms[label] += (time.perf_counter() - started) * 1000

        return timed

    def take(self) -> dict[str, float]:
        with self._lock:
            taken, self.ms = dict(self.ms), defaultdict(float)
        return taken


class Recorded:
    """An embedder's encode_queries that keeps its answers and, once `replay` is set, returns
    them without running the model: the searches again, with retrieval alone left to time."""

    def __init__(self, encode: Callable) -> None:
        self._encode = encode
        self._answers: dict[tuple[str, ...], np.ndarray] = {}
        self.replay = False

    def __call__(self, texts: list[str]) -> np.ndarray:
        key = tuple(texts)
        if not self.replay:
            self._answers[key] = self._encode(texts)
        return self._answers[key]


def exact_top(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """Rows of the k largest inner products per query, by numpy over (mapped) float vectors."""
    best_rows = np.empty((len(queries), 0), np.int64)
    best_scores = np.empty((len(queries), 0), np.float32)
    for start in range(0, len(vectors), VECTOR_BLOCK):
        block = np.asarray(vectors[start : start + VECTOR_BLOCK])
        scores = np.concatenate([best_scores, queries @ block.T], axis=1)
        rows = np.concatenate(
            [
                best_rows,
                np.broadcast_to(np.arange(start, start + len(block)), (len(queries), len(block))),
            ],
            axis=1,
        )
        keep = np.argpartition(-scores, min(k, scores.shape[1]) - 1, axis=1)[:, :k]
        best_scores = np.take_along_axis(scores, keep, axis=1)
        best_rows = np.take_along_axis(rows, keep, axis=1)
    return best_rows


def measure_recall(searcher, name: str) -> dict:
    """Recall of one embedder's approximate chunk index against exact search, on fresh queries
    drawn like its vectors, and that index's own latency at search's number of candidates."""
    dense = searcher.data.dense[name]
    vectors = searcher.data.vectors[name].chunks
    data = EmbeddingLike(len(vectors), vectors.shape[1], seed_of(name))
    queries = data.sample(RECALL_QUERIES, np.random.default_rng([seed_of(name), 2]))
    candidates = min(searcher.settings.candidates, len(vectors))
    truth = exact_top(vectors, queries, candidates)
    at_k, at_candidates, times = [], [], []
    for query, true in zip(queries, truth, strict=True):
        order = np.argsort(-(vectors[true] @ query))
        top_k = set(true[order[:K]].tolist())
        at_k.append(len(top_k & set(dense.search(query, K)[0].tolist())) / K)
        started = time.perf_counter()
        rows = dense.search(query, candidates)[0]
        times.append((time.perf_counter() - started) * 1000)
        at_candidates.append(len(set(true.tolist()) & set(rows.tolist())) / candidates)
    return {
        "at_k": float(np.mean(at_k)),
        "at_candidates": float(np.mean(at_candidates)),
        "candidates": candidates,
        "dense_ms": percentiles(times),
    }


def held(searcher) -> dict[str, float]:
    """MB of what the loaded build holds in memory rather than mapped, by part."""
    data = searcher.data
    lexical = [index.retriever for index in data.lexical.values() if index.retriever]
    return {
        "document texts": sum(len(doc.text) for doc in data.documents) / 2**20,
        "tables and hubness": (
            data.chunks.nbytes
            + data.sentences.nbytes
            + sum(h.nbytes for h in data.chunk_hubness.values())
        )
        / 2**20,
        "lexicon words": sum(len(words) for words in data.lexicon.words.values()),
        "BM25 terms": sum(len(retriever.vocab_dict) for retriever in lexical),
    }


def build_files(index_dir: str) -> list[Path]:
    from docqa.index import store

    return sorted(p for p in store.current_build_dir(Path(index_dir)).rglob("*") if p.is_file())


def is_float_vectors(path: Path) -> bool:
    """The chunk and sentence vectors as float32: kept for the next ingest, not searched."""
    return path.name.startswith("vectors-") and path.suffix == ".npy"


def cached_mb(files: list[Path]) -> float:
    """MB of the files' pages now in the page cache (mincore over a fresh read-only mapping,
    which faults nothing in)."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    page = os.sysconf("SC_PAGE_SIZE")
    cached = 0
    for path in files:
        size = path.stat().st_size
        if not size:
            continue
        mapped = np.memmap(path, np.uint8, "r")
        resident = np.zeros(-(-size // page), np.uint8)
        status = libc.mincore(
            ctypes.c_void_p(mapped.ctypes.data),
            ctypes.c_size_t(size),
            resident.ctypes.data_as(ctypes.c_void_p),
        )
        del mapped
        if status:
            raise OSError(ctypes.get_errno(), f"mincore failed on {path}")
        cached += int((resident & 1).sum()) * page
    return cached / 2**20


def evict(files: list[Path]) -> None:
    """Drop the files' pages from the page cache, so that load and first search read the disk."""
    for path in files:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def read_through(files: list[Path]) -> tuple[float, float]:
    """Read every file once, so that the page cache holds the build, as on a machine that has
    served for a while with memory to spare; (seconds, MB read). Reading maps nothing into the
    process, so its memory counts only the pages its searches touch."""
    started, read = time.perf_counter(), 0
    for path in files:
        with open(path, "rb") as file:
            while block := file.read(1 << 24):
                read += len(block)
    return time.perf_counter() - started, read / 2**20


def measure_search(location: str, backend: str, quiet_wait: float) -> dict:
    from docqa.config import Settings
    from docqa.index.base import create_backend
    from docqa.index.search import Searcher

    faiss = backend == "faiss"
    settings = Settings() if faiss else Settings(index_backend=backend, milvus_uri=location)
    files = build_files(location) if faiss else []
    evict(files)
    before = memory()
    # Loaded first, so that opening the build times the index alone.
    embedders, models_s = load_models(settings)
    with_models = memory()
    started = time.perf_counter()
    opened = create_backend(settings, Path(location) if faiss else None)
    searcher = Searcher(opened.open(), embedders, settings)
    load_s = time.perf_counter() - started
    loaded = memory()
    holds = held(searcher) if faiss else {}

    timers = Timers()
    recorded = []
    for embedder in searcher.embedders:
        # One object serves both the question vectors and the lexicon's word vectors.
        recorded.append(Recorded(embedder.encode_queries))
        embedder.encode_queries = timers.wrap("embedders", recorded[-1])
    if faiss:
        for dense in searcher.data.dense.values():
            dense.search = timers.wrap("dense", dense.search)
        for lexical in searcher.data.lexical.values():
            lexical.search = timers.wrap("bm25", lexical.search)
    else:
        searcher.data.dense_search = timers.wrap("dense", searcher.data.dense_search)
        searcher.data.lexical_search = timers.wrap("bm25", searcher.data.lexical_search)
    lexicon = searcher.data.lexicon
    lexicon.render = timers.wrap("rendering", lexicon.render)
    searcher._sentence_scores = timers.wrap("sentences", searcher._sentence_scores)
    candidates = []
    chunk_scores = searcher._chunk_scores

    def counted(*args, **kwargs):
        scores = chunk_scores(*args, **kwargs)
        candidates.append(len(scores))
        return scores

    searcher._chunk_scores = counted
    asked = questions()
    started = time.perf_counter()
    searcher.search(asked[0], SEARCH_K)
    first_ms = (time.perf_counter() - started) * 1000
    searched_files = [p for p in files if not is_float_vectors(p)]
    float_files = [p for p in files if is_float_vectors(p)]
    read_s, read_mb = read_through(searched_files)
    timers.take()
    candidates.clear()
    waited = wait_for_quiet(quiet_wait) if quiet_wait else 0.0
    others = OtherLoad()
    whole, embedders = [], []
    for question in asked:
        started = time.perf_counter()
        searcher.search(question, SEARCH_K)
        whole.append((time.perf_counter() - started) * 1000)
        embedders.append(timers.take().get("embedders", 0.0))
    # The same searches with the models' answers replayed: what is left is retrieval alone.
    for replayed in recorded:
        replayed.replay = True
    candidates.clear()
    retrieval, parts = [], defaultdict(list)
    for question in asked:
        started = time.perf_counter()
        searcher.search(question, SEARCH_K)
        took = (time.perf_counter() - started) * 1000
        spent = timers.take()
        retrieval.append(took)
        for label in ("dense", "bm25", "rendering", "sentences"):
            parts[label].append(spent.get(label, 0.0))
        parts["rest"].append(took - sum(spent.values()))
    other_share = others.share()
    searched = memory()
    backend_mb = children_mb()
    floats_cached_mb = cached_mb(float_files)
    result = {
        "kind": searcher.data.manifest.dense_index,
        "others": other_share,
        "waited_s": waited,
        "models_s": models_s,
        "load_s": load_s,
        "memory": {"start": before, "models": with_models, "loaded": loaded, "searched": searched},
        "backend_mb": backend_mb,
        "first_ms": first_ms,
        "read_s": read_s,
        "read_mb": read_mb,
        "searched_files_mb": sum(p.stat().st_size for p in searched_files) / 2**20,
        "float_files_mb": sum(p.stat().st_size for p in float_files) / 2**20,
        "floats_cached_mb": floats_cached_mb,
        "search_ms": percentiles(whole),
        "retrieval_ms": percentiles(retrieval),
        "embedders_ms": percentiles(embedders),
        "held": holds,
        "parts_ms": {"embedders": float(np.mean(embedders))}
        | {label: float(np.mean(times)) for label, times in parts.items()},
        "candidates": float(np.mean(candidates)),
        "recall": {},
    }
    for name, dense in searcher.data.dense.items() if faiss else ():
        if not dense.exact:
            log(f"recall of {name}")
            result["recall"][name] = measure_recall(searcher, name)
    opened.close()
    return result


# --- the parent: run the steps, print the tables --------------------------------------------


def run_child(*args: str, env: dict | None = None) -> dict | list:
    """Run one step in a fresh interpreter; it prints its result as JSON on its last line."""
    command = [sys.executable, __file__, "--child", *args]
    done = subprocess.run(command, env=env or ENV, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def print_text(rows: list[dict], sizes: list[int]) -> None:
    print("\nchunking and embedding, measured on corpus/ with the real models")
    for row in rows:
        rate = row["chunks_per_s"]
        extra = f", {row['chars_per_s']:,.0f} characters/s" if "chars_per_s" in row else ""
        hours = ", ".join(f"10^{len(str(n)) - 1}: {n / rate / 3600:,.1f} h" for n in sizes)
        print(f"  {row['variant']:54} {rate:8.1f} chunks/s{extra}  ({hours})")


def index_memory(search: dict, models: dict) -> dict[str, dict[str, float]]:
    """The search process's memory minus the models-only process's, after load and after the
    searches (against the models process after it encoded the same questions)."""
    pairs = {"loaded": "loaded", "searched": "encoded"}
    return {
        stage: {
            part: search["memory"][stage][part] - models["memory"][base][part]
            for part in ("anon", "file")
        }
        for stage, base in pairs.items()
    }


def resident(search: dict) -> float:
    """MB resident in the search process after the searches, models included."""
    return search["memory"]["searched"]["anon"] + search["memory"]["searched"]["file"]


def print_build(result: dict) -> None:
    n = result["n"]
    print(
        f"\n== {n:,} chunks: {result['documents']:,} documents, {result['sentences']:,} "
        f"sentences ({result['sentences'] / n:.2f} a chunk; corpus/: {SENTENCES_PER_CHUNK})"
    )
    print(
        f"build: {result['total_s']:.0f} s in all, of which {result['synthetic_s']:.0f} s make "
        f"the synthetic data (not a product cost); peak anonymous {result['peak_mb']:,.0f} MB"
    )
    for variant in result["variants"]:
        print(
            f"  {variant['kind']} (exact_max {variant['exact_max']:,}): the builder took "
            f"{variant['build_s']:.1f} s (the lexicon's indexes apart)"
        )
        print(f"    {'part':60} {'build s':>8}")
        for row in variant["parts"]:
            print(f"    {row['part']:60} {row['s']:8.1f}")
        if variant["files"]:
            print(f"    {'on disk':60} {'MB':>8}")
        for group, mb in variant["files"].items():
            print(f"    {group:60} {mb:8,.0f}")
        if variant["backend_mb"]:
            print(f"    milvus process resident after the insert: {variant['backend_mb']:,.0f} MB")


def print_search(n: int, search: dict, models: dict) -> None:
    mem = index_memory(search, models)
    recall = search["recall"]
    h = search["held"]
    print(
        f"\n  {n:,} chunks, dense index {search['kind']}{' (default)' * search['default']}, "
        f"OMP_WAIT_POLICY={search['policy']} (other processes used {search['others']:.0%} of "
        f"the CPUs during the searches; waited {search['waited_s']:.0f} s for a quiet machine)"
    )
    load = (
        f"    load: models {search['models_s']:.1f} s (not counted), index (Backend.open) "
        f"{search['load_s']:.2f} s and first search (models warm) {search['first_ms']:.0f} ms"
    )
    if h:
        load += (
            f" with the build's files out of the page cache; then the files a search reads read "
            f"through once ({search['read_mb']:,.0f} MB in {search['read_s']:.1f} s) before the "
            f"timed searches"
        )
    print(load)
    if h:
        print(
            f"    float vectors (read by the next ingest only): {search['float_files_mb']:,.0f} "
            f"MB on disk, {search['floats_cached_mb']:,.0f} MB of them in the page cache after "
            f"the searches"
        )
    print(
        f"    index memory (search process minus models process): after load "
        f"{mem['loaded']['anon']:,.0f} MB anonymous + {mem['loaded']['file']:,.0f} MB mapped; "
        f"after {SEARCHES} searches {mem['searched']['anon']:,.0f} + "
        f"{mem['searched']['file']:,.0f} MB"
    )
    if h:
        print(
            f"    held in memory: document texts {h['document texts']:,.0f} MB, tables and "
            f"hubness {h['tables and hubness']:,.0f} MB, {h['lexicon words']:,} lexicon words, "
            f"{h['BM25 terms']:,} BM25 terms"
        )
    else:
        print(
            f"    resident after the searches: search process (docqa, models included) "
            f"{resident(search):,.0f} MB, milvus process {search['backend_mb']:,.0f} MB"
        )
    s, r, e = search["search_ms"], search["retrieval_ms"], search["embedders_ms"]
    print(
        f"    search p50 {s['p50']:.1f} ms, p95 {s['p95']:.1f} ms; retrieval alone (the "
        f"searches again, the models' vectors replayed) p50 {r['p50']:.1f} ms, p95 "
        f"{r['p95']:.1f} ms; encode_queries (both threads' time added) p50 {e['p50']:.1f} ms, "
        f"p95 {e['p95']:.1f} ms"
    )
    parts = ", ".join(f"{label} {ms:.1f}" for label, ms in search["parts_ms"].items())
    print(
        f"    mean ms a search, both threads' time added (embedders from the searches, the "
        f"rest from the replay): {parts}; {search['candidates']:.0f} candidate chunks"
    )
    for name, row in recall.items():
        d = row["dense_ms"]
        print(
            f"    {name}: recall@{K} {row['at_k']:.3f}, recall@{row['candidates']} "
            f"{row['at_candidates']:.3f}; one search of {row['candidates']} candidates "
            f"p50 {d['p50']:.2f} ms, p95 {d['p95']:.2f} ms"
        )


def print_summary(results: list[tuple[int, dict, dict]], models: dict) -> None:
    print(
        f"\nsummary ({SEARCHES} dev questions, k={SEARCH_K}; memory in MB is the index's own: "
        "anonymous + mapped pages touched, after the searches; others: the share of the CPUs "
        "other processes used meanwhile; *: the kind the default exact_max gives)"
    )
    print(
        f"  {'chunks':>9} {'dense':9} {'OpenMP':7} {'disk MB':>8} {'load s':>7} {'anon MB':>8}"
        f" {'mapped MB':>10}"
        f" {'search p50':>10} {'p95':>6} {'retrieval p50':>13} {'p95':>6} {'encode p50':>10}"
        f" {'recall@10':>13} {'others':>6}"
    )
    for n, search, variant in results:
        mem = index_memory(search, models)["searched"]
        s, r = search["search_ms"], search["retrieval_ms"]
        recall = " / ".join(f"{row['at_k']:.3f}" for row in search["recall"].values())
        disk = variant["files"].get("whole build")
        kind = search["kind"] + "*" * search["default"]
        print(
            f"  {n:>9,} {kind:9} {search['policy']:7} "
            f"{'-' if disk is None else f'{disk:,.0f}':>8} {search['load_s']:7.2f} "
            f"{mem['anon']:8,.0f} {mem['file']:10,.0f} {s['p50']:10.1f} {s['p95']:6.1f} "
            f"{r['p50']:13.1f} {r['p95']:6.1f} {search['embedders_ms']['p50']:10.1f} "
            f"{recall or ('exact' if disk else '-'):>13} {search['others']:6.0%}"
        )
        if disk is None:
            insert = next(row["s"] for row in variant["parts"] if "Backend.publish" in row["part"])
            print(
                f"  {'':>9} insert (Backend.publish) {insert:.0f} s; resident after the "
                f"searches: search process {resident(search):,.0f} MB (models included), milvus "
                f"process {search['backend_mb']:,.0f} MB"
            )
    n, search, variant = max(results, key=lambda item: (item[0], item[1]["default"]))
    if not variant["files"]:
        return  # the goal's memory and recall are measured on FAISS's files
    mem = index_memory(search, models)["searched"]
    worst_recall = min((row["at_k"] for row in search["recall"].values()), default=1.0)
    print(f"\ngoal at {n:,} chunks on 2 cores (issue 5):")
    for size, other, _ in results:
        if size == n and other["default"]:
            print(
                f"  search p95 <= {GOAL_P95_MS} ms, OMP_WAIT_POLICY={other['policy']}: whole "
                f"search {other['search_ms']['p95']:.1f} ms, retrieval alone "
                f"{other['retrieval_ms']['p95']:.1f} ms"
            )
    print(f"  recall@10 >= {GOAL_RECALL}: {worst_recall:.3f} (the lower of the embedders)")
    print(
        f"  index memory <= {GOAL_MEMORY_MB:,} MB: {mem['anon']:,.0f} MB anonymous + "
        f"{mem['file']:,.0f} MB of mapped pages touched = {mem['anon'] + mem['file']:,.0f} MB; "
        f"the files a search reads are {search['searched_files_mb']:,.0f} MB (the build is "
        f"{variant['files']['whole build']:,.0f} MB on disk)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--million", action="store_true", help="also measure 10^6 chunks")
    parser.add_argument("--sizes", type=int, nargs="+", help="chunk counts instead of the default")
    parser.add_argument("--no-text", action="store_true", help="skip the rates on corpus/")
    parser.add_argument("--workdir", type=Path, help="where builds are written (default: temp)")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=0,
        help="before timing searches, wait up to this many seconds until other processes use "
        f"under {QUIET_SHARE:.0%} of the CPUs",
    )
    parser.add_argument(
        "--wait-policies",
        nargs="+",
        choices=WAIT_POLICIES,
        default=["PASSIVE"],
        help="search each build once per OpenMP wait policy of the embedders (PASSIVE: docqa's "
        "default; ACTIVE: spinning threads, for a machine that does nothing else)",
    )
    parser.add_argument(
        "--backend",
        choices=("faiss", "milvus"),
        default="faiss",
        help="where builds go: FAISS folders, or Milvus Lite databases (DOCQA_INDEX_BACKEND)",
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        step, *rest = args.child
        if step == "models":
            result = measure_models()
        elif step == "text":
            result = measure_text()
        elif step == "build":
            n, exact_maxes, models, root = rest
            result = build(
                int(n), json.loads(exact_maxes), json.loads(models), Path(root), args.backend
            )
        else:
            result = measure_search(rest[0], args.backend, args.quiet_wait)
        print(json.dumps(result))
        return

    from docqa.config import Settings

    exact_max = Settings().exact_search_max_chunks
    sizes = args.sizes or [10_000, 100_000] + ([1_000_000] if args.million else [])
    print(
        f"docqa scale benchmark: {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f} at start; default exact_max {exact_max:,}; backend "
        f"{args.backend}"
    )
    models = run_child("models")
    loaded, encoded = models["memory"]["loaded"], models["memory"]["encoded"]
    print(
        f"models process (e5, USE, language detector): load {models['load_s']:.1f} s, "
        f"{loaded['anon']:,.0f} MB anonymous + {loaded['file']:,.0f} MB file-backed; after "
        f"encoding the {SEARCHES} questions {encoded['anon']:,.0f} + {encoded['file']:,.0f} MB; "
        f"a question's encoding, on two threads as search does, p50 "
        f"{models['encode_ms']['p50']:.1f} ms, "
        f"p95 {models['encode_ms']['p95']:.1f} ms"
    )
    if not args.no_text:
        print_text(run_child("text"), sizes)
    results = []
    with tempfile.TemporaryDirectory(prefix="docqa-scale-", dir=args.workdir) as workdir:
        for n in sizes:
            root = Path(workdir) / f"n{n}"
            exact_maxes = [exact_max]
            if n <= BOTH_KINDS_MAX and args.backend == "faiss":
                exact_maxes.append(SMALL_EXACT_MAX if n <= exact_max else n)
            started = time.perf_counter()
            built = run_child(
                "build",
                str(n),
                json.dumps(exact_maxes),
                json.dumps(models),
                str(root),
                "--backend",
                args.backend,
            )
            print_build(built)
            for variant, policy in itertools.product(built["variants"], args.wait_policies):
                search = run_child(
                    "search",
                    variant["location"],
                    "--backend",
                    args.backend,
                    "--quiet-wait",
                    str(args.quiet_wait),
                    env={**ENV, "OMP_WAIT_POLICY": policy},
                )
                search |= {"default": variant["exact_max"] == exact_max, "policy": policy}
                print_search(n, search, models)
                results.append((n, search, variant))
            shutil.rmtree(root)
            print(f"  ({n:,} chunks measured in {time.perf_counter() - started:.0f} s)")
            sys.stdout.flush()
    print_summary(results, models)


if __name__ == "__main__":
    main()
