"""Which shipped modules production never runs: other programs' scripts and tool plugins.

:func:`~pytest_kabul.project.python.apps.python_apps` calls a file *runtime* when a production
image ships it. Two kinds of shipped module are still not code production runs, and only the
start-path model can tell:

- a **program of another start path**: a module that start paths run as a Python program
  (``python /app/bridge.py``, ``python -m app.tools.tunnel``; never a server's or worker's app
  module, which is the app itself) only where that is not the app's
  production image running it: a development start path (a dev compose stack, a service under a
  ``dev``/``debug``/``tools`` profile, a ``--reload`` server), or a container of another program
  that gets the file through a bind mount (``image: python:3.13-slim`` + ``volumes:
  ./api/bridge.py:/app/bridge.py`` + its own ``pip install``);
- a **tool plugin**: a module registered as an entry point of a tool the production image does
  not install (``[project.entry-points."mkdocs.plugins"]``, ``pytest11``), or listed as a hook in
  ``mkdocs.yml``.

Either one becomes tooling only when no other runtime module of its app imports it (the import
graph, relative imports included): a module production code imports is production code, however
else it is started. :func:`runtime_apps` is ``python_apps`` with those files moved to tooling,
each with its reason (``--kabul-explain-runtime`` prints them).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import replace

from pytest_kabul.project import shell as sh
from pytest_kabul.project.compose.load import compose_models
from pytest_kabul.project.compose.model import ComposeService
from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.deploy.entries import app_for_path, entry_modules, reachable
from pytest_kabul.project.deploy.model import StartKind, StartPath
from pytest_kabul.project.deploy.startpaths import start_paths
from pytest_kabul.project.docker.installs import production_install
from pytest_kabul.project.python.apps import PythonApp, python_apps

# Compose profiles that mark a service as a developer's or an operator's tool, not production.
DEV_PROFILES = re.compile(
    r"^(dev|develop|development|debug|tools?|tooling|devtools|test|tests|testing|local|ci)$",
    re.IGNORECASE,
)


def _services(project: Project) -> dict[str, ComposeService]:
    return {
        f"{model.subject}:{name}": service
        for model in compose_models(project)
        for name, service in model.services.items()
    }


def _mounted(service: ComposeService | None, container_path: str, project: Project) -> str | None:
    """The project file a bind mount of ``service`` puts at ``container_path``, else None."""
    if service is None or not container_path.startswith("/"):
        return None
    for volume in service.volumes:
        parts = volume.split(":")
        if len(parts) < 2 or parts[0].startswith("/") or "$" in parts[0]:
            continue
        source, target = posixpath.normpath(parts[0]), parts[1].rstrip("/")
        if container_path == target:
            rel = source
        elif container_path.startswith(target + "/"):
            rel = posixpath.join(source, container_path[len(target) + 1 :])
        else:
            continue
        if rel in project.files:
            return rel
    return None


def _programs(
    project: Project, path: StartPath, service: ComposeService | None
) -> tuple[list[str], list[str]]:
    """(files the path runs from its image or checkout, files it runs through a bind mount)."""
    own: list[str] = []
    app = app_for_path(project, path)
    # Only Python programs (``python x.py``, ``python -m x``): a server's or worker's app module
    # is the app itself, whichever path was found to run it.
    programs = tuple(s for s in path.steps if s.server is None and _is_python(s.argv))
    if app is not None and programs:
        own.extend(entry_modules(project, app, replace(path, steps=programs)))
    mounted: list[str] = []
    for step in path.steps:
        script = sh.python_script(list(step.argv))
        rel = _mounted(service, script, project) if script else None
        if rel is not None and rel.endswith(".py"):
            mounted.append(rel)
    if path.dockerfile is None and path.image is not None and mounted:
        own = [f for f in own if f not in mounted]  # a pulled image runs the mounted copy
    return own, mounted


def _is_python(argv: tuple[str, ...]) -> bool:
    args = list(argv)
    return sh.python_module(args)[0] is not None or sh.python_script(args) is not None


def _dev_profile(service: ComposeService | None) -> str | None:
    if service is None or not service.profiles:
        return None
    if all(DEV_PROFILES.match(p) for p in service.profiles):
        return ", ".join(service.profiles)
    return None


def _runs(project: Project) -> tuple[set[str], dict[str, list[str]]]:
    """(files some production start path runs from its own image, file -> other runs)."""
    services = _services(project)
    production: set[str] = set()
    others: dict[str, list[str]] = {}
    for path in start_paths(project):
        service = services.get(path.subject) if path.kind is StartKind.COMPOSE else None
        own, mounted = _programs(project, path, service)
        profile = _dev_profile(service)
        for rel in own:
            if profile is not None:
                others.setdefault(rel, []).append(f"{path.subject} (profile {profile})")
            elif not path.production:
                others.setdefault(rel, []).append(f"{path.subject} (a development start path)")
            else:  # shipped or not (a wheel installed from an index), production runs it
                production.add(rel)
        for rel in mounted:
            if path.image is not None and path.dockerfile is None:
                what = f"mounted into {path.image}, another program's container"
            else:
                what = "bind-mounted into the container"
            others.setdefault(rel, []).append(f"{path.subject} ({what})")
    return production, others


def _entry_point_groups(project: Project, app: PythonApp) -> dict[str, dict[str, str]]:
    pyproject = app.path("pyproject.toml")
    data = project.read_toml(pyproject) if pyproject in project.files else None
    groups = (data or {}).get("project", {}).get("entry-points", {})
    if not isinstance(groups, dict):
        return {}
    return {
        str(g): {str(k): str(v) for k, v in entries.items()}
        for g, entries in groups.items()
        if isinstance(entries, dict)
    }


def _module_file(app: PythonApp, project: Project, dotted: str) -> str | None:
    stem = dotted.replace(".", "/")
    for base in ("", "src/"):
        for candidate in (f"{base}{stem}.py", f"{base}{stem}/__init__.py"):
            if app.path(candidate) in project.files:
                return app.path(candidate)
    return None


def _tool_plugins(project: Project, app: PythonApp) -> dict[str, str]:
    """Modules registered as plugins of a tool the production image does not install."""
    installed = production_install(project, app).names
    out: dict[str, str] = {}
    for group, entries in sorted(_entry_point_groups(project, app).items()):
        tool = re.split(r"[._]", group, maxsplit=1)[0].lower()
        tool = re.sub(r"\d+$", "", tool)  # ``pytest11`` -> pytest
        if not tool or tool in installed or tool in ("console", "gui"):
            continue
        for name, value in sorted(entries.items()):
            rel = _module_file(app, project, value.split(":", 1)[0].strip())
            if rel is not None:
                out.setdefault(
                    rel,
                    f"a {tool} plugin (entry point {name} in [project.entry-points.{group!r}]);"
                    f" the production image does not install {tool}",
                )
    for config in ("mkdocs.yml", "mkdocs.yaml"):
        data = project.read_yaml(app.path(config)) if app.path(config) in project.files else None
        hooks = data.get("hooks") if isinstance(data, dict) else None
        for hook in hooks if isinstance(hooks, list) else ():
            rel = app.path(posixpath.normpath(str(hook)))
            if rel in project.files:
                out.setdefault(rel, f"an mkdocs hook listed in {app.path(config)}")
    return out


@facet
def runtime_apps(project: Project) -> tuple[PythonApp, ...]:
    """``python_apps`` with the shipped modules production never runs moved to tooling (see the
    module docstring)."""
    apps = python_apps(project)
    production, others = _runs(project)
    out: list[PythonApp] = []
    for app in apps:
        runtime = set(app.runtime_files)
        candidates: dict[str, str] = {}
        for rel, runs in sorted(others.items()):
            if rel in runtime and rel not in production:
                candidates[rel] = "run only by " + "; ".join(sorted(set(runs)))
        for rel, why in _tool_plugins(project, app).items():
            if rel in runtime and rel not in production:
                candidates.setdefault(rel, why)
        if not candidates:
            out.append(app)
            continue
        roots = [f for f in app.runtime_files if f not in candidates]
        imported = set(reachable(project, app, roots))
        moved = {f: why for f, why in candidates.items() if f not in imported}
        if not moved:
            out.append(app)
            continue
        reasons = dict(app.file_reasons)
        for rel, why in moved.items():
            reasons[rel] = f"{why}; no runtime module imports it"
        out.append(
            replace(
                app,
                runtime_files=tuple(f for f in app.runtime_files if f not in moved),
                tooling_files=tuple(sorted({*app.tooling_files, *moved})),
                file_reasons=reasons,
            )
        )
    return tuple(out)
