"""The browser side: HTML, CSS and JavaScript of the search page, document view and widget."""

from pathlib import Path
from string import Template

FOLDER = Path(__file__).parent
STATIC = FOLDER / "static"


def read(path: Path) -> str:
    return path.read_text("utf-8")


def page(main: str, script: str, root: str) -> str:
    """A whole HTML page: the shared head, `main`'s file inside <main>, `script` run on it.

    `root` is the service's root relative to the page's own URL ("./", "../"), so every link
    resolves the same way on every page, behind a path prefix too.
    """
    return Template(read(FOLDER / "shell.html")).substitute(
        main=read(FOLDER / main).rstrip(), script=script, root=root
    )
