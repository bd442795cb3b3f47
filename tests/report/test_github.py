"""How teams use the report: GitHub annotations and job summary, rerunnable ids, check pages.

Real pytest sessions (pytester) on the demo project of ``tests/gate_demo.py``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_kabul.gate import State
from pytest_kabul.links import DEFAULT_DOCS_URL, check_url
from pytest_kabul.model import Finding, Location, Severity
from pytest_kabul.report.github import annotation
from tests import gate_demo
from tests.gate_demo import run, write_pyproject

gate_project = gate_demo.gate_project
DOCS = DEFAULT_DOCS_URL
# ::command prop=value,prop=value::message -- GitHub's workflow command syntax; the message and
# the properties are escaped (%, CR, LF; and : , in properties).
COMMAND = re.compile(r"^::(error|warning|notice) ((?:[a-z]+=[^,:]*)(?:,[a-z]+=[^,:]*)*)::(.*)$")


def test_annotation_is_one_escaped_workflow_command() -> None:
    finding = Finding(
        code="KAB101",
        severity=Severity.ERROR,
        subject="backend:x",
        message="100% broken:\nsecond line, with comma",
        remediation="Add x, then redeploy.",
        location=Location("backend/a,b:c.py", 7),
    )
    line = annotation(finding, State.BLOCKING, "python-import-undeclared")
    match = COMMAND.match(line)
    assert match is not None, line
    command, props, message = match.groups()
    assert command == "error"
    assert props.split(",") == [
        "file=backend/a%2Cb%3Ac.py",
        "line=7",
        "title=KAB101 python-import-undeclared",
    ]
    assert "\n" not in message
    assert message.startswith("100%25 broken:%0Asecond line, with comma%0AFix: Add x, then")
    assert message.endswith(f"Docs: {DOCS}KAB101.md")
    below = annotation(finding, State.BELOW_LEVEL, "python-import-undeclared")
    assert below.startswith("::warning ")


def test_annotations_and_job_summary_on_github_actions(
    gate_project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = gate_project.path / "step-summary.md"
    summary.write_text("# earlier step\n")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result, _report = run(gate_project)
    commands = [line for line in result.outlines if line.startswith("::")]
    assert commands, result.stdout.str()
    parsed = [COMMAND.match(line) for line in commands]
    assert all(parsed), commands
    assert sorted(m.group(1) for m in parsed if m) == ["error", "error", "warning"]
    assert any(
        line.startswith("::error file=app/main.py,line=4,title=KAB980 demo-bad-marker::")
        for line in commands
    )
    assert any(line.startswith("::warning file=app/main.py,line=5,") for line in commands)
    text = summary.read_text()
    assert text.startswith("# earlier step\n## Production readiness: Not ready\n")  # appended
    assert re.search(r"^\| dependencies \| \d+ \| 1 \|", text, re.MULTILINE), text
    assert "### Blocking findings (2)" in text
    assert f"[KAB980]({DOCS}KAB980.md)" in text
    assert "### Below the fail-level (not failing) (1)" in text


def test_no_annotations_outside_github_unless_asked(
    gate_project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    result, _ = run(gate_project)
    assert not [line for line in result.outlines if line.startswith("::")]
    result, _ = run(gate_project, "--kabul-annotations", "--kabul-markdown=out/summary.md")
    assert [line for line in result.outlines if line.startswith("::error ")]
    assert (
        (gate_project.path / "out" / "summary.md")
        .read_text()
        .startswith("## Production readiness: Not ready")
    )


def test_reports_link_each_check_to_its_page(gate_project: pytest.Pytester) -> None:
    write_pyproject(gate_project.path, 'docs-url = "https://docs.example.test/kabul/"\n')
    result, report = run(gate_project, "--kabul-sarif=out.sarif")
    base = "https://docs.example.test/kabul/"
    assert {c["code"]: c["help_url"] for c in report["checks"]}["KAB980"] == f"{base}KAB980.md"
    sarif = json.loads((gate_project.path / "out.sarif").read_text())
    rules = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["KAB980"]["helpUri"] == f"{base}KAB980.md"
    assert rules["KAB981"]["properties"]["security-severity"] == "9.0"
    assert rules["KAB980"]["properties"]["problem.severity"] == "error"
    result.stdout.fnmatch_lines([f"  docs: {base}KAB980.md"])
    assert check_url("KAB101") == f"{DOCS}KAB101.md"


def test_a_node_id_from_the_report_reruns_that_item(gate_project: pytest.Pytester) -> None:
    result, report = run(gate_project, "kabul::KAB980[app:requests]")
    assert [r["nodeid"] for r in report["results"]] == ["kabul::KAB980[app:requests]"]
    result.assert_outcomes(failed=1, deselected=4)
    result, report = run(gate_project, "kabul::KAB980")
    assert sorted(r["nodeid"] for r in report["results"]) == [
        "kabul::KAB980[app:leftpad]",
        "kabul::KAB980[app:ok]",
        "kabul::KAB980[app:requests]",
    ]
    result, _ = run(gate_project, "kabul::KAB980[app:nope]")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "no readiness item 'kabul::KAB980[app:nope]'" in result.stderr.str()


def test_a_node_id_alone_turns_the_checks_on(tmp_path: Path) -> None:
    """No flag: the id alone runs that check only (the project's tests are not collected)."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "0"\n')
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text("import requests\n")
    (tmp_path / "test_own.py").write_text("raise SystemExit('own test module collected')\n")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "kabul::KAB101", "-p", "no:cacheprovider", "-q"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert re.search(r"FAILED kabul::KAB101\[[\w-]+:requests\]", proc.stdout), proc.stdout
    assert "own test module collected" not in proc.stdout + proc.stderr
    assert re.search(r"1 failed, \d+ deselected", proc.stdout)
    assert proc.returncode == 1


@pytest.mark.parametrize("how", ["module", "option"])
def test_explain_prints_a_check_page(how: str, tmp_path: Path) -> None:
    command = (
        [sys.executable, "-m", "pytest_kabul", "explain", "kab503"]
        if how == "module"
        else [sys.executable, "-m", "pytest", "--kabul-explain", "no-database-backup"]
    )
    proc = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("# KAB503 no-database-backup\n")
    assert "## Fix" in proc.stdout
    assert proc.stdout.rstrip().endswith(f"Online: {DOCS}KAB503.md")
    bad = subprocess.run(
        [sys.executable, "-m", "pytest_kabul", "explain", "KAB999"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 4
    assert "unknown check 'KAB999'" in bad.stderr


def test_codes_in_the_config_are_case_insensitive(gate_project: pytest.Pytester) -> None:
    write_pyproject(gate_project.path, 'ignore = ["kab980"]\n')
    _result, report = run(gate_project)
    assert "KAB980" not in {r["code"] for r in report["results"]}
