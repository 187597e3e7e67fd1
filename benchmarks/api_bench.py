"""HTTP benchmark of POST /ask: requests/s, p50/p95/p99 latency, errors, server RSS.

Starts `docqa serve` on a free loopback port over an existing index (`make index` builds one),
then sends the dev set's questions, in turn, at each concurrency level. Every level stops after
--requests requests or --seconds seconds, whichever comes first. Prints numbers; asserts nothing.
The client runs on the same machine as the server and takes some of its CPU.
"""

import argparse
import asyncio
import itertools
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from docqa.config import get_settings
from docqa.eval.dataset import default_set, load_questions

REPO = Path(__file__).resolve().parents[1]
GOAL = "goal at concurrency 8: >= 100 requests/s, p95 <= 100 ms, 0 errors"


@dataclass
class Level:
    concurrency: int
    latencies_ms: list[float]
    errors: int
    seconds: float
    rss_mb: float

    def percentile(self, q: int) -> float:
        if len(self.latencies_ms) < 2:
            return self.latencies_ms[0] if self.latencies_ms else float("nan")
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[q - 1]

    @property
    def rps(self) -> float:
        return (len(self.latencies_ms) + self.errors) / self.seconds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_server(index: Path, port: int, settings: dict[str, str], tree: Path) -> subprocess.Popen:
    """`docqa serve` of the checkout at `tree` (`python -m` imports from its working directory
    first)."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_WAIT_POLICY": "PASSIVE", **settings}
    env["PYTHONPATH"] = str(tree)
    command = [sys.executable, "-m", "docqa.cli", "serve", "--index", str(index.resolve())]
    # The server logs a line per request: a pipe nobody reads would fill up and stall it.
    log = Path(tempfile.gettempdir()) / f"docqa-api-bench-{port}.log"
    with open(log, "wb") as output:
        server = subprocess.Popen(
            [*command, "--port", str(port)],
            cwd=tree,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=output,
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"docqa serve exited; its log, {log}:\n{log.read_text()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.25)
    server.kill()
    raise SystemExit("docqa serve did not answer /health within 120 s")


async def run_level(
    url: str, questions: list[str], concurrency: int, requests: int, seconds: float, pid: int
) -> Level:
    feed = itertools.islice(itertools.cycle(questions), requests)
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    started = time.perf_counter()
    deadline = started + seconds

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        for question in feed:
            if time.perf_counter() > deadline:
                return
            sent = time.perf_counter()
            try:
                response = await client.post("/ask", json={"question": question, "k": 5})
                ok = response.status_code == 200
            except httpx.HTTPError:
                ok = False
            if ok:
                latencies.append((time.perf_counter() - sent) * 1000)
            else:
                errors += 1

    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return Level(concurrency, latencies, errors, time.perf_counter() - started, rss_mb(pid))


# Uncached, every request runs a search; cached, the dev set repeats, so after its first pass
# nearly every request is a hit: that run measures the HTTP layer and the cache, an upper bound.
RUNS = (
    ("uncached (DOCQA_RESULT_CACHE_SIZE=0)", {"DOCQA_RESULT_CACHE_SIZE": "0"}),
    ("cached (default; questions repeat)", {}),
)


def bench(
    args: argparse.Namespace, questions: list[str], label: str, env: dict, tree: Path = REPO
) -> list[Level]:
    port = free_port()
    # One client sends every request: the per-client rate limit would answer most with 429.
    fixed = {"DOCQA_RELOAD_POLL_SECONDS": "0", "DOCQA_RATE_LIMIT_PER_MINUTE": "0"}
    server = start_server(args.index, port, {**fixed, **env}, tree)
    levels = []
    url = f"http://127.0.0.1:{port}"
    try:
        idle = rss_mb(server.pid)
        # Warm-up: the first searches pay for lazy initialisation inside the models.
        asyncio.run(run_level(url, questions[-10:], 1, 10, 60, server.pid))
        print(f"\n{label}: server RSS after start {idle:.0f} MB")
        print(
            f"{'conc':>4} {'requests':>8} {'errors':>6} {'req/s':>7} "
            f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'RSS MB':>7}"
        )
        for concurrency in (int(c) for c in args.concurrency.split(",")):
            level = asyncio.run(
                run_level(url, questions, concurrency, args.requests, args.seconds, server.pid)
            )
            levels.append(level)
            print(
                f"{concurrency:>4} {len(level.latencies_ms) + level.errors:>8} "
                f"{level.errors:>6} {level.rps:>7.1f} {level.percentile(50):>8.1f} "
                f"{level.percentile(95):>8.1f} {level.percentile(99):>8.1f} {level.rss_mb:>7.0f}"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    return levels


def compare(args: argparse.Namespace, questions: list[str]) -> None:
    """The uncached run of this checkout and of the one at --against, in turn, --rounds times:
    requests/s as a ratio, which a shared machine's load shifts less than the rates."""
    trees = {"this": REPO, "against": args.against.resolve()}
    rates: dict[str, list[list[float]]] = {name: [] for name in trees}
    label, env = RUNS[0]
    for round_ in range(args.rounds):
        # Alternate which goes first, so neither always meets the same background load.
        for name in sorted(trees, reverse=bool(round_ % 2)):
            levels = bench(
                args, questions, f"round {round_ + 1}, {name}: {label}", env, trees[name]
            )
            rates[name].append([level.rps for level in levels])
    for position, concurrency in enumerate(args.concurrency.split(",")):
        ratios = [
            a[position] / b[position] for a, b in zip(rates["this"], rates["against"], strict=True)
        ]
        print(
            f"concurrency {concurrency}: requests/s this/against per round "
            f"{', '.join(f'{x:.2f}' for x in ratios)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=get_settings().index_dir)
    parser.add_argument("--concurrency", default="1,8,32", help="levels, comma-separated")
    parser.add_argument("--requests", type=int, default=300, help="most requests per level")
    parser.add_argument("--seconds", type=float, default=60, help="most seconds per level")
    parser.add_argument(
        "--against",
        type=Path,
        help="another checkout of docqa (e.g. from `git archive`): only the uncached run, in "
        "turn with this one's",
    )
    parser.add_argument("--rounds", type=int, default=2, help="runs of each, with --against")
    args = parser.parse_args()
    questions = [q.question for q in load_questions(default_set())]
    print(f"POST /ask, {len(set(questions))} distinct dev-set questions in turn, k=5; {GOAL}")
    if args.against:
        compare(args, questions)
        return
    for label, env in RUNS:
        bench(args, questions, label, env)


if __name__ == "__main__":
    main()
