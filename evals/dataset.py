"""Question sets: load and validate the JSONL file, and flatten conversations into numbered turns."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.core.errors import WelzijnError

CONVERSATION = "conversation"
# Keys of a single question (top-level or a conversation turn) and the JSON type each must have.
_QUESTION_KEYS: dict[str, type] = {
    "question": str,
    "reference_sources": list,
    "evidence": list,
    "facts": list,
    "answerable": bool,
}
_JSON_NAMES: dict[type, str] = {
    str: "een string",
    list: "een lijst",
    bool: "true of false",
    dict: "een object",
}


def default_questions_path() -> Path:
    """The project's own question set, shipped inside the `evals` package."""
    return Path(__file__).parent / "questions.jsonl"


@dataclass(frozen=True)
class EvalItem:
    """One question to ask: a standalone question or one turn of a conversation."""

    id: str
    type: str
    question: str
    reference_sources: tuple[str, ...]
    evidence: tuple[str, ...]
    facts: tuple[tuple[str, ...], ...]
    answerable: bool
    conversation: str | None = None  # id of the conversation this turn belongs to
    turn: int = 0  # index of the turn in its conversation, from 0


@dataclass(frozen=True)
class EvalEntry:
    """One line of the file: a question (one item) or a conversation (its turns, in order)."""

    id: str
    type: str
    items: tuple[EvalItem, ...]


def load_questions(path: Path | None = None, limit: int | None = None) -> list[EvalEntry]:
    """The validated entries of a question set; a `WelzijnError` names the line and the problem."""
    path = Path(path) if path is not None else default_questions_path()
    if limit is not None and limit < 1:
        raise WelzijnError(f"--limit moet minstens 1 zijn, niet {limit}")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as exc:
        raise WelzijnError(f"Vragenset niet gevonden: {path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise WelzijnError(f"Vragenset {path} is niet te lezen: {exc}") from exc
    entries: list[EvalEntry] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}, regel {lineno}"
        entry = _parse_line(line, where)
        if entry.id in seen:
            raise WelzijnError(f"{where}: id {entry.id!r} komt al voor op regel {seen[entry.id]}")
        seen[entry.id] = lineno
        entries.append(entry)
    if not entries:
        raise WelzijnError(f"Vragenset {path} bevat geen vragen.")
    return entries[:limit] if limit is not None else entries


def flatten(entries: list[EvalEntry]) -> list[EvalItem]:
    """Every question to ask, conversation turns in order."""
    return [item for entry in entries for item in entry.items]


def _parse_line(line: str, where: str) -> EvalEntry:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise WelzijnError(f"{where}: geen geldige JSON ({exc.msg}, kolom {exc.colno})") from exc
    if not isinstance(obj, dict):
        raise WelzijnError(f"{where}: moet een JSON-object zijn, niet {_json_type(obj)}")
    entry_id = _require(obj, "id", str, where)
    if not entry_id.strip():
        raise WelzijnError(f"{where}: 'id' is leeg")
    if "#" in entry_id:
        raise WelzijnError(f"{where}: 'id' mag geen '#' bevatten (dat scheidt gesprek en beurt)")
    kind = _require(obj, "type", str, where)
    if kind != CONVERSATION:
        return EvalEntry(entry_id, kind, (_parse_question(obj, where, entry_id, kind),))
    turns = _require(obj, "turns", list, where)
    if not turns:
        raise WelzijnError(f"{where}: een gesprek heeft minstens één beurt nodig in 'turns'")
    items = []
    for i, turn in enumerate(turns):
        turn_where = f"{where}, beurt {i}"
        if not isinstance(turn, dict):
            raise WelzijnError(f"{turn_where}: moet een JSON-object zijn")
        items.append(
            _parse_question(turn, turn_where, f"{entry_id}#{i}", kind, conversation=entry_id, turn=i)
        )
    return EvalEntry(entry_id, kind, tuple(items))


def _parse_question(
    obj: dict[str, Any], where: str, item_id: str, kind: str, conversation: str | None = None, turn: int = 0
) -> EvalItem:
    values = {key: _require(obj, key, typ, where) for key, typ in _QUESTION_KEYS.items()}
    if not values["question"].strip():
        raise WelzijnError(f"{where}: 'question' is leeg")
    for key in ("reference_sources", "evidence"):
        if not all(isinstance(v, str) and v.strip() for v in values[key]):
            raise WelzijnError(f"{where}: '{key}' moet een lijst met niet-lege strings zijn")
    facts = values["facts"]
    for group in facts:
        if not (isinstance(group, list) and group and all(isinstance(a, str) and a.strip() for a in group)):
            raise WelzijnError(
                f"{where}: 'facts' moet een lijst van lijsten met alternatieven (niet-lege strings) zijn"
            )
    return EvalItem(
        id=item_id,
        type=kind,
        question=values["question"],
        reference_sources=tuple(values["reference_sources"]),
        evidence=tuple(values["evidence"]),
        facts=tuple(tuple(group) for group in facts),
        answerable=values["answerable"],
        conversation=conversation,
        turn=turn,
    )


def _require(obj: dict[str, Any], key: str, typ: type, where: str) -> Any:
    if key not in obj:
        raise WelzijnError(f"{where}: de sleutel '{key}' ontbreekt")
    value = obj[key]
    if not isinstance(value, typ):
        raise WelzijnError(f"{where}: '{key}' moet {_JSON_NAMES[typ]} zijn, niet {_json_type(value)}")
    return value


def _json_type(value: Any) -> str:
    """How JSON names the type of a parsed value, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "een getal"
    return _JSON_NAMES.get(type(value), type(value).__name__)
