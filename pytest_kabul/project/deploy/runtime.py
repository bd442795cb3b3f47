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

from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.deploy.entries import app_for_path, entry_modules, reachable
from pytest_kabul.project.deploy.programs import runtime_apps
from pytest_kabul.project.deploy.startpaths import start_paths
from pytest_kabul.project.docker.images import Image, images
from pytest_kabul.project.python.apps import PythonApp, python_apps

__all__ = ["RuntimeModel", "Service", "explain_lines", "reachable", "runtime_model"]


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


@facet
def runtime_model(project: Project) -> RuntimeModel:
    apps = python_apps(project)
    by_dockerfile: dict[str, Image] = {}
    for image in images(project):
        by_dockerfile.setdefault(image.dockerfile, image)
    services: list[Service] = []
    entries_of: dict[str, list[str]] = {}
    for path in start_paths(project):
        app = app_for_path(project, path)
        entries = entry_modules(project, app, path) if app is not None else []
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
    for app in runtime_apps(project):
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
