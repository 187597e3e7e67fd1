"""Settings that fail validation, as one line per bad DOCQA_* variable: what, why, an example."""

import re

from pydantic import SecretStr, ValidationError
from pydantic_core import PydanticUndefined

from docqa.config import Settings

# Longer values are described by their length: a variable may hold a whole file.
SHOWN_CHARS = 60
_FIELD_NAMES = re.compile(rf"\b({'|'.join(Settings.model_fields)})\b")


def variable(field: str) -> str:
    return f"DOCQA_{field.upper()}"


def describe(error: ValidationError) -> list[str]:
    """One line per problem: the variable and its value, the problem, an example of a good one."""
    lines = []
    for problem in error.errors(include_url=False):
        message = problem["msg"].removeprefix("Value error, ")
        field = problem["loc"][0] if problem["loc"] else None
        info = Settings.model_fields.get(str(field))
        if info is None:
            # A check across several settings: its message names them as fields.
            named = _FIELD_NAMES.sub(lambda found: variable(found[1]), message)
            lines.append(f"settings: {named}")
            continue
        name = variable(str(field))
        secret = SecretStr in {info.annotation, *getattr(info.annotation, "__args__", ())}
        value = problem.get("input")
        shown = "" if secret or isinstance(value, dict) else f"={_shown(value)}"
        lines.append(f"{name}{shown}: {message}{_example(name, info)}")
    return lines


def _shown(value: object) -> str:
    text = ",".join(map(str, value)) if isinstance(value, list) else str(value)
    return repr(text) if len(text) <= SHOWN_CHARS else f"(a value of {len(text):,} characters)"


def _example(name: str, info) -> str:
    if info.examples:
        example = info.examples[0]
    elif info.default_factory is not None:
        example = info.default_factory()
    else:
        example = info.default
    if example is PydanticUndefined or example in (None, [], ""):
        return ""
    if isinstance(example, list):
        example = ",".join(map(str, example))
    return f" (e.g. {name}={example})"
