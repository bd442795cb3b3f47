"""THE runtime model: per deployable service, its image, what it ships, how it starts, its entry
modules and the first-party modules reachable from them.

Built from the facets below it, never a second start-command model: services come from
:func:`~pytest_kabul.project.deploy.startpaths.start_paths` (Dockerfiles, compose services,
Procfile processes, PaaS start commands, Kubernetes containers), images from
:func:`~pytest_kabul.project.docker.images.images`, file roles from
:func:`~pytest_kabul.project.python.apps.python_apps`. ``explain_lines`` renders it for
``--kabul-explain-runtime``: which files are runtime and which are tooling, and why.
"""

from __future__ import annotations

from dataclasses import dataclass

from pytest_kabul.project import shell as sh
from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.deploy.model import StartPath
from pytest_kabul.project.deploy.startpaths import start_paths
from pytest_kabul.project.docker.images import Image, images
from pytest_kabul.project.python.apps import PythonApp, python_apps
from pytest_kabul.project.python.imports import imports_in

_WORKERS = ("celery", "rq", "dramatiq", "arq", "taskiq", "huey_consumer")


@dataclass(frozen=True)
class Service:
    subject: str  # the start path's subject
    kind: str
    production: bool
    image: Image | None
    start: tuple[str, ...]  # the commands it runs, in order
    entries: tuple[str, ...]  # project-relative entry module files
    app: str | None  # PythonApp.name of the code it runs


@dataclass(frozen=True)
class RuntimeModel:
    services: tuple[Service, ...]
    images: tuple[Image, ...]
    apps: tuple[PythonApp, ...]
    reachable: dict[str, tuple[str, ...]]  # app name -> files reachable from its entries


def _module_file(project: Project, app: PythonApp, dotted: str) -> str | None:
    path = dotted.replace(".", "/")
    for base in ("", "src/"):
        for candidate in (f"{base}{path}.py", f"{base}{path}/__init__.py"):
            rel = app.path(candidate)
            if rel in project.files:
                return rel
    return None


def _entry_modules(project: Project, app: PythonApp, path: StartPath) -> list[str]:
    out: list[str] = []
    for step in path.steps:
        target: str | None = None
        if step.server is not None and step.server.target:
            target = step.server.target.split(":", 1)[0]
            if target.endswith(".py"):
                target = target.removesuffix(".py").replace("/", ".")
        else:
            argv = list(step.argv)
            module, _rest = sh.python_module(argv)
            script = sh.python_script(argv)
            if module is not None:
                target = module
            elif script is not None:
                target = script.removesuffix(".py").lstrip("./").replace("/", ".")
            elif argv and sh.base(argv[0]) in _WORKERS:
                found = next((a for a in argv if a.startswith(("-A", "--app="))), None)
                index = argv.index(found) if found else -1
                value = found[2:] if found and len(found) > 2 and found.startswith("-A") else None
                if found and found.startswith("--app="):
                    value = found.split("=", 1)[1]
                elif found == "-A" and index + 1 < len(argv):
                    value = argv[index + 1]
                target = value.split(":", 1)[0] if value else None
        if target:
            rel = _module_file(project, app, target)
            if rel is None:  # ``app.main`` run from a sub-folder (WORKDIR /app/backend)
                tail = target.replace(".", "/") + ".py"
                rel = next((f for f in app.runtime_files if f.endswith("/" + tail)), None)
            if rel is not None and rel not in out:
                out.append(rel)
    return out


def reachable(project: Project, app: PythonApp, entries: list[str]) -> tuple[str, ...]:
    """First-party files reachable from ``entries`` through imports (any depth)."""
    seen: set[str] = set()
    todo = list(entries)
    while todo:
        rel = todo.pop()
        if rel in seen:
            continue
        seen.add(rel)
        for imp in imports_in(project, rel) or ():
            if imp.top not in app.local_modules:
                continue
            for dotted in imp.candidates():
                found = _module_file(project, app, dotted)
                if found is not None:
                    todo.append(found)
                    parts = dotted.split(".")
                    for depth in range(1, len(parts)):  # parent packages run their __init__
                        init = _module_file(project, app, ".".join(parts[:depth]))
                        if init is not None:
                            todo.append(init)
                    break
    return tuple(sorted(seen))


def _app_of(apps: tuple[PythonApp, ...], folder: str) -> PythonApp | None:
    inside = [
        a for a in apps if a.root == "" or folder == a.root or folder.startswith(a.root + "/")
    ]
    if inside:
        return max(inside, key=lambda a: len(a.root))
    below = [a for a in apps if a.root.startswith(folder + "/") or not folder]
    return below[0] if len(below) == 1 else None


@facet
def runtime_model(project: Project) -> RuntimeModel:
    apps = python_apps(project)
    by_dockerfile: dict[str, Image] = {}
    for image in images(project):
        by_dockerfile.setdefault(image.dockerfile, image)
    services: list[Service] = []
    entries_of: dict[str, list[str]] = {}
    for path in start_paths(project):
        app = _app_of(apps, path.source_dir)
        entries = _entry_modules(project, app, path) if app is not None else []
        if app is not None and path.production:
            bucket = entries_of.setdefault(app.name, [])
            bucket.extend(e for e in entries if e not in bucket)
        services.append(
            Service(
                subject=path.subject,
                kind=path.kind.value,
                production=path.production,
                image=by_dockerfile.get(path.dockerfile) if path.dockerfile else None,
                start=tuple(" ".join(s.argv) for s in path.steps),
                entries=tuple(entries),
                app=app.name if app is not None else None,
            )
        )
    reach = {
        name: reachable(project, next(a for a in apps if a.name == name), found)
        for name, found in sorted(entries_of.items())
    }
    return RuntimeModel(tuple(services), images(project), apps, reach)


def explain_lines(project: Project) -> list[str]:
    """The runtime model as text, for ``--kabul-explain-runtime``."""
    model = runtime_model(project)
    lines = ["images:"]
    for image in model.images:
        state = "production" if image.production else "not production"
        lines.append(f"  {image.subject}: {state} ({image.reason})")
        lines.append(f"    stages: {', '.join(image.stages) or '-'}")
        for item in image.shipped:
            lines.append(f"    ships {item.source or '.'} -> {item.destination}")
    lines.append("services (start paths):")
    for service in model.services:
        state = "production" if service.production else "development"
        lines.append(f"  {service.subject} [{service.kind}, {state}] app={service.app or '-'}")
        for command in service.start:
            lines.append(f"    runs: {command}")
        for entry in service.entries:
            lines.append(f"    entry: {entry}")
    lines.append("apps:")
    for app in model.apps:
        state = "production" if app.production else "not production"
        lines.append(f"  {app.name} ({app.root or '.'}): {state}: {app.role_reason}")
        reach = set(model.reachable.get(app.name, ()))
        for rel in app.runtime_files:
            mark = ", reachable from an entry module" if rel in reach else ""
            lines.append(f"    runtime {rel}: {app.file_reasons.get(rel, '')}{mark}")
        for rel in app.tooling_files:
            lines.append(f"    tooling {rel}: {app.file_reasons.get(rel, '')}")
        lines.append(f"    tests: {len(app.test_files)} file(s)")
    return lines
