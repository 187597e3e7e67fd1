"""Values from a request, shortened before a response or a log line repeats them."""

# Enough to recognise a value; a client may send 100 KB in a path or a header.
SHOWN_CHARS = 80


def clipped(value: str, limit: int = SHOWN_CHARS) -> str:
    """`value`, or its first `limit` characters and its length when it is longer."""
    if len(value) <= limit:
        return value
    return f"{value[:limit]}… ({len(value):,} characters)"


def quoted(value: str, limit: int = SHOWN_CHARS) -> str:
    """`value` in quotes as repr() writes it, shortened like clipped()."""
    if len(value) <= limit:
        return repr(value)
    return f"{value[:limit]!r}… ({len(value):,} characters)"
