"""The API description states the limits this service runs with, not only their types.

The checks themselves live in docqa.index.validation (shared with the CLI); the bounds come from
settings, so they are written into the description when it is first built.
"""

from fastapi import FastAPI

from docqa.config import Settings


def publish_limits(app: FastAPI, settings: Settings) -> None:
    """Make /openapi.json give k as 1..max_k and the question as 1..max_question_chars."""
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            _bound(build(), settings)
        assert app.openapi_schema is not None  # build() keeps what it made there
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _bound(schema: dict, settings: Settings) -> None:
    question = {"minLength": 1, "maxLength": settings.max_question_chars}
    k = {"minimum": 1, "maximum": settings.max_k}
    body = schema["components"]["schemas"]["AskRequest"]["properties"]
    body["question"].update(question)
    body["k"].update(k, default=settings.default_k)
    for parameter in schema["paths"]["/search"]["get"]["parameters"]:
        bounds = question if parameter["name"] == "q" else k
        # An optional parameter's schema is anyOf [integer, null]; the bounds go on the integer.
        for option in parameter["schema"].get("anyOf", [parameter["schema"]]):
            if option.get("type") != "null":
                option.update(bounds)
