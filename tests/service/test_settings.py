"""The service's settings: admin key, CORS allow-list, reload, search and request limits."""

import pytest
from pydantic import ValidationError

from docqa.config import Settings


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)


def error_of(**values: object) -> str:
    with pytest.raises(ValidationError) as caught:
        settings(**values)
    return str(caught.value)


def test_defaults_keep_admin_off_and_cross_origin_closed() -> None:
    defaults = settings()
    assert defaults.admin_api_key is None
    assert defaults.cors_origins == []
    assert defaults.reload_poll_seconds > 0


def test_an_empty_admin_key_turns_admin_off() -> None:
    assert settings(admin_api_key="").admin_api_key is None


def test_the_admin_key_is_kept_secret() -> None:
    key = "k" * 20
    configured = settings(admin_api_key=key)
    assert configured.admin_api_key.get_secret_value() == key
    assert key not in repr(configured) and key not in str(configured.model_dump())


@pytest.mark.parametrize(
    ("key", "words"),
    [("short-key", "at least 16"), ("a key with spaces!", "without spaces"), ("ñ" * 20, "ASCII")],
)
def test_unusable_admin_keys_are_refused(key: str, words: str) -> None:
    message = error_of(admin_api_key=key)
    assert "admin_api_key" in message and words in message


def test_cors_origins_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "DOCQA_CORS_ORIGINS", '["https://Portal.Example.org", "http://localhost:8001"]'
    )
    assert settings().cors_origins == ["https://portal.example.org", "http://localhost:8001"]


@pytest.mark.parametrize(
    "origin",
    ["https://example.org/", "https://example.org/page", "example.org", "*", "ftp://x.org"],
)
def test_what_is_not_an_origin_is_refused(origin: str) -> None:
    message = error_of(cors_origins=[origin])
    assert "cors_origins" in message and "is not an origin" in message


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("reload_poll_seconds", -1),
        ("search_concurrency", 0),
        ("result_cache_size", -1),
        ("max_body_bytes", 100),
        ("rate_limit_per_minute", -1),
        ("rate_limit_burst", 0),
    ],
)
def test_out_of_range_numbers_are_refused(field: str, value: int) -> None:
    assert field in error_of(**{field: value})


def test_request_limits_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = settings()
    assert defaults.max_body_bytes == 64 * 1024 and defaults.rate_limit_per_minute > 0
    monkeypatch.setenv("DOCQA_MAX_BODY_BYTES", "2048")
    monkeypatch.setenv("DOCQA_RATE_LIMIT_PER_MINUTE", "0")
    monkeypatch.setenv("DOCQA_RATE_LIMIT_BURST", "5")
    configured = settings()
    assert configured.max_body_bytes == 2048
    assert (configured.rate_limit_per_minute, configured.rate_limit_burst) == (0, 5)


def test_defaults_believe_no_proxy_and_know_no_batch_key() -> None:
    defaults = settings()
    assert defaults.forwarded_allow_ips == [] and defaults.api_keys == []
    assert defaults.eval_api_key is None
    assert (defaults.header_timeout_seconds, defaults.body_timeout_seconds) == (10, 30)
    assert defaults.keep_alive_seconds == 5


@pytest.mark.parametrize(
    ("variable", "value", "field", "expected"),
    [
        ("DOCQA_CORS_ORIGINS", "http://a.org, http://B.org", "cors_origins",
         ["http://a.org", "http://b.org"]),
        ("DOCQA_CORS_ORIGINS", '["http://a.org"]', "cors_origins", ["http://a.org"]),
        ("DOCQA_CORS_ORIGINS", "", "cors_origins", []),
        ("DOCQA_EMBEDDERS", "use", "embedders", ["use"]),
        ("DOCQA_FORWARDED_ALLOW_IPS", "10.0.0.5,192.168.0.0/16", "forwarded_allow_ips",
         ["10.0.0.5", "192.168.0.0/16"]),
        # uvicorn's own variable, which a proxy setup may already have.
        ("FORWARDED_ALLOW_IPS", "*", "forwarded_allow_ips", ["*"]),
    ],
)  # fmt: skip
def test_list_settings_are_comma_separated_or_json(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, field: str, expected: list[str]
) -> None:
    monkeypatch.setenv(variable, value)
    assert getattr(settings(), field) == expected


def test_api_keys_are_a_list_of_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCQA_API_KEYS", "first-batch-key-0123,second-batch-key-456")
    keys = settings().api_keys
    assert [key.get_secret_value() for key in keys] == [
        "first-batch-key-0123",
        "second-batch-key-456",
    ]
    assert "first-batch-key-0123" not in repr(settings())


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"api_keys": ["first-batch-key-0123", "short"]}, "key 2 must be at least 16"),
        ({"forwarded_allow_ips": ["proxy.example.org"]}, "not an IP address or network"),
        ({"header_timeout_seconds": 0}, "header_timeout_seconds"),
        ({"body_timeout_seconds": -1}, "body_timeout_seconds"),
        ({"keep_alive_seconds": 0}, "keep_alive_seconds"),
    ],
)
def test_unusable_keys_proxies_and_timeouts_are_refused(values: dict, words: str) -> None:
    assert words in error_of(**values)
