"""A pytester project for the report/gate tests (KAB98x codes are reserved for them).

The demo checks read ``app/*.py`` of the project under test, so tests can move code around:

* KAB980 (dependencies, error): one finding per line ``# BAD <name> <severity>``; the subject is
  ``app:<name>``, the message repeats the file and line on purpose (the baseline fingerprint
  must normalise them out); ``app:ok`` always passes.
* KAB981 (migrations, live tier, no fixtures): evidence with an HTML-looking alembic tail, so
  the HTML report's escaping and the live evidence are testable.
* KAB982 (frontend): always passes (subject ``web:home``).

The real KAB001 runs alongside when selected (invalid TOML in ``backend/pyproject.toml``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_kabul import registry

DEMO_CONFTEST = """
import re
from pytest_kabul.model import Area, Evidence, Finding, Location, Severity, Tier
from pytest_kabul.registry import Check, Evaluation, REGISTRY

BAD = re.compile(r"#\\s*BAD\\s+(\\S+)\\s+(\\S+)")

if "KAB980" not in REGISTRY:
    deps = Check(code="KAB980", name="demo-bad-marker", area=Area.DEPENDENCIES,
                 severity=Severity.ERROR, summary="Demo: a BAD marker in app code.")

    @deps.evaluator
    def evaluate(project):
        findings = []
        for rel in project.files.under("app"):
            text = project.read_text(rel) or ""
            for number, line in enumerate(text.splitlines(), start=1):
                m = BAD.search(line)
                if m:
                    name, level = m.groups()
                    findings.append(Finding(
                        code="KAB980", severity=Severity.parse(level), subject=f"app:{name}",
                        message=f"{name} is marked bad in {rel}:{number} (line {number})",
                        remediation=f"Remove the BAD marker for {name} from {rel}.",
                        location=Location(rel, number)))
        return Evaluation.build(subjects=["app:ok"], findings=findings)

    live = Check(code="KAB981", name="demo-live-migration", area=Area.MIGRATIONS,
                 severity=Severity.CRITICAL, summary="Demo: a live check with evidence.",
                 tier=Tier.LIVE)

    @live.evaluator
    def subjects(project):
        return Evaluation.build(subjects=["db:head"])

    @live.live_runner(fixtures=())
    def run(project, subject, services):
        return [Finding(code="KAB981", severity=Severity.CRITICAL, subject=subject,
                        message="alembic upgrade head failed on an empty database",
                        remediation="Fix the migration in alembic/versions/0001_init.py.",
                        location=Location("alembic/versions/0001_init.py", 12),
                        evidence=(Evidence(
                            title="alembic error tail",
                            text="sqlalchemy.exc.ProgrammingError: <script>x</script>"
                                 "\\nrelation \\"users\\" does not exist"),))]

    web = Check(code="KAB982", name="demo-web", area=Area.FRONTEND,
                severity=Severity.WARNING, summary="Demo: always passes.")

    @web.evaluator
    def web_eval(project):
        return Evaluation.build(subjects=["web:home"])
"""

APP = """\
import os

def main():
    pass  # BAD requests error
    pass  # BAD leftpad warning
"""


@pytest.fixture
def gate_project(pytester: pytest.Pytester) -> Iterator[pytest.Pytester]:
    """The demo project; the global check registry is restored afterwards."""
    registry.all_checks()
    saved = dict(registry.REGISTRY)
    pytester.makeconftest(DEMO_CONFTEST)
    write_pyproject(pytester.path)
    (pytester.path / "app").mkdir()
    (pytester.path / "app" / "main.py").write_text(APP)
    yield pytester
    registry.REGISTRY.clear()
    registry.REGISTRY.update(saved)


def write_pyproject(root: Path, kabul: str = "") -> None:
    (root / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "0"\n' + (f"[tool.kabul]\n{kabul}" if kabul else "")
    )


def run(
    pytester: pytest.Pytester, *args: str, select: str = "KAB98"
) -> tuple[pytest.RunResult, dict[str, Any]]:
    """Run the readiness checks in-process and return (result, JSON report).

    ``--kabul-readiness``, not ``--kabul-only``: the demo checks live in the project's conftest,
    which ``--kabul-only`` never imports (the project has no tests of its own to collect).
    """
    out = pytester.path / "kabul.json"
    if out.exists():
        out.unlink()
    result = pytester.runpytest(
        "--kabul-readiness",
        "--kabul-select",
        select,
        "-p",
        "no:randomly",
        f"--kabul-json={out}",
        *args,
    )
    report = json.loads(out.read_text()) if out.exists() else {}
    return result, report
