"""Machine-readable outputs: SARIF 2.1.0, JUnit XML properties, JSON under xdist.

The SARIF schema is the official OASIS SARIF 2.1.0 JSON schema (``sarif-2.1.0-rtm.5.json``,
the final 2.1.0 schema also published on schemastore.org), vendored into tests/data from the
npm package ``@microsoft/jest-sarif`` 1.0.0-beta.0 (MIT), which ships it for its validator.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests import gate_demo
from tests.gate_demo import run, write_pyproject
from tests.html_parse import parse_report

gate_project = gate_demo.gate_project
SCHEMA = Path(__file__).parents[1] / "data" / "sarif-2.1.0-rtm.5.json"


def _sarif(pytester: pytest.Pytester, *args: str) -> dict[str, Any]:
    run(pytester, "--kabul-sarif=out/kabul.sarif", *args)
    data: dict[str, Any] = json.loads((pytester.path / "out" / "kabul.sarif").read_text())
    return data


def _validate(document: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft4Validator.check_schema(schema)
    jsonschema.Draft4Validator(schema).validate(document)


def test_sarif_is_valid_and_has_rules_results_and_locations(
    gate_project: pytest.Pytester,
) -> None:
    document = _sarif(gate_project)
    _validate(document)
    assert document["version"] == "2.1.0"
    (run_,) = document["runs"]
    assert run_["originalUriBaseIds"] == {"%SRCROOT%": {"uri": gate_project.path.as_uri() + "/"}}
    rules = run_["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["KAB980", "KAB981", "KAB982"]
    assert rules[1]["defaultConfiguration"] == {"level": "error"}
    assert rules[1]["properties"]["area"] == "migrations"
    results = [
        (
            r["ruleId"],
            r["ruleIndex"],
            r["level"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["properties"]["state"],
        )
        for r in run_["results"]
    ]
    assert results == [
        ("KAB980", 0, "warning", "app/main.py", 5, "below-level"),
        ("KAB980", 0, "error", "app/main.py", 4, "blocking"),
        ("KAB981", 1, "error", "alembic/versions/0001_init.py", 12, "blocking"),
    ]
    assert run_["results"][1]["message"]["text"] == (
        "requests is marked bad in app/main.py:4 (line 4)\n"
        "Fix: Remove the BAD marker for requests from app/main.py."
    )


def test_sarif_marks_waived_as_suppressed_and_baseline_states(
    gate_project: pytest.Pytester,
) -> None:
    run(gate_project, "--kabul-baseline=b.json", "--kabul-baseline-write")
    app = gate_project.path / "app" / "main.py"
    app.write_text(app.read_text() + "    pass  # BAD urllib3 error\n")
    write_pyproject(gate_project.path, '[tool.kabul.waivers]\nKAB981 = "no database in CI"\n')
    document = _sarif(gate_project, "--kabul-baseline=b.json")
    _validate(document)
    results = document["runs"][0]["results"]
    by_subject = {r["properties"]["subject"]: r for r in results}
    assert by_subject["db:head"]["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": "no database in CI"}
    ]
    assert by_subject["app:requests"]["baselineState"] == "unchanged"
    assert by_subject["app:urllib3"]["baselineState"] == "new"
    assert "baselineState" not in by_subject["app:leftpad"]  # below the fail-level


def test_sarif_schema_rejects_a_broken_document() -> None:
    """The validator really validates (a result without a message is invalid SARIF)."""
    broken = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{}]}]}
    with pytest.raises(jsonschema.ValidationError):
        _validate(broken)


def test_findings_are_junit_properties(gate_project: pytest.Pytester) -> None:
    run(gate_project, "--junitxml=junit.xml")
    root = ET.parse(gate_project.path / "junit.xml").getroot()
    props = {
        case.get("name"): [
            p.get("value") for p in case.iter("property") if p.get("name") == "kabul_finding"
        ]
        for case in root.iter("testcase")
    }
    assert props["KAB980[app:requests]"] == [
        "KAB980 app/main.py:4 requests is marked bad in app/main.py:4 (line 4) [error]"
        " fix: Remove the BAD marker for requests from app/main.py."
    ]
    assert props["KAB980[app:leftpad]"] == [
        "KAB980 app/main.py:5 leftpad is marked bad in app/main.py:5 (line 5)"
        " [warning; below fail-level, not failing]"
        " fix: Remove the BAD marker for leftpad from app/main.py."
    ]
    assert props["KAB980[app:ok]"] == []


def test_xdist_gives_the_same_json_and_html_report(gate_project: pytest.Pytester) -> None:
    write_pyproject(
        gate_project.path,
        '[[tool.kabul.waivers]]\ncode = "KAB981"\nreason = "later"\n'
        '[[tool.kabul.waivers]]\ncode = "KAB982"\nreason = "stale"\n',
    )
    run(gate_project, "--kabul-baseline=b.json", "--kabul-baseline-write")
    app = gate_project.path / "app" / "main.py"
    app.write_text(app.read_text() + "    pass  # BAD urllib3 error\n")
    html = ("--html=readiness.html", "--self-contained-html", "--kabul-baseline=b.json")
    serial_result, serial = run(gate_project, "-n", "0", *html)
    serial_html = parse_report((gate_project.path / "readiness.html").read_text())
    parallel_result, parallel = run(gate_project, "-n", "2", *html)
    parallel_text = (gate_project.path / "readiness.html").read_text()
    parallel_html = parse_report(parallel_text)
    assert serial == parallel
    assert parallel_html.area_rows == serial_html.area_rows
    assert parallel_html.verdict == serial_html.verdict == "Not ready"
    (link,) = parallel_html.blob["tests"]["kabul::KAB980[app:urllib3]"][0]["extras"]
    assert link["name"] == "KAB980 docs"  # added once, by the controller
    blocking = parallel_text[parallel_text.index('id="kabul-blocking"') :]
    blocking = blocking[: blocking.index("</section>")]
    assert blocking.count("urllib3 is marked bad") == 1  # rendered once, from every worker
    assert serial_result.ret == parallel_result.ret == pytest.ExitCode.TESTS_FAILED
    assert serial["gate"]["finding_states"] == {
        "blocking": 1,
        "below-level": 1,
        "known": 1,
        "waived": 1,
    }
    assert [w["status"] for w in serial["waivers"]] == ["applied", "stale"]
