"""Question sets: JSONL, one question a line, validated on load."""

import hashlib
import json
from importlib.resources import files
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


class DatasetError(ValueError):
    """A question set that cannot be used; the message names the file, line and problem."""


class Question(BaseModel):
    """One evaluation question; `answers` empty means the corpus holds no answer."""

    # A misspelt field ("answer", "crosslingual") would otherwise be dropped without a word.
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    lang: Literal["es", "en"]
    answers: list[str] = Field(default_factory=list)
    doc_id: str | None = None
    cross_lingual: bool = False
    kind: Literal["fact", "number", "name", "unanswerable"] = "fact"
    # The typed value itself (a figure, date or name as the corpus writes it), for value
    # accuracy: the answer's `value.text` must hold one of them (numbers compare as numbers).
    values: list[str] = Field(default_factory=list)
    # Questions whose sources disagree: every distinct figure the corpus gives for it, for
    # figure recall (the share of them that the answer's `figures` lists).
    figures: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _answers_match_kind(self) -> "Question":
        if self.kind == "unanswerable" and self.answers:
            raise ValueError('a question of kind "unanswerable" must have an empty answers list')
        if self.kind != "unanswerable" and not self.answers:
            raise ValueError(
                'an answerable question needs at least one answer string (or kind "unanswerable")'
            )
        # An empty string is contained in every passage: every question would be a hit.
        if any(not answer.strip() for answer in [*self.answers, *self.values, *self.figures]):
            raise ValueError("answer, value and figure strings must not be empty")
        if not self.answers and (self.values or self.figures):
            raise ValueError("an unanswerable question has no values or figures")
        if len(self.figures) == 1:
            raise ValueError("figures lists what sources that disagree give: two or more figures")
        return self

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


def default_set() -> Path:
    return Path(str(files("docqa.eval") / "sets" / "dev.jsonl"))


def _describe(error: ValidationError) -> str:
    """Pydantic's errors as `field: problem`, without its multi-line layout and links."""
    parts = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"])
        if item["type"] == "extra_forbidden":
            message = "unknown field"
        else:
            message = item["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def _parse(path: Path, number: int, line: str) -> Question:
    try:
        return Question.model_validate(json.loads(line))
    except json.JSONDecodeError as error:
        raise DatasetError(
            f"{path}:{number}: not valid JSON: {error.msg} (column {error.colno})"
        ) from None
    except ValidationError as error:
        raise DatasetError(f"{path}:{number}: {_describe(error)}") from None


def load_questions(path: Path) -> list[Question]:
    if not path.is_file():
        raise DatasetError(f"question set {path} does not exist or is not a file")
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError:
        raise DatasetError(f"question set {path} is not UTF-8 text") from None
    except OSError as error:
        raise DatasetError(f"cannot read question set {path}: {error.strerror}") from None
    questions: list[Question] = []
    first_line: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        question = _parse(path, number, line)
        if question.id in first_line:
            raise DatasetError(
                f"{path}:{number}: id {question.id!r} is already used on line "
                f"{first_line[question.id]}"
            )
        first_line[question.id] = number
        questions.append(question)
    if not questions:
        raise DatasetError(f"question set {path} has no questions")
    return questions


def fingerprint(questions: list[Question]) -> str:
    """A hash of the questions' content, so a baseline is only compared on the same set."""
    canonical = json.dumps([q.model_dump() for q in questions], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]
