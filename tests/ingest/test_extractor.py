"""Extractor: files read in a child process that a hostile file can exhaust, but not ingest."""

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from docqa.ingest.base import LoadError
from docqa.ingest.extractor import Extractor
from docqa.model import Limits

from .pdfs import HELLO, IMAGE_END, IMAGE_START, MB, deflated, flate_pdf

GOOD = "La clínica abre a las nueve de la mañana.\n"


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "bueno.txt"
    path.write_text(GOOD, encoding="utf-8")
    return path


def slow_pdf(tmp_path: Path) -> Path:
    """One page whose 60 MB of inflated content (under pypdf's limit) takes seconds to parse."""
    path = tmp_path / "lento.pdf"
    path.write_bytes(flate_pdf([deflated(60 * MB)]))
    return path


def workers() -> list[int]:
    """Process ids of this process's extract workers."""
    found = []
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        for pid in (task / "children").read_text().split():
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            if b"docqa.ingest.extract_worker" in cmdline:
                found.append(int(pid))
    return found


def resident_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("VmRSS:")[1].split()[0]) / 1024


def test_a_file_and_its_hash_come_back_and_the_child_serves_the_next(
    tmp_path: Path, good: Path
) -> None:
    other = tmp_path / "otro.md"
    other.write_text("# Hospitales\n\nHay 660 hospitales.\n", encoding="utf-8")
    with Extractor(Limits()) as extractor:
        extracted, sha256 = extractor.extract(good)
        assert extracted.text == GOOD.rstrip()
        assert len(sha256) == 64
        assert extractor.extract(other)[0].title == "Hospitales"
        assert len(workers()) == 1
    assert workers() == []


def test_a_file_that_needs_more_memory_than_the_limit_is_refused(
    tmp_path: Path, good: Path
) -> None:
    # Each page's 10 MB inline image is inflated and kept in pypdf's cache: memory grows with
    # every page of a 1 MB file until the child's address-space limit stops it.
    content = deflated(10 * MB, b"\0", head=HELLO + IMAGE_START, tail=IMAGE_END)
    bomb = tmp_path / "bomba.pdf"
    bomb.write_bytes(flate_pdf([content] * 100))
    assert bomb.stat().st_size < 2 * MB
    with Extractor(Limits(memory_mb=256)) as extractor:
        with pytest.raises(LoadError) as info:
            extractor.extract(bomb)
        assert str(info.value) == (
            "needs more than 256 MB of memory to read (DOCQA_EXTRACT_MEMORY_MB)"
        )
        assert extractor.extract(good)[0].text == GOOD.rstrip()


def test_a_file_that_takes_too_long_is_refused_and_its_reader_killed(
    tmp_path: Path, good: Path
) -> None:
    slow = slow_pdf(tmp_path)
    with Extractor(Limits(seconds=1)) as extractor:
        with pytest.raises(LoadError) as info:
            extractor.extract(slow)
        assert str(info.value) == "took longer than 1 s to read (DOCQA_EXTRACT_TIMEOUT_SECONDS)"
        assert workers() == []
        assert extractor.extract(good)[0].text == GOOD.rstrip()


def test_a_reader_that_dies_costs_only_the_file_it_was_reading(tmp_path: Path, good: Path) -> None:
    slow = slow_pdf(tmp_path)

    def kill_the_worker_once_it_reads() -> None:
        # An idle worker holds under 50 MB; over 80 MB it has inflated the 60 MB page.
        while not (pids := [pid for pid in workers() if resident_mb(pid) > 80]):
            time.sleep(0.05)
        os.kill(pids[0], signal.SIGKILL)

    with Extractor(Limits()) as extractor:
        killer = threading.Thread(target=kill_the_worker_once_it_reads, daemon=True)
        killer.start()
        with pytest.raises(LoadError) as info:
            extractor.extract(slow)
        killer.join()
        assert str(info.value) == "the reading process died (killed by SIGKILL) while reading it"
        assert extractor.extract(good)[0].text == GOOD.rstrip()
