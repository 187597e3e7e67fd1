"""Checks on a question and k shared by the CLI and the HTTP API."""

import re

from docqa.config import Settings

# Control characters (C0, DEL, C1) other than tab and line breaks: a NUL or an escape sequence
# in a question is never meant, and would travel on into logs and terminals.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Larger numbers are named by their size: echoing them whole would make a huge message.
_SHOWN_DIGITS = 12


class QuestionError(ValueError):
    """A question or k the service refuses; `field` names the offending input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def validate_question(question: str, k: int, settings: Settings) -> tuple[str, int]:
    """The stripped question and k, or QuestionError saying what is wrong.

    The length limit applies to the question as sent, so that it is the maxLength the API
    description publishes.
    """
    if len(question) > settings.max_question_chars:
        raise QuestionError(
            "question",
            f"is {len(question)} characters long; the limit is {settings.max_question_chars}",
        )
    stripped = question.strip()
    if not stripped:
        raise QuestionError("question", "must not be empty or only whitespace")
    if control := _CONTROL.search(question):
        raise QuestionError(
            "question",
            f"contains the control character U+{ord(control[0]):04X} at position "
            f"{control.start()}; only tab and line breaks are allowed",
        )
    if not 1 <= k <= settings.max_k:
        digits = len(str(abs(k)))
        given = str(k) if digits <= _SHOWN_DIGITS else f"a {digits}-digit number"
        raise QuestionError("k", f"must be between 1 and {settings.max_k}, got {given}")
    return stripped, k
