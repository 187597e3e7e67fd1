"""Speed benchmark: ingest, cold start, warm search by OpenMP wait policy, ANN recall on
synthetic and on real sentence vectors.

Prints numbers; asserts nothing. Run on an otherwise idle machine: `make bench`. With
`--against PATH` (another checkout) it only times warm search, this checkout's and that one's in
turn, to compare two versions on a shared machine.
"""

import argparse
import ast
import json
import os
import re
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_WAIT_POLICY": "PASSIVE"}


def _child(code: str, *args: str, env: dict | None = None, tree: Path = REPO) -> dict:
    """Run `code` in a fresh interpreter with the docqa of the checkout at `tree`; it prints one
    JSON line with its measurements."""
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        # `python -c` imports from its working directory first, then PYTHONPATH.
        cwd=tree,
        env={**(env or ENV), "PYTHONPATH": str(tree)},
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


INGEST = """
import json, resource, sys, time
from pathlib import Path
from docqa.config import Settings
from docqa.ingest.pipeline import run_ingest
started = time.perf_counter()
report = run_ingest(Path(sys.argv[1]), Path(sys.argv[2]), Settings())
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "chunks": report.chunks, "sentences": report.sentences,
                  "reused": report.reused_documents,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

COLD = """
import json, sys, time
started = time.perf_counter()
from pathlib import Path
from docqa.config import Settings
from docqa.index.search import Searcher
searcher = Searcher.open(Settings(), Path(sys.argv[1]))
result = searcher.search("¿Cuántos hospitales tiene el IMSS-Bienestar?", 5)
print(json.dumps({"seconds": time.perf_counter() - started}))
"""


def ingest(index_dir: Path) -> None:
    first = _child(INGEST, str(REPO / "corpus"), str(index_dir))
    again = _child(INGEST, str(REPO / "corpus"), str(index_dir))
    print(
        f"ingest (cold): {first['chunks']} chunks + {first['sentences']} sentences in "
        f"{first['seconds']:.1f} s = {first['chunks'] / first['seconds']:.1f} chunks/s "
        f"({(first['chunks'] + first['sentences']) / first['seconds']:.1f} texts/s), "
        f"peak RSS {first['peak_rss_mb']:.0f} MB"
    )
    print(
        f"ingest (unchanged corpus): {again['seconds']:.1f} s, {again['reused']} files reused, "
        f"peak RSS {again['peak_rss_mb']:.0f} MB"
    )


def cold_start(index_dir: Path) -> None:
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        inner = _child(COLD, str(index_dir))
        runs.append((time.perf_counter() - started, inner["seconds"]))
    best = min(runs)
    print(
        f"cold start to first answer: {best[0]:.2f} s process wall "
        f"({best[1]:.2f} s after interpreter start), best of 3"
    )


WARM = """
import json, resource, statistics, sys, time
from pathlib import Path
from docqa.config import Settings
from docqa.eval.dataset import load_questions
from docqa.index.search import Searcher
searcher = Searcher.open(Settings(), Path(sys.argv[1]))
questions = []
for name in ("dev", "holdout"):
    questions += [q.question for q in load_questions(Path(sys.argv[2]) / f"{name}.jsonl")]
for q in questions[:10]:
    searcher.search(q, 5)
times = []
cpu = time.process_time()
for _ in range(3):
    for q in questions:
        started = time.perf_counter()
        searcher.search(q, 5)
        times.append((time.perf_counter() - started) * 1000)
cpu_ms = (time.process_time() - cpu) * 1000 / len(times)
times.sort()
print(json.dumps({"n": len(times), "p50": statistics.median(times), "cpu_ms": cpu_ms,
                  "p95": times[int(len(times) * 0.95)], "max": times[-1],
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""
# How e5's OpenMP threads wait between the many parallel regions of one forward pass: PASSIVE
# (docqa's default) sleeps at once, ACTIVE spins. A search encodes on one OpenMP thread, so
# neither should change its time; both are measured to show that they do not.
WAIT_POLICIES = ("PASSIVE", "ACTIVE")


def warm_search(index_dir: Path) -> None:
    """Warm search latency per OpenMP wait policy, idle and with another process on one core."""
    sets = str(REPO / "docqa" / "eval" / "sets")
    for busy in (False, True):
        burner = None
        if busy:
            burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        try:
            for policy in WAIT_POLICIES:
                r = _child(WARM, str(index_dir), sets, env={**ENV, "OMP_WAIT_POLICY": policy})
                print(
                    f"warm search ({r['n']} queries, k=5, OMP_WAIT_POLICY={policy}, "
                    f"{'one core busy' if busy else 'idle'}): p50 {r['p50']:.1f} ms, "
                    f"p95 {r['p95']:.1f} ms, max {r['max']:.1f} ms; RSS {r['rss_mb']:.0f} MB"
                )
        finally:
            if burner:
                burner.kill()
                burner.wait()


def compare_warm(index_dir: Path, against: Path, rounds: int) -> None:
    """Warm search of this checkout and of the one at `against`, in turn, `rounds` times each
    (idle, PASSIVE): the ratio of the two, which a shared machine's load shifts less than the
    times themselves."""
    sets = str(REPO / "docqa" / "eval" / "sets")
    trees = {"this": REPO, "against": against.resolve()}
    found: dict[str, list[dict]] = {name: [] for name in trees}
    for round_ in range(rounds):
        # Alternate which goes first, so neither always runs on the warmer page cache.
        for name in sorted(trees, reverse=bool(round_ % 2)):
            r = _child(WARM, str(index_dir.resolve()), sets, tree=trees[name])
            found[name].append(r)
            print(
                f"round {round_ + 1}, {name} ({trees[name]}): p50 {r['p50']:.1f} ms, "
                f"p95 {r['p95']:.1f} ms, CPU {r['cpu_ms']:.1f} ms a search (both threads), "
                f"RSS {r['rss_mb']:.0f} MB"
            )
    for key in ("p50", "p95", "cpu_ms"):
        ratios = [a[key] / b[key] for a, b in zip(found["this"], found["against"], strict=True)]
        this = statistics.median(r[key] for r in found["this"])
        other = statistics.median(r[key] for r in found["against"])
        print(
            f"warm search {key}: this {this:.1f} ms, against {other:.1f} ms; per-round "
            f"ratio this/against {', '.join(f'{x:.2f}' for x in ratios)}"
        )


def _ann_recall(label: str, vectors: np.ndarray, probes: np.ndarray) -> None:
    """Recall@10 of the approximate index (what DenseIndex picks above the exact threshold)
    against exact search, and both one-query latencies."""
    from docqa.index.dense import DenseIndex

    exact = DenseIndex.build(vectors, exact_max=len(vectors))
    started = time.perf_counter()
    approx = DenseIndex.build(vectors, exact_max=0)
    build = time.perf_counter() - started
    hits, lat_exact, lat_approx = 0, [], []
    for probe in probes:
        t = time.perf_counter()
        truth, _ = exact.search(probe, 10)
        lat_exact.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        found, _ = approx.search(probe, 10)
        lat_approx.append((time.perf_counter() - t) * 1000)
        hits += len(set(truth.tolist()) & set(found.tolist()))
    n, dim = vectors.shape
    print(
        f"ANN, {label} ({n} x {dim}): {approx.kind} recall@10 {hits / (10 * len(probes)):.3f} "
        f"vs exact; build {build:.1f} s; p50 {statistics.median(lat_approx):.2f} ms "
        f"(exact {statistics.median(lat_exact):.2f} ms)"
    )


def ann_recall(n: int = 100_000, dim: int = 384, queries: int = 200) -> None:
    """On clustered synthetic vectors."""
    from docqa.embed.base import normalized

    rng = np.random.default_rng(0)
    # Clustered vectors resemble real embeddings more than uniform noise does.
    centres = normalized(rng.normal(size=(256, dim)))
    vectors = normalized(centres[rng.integers(0, 256, n)] + 0.35 * rng.normal(size=(n, dim)) / 6)
    probes = normalized(
        vectors[rng.integers(0, n, queries)] + 0.05 * rng.normal(size=(queries, dim))
    )
    _ann_recall("clustered synthetic vectors", vectors, probes)


def _docstrings() -> Iterator[str]:
    """The docstrings of the modules, classes and functions of Python's standard library and
    the installed packages."""
    documented = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    paths = sysconfig.get_paths()
    for root in sorted({paths["stdlib"], paths["purelib"]}):
        for path in sorted(Path(root).rglob("*.py")):
            try:
                tree = ast.parse(path.read_bytes())
            except (SyntaxError, ValueError):
                continue
            for node in ast.walk(tree):
                if isinstance(node, documented):
                    yield ast.get_docstring(node) or ""


def docstring_sentences() -> list[str]:
    """Sentences of those docstrings: real prose in quantity, on every machine with the same
    Python and packages."""
    found = set()
    for docstring in _docstrings():
        for paragraph in re.split(r"\n\s*\n", docstring):
            for sentence in re.split(r"(?<=[.!?])\s+", " ".join(paragraph.split())):
                # Prose, not code or tables.
                letters = sum(c.isalpha() or c == " " for c in sentence)
                if 6 <= len(sentence.split()) <= 40 and letters > 0.85 * len(sentence):
                    found.add(sentence)
    return sorted(found)


def ann_recall_real(n: int = 100_000, queries: int = 200) -> None:
    """On USE's vectors of real sentences, each question a sentence not in the index."""
    from docqa.embed.use import UseEmbedder

    sentences = docstring_sentences()
    chosen = np.random.default_rng(0).permutation(len(sentences))[: n + queries]
    texts = [sentences[i] for i in chosen]
    embedder = UseEmbedder()
    vectors = np.concatenate(
        [embedder.encode_passages(texts[i : i + 256]) for i in range(0, len(texts), 256)]
    )
    _ann_recall("USE vectors of docstring sentences", vectors[queries:], vectors[:queries])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--against",
        type=Path,
        help="another checkout of docqa (e.g. from `git archive`): only warm search is run, "
        "in turn with this one's, over --index",
    )
    parser.add_argument("--index", type=Path, default=REPO / "var" / "index")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each, with --against")
    args = parser.parse_args()
    if args.against:
        compare_warm(args.index, args.against, args.rounds)
        return
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp) / "index"
        ingest(index_dir)
        cold_start(index_dir)
        warm_search(index_dir)
    ann_recall()
    ann_recall_real()


if __name__ == "__main__":
    main()
