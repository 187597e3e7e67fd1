"""Per-file limits: validated settings, read from DOCQA_* variables, applied by ingest."""

from pathlib import Path

import pytest
from conftest import ingest, make_settings, write_corpus
from pydantic import ValidationError

from docqa.config import Settings
from docqa.ingest.pipeline import ingest_limits
from docqa.model import DEFAULT_LIMITS, Limits


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"max_file_bytes": 0}, "max_file_bytes"),
        ({"max_pdf_pages": 0}, "max_pdf_pages"),
        ({"max_extracted_chars": 0}, "max_extracted_chars"),
        ({"extract_memory_mb": 255}, "extract_memory_mb"),
        ({"extract_timeout_seconds": 0}, "extract_timeout_seconds"),
        (
            {"max_file_bytes": 200_000_000},
            r"max_file_bytes \(200,000,000\) needs extract_memory_mb of at least 1,526",
        ),
    ],
)
def test_settings_refuse_limits_that_cannot_work(overrides: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(_env_file=None, **overrides)


def test_defaults_are_the_documented_ones() -> None:
    assert (
        ingest_limits(Settings(_env_file=None))
        == DEFAULT_LIMITS
        == Limits(
            max_file_bytes=50_000_000,
            max_pdf_pages=2_000,
            max_chars=5_000_000,
            memory_mb=1_024,
            seconds=300.0,
        )
    )


def test_limits_come_from_docqa_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "MAX_FILE_BYTES": "1000000",
        "MAX_PDF_PAGES": "10",
        "MAX_EXTRACTED_CHARS": "20000",
        "EXTRACT_MEMORY_MB": "512",
        "EXTRACT_TIMEOUT_SECONDS": "2.5",
    }.items():
        monkeypatch.setenv(f"DOCQA_{name}", value)
    assert ingest_limits(Settings(_env_file=None)) == Limits(1_000_000, 10, 20_000, 512, 2.5)


def test_ingest_refuses_files_over_the_configured_limits(tmp_path: Path) -> None:
    corpus = write_corpus(
        tmp_path / "corpus",
        {
            "corto.txt": "La clínica abre a las nueve.",
            "largo.txt": "La clínica abre a las nueve. " * 10,
            "grande.md": "# Salud\n\n" + "Texto. " * 200,
        },
    )
    settings = make_settings(
        tmp_path / "index", corpus, max_extracted_chars=100, max_file_bytes=1_000
    )
    report = ingest(settings)
    assert report.documents == 1
    assert {s.source: s.reason for s in report.skipped} == {
        "largo.txt": (
            "more than 100 characters of text, over the limit (DOCQA_MAX_EXTRACTED_CHARS)"
        ),
        "grande.md": ("file is 1,409 bytes, over the limit of 1,000 bytes (DOCQA_MAX_FILE_BYTES)"),
    }
