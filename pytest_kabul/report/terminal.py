"""The ``kabul readiness`` terminal summary section."""

from __future__ import annotations

from collections import Counter

from pytest_kabul.gate import State
from pytest_kabul.model import Severity
from pytest_kabul.report.results import Results
from pytest_kabul.report.scorecard import Scorecard, WaiverStatus


def waivers_table(source: str | None) -> str:
    """Where the waivers live, named after the config file that holds them."""
    if source is None:
        return "[tool.kabul.waivers]"
    if source.endswith("kabul.toml"):
        return f"[[waivers]] in {source}"
    return f"[tool.kabul.waivers] in {source}"


def summary_lines(
    results: Results, card: Scorecard, area_of: dict[str, str], config_source: str | None = None
) -> list[str]:
    rows = [row for row in card.rows if row.items]
    if not rows:
        return ["no readiness check ran", f"verdict: {card.headline}"]
    severities: dict[str, Counter[str]] = {}
    for finding, _state, _fp, item in results.finding_states():
        area = area_of.get(item.code, "project")
        severities.setdefault(area, Counter())[finding.severity.label] += 1
    header = f"{'area':<14}{'passed':>7}{'failed':>7}{'skipped':>8}{'waived':>7}" + "".join(
        f"{s.label:>10}" for s in reversed(Severity)
    )
    lines = [header]
    for row in rows:
        c = severities.get(row.area, Counter())
        lines.append(
            f"{row.area:<14}{row.passed:>7}{row.failed:>7}{row.skipped:>8}{row.waived:>7}"
            + "".join(f"{c[s.label]:>10}" for s in reversed(Severity))
        )
    counts = ", ".join(
        f"{card.states.get(state, 0)} {label}"
        for state, label in (
            (State.BLOCKING, "blocking"),
            (State.BELOW_LEVEL, "below fail-level"),
            (State.KNOWN, "known"),
            (State.WAIVED, "waived"),
        )
    )
    lines.append(f"verdict: {card.headline} (fail-level {card.fail_level.label}; {counts})")
    not_run = results.not_run()
    if not_run:
        lines.append("live checks that could not run here:")
        lines.extend(f"  {r.nodeid}: {r.reason or 'no reason given'}" for r in not_run)
    groups = (
        (State.BELOW_LEVEL, f"findings below fail-level {card.fail_level.label} (not failing):"),
        (State.KNOWN, "known findings (in the baseline, not failing):"),
        (State.WAIVED, "waived findings:"),
    )
    states = results.finding_states()
    for state, title in groups:
        chosen = [(f, item) for f, s, _, item in states if s is state]
        if chosen:
            lines.append(title)
            lines.extend(f"  {f.headline()} [{f.severity.label}]" for f, _ in chosen)
    for waiver in card.waivers_with(WaiverStatus.EXPIRED):
        until = waiver.waiver.until.isoformat() if waiver.waiver.until else "?"
        lines.append(f"EXPIRED waiver {waiver.describe()}: expired on {until}")
    for waiver in card.waivers_with(WaiverStatus.STALE):
        lines.append(
            f"STALE waiver {waiver.describe()}: matches no finding;"
            f" remove it from {waivers_table(config_source)}"
        )
    for kind, path in results.written:
        lines.append(f"{kind} report written to {path}")
    return lines
