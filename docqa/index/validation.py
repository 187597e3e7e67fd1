"""Checks on a question and k shared by the CLI and the HTTP API."""

from docqa.config import Settings


class QuestionError(ValueError):
    """A question or k the service refuses; `field` names the offending input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def validate_question(question: str, k: int, settings: Settings) -> tuple[str, int]:
    """The stripped question and k, or QuestionError saying what is wrong."""
    stripped = question.strip()
    if not stripped:
        raise QuestionError("question", "must not be empty or only whitespace")
    if len(stripped) > settings.max_question_chars:
        raise QuestionError(
            "question",
            f"is {len(stripped)} characters long; the limit is {settings.max_question_chars}",
        )
    if not 1 <= k <= settings.max_k:
        raise QuestionError("k", f"must be between 1 and {settings.max_k}, got {k}")
    return stripped, k
