"""Milvus Lite's engine serving one file on a loopback port, for tests that span processes.

A file opened by pymilvus serves only the process that opened it; the CLI's processes and a
service need the same database, so the tests run Lite's own `milvus` binary on 127.0.0.1, as a
server, and stop it by its PID.
"""

import ipaddress
import os
import socket
import subprocess
import time
from pathlib import Path

from milvus_lite.server import BIN_PATH, Server
from service.servers import free_port


class LiteServer:
    """One Milvus Lite process serving `db` on 127.0.0.1; `uri` is what DOCQA_MILVUS_URI takes."""

    def __init__(self, db: Path) -> None:
        db.parent.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.uri = f"http://127.0.0.1:{self.port}"
        # Lite's own command line for a file served on an address.
        args = Server(str(db), f"127.0.0.1:{self.port}").args
        env = {**os.environ, "LD_LIBRARY_PATH": BIN_PATH}
        self.process = subprocess.Popen(
            [str(a) for a in args], env=env, cwd=db.parent, stdout=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, "Milvus Lite exited at start"
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "Milvus Lite did not listen within 60 s"
                time.sleep(0.1)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=20)


def listening_addresses(port: int) -> set[str]:
    """The local addresses of this machine's TCP sockets listening on `port` (from /proc)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state != "0A" or int(hex_port, 16) != port:  # 0A: LISTEN
                continue
            # The kernel prints each 32-bit word of the address in host (little-endian) order.
            raw = b"".join(
                bytes.fromhex(address[i : i + 8])[::-1] for i in range(0, len(address), 8)
            )
            ip = ipaddress.ip_address(raw)
            mapped = getattr(ip, "ipv4_mapped", None)
            found.add(str(mapped or ip))
    return found
