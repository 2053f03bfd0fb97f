"""Deterministic metrics (no LLM judge): per-item scores in a typed row, then aggregates per type.

Retrieval: a retrieved passage is relevant when it contains an evidence quote (whitespace- and
case-insensitive). Relevant passages outside the retrieved top k are unknown here, so the ideal
ranking of nDCG puts the retrieved relevant passages first; misses show up in hit@k and recall@k.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from assistant.core.types import Answer, Citation
from assistant.text.stems import normalize_space, support
from assistant.text.answer_form import malformed_reasons, unsupported_entities
from evals.dataset import EvalItem


@dataclass(frozen=True)
class EvalRow:
    """The scores of one question or conversation turn; None where a metric does not apply."""

    id: str
    type: str
    question: str
    answer: str
    answerable: bool
    refused: bool
    backend: str
    k: int
    hit_at_1: float | None
    hit_at_k: float | None
    recall_at_k: float | None
    mrr: float | None
    ndcg_at_k: float | None
    fact_recall: float | None
    citation_validity: float | None
    citation_precision: float | None
    citation_recall: float | None
    reference_source_cited: float | None
    first_sentence_fact: float | None
    malformed: float | None  # 1.0: some sentence is a fragment, a label, a bare URL, ...
    unsupported_entity_rate: float | None
    strict_correct: float | None
    refusal_correct: float
    first_token_ms: float | None
    total_ms: float | None
    prompt_tokens: int | None  # tokens the local model evaluated (None: no local model ran)
    score: float

    def scores(self) -> dict[str, object]:
        """The row without its texts: what metrics.json keeps per item."""
        return {k: v for k, v in vars(self).items() if k not in ("question", "answer")}


# --- retrieval ---------------------------------------------------------------------------------


def relevance(passages: Sequence[str], evidence: Sequence[str]) -> list[bool]:
    """Per retrieved passage (in rank order): whether it contains some evidence quote."""
    quotes = [normalize_space(q) for q in evidence]
    return [any(q in normalize_space(text) for q in quotes) for text in passages]


def hit_at(rels: Sequence[bool], k: int) -> float:
    return 1.0 if any(rels[:k]) else 0.0


def reciprocal_rank(rels: Sequence[bool]) -> float:
    return next((1.0 / rank for rank, rel in enumerate(rels, 1) if rel), 0.0)


def ndcg(rels: Sequence[bool]) -> float:
    """Binary-gain nDCG over the retrieved list; ideal = the retrieved relevant passages ranked first."""
    dcg = sum(1.0 / math.log2(rank + 1) for rank, rel in enumerate(rels, 1) if rel)
    n_relevant = sum(rels)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, n_relevant + 1))
    return dcg / ideal if ideal else 0.0


def evidence_recall(passages: Sequence[str], evidence: Sequence[str]) -> float:
    """Share of the evidence quotes found in some retrieved passage."""
    texts = [normalize_space(t) for t in passages]
    found = sum(any(normalize_space(q) in t for t in texts) for q in evidence)
    return found / len(evidence)


# --- answer -------------------------------------------------------------------------------------


def fact_recall(answer: str, facts: Sequence[Sequence[str]]) -> float:
    """Share of fact groups of which some alternative occurs in the answer (case-insensitive)."""
    text = normalize_space(answer)
    return sum(any(normalize_space(alt) in text for alt in group) for group in facts) / len(facts)


def first_sentence_fact(answer: str, facts: Sequence[Sequence[str]]) -> float:
    """1.0 when the answer's first sentence holds an alternative of some fact group."""
    claims = answer_claims(answer)
    return 1.0 if claims and fact_recall(claims[0][0], facts) > 0 else 0.0


def malformed(answer: str) -> list[str]:
    """Why the answer reads badly (fragments, labels, bare URLs, ...); empty when well formed."""
    return malformed_reasons(answer, answer_claims(answer))


def unsupported_entity_rate(answer: str, citations: Sequence[Citation]) -> float | None:
    """Share of the names and numbers in the answer that the quotes of their own sentence's citations lack.

    Who says a quote counts as part of it: "Jet Bussemaker: ‘…’" cites her own article.
    """
    quotes = {c.n: f"{c.quote} {c.speaker}" for c in citations}
    unsupported, total = unsupported_entities(answer_claims(answer), quotes)
    return unsupported / total if total else None


def strict_correct(facts: float | None, malformed_answer: bool, reference_cited: float) -> float:
    """1.0 for an answer with every key fact, well formed, that cites a reference article."""
    return 1.0 if facts in (None, 1.0) and not malformed_answer and reference_cited == 1.0 else 0.0


# --- citations ----------------------------------------------------------------------------------


def marker_numbers(text: str) -> list[int]:
    """The numbers of every [n] (or [n, m]) marker in `text`, in order, repeats included."""
    from assistant.rag.citations import MARKER  # imports the sentence splitter (nltk): only when scoring

    return [int(part) for group in MARKER.findall(text) for part in group.replace(";", ",").split(",")]


def answer_claims(answer: str) -> list[tuple[str, list[int]]]:
    """Each answer sentence without its markers, with the citation numbers it carries."""
    from assistant.rag.citations import MARKER
    from assistant.text.sentences import split_sentences

    claims = []
    for start, end in split_sentences(answer):
        sentence = answer[start:end]
        claim = MARKER.sub("", sentence).strip()
        if any(ch.isalnum() for ch in claim):
            claims.append((claim, list(dict.fromkeys(marker_numbers(sentence)))))
    return claims


def citation_validity(answer: str, citations: Sequence[Citation], passages: Sequence[str]) -> float:
    """1.0 when every marker has a citation and every citation quote is in a retrieved passage."""
    numbers = {c.n for c in citations}
    if any(n not in numbers for n in marker_numbers(answer)):
        return 0.0
    texts = [normalize_space(t) for t in passages]
    quotes_found = all(any(normalize_space(c.quote) in t for t in texts) for c in citations)
    return 1.0 if quotes_found else 0.0


def citation_precision(answer: str, citations: Sequence[Citation], threshold: float) -> float | None:
    """Share of citations whose quote supports every answer sentence that cites it (uncited ones fail)."""
    if not citations:
        return None
    claims = answer_claims(answer)
    precise = 0
    for citation in citations:
        citing = [claim for claim, numbers in claims if citation.n in numbers]
        if citing and all(support(claim, citation.quote) >= threshold for claim in citing):
            precise += 1
    return precise / len(citations)


def citation_recall(answer: str, citations: Sequence[Citation], threshold: float) -> float | None:
    """Share of answer sentences that the quotes of their own citations, together, support."""
    claims = answer_claims(answer)
    if not claims:
        return None
    quotes = {c.n: c.quote for c in citations}
    supported = 0
    for claim, numbers in claims:
        cited = " ".join(quotes[n] for n in numbers if n in quotes)
        if cited and support(claim, cited) >= threshold:
            supported += 1
    return supported / len(claims)


def reference_source_cited(citations: Sequence[Citation], reference_sources: Sequence[str]) -> float:
    return 1.0 if any(c.source in reference_sources for c in citations) else 0.0


# --- one item -----------------------------------------------------------------------------------


def score_item(item: EvalItem, answer: Answer, threshold: float) -> EvalRow:
    """All metrics of one answer to one question."""
    texts = [p.text for p in answer.retrieved]
    k = len(texts)
    retrieval = item.answerable and bool(item.evidence)
    rels = relevance(texts, item.evidence) if retrieval else []
    cited = item.answerable and not answer.refused
    facts: float | None = None
    first_fact: float | None = None
    if item.answerable and item.facts:
        facts = 0.0 if answer.refused else fact_recall(answer.answer, item.facts)
        first_fact = 0.0 if answer.refused else first_sentence_fact(answer.answer, item.facts)
    bad_form = None if answer.refused else float(bool(malformed(answer.answer)))
    reference = reference_source_cited(answer.citations, item.reference_sources) if cited else None
    strict = None
    if item.answerable:
        strict = 0.0 if reference is None else strict_correct(facts, bad_form == 1.0, reference)
    row = EvalRow(
        id=item.id,
        type=item.type,
        question=item.question,
        answer=answer.answer,
        answerable=item.answerable,
        refused=answer.refused,
        backend=answer.backend,
        k=k,
        hit_at_1=hit_at(rels, 1) if retrieval else None,
        hit_at_k=hit_at(rels, k) if retrieval else None,
        recall_at_k=evidence_recall(texts, item.evidence) if retrieval else None,
        mrr=reciprocal_rank(rels) if retrieval else None,
        ndcg_at_k=ndcg(rels) if retrieval else None,
        fact_recall=facts,
        citation_validity=citation_validity(answer.answer, answer.citations, texts) if cited else None,
        citation_precision=citation_precision(answer.answer, answer.citations, threshold) if cited else None,
        citation_recall=citation_recall(answer.answer, answer.citations, threshold) if cited else None,
        reference_source_cited=reference,
        first_sentence_fact=first_fact,
        malformed=bad_form,
        unsupported_entity_rate=None
        if answer.refused
        else unsupported_entity_rate(answer.answer, answer.citations),
        strict_correct=strict,
        refusal_correct=1.0 if answer.refused != item.answerable else 0.0,
        first_token_ms=answer.timings_ms.get("first_token"),
        total_ms=answer.timings_ms.get("total"),
        prompt_tokens=answer.prompt_tokens or None,
        score=0.0,
    )
    return _with_score(row)


def _with_score(row: EvalRow) -> EvalRow:
    """One figure per item to sort the report by: refusal right or wrong, else the mean answer quality."""
    if not row.answerable or row.refused:
        score = row.refusal_correct
    else:
        parts = [
            v
            for v in (row.fact_recall, row.recall_at_k, row.citation_precision, row.citation_recall)
            if v is not None
        ]
        score = sum(parts) / len(parts) if parts else 1.0
    return replace(row, score=round(score, 4))


# --- aggregates ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Metric:
    """One aggregate figure: how it is computed, which way is better, and whether the baseline gates it."""

    name: str
    compute: Callable[[Sequence[EvalRow]], float | None]
    higher_is_better: bool
    gated: bool
    label: str


def mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def percentile(values: Sequence[float | None], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation between ranks, as numpy's default."""
    present = sorted(v for v in values if v is not None)
    if not present:
        return None
    pos = (len(present) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return present[lo] + (present[hi] - present[lo]) * (pos - lo)


def _mean_of(field: str) -> Callable[[Sequence[EvalRow]], float | None]:
    return lambda rows: mean([getattr(r, field) for r in rows])


def _refusal(answerable: bool) -> Callable[[Sequence[EvalRow]], float | None]:
    return lambda rows: mean([r.refusal_correct for r in rows if r.answerable == answerable])


def _latency(field: str, q: float) -> Callable[[Sequence[EvalRow]], float | None]:
    return lambda rows: percentile([getattr(r, field) for r in rows], q)


def _largest(field: str) -> Callable[[Sequence[EvalRow]], float | None]:
    return lambda rows: max((v for r in rows if (v := getattr(r, field)) is not None), default=None)


METRICS: tuple[Metric, ...] = (
    Metric("score", _mean_of("score"), True, True, "mean item score"),
    Metric("hit@1", _mean_of("hit_at_1"), True, True, "hit@1"),
    Metric("hit@k", _mean_of("hit_at_k"), True, True, "hit@k"),
    Metric("recall@k", _mean_of("recall_at_k"), True, True, "evidence recall@k"),
    Metric("mrr", _mean_of("mrr"), True, True, "MRR"),
    Metric("ndcg@k", _mean_of("ndcg_at_k"), True, True, "nDCG@k"),
    Metric("fact_recall", _mean_of("fact_recall"), True, True, "key-fact recall"),
    Metric("citation_validity", _mean_of("citation_validity"), True, True, "citation validity"),
    Metric("citation_precision", _mean_of("citation_precision"), True, True, "citation precision"),
    Metric("citation_recall", _mean_of("citation_recall"), True, True, "citation recall"),
    Metric(
        "reference_source_cited", _mean_of("reference_source_cited"), True, True, "reference source cited"
    ),
    Metric("first_sentence_fact", _mean_of("first_sentence_fact"), True, True, "key fact in first sentence"),
    Metric("malformed_rate", _mean_of("malformed"), False, True, "malformed answers"),
    Metric(
        "unsupported_entity_rate",
        _mean_of("unsupported_entity_rate"),
        False,
        True,
        "names/numbers not in cited quotes",
    ),
    Metric("strict_correct", _mean_of("strict_correct"), True, True, "strictly correct"),
    Metric("refusal_accuracy_unanswerable", _refusal(False), True, True, "refused when unanswerable"),
    Metric("refusal_accuracy_answerable", _refusal(True), True, True, "answered when answerable"),
    # Latency depends on the machine: reported, never gated.
    Metric("first_token_p50_ms", _latency("first_token_ms", 50), False, False, "first token p50 (ms)"),
    Metric("first_token_p95_ms", _latency("first_token_ms", 95), False, False, "first token p95 (ms)"),
    Metric("total_p50_ms", _latency("total_ms", 50), False, False, "total p50 (ms)"),
    Metric("total_p95_ms", _latency("total_ms", 95), False, False, "total p95 (ms)"),
    Metric("prompt_tokens_max", _largest("prompt_tokens"), False, False, "largest local prompt (tokens)"),
)
METRICS_BY_NAME = {m.name: m for m in METRICS}


def summarize(rows: Sequence[EvalRow]) -> dict[str, float | int | None]:
    """Counts and every metric over these rows (None where no row measures it)."""
    figures: dict[str, float | int | None] = {
        "n": len(rows),
        "n_answerable": sum(r.answerable for r in rows),
        "n_unanswerable": sum(not r.answerable for r in rows),
        "n_answered": sum(r.answerable and not r.refused for r in rows),
    }
    for metric in METRICS:
        value = metric.compute(rows)
        figures[metric.name] = None if value is None else round(value, 4)
    return figures


def aggregate(rows: Sequence[EvalRow]) -> dict[str, object]:
    """Figures overall and per question type (conversation turns count as "conversation")."""
    types = list(dict.fromkeys(r.type for r in rows))
    return {
        "overall": summarize(rows),
        "by_type": {t: summarize([r for r in rows if r.type == t]) for t in types},
    }
