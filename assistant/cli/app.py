"""The `welzijn` command: thin wrappers that build settings, call a service and format its result."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Optional

import typer

from assistant.core.errors import WelzijnError
from assistant.core.settings import BACKENDS, backend_names

app = typer.Typer(
    help="welzijn-assistant: vragen over het Nederlandse debat over welzijnswerk, met bronvermelding.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _settings(answers: bool = False):
    """The settings, after the process-wide set-up; `answers`: this command embeds questions."""
    from assistant.core.process import configure_offline, use_one_torch_thread
    from assistant.core.settings import Settings

    configure_offline()
    if answers:
        use_one_torch_thread()
    return Settings()


def _fail(exc: WelzijnError) -> typer.Exit:
    typer.secho(f"Fout: {exc}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=1)


@app.command()
def setup() -> None:
    """Build the local models (embedding folder, GGUF) if they are missing, and create or upgrade the database."""
    from assistant.db.startup import database_for
    from assistant.models.embedder import resolve_model
    from assistant.models.gguf import ensure_gguf

    settings = _settings()
    try:
        typer.echo(f"Database: {database_for(settings.storage).name}")
        typer.echo(f"Embeddingmodel: {resolve_model(settings)}")
        typer.echo(f"Lokaal taalmodel: {ensure_gguf(settings.storage.default_gguf)}")
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
    Optional[str], typer.Option("--backend", "-b", help=f"{backend_names()}.")
]


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="De vraag, in het Nederlands (of Engels).")],
    json_output: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    backend: BackendOption = None,
) -> None:
    """Answer one question, with numbered citations."""
    import json

    from assistant.cli.render import format_answer
    from assistant.rag.wiring import build_assistant

    settings = _settings(answers=True)
    try:
        result = build_assistant(settings).answer(question, backend=_backend(backend), channel="cli")
    except WelzijnError as exc:
        raise _fail(exc) from exc
    if json_output:
        typer.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        typer.echo(format_answer(result))


@app.command()
def chat(backend: BackendOption = None) -> None:
    """A conversation in the terminal, with streamed answers and follow-up questions."""
    from assistant.cli.chat import run_chat
    from assistant.rag.wiring import build_assistant

    settings = _settings(answers=True)
    run_chat(build_assistant(settings), _backend(backend))


@app.command()
def serve(
    host: Annotated[Optional[str], typer.Option(help="Address to listen on (default: setting `host`).")] = None,
    port: Annotated[Optional[int], typer.Option(help="Port (default: setting `port`).")] = None,
) -> None:
    """Start the web app: chat page at /, JSON API under /api/, widget at /widget.js."""
    import uvicorn

    from assistant.core.process import configure_server_logging
    from assistant.web.app import create_app

    settings = _settings()
    if host is not None or port is not None:
        settings = settings.model_copy(update={k: v for k, v in {"host": host, "port": port}.items() if v is not None})
    configure_server_logging()
    typer.echo(f"welzijn-assistant op http://{settings.web.host}:{settings.web.port}  (Ctrl-C stopt)")
    uvicorn.run(create_app(settings), host=settings.web.host, port=settings.web.port, log_level="warning")


@app.command("llm-server")
def llm_server(
    host: Annotated[Optional[str], typer.Option(help="Address to listen on (default: the host of `openai_url`).")] = None,
    port: Annotated[Optional[int], typer.Option(help="Port (default: the port of `openai_url`).")] = None,
) -> None:
    """Serve the local model over an OpenAI-compatible API (llama-cpp-python's server) for several replicas."""
    import uvicorn

    from assistant.models.llm_server import llm_server_app, server_address

    settings = _settings()
    default_host, default_port = server_address(settings)
    host, port = host or default_host, port or default_port
    try:
        server = llm_server_app(settings, host, port)
    except WelzijnError as exc:
        raise _fail(exc) from exc
    typer.echo(f"Taalmodel op http://{host}:{port}/v1 (WELZIJN_BACKEND=openai WELZIJN_OPENAI_URL=http://{host}:{port}/v1)")
    uvicorn.run(server, host=host, port=port, log_level="warning")


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

    settings = _settings(answers=True)
    try:
        result = run_eval(settings, questions, backend=_backend(backend), out_dir=out, baseline=baseline, limit=limit)
    except WelzijnError as exc:
        raise _fail(exc) from exc
    typer.echo(format_summary(result))
    if result.regressions:
        raise typer.Exit(code=1)


@app.command()
def bench(
    out: Annotated[Path, typer.Option(help="Folder for bench.json, bench.md and the plot.")] = Path("bench-out"),
    sizes: Annotated[str, typer.Option(help="Index sizes in chunks; `seeds` is the seeds' own index.")] = "seeds,10000,100000",
    queries: Annotated[int, typer.Option(min=1, max=1000, help="Questions per latency figure.")] = 50,
    local_questions: Annotated[int, typer.Option(min=1, max=50, help="Questions for the local LLM.")] = 5,
    articles: Annotated[int, typer.Option(min=0, max=1000, help="Synthetic articles for the ingest scaling run.")] = 50,
    server_max: Annotated[int, typer.Option(min=0, help="Largest index also measured through a Chroma server.")] = 10_000,
    skip_local: Annotated[bool, typer.Option("--skip-local", help="Leave out the local LLM.")] = False,
    skip_server: Annotated[bool, typer.Option("--skip-server", help="Leave out the Chroma server.")] = False,
) -> None:
    """Measure ingest, retrieval, answering and start-up; reports figures, never fails on them."""
    from evals.bench.runner import BenchOptions, parse_sizes, run_bench

    try:
        options = BenchOptions(
            out=out, sizes=parse_sizes(sizes), queries=queries, local_questions=local_questions,
            ingest_articles=articles, server_max=server_max, skip_local=skip_local, skip_server=skip_server,
        )
        if out.exists() and not out.is_dir():
            raise WelzijnError(f"--out {out} is een bestand, geen map.")
        result = run_bench(_settings(), options, lambda line: typer.echo(line, err=True))
    except WelzijnError as exc:
        raise _fail(exc) from exc
    typer.echo(f"Klaar in {result['duration_s']} s: {out / 'bench.md'}, {out / 'bench.json'}, {out / 'bench-latency.png'}")


def _backend(name: str | None) -> str | None:
    if name is not None and name not in BACKENDS:
        raise typer.BadParameter(f"onbekende backend {name!r}: kies {backend_names('of')}")
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
