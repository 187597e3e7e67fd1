"""What a loader returns for one file, and the error that refuses a file."""

from dataclasses import dataclass

from docqa.model import Page


class LoadError(Exception):
    """A file that cannot be ingested; the message says why, for the ingest report."""


@dataclass(frozen=True)
class Extracted:
    """What a loader reads out of one file, before ids and language are assigned."""

    text: str
    title: str
    pages: tuple[Page, ...] = ()
