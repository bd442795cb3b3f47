"""Which distributions each Python app imports, and from where (shared by KAB101/KAB102)."""

from __future__ import annotations

from dataclasses import dataclass

from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.docker.installs import app_manifests
from pytest_kabul.project.python.apps import PythonApp, python_apps
from pytest_kabul.project.python.distributions import (
    NAMESPACES,
    candidates,
    is_curated,
    is_stdlib,
    targets_of,
)
from pytest_kabul.project.python.imports import Import, imports_in, mentions_main

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


@dataclass(frozen=True)
class Usage:
    """One distribution an app imports: its candidates and every import site."""

    app: PythonApp
    key: str  # the candidate chosen for the subject
    candidates: tuple[str, ...]
    sites: tuple[Site, ...]

    @property
    def subject(self) -> str:
        return f"{self.app.name}:{self.key}"

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


def app_usages(project: Project, app: PythonApp) -> tuple[Usage, ...]:
    declared = {d.name for m in app_manifests(project, app) for d in m.deps}
    own = {m.project_name for m in app_manifests(project, app) if m.project_name}
    tests = set(app.test_files) | set(app.tooling_files)
    weak, dotted = _namespace_tops(app)
    resolved: dict[str, tuple[str, ...]] = {}
    sites: dict[tuple[str, ...], list[Site]] = {}
    for path in app.python_files:
        found = imports_in(project, path)
        if not found:
            continue
        test = path in tests or app.rel(path) in TOOLING_FILES
        script = not test and _is_script(project, app, path)
        siblings = app.sibling_modules(path, script=script) if (test or script) else frozenset()
        for imp in found:
            top = imp.top
            if top in siblings or is_stdlib(top):
                continue
            if top in app.local_modules and _is_local(imp, weak, dotted):
                continue
            for target in targets_of(imp.module, imp.names):
                cands = resolved.get(target)
                if cands is None:
                    # The installed-metadata map costs ~0.1 s to build: only consult it for a
                    # name the table does not know and that is not declared under its own name.
                    cands = candidates(target, environment=False)
                    if not is_curated(target) and not declared.intersection(cands):
                        cands = candidates(target)
                    resolved[target] = cands
                if own & set(cands):
                    continue
                sites.setdefault(cands, []).append(
                    Site(path, imp.line, _display(target), imp.guarded, test)
                )
    merged: dict[str, tuple[tuple[str, ...], list[Site]]] = {}
    for cands, where in sites.items():
        key = next((c for c in cands if c in declared), cands[0])
        prev = merged.get(key)
        if prev is None:
            merged[key] = (cands, list(where))
        else:
            union = tuple(dict.fromkeys(prev[0] + cands))
            merged[key] = (union, prev[1] + where)
    return tuple(
        Usage(app, key, cands, tuple(sorted(set(where))))
        for key, (cands, where) in sorted(merged.items())
    )


@facet
def usages(project: Project) -> tuple[Usage, ...]:
    """Every (app, distribution) imported anywhere in the project, sorted by subject."""
    out: list[Usage] = []
    for app in python_apps(project):
        out.extend(app_usages(project, app))
    return tuple(sorted(out, key=lambda u: u.subject))
