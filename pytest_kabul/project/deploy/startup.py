"""What a start path's start-up does to the schema: the ``create_all`` and Alembic upgrades it
reaches, and whether it reaches a database at all.

The server's entry modules (:func:`~pytest_kabul.project.deploy.entries.entry_modules`) give the
first-party modules it imports (:func:`~pytest_kabul.project.deploy.entries.reachable`); from
their import-time code, lifespans, startup hooks and app factory the calls are followed
(:func:`~pytest_kabul.project.migrations.startup_calls.reach`). A Python program the path runs
before the server (``python -m app.migrate``) is followed the same way from its main block, so a
migration runner that calls a helper's ``command.upgrade`` counts. When the entry module cannot
be found, the app's runtime files stand in, with only lifespans and startup hooks as roots.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.deploy.entries import app_for_path, app_of, entry_modules, reachable
from pytest_kabul.project.deploy.model import StartPath
from pytest_kabul.project.migrations.startup_calls import Reach, may_bootstrap, reach
from pytest_kabul.project.python.apps import PythonApp, python_apps


@dataclass(frozen=True)
class Site:
    path: str
    line: int
    guarded: bool = False


@dataclass(frozen=True)
class StartupSchema:
    app: str | None  # the app's name, None when no Python app was found for the path
    entries: tuple[str, ...]
    creates: tuple[Site, ...]  # create_all calls start-up reaches
    upgrades: tuple[Site, ...]  # alembic.command.upgrade calls start-up reaches
    database: bool  # start-up reaches SQLAlchemy / SQLModel / Alembic code

    @property
    def unconditional(self) -> Site | None:
        return next((c for c in self.creates if not c.guarded), None)

    @property
    def guarded(self) -> Site | None:
        return next((c for c in self.creates if c.guarded), None)


@facet
def _memo(project: Project) -> dict[tuple[str | None, tuple[str, ...], str], StartupSchema]:
    return {}


def _factory(path: StartPath) -> tuple[str, ...]:
    server = path.server
    target = server.target if server is not None else None
    if not target or ":" not in target:
        return ()
    name = target.split(":", 1)[1].split("(", 1)[0].strip()
    return (name,) if name and ((server is not None and server.factory) or "(" in target) else ()


def startup_schema(project: Project, path: StartPath) -> StartupSchema:
    """The schema work the start-up of ``path``'s server (or program) reaches."""
    app = app_for_path(project, path)
    entries = tuple(entry_modules(project, app, path)) if app is not None else ()
    factories = _factory(path)
    key = (app.name if app is not None else None, entries, ",".join(factories))
    memo = _memo(project)
    if key in memo:
        return memo[key]
    found: Reach
    if app is None:
        found = Reach((), (), True)  # nothing to follow: assume a database, judge the path
    elif entries:
        files = reachable(project, app, list(entries))
        server_entry = _server_entries(project, app, path)
        scripts = [e for e in entries if e not in server_entry]
        found = reach(project, files, scripts=scripts, factories=factories)
    else:
        found = reach(project, app.runtime_files, import_time=False, factories=factories)
    result = StartupSchema(
        app=app.name if app is not None else None,
        entries=entries,
        creates=tuple(Site(p, line, g) for p, line, g in found.creates),
        upgrades=tuple(Site(p, line) for p, line in found.upgrades),
        database=found.database,
    )
    memo[key] = result
    return result


def _server_entries(project: Project, app: PythonApp, path: StartPath) -> set[str]:
    """Entry modules the ASGI/WSGI server imports (not run as a program)."""
    step = path.server_step
    if step is None or step.server is None or not step.server.target:
        return set()
    return set(entry_modules(project, app, replace(path, steps=(step,))))


def program_upgrade(project: Project, rel: str) -> tuple[str, int] | None:
    """The ``alembic.command.upgrade`` a Python program (``python -m app.migrate``) reaches from
    its main block and import-time code, through the helpers it imports: (file, line), or None."""
    folder = rel.rsplit("/", 1)[0] if "/" in rel else ""
    app = app_of(python_apps(project), folder)
    if app is None:
        return None
    files = reachable(project, app, [rel])
    if not any(may_bootstrap(project, f, creates=False) for f in files):
        return None  # no upgrade call can be reached: the modules need not be walked
    found = reach(project, files, scripts=[rel])
    return found.upgrades[0] if found.upgrades else None
