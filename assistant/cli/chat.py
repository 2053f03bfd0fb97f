"""The terminal conversation: read a question, stream the answer, keep the history."""

from __future__ import annotations

import typer

from assistant.cli.render import format_footer, format_sources
from assistant.core.errors import WelzijnError
from assistant.core.types import Answer, Status, Token
from assistant.rag.service import Assistant

WELCOME = (
    "Welzijn-assistent — stel een vraag over het debat over welzijnswerk en sociaal werk.\n"
    "Vervolgvragen mogen. 'nieuw' begint een nieuw gesprek, 'stop' (of Ctrl-D) sluit af."
)


def run_chat(assistant: Assistant, backend: str | None) -> None:
    """Loop until the user stops; each turn streams tokens, then shows the checked answer."""
    typer.echo(WELCOME)
    history: list[dict[str, str]] = []
    while True:
        try:
            question = input("\nVraag> ").strip()
        except (EOFError, KeyboardInterrupt):
            typer.echo("\nTot ziens.")
            return
        if question.lower() in {"stop", "exit", "quit"}:
            typer.echo("Tot ziens.")
            return
        if question.lower() in {"nieuw", "new"}:
            history.clear()
            typer.echo("Nieuw gesprek.")
            continue
        if not question:
            continue
        try:
            answer = _stream_turn(assistant, question, history, backend)
        except WelzijnError as exc:
            typer.secho(f"Fout: {exc}", fg=typer.colors.RED)
            continue
        history += [{"role": "user", "content": question}, {"role": "assistant", "content": answer.answer}]


def _stream_turn(assistant: Assistant, question: str, history: list[dict[str, str]], backend: str | None) -> Answer:
    streamed = ""
    for event in assistant.stream(question, history, backend, channel="cli"):
        if isinstance(event, Status):
            typer.secho(f"… {event.text}", dim=True)
        elif isinstance(event, Token):
            if not streamed:
                typer.echo("")
            streamed += event.text
            typer.echo(event.text, nl=False)
        elif isinstance(event, Answer):
            # The checked text can differ from the stream: markers repaired, unsupported claims dropped.
            if event.answer != streamed.strip():
                typer.echo("\n\nGecontroleerd antwoord:\n" + event.answer)
            else:
                typer.echo("")
            if event.notice:
                typer.secho(f"Let op: {event.notice}", fg=typer.colors.YELLOW)
            sources = format_sources(event)
            if sources:
                typer.echo("\n" + sources)
            typer.secho(format_footer(event), dim=True)
            return event
    raise WelzijnError("Er kwam geen antwoord.")
