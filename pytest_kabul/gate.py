"""The merge gate: which findings fail their item (fail-level, waivers, baseline).

Pure functions over findings, no pytest: the pytest layer asks :class:`Gate` for a
:class:`Decision` per item and acts on it (fail, skip as waived, or pass), and records the
decision in the item's user properties so that every report (terminal, HTML, JSON, SARIF,
JUnit) shows the same states, also across xdist workers.

Rules, in order, per finding of an item:

1. an *active* waiver matching the item (code prefix, optional exact subject) waives every
   finding of the item: the item is skipped with the waiver's reason;
2. a finding below the fail-level is ``below-level``: visible everywhere, never failing;
3. a finding whose fingerprint is in the baseline is ``known``: visible, never failing;
4. anything else is ``blocking``: the item fails.

An *expired* waiver (``until`` in the past) does not waive: the item is judged by rules 2-4 and
its failure message says that the waiver expired and when.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pytest_kabul.config import Waiver
from pytest_kabul.model import Finding, Severity, fingerprint


class State(enum.Enum):
    BLOCKING = "blocking"
    BELOW_LEVEL = "below-level"
    KNOWN = "known"
    WAIVED = "waived"


class Outcome(enum.Enum):
    PASS = "pass"
    FAIL = "fail"
    WAIVED = "waived"


@dataclass(frozen=True, kw_only=True)
class WaiverHit:
    """A waiver that matched an item with findings (``index`` is its position in the config)."""

    index: int
    waiver: Waiver
    expired: bool

    def describe(self) -> str:
        subject = f"[{self.waiver.subject}]" if self.waiver.subject else ""
        until = f" until {self.waiver.until.isoformat()}" if self.waiver.until else ""
        return f"waiver {self.waiver.code}{subject}{until}: {self.waiver.reason}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            **waiver_dict(self.waiver),
            "expired": self.expired,
        }


def waiver_dict(waiver: Waiver) -> dict[str, Any]:
    return {
        "code": waiver.code,
        "subject": waiver.subject,
        "reason": waiver.reason,
        "until": waiver.until.isoformat() if waiver.until else None,
    }


@dataclass(frozen=True, kw_only=True)
class Decision:
    outcome: Outcome
    states: tuple[State, ...]
    fingerprints: tuple[str, ...]
    waiver: WaiverHit | None = None

    @property
    def expired_waiver(self) -> WaiverHit | None:
        return self.waiver if self.waiver and self.waiver.expired else None

    def skip_reason(self, code: str) -> str:
        assert self.waiver is not None
        return f"{code}: waived: {self.waiver.waiver.reason}" + (
            f" (until {self.waiver.waiver.until.isoformat()})" if self.waiver.waiver.until else ""
        )

    def expiry_message(self) -> str | None:
        hit = self.expired_waiver
        if hit is None or hit.waiver.until is None:
            return None
        subject = f"[{hit.waiver.subject}]" if hit.waiver.subject else ""
        return (
            f"waiver for {hit.waiver.code}{subject} expired on {hit.waiver.until.isoformat()}"
            f" (reason: {hit.waiver.reason}); its findings count again"
        )


class Gate:
    def __init__(
        self,
        fail_level: Severity,
        waivers: Sequence[Waiver] = (),
        baseline: Counter[str] | None = None,
        today: dt.date | None = None,
    ) -> None:
        self.fail_level = fail_level
        self.waivers = tuple(waivers)
        self.baseline = baseline
        self.today = today or dt.date.today()

    def waiver_for(self, code: str, subject: str | None) -> WaiverHit | None:
        """The most specific matching waiver: longest code prefix, then one naming the subject."""
        candidates = [
            (len(waiver.code), waiver.subject is not None, -index, index)
            for index, waiver in enumerate(self.waivers)
            if code.startswith(waiver.code) and waiver.subject in (None, subject)
        ]
        if not candidates:
            return None
        index = max(candidates)[3]
        waiver = self.waivers[index]
        expired = waiver.until is not None and waiver.until < self.today
        return WaiverHit(index=index, waiver=waiver, expired=expired)

    def decide(self, code: str, subject: str | None, findings: Sequence[Finding]) -> Decision:
        prints = tuple(fingerprint(f) for f in findings)
        if not findings:
            return Decision(outcome=Outcome.PASS, states=(), fingerprints=())
        hit = self.waiver_for(code, subject)
        if hit is not None and not hit.expired:
            return Decision(
                outcome=Outcome.WAIVED,
                states=tuple(State.WAIVED for _ in findings),
                fingerprints=prints,
                waiver=hit,
            )
        remaining = Counter(self.baseline or {})
        states: list[State] = []
        for finding, fp in zip(findings, prints, strict=True):
            if finding.severity < self.fail_level:
                states.append(State.BELOW_LEVEL)
            elif remaining[fp] > 0:
                remaining[fp] -= 1
                states.append(State.KNOWN)
            else:
                states.append(State.BLOCKING)
        outcome = Outcome.FAIL if State.BLOCKING in states else Outcome.PASS
        return Decision(outcome=outcome, states=tuple(states), fingerprints=prints, waiver=hit)
