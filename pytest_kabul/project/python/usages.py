"""Which distributions each Python app imports, and from where (the facet behind KAB101/KAB102).

Everything here is decided by the commit: the import names come from the files (any syntax, see
:mod:`parser`), the standard library from the app's target version (the production image's
``python:3.X`` base, else ``requires-python``), the distribution from
:func:`~pytest_kabul.project.python.distributions.resolve` fed with what the app declares and
locks. PEP 723 scripts (``# /// script``) are their own small apps (:mod:`scripts`). A runtime
file that cannot be read is recorded in :attr:`AppUsages.unreadable`, so the check can say its
verdict is incomplete instead of passing silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.deploy.programs import runtime_apps
from pytest_kabul.project.docker.dockerfiles import dockerfiles
from pytest_kabul.project.docker.installs import app_manifests, production_install
from pytest_kabul.project.python.apps import PythonApp
from pytest_kabul.project.python.distributions import NAMESPACES, Resolution, resolve, targets_of
from pytest_kabul.project.python.imports import Import, imports_in, mentions_main
from pytest_kabul.project.python.locks import Lock, lock_for
from pytest_kabul.project.python.scripts import inline_script
from pytest_kabul.project.python.stdlib import (
    image_version,
    stdlib_names,
    versions_allowed,
)

# Build and task-runner files: judged with the dev/test dependencies, not the image's.
TOOLING_FILES = frozenset({"setup.py", "noxfile.py", "fabfile.py", "tasks.py", "manage_dev.py"})
SCRIPT_DIRS = frozenset({"scripts", "script", "bin", "tools", "tasks", "management", "commands"})


@dataclass(frozen=True, order=True)
class Site:
    path: str
    line: int
    name: str  # the import name as shown in messages ('sentry_sdk', 'google.cloud.storage')
    guarded: bool
    test: bool
    guard: str = ""  # imports.Guard: quiet / warns / raises / on-demand


@dataclass(frozen=True)
class Usage:
    """One distribution an app imports: its candidates and every import site."""

    app: PythonApp
    key: str  # the candidate chosen for the subject
    candidates: tuple[str, ...]
    sites: tuple[Site, ...]
    how: str = "name"  # how the name was resolved (distributions.Resolution.how)
    plausible: tuple[str, ...] = ()  # declared names it only resembles (ambiguous mapping)
    script: str | None = None  # a PEP 723 script: judged against its own dependencies

    @property
    def subject(self) -> str:
        return f"{self.script or self.app.name}:{self.key}"

    @property
    def runtime_sites(self) -> tuple[Site, ...]:
        return tuple(s for s in self.sites if not s.test)

    @property
    def test_sites(self) -> tuple[Site, ...]:
        return tuple(s for s in self.sites if s.test)


def _display(target: str) -> str:
    parts = target.split(".")
    return ".".join(parts[:3]) if parts[0] in NAMESPACES and len(parts) > 1 else parts[0]


def _is_script(project: Project, app: PythonApp, path: str) -> bool:
    folder = app.rel(path).split("/")[:-1]
    return bool(folder and folder[-1] in SCRIPT_DIRS) or mentions_main(project, path)


def _namespace_tops(app: PythonApp) -> tuple[frozenset[str], frozenset[str]]:
    """Top-level folders without ``__init__.py`` and the dotted names found under them.

    A namespace folder never shadows an installed regular package (``alembic/`` holding
    ``env.py`` does not hide the ``alembic`` distribution), so an import of such a name is
    local only when the imported submodule exists in the app.
    """
    weak: set[str] = set()
    for top in app.local_modules:
        dirs = [app.path(top), app.path(f"src/{top}")]
        present = [d for d in dirs if d in app.folder_modules]
        if present and not any(d in app.package_dirs for d in present):
            weak.add(top)
    dotted: set[str] = set()
    for path in app.python_files:
        parts = app.rel(path).removesuffix(".py").split("/")
        if parts[0] == "src" and len(parts) > 1:
            parts = parts[1:]
        if parts[0] in weak:
            for depth in range(2, len(parts) + 1):
                dotted.add(".".join(parts[:depth]))
    return frozenset(weak), frozenset(dotted)


def _is_local(imp: Import, weak: frozenset[str], dotted: frozenset[str]) -> bool:
    return any(c in dotted for c in imp.candidates()) or imp.top not in weak


def target_versions(project: Project, app: PythonApp) -> tuple[tuple[int, int], ...]:
    """The Python minors production may run: the image's ``python:3.X`` base, else
    ``requires-python`` of the app's pyproject (3.9-3.15 when neither says)."""
    install = production_install(project, app)
    if install.dockerfile:
        for df in dockerfiles(project):
            if df.path == install.dockerfile:
                version = image_version(df.base_image())
                if version is not None:
                    return (version,)
    pyproject = app.path("pyproject.toml")
    data = project.read_toml(pyproject) if pyproject in project.files else None
    requires = (data or {}).get("project", {}).get("requires-python")
    if not isinstance(requires, str):
        poetry = (data or {}).get("tool", {}).get("poetry", {}).get("dependencies", {})
        requires = poetry.get("python") if isinstance(poetry, dict) else None
        if isinstance(requires, str) and requires.startswith("^"):
            requires = ">=" + requires[1:]
    return versions_allowed(requires if isinstance(requires, str) else None)


def import_map(project: Project) -> Mapping[str, tuple[str, ...]]:
    return project.config.import_map


@dataclass(frozen=True)
class AppUsages:
    app: PythonApp
    usages: tuple[Usage, ...]
    unreadable: tuple[str, ...]  # runtime files no parser could read
    lock: Lock | None
    known: frozenset[str]  # declared and locked distributions (for the mapping)


def _merge(
    app: PythonApp,
    sites: dict[tuple[str, ...], list[Site]],
    found: dict[tuple[str, ...], Resolution],
    declared: set[str],
    script: str | None = None,
) -> list[Usage]:
    merged: dict[str, tuple[tuple[str, ...], list[Site], Resolution]] = {}
    for cands, where in sites.items():
        key = next((c for c in cands if c in declared), cands[0])
        prev = merged.get(key)
        if prev is None:
            merged[key] = (cands, list(where), found[cands])
        else:
            union = tuple(dict.fromkeys(prev[0] + cands))
            merged[key] = (union, prev[1] + where, prev[2])
    return [
        Usage(app, key, cands, tuple(sorted(set(where))), res.how, res.plausible, script)
        for key, (cands, where, res) in sorted(merged.items())
    ]


def app_usages(project: Project, app: PythonApp) -> AppUsages:
    manifests = app_manifests(project, app)
    declared = {d.name for m in manifests for d in m.deps}
    own = {m.project_name for m in manifests if m.project_name}
    lock = lock_for(project, app.root)
    known = frozenset(declared | set(lock.packages if lock else ()))
    mapping = import_map(project)
    versions = target_versions(project, app)
    stdlib = stdlib_names(versions)
    tests = set(app.test_files) | set(app.tooling_files)  # judged like test code
    weak, dotted = _namespace_tops(app)
    resolved: dict[str, Resolution] = {}
    out: list[Usage] = []
    unreadable: list[str] = []
    sites: dict[tuple[str, ...], list[Site]] = {}
    found: dict[tuple[str, ...], Resolution] = {}
    for path in app.python_files:
        imports = imports_in(project, path)
        if imports is None:
            if path not in tests and app.rel(path) not in TOOLING_FILES:
                unreadable.append(path)
            continue
        test = path in tests or app.rel(path) in TOOLING_FILES
        script = inline_script(project, path)
        script_known = frozenset(script.dependencies) if script else frozenset()
        script_sites: dict[tuple[str, ...], list[Site]] = {}
        script_found: dict[tuple[str, ...], Resolution] = {}
        is_script = script is not None or (not test and _is_script(project, app, path))
        siblings = (
            app.sibling_modules(path, script=is_script) if (test or is_script) else frozenset()
        )
        for imp in imports:
            top = imp.top
            if top in siblings or top in stdlib:
                continue
            if imp.gate is not None and not any(imp.reached_on(v) for v in versions):
                continue  # ``if sys.version_info < (3, 11): import tomli`` on a 3.12 target
            if script is None and top in app.local_modules and _is_local(imp, weak, dotted):
                continue
            for target in targets_of(imp.module, imp.names):
                if script is not None:
                    res = resolve(target, script_known, mapping)
                    site = Site(path, imp.line, _display(target), imp.guarded, test, imp.guard)
                    script_sites.setdefault(res.candidates, []).append(site)
                    script_found[res.candidates] = res
                    continue
                res = resolved.get(target) or resolve(target, known, mapping)
                resolved[target] = res
                if own & set(res.candidates):
                    continue
                site = Site(path, imp.line, _display(target), imp.guarded, test, imp.guard)
                sites.setdefault(res.candidates, []).append(site)
                found[res.candidates] = res
        if script is not None:
            out.extend(_merge(app, script_sites, script_found, set(script.dependencies), path))
    out.extend(_merge(app, sites, found, declared))
    return AppUsages(
        app,
        tuple(sorted(out, key=lambda u: (u.subject, u.script or ""))),
        tuple(sorted(unreadable)),
        lock,
        known,
    )


@facet
def app_usage_sets(project: Project) -> tuple[AppUsages, ...]:
    """Per app: its usages, unreadable runtime files and lockfile, sorted by app. File roles come
    from the runtime model (:func:`~pytest_kabul.project.deploy.programs.runtime_apps`)."""
    return tuple(app_usages(project, app) for app in runtime_apps(project))


@facet
def usages(project: Project) -> tuple[Usage, ...]:
    """Every (app, distribution) imported anywhere in the project, sorted by subject."""
    out = [u for s in app_usage_sets(project) for u in s.usages]
    return tuple(sorted(out, key=lambda u: (u.subject, u.script or "")))
