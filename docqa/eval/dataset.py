"""Question sets: JSONL, one question a line, validated on load."""

import json
from importlib.resources import files
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, model_validator


class DatasetError(ValueError):
    """A question set that cannot be used; the message names the file, line and problem."""


class Question(BaseModel):
    """One evaluation question; `answers` empty means the corpus holds no answer."""

    id: str
    question: str = Field(min_length=1)
    lang: Literal["es", "en"]
    answers: list[str] = Field(default_factory=list)
    doc_id: str | None = None
    cross_lingual: bool = False
    kind: str = "fact"

    @model_validator(mode="after")
    def _answerable_has_answers(self) -> "Question":
        if self.kind != "unanswerable" and not self.answers:
            raise ValueError("an answerable question needs at least one answer string")
        return self

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


def default_set() -> Path:
    return Path(str(files("docqa.eval") / "sets" / "dev.jsonl"))


def load_questions(path: Path) -> list[Question]:
    if not path.is_file():
        raise DatasetError(f"question set {path} does not exist")
    questions = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            questions.append(Question.model_validate(json.loads(line)))
        except (json.JSONDecodeError, ValidationError) as error:
            raise DatasetError(f"{path}:{number}: {error}") from None
    if not questions:
        raise DatasetError(f"question set {path} has no questions")
    return questions
