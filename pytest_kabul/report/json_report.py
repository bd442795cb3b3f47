"""The JSON report, schema 1 (documented in README.md, "JSON report").

Stable key order, sorted findings and results, paths relative to the project root; consumers
should check ``schema`` and ignore keys they do not know (new keys may be added within schema 1).

Added by the gate (issue 6), all within schema 1: ``gate`` (fail-level, verdict, per-area
scorecard, counts of blocking / below-level / known / waived findings), ``waivers`` (each with
its status: applied, expired, stale, not-run), ``baseline`` (path, mode, known and new counts),
``finding_states`` (every finding's fingerprint and gate state) and per-result ``status``,
``finding_states`` and ``waiver``.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from pytest_kabul import __version__
from pytest_kabul.gate import State
from pytest_kabul.redact import REDACTOR
from pytest_kabul.report.results import Results
from pytest_kabul.report.scorecard import Scorecard

SCHEMA_VERSION = 1


def build_report(
    meta: dict[str, Any], results: Results, card: Scorecard | None = None
) -> dict[str, Any]:
    findings = results.findings()
    areas = {c["code"]: c["area"] for c in meta["checks"]}
    outcomes = results.outcomes()
    report: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "tool": {"name": "pytest-kabul", "version": __version__},
        "root": meta["root"],
        "config": meta["config"],
        "fail_level": meta["fail_level"],
        "checks": meta["checks"],
        "results": [r.to_dict() for r in results.sorted()],
        "findings": [f.to_dict() for f in findings],
        "summary": {
            "items": {k: outcomes.get(k, 0) for k in ("passed", "failed", "skipped")},
            "not_run": len(results.not_run()),
            "findings": len(findings),
            "by_severity": dict(sorted(Counter(f.severity.label for f in findings).items())),
            "by_area": dict(sorted(Counter(areas.get(f.code, "?") for f in findings).items())),
            "by_code": dict(sorted(Counter(f.code for f in findings).items())),
        },
    }
    if card is None:
        return report
    states = results.finding_states()
    report["gate"] = card.to_dict()
    report["waivers"] = [w.to_dict() for w in card.waivers]
    baseline = dict(meta.get("baseline") or {})
    if baseline.get("mode") == "read":
        baseline["known"] = sum(1 for _, state, _, _ in states if state is State.KNOWN)
        baseline["new"] = sum(
            1
            for f, state, _, _ in states
            if state is State.BLOCKING and f.severity >= card.fail_level
        )
    report["baseline"] = baseline
    report["finding_states"] = [
        {
            "code": f.code,
            "subject": f.subject,
            "path": f.location.path if f.location else None,
            "line": f.location.line if f.location else None,
            "severity": f.severity.label,
            "fingerprint": fp,
            "state": state.value,
            "nodeid": item.nodeid,
        }
        for f, state, fp, item in states
    ]
    return report


def write_json(
    path: Path, meta: dict[str, Any], results: Results, card: Scorecard | None = None
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = REDACTOR.data(build_report(meta, results, card))
    text = json.dumps(document, indent=2, sort_keys=False)
    path.write_text(text + "\n", encoding="utf-8")
