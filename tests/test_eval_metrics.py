"""Eval metrics, the baseline gate and question-set validation, on hand-made data (no models)."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pytest

from assistant.core.types import Answer, Citation, Passage
from assistant.core.errors import WelzijnError
from assistant.text.answer_form import BARE_URL, FRAGMENT, LOWER_CASE_START, SOURCE_LABEL, TRAILING_COLON
from evals.baseline import compare, load_baseline, regressions
from evals.dataset import EvalItem, default_questions_path, flatten, load_questions
from evals.metrics import (
    EvalRow,
    citation_precision,
    citation_recall,
    citation_validity,
    evidence_recall,
    fact_recall,
    first_sentence_fact,
    hit_at,
    malformed,
    ndcg,
    percentile,
    reciprocal_rank,
    relevance,
    score_item,
    summarize,
    unsupported_entity_rate,
)

WRR_QUOTE = "De WRR maakt onderscheid tussen de afhankelijke, afzijdige, afwachtende en actieve burgers"
WRR_PASSAGE = (
    "De WRR maakt onderscheid tussen de afhankelijke, afzijdige,\nafwachtende en actieve burgers, die "
    "respectievelijk 25, 30, 25 en 20 procent van de bevolking uitmaken."
)
HORTULANUS = (
    "Dat schrijft stadssocioloog Roelof Hortulanus in het discussiestuk 'De welzijnssector in beeld'."
)
OTHER = "Jet Bussemaker is voorzitter van de MOgroep Welzijn en maatschappelijke dienstverlening."


def cite(n: int, quote: str, source: str = "003.txt") -> Citation:
    return Citation(n=n, source=source, title="t", quote=quote, start=0, end=len(quote))


def passage(text: str, source: str = "003.txt") -> Passage:
    return Passage(id=text[:10], source=source, title="t", text=text, start=0, end=len(text), score=0.1)


def make_row(**values) -> EvalRow:
    base = dict(
        id="x",
        type="factoid",
        question="q",
        answer="a",
        answerable=True,
        refused=False,
        backend="extractive",
        k=5,
        hit_at_1=None,
        hit_at_k=None,
        recall_at_k=None,
        mrr=None,
        ndcg_at_k=None,
        fact_recall=None,
        citation_validity=None,
        citation_precision=None,
        citation_recall=None,
        reference_source_cited=None,
        first_sentence_fact=None,
        malformed=None,
        unsupported_entity_rate=None,
        strict_correct=None,
        refusal_correct=1.0,
        first_token_ms=None,
        total_ms=None,
        prompt_tokens=None,
        score=1.0,
    )
    return EvalRow(**(base | values))


# --- retrieval ---------------------------------------------------------------------------------


def test_relevance_ignores_case_and_line_breaks():
    rels = relevance([OTHER, WRR_PASSAGE.upper(), HORTULANUS], [WRR_QUOTE])
    assert rels == [False, True, False]


def test_hit_mrr_and_ndcg_computed_by_hand():
    rels = [False, True, False, True, False]
    assert hit_at(rels, 1) == 0.0
    assert hit_at(rels, 5) == 1.0
    assert reciprocal_rank(rels) == 0.5
    # DCG = 1/log2(3) + 1/log2(5); ideal (two relevant first) = 1 + 1/log2(3)
    expected = (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3))
    assert ndcg(rels) == pytest.approx(expected)
    assert ndcg(rels) == pytest.approx(0.6509, abs=1e-4)
    assert ndcg([True, False, False]) == 1.0
    assert ndcg([False, False]) == 0.0 and reciprocal_rank([False, False]) == 0.0


def test_evidence_recall_is_the_share_of_quotes_found():
    assert evidence_recall([WRR_PASSAGE, OTHER], [WRR_QUOTE, HORTULANUS]) == 0.5
    assert evidence_recall([WRR_PASSAGE, HORTULANUS], [WRR_QUOTE, HORTULANUS]) == 1.0


# --- answer and citations -----------------------------------------------------------------------


def test_fact_recall_counts_groups_with_some_alternative():
    facts = [["afhankelijk"], ["afzijdig"], ["afwachtend"], ["actieve", "actief"]]
    assert fact_recall("De AFHANKELIJKE en actieve burgers [1].", facts) == 0.5
    assert fact_recall("Niets hierover.", facts) == 0.0
    assert fact_recall("Over   twee\njaar.", [["twee jaar", "2 jaar"]]) == 1.0


def test_citation_validity_rejects_a_marker_without_citation_and_a_foreign_quote():
    passages = [WRR_PASSAGE]
    assert citation_validity("De WRR onderscheidt vier typen [1].", [cite(1, WRR_QUOTE)], passages) == 1.0
    assert citation_validity("De WRR onderscheidt vier typen [1][3].", [cite(1, WRR_QUOTE)], passages) == 0.0
    assert citation_validity("Een zin [1].", [cite(1, HORTULANUS)], passages) == 0.0


def test_citation_precision_and_recall():
    answer = (
        "De WRR onderscheidt afhankelijke, afzijdige, afwachtende en actieve burgers [1]. "
        "Hortulanus schreef het discussiestuk De welzijnssector in beeld [2]."
    )
    right = [cite(1, WRR_QUOTE), cite(2, HORTULANUS)]
    wrong = [cite(1, WRR_QUOTE), cite(2, OTHER)]
    assert citation_precision(answer, right, 0.5) == 1.0
    assert citation_recall(answer, right, 0.5) == 1.0
    assert citation_precision(answer, wrong, 0.5) == 0.5
    assert citation_recall(answer, wrong, 0.5) == 0.5
    # A citation no sentence refers to is not precise; no citations: precision does not apply.
    assert citation_precision("De WRR noemt afwachtende en actieve burgers [1].", right, 0.5) == 0.5
    assert citation_precision("Geen bronnen.", [], 0.5) is None


WRR_ITEM = EvalItem(
    id="f01",
    type="factoid",
    question="Welke vier typen burgers onderscheidt de WRR?",
    reference_sources=("003.txt",),
    evidence=(WRR_QUOTE,),
    facts=(("afhankelijk",), ("afzijdig",), ("afwachtend",), ("actieve", "actief")),
    answerable=True,
)
WRR_ANSWER = Answer(
    question=WRR_ITEM.question,
    answer="De WRR onderscheidt afhankelijke, afzijdige, afwachtende en actieve burgers [1].",
    refused=False,
    citations=(cite(1, WRR_QUOTE),),
    retrieved=(passage(OTHER, "001.txt"), passage(WRR_PASSAGE)),
    timings_ms={"retrieval": 3.0, "first_token": 4.0, "total": 9.0},
    backend="extractive",
)


def test_score_item_on_a_hand_made_answer():
    item, answer = WRR_ITEM, WRR_ANSWER
    row = score_item(item, answer, 0.5)
    assert (row.k, row.hit_at_1, row.hit_at_k, row.mrr, row.recall_at_k) == (2, 0.0, 1.0, 0.5, 1.0)
    assert row.fact_recall == 1.0 and row.citation_validity == 1.0 and row.reference_source_cited == 1.0
    assert row.citation_precision == 1.0 and row.citation_recall == 1.0
    assert row.refusal_correct == 1.0 and (row.first_token_ms, row.total_ms) == (4.0, 9.0)
    assert row.score == 1.0

    refused = replace(
        answer, answer="De artikelen geven geen antwoord op deze vraag.", refused=True, citations=()
    )
    row = score_item(item, refused, 0.5)
    assert row.refusal_correct == 0.0 and row.fact_recall == 0.0 and row.score == 0.0
    assert row.citation_precision is None and row.hit_at_k == 1.0  # retrieval is scored all the same


def test_refusal_accuracy_is_split_by_answerability():
    rows = [
        make_row(id="u1", answerable=False, refused=True, refusal_correct=1.0),
        make_row(id="u2", answerable=False, refused=False, refusal_correct=0.0),
        make_row(id="u3", answerable=False, refused=False, refusal_correct=0.0),
        make_row(id="a1", answerable=True, refused=False, refusal_correct=1.0),
    ]
    figures = summarize(rows)
    assert figures["refusal_accuracy_unanswerable"] == pytest.approx(0.3333, abs=1e-4)
    assert figures["refusal_accuracy_answerable"] == 1.0
    assert (figures["n"], figures["n_answerable"], figures["n_unanswerable"]) == (4, 1, 3)
    assert figures["fact_recall"] is None  # no row measures it


def test_percentiles_interpolate_between_ranks():
    assert percentile([40, 10, 30, 20], 50) == 25
    assert percentile([10, 20, 30, 40], 95) == pytest.approx(38.5)
    assert percentile([7.0], 95) == 7.0
    assert percentile([None, None], 50) is None
    rows = [make_row(id=str(i), first_token_ms=float(i), total_ms=float(10 * i)) for i in range(1, 6)]
    figures = summarize(rows)
    assert figures["first_token_p50_ms"] == 3.0 and figures["total_p95_ms"] == pytest.approx(48.0)


# --- answer form and entities ------------------------------------------------------------------

# Answers seen from the backends (issue 12), each with what makes it malformed.
MALFORMED = [
    ("en [1].", {FRAGMENT, LOWER_CASE_START}),
    ("Derde pijler [1]. Economisch [2]. Sociaal [3].", {FRAGMENT}),
    (f"Bron 1: {WRR_QUOTE}.", {SOURCE_LABEL}),
    ("De WRR onderscheidt vier typen burgers.\nDaarom roepen wij op tot [1]:", {TRAILING_COLON}),
    ("https://www.movisie.nl/publicatie/sociale-wijkteams-vijf-jaar-later [1]", {BARE_URL}),
    ("het welzijnswerk moet zich meer richten op preventie [1].", {LOWER_CASE_START}),
]
WELL_FORMED = [
    f"{WRR_QUOTE} [1].",
    "Lex Staal [1].",  # short, but it names someone
    "Ruim 400 [1].",  # short, but it is a number
    "‘Dat geloof ik absoluut niet,’ reageert Van Dijk [1].",
    # Well formed, though wrong: the form checks leave that to fact recall and entity support.
    "C3 is een organisatie die welzijnsorganisaties helpt [1]. Het doet het welzijnswerk een rol [2].",
]


@pytest.mark.parametrize("answer, problems", MALFORMED, ids=[a for a, _ in MALFORMED])
def test_malformed_answers_are_caught_with_their_reason(answer, problems):
    assert set(malformed(answer)) == problems


@pytest.mark.parametrize("answer", WELL_FORMED)
def test_well_formed_answers_pass(answer):
    assert malformed(answer) == []


def test_first_sentence_fact_looks_at_the_first_sentence_only():
    facts = [["afhankelijk"], ["actieve", "actief"]]
    side_first = f"Het pleidooi voor wijkgericht werken is zéker niet nieuw [1].\n{WRR_QUOTE} [2]."
    fact_first = f"{WRR_QUOTE} [2].\nHet pleidooi voor wijkgericht werken is zéker niet nieuw [1]."
    assert fact_recall(side_first, facts) == 1.0
    assert first_sentence_fact(side_first, facts) == 0.0
    assert first_sentence_fact(fact_first, facts) == 1.0
    assert first_sentence_fact("", facts) == 0.0


def test_unsupported_entities_are_names_and_numbers_missing_from_the_cited_quotes():
    numbers = "De WRR onderscheidt afhankelijke en actieve burgers: 25, 30, 25 en 20 procent [1]."
    assert unsupported_entity_rate(numbers, [cite(1, WRR_PASSAGE)]) == 0.0
    # WRR is in the short quote; 25, 30 and 20 are not.
    assert unsupported_entity_rate(numbers, [cite(1, WRR_QUOTE)]) == 0.75
    c3 = "C3 is een organisatie die welzijnsorganisaties helpt [1]."
    assert unsupported_entity_rate(c3, [cite(1, HORTULANUS)]) == 1.0
    van_dijk = (
        "Gert van Dijk, directeur van Stichting Welzijn Amersfoort, geeft zelfs aan dat hij ‘het eigen "
        "beleid gaat richten op deze aanbeveling"
    )
    wrong_org = "Volgens Gert van Dijk gaat Combiwel het eigen beleid richten op deze aanbeveling [1]."
    assert unsupported_entity_rate(wrong_org, [cite(1, van_dijk)]) == pytest.approx(1 / 3)  # Combiwel
    # A sentence is only backed by its own citations; no entities at all: not measured.
    assert unsupported_entity_rate("Lex Staal is directeur [2].", [cite(1, OTHER)]) == 1.0
    assert unsupported_entity_rate("Het rapport is positief [1].", [cite(1, OTHER)]) is None


def test_strict_correct_needs_all_facts_good_form_and_a_reference_source():
    item, good = WRR_ITEM, replace(WRR_ANSWER, answer=f"{WRR_QUOTE} [1].")
    row = score_item(item, good, 0.5)
    assert (row.strict_correct, row.first_sentence_fact, row.malformed, row.unsupported_entity_rate) == (
        1.0,
        1.0,
        0.0,
        0.0,
    )
    labelled = score_item(item, replace(good, answer=f"Bron 1: {WRR_QUOTE} [1]."), 0.5)
    assert (labelled.fact_recall, labelled.malformed, labelled.strict_correct) == (1.0, 1.0, 0.0)
    half = score_item(item, replace(good, answer="De WRR noemt afhankelijke burgers [1]."), 0.5)
    assert (half.fact_recall, half.strict_correct) == (0.25, 0.0)
    elsewhere = score_item(item, replace(good, citations=(cite(1, WRR_QUOTE, "001.txt"),)), 0.5)
    assert elsewhere.strict_correct == 0.0
    refused = score_item(item, replace(good, answer="", refused=True, citations=()), 0.5)
    assert (refused.strict_correct, refused.malformed, refused.unsupported_entity_rate) == (0.0, None, None)
    trap = score_item(replace(item, answerable=False, facts=(), evidence=()), good, 0.5)
    assert trap.strict_correct is None and trap.malformed == 0.0


def test_new_answer_metrics_are_aggregated_and_gated():
    rows = [
        make_row(id="a", malformed=1.0, strict_correct=0.0, first_sentence_fact=1.0),
        make_row(id="b", malformed=0.0, strict_correct=1.0, first_sentence_fact=1.0),
        make_row(id="c", malformed=0.0, strict_correct=1.0, first_sentence_fact=0.0),
        make_row(id="u", answerable=False, unsupported_entity_rate=0.5),
    ]
    figures = summarize(rows)
    assert figures["malformed_rate"] == pytest.approx(0.3333, abs=1e-4)
    assert figures["strict_correct"] == pytest.approx(0.6667, abs=1e-4)
    assert figures["first_sentence_fact"] == pytest.approx(0.6667, abs=1e-4)
    assert figures["unsupported_entity_rate"] == 0.5
    # Lower is better for the two rates: a rise regresses, a fall does not.
    assert regressions(compare({"malformed_rate": 0.05}, {"malformed_rate": 0.0}, 0.02))
    assert regressions(compare({"unsupported_entity_rate": 0.1}, {"unsupported_entity_rate": 0.0}, 0.02))
    assert not regressions(compare({"malformed_rate": 0.0}, {"malformed_rate": 0.2}, 0.02))
    assert regressions(compare({"strict_correct": 0.5}, {"strict_correct": 0.6}, 0.02))


# --- baseline gate ------------------------------------------------------------------------------


def test_a_drop_beyond_the_tolerance_is_a_regression():
    result = compare({"fact_recall": 0.70, "mrr": 0.80}, {"fact_recall": 0.75, "mrr": 0.80}, 0.02)
    assert regressions(result) and "fact_recall" in regressions(result)[0]
    assert [c.metric for c in result if c.regressed] == ["fact_recall"]


def test_a_drop_within_the_tolerance_or_a_rise_is_not():
    assert not regressions(
        compare({"fact_recall": 0.74, "mrr": 0.9}, {"fact_recall": 0.75, "mrr": 0.8}, 0.02)
    )
    assert not regressions(compare({"mrr": 0.78}, {"mrr": 0.80}, 0.02))  # exactly the tolerance


def test_slower_latency_is_never_a_regression():
    slower = {"total_p50_ms": 9000.0, "first_token_p95_ms": 5000.0, "mrr": 0.8}
    faster = {"total_p50_ms": 10.0, "first_token_p95_ms": 5.0, "mrr": 0.8}
    assert not regressions(compare(slower, faster, 0.02))
    assert all(not c.metric.endswith("_ms") for c in compare(slower, faster, 0.02))


def test_a_metric_the_run_no_longer_measures_is_a_regression():
    assert regressions(compare({"fact_recall": None}, {"fact_recall": 0.5}, 0.02))


def test_baseline_reads_a_metrics_json(tmp_path):
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps({"backend": "extractive", "overall": {"mrr": 0.5}, "by_type": {}}))
    assert load_baseline(path) == {"mrr": 0.5}
    with pytest.raises(WelzijnError, match="niet gevonden"):
        load_baseline(tmp_path / "missing.json")
    path.write_text("{not json")
    with pytest.raises(WelzijnError, match="metrics.json"):
        load_baseline(path)


# --- question sets ------------------------------------------------------------------------------

GOOD = {
    "id": "q1",
    "type": "factoid",
    "question": "Wie is Lex Staal?",
    "reference_sources": ["004.txt"],
    "evidence": ["Lex Staal, directeur van Sociaal Werk Nederland"],
    "facts": [["directeur"]],
    "answerable": True,
}
TURN = {k: v for k, v in GOOD.items() if k not in ("id", "type")}


def write_set(tmp_path, *lines: str):
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "bad, message",
    [
        ('{"id": "q2", "type": "factoid", "question": ', "geen geldige JSON"),
        (json.dumps([1, 2]), "JSON-object"),
        (
            json.dumps({k: v for k, v in GOOD.items() if k != "answerable"} | {"id": "q2"}),
            "'answerable' ontbreekt",
        ),
        (json.dumps(GOOD | {"id": "q2", "answerable": "yes"}), "'answerable' moet true of false"),
        (json.dumps(GOOD | {"id": "q2", "facts": ["directeur"]}), "'facts'"),
        (json.dumps(GOOD | {"id": "q2", "evidence": "één citaat"}), "'evidence' moet een lijst"),
        (json.dumps(GOOD), "komt al voor op regel 1"),
        (json.dumps({"id": "c1", "type": "conversation", "turns": []}), "minstens één beurt"),
        (json.dumps({"id": "c1", "type": "conversation", "turns": [TURN, {"question": "En?"}]}), "beurt 1"),
    ],
)
def test_invalid_lines_name_the_line_and_the_problem(tmp_path, bad, message):
    path = write_set(tmp_path, json.dumps(GOOD), bad)
    with pytest.raises(WelzijnError, match="regel 2") as info:
        load_questions(path)
    assert message in str(info.value)


def test_missing_and_empty_files_are_clear_errors(tmp_path):
    with pytest.raises(WelzijnError, match="niet gevonden"):
        load_questions(tmp_path / "nope.jsonl")
    with pytest.raises(WelzijnError, match="geen vragen"):
        load_questions(write_set(tmp_path, "", "   "))
    with pytest.raises(WelzijnError, match="limit"):
        load_questions(write_set(tmp_path, json.dumps(GOOD)), limit=0)


def test_conversation_turns_are_numbered_from_zero(tmp_path):
    conv = {"id": "c1", "type": "conversation", "turns": [TURN, TURN | {"answerable": False}]}
    entries = load_questions(write_set(tmp_path, json.dumps(GOOD), "", json.dumps(conv)))
    items = flatten(entries)
    assert [i.id for i in items] == ["q1", "c1#0", "c1#1"]
    assert [i.type for i in items] == ["factoid", "conversation", "conversation"]
    assert (items[2].conversation, items[2].turn, items[2].answerable) == ("c1", 1, False)
    assert [
        e.id for e in load_questions(write_set(tmp_path, json.dumps(GOOD), json.dumps(conv)), limit=1)
    ] == ["q1"]


def test_the_projects_own_set_loads():
    items = flatten(load_questions(default_questions_path()))
    assert len(items) >= 56
    assert any(i.conversation and i.turn == 1 for i in items)
