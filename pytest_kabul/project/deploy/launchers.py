"""Launcher scripts: how a repository with no deploy file starts in production.

A repository with no Dockerfile, compose file, Procfile, platform file, Kubernetes workload or
deploy workflow is started by hand, and its start is then a Python launcher at the top of the
repository or of an app (a folder holding a Python manifest): ``python run.py``, ``python
main.py``, ``python serve.py``, whose ``if __name__ == "__main__":`` block starts the server in
process (``uvicorn.run("app.main:app", workers=4)``). Each such file is a start path of kind
``script``, judged like any other (the steps, the server, ``reload=True`` making it a
development path, migrations run before the server) by
:func:`~pytest_kabul.project.deploy.model.build_path`. Only where no deploy file gives a start
path: beside one, a launcher is a developer's convenience and production is what the deploy
files run.
"""

from __future__ import annotations

import re

from pytest_kabul.model import Location
from pytest_kabul.project.core import Project
from pytest_kabul.project.deploy.model import (
    IN_PROCESS_SERVER,
    StartKind,
    StartPath,
    build_path,
    dir_of,
)
from pytest_kabul.project.deploy.startup import program_upgrade

# Files that name an app's dependencies: their folder is an app root.
_MANIFESTS = ("pyproject.toml", "setup.py", "setup.cfg", "Pipfile", "requirements.txt")
_MAIN_GUARD = re.compile(r"^if\s+__name__\s*==\s*['\"]__main__['\"]\s*:", re.M)


def launcher_paths(project: Project) -> list[StartPath]:
    """Start paths of the launcher scripts at the top of the repository or of an app."""
    roots = {""} | {dir_of(rel) for rel in project.files.named(*_MANIFESTS)}
    paths: list[StartPath] = []
    for rel in project.files.suffix(".py"):
        folder, name = dir_of(rel), rel.rsplit("/", 1)[-1]
        if folder not in roots or name.startswith(("test_", "conftest")):
            continue
        text = project.read_text(rel)
        guard = _MAIN_GUARD.search(text) if text else None
        if text is None or guard is None or not IN_PROCESS_SERVER.search(text):
            continue
        line = text.count("\n", 0, guard.start()) + 1
        paths.append(
            build_path(
                project,
                follow=program_upgrade,
                subject=rel,
                kind=StartKind.SCRIPT,
                location=Location(rel, line),
                argv=["python", name],
                base_dir=folder,
            )
        )
    return paths
