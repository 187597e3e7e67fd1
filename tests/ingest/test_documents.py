"""load_corpus: real files in, Documents with stable ids out, unreadable files reported."""

import hashlib
import re
from pathlib import Path
from urllib.parse import quote

import pytest

from docqa.ingest.documents import Skipped, corpus_files, doc_id_for, load_corpus

URL_SAFE = re.compile(r"^[A-Za-z0-9._-]+$")

SPANISH = (
    "La vacunación infantil es gratuita en todas las clínicas públicas del estado. "
    "Las vacunas se aplican de lunes a viernes por la mañana."
)
ENGLISH = (
    "The rural hospital network has 660 hospitals in 23 states. "
    "Each hospital offers emergency care around the clock."
)


def write(root: Path, relative: str, content: str | bytes) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "relative",
    [
        "salud.txt",
        "informes/2024/Año fiscal (v2).txt",
        "a b/c?d#e%f&g.md",
        "niños/guía de vacunación.html",
        "deep/er/and/deeper/file.name.with.dots.pdf",
    ],
)
def test_doc_id_is_url_safe_and_stable(relative: str) -> None:
    doc_id = doc_id_for(Path(relative))
    assert URL_SAFE.match(doc_id), doc_id
    assert quote(doc_id, safe="") == doc_id
    assert "/" not in doc_id
    assert doc_id not in ("", ".", "..")
    assert doc_id_for(Path(relative)) == doc_id


def test_nested_paths_keep_their_folders_in_the_id(tmp_path: Path) -> None:
    write(tmp_path, "es/salud.txt", SPANISH)
    write(tmp_path, "en/salud.txt", ENGLISH)
    documents, skipped = load_corpus(tmp_path)
    assert skipped == []
    ids = {d.source: d.doc_id for d in documents}
    assert set(ids) == {"es/salud.txt", "en/salud.txt"}
    assert ids["es/salud.txt"] != ids["en/salud.txt"]
    assert all(URL_SAFE.match(i) for i in ids.values())
    # The id depends only on the path inside the corpus: the same tree elsewhere, same ids.
    other = tmp_path.parent / f"{tmp_path.name}-copy"
    write(other, "es/salud.txt", SPANISH + " Cambiado.")
    write(other, "en/salud.txt", ENGLISH)
    again, _ = load_corpus(other)
    assert {d.source: d.doc_id for d in again} == ids


def test_distinct_files_get_distinct_doc_ids(tmp_path: Path) -> None:
    for name in ("a/b.txt", "a--b.txt", "notas 2024.txt", "notas-2024.txt"):
        write(tmp_path, name, f"{SPANISH} Archivo {name}.")
    documents, skipped = load_corpus(tmp_path)
    assert skipped == []
    assert len(documents) == 4
    assert len({d.doc_id for d in documents}) == 4


def test_doc_ids_are_readable_and_never_collide() -> None:
    # Ordinary paths keep the plain, readable id (and so do the ids of existing indexes).
    assert doc_id_for(Path("salud.txt")) == "salud.txt"
    assert (
        doc_id_for(Path("informes/2024/resumen-anual.pdf")) == "informes--2024--resumen-anual.pdf"
    )
    # Others get a slug plus a hash of the path, the same on every run.
    assert doc_id_for(Path("a b.txt")) == "a-b.txt-19d703ab"
    paths = [
        "a/b.txt", "a--b.txt", "a-/b.txt", "a/-b.txt", "a---b.txt", "a b.txt", "a?b.txt",
        "a-b.txt", "x-1234abcd", "x", "x-1234abcd-af87c7c8", "Año.txt", "Ano.txt",
    ]  # fmt: skip
    ids = [doc_id_for(Path(p)) for p in paths]
    assert len(set(ids)) == len(paths), ids
    assert all(URL_SAFE.match(i) for i in ids), ids


def test_hidden_files_and_folders_are_ignored(tmp_path: Path) -> None:
    write(tmp_path, "visible.txt", SPANISH)
    write(tmp_path, ".hidden.txt", ENGLISH)
    write(tmp_path, ".git/config.txt", ENGLISH)
    write(tmp_path, "sub/.cache/notes.md", ENGLISH)
    write(tmp_path, "sub/ok.md", ENGLISH)
    assert [p.relative_to(tmp_path).as_posix() for p in corpus_files(tmp_path)] == [
        "sub/ok.md",
        "visible.txt",
    ]
    documents, skipped = load_corpus(tmp_path)
    assert sorted(d.source for d in documents) == ["sub/ok.md", "visible.txt"]
    assert skipped == []


def test_hidden_parent_of_the_corpus_does_not_hide_it(tmp_path: Path) -> None:
    root = tmp_path / ".cache" / "corpus"
    write(root, "salud.txt", SPANISH)
    documents, _ = load_corpus(root)
    assert [d.source for d in documents] == ["salud.txt"]


def test_bad_files_are_skipped_with_reasons_and_the_rest_load(tmp_path: Path) -> None:
    write(tmp_path, "good-es.txt", SPANISH)
    write(tmp_path, "good-en.md", f"# Rural hospitals\n\n{ENGLISH}\n")
    write(tmp_path, "report.docx", b"PK\x03\x04 not really a word file")
    write(tmp_path, "README", "no extension")
    write(tmp_path, "broken.pdf", b"this is not a PDF at all")
    write(tmp_path, "binary.txt", bytes(range(256)) * 8)
    write(tmp_path, "empty.md", "   \n\n")
    documents, skipped = load_corpus(tmp_path)

    assert sorted(d.source for d in documents) == ["good-en.md", "good-es.txt"]
    reasons = {s.source: s.reason for s in skipped}
    assert set(reasons) == {"report.docx", "README", "broken.pdf", "binary.txt", "empty.md"}
    assert all(isinstance(s, Skipped) and s.reason.strip() for s in skipped)
    assert "unsupported" in reasons["report.docx"] and ".docx" in reasons["report.docx"]
    assert "unsupported" in reasons["README"]
    assert "pdf" in reasons["broken.pdf"].lower()
    assert "binary" in reasons["binary.txt"]
    assert "no text" in reasons["empty.md"]


def test_documents_carry_language_title_source_and_hash(tmp_path: Path) -> None:
    es = write(tmp_path, "es/vacunas.txt", f"Vacunación infantil\n\n{SPANISH}\n")
    en = write(tmp_path, "en/hospitals.md", f"# Rural hospitals\n\n{ENGLISH}\n")
    documents, _ = load_corpus(tmp_path)
    by_source = {d.source: d for d in documents}
    spanish, english = by_source["es/vacunas.txt"], by_source["en/hospitals.md"]

    assert spanish.lang == "es"
    assert english.lang == "en"
    assert spanish.title == "Vacunación infantil"
    assert english.title == "Rural hospitals"
    assert spanish.sha256 == hashlib.sha256(es.read_bytes()).hexdigest()
    assert english.sha256 == hashlib.sha256(en.read_bytes()).hexdigest()
    assert SPANISH in spanish.text and ENGLISH in english.text
    assert spanish.pages == () and spanish.page_at(0) is None


def test_order_is_stable(tmp_path: Path) -> None:
    for name in ("b.txt", "a/z.txt", "c.md", "a/a.txt"):
        write(tmp_path, name, f"{SPANISH} {name}")
    first = [d.doc_id for d in load_corpus(tmp_path)[0]]
    assert first == [d.doc_id for d in load_corpus(tmp_path)[0]]
    assert [d.source for d in load_corpus(tmp_path)[0]] == sorted(
        ["b.txt", "a/z.txt", "c.md", "a/a.txt"]
    )
