"""Checks on the evaluation set evals/questions.jsonl (fast: no models, no network).

The set holds two kinds of items:
- a question: {id, type, question, reference_sources, evidence, facts, answerable}
- a conversation: {id, type: "conversation", turns: [{question, reference_sources, evidence, facts, answerable}, ...]}

Evidence quotes must occur in (at least one of) their reference sources after whitespace
normalisation and casefolding, so a quote may span a hard line wrap of the raw file.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = Path(__file__).parents[1] / "evals" / "questions.jsonl"
SEEDS = REPO / "seeds"

# Issue 12 added 8 attribution questions ("Wie zegt …?") and 7 attribution traps (a person named in the
# articles with a topic only someone else discusses): the total rose by their 15.
MIN_TOTAL = 71
MIN_PER_TYPE = {
    "factoid": 16,
    "paraphrase": 10,
    "synthesis": 6,
    "unanswerable": 8,
    "english": 6,
    "conversation": 5,
    "attribution": 8,
    "attribution_trap": 7,
}
TYPES = set(MIN_PER_TYPE)
MIN_REFS_PER_ARTICLE = 6
QUOTE_MIN_WORDS, QUOTE_MAX_WORDS = 5, 25
MIN_FACT_GROUPS, MAX_FACT_GROUPS = 1, 4
REQUIRED_FACTOID = "Welke vier typen burgers onderscheidt de WRR?"

QUESTION_KEYS = {
    "question": str,
    "reference_sources": list,
    "evidence": list,
    "facts": list,
    "answerable": bool,
}


def norm(text: str) -> str:
    """Collapse runs of whitespace (incl. line breaks, no-break spaces) to one space; casefold."""
    return " ".join(text.split()).casefold()


def load_items() -> list[dict]:
    assert QUESTIONS.is_file(), f"missing {QUESTIONS}"
    items = []
    with QUESTIONS.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:  # pragma: no cover - failure path
                pytest.fail(f"line {lineno}: invalid JSON: {exc}")
            assert isinstance(obj, dict), f"line {lineno}: not a JSON object"
            items.append(obj)
    return items


ITEMS = load_items()


def item_id(item: dict) -> str:
    return str(item.get("id", "<no id>"))


def question_units(items: list[dict]) -> list[tuple[str, dict]]:
    """Every single question, top-level or a conversation turn, with a label naming it."""
    units = []
    for item in items:
        if item.get("type") == "conversation":
            for i, turn in enumerate(item.get("turns", []), 1):
                units.append((f"{item_id(item)} turn {i}", turn))
        else:
            units.append((item_id(item), item))
    return units


UNITS = question_units(ITEMS)


def seed_texts() -> dict[str, str]:
    return {p.name: norm(p.read_text(encoding="utf-8")) for p in sorted(SEEDS.glob("*.txt"))}


SEED_TEXTS = seed_texts()


def check_question_schema(label: str, q: dict) -> None:
    for key, typ in QUESTION_KEYS.items():
        assert key in q, f"{label}: missing key {key!r}"
        assert isinstance(q[key], typ), f"{label}: {key!r} must be {typ.__name__}"
    assert q["question"].strip(), f"{label}: empty question"
    assert all(isinstance(s, str) and s for s in q["reference_sources"]), f"{label}: bad reference_sources"
    assert all(isinstance(e, str) and e.strip() for e in q["evidence"]), f"{label}: bad evidence"
    for group in q["facts"]:
        assert isinstance(group, list) and group, f"{label}: each fact group must be a non-empty list"
        for alt in group:
            assert isinstance(alt, str) and alt.strip(), f"{label}: fact alternatives must be non-empty strings"


def test_file_not_empty():
    assert ITEMS, "no items in questions.jsonl"


@pytest.mark.parametrize("item", ITEMS, ids=item_id)
def test_item_schema(item):
    label = item_id(item)
    assert isinstance(item.get("id"), str) and item["id"].strip(), f"{label}: id must be a non-empty string"
    assert item.get("type") in TYPES, f"{label}: unknown type {item.get('type')!r}"
    if item["type"] == "conversation":
        turns = item.get("turns")
        assert isinstance(turns, list), f"{label}: conversation needs a list 'turns'"
        assert 2 <= len(turns) <= 3, f"{label}: conversation must have 2-3 turns, has {len(turns)}"
        for i, turn in enumerate(turns, 1):
            assert isinstance(turn, dict), f"{label} turn {i}: not an object"
            check_question_schema(f"{label} turn {i}", turn)
    else:
        check_question_schema(label, item)


def test_unique_ids():
    counts = Counter(item_id(i) for i in ITEMS)
    dupes = sorted(k for k, v in counts.items() if v > 1)
    assert not dupes, f"duplicate ids: {dupes}"


def test_total_and_type_counts():
    assert len(ITEMS) >= MIN_TOTAL, f"only {len(ITEMS)} items, need >= {MIN_TOTAL}"
    counts = Counter(i.get("type") for i in ITEMS)
    for typ, minimum in MIN_PER_TYPE.items():
        assert counts[typ] >= minimum, f"type {typ!r}: {counts[typ]} items, need >= {minimum}"


def test_required_factoid_present():
    factoids = [i for i in ITEMS if i.get("type") == "factoid"]
    assert any(i.get("question") == REQUIRED_FACTOID for i in factoids), (
        f"the factoid {REQUIRED_FACTOID!r} is missing"
    )


def test_type_semantics():
    for item in ITEMS:
        label = item_id(item)
        typ = item.get("type")
        if typ in {"unanswerable", "attribution_trap"}:
            assert item.get("answerable") is False, f"{label}: {typ} item must have answerable false"
        elif typ in {"factoid", "paraphrase", "synthesis", "english", "attribution"}:
            assert item.get("answerable") is True, f"{label}: {typ} item must be answerable"
        if typ == "synthesis":
            assert len(set(item.get("reference_sources", []))) >= 2, f"{label}: synthesis needs >= 2 articles"


def test_synthesis_has_evidence_from_each_source():
    for item in ITEMS:
        if item.get("type") != "synthesis":
            continue
        label = item_id(item)
        for src in item["reference_sources"]:
            text = SEED_TEXTS.get(src, "")
            assert any(norm(e) in text for e in item["evidence"]), (
                f"{label}: no evidence quote taken from {src}"
            )


def test_attribution_items_ask_who_and_traps_name_someone_from_the_articles():
    for item in ITEMS:
        label, question = item_id(item), item.get("question", "")
        if item.get("type") == "attribution":
            assert question.startswith("Wie "), f"{label}: an attribution question asks 'Wie …?'"
        elif item.get("type") == "attribution_trap":
            # The person asked about (a capitalised word after the first) occurs in some article.
            names = re.findall(r"(?<=\s)[A-Z][a-z]+", question)
            assert any(norm(n) in text for n in names for text in SEED_TEXTS.values()), (
                f"{label}: a trap must name a person from the articles"
            )


def test_conversations():
    convs = [i for i in ITEMS if i.get("type") == "conversation"]
    for conv in convs:
        assert 2 <= len(conv.get("turns", [])) <= 3, f"{item_id(conv)}: needs 2-3 turns"
        assert conv["turns"][0].get("answerable") is True, f"{item_id(conv)}: first turn should be answerable"
    assert any(c["turns"][-1].get("answerable") is False for c in convs), (
        "no conversation ends with an unanswerable turn"
    )


def test_every_article_referenced_enough():
    assert SEED_TEXTS, f"no seed articles in {SEEDS}"
    refs = Counter()
    for _, q in UNITS:
        for src in set(q.get("reference_sources", [])):
            refs[src] += 1
    for name in SEED_TEXTS:
        assert refs[name] >= MIN_REFS_PER_ARTICLE, (
            f"article {name} is referenced by {refs[name]} questions, need >= {MIN_REFS_PER_ARTICLE}"
        )


@pytest.mark.parametrize("label,q", UNITS, ids=[u[0] for u in UNITS])
def test_sources_evidence_and_facts(label, q):
    if q.get("answerable") is False:
        assert q.get("reference_sources") == [], f"{label}: unanswerable must have no reference_sources"
        assert q.get("evidence") == [], f"{label}: unanswerable must have no evidence"
        assert q.get("facts") == [], f"{label}: unanswerable must have no facts"
        return

    sources = q.get("reference_sources", [])
    assert sources, f"{label}: answerable question without reference_sources"
    for src in sources:
        assert src in SEED_TEXTS, f"{label}: reference source {src!r} not found in seeds/"
    combined = " ".join(SEED_TEXTS[s] for s in sources)

    evidence = q.get("evidence", [])
    assert 1 <= len(evidence) <= 3, f"{label}: needs 1-3 evidence quotes, has {len(evidence)}"
    for quote in evidence:
        assert "\n" not in quote and "\r" not in quote, f"{label}: evidence contains a line break: {quote!r}"
        n_words = len(quote.split())
        assert QUOTE_MIN_WORDS <= n_words <= QUOTE_MAX_WORDS, (
            f"{label}: evidence quote has {n_words} words (want {QUOTE_MIN_WORDS}-{QUOTE_MAX_WORDS}): {quote!r}"
        )
        assert any(norm(quote) in SEED_TEXTS[s] for s in sources), (
            f"{label}: evidence quote not found in {sources}: {quote!r}"
        )

    facts = q.get("facts", [])
    assert MIN_FACT_GROUPS <= len(facts) <= MAX_FACT_GROUPS, (
        f"{label}: needs {MIN_FACT_GROUPS}-{MAX_FACT_GROUPS} fact groups, has {len(facts)}"
    )
    for group in facts:
        for alt in group:
            assert alt == alt.lower(), f"{label}: fact alternative should be lowercase: {alt!r}"
            assert len(alt.split()) <= 6, f"{label}: fact alternative too long: {alt!r}"
        # At least one phrasing per fact must be literally supported by the cited article(s).
        assert any(norm(alt) in combined for alt in group), (
            f"{label}: no alternative of fact group {group} occurs in {sources}"
        )
