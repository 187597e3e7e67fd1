"""Bad Milvus configuration is one clear line at start, and the token is never shown."""

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli
from pydantic import ValidationError
from pymilvus.exceptions import MilvusException
from service.servers import free_port

from docqa.config import Settings
from docqa.index.milvus import client
from docqa.index.milvus.client import Connection, MilvusError, public_uri

TOKEN = "root:very-secret-token"


def settings(uri: str, **overrides: object) -> Settings:
    return Settings(_env_file=None, index_backend="milvus", milvus_uri=uri, **overrides)


@pytest.mark.parametrize("uri", ["var/bad name.db", "var/milvus.sqlite", f"var/{'x' * 40}.db"])
def test_a_lite_file_milvus_cannot_open_is_refused_in_settings(uri: str) -> None:
    with pytest.raises(ValidationError, match=r"neither http.*nor a Milvus Lite file"):
        settings(uri)


def test_the_uri_is_shown_without_credentials() -> None:
    assert (
        public_uri("https://user:pw@milvus.example:19530/db") == "https://milvus.example:19530/db"
    )
    assert public_uri("var/milvus/docqa.db") == "var/milvus/docqa.db"
    assert "secret" not in repr(settings("http://127.0.0.1:1", milvus_token=TOKEN))


def test_an_unreachable_server_is_one_line() -> None:
    uri = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(MilvusError, match=f"cannot reach Milvus at {uri}") as caught:
        Connection(settings(uri, milvus_token=TOKEN, milvus_connect_seconds=1))
    assert "secret" not in str(caught.value) and "\n" not in str(caught.value)


class _Refusing:
    def __init__(self, **_: object) -> None:
        raise MilvusException(code=1800, message="auth check failure, please check username")


class _Old:
    def __init__(self, **_: object) -> None:
        pass

    def get_server_version(self) -> str:
        return "v2.4.15"


def test_a_refused_token_and_a_server_without_bm25_are_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Stand-ins for a server with authentication and an older one: Milvus Lite has neither.
    monkeypatch.setattr(client, "MilvusClient", _Refusing)
    with pytest.raises(MilvusError, match="refused the credentials") as caught:
        Connection(settings("http://milvus.example:19530", milvus_token=TOKEN))
    assert "secret" not in str(caught.value)
    monkeypatch.setattr(client, "MilvusClient", _Old)
    with pytest.raises(MilvusError, match=r"is 2\.4; docqa's BM25 search needs Milvus 2\.5"):
        Connection(settings("http://milvus.example:19530"))


def test_a_lite_file_another_process_holds_is_one_line(tmp_path: Path) -> None:
    uri = str(tmp_path / "docqa.db")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, pymilvus; pymilvus.MilvusClient(uri=sys.argv[1]); print('open', "
            "flush=True); sys.stdin.read()",
            uri,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "open\n"
        with pytest.raises(MilvusError, match="another process has it open"):
            Connection(settings(uri))
    finally:
        # Closing its input ends it; its Lite process follows when the file lock is released.
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)


@pytest.mark.parametrize("command", [["ask", "¿Cuántos hospitales?"], ["ingest", "--corpus"]])
def test_the_cli_says_in_one_line_that_milvus_is_unreachable(
    tmp_path: Path, command: list[str]
) -> None:
    uri = f"http://127.0.0.1:{free_port()}"
    env = {
        "DOCQA_INDEX_BACKEND": "milvus",
        "DOCQA_MILVUS_URI": uri,
        "DOCQA_MILVUS_TOKEN": TOKEN,
        "DOCQA_MILVUS_CONNECT_SECONDS": "1",
    }
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "salud.txt").write_text("El programa opera 669 hospitales.", encoding="utf-8")
    if command[0] == "ingest":
        command = [*command, str(corpus)]
    result = run_cli(*command, "--index", str(tmp_path / "index"), env=env)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert f"cannot reach Milvus at {uri}" in result.stderr and "secret" not in result.stderr
