"""Fixtures of the eval tests: one Searcher of the corpus index, and a real service over it."""

from collections.abc import Iterator

import pytest
from conftest import CorpusIndex
from service.servers import Servers

from docqa.eval.targets import SearcherTarget
from docqa.index.search import Searcher
from docqa.service.app import create_app


@pytest.fixture(scope="session")
def searcher(corpus_index: CorpusIndex) -> Searcher:
    return Searcher.open(corpus_index.settings, corpus_index.index_dir)


@pytest.fixture(scope="session")
def in_process(searcher: Searcher, corpus_index: CorpusIndex) -> SearcherTarget:
    return SearcherTarget(searcher, corpus_index.settings, "index")


@pytest.fixture(scope="module")
def servers() -> Iterator[Servers]:
    """Real servers started by a test module, all stopped when the module is done."""
    running = Servers()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def service_url(servers: Servers, corpus_index: CorpusIndex, searcher: Searcher) -> str:
    """The docqa service over the corpus index, on a real socket, sharing the loaded Searcher."""
    app = create_app(corpus_index.settings, corpus_index.index_dir, searcher=searcher)
    return servers.start(app)
