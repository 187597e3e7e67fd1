"""The bundled corpus ingested for real and questioned in both languages, across languages."""

import numpy as np
import pytest

from docqa.index.search import Searcher
from docqa.text.normalize import fold

# (question, a string the cited passage must contain, the document that holds it)
CASES = [
    # Spanish question, Spanish source.
    (
        "¿A cuántos hospitales creció la capacidad del IMSS-Bienestar desde su lanzamiento?",
        "660 hospitales",
        "003_24e78c8e44c615f3.txt",
    ),
    # English question, English source.
    (
        "Which specialties are part of general hospitalization at the second level?",
        "gynecology-obstetrics",
        "002_16776e1f62aee9f7.txt",
    ),
    # Spanish question, answer only in English: Branch 19 of the federal budget.
    (
        "¿De qué ramo del presupuesto federal sale el dinero del programa?",
        "Branch 19",
        "004_d2aca7a4c659a733.txt",
    ),
    # English question, answer only in Spanish: the Solidarity programme of 1979.
    (
        "In what year did the programme that became IMSS-Bienestar start?",
        "1979",
        "001_d4ce48c87a5d32eb.txt",
    ),
]


@pytest.fixture(scope="module")
def searcher(any_index):
    """The corpus on each index backend in turn (FAISS, Milvus Lite)."""
    return Searcher.open(any_index.settings, any_index.index_dir)


@pytest.mark.parametrize(("question", "expected", "doc_id"), CASES)
def test_cited_passage_holds_the_answer(searcher, question, expected, doc_id):
    result = searcher.search(question, 5)
    top3 = result.passages[:3]
    assert any(fold(expected) in fold(p.text) and p.citation.doc_id == doc_id for p in top3), [
        p.text[:120] for p in top3
    ]


@pytest.mark.parametrize(("question", "expected", "doc_id"), CASES)
def test_every_citation_is_exact(searcher, question, expected, doc_id):
    documents = {d.doc_id: d for d in searcher.data.documents}
    result = searcher.search(question, 10)
    spans = [(p.text, p.citation) for p in result.passages]
    if result.answer is not None:
        spans.append((result.answer.text, result.answer.citation))
    assert spans
    for text, citation in spans:
        doc = documents[citation.doc_id]
        assert doc.text[citation.start : citation.end] == text
        assert (citation.title, citation.source) == (doc.title, doc.source)


def test_answer_sentence_lies_inside_one_shown_passage(searcher):
    result = searcher.search("¿Cuántas personas atiende el IMSS-Bienestar?", 5)
    answer = result.answer.citation
    holding = [
        p.citation
        for p in result.passages
        if p.citation.doc_id == answer.doc_id
        and p.citation.start <= answer.start < answer.end <= p.citation.end
    ]
    assert len(holding) == 1
    assert "53.2" in result.answer.text and result.answer.value.text == "53.2 millones"
    assert result.language == "es"


@pytest.mark.parametrize(
    "question", ["What is the capital of France?", "¿Quién ganó el Mundial de fútbol de 2010?"]
)
def test_off_topic_questions_get_no_answer(searcher, question):
    result = searcher.search(question, 5)
    assert result.answer is None
    # Passages are still returned: the caller sees what was closest, flagged by the null answer.
    assert result.passages


@pytest.mark.parametrize(
    "question",
    [
        "¿Cuál es el teléfono de atención del IMSS-Bienestar?",
        "¿Cuántas camas tiene el IMSS-Bienestar?",
    ],
)
def test_near_topic_questions_the_corpus_cannot_answer_get_no_answer(searcher, question):
    # The passages found are about IMSS-Bienestar, as close as for answerable questions, but
    # none of them speaks of telephones or beds.
    result = searcher.search(question, 5)
    assert result.answer is None
    assert "IMSS-Bienestar" in result.passages[0].text


def test_duplicate_text_does_not_crowd_the_results(searcher):
    # corpus/002 holds the same English article twice; the top-k must not repeat itself.
    result = searcher.search("When was the Mexican Social Security Institute founded?", 5)
    rows = [
        next(
            i
            for i, c in enumerate(searcher.data.chunks)
            # A window overlapping one shown above is shown from where the overlap ends.
            if searcher.data.documents[c[0]].doc_id == p.citation.doc_id
            and c[1] <= p.citation.start
            and p.citation.end == c[2]
        )
        for p in result.passages
    ]
    vectors = searcher.data.chunk_vectors(searcher.embedders[0].name, np.array(rows))
    similarity = vectors @ vectors.T
    off_diagonal = similarity[~np.eye(len(rows), dtype=bool)]
    assert off_diagonal.max() < searcher.params.duplicate_cosine
    texts = [" ".join(p.text.split()) for p in result.passages]
    assert len(set(texts)) == len(texts)
