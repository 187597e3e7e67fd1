"""A corpus of ordinary and hostile files, for tests and benchmarks/hostile_bench.py."""

from collections.abc import Callable
from pathlib import Path

from .pdfs import HELLO, IMAGE_END, IMAGE_START, MB, deflated, flate_pdf, text_pdf

Writer = Callable[[Path], None]

SPANISH = "La vacunación infantil es gratuita en todas las clínicas públicas del estado.\n"
ENGLISH = "# Rural hospitals\n\nThe rural hospital network has 660 hospitals in 23 states.\n"
# A UTF-8 file with windows-1252 lines pasted in: each part must read as written.
MIXED_PARTS = (
    "Información útil sobre la atención médica.\n",
    "Año nuevo: la señora Muñoz pagó 5 € por la “consulta”.\n",
)
MIXED_TEXT = "".join(MIXED_PARTS * 3).rstrip()


def _write(content: Callable[[], bytes]) -> Writer:
    return lambda path: path.write_bytes(content())


def _huge_text(path: Path) -> None:
    """Over 100 MB of ordinary text, written a megabyte at a time."""
    block = (SPANISH * (MB // len(SPANISH.encode()))).encode()
    with path.open("wb") as file:
        for _ in range(101):
            file.write(block)


def _mixed() -> bytes:
    utf8, legacy = MIXED_PARTS
    return (utf8.encode("utf-8") + legacy.encode("cp1252")) * 3


def _nested_html() -> bytes:
    return ("<html><body>" + "<div>" * 100_000 + "hondo" + "</div>" * 100_000).encode()


def _unmatched_end_tags_html() -> bytes:
    """End tags of elements never opened close nothing: 100,000 <div>s nest all the same."""
    return ("<div></x>" * 100_000 + "walrus").encode()


def _end_tags_in_comments_html() -> bytes:
    """End tags inside comments are no tags at all."""
    return ("<div><!--</div>-->" * 100_000).encode()


def _many_elements_html() -> bytes:
    """16 MB of HTML, two million elements: lexbor needs about 1 GB for its tree."""
    return ("<html><body>" + "<b>x</b>" * 2_000_000).encode()


# Files any ingest reads.
GOOD: dict[str, Writer] = {
    "salud.txt": lambda path: path.write_text(SPANISH, encoding="utf-8"),
    "hospitals.md": lambda path: path.write_text(ENGLISH, encoding="utf-8"),
    "guia.pdf": _write(lambda: text_pdf(["Atención médica gratuita para todos los niños."])),
    "pegado.txt": _write(_mixed),
}
# Files refused under the default limits, quickly and without reading or inflating much.
HOSTILE: dict[str, Writer] = {
    "tomo.pdf": _write(lambda: flate_pdf([deflated(0)] * 5_000)),
    # A 300 KB stream that inflates to 300 MB.
    "bomba.pdf": _write(lambda: flate_pdf([deflated(300 * MB)])),
    "nido.html": _write(_nested_html),
    "cierres.html": _write(_unmatched_end_tags_html),
    "comentarios.html": _write(_end_tags_in_comments_html),
    "enorme.txt": _huge_text,
}
# Files that cost the child process its memory or time limit: minutes at the defaults.
COSTLY: dict[str, Writer] = {
    # 100 pages of 1 MB whose 20 MB inline images pypdf inflates and keeps, page after page.
    "bomba-paginas.pdf": _write(
        lambda: flate_pdf(
            [deflated(20 * MB, b"\0", head=HELLO + IMAGE_START, tail=IMAGE_END)] * 100
        )
    ),
    # 70 MB of inflated content on one page, under pypdf's limit: about 10 s to parse.
    "lento.pdf": _write(lambda: flate_pdf([deflated(70 * MB)])),
    "elementos.html": _write(_many_elements_html),
}


def write_corpus(folder: Path, *groups: dict[str, Writer]) -> Path:
    """Write every file of `groups` into `folder`, and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for group in groups:
        for name, write in group.items():
            write(folder / name)
    return folder
