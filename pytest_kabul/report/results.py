"""Per-item results gathered from test reports (so they work across xdist workers)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pytest_kabul.gate import State
from pytest_kabul.model import Finding
from pytest_kabul.payload import ItemPayload


@dataclass(frozen=True, kw_only=True)
class ItemResult:
    nodeid: str
    code: str
    subject: str | None
    outcome: str  # passed / failed / skipped
    findings: tuple[Finding, ...] = ()
    reason: str | None = None
    note: str | None = None
    # The gate's decision (see pytest_kabul.gate), parallel to ``findings``.
    states: tuple[State, ...] = ()
    fingerprints: tuple[str, ...] = ()
    waiver: Mapping[str, Any] | None = None
    not_run: bool = False  # a live check that could not run here (see ItemPayload.not_run)
    observed: str | None = None  # what a passing live item observed

    @classmethod
    def from_report(cls, report: Any, payload: ItemPayload) -> ItemResult:
        reason = payload.skipped or payload.error  # a crashed or unsafe item says why
        if reason is None and report.skipped and isinstance(report.longrepr, tuple):
            reason = str(report.longrepr[2]).removeprefix("Skipped: ")
        return cls(
            nodeid=report.nodeid,
            code=payload.code,
            subject=payload.subject,
            outcome=report.outcome,
            findings=payload.findings,
            reason=reason,
            note=payload.note,
            states=payload.states,
            fingerprints=payload.fingerprints,
            waiver=payload.waiver,
            not_run=payload.not_run,
            observed=payload.observed,
        )

    @property
    def waived(self) -> bool:
        return self.outcome == "skipped" and State.WAIVED in self.states

    @property
    def status(self) -> str:
        """passed / failed / skipped / waived (a waived item is a skip with a waiver)."""
        return "waived" if self.waived else self.outcome

    def state_of(self, index: int) -> State:
        return self.states[index] if index < len(self.states) else State.BLOCKING

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodeid": self.nodeid,
            "code": self.code,
            "subject": self.subject,
            "outcome": self.outcome,
            "reason": self.reason,
            "note": self.note,
            "findings": len(self.findings),
            "status": self.status,
            "finding_states": dict(sorted(Counter(s.value for s in self.states).items())),
            "waiver": dict(self.waiver) if self.waiver is not None else None,
            "not_run": self.not_run,
            "observed": self.observed,
        }


@dataclass
class Results:
    items: dict[str, ItemResult] = field(default_factory=dict)
    written: list[tuple[str, str]] = field(default_factory=list)
    # (code, subject) of readiness items deselected by -k/-m/--lf (seen without xdist only).
    deselected: set[tuple[str, str | None]] = field(default_factory=set)

    def add(self, result: ItemResult) -> None:
        # The call report wins over setup/teardown reports of the same item.
        previous = self.items.get(result.nodeid)
        if previous is None or previous.outcome != "failed" or result.outcome == "failed":
            self.items[result.nodeid] = result

    def sorted(self) -> list[ItemResult]:
        return [self.items[k] for k in sorted(self.items)]

    def findings(self) -> list[Finding]:
        out = [f for r in self.items.values() for f in r.findings]
        return sorted(set(out), key=Finding.sort_key)

    def finding_states(self) -> list[tuple[Finding, State, str, ItemResult]]:
        """Every finding with its gate state, fingerprint and item, sorted."""
        rows = [
            (f, r.state_of(i), r.fingerprints[i] if i < len(r.fingerprints) else "", r)
            for r in self.items.values()
            for i, f in enumerate(r.findings)
        ]
        return sorted(rows, key=lambda row: (row[0].sort_key(), row[1].value, row[3].nodeid))

    def outcomes(self) -> Counter[str]:
        return Counter(r.outcome for r in self.items.values())

    def not_run(self) -> list[ItemResult]:
        """Live items that could not run here (skipped, or failed under --kabul-require-live)."""
        return [r for r in self.sorted() if r.not_run]
