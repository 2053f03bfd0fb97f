"""The regression gate: compare overall figures with an accepted metrics.json, within a tolerance."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.core.errors import WelzijnError
from evals.metrics import METRICS


@dataclass(frozen=True)
class Comparison:
    """One gated metric now and in the baseline."""

    metric: str
    current: float | None
    baseline: float
    delta: float | None  # current - baseline
    regressed: bool

    def describe(self) -> str:
        if self.current is None:
            return f"{self.metric}: niet gemeten in deze run (baseline {self.baseline:.3f})"
        return f"{self.metric}: {self.current:.3f}, baseline {self.baseline:.3f} ({self.delta:+.3f})"


def load_baseline(path: Path) -> dict[str, Any]:
    """The overall figures of a metrics.json (or a flat dict of figures)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise WelzijnError(f"Baseline niet gevonden: {path}") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WelzijnError(f"Baseline {path} is geen leesbare metrics.json: {exc}") from exc
    overall = data.get("overall", data) if isinstance(data, dict) else None
    if not isinstance(overall, dict):
        raise WelzijnError(f"Baseline {path}: verwacht een JSON-object met 'overall'")
    return overall


def compare(current: dict[str, Any], baseline: dict[str, Any], tolerance: float) -> list[Comparison]:
    """Every gated metric the baseline has; a drop of more than `tolerance` is a regression."""
    # Latency depends on the machine (and lower is better), so it is reported but never gated.
    comparisons = []
    for metric in METRICS:
        old = baseline.get(metric.name)
        if not metric.gated or not isinstance(old, int | float) or isinstance(old, bool):
            continue
        new = current.get(metric.name)
        if new is None:
            comparisons.append(Comparison(metric.name, None, float(old), None, True))
            continue
        delta = new - old
        worse = -delta if metric.higher_is_better else delta
        # The epsilon keeps a drop of exactly the tolerance (after rounding) from failing the gate.
        comparisons.append(
            Comparison(metric.name, new, float(old), round(delta, 4), worse > tolerance + 1e-9)
        )
    return comparisons


def regressions(comparisons: list[Comparison]) -> list[str]:
    return [c.describe() for c in comparisons if c.regressed]
