"""Ingest of a corpus with hostile files: each is refused with its reason, the rest is indexed,
memory stays bounded, and the corpus is left exactly as it was."""

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import tree_hashes

from docqa.index import store

from .hostile import GOOD, HOSTILE, MIXED_TEXT, write_corpus

# Run as its own process, so that its peak memory is measured alone.
INGEST = """
import json, resource, sys
from pathlib import Path
from docqa.config import Settings
from docqa.ingest.pipeline import run_ingest
report = run_ingest(Path(sys.argv[1]), Path(sys.argv[2]), Settings(_env_file=None))
print(json.dumps({
    "skipped": {skipped.source: skipped.reason for skipped in report.skipped},
    # VmHWM, not ru_maxrss: Linux carries a forked child's peak (pytest's, with every model
    # the suite loaded) over exec into RUSAGE_SELF; VmHWM is this program's own peak.
    "peak_mb": next(
        int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:")
    ) / 1024,
    "children_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
}))
"""
# A generous bound: the embedding models take most of it.
PEAK_MB = 1536


def test_hostile_files_are_refused_with_reasons_and_the_rest_is_indexed(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", GOOD, HOSTILE)
    before = tree_hashes(corpus)
    stats_before = {path.name: path.stat().st_mtime_ns for path in corpus.iterdir()}
    index_dir = tmp_path / "index"

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_WAIT_POLICY": "PASSIVE"}
    done = subprocess.run(
        [sys.executable, "-c", INGEST, str(corpus), str(index_dir)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])

    huge = (corpus / "enorme.txt").stat().st_size
    assert huge > 100 * 2**20
    skipped = result["skipped"]
    assert skipped.pop("bomba.pdf").startswith("PDF content over pypdf's safety limits")
    assert skipped == {
        "tomo.pdf": "5,000 pages, over the limit of 2,000 (DOCQA_MAX_PDF_PAGES)",
        "nido.html": "HTML nested more than 1,000 elements deep",
        "cierres.html": "HTML nested more than 1,000 elements deep",
        "comentarios.html": "HTML nested more than 1,000 elements deep",
        "enorme.txt": (
            f"file is {huge:,} bytes, over the limit of 50,000,000 bytes (DOCQA_MAX_FILE_BYTES)"
        ),
    }
    data = store.read_build(store.current_build_dir(index_dir))
    documents = {doc.source: doc for doc in data.documents}
    assert set(documents) == set(GOOD)
    assert documents["pegado.txt"].text == MIXED_TEXT
    assert result["peak_mb"] < PEAK_MB, result
    assert result["children_peak_mb"] < PEAK_MB, result
    # Ingest only reads the corpus.
    assert tree_hashes(corpus) == before
    assert {path.name: path.stat().st_mtime_ns for path in corpus.iterdir()} == stats_before
