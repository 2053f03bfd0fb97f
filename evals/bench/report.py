"""bench.md and the latency plot from a run's plain data; formatting only, nothing is measured here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

PROFILED = 20  # hybrid queries profiled per index, as in retrieval_bench
RETRIEVERS = (("query_embedding", "query embedding"), ("dense", "dense"), ("bm25", "BM25"), ("hybrid", "hybrid"))


def to_markdown(result: dict[str, Any], plot_name: str) -> str:
    """The whole report as Markdown."""
    parts = [
        "# welzijn-assistant benchmark",
        _header(result),
        "## Targets",
        targets_table(result.get("targets", [])),
        "## Ingest",
        _ingest(result.get("ingest", {})),
        "## Retrieval",
        _retrieval(result, plot_name),
        "## Answering",
        _answers(result.get("answers", {})),
        "## Start-up",
        _startup(result.get("startup", [])),
        "## Where the time goes",
        _evidence(result),
        "## How these figures were made",
        _method(result),
        "## Machine and versions",
        _machine(result["machine"]),
    ]
    return "\n\n".join(p for p in parts if p) + "\n"


def targets_table(targets: list[dict[str, Any]]) -> str:
    lines = ["| target | goal | measured | met |", "|---|---|---|---|"]
    for t in targets:
        measured = "not measured" if t["measured"] is None else f"{_num(t['measured'])} {t['unit']}"
        met = {True: "yes", False: "**no**", None: "–"}[t["met"]]
        lines.append(f"| {t['name']} | {t['target']} | {measured} | {met} |")
    return "\n".join(lines)


def retrieval_table(rows: list[dict[str, Any]]) -> str:
    latencies = " | ".join(f"{label} p50 / p95 (ms)" for _, label in RETRIEVERS)
    head = f"| chunks | Chroma | build (s)¹ | index load (s) | {latencies} |"
    lines = [head, "|" + "---|" * (4 + len(RETRIEVERS))]
    for r in rows:
        cells = [f"{r['chunks']:,}", r["store"], _num(r["build_s"], "ingest"), _num(r["load_s"])]
        cells += [f"{_num(r[key]['p50_ms'])} / {_num(r[key]['p95_ms'])}" for key, _ in RETRIEVERS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot_latency(result: dict[str, Any], path: Path) -> None:
    """Retrieval latency p50 (and hybrid p95) against index size, log-log, with the targets."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 5), dpi=110)
    rows = result.get("retrieval", [])
    colours = {key: f"C{i}" for i, (key, _) in enumerate(RETRIEVERS)}
    for store, style in (("embedded", "-"), ("server", "--")):
        mine = sorted((r for r in rows if r["store"] == store), key=lambda r: r["chunks"])
        if not mine:
            continue
        sizes = [r["chunks"] for r in mine]
        for key, label in RETRIEVERS:
            ax.plot(sizes, [r[key]["p50_ms"] for r in mine], style, marker="o", color=colours[key],
                    label=f"{label} p50, {store} Chroma")
        ax.plot(sizes, [r["hybrid"]["p95_ms"] for r in mine], style, marker="x", color=colours["hybrid"],
                alpha=0.4, label=f"hybrid p95, {store} Chroma")
    for limit, text in ((30, "target at seeds size: hybrid ≤ 30 ms"), (150, "target at 100k: hybrid ≤ 150 ms")):
        ax.axhline(limit, color="grey", linewidth=0.8, linestyle=":")
        ax.annotate(text, (0.99, limit * 0.95), xycoords=("axes fraction", "data"), fontsize=8, color="grey",
                    ha="right", va="top")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("index size (chunks)")
    ax.set_ylabel("latency per query (ms)")
    machine = result["machine"]
    ax.set_title(f"Retrieval latency, warm ({machine['usable_cores']} cores, {machine['date'][:10]})")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _header(result: dict[str, Any]) -> str:
    m = result["machine"]
    flags = ", ".join(f for f, on in m["cpu_flags"].items() if on) or "none of interest"
    commit = (m["git_commit"] or "unknown")[:10] + (" (with uncommitted changes)" if m["git_dirty"] else "")
    return (
        f"Measured {m['date']} on {m['cpu_model']}: {m['usable_cores']} usable cores, {m['ram_gb']} GB RAM "
        f"(CPU flags: {flags}). Load average (1/5/15 min) {_load(m['load_average_start'])} at the start and "
        f"{_load(m.get('load_average_end'))} at the end: other work on the machine slows every figure. "
        f"Commit {commit}. The whole run took {_num(result.get('duration_s'))} s."
    )


def _ingest(ingest: dict[str, Any]) -> str:
    lines = [
        "The real `ingest.pipeline.run_ingest` with the real embedding model, each corpus into a fresh data "
        "folder (empty embedding cache), then the same files once more.",
        "",
        "| corpus | files | chunks | embedding step (s) | chunks/s | whole ingest (s) | chunks/s "
        "| unchanged re-ingest (s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in ingest.get("runs", []):
        again = f"{_num(r['reingest_s'], digits=3)}" + ("" if r["reingest_up_to_date"] else " (not up to date!)")
        lines.append(
            f"| {r['label']} | {r['files']} | {r['chunks']} | {_num(r['embed_s'])} | {_num(r['embed_chunks_per_s'])} "
            f"| {_num(r['total_s'])} | {_num(r['total_chunks_per_s'])} | {again} |"
        )
    scale = ingest.get("scaling")
    if scale:
        lines += ["", (
            f"Scaling: {scale['chunk_ratio']}× the chunks took {scale['total_time_ratio']}× the time "
            f"(embedding step {scale['embed_time_ratio']}×); "
            f"time per chunk changed {scale['total_per_chunk_ratio']}× "
            "(1.0 is exactly linear)."
        )]
    return "\n".join(lines)


def _retrieval(result: dict[str, Any], plot_name: str) -> str:
    rows = sorted(result.get("retrieval", []), key=lambda r: (r["chunks"], r["store"]))
    vectors = result.get("sentence_vectors", {})
    n = rows[0]["query_embedding"]["n"] if rows else 0
    return "\n".join([
        f"Warm latency of {n} questions from `evals/questions.jsonl` through the project's own "
        "`assistant.rag.retriever.Knowledge`: `dense` (query embedding + Chroma), `sparse` (BM25) and the fused "
        "`retrieve` (hybrid = both + fusion). \"index load\" is the first request after a new version: "
        "manifest, BM25 build and Chroma client.",
        "",
        retrieval_table(rows),
        "",
        "¹ `IndexStore.publish` of the whole index, timed under cProfile (see below); the seeds' index is "
        "the one ingest built.",
        "",
        f"![retrieval latency against index size]({plot_name})",
        "",
        "The seeds' row is the index `welzijn ingest` built. Larger indexes hold the five original articles "
        "plus synthetic articles whose paragraphs are recombined sentences of the seeds, written with "
        "`IndexStore.publish` (the path ingest uses). **Their vectors are not the model's vectors of those "
        f"passages**: each of the {vectors.get('sentences', '?')} distinct seed sentences was embedded once with "
        f"the real model ({_num(vectors.get('seconds'))} s), and a synthetic chunk's vector is the normalised mean "
        "of its sentences' vectors. Embedding 100k passages for real would take about "
        f"{_hours(result)} on this machine.",
    ])


def _answers(answers: dict[str, Any]) -> str:
    parts = []
    ext = answers.get("extractive")
    if ext:
        parts.append(
            f"**Extractive backend**, `Assistant.answer` end to end over {ext['questions']} questions on the seeds' "
            f"index (warm; {ext['refused']} refused): p50 {_num(ext['total']['p50_ms'])} ms, p95 "
            f"{_num(ext['total']['p95_ms'])} ms, of which retrieval p50 {_num(ext['retrieval']['p50_ms'])} ms."
        )
    local = answers.get("local")
    if local and "error" in local:
        parts.append(f"**Local backend**: not measured: {local['error']}")
    elif local:
        parts.append(_local(local))
    return "\n\n".join(parts) or "Not measured."


def _local(local: dict[str, Any]) -> str:
    s = local["summary"]
    lines = [
        f"**Local backend** ({local['model']}, n_threads={local['n_threads']}, n_ctx={local['n_ctx']}, loaded in "
        f"{_num(local['load_s'])} s). Each question is answered by the project (`Assistant.stream`: retrieval, "
        "context, prompt, generation, citation check), then the exact `create_chat_completion` arguments it "
        "sent are sent again straight to the same loaded `llama_cpp.Llama` (no retrieval, no framework), twice: "
        "from nothing (bare) and with the same system message evaluated beforehand, untimed (bare+prefix). "
        "The model state is reset before each run; the project restores its saved system-message state, as "
        "it does when serving. The ratio compares the project with bare+prefix: the same prompt evaluation.",
        "",
        "| question | prompt tokens | answer tokens | TTFT project / bare+prefix / bare (s) | ratio "
        "| total project / bare (s) | generation tok/s project / bare |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in local["questions"]:
        p, b, bp = r["project"], r["bare"], r.get("bare_prefix") or r["bare"]
        ratio = p["ttft_s"] / bp["ttft_s"] if p["ttft_s"] and bp["ttft_s"] else None
        lines.append(
            f"| {r['question']} | {r['prompt_tokens']} | {r['answer_tokens']} "
            f"| {_num(p['ttft_s'])} / {_num(bp['ttft_s'])} / {_num(b['ttft_s'])} "
            f"| {_num(ratio, digits=3)} | {_num(p['total_s'])} / {_num(b['total_s'])} "
            f"| {_num(p['gen_tokens_per_s'])} / {_num(b['gen_tokens_per_s'])} |"
        )
    lines += ["", (
        f"p50 time to first token: project {_num(_s(s['project_ttft']['p50_ms']))} s, bare llama.cpp with the "
        f"system message evaluated {_num(_s(s['bare_prefix_ttft']['p50_ms']))} s (ratio "
        f"{_num(s['ttft_ratio_p50'], digits=3)}), bare llama.cpp from nothing {_num(_s(s['bare_ttft']['p50_ms']))} s "
        f"(reusing the system message saves {_num(s['prefix_saving_p50_ms'])} ms). Where the project's time goes "
        f"(p50 ms from the question): {_stage_text(s['stages_p50_ms'])}. Total p50: project "
        f"{_num(_s(s['project_total']['p50_ms']))} s, bare {_num(_s(s['bare_total']['p50_ms']))} s. Generation "
        f"{_num(s['project_gen_tokens_per_s'])} tok/s (project) vs {_num(s['bare_gen_tokens_per_s'])} tok/s (bare). "
        f"Same answer text in both runs for {s['same_text']} of {s['questions']} questions (greedy decoding)."
    )]
    return "\n".join(lines)


def _stage_text(stages: dict[str, Any]) -> str:
    return ", ".join(f"{name} {_num(ms)}" for name, ms in stages.items())


def _startup(rows: list[dict[str, Any]]) -> str:
    lines = [
        "`welzijn serve` started as a subprocess on a free port with the seeds' index; seconds from launch.",
        "",
        "| backend | page `/` answers 200 (s) | first `/api/ask` answered (s) | answered by | peak RSS (MB) |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['backend']} | failed: {r['error']} | | | |")
        else:
            lines.append(
                f"| {r['backend']} | {_num(r['page_s'])} | {_num(r['first_answer_s'])} | {r['answered_by']} "
                f"| {_num(r['peak_rss_mb'])} |"
            )
    return "\n".join(lines)


def _evidence(result: dict[str, Any]) -> str:
    """Breakdowns that say which part of a missed target is ours and which is the machine's."""
    lines = []
    for r in sorted(result.get("retrieval", []), key=lambda r: (r["chunks"], r["store"])):
        if "query_embedding_torch_threads" in r:
            one, two = r["query_embedding"], r["query_embedding_torch_threads"]
            lines.append(
                f"- {r['chunks']:,} chunks ({r['store']}): query embedding p50 / p95 on one torch thread (what "
                f"`Knowledge` does) {_num(one['p50_ms'])} / {_num(one['p95_ms'])} ms, on the process's torch threads "
                f"{_num(two['p50_ms'])} / {_num(two['p95_ms'])} ms; hybrid p50 {_num(r['hybrid']['p50_ms'])} ms = "
                f"embedding + Chroma ({_num(_minus(r['dense']['p50_ms'], one['p50_ms']))} ms) + BM25 "
                f"({_num(r['bm25']['p50_ms'])} ms) + fusion. "
                f"Most own time over {PROFILED} hybrid queries (cProfile): "
                f"{_profile(r.get('hybrid_profile'))}."
            )
        if r.get("build_profile"):
            lines.append(
                f"  Building it ({_num(r['build_s'])} s through `IndexStore.publish`, under cProfile): "
                f"{_profile(r['build_profile'])}."
            )
    local = result.get("answers", {}).get("local", {}).get("summary")
    if local:
        lines.append(
            f"- Local LLM: bare llama.cpp evaluates the prompt at {_num(local['bare_prompt_tokens_per_s'])} tokens/s "
            f"and generates {_num(local['bare_gen_tokens_per_s'])} tokens/s on this CPU, so a "
            f"{_num(local['prompt_tokens_max'])}-token prompt alone takes "
            f"{_num(_ratio(local['prompt_tokens_max'], local['bare_prompt_tokens_per_s']))} s before the first "
            "token, with or without the project around it (the project/bare ratio above is the project's share)."
        )
    if result.get("web_import_s") is not None:
        lines.append(
            f"- Start-up: a fresh Python needs {_num(result['web_import_s'])} s just to import the web app "
            "(gradio, FastAPI, llama-index); the page cannot answer before that."
        )
    return "\n".join(lines)


def _profile(top: list[dict[str, Any]] | None) -> str:
    if not top:
        return "not profiled"
    return ", ".join(f"`{t['function']}` {t['share']:.0%}" for t in top)


def _minus(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


def _method(result: dict[str, Any]) -> str:
    options = result.get("options", {})
    return "\n".join([
        f"- Command options: {', '.join(f'`{k}={v}`' for k, v in options.items())}.",
        f"- Embedding model `{result.get('embed_model', {}).get('name')}` loaded once "
        f"({_num(result.get('embed_model', {}).get('load_s'))} s) before any timing; "
        "ingest rates exclude loading it.",
        "- Latencies are wall-clock per call after warm-up queries; p50/p95 interpolate linearly between ranks.",
        "- The Chroma server is a real `chroma run` on 127.0.0.1, started and stopped by the benchmark.",
        "- A benchmark reports; it never fails on a number. Targets are compared in the table above.",
    ])


def _machine(m: dict[str, Any]) -> str:
    versions = ", ".join(f"{name} {version}" for name, version in m["packages"].items() if version)
    flags = ", ".join(f"{flag} {'yes' if on else 'no'}" for flag, on in m["cpu_flags"].items())
    return (
        f"{m['cores']} cores ({m['usable_cores']} usable), {m['cpu_model']}, {m['ram_gb']} GB RAM; "
        f"flags: {flags}.\n\n"
        f"Python {m['python']} on {m['platform']}; {versions}."
    )


def _hours(result: dict[str, Any]) -> str:
    runs = result.get("ingest", {}).get("runs", [])
    speed = max((r["embed_chunks_per_s"] or 0 for r in runs), default=0)
    return f"{100_000 / speed / 3600:.1f} hours" if speed else "hours"


def _load(values: list[float] | None) -> str:
    return " / ".join(f"{v:.2f}" for v in values) if values else "?"


def _s(ms: float | None) -> float | None:
    return None if ms is None else ms / 1000


def _num(value: float | None, fallback: str = "–", digits: int = 2) -> str:
    if value is None:
        return fallback
    if isinstance(value, int) or abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"
