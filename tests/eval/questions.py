"""Small question sets for the eval tests, written to JSONL files as a user would."""

import json
from pathlib import Path

# Answer in a Spanish document, asked in Spanish.
EASY = {
    "id": "t-1",
    "question": (
        "¿A cuántos hospitales creció la capacidad del IMSS-Bienestar desde su lanzamiento?"
    ),
    "lang": "es",
    "answers": ["660 hospitales"],
    "doc_id": "003_24e78c8e44c615f3.txt",
    "kind": "number",
}
OFF_TOPIC = {
    "id": "t-2",
    "question": "What is the capital of France?",
    "lang": "en",
    "answers": [],
    "kind": "unanswerable",
}
# Asked in Spanish, answered only by an English document.
CROSS = {
    "id": "t-3",
    "question": "¿En qué fecha se fundó el Instituto Mexicano del Seguro Social?",
    "lang": "es",
    "answers": ["January 19, 1943"],
    "doc_id": "002_16776e1f62aee9f7.txt",
    "cross_lingual": True,
    "kind": "number",
}
# No document holds this answer: a miss whatever the ranking.
IMPOSSIBLE = {**EASY, "id": "t-4", "answers": ["a string that appears in no document"]}


def write_set(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path
