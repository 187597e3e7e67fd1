"""Hostile files read one at a time under the default limits: outcome, reason, time, memory.

Prints numbers; asserts nothing. The files are those of tests/ingest/hostile.py (ordinary,
hostile, and costly ones that exhaust the reading process's memory or time), each read by
`load_corpus` in a fresh process, so that the peaks are that file's alone: "ingest" is the
process that holds the index, "reader" the child process that parses files.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from ingest.hostile import COSTLY, GOOD, HOSTILE, write_corpus  # noqa: E402

READ = """
import json, resource, sys
from pathlib import Path
from docqa.ingest.documents import load_corpus
documents, skipped = load_corpus(Path(sys.argv[1]))
print(json.dumps({
    "outcome": "indexed" if documents else "refused: " + skipped[0].reason,
    "ingest_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "reader_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
}))
"""


def read_alone(folder: Path) -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_WAIT_POLICY": "PASSIVE"}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", READ, str(folder)], env=env, check=True, capture_output=True
    )
    result = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return {**result, "seconds": time.perf_counter() - started}


def main() -> None:
    print(f"{'file':18} {'bytes':>12} {'seconds':>8} {'ingest MB':>9} {'reader MB':>9}  outcome")
    with tempfile.TemporaryDirectory() as tmp:
        for group in (GOOD, HOSTILE, COSTLY):
            for name, write in group.items():
                folder = write_corpus(Path(tmp) / name, {name: write})
                size = (folder / name).stat().st_size
                result = read_alone(folder)
                print(
                    f"{name:18} {size:12,} {result['seconds']:8.1f} {result['ingest_mb']:9.0f} "
                    f"{result['reader_mb']:9.0f}  {result['outcome']}"
                )
                (folder / name).unlink()


if __name__ == "__main__":
    main()
