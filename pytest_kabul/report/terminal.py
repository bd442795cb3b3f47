"""The ``kabul readiness`` terminal summary section."""

from __future__ import annotations

from collections import Counter

from pytest_kabul.model import Severity
from pytest_kabul.registry import Check
from pytest_kabul.report.results import Results


def summary_lines(results: Results, checks: tuple[Check, ...], fail_level: Severity) -> list[str]:
    area_of = {c.code: c.area.value for c in checks}
    rows: dict[str, Counter[str]] = {}
    for result in results.items.values():
        area = area_of.get(result.code, "?")
        counts = rows.setdefault(area, Counter())
        counts[result.outcome] += 1
        for finding in result.findings:
            counts[finding.severity.label] += 1
    if not rows:
        return ["no readiness check ran"]
    header = f"{'area':<14}{'passed':>7}{'failed':>7}{'skipped':>8}" + "".join(
        f"{s.label:>10}" for s in reversed(Severity)
    )
    lines = [header]
    for area in sorted(rows):
        c = rows[area]
        lines.append(
            f"{area:<14}{c['passed']:>7}{c['failed']:>7}{c['skipped']:>8}"
            + "".join(f"{c[s.label]:>10}" for s in reversed(Severity))
        )
    below = [f for f in results.findings() if f.severity < fail_level]
    if below:
        lines.append(f"findings below fail-level {fail_level.label} (not failing):")
        lines.extend(f"  {f.headline()} [{f.severity.label}]" for f in below)
    for kind, path in results.written:
        lines.append(f"{kind} report written to {path}")
    return lines
