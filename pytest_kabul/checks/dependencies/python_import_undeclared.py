"""KAB101 python-import-undeclared: a third-party import the production image does not install.

What it checks
    Every import of every Python app (``import a.b``, ``from a import b``, imports inside
    functions and ``try`` blocks, ``importlib.import_module("x")``, ``__import__("x")``; not
    ``if TYPE_CHECKING:``), minus the standard library and the app's own modules, mapped to the
    distribution that provides it (a curated table of mismatches such as ``PIL`` → ``pillow``,
    ``yaml`` → ``PyYAML``, ``sentry_sdk`` → ``sentry-sdk``, the installed metadata, then PEP 503
    normalisation). Runtime code is judged against what the production image installs: the
    manifest its Dockerfile installs with the extras and groups it selects (or, without a
    Dockerfile, the declared runtime dependencies). Test code is judged against every manifest of
    the app, dev/test groups included. One subject per (app, distribution): ``backend:sentry-sdk``.
    A framework whose public API is another distribution declares it too (``fastapi`` →
    ``pydantic``, ``starlette``; ``flask`` → ``werkzeug``, ``jinja2``); anything else that is only
    pulled in by a declared distribution (read from installed metadata) is a WARNING.

Why it matters
    An import that is not installed crashes the request, worker or startup that reaches it — or,
    when it sits in ``try: ... except ImportError:``, silently turns the feature off (error
    tracking that never reports). Something that only arrives as a dependency of another package
    disappears the day that package drops it.

Example
    ``backend/app/core/monitoring.py:27 'sentry_sdk' is imported but 'sentry-sdk' is not declared
    in backend/pyproject.toml, the manifest backend/Dockerfile installs; the import is guarded by
    an except clause, so the failure is silent``

Fix
    Add the distribution to the manifest the image installs (``"sentry-sdk"`` in
    ``[project].dependencies``), test-only packages to the test/dev group. Severity: ERROR for
    runtime code, WARNING when the package is only installed transitively or only tests import it.
"""

from __future__ import annotations

from pytest_kabul.checks.dependencies._advice import (
    add_advice,
    describe,
    optional_advice,
    optional_declaration,
    test_advice,
    where_declared,
)
from pytest_kabul.checks.dependencies._usage import Site, Usage, usages
from pytest_kabul.model import Area, Evidence, Finding, Location, Severity
from pytest_kabul.project.core import Project
from pytest_kabul.project.docker.installs import ImageInstall, app_manifests, production_install
from pytest_kabul.project.python.apps import PythonApp
from pytest_kabul.project.python.distributions import guaranteed_by, requires_closure
from pytest_kabul.registry import Check, Evaluation

check = Check(
    code="KAB101",
    name="python-import-undeclared",
    area=Area.DEPENDENCIES,
    severity=Severity.ERROR,
    summary="A third-party import is not declared in the manifest the production image installs.",
    doc=__doc__,
)

SILENT = "; the import is guarded by an except clause, so the failure is silent"


def _evidence(sites: tuple[Site, ...]) -> tuple[Evidence, ...]:
    if len(sites) < 2:
        return ()
    lines = [f"{s.path}:{s.line}{' (guarded)' if s.guarded else ''}" for s in sites]
    return (Evidence(title="imported at", text="\n".join(lines)),)


def _judge(
    project: Project, usage: Usage, install: ImageInstall, closures: _Closures
) -> list[Finding]:
    app = usage.app
    cands = usage.candidates
    runtime = usage.runtime_sites
    if runtime:
        if any(c in install.names for c in cands):
            return []
        framework = guaranteed_by(install.names)
        if any(c in framework for c in cands):
            return []  # e.g. pydantic through fastapi: part of the framework's public API
        first = runtime[0]
        head = f"'{first.name}' is imported but '{usage.key}' is not declared in {install.label}"
        closure = closures.runtime(install)
        via = next((closure[c] for c in cands if c in closure), None)
        if via is not None:
            return [
                Finding(
                    code=check.code,
                    severity=Severity.WARNING,
                    subject=usage.subject,
                    message=f"{head}; it is only installed as a dependency of '{via}'",
                    remediation=add_advice(project, app, install, usage.key),
                    location=Location(first.path, first.line),
                    evidence=_evidence(runtime),
                )
            ]
        decls = [d for m in app_manifests(project, app) for d in m.deps if d.name in cands]
        optional = optional_declaration(install, decls) if install.dockerfile else None
        if optional is not None:
            message = (
                f"'{first.name}' is imported but '{usage.key}' is only declared in"
                f" {describe(optional)}, which {install.dockerfile} does not install"
            )
            if all(s.guarded for s in runtime):
                message += SILENT
            return [
                Finding(
                    code=check.code,
                    severity=Severity.ERROR,
                    subject=usage.subject,
                    message=message,
                    remediation=optional_advice(install, optional),
                    location=Location(first.path, first.line),
                    evidence=_evidence(usage.sites),
                )
            ]
        elsewhere = where_declared(project, app, cands, install)
        message = head + (
            f"; it is declared in {elsewhere}, which the image does not install"
            if elsewhere
            else ""
        )
        if all(s.guarded for s in runtime):
            message += SILENT
        return [
            Finding(
                code=check.code,
                severity=Severity.ERROR,
                subject=usage.subject,
                message=message,
                remediation=add_advice(project, app, install, usage.key),
                location=Location(first.path, first.line),
                evidence=_evidence(usage.sites),
            )
        ]
    manifests = app_manifests(project, app)
    everything = set(install.names) | {d.name for m in manifests for d in m.deps}
    if any(c in everything or c in guaranteed_by(everything) for c in cands):
        return []
    closure = closures.everything(install)
    if any(c in closure for c in cands):
        return []
    first = usage.test_sites[0]
    paths = ", ".join(m.path for m in manifests if m.deps) or "no manifest declares dependencies"
    return [
        Finding(
            code=check.code,
            severity=Severity.WARNING,
            subject=usage.subject,
            message=(
                f"'{first.name}' is imported by test/tooling code but '{usage.key}' is not declared"
                f" in any manifest of {app.name} ({paths})"
            ),
            remediation=test_advice(project, app, usage.key),
            location=Location(first.path, first.line),
            evidence=_evidence(usage.test_sites),
        )
    ]


class _Closures:
    """Transitive dependencies from installed metadata, computed only when a name is missing."""

    def __init__(self, project: Project, app: PythonApp) -> None:
        self.project = project
        self.app = app
        self._runtime: dict[str, str] | None = None
        self._everything: dict[str, str] | None = None

    def runtime(self, install: ImageInstall) -> dict[str, str]:
        if self._runtime is None:
            self._runtime = requires_closure((d.name, d.extras) for d in install.installed)
        return self._runtime

    def everything(self, install: ImageInstall) -> dict[str, str]:
        if self._everything is None:
            declared = [
                (d.name, d.extras) for m in app_manifests(self.project, self.app) for d in m.deps
            ]
            self._everything = requires_closure(
                [(d.name, d.extras) for d in install.installed] + declared
            )
        return self._everything


@check.evaluator
def evaluate(project: Project) -> Evaluation:
    found = usages(project)
    if not found:
        return Evaluation.skip("no Python app imports a third-party package")
    findings: list[Finding] = []
    by_app: dict[str, tuple[ImageInstall, _Closures]] = {}
    for usage in found:
        root = usage.app.root
        if root not in by_app:
            by_app[root] = (production_install(project, usage.app), _Closures(project, usage.app))
        install, closures = by_app[root]
        findings.extend(_judge(project, usage, install, closures))
    return Evaluation.build(subjects=[u.subject for u in found], findings=findings)
