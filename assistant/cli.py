"""The `welzijn` command: thin wrappers that build settings, call a service and format its result."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Optional

import typer

from assistant.errors import WelzijnError

app = typer.Typer(
    help="welzijn-assistant: vragen over het Nederlandse debat over welzijnswerk, met bronvermelding.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _settings():
    from assistant.offline import configure_offline
    from assistant.settings import Settings

    configure_offline()
    return Settings()


def _fail(exc: WelzijnError) -> typer.Exit:
    typer.secho(f"Fout: {exc}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=1)


@app.command()
def setup() -> None:
    """Build the local models (embedding folder, GGUF) if they are missing."""
    from assistant.local_model import ensure_gguf
    from ingest.embedding import resolve_model

    settings = _settings()
    try:
        typer.echo(f"Embeddingmodel: {resolve_model(settings)}")
        typer.echo(f"Lokaal taalmodel: {ensure_gguf(settings.default_gguf)}")
    except WelzijnError as exc:
        raise _fail(exc) from exc


@app.command()
def ingest(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Files or folders (default: seeds/).")] = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Rebuild even when nothing changed.")] = False,
) -> None:
    """Clean, chunk and embed articles into the index (the index mirrors exactly these files)."""
    from ingest.pipeline import run_ingest
    from ingest.report import format_report

    settings = _settings()
    try:
        report = run_ingest(settings, paths or None, rebuild=rebuild, progress=_tqdm_progress)
    except WelzijnError as exc:
        raise _fail(exc) from exc
    typer.echo(format_report(report))


BackendOption = Annotated[
    Optional[str], typer.Option("--backend", "-b", help="local, ollama, openai or extractive.")
]


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="De vraag, in het Nederlands (of Engels).")],
    json_output: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    backend: BackendOption = None,
) -> None:
    """Answer one question, with numbered citations."""
    import json

    from assistant.formatting import format_answer
    from assistant.service import build_assistant

    settings = _settings()
    try:
        result = build_assistant(settings).answer(question, backend=_backend(backend))
    except WelzijnError as exc:
        raise _fail(exc) from exc
    if json_output:
        typer.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        typer.echo(format_answer(result))


@app.command()
def chat(backend: BackendOption = None) -> None:
    """A conversation in the terminal, with streamed answers and follow-up questions."""
    from assistant.chat_cli import run_chat
    from assistant.service import build_assistant

    settings = _settings()
    run_chat(build_assistant(settings), _backend(backend))


@app.command()
def serve(
    host: Annotated[Optional[str], typer.Option(help="Address to listen on (default: setting `host`).")] = None,
    port: Annotated[Optional[int], typer.Option(help="Port (default: setting `port`).")] = None,
) -> None:
    """Start the web app: chat page at /, JSON API under /api/, widget at /widget.js."""
    import uvicorn

    from assistant.web.app import create_app

    settings = _settings()
    if host is not None or port is not None:
        settings = settings.model_copy(update={k: v for k, v in {"host": host, "port": port}.items() if v is not None})
    typer.echo(f"welzijn-assistant op http://{settings.host}:{settings.port}  (Ctrl-C stopt)")
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning")


@app.command("eval")
def evaluate(
    questions: Annotated[Optional[Path], typer.Option(help="Question set (JSONL).")] = None,
    backend: BackendOption = None,
    out: Annotated[Path, typer.Option(help="Folder for results, metrics and report.")] = Path("eval-out"),
    baseline: Annotated[Optional[Path], typer.Option(help="metrics.json to compare with.")] = None,
    limit: Annotated[Optional[int], typer.Option(help="Only the first N items (quick checks).")] = None,
) -> None:
    """Score the assistant on a question set; with --baseline, exit 1 on a regression."""
    from evals.runner import format_summary, run_eval

    settings = _settings()
    try:
        result = run_eval(settings, questions, backend=_backend(backend), out_dir=out, baseline=baseline, limit=limit)
    except WelzijnError as exc:
        raise _fail(exc) from exc
    typer.echo(format_summary(result))
    if result.regressions:
        raise typer.Exit(code=1)


def _backend(name: str | None) -> str | None:
    if name is not None and name not in {"local", "ollama", "openai", "extractive"}:
        raise typer.BadParameter(f"onbekende backend {name!r}: kies local, ollama, openai of extractive")
    return name


def _tqdm_progress(batches: Iterable[list[str]], total: int) -> Iterable[list[str]]:
    from tqdm import tqdm

    with tqdm(total=total, unit=" passages", desc="Embedden") as bar:
        for batch in batches:
            yield batch
            bar.update(len(batch))


def main() -> None:
    """Entry point of the console script."""
    app()
