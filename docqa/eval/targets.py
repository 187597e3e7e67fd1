"""Where eval sends its questions: a Searcher in this process, or a running service over HTTP."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

import httpx
from pydantic import SecretStr

from docqa.config import Settings
from docqa.index.search import Searcher
from docqa.index.validation import QuestionError, validate_question
from docqa.ingest.pipeline import run_ingest

# Keys of the /ask body that eval reads; a server without them is not a docqa service.
ASK_KEYS = frozenset({"language", "answer", "passages"})
# Seconds waited on one 429 at most, whatever its Retry-After says, and in all for one request.
MAX_RETRY_AFTER = 60
MAX_WAIT_PER_REQUEST = 300


class TargetError(Exception):
    """The target cannot answer: unreachable, not a docqa service, or it refused a question."""


class Target(Protocol):
    """Answers questions with the `/ask` body of the contract and serves document texts."""

    name: str
    version: str

    def ask(self, question: str, k: int) -> dict: ...

    def document_text(self, doc_id: str) -> str | None: ...


class SearcherTarget:
    """The search path of the API, in process: the same question checks, the same Searcher."""

    def __init__(self, searcher: Searcher, settings: Settings, name: str) -> None:
        self.searcher = searcher
        self.settings = settings
        self.name = name
        self.version = searcher.version
        self._texts = {doc.doc_id: doc.text for doc in searcher.data.documents}

    def ask(self, question: str, k: int) -> dict:
        try:
            question, k = validate_question(question, k, self.settings)
        except QuestionError as error:
            raise TargetError(f"refused: {error}") from None
        return self.searcher.search(question, k).to_dict()

    def document_text(self, doc_id: str) -> str | None:
        return self._texts.get(doc_id)


class HttpTarget:
    """A running docqa service: POST /ask, and GET /documents/{doc_id} for citation checks.

    With `api_key` (one of the service's DOCQA_API_KEYS) the service does not rate limit the
    run; without one, a 429 is waited out as its Retry-After says.
    """

    def __init__(
        self,
        url: str,
        timeout: float = 120.0,
        api_key: SecretStr | None = None,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise TargetError(
                f"--target must be an http(s) URL like http://127.0.0.1:8000, not {url!r}"
            )
        self.name = url.rstrip("/")
        headers = {"Authorization": f"Bearer {api_key.get_secret_value()}"} if api_key else {}
        self._client = httpx.Client(base_url=self.name, timeout=timeout, headers=headers)
        # 429s answered and waited out.
        self.rate_limited = 0
        self._texts: dict[str, str | None] = {}
        try:
            health = self._json("/health", self._request("GET", "/health"))
        except TargetError:
            self.close()
            raise
        if not isinstance(health, dict) or "index_version" not in health:
            self.close()
            raise TargetError(f"{self.name}/health did not answer as a docqa service does")
        self.version = str(health["index_version"])

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        waited = 0.0
        while True:
            try:
                response = self._client.request(method, path, **kwargs)
            except httpx.HTTPError as error:
                raise TargetError(f"cannot reach {self.name}{path}: {error}") from None
            if response.status_code != 429 or waited >= MAX_WAIT_PER_REQUEST:
                return response
            self.rate_limited += 1
            wait = _retry_after(response)
            time.sleep(wait)
            waited += wait

    def _json(self, path: str, response: httpx.Response) -> object:
        if response.status_code >= 400:
            raise TargetError(
                f"{self.name}{path} answered {response.status_code}: {response.text[:300]}"
            )
        try:
            return response.json()
        except ValueError:
            raise TargetError(f"{self.name}{path} did not answer with JSON") from None

    def ask(self, question: str, k: int) -> dict:
        body = self._json(
            "/ask", self._request("POST", "/ask", json={"question": question, "k": k})
        )
        if not isinstance(body, dict) or not body.keys() >= ASK_KEYS:
            raise TargetError(f"{self.name}/ask did not answer with the /ask body of the contract")
        return body

    def document_text(self, doc_id: str) -> str | None:
        if doc_id not in self._texts:
            path = f"/documents/{quote(doc_id, safe='')}"
            response = self._request("GET", path)
            # An unknown doc_id makes the citation invalid; it is not a reason to stop the run.
            record = None if response.status_code == 404 else self._json(path, response)
            self._texts[doc_id] = record.get("text") if isinstance(record, dict) else None
        return self._texts[doc_id]

    def close(self) -> None:
        self._client.close()


def _retry_after(response: httpx.Response) -> float:
    """The seconds a 429 asks to wait (Retry-After in seconds), 1 when it does not say."""
    given = response.headers.get("retry-after", "")
    return min(float(given), MAX_RETRY_AFTER) if given.isdigit() else 1.0


@contextmanager
def corpus_target(corpus_dir: Path, settings: Settings) -> Iterator[SearcherTarget]:
    """`corpus_dir` ingested into a temporary index, removed afterwards."""
    with TemporaryDirectory(prefix="docqa-eval-") as folder:
        index_dir = Path(folder) / "index"
        run_ingest(corpus_dir, index_dir, settings)
        yield SearcherTarget(Searcher.open(settings, index_dir), settings, f"corpus {corpus_dir}")


@contextmanager
def open_target(
    settings: Settings,
    *,
    index_dir: Path | None = None,
    corpus_dir: Path | None = None,
    url: str | None = None,
) -> Iterator[Target]:
    """The service at `url`, else `corpus_dir` freshly ingested, else the index at `index_dir`."""
    if url is not None:
        service = HttpTarget(url, api_key=settings.eval_api_key)
        try:
            yield service
        finally:
            service.close()
    elif corpus_dir is not None:
        with corpus_target(corpus_dir, settings) as target:
            yield target
    else:
        folder = index_dir or settings.index_dir
        yield SearcherTarget(Searcher.open(settings, folder), settings, f"index {folder}")
