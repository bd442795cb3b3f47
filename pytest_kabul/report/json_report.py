"""The JSON report, schema 1 (documented in README.md, "JSON report").

Stable key order, sorted findings and results, paths relative to the project root; consumers
should check ``schema`` and ignore keys they do not know (new keys may be added within schema 1).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from pytest_kabul import __version__
from pytest_kabul.report.results import Results

SCHEMA_VERSION = 1


def build_report(meta: dict[str, Any], results: Results) -> dict[str, Any]:
    findings = results.findings()
    areas = {c["code"]: c["area"] for c in meta["checks"]}
    outcomes = results.outcomes()
    return {
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
            "findings": len(findings),
            "by_severity": dict(sorted(Counter(f.severity.label for f in findings).items())),
            "by_area": dict(sorted(Counter(areas.get(f.code, "?") for f in findings).items())),
            "by_code": dict(sorted(Counter(f.code for f in findings).items())),
        },
    }


def write_json(path: Path, meta: dict[str, Any], results: Results) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(build_report(meta, results), indent=2, sort_keys=False)
    path.write_text(text + "\n", encoding="utf-8")
