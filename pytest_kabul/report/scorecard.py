"""The readiness scorecard: per-area counts, worst severity, waivers and the overall verdict.

Shared by the terminal summary, the HTML report and the JSON/SARIF writers so that every output
tells the same story.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pytest_kabul.config import Waiver
from pytest_kabul.gate import State, waiver_dict
from pytest_kabul.model import Area, Severity
from pytest_kabul.registry import Check
from pytest_kabul.report.results import ItemResult, Results


class Verdict(enum.Enum):
    # No check ran, the session stopped or errored before the checks ran, or (under
    # --kabul-require-live) a live check could not run.
    INCOMPLETE = "Incomplete"
    NOT_READY = "Not ready"
    READY_WITH_WARNINGS = "Ready with warnings"
    READY = "Ready"

    @property
    def slug(self) -> str:
        return self.name.lower().replace("_", "-")


class WaiverStatus(enum.Enum):
    APPLIED = "applied"  # waived at least one item with findings
    EXPIRED = "expired"  # matched findings but its ``until`` date has passed
    STALE = "stale"  # its check ran and it matched no finding: remove it
    NOT_RUN = "not-run"  # its check did not run in this session (deselected)


@dataclass(frozen=True, kw_only=True)
class AreaRow:
    area: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    waived: int = 0
    known: int = 0
    below_level: int = 0
    worst: Severity | None = None

    @property
    def items(self) -> int:
        return self.passed + self.failed + self.skipped + self.waived

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "failed": self.failed,
            "skipped": self.skipped,
            "waived": self.waived,
            "known": self.known,
            "below_level": self.below_level,
            "worst_severity": self.worst.label if self.worst else None,
        }


@dataclass(frozen=True, kw_only=True)
class WaiverReport:
    index: int
    waiver: Waiver
    status: WaiverStatus
    items: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {**waiver_dict(self.waiver), "status": self.status.value, "items": list(self.items)}

    def describe(self) -> str:
        subject = f"[{self.waiver.subject}]" if self.waiver.subject else ""
        return f"{self.waiver.code}{subject} ({self.waiver.reason})"


@dataclass(frozen=True, kw_only=True)
class Scorecard:
    fail_level: Severity
    rows: tuple[AreaRow, ...]
    verdict: Verdict
    states: Counter[State] = field(default_factory=Counter)
    waivers: tuple[WaiverReport, ...] = ()
    not_run: tuple[str, ...] = ()  # node ids of live checks that could not run here
    incomplete: str | None = None  # why the verdict is "Incomplete"

    @property
    def headline(self) -> str:
        """The verdict as shown: ``Ready — 2 live checks could not run``."""
        text = self.verdict.value
        if self.verdict is Verdict.INCOMPLETE and self.incomplete:
            return f"{text}: {self.incomplete}"
        n = len(self.not_run)
        if n and self.verdict is not Verdict.INCOMPLETE:
            text += f" — {n} live check{'s' if n != 1 else ''} could not run"
        return text

    def waivers_with(self, status: WaiverStatus) -> tuple[WaiverReport, ...]:
        return tuple(w for w in self.waivers if w.status is status)

    def to_dict(self) -> dict[str, Any]:
        return {
            "fail_level": self.fail_level.label,
            "verdict": self.verdict.value,
            "headline": self.headline,
            "passed": self.verdict not in (Verdict.NOT_READY, Verdict.INCOMPLETE),
            "not_run": list(self.not_run),
            "incomplete": self.incomplete,
            "finding_states": {
                k.value: self.states.get(k, 0)
                for k in (State.BLOCKING, State.BELOW_LEVEL, State.KNOWN, State.WAIVED)
            },
            "areas": {row.area: row.to_dict() for row in self.rows},
        }


AREA_ORDER = (
    Area.DEPENDENCIES,
    Area.SETTINGS,
    Area.MIGRATIONS,
    Area.SCALING,
    Area.DEPLOYMENT,
    Area.STORAGE,
    Area.FRONTEND,
    Area.PROJECT,
)


def _row(area: str, results: Sequence[ItemResult]) -> AreaRow:
    status = Counter(r.status for r in results)
    states = Counter(s for r in results for s in r.states)
    severities = [f.severity for r in results for f in r.findings]
    return AreaRow(
        area=area,
        passed=status["passed"],
        failed=status["failed"],
        skipped=status["skipped"],
        waived=status["waived"],
        known=states[State.KNOWN],
        below_level=states[State.BELOW_LEVEL],
        worst=max(severities) if severities else None,
    )


def waiver_reports(waivers: Sequence[Waiver], results: Results) -> tuple[WaiverReport, ...]:
    out: list[WaiverReport] = []
    ran = results.sorted()
    for index, waiver in enumerate(waivers):
        hits = [r for r in ran if r.waiver is not None and r.waiver.get("index") == index]

        def covers(code: str, subject: str | None, waiver: Waiver = waiver) -> bool:
            return code.startswith(waiver.code) and waiver.subject in (None, subject)

        if any(h.waiver and h.waiver.get("expired") for h in hits):
            status = WaiverStatus.EXPIRED
        elif hits:
            status = WaiverStatus.APPLIED
        elif any(covers(code, subject) for code, subject in results.deselected):
            # -k/-m/--lf left out an item it could apply to: unknown, not stale.
            status = WaiverStatus.NOT_RUN
        elif any(r.code.startswith(waiver.code) for r in ran):
            status = WaiverStatus.STALE
        else:
            status = WaiverStatus.NOT_RUN
        out.append(
            WaiverReport(
                index=index, waiver=waiver, status=status, items=tuple(h.nodeid for h in hits)
            )
        )
    return tuple(out)


def build_scorecard(
    results: Results,
    checks: Sequence[Check],
    fail_level: Severity,
    waivers: Sequence[Waiver],
    *,
    incomplete: str | None = None,
) -> Scorecard:
    """``incomplete`` is the session's own reason the results cannot be trusted (it stopped,
    errored before the checks ran); no result at all is incomplete too."""
    area_of = {c.code: c.area.value for c in checks}
    by_area: dict[str, list[ItemResult]] = {a.value: [] for a in AREA_ORDER}
    for result in results.sorted():
        by_area.setdefault(area_of.get(result.code, Area.PROJECT.value), []).append(result)
    rows = tuple(_row(area, items) for area, items in by_area.items())
    states = Counter(s for r in results.items.values() for s in r.states)
    reports = waiver_reports(waivers, results)
    not_run = tuple(r.nodeid for r in results.not_run())
    if incomplete is None and not results.items:
        incomplete = "no readiness check ran"
    judged_failed = any(r.outcome == "failed" and not r.not_run for r in results.sorted())
    required = [r for r in results.not_run() if r.outcome == "failed"]
    if incomplete is None and required and not judged_failed:
        n = len(required)
        incomplete = f"{n} live check{'s' if n != 1 else ''} could not run (--kabul-require-live)"
    if incomplete is not None:
        verdict = Verdict.INCOMPLETE
    elif judged_failed:
        verdict = Verdict.NOT_READY
    elif sum(states.values()) or any(w.status is WaiverStatus.STALE for w in reports):
        verdict = Verdict.READY_WITH_WARNINGS
    else:
        verdict = Verdict.READY
    return Scorecard(
        fail_level=fail_level, rows=rows, verdict=verdict, states=states, waivers=reports,
        not_run=not_run, incomplete=incomplete,
    )  # fmt: skip
