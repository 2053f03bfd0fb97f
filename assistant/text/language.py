"""Which language a question is in: only Dutch or English matters here."""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-zA-Z]+")
_EN = frozenset("the what who which why how does do did is are was were about according say says of and to".split())
_NL = frozenset("de het een wat wie welke waarom hoe is zijn wordt volgens over van en naar zegt vindt".split())


def detect(text: str) -> str:
    """'en' when English function words outnumber Dutch ones, otherwise 'nl'."""
    words = [w.lower() for w in _WORD.findall(text)]
    en = sum(w in _EN for w in words)
    nl = sum(w in _NL for w in words)
    return "en" if en > nl else "nl"


def name(code: str) -> str:
    return {"en": "Engels", "nl": "Nederlands"}[code]
