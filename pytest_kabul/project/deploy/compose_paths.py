"""Start paths from deploy configuration: compose, Procfile, PaaS files, Kubernetes, CI.

Helpers of :func:`pytest_kabul.project.deploy.startpaths.start_paths`; each reader returns
:class:`StartPath` objects with the platform-provided migration (release phase, pre-deploy
command, one-shot compose service, initContainer/Job, deploy workflow) already applied.
"""

from __future__ import annotations

import re
from dataclasses import replace

from pytest_kabul.model import Location
from pytest_kabul.project.compose.load import compose_models
from pytest_kabul.project.compose.model import ComposeKind, ComposeService
from pytest_kabul.project.core import Project
from pytest_kabul.project.deploy.model import (
    StartKind,
    StartPath,
    argv_of,
    build_path,
    dir_of,
    release_applied,
)
from pytest_kabul.project.deploy.startup import program_upgrade
from pytest_kabul.project.docker.dockerfiles import dockerfiles
from pytest_kabul.project.docker.images import not_production_reason


def compose_paths(project: Project) -> list[StartPath]:
    """One path per service of every compose model (``compose_models``: overrides merged).

    A directory's default model counts as production only when the directory has no
    production model (``docker-compose.prod.yml`` …); then the default one is for development.
    """

    models = compose_models(project)
    prod_dirs = {m.directory for m in models if m.kind is ComposeKind.PRODUCTION}
    out: list[StartPath] = []
    for model in models:
        production = model.kind is ComposeKind.PRODUCTION or model.directory not in prod_dirs
        by_name: dict[str, StartPath] = {}
        for name, service in sorted(model.services.items()):
            path = _compose_service(project, model.subject, service, production=production)
            if path is not None:
                by_name[name] = path
        for name, path in sorted(by_name.items()):
            if path.migration is None and path.server is not None:
                path = _one_shot_migration(
                    path, model.services[name].raw.get("depends_on"), by_name
                )
            out.append(path)
    return out


def _one_shot_migration(path: StartPath, deps: object, by_name: dict[str, StartPath]) -> StartPath:
    """The migration of a one-shot service the server ``depends_on``: awaited with ``condition:
    service_completed_successfully``, else (list form, ``service_started``/``service_healthy``)
    run beside the server, racing its start."""
    conditions: dict[str, str] = {}
    if isinstance(deps, dict):
        for dep, cond in deps.items():
            value = cond.get("condition") if isinstance(cond, dict) else None
            conditions[str(dep)] = str(value or "service_started")
    elif isinstance(deps, list):
        conditions = {str(dep): "service_started" for dep in deps}
    waiting: StartPath | None = None
    for dep, condition in sorted(conditions.items()):
        other = by_name.get(dep)
        if other is None or other.server is not None or other.migration is None:
            continue
        if condition == "service_completed_successfully":
            return release_applied(path, other, f"depends_on {dep}")
        if waiting is None:
            waiting = release_applied(path, other, f"depends_on {dep} ({condition}, not awaited)")
    if waiting is not None and waiting.migration is not None:
        return replace(waiting, migration=replace(waiting.migration, awaited=False))
    return path


def _compose_service(
    project: Project, subject: str, service: ComposeService, *, production: bool
) -> StartPath | None:
    image_argv: tuple[list[str], list[str]] = ([], [])
    stage_name: str | None = None
    target = (
        service.raw.get("build", {}).get("target")
        if isinstance(service.raw.get("build"), dict)
        else None
    )
    for dockerfile in dockerfiles(project):
        if service.dockerfile is not None and dockerfile.path == service.dockerfile:
            stage = next(
                (s for s in dockerfile.stages if target and s.name == target),
                dockerfile.final_for(service.build_args()),
            )
            entry = dockerfile.effective("ENTRYPOINT", stage)
            cmd = dockerfile.effective("CMD", stage)
            image_argv = (entry.argv() if entry else [], cmd.argv() if cmd else [])
            stage_name = stage.name if stage is not None else None
    command = argv_of(
        list(service.command) if isinstance(service.command, tuple) else service.command
    )
    entrypoint = argv_of(
        list(service.entrypoint) if isinstance(service.entrypoint, tuple) else service.entrypoint
    )
    if command is None and entrypoint is None and service.build_context is None:
        return None  # an image we do not build and do not start differently
    key = "entrypoint" if entrypoint is not None else "command" if command is not None else None
    file, line = (
        service.key_lines.get(key, (service.file, service.line or 1))
        if key
        else (service.file, service.line or 1)
    )
    if entrypoint is not None:
        argv = [*entrypoint, *(command or [])]
    elif command is not None:
        argv = [*image_argv[0], *command]
    else:
        argv = [*image_argv[0], *image_argv[1]]
    if not argv:
        return None
    working_dir = service.raw.get("working_dir")
    return build_path(
        project,
        follow=program_upgrade,
        subject=f"{subject}:{service.name}",
        kind=StartKind.COMPOSE,
        location=Location(file, line),
        argv=argv,
        base_dir=service.build_context or dir_of(service.file),
        workdir=working_dir if isinstance(working_dir, str) else None,
        production=production
        and (service.dockerfile is None or not_production_reason(service.dockerfile) is None),
        dockerfile=service.dockerfile,
        image=service.image if service.build_context is None else None,
        build=(stage_name, "" if service.build_context == "." else service.build_context),
    )


def procfile_paths(project: Project) -> list[StartPath]:
    out: list[StartPath] = []
    for rel in project.files.named("Procfile"):
        text = project.read_text(rel) or ""
        processes: dict[str, StartPath] = {}
        for number, raw in enumerate(text.splitlines(), start=1):
            m = re.match(r"^([A-Za-z0-9_-]+)\s*:\s*(.+)$", raw.strip())
            if not m or raw.strip().startswith("#"):
                continue
            processes[m.group(1)] = build_path(
                project,
                follow=program_upgrade,
                subject=f"{rel}:{m.group(1)}",
                kind=StartKind.PROCFILE,
                location=Location(rel, number),
                argv=["/bin/sh", "-c", m.group(2)],
                base_dir=dir_of(rel),
            )
        release = processes.get("release")
        for name, path in sorted(processes.items()):
            if name != "release":
                path = release_applied(path, release, "release phase")
            out.append(path)
    return out
