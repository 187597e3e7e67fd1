"""Bad DOCQA_* settings stop every command with one line per problem, never a traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

COMMANDS = [["serve"], ["ingest"], ["ask", "hola"], ["eval"]]


def docqa(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """`docqa ARGS` with `env` added, run where no .env file is."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DOCQA_")}
    return subprocess.run(
        [sys.executable, "-m", "docqa.cli", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**clean, "HF_HUB_OFFLINE": "1", **env},
        timeout=300,
    )


@pytest.mark.parametrize("command", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_a_bad_origin_is_one_line_naming_the_variable(tmp_path: Path, command: list[str]) -> None:
    result = docqa(tmp_path, *command, DOCQA_CORS_ORIGINS="http://x/")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("error: DOCQA_CORS_ORIGINS='http://x/': 'http://x/' is not an origin")
    assert "e.g. DOCQA_CORS_ORIGINS=https://example.org,http://localhost:8001" in line


def test_each_bad_setting_gets_its_own_line(tmp_path: Path) -> None:
    result = docqa(
        tmp_path,
        "serve",
        DOCQA_MAX_K="lots",
        DOCQA_API_KEYS="short",
        DOCQA_FORWARDED_ALLOW_IPS="proxy.local",
        DOCQA_HEADER_TIMEOUT_SECONDS="0",
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 4
    by_variable = {line.split("error: ", 1)[1].split("=")[0].split(":")[0]: line for line in lines}
    assert "valid integer" in by_variable["DOCQA_MAX_K"]
    assert "e.g. DOCQA_MAX_K=50" in by_variable["DOCQA_MAX_K"]
    # A key is never printed back, even a wrong one.
    assert "at least 16 characters" in by_variable["DOCQA_API_KEYS"]
    assert "short" not in by_variable["DOCQA_API_KEYS"]
    assert "not an IP address or network" in by_variable["DOCQA_FORWARDED_ALLOW_IPS"]
    assert "greater than 0" in by_variable["DOCQA_HEADER_TIMEOUT_SECONDS"]


def test_a_rule_across_settings_names_their_variables(tmp_path: Path) -> None:
    result = docqa(tmp_path, "serve", DOCQA_CHUNK_WORDS="500")
    assert result.returncode == 2
    assert result.stderr == (
        "error: settings: DOCQA_CHUNK_MAX_WORDS (110) must be at least DOCQA_CHUNK_WORDS (500)\n"
    )


def test_lists_are_read_comma_separated_as_users_type_them(tmp_path: Path) -> None:
    # Valid settings: the command goes on to its own error, the missing index.
    result = docqa(
        tmp_path,
        "ask",
        "hola",
        "--index",
        str(tmp_path / "none"),
        DOCQA_CORS_ORIGINS="http://a.org, http://b.org",
        DOCQA_API_KEYS="first-batch-key-0123,second-batch-key-456",
        DOCQA_FORWARDED_ALLOW_IPS="127.0.0.1,10.0.0.0/8",
    )
    assert result.returncode == 2
    assert "docqa ingest" in result.stderr and "DOCQA_" not in result.stderr


def test_control_characters_in_a_question_are_refused(tmp_path: Path) -> None:
    result = docqa(tmp_path, "ask", "hola\x1b[2J", "--index", str(tmp_path / "none"))
    assert result.returncode == 2
    assert "question: contains the control character U+001B at position 4" in result.stderr
