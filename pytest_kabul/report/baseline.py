"""Baselines: adopt the gate on an existing project by failing only on new findings.

A finding is recorded by code, subject and a *location-independent* fingerprint
(:func:`pytest_kabul.model.fingerprint`): a hash of the code, the subject and the message with
paths and line numbers normalised out. Moving code around (other line, other file) keeps the
fingerprint, so a baselined finding never turns "new" because of an unrelated edit; changing
what is wrong (another package, another variable) does.

The file is JSON (``schema`` 1), sorted, with path/line/message kept for humans only.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pytest_kabul import __version__
from pytest_kabul.errors import BaselineError
from pytest_kabul.model import Finding, fingerprint
from pytest_kabul.redact import REDACTOR

BASELINE_SCHEMA = 1


def load_baseline(path: Path) -> Counter[str]:
    """Fingerprint -> how many findings of it the baseline accepts."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(
            f"--kabul-baseline {path}: file not found; create it with"
            f" --kabul-baseline {path} --kabul-baseline-write"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineError(f"--kabul-baseline {path}: unreadable: {exc}") from None
    if not isinstance(data, dict) or data.get("schema") != BASELINE_SCHEMA:
        raise BaselineError(f"--kabul-baseline {path}: not a pytest-kabul baseline (schema 1)")
    entries = data.get("findings", [])
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in entries
    ):
        raise BaselineError(f"--kabul-baseline {path}: 'findings' must list fingerprints")
    return Counter(str(e["fingerprint"]) for e in entries)


def baseline_document(findings: Iterable[Finding]) -> dict[str, Any]:
    rows = []
    for finding in findings:
        loc = finding.location
        rows.append(
            {
                "code": finding.code,
                "subject": finding.subject,
                "fingerprint": fingerprint(finding),
                "severity": finding.severity.label,
                "message": finding.message,
                "path": loc.path if loc else None,
                "line": loc.line if loc else None,
            }
        )
    rows.sort(key=lambda r: (r["code"], r["subject"], r["fingerprint"], r["path"] or ""))
    return {
        "schema": BASELINE_SCHEMA,
        "tool": {"name": "pytest-kabul", "version": __version__},
        "findings": rows,
    }


def write_baseline(path: Path, findings: Iterable[Finding]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(REDACTOR.data(baseline_document(findings)), indent=2)
    path.write_text(text + "\n", encoding="utf-8")
