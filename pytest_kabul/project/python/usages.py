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
from pytest_kabul.project.docker.installs import ImageInstall, app_manifests, production_install
from pytest_kabul.project.python.apps import PythonApp
from pytest_kabul.project.python.distributions import (
    NAMESPACES,
    Resolution,
    guaranteed_by,
    resolve,
    targets_of,
)
from pytest_kabul.project.python.imports import Import, imports_in, mentions_main
from pytest_kabul.project.python.library_code import (
    Library,
    StringKeys,
    libraries,
    library_imports,
    reachable,
)
from pytest_kabul.project.python.locks import Lock, lock_for
from pytest_kabul.project.python.manifests.compiled import compiled_lock
from pytest_kabul.project.python.prefetch import prefetch_imports
from pytest_kabul.project.python.scripts import inline_script
from pytest_kabul.project.python.stdlib import (
    image_version,
    stdlib_names,
    versions_allowed,
)

# Build and task-runner files: judged with the dev/test dependencies, not the image's.
TOOLING_FILES = frozenset({"setup.py", "noxfile.py", "fabfile.py", "tasks.py", "manage_dev.py"})
SCRIPT_DIRS = frozenset({"scripts", "script", "bin", "tools", "tasks", "management", "commands"})


@dataclass(frozen=True, order=True, slots=True)
class Site:
    path: str
    line: int
    name: str  # the import name as shown in messages ('sentry_sdk', 'google.cloud.storage')
    guarded: bool
    test: bool
    guard: str = ""  # imports.Guard: quiet / warns / raises / on-demand
    library: str = ""  # an in-repository library the image installs whose code imports it
    via: str = ""  # the library's lockfile installs it through this dependency (transitive)


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


def _loose_files(project: Project, app: PythonApp) -> frozenset[str]:
    """Files in a folder that is no regular package (and not the app's root), whose folder and
    module no import of the app names: Python reaches them only as scripts (``python
    tools/pdf/inspect.py``) or with their folder put on ``sys.path``, so a bare ``import helper``
    there means the ``helper.py`` beside them. A module of a namespace package (a folder
    without ``__init__.py`` that other code imports from) is not loose."""
    folders = {p: p.rpartition("/")[0] for p in app.python_files}
    candidates = [p for p, d in folders.items() if d not in app.package_dirs and d != app.root]
    if not candidates:
        return frozenset()
    imported: set[str] = set()
    for path in app.python_files:
        imported.update(imp.module for imp in imports_in(project, path) or ())
    loose = set()
    for path in candidates:
        parts = _module_parts(app, path)
        if ".".join(parts) not in imported and ".".join(parts[:-1]) not in imported:
            loose.add(path)
    return frozenset(loose)


def _module_parts(app: PythonApp, path: str) -> list[str]:
    """The dotted name's parts of a file of the app (``src/`` is an import root, not a name)."""
    parts = app.rel(path).removesuffix(".py").split("/")
    return parts[1:] if parts[0] == "src" and len(parts) > 1 else parts


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
        parts = _module_parts(app, path)
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


def _image_lock(project: Project, app: PythonApp) -> Lock | None:
    """A compiled requirements file the production install uses: what production resolves."""
    for path in production_install(project, app).manifests:
        found = compiled_lock(project, path) if path.endswith(".txt") else None
        if found is not None:
            return found
    return None


class _LibContext:
    """The in-repository libraries an app's image installs, and the imports of their code."""

    def __init__(
        self,
        project: Project,
        app: PythonApp,
        known: frozenset[str],
        mapping: Mapping[str, tuple[str, ...]],
        stdlib: frozenset[str],
        versions: tuple[tuple[int, int], ...],
    ) -> None:
        self.project = project
        self.app = app
        self.known = known
        self.mapping = mapping
        self.stdlib = stdlib
        self.versions = versions

    def _extras(self, lib: Library, install: ImageInstall) -> tuple[str, ...] | None:
        """The extras the image installs ``lib`` with; None when it does not install it."""
        if lib.manifest in install.manifests:
            return install.extras
        chosen = [d.extras for d in install.installed if d.name == lib.name]
        return tuple(sorted({e for extras in chosen for e in extras})) if chosen else None

    def library_sites(self, entries: list[Import]) -> list[tuple[Site, Resolution]]:
        install = production_install(self.project, self.app)
        out: list[tuple[Site, Resolution]] = []
        keys = StringKeys(self.project, self.app.runtime_files)  # walked only if asked
        for lib in libraries(self.project):
            extras = self._extras(lib, install)
            if extras is None or lib.app.root == self.app.root:
                continue
            by_path = lib.manifest in install.manifests
            starts = tuple(
                sorted(
                    {
                        dotted
                        for imp in entries
                        if imp.top in lib.packages
                        and (by_path or lib.name in resolve(imp.module, self.known).candidates)
                        for dotted in imp.candidates()
                    }
                )
            )
            if not starts:
                continue
            files = reachable(self.project, lib, starts, keys)
            out.extend(self._judge(lib, extras, install, files))
        return out

    def _judge(
        self, lib: Library, extras: tuple[str, ...], install: ImageInstall, files: tuple[str, ...]
    ) -> list[tuple[Site, Resolution]]:
        provided = set(lib.provides(extras)) | set(install.names)
        provided |= set(guaranteed_by(provided))
        known = self.known | lib.declared
        lock = lock_for(self.project, lib.app.root)
        roots = [(lib.name, extras)] + [(n, ()) for n in sorted(lib.provides(extras))]
        closure = lock.closure(roots) if lock is not None else {}
        out: list[tuple[Site, Resolution]] = []
        for path, imp in library_imports(self.project, files):
            if imp.top in self.stdlib or imp.top in lib.app.local_modules:
                continue
            if imp.gate is not None and not any(imp.reached_on(v) for v in self.versions):
                continue
            for target in targets_of(imp.module, imp.names):
                res = resolve(target, known, self.mapping)
                if provided & set(res.candidates) or lib.name in res.candidates:
                    continue
                via = next((closure[c] for c in res.candidates if c in closure), None)
                note = f"{via} ({lock.path})" if via is not None and lock is not None else ""
                site = Site(
                    path,
                    imp.line,
                    _display(target),
                    imp.guarded,
                    False,
                    imp.guard,
                    lib.name,
                    note,
                )
                out.append((site, res))
        return out


def app_usages(project: Project, app: PythonApp) -> AppUsages:
    manifests = app_manifests(project, app)
    declared = {d.name for m in manifests for d in m.deps}
    own = {m.project_name for m in manifests if m.project_name}
    lock = _image_lock(project, app) or lock_for(project, app.root)
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
    entries: list[Import] = []  # runtime imports (the entry points into installed libraries)
    loose = _loose_files(project, app)
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
            app.sibling_modules(path, script=is_script)
            if (test or is_script or path in loose)
            else frozenset()
        )
        for imp in imports:
            top = imp.top
            if top in siblings or top in stdlib:
                continue
            if imp.gate is not None and not any(imp.reached_on(v) for v in versions):
                continue  # ``if sys.version_info < (3, 11): import tomli`` on a 3.12 target
            if script is None and not test and not is_script:
                entries.append(imp)
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
    if app.production:
        ctx = _LibContext(project, app, known, mapping, stdlib, versions)
        for lib_site, res in ctx.library_sites(entries):
            sites.setdefault(res.candidates, []).append(lib_site)
            found.setdefault(res.candidates, res)
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
    apps = runtime_apps(project)
    prefetch_imports(project, [f for app in apps for f in app.python_files])
    result = tuple(app_usages(project, app) for app in apps)
    project.records.save()  # the per-file import records, for the next run
    return result


@facet
def usages(project: Project) -> tuple[Usage, ...]:
    """Every (app, distribution) imported anywhere in the project, sorted by subject."""
    out = [u for s in app_usage_sets(project) for u in s.usages]
    return tuple(sorted(out, key=lambda u: (u.subject, u.script or "")))
