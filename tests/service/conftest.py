"""Fixtures of the service tests."""

from collections.abc import Iterator

import pytest

from service.servers import Servers


@pytest.fixture(scope="module")
def servers() -> Iterator[Servers]:
    """Real servers started by a test module, all stopped when the module is done."""
    running = Servers()
    yield running
    running.stop()
