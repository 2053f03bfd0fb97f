"""`welzijn eval`: ask every question (conversations turn by turn), score, write results and reports."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.core.errors import WelzijnError
from evals.baseline import Comparison, compare, load_baseline, regressions
from evals.dataset import EvalEntry, EvalItem, default_questions_path, flatten, load_questions
from evals.metrics import EvalRow, aggregate, score_item
from evals.report import ReportInput, fmt, write_reports

if TYPE_CHECKING:
    from assistant.core.settings import Settings
    from assistant.core.types import Answer
    from assistant.rag.service import Assistant

# The figures `format_summary` shows, in this order.
HEADLINE = (
    "score",
    "hit@1",
    "hit@k",
    "recall@k",
    "mrr",
    "ndcg@k",
    "fact_recall",
    "citation_validity",
    "citation_precision",
    "citation_recall",
    "reference_source_cited",
    "first_sentence_fact",
    "malformed_rate",
    "unsupported_entity_rate",
    "strict_correct",
    "refusal_accuracy_unanswerable",
    "refusal_accuracy_answerable",
    "first_token_p50_ms",
    "first_token_p95_ms",
    "total_p50_ms",
    "total_p95_ms",
)


@dataclass
class EvalResult:
    """What one run measured, where it wrote it, and how it compares with the baseline."""

    metrics: dict[str, Any]
    rows: list[EvalRow]
    out_dir: Path
    backend: str
    questions: Path
    comparisons: list[Comparison] = field(default_factory=list)
    regressions: list[str] = field(default_factory=list)


def run_eval(
    settings: Settings,
    questions: Path | None = None,
    *,
    backend: str | None = None,
    out_dir: Path = Path("eval-out"),
    baseline: Path | None = None,
    limit: int | None = None,
    assistant: Assistant | None = None,
    progress: bool = True,
) -> EvalResult:
    """Ask every question, score the answers, write results, metrics and reports; compare with a baseline."""
    questions = Path(questions) if questions is not None else default_questions_path()
    entries = load_questions(questions, limit=limit)
    baseline_figures = load_baseline(baseline) if baseline is not None else None  # fail before the slow part
    if assistant is None:
        from assistant.rag.wiring import build_assistant

        assistant = build_assistant(settings)
    backend = backend or settings.llm.backend
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WelzijnError(f"Uitvoermap {out_dir} is niet aan te maken: {exc}") from exc

    assistant.warm_up(backend)  # model loading is a one-off, not part of any question's latency
    answers = ask_all(assistant, entries, backend, progress)
    rows = [score_item(item, answer, settings.answering.support_threshold) for item, answer in answers]
    metrics = {"backend": backend, "questions": str(questions), "k": settings.retrieval.top_k, **aggregate(rows)}
    metrics["items"] = [row.scores() for row in rows]
    result = EvalResult(metrics, rows, out_dir, backend, questions)
    if baseline_figures is not None:
        result.comparisons = compare(metrics["overall"], baseline_figures, settings.evals.eval_tolerance)
        result.regressions = regressions(result.comparisons)

    _write_jsonl(out_dir / "results.jsonl", (result_line(item, answer) for item, answer in answers))
    _write_jsonl(out_dir / "ragas.jsonl", (ragas_line(item, answer) for item, answer in answers))
    (out_dir / "metrics.json").write_text(
        json.dumps(metrics, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    report = ReportInput(
        title="Evaluatie welzijn-assistant",
        backend=backend,
        questions=str(questions),
        metrics=metrics,
        rows=rows,
        comparisons=result.comparisons,
        regressions=result.regressions,
    )
    write_reports(report, out_dir)
    return result


def ask_all(
    assistant: Assistant, entries: Sequence[EvalEntry], backend: str, progress: bool = True
) -> list[tuple[EvalItem, Answer]]:
    """Every item's answer; a conversation's turns get the earlier questions and answers as history."""
    from tqdm import tqdm

    items = flatten(list(entries))
    answers: list[tuple[EvalItem, Answer]] = []
    history: list[dict[str, str]] = []
    with tqdm(total=len(items), desc="Evalueren", unit=" vraag", disable=not progress) as bar:
        for item in items:
            if item.turn == 0:
                history = []
            try:
                answer = assistant.answer(item.question, list(history), backend=backend)
            except WelzijnError as exc:
                raise WelzijnError(f"Vraag {item.id}: {exc}") from exc
            if item.conversation is not None:
                history += [
                    {"role": "user", "content": item.question},
                    {"role": "assistant", "content": answer.answer},
                ]
            answers.append((item, answer))
            bar.update(1)
    return answers


def result_line(item: EvalItem, answer: Answer) -> dict[str, Any]:
    """A results.jsonl line: the documented Answer JSON plus the item's id and type."""
    return {"id": item.id, "type": item.type, **answer.to_json()}


def ragas_line(item: EvalItem, answer: Answer) -> dict[str, Any]:
    """A ragas.jsonl line in the field names of ragas' SingleTurnSample."""
    return {
        "user_input": item.question,
        "retrieved_contexts": [p.text for p in answer.retrieved],
        "response": answer.answer,
        "reference": " ".join(item.evidence),
    }


def _write_jsonl(path: Path, lines: Iterable[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for line in lines:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")


def format_summary(result: EvalResult) -> str:
    """A compact text table of the headline figures (overall, baseline, per type) and the regressions."""
    overall = result.metrics["overall"]
    by_type: dict[str, dict[str, Any]] = result.metrics["by_type"]
    baseline = {c.metric: c for c in result.comparisons}
    columns = ["overall"] + (["baseline", "Δ"] if baseline else []) + list(by_type)
    width = max(8, *(len(c) for c in columns))
    name_width = max(len(n) for n in HEADLINE)
    lines = [
        f"{overall['n']} vragen/beurten uit {result.questions} · backend {result.backend} "
        f"· uitvoer in {result.out_dir}",
        "",
        " " * name_width + "".join(f"  {c:>{width}}" for c in columns),
    ]
    counts = [str(overall["n"])] + (["", ""] if baseline else []) + [str(t["n"]) for t in by_type.values()]
    lines.append(f"{'n':<{name_width}}" + "".join(f"  {c:>{width}}" for c in counts))
    for name in HEADLINE:
        cells = [fmt(name, overall.get(name))]
        if baseline:
            c = baseline.get(name)
            delta = "" if c is None or c.delta is None else f"{c.delta:+.3f}"
            cells += [fmt(name, c.baseline) if c else "", delta]
        cells += [fmt(name, t.get(name)) for t in by_type.values()]
        lines.append(f"{name:<{name_width}}" + "".join(f"  {c:>{width}}" for c in cells))
    if result.comparisons:
        lines.append("")
        if result.regressions:
            lines.append(f"REGRESSIES (tolerantie overschreden): {len(result.regressions)}")
            lines += [f"  - {r}" for r in result.regressions]
        else:
            lines.append("Geen regressies ten opzichte van de baseline.")
    lines += ["", f"Rapport: {result.out_dir / 'report.html'}"]
    return "\n".join(lines)
