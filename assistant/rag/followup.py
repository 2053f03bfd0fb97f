"""Follow-up questions made standalone by rules, so most need no extra generation by the model.

"Wat zegt hij over …?" after "Wie is Hans Zuiver?" becomes "Wat zegt Hans Zuiver over …?": a subject or
object pronoun stands for the person the conversation is about (the first full name, first and last,
in the latest question that names one, or, after a "Wie …?" question that names no one, the first full
name its answer gives). A question with nothing to resolve, or that points back at a topic ("dat gesprek", "daarvan"),
keeps its words and brings the earlier questions along. What rules cannot tell ("haar", a possessive,
a pronoun beside a new name, no person to refer to) is left to the model (`None`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.text.attribution import names_in

_PERSON = re.compile(r"(?<!\w)(hij|zij|ze|hem)(?!\w)", re.IGNORECASE)
_UNCLEAR = re.compile(r"(?<!\w)(haar|zijn|hun|hen|ze|zij)(?!\w)", re.IGNORECASE)  # also plural or possessive
_POINTS_BACK = re.compile(
    r"(?<!\w)(dat|die|deze|dit|daar\w*|hier\w*|ervan|erover|zulke|zo'n|het rapport|het stuk)(?!\w)", re.IGNORECASE
)
_WHO = re.compile(r"^\W*wie\b", re.IGNORECASE)
EARLIER = 2  # earlier questions a topic is carried from


def resolve(question: str, history: Sequence[dict[str, str]]) -> str | None:
    """The follow-up as a standalone question, or None when only a model can rewrite it."""
    asked = [m["content"] for m in history if m["role"] == "user"]
    pronouns = _PERSON.findall(question)
    if not pronouns:
        if _UNCLEAR.search(question):
            return None  # "haar visie", "hun rol": whose?
        if not _POINTS_BACK.search(question):
            return question if _names(question) else _with_topic(question, asked)
        return _with_topic(question, asked)
    if any(" " in name for name in _names(question)) or _UNCLEAR.search(_PERSON.sub("", question)):
        return None  # "Hoe reageert Gert van Dijk op zijn twijfels?": whose doubts needs understanding
    person = _person(history)
    if person is None:
        return None
    return _PERSON.sub(person, question, count=1)


def _names(text: str) -> list[str]:
    """People and organisations named in a text; not the capitalised word that opens it ("Welk", "Staan")."""
    first = text.split(maxsplit=1)[0] if text.split() else ""
    return [name for name in names_in(text) if name != first.strip("‘'\"")]


def _with_topic(question: str, asked: Sequence[str]) -> str:
    """The question after the earlier ones, whose names and topics it leans on."""
    return " ".join([*asked[-EARLIER:], question])


def _person(history: Sequence[dict[str, str]]) -> str | None:
    """The person the conversation is about, latest first; None when there is none (or only organisations)."""
    for i in range(len(history) - 1, -1, -1):
        message = history[i]
        if message["role"] != "user":
            continue
        people = [name for name in _names(message["content"]) if " " in name]  # "Hans Zuiver", not "WRR"
        if people:
            return people[0]
        if _WHO.match(message["content"]):
            answer = next((m["content"] for m in history[i + 1 :] if m["role"] == "assistant"), "")
            named = [name for name in names_in(answer) if " " in name]
            return named[0] if named else None
    return None
