"""KAB101 python-import-undeclared: a third-party import the production image does not install.

What it checks
    Every import of every Python app (``import a.b``, ``from a import b``, imports inside
    functions and ``try`` blocks, ``importlib.import_module("x")``, ``__import__("x")``; not
    ``if TYPE_CHECKING:``), minus the standard library and the app's own modules (for a script,
    a test, or a file in a folder that is no package and that no import reaches, also the
    modules beside it: Python puts that folder on ``sys.path``), mapped to the distribution
    that provides it -- decided by the commit alone, never by what is installed in the
    environment running pytest: ``[tool.kabul] import-map``, the declared and locked names
    (namespace packages by their longest dotted name), a curated table of renames such as ``PIL``
    → ``pillow``, ``yaml`` → ``PyYAML``, ``mem0`` → ``mem0ai``, declared names with common affixes
    removed (``pyhumps`` → ``humps``), then PEP 503 normalisation. The standard library is the
    one of the app's target Python (image base, else ``requires-python``). PEP 723 scripts are
    judged against their own ``dependencies``. Runtime code is judged against what the
    production image installs: the
    manifest its Dockerfile installs with the extras and groups it selects (or, without a
    Dockerfile, the declared runtime dependencies). Test code is judged against every manifest of
    the app, dev/test groups included. One subject per (app, distribution): ``backend:sentry-sdk``.
    A framework whose public API is another distribution declares it too (``fastapi`` →
    ``pydantic``, ``starlette``; ``flask`` → ``werkzeug``, ``jinja2``); anything else that the
    app's lockfile (uv.lock, poetry.lock, pdm.lock, pylock.toml, or the compiled requirements
    file the image installs: ``# via`` annotations) installs through a declared
    distribution is a WARNING. Without a lockfile that cannot be known, and the ERROR says so.
    A runtime file that no parser can read makes the verdict for its app incomplete: ERROR.
    When the image installs a library whose source is in the repository (``mem0ai`` from PyPI
    with ``mem0/`` at the root, ``pip install ../sdk``), the library modules the app imports
    -- and what they import, provider registries only for the keys the app names -- are the
    app's runtime code too, judged against the library's main dependencies (plus the extras
    the install names) and what the image installs; the library's own optional imports
    (``try``/``except ImportError``) stay warnings.

Why it matters
    An import that is not installed crashes the request, worker or startup that reaches it — or,
    when it sits in ``try: ... except ImportError:``, silently turns the feature off (error
    tracking that never reports). Something that only arrives as a dependency of another package
    disappears the day that package drops it.

Example
    ``backend/app/core/monitoring.py:27 'sentry_sdk' is imported but 'sentry-sdk' is not declared
    in backend/pyproject.toml, the manifest backend/Dockerfile installs; the import is guarded by
    an except clause, so the failure is silent``

Before
    ``Dockerfile``::

        FROM python:3.12-slim
        WORKDIR /app
        COPY requirements.txt .
        RUN pip install -r requirements.txt
        COPY . .
        CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]

    ``requirements.txt``::

        fastapi
        uvicorn

    ``app/main.py``::

        import redis
        from fastapi import FastAPI

        app = FastAPI()
        cache = redis.Redis(host="redis")

After
    ``requirements.txt``::

        fastapi
        uvicorn
        redis

Fix
    Add the distribution to the manifest the image installs (``"sentry-sdk"`` in
    ``[project].dependencies``), test-only packages to the test/dev group; when the import name
    maps to a distribution the plugin cannot guess, add ``[tool.kabul.import-map]``. Severity:
    ERROR for runtime code, including a guarded import whose handler only logs a warning (the
    feature is silently lost); WARNING when the package is only installed transitively, only
    tests import it, the name only resembles a declared distribution, every import is an
    explicit optional one (the handler re-raises with advice, falls back quietly, or the code
    installs the package on demand), or the app declares it only for development (a dev/test/docs
    group, ``requirements-dev.txt``) and imports it only inside functions (a development command
    such as ``def dev_start(): import watchfiles``: only that code path fails in production; a
    module-level import of it stays an ERROR).
"""

from __future__ import annotations

from pytest_kabul.checks.dependencies._advice import (
    add_advice,
    describe,
    library_advice,
    library_head,
    library_of,
    optional_advice,
    optional_declaration,
    test_advice,
    where_declared,
)
from pytest_kabul.model import Area, Evidence, Finding, Location, Severity
from pytest_kabul.project.core import Project
from pytest_kabul.project.docker.installs import ImageInstall, app_manifests, production_install
from pytest_kabul.project.python.apps import PythonApp
from pytest_kabul.project.python.distributions import guaranteed_by
from pytest_kabul.project.python.import_scope import enclosing_function
from pytest_kabul.project.python.imports import Guard
from pytest_kabul.project.python.locks import Lock
from pytest_kabul.project.python.manifests.model import DEV_WORDS, Declared, DepKind
from pytest_kabul.project.python.scripts import inline_script
from pytest_kabul.project.python.usages import AppUsages, Site, Usage, app_usage_sets
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
OPTIONAL = {
    Guard.RAISES: "; every import of it is optional (the except clause raises ImportError with"
    " advice when the feature is used)",
    Guard.QUIET: "; every import of it is optional (the except clause falls back quietly)",
    Guard.ON_DEMAND: "; the code installs it on demand before importing it",
}


def _evidence(sites: tuple[Site, ...]) -> tuple[Evidence, ...]:
    if len(sites) < 2:
        return ()
    lines = [f"{s.path}:{s.line}{' (guarded)' if s.guarded else ''}" for s in sites]
    return (Evidence(title="imported at", text="\n".join(lines)),)


def _weight(sites: tuple[Site, ...]) -> tuple[Severity, str]:
    """ERROR unless every site is an explicit optional import; the message's guard note."""
    # A library's own handler (re-raise with advice, a warning and a fallback) is its author's
    # explicit optional feature, not the service's silent failure.
    kinds = {Guard.QUIET if s.library and s.guard == Guard.WARNS else s.guard for s in sites}
    if Guard.NONE in kinds:
        return Severity.ERROR, ""
    if Guard.WARNS in kinds:
        return Severity.ERROR, SILENT
    for kind in (Guard.RAISES, Guard.QUIET, Guard.ON_DEMAND):
        if kind in kinds:
            return Severity.WARNING, OPTIONAL[kind]
    return Severity.WARNING, OPTIONAL[Guard.QUIET]


class _Context:
    """One app: its production install, lockfile and (lazily) the lock closures."""

    def __init__(self, project: Project, found: AppUsages) -> None:
        self.project = project
        self.found = found
        self.install = production_install(project, found.app)
        self._runtime: dict[str, str] | None = None
        self._everything: dict[str, str] | None = None

    @property
    def lock(self) -> Lock | None:
        return self.found.lock

    def runtime(self) -> dict[str, str]:
        if self._runtime is None:
            roots = [(d.name, d.extras) for d in self.install.installed]
            self._runtime = self.lock.closure(roots) if self.lock else {}
        return self._runtime

    def everything(self) -> dict[str, str]:
        if self._everything is None:
            roots = [(d.name, d.extras) for d in self.install.installed] + [
                (d.name, d.extras)
                for m in app_manifests(self.project, self.found.app)
                for d in m.deps
            ]
            self._everything = self.lock.closure(roots) if self.lock else {}
        return self._everything


def _script_install(project: Project, usage: Usage) -> ImageInstall:
    path = usage.script or ""
    script = inline_script(project, path)
    deps = script.dependencies if script else ()
    decls = tuple(Declared(d, path, None, DepKind.RUNTIME, "", d) for d in deps)
    return ImageInstall(usage.app.root, None, (path,), (), (), frozenset(deps), decls)


def _judge_script(project: Project, usage: Usage) -> list[Finding]:
    install = _script_install(project, usage)
    if any(c in install.names for c in usage.candidates):
        return []
    if any(c in guaranteed_by(install.names) for c in usage.candidates):
        return []
    first = usage.sites[0]
    severity, note = _weight(usage.sites)
    if not usage.runtime_sites:  # a script among the app's tests (manual test, fixture)
        severity = Severity.WARNING
    return [
        Finding(
            code=check.code,
            severity=severity,
            subject=usage.subject,
            message=f"'{first.name}' is imported but '{usage.key}' is not in the dependencies of"
            f" the inline script metadata (PEP 723) of {usage.script}{note}",
            remediation=f'Add "{usage.key}" to dependencies = [...] in the "# /// script" block of'
            f" {usage.script}.",
            location=Location(first.path, first.line),
            evidence=_evidence(usage.sites),
        )
    ]


def _ambiguous(usage: Usage, install: ImageInstall, first: Site) -> Finding | None:
    resembles = [p for p in usage.plausible if p in install.names]
    if usage.how != "name" or not resembles:
        return None
    names = " or ".join(f"'{p}'" for p in resembles)
    return Finding(
        code=check.code,
        severity=Severity.WARNING,
        subject=usage.subject,
        message=f"'{first.name}' is imported and no declared distribution is known to provide"
        f" it, but {names}, which {install.label.split(', ', 1)[-1]}, may: the mapping is"
        " ambiguous",
        remediation="Say which distribution provides it: [tool.kabul.import-map]"
        f' {first.name.split(".")[0]} = "{resembles[0]}" (or declare "{usage.key}" if it is a'
        " different package).",
        location=Location(first.path, first.line),
        evidence=_evidence(usage.runtime_sites),
    )


def _judge(project: Project, usage: Usage, ctx: _Context) -> list[Finding]:
    app = usage.app
    install = ctx.install
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
        library = library_of(project, runtime)
        if library is not None:
            head = library_head(library, first, usage.key, app.name, install)
        closure = ctx.runtime()
        via = next((closure[c] for c in cands if c in closure), None)
        if library is not None and all(s.via for s in runtime) and via is None:
            return [
                Finding(
                    code=check.code,
                    severity=Severity.WARNING,
                    subject=usage.subject,
                    message=f"{head}; it is only installed as a dependency of {first.via}",
                    remediation=library_advice(project, app, install, library, usage.key),
                    location=Location(first.path, first.line),
                    evidence=_evidence(runtime),
                )
            ]
        if via is not None and ctx.lock is not None:
            return [
                Finding(
                    code=check.code,
                    severity=Severity.WARNING,
                    subject=usage.subject,
                    message=(
                        f"{head}; it is only installed as a dependency of '{via}' ({ctx.lock.path})"
                    ),
                    remediation=add_advice(project, app, install, usage.key),
                    location=Location(first.path, first.line),
                    evidence=_evidence(runtime),
                )
            ]
        ambiguous = _ambiguous(usage, install, first)
        if ambiguous is not None:
            return [ambiguous]
        severity, note = _weight(runtime)
        lazy = _lazy_dev_note(project, app, cands, runtime) if severity is Severity.ERROR else ""
        if lazy:
            severity, note = Severity.WARNING, lazy
        decls = [d for m in app_manifests(project, app) for d in m.deps if d.name in cands]
        optional = optional_declaration(install, decls) if install.dockerfile else None
        if optional is not None:
            message = (
                f"'{first.name}' is imported but '{usage.key}' is only declared in"
                f" {describe(optional)}, which {install.dockerfile} does not install{note}"
            )
            return [
                Finding(
                    code=check.code,
                    severity=severity,
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
        if ctx.lock is None and not elsewhere:
            message += (
                f"; no lockfile: whether '{usage.key}' arrives transitively cannot be known here"
            )
        advice = (
            library_advice(project, app, install, library, usage.key)
            if library is not None
            else add_advice(project, app, install, usage.key)
        )
        return [
            Finding(
                code=check.code,
                severity=severity,
                subject=usage.subject,
                message=message + note,
                remediation=advice,
                location=Location(first.path, first.line),
                evidence=_evidence(usage.sites),
            )
        ]
    manifests = app_manifests(project, app)
    everything = set(install.names) | {d.name for m in manifests for d in m.deps}
    if any(c in everything or c in guaranteed_by(everything) for c in cands):
        return []
    if any(c in ctx.everything() for c in cands):
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


def _lazy_dev_note(
    project: Project, app: PythonApp, cands: tuple[str, ...], sites: tuple[Site, ...]
) -> str:
    """The note for a distribution the app declares only for development and imports only
    inside functions (``def dev_start(): import watchfiles``): a deliberate development feature
    whose one code path fails in production, not a crash at import; "" otherwise."""
    decls = [d for m in app_manifests(project, app) for d in m.deps if d.name in cands]
    if not decls or not all(_dev_declaration(d) for d in decls):
        return ""
    functions = [enclosing_function(project, s.path, s.line) for s in sites]
    if not functions or any(f is None for f in functions):
        return ""
    where = ", ".join(
        sorted({f"{s.path}:{s.line} in {f}()" for s, f in zip(sites, functions, strict=True)})
    )
    group = sorted({d.group or d.source for d in decls})[0]
    return (
        f"; it is declared only for development ({group}) and imported only inside functions"
        f" ({where}), so only those code paths fail in production"
    )


def _dev_declaration(decl: Declared) -> bool:
    name = decl.source.rsplit("/", 1)[-1].lower()
    if decl.kind is DepKind.GROUP:
        return any(w in decl.group.lower() for w in DEV_WORDS) or decl.group == ""
    return (
        decl.kind is DepKind.RUNTIME
        and name.startswith("requirements")
        and any(w in name for w in DEV_WORDS)
    )


def _incomplete(found: AppUsages) -> list[Finding]:
    return [
        Finding(
            code=check.code,
            severity=Severity.ERROR,
            subject=f"{found.app.name}:{path}",
            message=f"the imports of {path} could not be read by any Python parser, so KAB101 is"
            f" incomplete for {found.app.name} (see KAB001 for the parser's message)",
            remediation=f"Fix the syntax of {path} (or exclude it with [tool.kabul] exclude if it"
            " is not code production runs).",
            location=Location(path),
        )
        for path in found.unreadable
    ]


def _unread_manifests(project: Project, found: AppUsages) -> list[Finding]:
    """A manifest of the app that could not be read completely (a ``tool = "x"`` pyproject,
    invalid INI, a URL requirement that names no package): what it declares is unknown."""
    paths = {*found.app.manifests, *(m.path for m in app_manifests(project, found.app))}
    bad = sorted({p.path for p in project.problems if p.path in paths})
    return [
        Finding(
            code=check.code,
            severity=Severity.ERROR,
            subject=f"{found.app.name}:{path}",
            message=f"{path} could not be read completely, so what it declares is unknown and"
            f" KAB101 is incomplete for {found.app.name} (see KAB001 for why)",
            remediation=f"Fix {path} so pip and pytest-kabul can read every declaration (a URL"
            " requirement needs a name: `name @ git+https://…`).",
            location=Location(path),
        )
        for path in bad
    ]


@check.evaluator
def evaluate(project: Project) -> Evaluation:
    sets = app_usage_sets(project)
    if not any(s.usages or s.unreadable for s in sets):
        return Evaluation.skip("no Python app imports a third-party package")
    findings: list[Finding] = []
    subjects: list[str] = []
    for found in sets:
        ctx = _Context(project, found)
        findings.extend(_incomplete(found))
        subjects.extend(f"{found.app.name}:{p}" for p in found.unreadable)
        for usage in found.usages:
            subjects.append(usage.subject)
            if usage.script is not None:
                findings.extend(_judge_script(project, usage))
            else:
                findings.extend(_judge(project, usage, ctx))
        unread = _unread_manifests(project, found)  # after the judging read every manifest
        findings.extend(unread)
        subjects.extend(f.subject for f in unread)
    return Evaluation.build(subjects=sorted(set(subjects)), findings=findings)
