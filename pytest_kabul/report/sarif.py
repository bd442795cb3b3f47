"""SARIF 2.1.0 output (``--kabul-sarif PATH``) for GitHub code scanning and other viewers.

Rules come from the catalogue (the selected checks), results from the findings with their
project-relative locations (``%SRCROOT%``). The gate's decisions map onto SARIF's own
vocabulary: a waived finding carries an external, accepted *suppression* with the waiver's
reason; under ``--kabul-baseline`` a known finding is ``baselineState: unchanged`` and a new one
``new``. ``partialFingerprints`` holds the location-independent fingerprint, so code scanning
tracks an alert across moves the same way the baseline does.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pytest_kabul import __version__
from pytest_kabul.gate import State
from pytest_kabul.links import check_url
from pytest_kabul.model import Severity
from pytest_kabul.redact import REDACTOR
from pytest_kabul.registry import Check
from pytest_kabul.report.results import Results

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {
    Severity.INFO: "note",
    Severity.WARNING: "warning",
    Severity.ERROR: "error",
    Severity.CRITICAL: "error",
}
# GitHub orders alerts by this (0.0-10.0); CRITICAL must outrank ERROR though both are "error".
SECURITY_SEVERITY = {
    Severity.INFO: "1.0",
    Severity.WARNING: "4.0",
    Severity.ERROR: "7.0",
    Severity.CRITICAL: "9.0",
}


def _first_paragraph(doc: str, fallback: str) -> str:
    body = doc.split("\n\n", 1)
    return " ".join(body[0].split()) if doc else fallback


# GitHub's ``problem.severity`` for rules that are not security rules.
PROBLEM_SEVERITY = {
    Severity.INFO: "recommendation",
    Severity.WARNING: "warning",
    Severity.ERROR: "error",
    Severity.CRITICAL: "error",
}


def _rule(check: Check, docs_url: str | None) -> dict[str, Any]:
    return {
        "id": check.code,
        "name": check.name,
        "shortDescription": {"text": check.summary},
        "fullDescription": {"text": _first_paragraph(check.doc, check.summary)},
        "help": {"text": check.doc or check.summary},
        "helpUri": check_url(check.code, docs_url),
        "defaultConfiguration": {"level": LEVELS[check.severity]},
        "properties": {
            "area": check.area.value,
            "tier": check.tier.value,
            "severity": check.severity.label,
            # Where GitHub code scanning reads a rule's severity and orders its alerts.
            "security-severity": SECURITY_SEVERITY[check.severity],
            "problem.severity": PROBLEM_SEVERITY[check.severity],
            "tags": sorted({check.area.value, check.tier.value, "production-readiness"}),
        },
    }


def build_sarif(
    checks: Sequence[Check],
    results: Results,
    *,
    baseline_active: bool = False,
    root: Path | None = None,
    docs_url: str | None = None,
) -> dict[str, Any]:
    rules = [_rule(c, docs_url) for c in sorted(checks, key=lambda c: c.code)]
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    out: list[dict[str, Any]] = []
    for finding, state, fp, item in results.finding_states():
        result: dict[str, Any] = {
            "ruleId": finding.code,
            "level": LEVELS[finding.severity],
            "message": {"text": f"{finding.message}\nFix: {finding.remediation}"},
            "partialFingerprints": {"kabulFingerprint/v1": fp},
            "properties": {
                "subject": finding.subject,
                "severity": finding.severity.label,
                "security-severity": SECURITY_SEVERITY[finding.severity],
                "state": state.value,
                "nodeid": item.nodeid,
            },
        }
        if finding.code in index:
            result["ruleIndex"] = index[finding.code]
        loc = finding.location
        if loc is not None:
            physical: dict[str, Any] = {
                "artifactLocation": {"uri": loc.path, "uriBaseId": "%SRCROOT%"}
            }
            if loc.line is not None and loc.line >= 1:
                physical["region"] = {"startLine": loc.line}
            result["locations"] = [{"physicalLocation": physical}]
        if state is State.WAIVED and item.waiver:
            result["suppressions"] = [
                {
                    "kind": "external",
                    "status": "accepted",
                    "justification": str(item.waiver.get("reason", "")),
                }
            ]
        if baseline_active and state in (State.KNOWN, State.BLOCKING):
            result["baselineState"] = "unchanged" if state is State.KNOWN else "new"
        out.append(result)
    run = {
        "tool": {
            "driver": {
                "name": "pytest-kabul",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": rules,
            }
        },
        "columnKind": "utf16CodeUnits",
        "results": out,
        "invocations": [_invocation(results, index)],
    }
    if root is not None:
        # Viewers resolve %SRCROOT% with this; GitHub uses its checkout and ignores it.
        run["originalUriBaseIds"] = {"%SRCROOT%": {"uri": root.resolve().as_uri() + "/"}}
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def _invocation(results: Results, index: dict[str, int]) -> dict[str, Any]:
    """Live checks that could not run are tool execution notifications, not results: SARIF's
    place for "this rule was not evaluated here, and why"."""
    notes: list[dict[str, Any]] = []
    for item in results.not_run():
        note: dict[str, Any] = {
            "level": "error" if item.outcome == "failed" else "warning",
            "message": {"text": f"{item.nodeid} could not run here: {item.reason or '?'}"},
            "descriptor": {"id": item.code},
            "properties": {"nodeid": item.nodeid, "outcome": item.outcome},
        }
        if item.code in index:
            note["descriptor"]["index"] = index[item.code]
        notes.append(note)
    return {
        "executionSuccessful": not any(n["level"] == "error" for n in notes),
        "toolExecutionNotifications": notes,
    }


def write_sarif(
    path: Path,
    checks: Sequence[Check],
    results: Results,
    *,
    baseline_active: bool = False,
    root: Path | None = None,
    docs_url: str | None = None,
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = build_sarif(
        checks, results, baseline_active=baseline_active, root=root, docs_url=docs_url
    )
    path.write_text(json.dumps(REDACTOR.data(document), indent=2) + "\n", encoding="utf-8")
