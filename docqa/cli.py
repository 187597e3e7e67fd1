"""The `docqa` command line: ingest, ask, serve, eval."""

import json
import os
from pathlib import Path
from typing import Annotated

# Set before any model library is imported: nothing may reach for a hub, and the C engine
# must not spin idle threads on a shared 2-core machine.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import typer

from docqa.config import get_settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)

IndexOption = Annotated[
    Path | None, typer.Option("--index", help="Index folder [default: DOCQA_INDEX_DIR]")
]


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


@app.command()
def ingest(
    corpus: Annotated[
        Path | None, typer.Option("--corpus", help="Folder of source documents")
    ] = None,
    index: IndexOption = None,
) -> None:
    """Build or refresh the index from a folder of .txt/.md/.html/.pdf files."""
    from tqdm import tqdm

    from docqa.ingest.pipeline import IngestError, run_ingest

    settings = get_settings()
    corpus_dir = corpus or settings.corpus_dir
    index_dir = index or settings.index_dir
    bars: list[tqdm] = []

    def progress(label: str, total: int):
        bar = tqdm(total=total, desc=label, unit="text", leave=False, disable=total == 0)
        bars.append(bar)
        return bar.update

    try:
        report = run_ingest(corpus_dir, index_dir, settings, progress=progress)
    except IngestError as error:
        _fail(str(error))
    finally:
        for bar in bars:
            bar.close()
    for skipped in report.skipped:
        typer.secho(f"skipped {skipped.source}: {skipped.reason}", fg=typer.colors.YELLOW, err=True)
    if report.up_to_date:
        typer.echo(
            f"index is up to date: {report.documents} files unchanged, skipped "
            f"{len(report.skipped)}; build {report.build_id}"
        )
        return
    typer.echo(
        f"indexed {report.documents} files, skipped {len(report.skipped)}; "
        f"{report.chunks} chunks, {report.sentences} sentences; "
        f"embedded {report.embedded_documents} files, reused {report.reused_documents} unchanged; "
        f"{report.seconds:.1f} s; build {report.build_id} in {report.build_dir}"
    )


def _print_result(result) -> None:
    if result.answer is None:
        typer.secho("No answer found in the corpus.", bold=True)
    else:
        c = result.answer.citation
        page = f", p. {c.page}" if c.page else ""
        typer.secho(f"Answer: {result.answer.text}", bold=True)
        typer.echo(f"  — {c.title} [{c.source}{page}, chars {c.start}-{c.end}]")
    for rank, passage in enumerate(result.passages, 1):
        c = passage.citation
        page = f", p. {c.page}" if c.page else ""
        typer.echo(
            f"\n[{rank}] {c.title} [{c.source}{page}, chars {c.start}-{c.end}] "
            f"score {passage.score:.3f}"
        )
        typer.echo("    " + " ".join(passage.text.split()))


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in Spanish or English")],
    index: IndexOption = None,
    k: Annotated[int, typer.Option("-k", help="How many passages")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print the /ask response body")] = False,
) -> None:
    """Answer one question from the index, with cited passages."""
    from docqa.index.loader import open_searcher
    from docqa.index.store import IndexNotFoundError
    from docqa.index.validation import QuestionError, validate_question

    settings = get_settings()
    try:
        question, k = validate_question(question, k, settings)
        searcher = open_searcher(index or settings.index_dir, settings)
    except (QuestionError, IndexNotFoundError) as error:
        _fail(str(error))
    result = searcher.search(question, k)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_result(result)


@app.command()
def serve(
    index: IndexOption = None,
    host: Annotated[str, typer.Option("--host", help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port")] = 8000,
) -> None:
    """Serve the HTTP API (/ask, /search, /documents, /health) and the search page."""
    import uvicorn

    from docqa.index.loader import open_searcher
    from docqa.index.store import IndexNotFoundError
    from docqa.service.app import create_app

    settings = get_settings()
    index_dir = index or settings.index_dir
    # Opened here, not only at app startup, so a missing index is one line, not a traceback.
    try:
        searcher = open_searcher(index_dir, settings)
    except IndexNotFoundError as error:
        _fail(str(error))
    service = create_app(settings, index_dir, searcher=searcher)
    uvicorn.run(service, host=host, port=port, workers=1, log_level="info")


@app.command()
def eval(
    question_set: Annotated[
        Path | None, typer.Option("--set", help="Question set (JSONL) [default: dev set]")
    ] = None,
    index: IndexOption = None,
    out: Annotated[Path | None, typer.Option("--out", help="Folder for report.json")] = None,
    k: Annotated[int, typer.Option("-k", help="Passages per question")] = 10,
) -> None:
    """Run a question set; exit non-zero when below the quality thresholds."""
    from docqa.eval.dataset import DatasetError, default_set, load_questions
    from docqa.eval.runner import evaluate, format_report
    from docqa.index.loader import open_searcher
    from docqa.index.store import IndexNotFoundError

    settings = get_settings()
    try:
        questions = load_questions(question_set or default_set())
        searcher = open_searcher(index or settings.index_dir, settings)
    except (DatasetError, IndexNotFoundError) as error:
        _fail(str(error))
    report = evaluate(searcher, questions, k=k)
    typer.echo(format_report(report))
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), "utf-8")
    if report["failed_thresholds"]:
        typer.secho(
            "below thresholds: " + ", ".join(report["failed_thresholds"]), fg=typer.colors.RED
        )
        raise typer.Exit(code=1)


if __name__ == "__main__":
    app()
