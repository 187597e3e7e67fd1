"""The child process that reads corpus files for ingest (`python -m docqa.ingest.extract_worker`).

Messages (multiprocessing.connection) come on stdin: the Limits, then one file path at a time.
Replies go to stdout: READY once the limits are set, then per path ("ok", (Extracted, sha256)),
("refused", reason), or ("exhausted", reason) after which this process exits. The other side
is docqa.ingest.extractor.
"""

import os
import resource
import traceback
from multiprocessing.connection import Connection
from pathlib import Path

from docqa.ingest.base import LoadError
from docqa.ingest.loaders import load_source
from docqa.model import Limits

READY = "ready"


def serve(requests: Connection, replies: Connection) -> None:
    """Answer requests until the parent closes them or memory runs out."""
    limits: Limits = requests.recv()
    memory = limits.memory_mb * 2**20
    # The kernel refuses allocations past this, so a hostile file raises MemoryError here
    # instead of pushing ingest, or the machine, out of memory.
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    replies.send(READY)
    while True:
        try:
            path = requests.recv()
        except EOFError:
            return
        try:
            replies.send(("ok", load_source(Path(path), limits)))
        except LoadError as error:
            replies.send(("refused", str(error)))
        except MemoryError:
            reason = f"needs more than {limits.memory_mb:,} MB of memory to read"
            # A fresh process for the next file, rather than one whose heap may be fragmented.
            replies.send(("exhausted", f"{reason} (DOCQA_EXTRACT_MEMORY_MB)"))
            return
        except Exception as error:
            # A parser bug costs one file, not the whole ingest; the traceback goes to stderr.
            traceback.print_exc()
            replies.send(("refused", f"unexpected {type(error).__name__} while reading: {error}"))


def main() -> None:
    requests = Connection(os.dup(0), writable=False)
    replies = Connection(os.dup(1), readable=False)
    # Whatever a library prints goes to stderr, never into the reply stream.
    os.dup2(2, 1)
    serve(requests, replies)


if __name__ == "__main__":
    main()
