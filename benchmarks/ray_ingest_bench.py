"""Ingest of a corpus in this process and on Ray, interleaved: seconds, passages/s, texts/s.

Prints numbers; asserts nothing. Each round ingests the corpus into a new index folder twice,
first locally, then with load, chunk and encode on Ray (`docqa ingest --ray`). Without
--ray a private Ray is started on this machine (127.0.0.1 only, all its CPUs) and its
start-up is timed apart. Passages are the chunks; texts are chunks plus sentences, everything
that is embedded. Ray's actors load their models in every run: on a machine of a few cores,
Ray is slower than local ingest; it pays on a cluster of many.

    .venv/bin/python benchmarks/ray_ingest_bench.py [--corpus corpus] [--rounds 2] [--ray ADDR]
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from docqa.config import Settings
from docqa.ingest.pipeline import IngestReport, run_ingest
from docqa.ingest.ray_ingest import run_ingest_on_ray
from docqa.ingest.ray_session import LOCAL, ray_session


def line(label: str, report: IngestReport) -> str:
    texts = report.chunks + report.sentences
    return (
        f"{label:6} {report.seconds:8.1f} s {report.chunks / report.seconds:10.1f} passages/s "
        f"{texts / report.seconds:8.1f} texts/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("corpus"))
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--ray", default=LOCAL, help="Ray address [default: a private local Ray]")
    args = parser.parse_args()
    settings = Settings()
    started = time.perf_counter()
    with ray_session(args.ray), tempfile.TemporaryDirectory() as tmp:
        print(f"Ray at {args.ray}: joined in {time.perf_counter() - started:.1f} s")
        for round_ in range(1, args.rounds + 1):
            local = run_ingest(args.corpus, Path(tmp) / f"local-{round_}", settings)
            on_ray = run_ingest_on_ray(args.ray, args.corpus, Path(tmp) / f"ray-{round_}", settings)
            print(f"round {round_}: {local.chunks} passages + {local.sentences} sentences")
            print("  " + line("local", local))
            print("  " + line("ray", on_ray))
            print(f"  ray / local time: {on_ray.seconds / local.seconds:.2f}x")


if __name__ == "__main__":
    main()
