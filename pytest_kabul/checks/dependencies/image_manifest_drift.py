"""KAB102 image-manifest-drift: the Dockerfile installs a manifest that disagrees with pyproject.

What it checks
    For every (app, Dockerfile) where the app declares its dependencies in a project manifest
    (``pyproject.toml`` PEP 621 / Poetry, ``setup.cfg``, ``setup.py``) but the Dockerfile installs
    something else (``pip install -r requirements.txt``, ``uv pip sync``, ``pipenv``): every
    runtime dependency the project manifest declares must be in what the image installs (ERROR),
    and every package the installed requirements file adds beyond the project manifest (and its
    dependencies as the app's lockfile records them) is reported as a WARNING. Lockfile-style
    requirements (pip-compile or export output, ``--hash`` lines, ``# via`` comments) pin
    transitive packages by design, so only the first direction applies to them. Markers that
    exclude Linux are respected.

Why it matters
    Two manifests drift: a dependency added to ``pyproject.toml`` works in development
    (``pip install -e .``) and is missing from the production image, which installs a stale
    ``requirements.txt`` — the import fails only in production.

Example
    ``backend/pyproject.toml:14 'redis' is declared in backend/pyproject.toml but
    backend/requirements.txt, the manifest backend/Dockerfile installs, lacks it``

Before
    ``Dockerfile``::

        FROM python:3.12-slim
        WORKDIR /app
        COPY requirements.txt .
        RUN pip install -r requirements.txt
        COPY . .
        CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]

    ``pyproject.toml``::

        [project]
        name = "shop"
        version = "0.1.0"
        dependencies = ["fastapi", "uvicorn", "redis"]

    ``requirements.txt``::

        fastapi
        uvicorn

    ``app/main.py``::

        import redis
        from fastapi import FastAPI

        app = FastAPI()

After
    ``requirements.txt``::

        fastapi
        uvicorn
        redis

Fix
    Install the project manifest itself in the image (``pip install .``, ``uv sync --no-dev``,
    ``poetry install --only main``) or regenerate the requirements file from it
    (``uv export`` / ``pip-compile pyproject.toml``) in the build.
"""

from __future__ import annotations

from packaging.markers import InvalidMarker, Marker

from pytest_kabul.model import Area, Finding, Location, Severity
from pytest_kabul.project.core import Project
from pytest_kabul.project.docker.installs import ImageInstall, app_manifests, image_installs
from pytest_kabul.project.python.apps import python_apps
from pytest_kabul.project.python.locks import lock_for
from pytest_kabul.project.python.manifests.model import Declared, DepKind, Manifest, ManifestKind
from pytest_kabul.project.python.manifests.reader import manifest
from pytest_kabul.registry import Check, Evaluation

check = Check(
    code="KAB102",
    name="image-manifest-drift",
    area=Area.DEPENDENCIES,
    severity=Severity.ERROR,
    summary="The Dockerfile installs a manifest that disagrees with what pyproject declares.",
    doc=__doc__,
)
PROJECT_KINDS = (ManifestKind.PYPROJECT, ManifestKind.SETUP_CFG, ManifestKind.SETUP_PY)


def _applies(d: Declared) -> bool:
    _, _, marker = d.requirement.partition(";")
    if not marker.strip():
        return True
    try:
        return Marker(marker.strip()).evaluate(
            {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix", "extra": ""}
        )
    except (InvalidMarker, Exception):
        return True


def _drift(
    project: Project, source: Manifest, install: ImageInstall, subject: str
) -> list[Finding]:
    findings: list[Finding] = []
    declared = [d for d in source.deps if d.kind is DepKind.RUNTIME and _applies(d)]
    target = install.manifests[0] if install.manifests else install.dockerfile
    for d in declared:
        if d.name in install.names:
            continue
        findings.append(
            Finding(
                code=check.code,
                severity=Severity.ERROR,
                subject=subject,
                message=f"'{d.name}' is declared in {source.path} but {install.label}, lacks it",
                remediation=(
                    f'Add "{d.requirement}" to {target}, or make'
                    f" {install.dockerfile} install {source.path} itself (pip install ., uv sync"
                    " --no-dev, poetry install --only main) so the two manifests cannot drift."
                ),
                location=Location(d.source, d.line),
            )
        )
    known = {d.name for d in source.deps}
    if source.project_name:
        known.add(source.project_name)
    closure = None
    for path in install.manifests:
        m = manifest(project, path)
        if m is None or m.kind is not ManifestKind.REQUIREMENTS or m.lock_like:
            continue
        for d in m.deps:
            if d.name in known:
                continue
            if closure is None:
                lock = lock_for(
                    project, source.path.rsplit("/", 1)[0] if "/" in source.path else ""
                )
                closure = lock.closure((x.name, x.extras) for x in declared) if lock else {}
            if d.name in closure:
                continue
            findings.append(
                Finding(
                    code=check.code,
                    severity=Severity.WARNING,
                    subject=subject,
                    message=(
                        f"'{d.name}' is pinned in {d.source}, which {install.dockerfile} installs,"
                        f" but not declared in {source.path}"
                    ),
                    remediation=(
                        f'Declare "{d.name}" in {source.path} or remove "{d.requirement}"'
                        f" from {d.source}."
                    ),
                    location=Location(d.source, d.line),
                )
            )
    return findings


@check.evaluator
def evaluate(project: Project) -> Evaluation:
    apps = {a.root: a for a in python_apps(project)}
    subjects: list[str] = []
    findings: list[Finding] = []
    for install in image_installs(project):
        app = apps.get(install.app)
        if app is None or install.dockerfile is None:
            continue
        sources = [
            m
            for m in app_manifests(project, app)
            if m.kind in PROJECT_KINDS and any(d.kind is DepKind.RUNTIME for d in m.deps)
        ]
        if not sources or any(m.path in install.manifests for m in sources):
            if sources:
                subjects.append(f"{app.name}:{install.dockerfile}")
            continue
        subject = f"{app.name}:{install.dockerfile}"
        subjects.append(subject)
        findings.extend(_drift(project, sources[0], install, subject))
    if not subjects:
        return Evaluation.skip(
            "no Dockerfile installs the Python dependencies of an app with a project manifest"
        )
    return Evaluation.build(subjects=subjects, findings=findings)
