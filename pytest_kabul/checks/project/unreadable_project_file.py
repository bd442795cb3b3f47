"""KAB001 unreadable-project-file: a file the readiness checks needed could not be read.

What it checks
    Every file the project model reads (manifests, Python sources, compose files, lockfiles,
    ``alembic.ini``) parses: valid TOML/YAML/JSON/INI, UTF-8 text, Python the running
    interpreter can parse, no symlink loops. Templates (a cookiecutter
    ``{{cookiecutter.project_slug}}/`` folder, ``*.j2`` / ``*.jinja`` files) are not project
    files: they are valid only once rendered, so they are listed in a note, never judged.

Why it matters
    A file that cannot be read is a file no other check could judge: its imports, environment
    reads or services are invisible, so "no finding" would be a false pass. Invalid manifests
    also break ``pip install`` / ``docker compose`` in production.

Example
    ``backend/pyproject.toml:3 invalid TOML: Expected '=' after a key``

Before
    ``pyproject.toml``::

        [project]
        name = "shop"
        version "0.1.0"

    ``app/main.py``::

        from fastapi import FastAPI

        app = FastAPI()

After
    ``pyproject.toml``::

        [project]
        name = "shop"
        version = "0.1.0"

Fix
    Repair the file, or exclude it with ``[tool.kabul] exclude = ["path/glob"]``.
"""

from __future__ import annotations

from pytest_kabul.model import Area, Finding, Location, Severity
from pytest_kabul.project.core import Project
from pytest_kabul.project.files import is_template_name
from pytest_kabul.registry import Check, Evaluation

check = Check(
    code="KAB001",
    name="unreadable-project-file",
    area=Area.PROJECT,
    severity=Severity.WARNING,
    summary="A project file could not be read or parsed, so no check could judge it.",
    doc=__doc__,
)


@check.evaluator
def evaluate(project: Project) -> Evaluation:
    project.load_all()
    # Manifests no facet needed (an app without Python files yet) still break installs.
    for rel in project.files.named("pyproject.toml", "Pipfile"):
        project.read_toml(rel)
    for rel in project.files.named("package.json"):
        project.read_json(rel)
    findings = [
        Finding(
            code=check.code,
            severity=problem.severity,
            subject=problem.path,
            message=problem.message,
            remediation=(
                f"Repair {problem.path}, or exclude it with [tool.kabul] exclude"
                f' = ["{problem.path}"] if it is not part of the deployed project.'
            ),
            location=Location(problem.path),
        )
        for problem in project.problems
    ]
    notes: dict[str, str] = {}
    templates = project.files.templates
    if templates and not findings:
        roots = sorted({_template_root(rel) for rel in templates})
        shown = ", ".join(roots[:5]) + (f" and {len(roots) - 5} more" if len(roots) > 5 else "")
        notes["files"] = (
            f"{len(templates)} template file(s) not read as project files (they become valid"
            f" only once rendered): {shown}"
        )
    return Evaluation.build(
        subjects=["files"] if not findings else (), findings=findings, notes=notes
    )


def _template_root(rel: str) -> str:
    """The outermost templated folder of ``rel`` (``{{cookiecutter.slug}}/``), else the file."""
    parts = rel.split("/")
    for index, part in enumerate(parts[:-1]):
        if is_template_name(part):
            return "/".join(parts[: index + 1]) + "/"
    return rel
