"""Human-readable summary of an ingest."""

from __future__ import annotations

from ingest.pipeline import IngestReport


def format_report(report: IngestReport) -> str:
    """A few lines: what changed, what was embedded, what was skipped and why."""
    lines = []
    if report.up_to_date:
        lines.append(
            f"Index is actueel: {_files(report.files)}, {report.chunks} passages, 0 nieuwe embeddings "
            f"({report.seconds:.1f} s)."
        )
    else:
        lines.append(
            f"Index bijgewerkt (versie {report.version}): {_files(report.files)}, {report.chunks} passages, "
            f"{report.embedded} nieuwe embeddings, {report.reused} uit de cache ({report.seconds:.1f} s)."
        )
        for label, names in (("nieuw", report.added), ("gewijzigd", report.changed), ("verwijderd", report.removed)):
            if names:
                lines.append(f"  {label}: {', '.join(names)}")
    if report.skipped:
        lines.append(f"Overgeslagen ({len(report.skipped)}):")
        lines.extend(f"  {s.path}: {s.reason}" for s in report.skipped)
    return "\n".join(lines)


def _files(count: int) -> str:
    return f"{count} bestand" if count == 1 else f"{count} bestanden"
