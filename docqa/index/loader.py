"""Open the current build of an index folder as a Searcher."""

from pathlib import Path

from docqa.config import Settings
from docqa.index import store
from docqa.index.search import Searcher


def open_searcher(index_dir: Path, settings: Settings) -> Searcher:
    return Searcher(store.current_build_dir(index_dir), settings)
