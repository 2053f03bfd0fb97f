"""Human-readable output of a run: report.md, report.html and the PNG plots both reports show."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.baseline import Comparison
from evals.metrics import METRICS, METRICS_BY_NAME, EvalRow

SCORES_PNG = "scores_by_type.png"
LATENCY_PNG = "latency.png"
# The per-type bar chart shows these figures; the tables show them all.
PLOTTED = (
    "score",
    "recall@k",
    "fact_recall",
    "first_sentence_fact",
    "strict_correct",
    "citation_precision",
    "citation_recall",
    "refusal_accuracy_unanswerable",
)
_MD_ANSWER_CHARS = 240


@dataclass(frozen=True)
class ReportInput:
    """Everything a report shows."""

    title: str
    backend: str
    questions: str
    metrics: dict[str, Any]
    rows: Sequence[EvalRow]
    comparisons: Sequence[Comparison]
    regressions: Sequence[str]


def fmt(name: str, value: object) -> str:
    """A figure as text: milliseconds whole, shares with three decimals, absent as a dash."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.0f}" if name.endswith("_ms") else f"{value:.3f}"
    return str(value)


def worst_first(rows: Sequence[EvalRow]) -> list[EvalRow]:
    return sorted(rows, key=lambda r: (r.score, r.id))


def write_reports(data: ReportInput, out_dir: Path) -> list[Path]:
    """Write the plots and both reports into `out_dir`; returns the paths written."""
    plots = write_plots(data, out_dir)
    md = out_dir / "report.md"
    md.write_text(render_markdown(data), encoding="utf-8")
    page = out_dir / "report.html"
    page.write_text(render_html(data), encoding="utf-8")
    return [*plots, md, page]


# --- plots --------------------------------------------------------------------------------------


def write_plots(data: ReportInput, out_dir: Path) -> list[Path]:
    """The per-type score bars and the latency histogram, drawn with the Agg canvas (no display)."""
    return [_plot_scores(data, out_dir / SCORES_PNG), _plot_latency(data, out_dir / LATENCY_PNG)]


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # A Figure with its own Agg canvas: pyplot's global state and backend are never touched.
    fig = Figure(figsize=(width, height), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _plot_scores(data: ReportInput, path: Path) -> Path:
    by_type: dict[str, dict[str, Any]] = {"overall": data.metrics["overall"], **data.metrics["by_type"]}
    groups = list(by_type)
    fig = _figure(max(7.0, 1.4 * len(groups) + 2), 4.4)
    ax = fig.add_subplot()
    width = 0.84 / len(PLOTTED)
    for i, name in enumerate(PLOTTED):
        values = [by_type[g].get(name) for g in groups]
        xs = [g + (i - (len(PLOTTED) - 1) / 2) * width for g in range(len(groups))]
        bars = ax.bar(
            xs, [float("nan") if v is None else v for v in values], width, label=METRICS_BY_NAME[name].label
        )
        # A zero is a result, not a missing bar: label it so it can be told apart from "not measured".
        for x, v in zip(xs, values, strict=True):
            if v == 0:
                ax.text(
                    x, 0.01, "0", ha="center", va="bottom", fontsize=7, color=bars.patches[0].get_facecolor()
                )
    ax.set_xticks(range(len(groups)), [f"{g}\n(n={by_type[g]['n']})" for g in groups], fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("score (0–1)")
    ax.set_title(f"Scores per vraagtype — {data.backend} (geen balk: niet van toepassing)")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=7, ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.16), frameon=False)
    fig.savefig(path, format="png")
    return path


def _plot_latency(data: ReportInput, path: Path) -> Path:
    fig = _figure(7.5, 4.0)
    ax = fig.add_subplot()
    first = [r.first_token_ms for r in data.rows if r.first_token_ms is not None]
    total = [r.total_ms for r in data.rows if r.total_ms is not None]
    everything = first + total
    if everything:
        low, high = max(min(everything), 0.1), max(everything)
        # A cold start (model loading) can be 50x a warm answer: a log axis keeps both readable.
        log = high / low > 20
        bins = _bins(low, high, log)
        ax.hist(total, bins=bins, alpha=0.5, label=f"totaal (n={len(total)})")
        ax.hist(first, bins=bins, histtype="step", linewidth=1.6, label=f"eerste token (n={len(first)})")
        if log:
            from matplotlib.ticker import FuncFormatter

            ax.set_xscale("log")
            ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
        overall = data.metrics["overall"]
        for name, style in (("total_p50_ms", "--"), ("total_p95_ms", ":")):
            if overall.get(name) is not None:
                ax.axvline(
                    overall[name],
                    color="black",
                    linestyle=style,
                    linewidth=1,
                    label=METRICS_BY_NAME[name].label,
                )
        ax.legend(fontsize=8)
    else:
        ax.text(0.5, 0.5, "geen tijden gemeten", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel("milliseconden")
    ax.set_ylabel("aantal vragen")
    ax.set_title(f"Latentie per vraag — {data.backend}")
    ax.grid(axis="y", alpha=0.3)
    fig.savefig(path, format="png")
    return path


def _bins(low: float, high: float, log: bool, n: int = 30) -> list[float]:
    if high <= low:
        high = low + 1.0
    if log:
        ratio = (high / low) ** (1 / n)
        return [low * ratio**i for i in range(n + 1)]
    step = (high - low) / n
    return [low + i * step for i in range(n + 1)]


# --- tables -------------------------------------------------------------------------------------


def _metric_names(metrics: dict[str, Any]) -> list[str]:
    counts = [k for k in metrics["overall"] if k == "n" or k.startswith("n_")]
    return counts + [m.name for m in METRICS]


def _item_columns(row: EvalRow) -> list[tuple[str, str]]:
    return [
        ("id", row.id),
        ("type", row.type),
        ("score", fmt("score", row.score)),
        ("geweigerd", fmt("", row.refused) + ("" if row.refused != row.answerable else " ✗")),
        ("feiten", fmt("", row.fact_recall)),
        ("feit 1e zin", fmt("", row.first_sentence_fact)),
        ("strikt", fmt("", row.strict_correct)),
        ("misvormd", fmt("", row.malformed)),
        ("naam/getal zonder bron", fmt("", row.unsupported_entity_rate)),
        ("recall@k", fmt("", row.recall_at_k)),
        ("MRR", fmt("", row.mrr)),
        ("cit. prec.", fmt("", row.citation_precision)),
        ("cit. recall", fmt("", row.citation_recall)),
        ("totaal ms", fmt("_ms", row.total_ms)),
    ]


def _md_cell(text: str) -> str:
    """One table cell: on one line, pipes escaped, and no raw HTML from questions or answers."""
    text = " ".join(text.split()).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("|", "\\|")


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def render_markdown(data: ReportInput) -> str:
    """report.md: headline figures, baseline comparison, plots, and every item worst first."""
    types = list(data.metrics["by_type"])
    lines = [
        f"# {data.title}",
        "",
        f"Backend: `{data.backend}` · vragenset: `{data.questions}` · "
        f"{data.metrics['overall']['n']} vragen/beurten",
        "",
    ]
    if data.regressions:
        lines += ["**Regressies ten opzichte van de baseline:**", ""]
        lines += [f"- {_md_cell(r)}" for r in data.regressions] + [""]
    lines += ["## Cijfers", "", "| metric | overall | " + " | ".join(types) + " |"]
    lines.append("|---" * (len(types) + 2) + "|")
    for name in _metric_names(data.metrics):
        cells = [fmt(name, data.metrics["overall"].get(name))]
        cells += [fmt(name, data.metrics["by_type"][t].get(name)) for t in types]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    if data.comparisons:
        lines += [
            "",
            "## Baseline",
            "",
            "| metric | nu | baseline | verschil | regressie |",
            "|---|---|---|---|---|",
        ]
        for c in data.comparisons:
            delta = "–" if c.delta is None else f"{c.delta:+.3f}"
            lines.append(
                f"| {c.metric} | {fmt(c.metric, c.current)} | {fmt(c.metric, c.baseline)} | {delta} | "
                f"{'**ja**' if c.regressed else 'nee'} |"
            )
    lines += [
        "",
        "## Grafieken",
        "",
        f"![Scores per vraagtype]({SCORES_PNG})",
        "",
        f"![Latentie]({LATENCY_PNG})",
        "",
        "## Per vraag (slechtste eerst)",
        "",
    ]
    headers = [h for h, _ in _item_columns(data.rows[0])] if data.rows else []
    lines += ["| " + " | ".join([*headers, "vraag", "antwoord"]) + " |", "|---" * (len(headers) + 2) + "|"]
    for row in worst_first(data.rows):
        cells = [_md_cell(v) for _, v in _item_columns(row)]
        cells += [_md_cell(row.question), _md_cell(_clip(row.answer, _MD_ANSWER_CHARS))]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", _SCORE_NOTE, ""]
    return "\n".join(lines)


_SCORE_NOTE = (
    "Score per vraag: bij onbeantwoordbare vragen en weigeringen 1 als weigeren juist was, anders 0; "
    "anders het gemiddelde van feiten-recall, evidence-recall@k, citatieprecisie en citatierecall."
)
_CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 0.85rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; vertical-align: top; text-align: left; }
th { background: #f2f2f2; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.bad td { background: #fff0f0; }
.regressions { color: #a00; }
img { max-width: 100%; display: block; margin: 1rem 0; }
"""


def render_html(data: ReportInput) -> str:
    """report.html: the same content as report.md, every text from the data escaped."""
    e = html.escape
    types = list(data.metrics["by_type"])
    parts = [
        "<!DOCTYPE html>",
        '<html lang="nl"><head><meta charset="utf-8">',
        f"<title>{e(data.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(data.title)}</h1>",
        f"<p>Backend: <code>{e(data.backend)}</code> · vragenset: <code>{e(data.questions)}</code> · "
        f"{data.metrics['overall']['n']} vragen/beurten</p>",
    ]
    if data.regressions:
        parts.append('<div class="regressions"><strong>Regressies ten opzichte van de baseline:</strong><ul>')
        parts += [f"<li>{e(r)}</li>" for r in data.regressions]
        parts.append("</ul></div>")
    parts += ["<h2>Cijfers</h2>", "<table><tr><th>metric</th><th>overall</th>"]
    parts += [f"<th>{e(t)}</th>" for t in types] + ["</tr>"]
    for name in _metric_names(data.metrics):
        values = [data.metrics["overall"].get(name)] + [data.metrics["by_type"][t].get(name) for t in types]
        cells = "".join(f'<td class="num">{e(fmt(name, v))}</td>' for v in values)
        parts.append(f"<tr><th>{e(name)}</th>{cells}</tr>")
    parts.append("</table>")
    if data.comparisons:
        parts.append(
            "<h2>Baseline</h2><table><tr><th>metric</th><th>nu</th><th>baseline</th>"
            "<th>verschil</th><th>regressie</th></tr>"
        )
        for c in data.comparisons:
            delta = "–" if c.delta is None else f"{c.delta:+.3f}"
            bad = ' class="bad"' if c.regressed else ""
            parts.append(
                f"<tr{bad}><th>{e(c.metric)}</th>"
                f'<td class="num">{e(fmt(c.metric, c.current))}</td>'
                f'<td class="num">{e(fmt(c.metric, c.baseline))}</td>'
                f'<td class="num">{e(delta)}</td><td>{"ja" if c.regressed else "nee"}</td></tr>'
            )
        parts.append("</table>")
    parts += [
        "<h2>Grafieken</h2>",
        f'<img src="{e(SCORES_PNG)}" alt="Scores per vraagtype">',
        f'<img src="{e(LATENCY_PNG)}" alt="Latentie">',
        "<h2>Per vraag (slechtste eerst)</h2>",
        "<table><tr>",
    ]
    headers = [h for h, _ in _item_columns(data.rows[0])] if data.rows else []
    parts += [f"<th>{e(h)}</th>" for h in [*headers, "vraag", "antwoord"]] + ["</tr>"]
    for row in worst_first(data.rows):
        bad = ' class="bad"' if row.score < 0.5 else ""
        cells = "".join(f"<td>{e(v)}</td>" for _, v in _item_columns(row))
        parts.append(f"<tr{bad}>{cells}<td>{e(row.question)}</td><td>{e(row.answer)}</td></tr>")
    parts += ["</table>", f"<p>{e(_SCORE_NOTE)}</p>", "</body></html>", ""]
    return "\n".join(parts)
