"""`run_eval` end to end with the fake assistant (extractive backend, fake index): files, ids, report."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from evals.runner import format_summary, run_eval

WRR = "003_b4ac6d7293bc88c6.txt"
MOGROEP = "001_190c03d3c127cfd8.txt"
BMP = "002_2eb0ce1dd4be8871.txt"
SCRIPT_QUESTION = "Wat betekent <script>alert('x')</script> voor het welzijnswerk?"
QUESTION_SET = [
    {
        "id": "q1",
        "type": "factoid",
        "question": "Welke vier typen burgers onderscheidt de WRR?",
        "reference_sources": [WRR],
        "evidence": [
            "De WRR maakt onderscheid tussen de afhankelijke, afzijdige, afwachtende en actieve burgers"
        ],
        "facts": [["afhankelijk"], ["afzijdig"], ["afwachtend"], ["actieve", "actief"]],
        "answerable": True,
    },
    {
        "id": "q2",
        "type": "factoid",
        "question": "Wie is de voorzitter van de MOgroep Welzijn en maatschappelijke dienstverlening?",
        "reference_sources": [MOGROEP],
        "evidence": [
            "Jet Bussemaker is voorzitter van de MOgroep Welzijn en maatschappelijke dienstverlening"
        ],
        "facts": [["bussemaker"]],
        "answerable": True,
    },
    {
        "id": "q3",
        "type": "unanswerable",
        "question": SCRIPT_QUESTION,
        "reference_sources": [],
        "evidence": [],
        "facts": [],
        "answerable": False,
    },
    {
        "id": "c1",
        "type": "conversation",
        "turns": [
            {
                "question": "Wie is Saskia Moerbeek?",
                "reference_sources": [BMP],
                "evidence": [
                    "Saskia Moerbeek, directeur stichting Bevordering Maatschappelijke Participatie (BMP)"
                ],
                "facts": [["bevordering maatschappelijke participatie", "bmp"]],
                "answerable": True,
            },
            {
                "question": "Welke oplossing stelt ze voor in plaats van alleen individuele hulpverlening?",
                "reference_sources": [BMP],
                "evidence": [
                    "In plaats van alleen individuele hulpverlening zou er veel meer ruimte moeten "
                    "komen voor collectieve trajecten"
                ],
                "facts": [["collectieve", "collectief", "groepsgericht"]],
                "answerable": True,
            },
        ],
    },
]
ANSWER_FIELDS = {"question", "answer", "refused", "citations", "retrieved", "timings_ms", "backend"}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class Recording:
    """Wraps the assistant and records the question and history of every call."""

    def __init__(self, assistant) -> None:
        self.assistant = assistant
        self.calls: list[tuple[str, list[dict[str, str]]]] = []

    def answer(self, question, history=(), backend=None):
        self.calls.append((question, list(history)))
        return self.assistant.answer(question, history, backend)

    def warm_up(self, backend=None):
        self.assistant.warm_up(backend)


@pytest.fixture
def question_file(tmp_path):
    path = tmp_path / "questions.jsonl"
    path.write_text(
        "\n".join(json.dumps(q, ensure_ascii=False) for q in QUESTION_SET) + "\n", encoding="utf-8"
    )
    return path


@pytest.fixture
def run(settings, fake_assistant, question_file, tmp_path):
    recording = Recording(fake_assistant)
    out = tmp_path / "out"
    result = run_eval(
        settings, question_file, backend="extractive", out_dir=out, assistant=recording, progress=False
    )
    return result, recording, out


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_all_output_files_exist_and_parse(run):
    result, _, out = run
    for name in ("results.jsonl", "ragas.jsonl", "metrics.json", "report.md", "report.html"):
        assert (out / name).is_file(), name
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics == json.loads(json.dumps(result.metrics))
    assert set(metrics["by_type"]) == {"factoid", "unanswerable", "conversation"}
    assert metrics["overall"]["n"] == 5 and metrics["by_type"]["conversation"]["n"] == 2
    assert metrics["k"] == 5 and metrics["backend"] == "extractive"
    assert [item["id"] for item in metrics["items"]] == ["q1", "q2", "q3", "c1#0", "c1#1"]
    assert result.regressions == []
    answer_form = ("first_sentence_fact", "malformed_rate", "unsupported_entity_rate", "strict_correct")
    for figures in (metrics["overall"], *metrics["by_type"].values()):
        assert set(answer_form) <= set(figures)
    assert metrics["by_type"]["unanswerable"]["strict_correct"] is None  # only answerable items count
    assert all(name in (out / "report.md").read_text(encoding="utf-8") for name in answer_form)


def test_results_keep_every_answer_field_with_the_id(run):
    _, _, out = run
    lines = read_jsonl(out / "results.jsonl")
    assert [line["id"] for line in lines] == ["q1", "q2", "q3", "c1#0", "c1#1"]
    for line in lines:
        assert set(line) == ANSWER_FIELDS | {"id", "type"}
        assert set(line["timings_ms"]) >= {"first_token", "total"}
        assert line["backend"] == "extractive"
    assert lines[0]["citations"] and lines[0]["retrieved"]
    assert lines[3]["type"] == "conversation"


def test_conversation_turns_get_the_earlier_turns_as_history(run):
    _, recording, out = run
    lines = read_jsonl(out / "results.jsonl")
    first_turn = QUESTION_SET[3]["turns"][0]["question"]
    assert recording.calls[3] == (first_turn, [])
    assert recording.calls[4][1] == [
        {"role": "user", "content": first_turn},
        {"role": "assistant", "content": lines[3]["answer"]},
    ]
    assert all(history == [] for _, history in recording.calls[:3])


def test_ragas_lines_use_ragas_field_names(run):
    _, _, out = run
    lines = read_jsonl(out / "ragas.jsonl")
    assert len(lines) == 5
    for line in lines:
        assert set(line) == {"user_input", "retrieved_contexts", "response", "reference"}
        assert isinstance(line["retrieved_contexts"], list)
    assert lines[0]["user_input"] == QUESTION_SET[0]["question"]
    assert lines[0]["reference"] == QUESTION_SET[0]["evidence"][0]
    assert lines[2]["reference"] == ""


def test_the_wrr_question_is_retrieved_and_answered(run):
    result, _, _ = run
    row = result.rows[0]
    assert row.hit_at_k == 1.0 and row.recall_at_k == 1.0
    assert row.fact_recall == 1.0 and row.citation_validity == 1.0 and row.reference_source_cited == 1.0


def test_report_html_escapes_question_text(run):
    _, _, out = run
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert 'src="scores_by_type.png"' in page and 'src="latency.png"' in page
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "(scores_by_type.png)" in md and "(latency.png)" in md
    assert "<script>" not in md and "&lt;script&gt;" in md
    # Every item appears in the per-question table, worst first.
    assert all(f"| {i} |" in md for i in ("q1", "q2", "q3", "c1#0", "c1#1"))


def test_plots_are_png_files(run):
    _, _, out = run
    for name in ("scores_by_type.png", "latency.png"):
        data = (out / name).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 2000, name


def test_baseline_gate_passes_on_itself_and_fails_on_a_better_baseline(
    run, settings, question_file, tmp_path
):
    result, recording, out = run
    same = run_eval(
        settings,
        question_file,
        backend="extractive",
        out_dir=tmp_path / "again",
        assistant=recording,
        baseline=out / "metrics.json",
        progress=False,
    )
    assert same.regressions == [] and same.comparisons
    assert "Geen regressies" in format_summary(same)

    better = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    better["overall"]["recall@k"] = 1.0 + settings.evals.eval_tolerance + 0.01  # unreachable: must regress
    better["overall"]["total_p50_ms"] = 0.0  # faster latency in the baseline: never a regression
    (tmp_path / "better.json").write_text(json.dumps(better), encoding="utf-8")
    worse = run_eval(
        settings,
        question_file,
        backend="extractive",
        out_dir=tmp_path / "third",
        assistant=recording,
        baseline=tmp_path / "better.json",
        progress=False,
    )
    assert len(worse.regressions) == 1 and worse.regressions[0].startswith("recall@k")
    summary = format_summary(worse)
    assert "REGRESSIES" in summary and "recall@k" in summary
    assert "recall@k" in (tmp_path / "third" / "report.md").read_text(encoding="utf-8").split("## Cijfers")[0]


def test_summary_lists_headline_figures_per_type(run):
    result, _, _ = run
    summary = format_summary(result)
    for word in ("overall", "factoid", "conversation", "recall@k", "fact_recall", "total_p95_ms"):
        assert word in summary


def test_cli_reports_a_bad_question_file_without_a_traceback(tmp_path, monkeypatch):
    from assistant.cli.app import app

    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(QUESTION_SET[0]) + "\n{kapot\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    outcome = CliRunner().invoke(app, ["eval", "--questions", str(bad), "--out", str(tmp_path / "o")])
    assert outcome.exit_code == 1
    assert "regel 2" in outcome.output and "Traceback" not in outcome.output
    assert not isinstance(outcome.exception, Exception) or isinstance(outcome.exception, SystemExit)
