"""CI gate: the extractive backend on the project's question set must not fall below evals/baseline.json."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.runner import format_summary, run_eval

BASELINE = Path(__file__).resolve().parents[1] / "evals" / "baseline.json"


@pytest.mark.slow
def test_extractive_backend_does_not_regress(real_settings, real_assistant, tmp_path):
    assert BASELINE.is_file(), (
        f"{BASELINE} is missing: run `welzijn eval --backend extractive --out DIR` "
        "and copy DIR/metrics.json there"
    )
    result = run_eval(
        real_settings,
        None,
        backend="extractive",
        out_dir=tmp_path / "eval",
        baseline=BASELINE,
        assistant=real_assistant,
        progress=False,
    )
    assert result.comparisons, "the baseline holds none of the gated metrics"
    assert not result.regressions, format_summary(result)
