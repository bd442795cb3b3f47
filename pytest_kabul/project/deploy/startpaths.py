"""THE start-path facet: every production start path, with migrations judged in context.

Dockerfiles (ENTRYPOINT + CMD), compose services, Procfile, PaaS files, Kubernetes workloads and
deploy workflows each give :class:`~pytest_kabul.project.deploy.model.StartPath` objects
(:mod:`.compose_paths`, :mod:`.platforms`); this module joins them and applies the migrations
that a platform runs for a path (a compose deploy, a deploy workflow, the app's lifespan).
"""

from __future__ import annotations

from dataclasses import replace

from pytest_kabul.model import Location
from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.deploy.compose_paths import compose_paths, procfile_paths
from pytest_kabul.project.deploy.model import (
    Migration,
    StartKind,
    StartPath,
    build_path,
    dockerfile_argv,
    is_production_file,
)
from pytest_kabul.project.deploy.platforms import ci_paths, k8s_paths, paas_paths
from pytest_kabul.project.docker.dockerfiles import dockerfiles
from pytest_kabul.project.migrations.schema_bootstrap import schema_bootstrap


@facet
def start_paths(project: Project) -> tuple[StartPath, ...]:
    """Every production start path, sorted by subject, with migrations judged in context."""

    paths: list[StartPath] = []
    for dockerfile in dockerfiles(project):
        argv, line = dockerfile_argv(dockerfile)
        if not argv:
            continue
        workdir = dockerfile.effective("WORKDIR")
        paths.append(
            build_path(
                project,
                subject=dockerfile.path,
                kind=StartKind.DOCKERFILE,
                location=Location(dockerfile.path, line),
                argv=argv,
                base_dir=dockerfile.directory,
                workdir=workdir.value if workdir else None,
                production=is_production_file(dockerfile.path),
                dockerfile=dockerfile.path,
            )
        )
    paths.extend(_config_paths(project))
    paths = _apply_compose_deploys(paths)
    return tuple(sorted(_apply_lifespan(project, paths), key=lambda p: p.subject))


def _apply_compose_deploys(paths: list[StartPath]) -> list[StartPath]:
    """An image whose production compose service migrates is migrated where it is deployed."""
    out = []
    for path in paths:
        if path.kind is StartKind.DOCKERFILE and path.migration is None:
            deploy = next(
                (
                    p
                    for p in paths
                    if p.kind is StartKind.COMPOSE
                    and p.production
                    and p.dockerfile == path.dockerfile
                    and p.migration is not None
                ),
                None,
            )
            if deploy is not None and deploy.migration is not None:
                via = f"{deploy.subject} ({deploy.migration.via})"
                path = replace(path, migration=replace(deploy.migration, via=via))
        out.append(path)
    return out


def _apply_lifespan(project: Project, paths: list[StartPath]) -> list[StartPath]:
    hooks = [u for u in schema_bootstrap(project).upgrades if u.in_startup]
    out = []
    for path in paths:
        if path.migration is None and path.server is not None:
            hook = next(
                (
                    u
                    for u in hooks
                    if not u.app_root
                    or path.source_dir == u.app_root
                    or path.source_dir.startswith(u.app_root + "/")
                    or u.app_root.startswith(path.source_dir + "/")
                    or not path.source_dir
                ),
                None,
            )
            if hook is not None:
                loc = Location(hook.path, hook.line)
                path = replace(
                    path, migration=Migration("alembic.command.upgrade", loc, "lifespan")
                )
        out.append(path)
    return out


def _config_paths(project: Project) -> list[StartPath]:
    paths = [
        *compose_paths(project),
        *procfile_paths(project),
        *paas_paths(project),
        *k8s_paths(project),
    ]
    ci = [p for p in ci_paths(project) if p.migration is not None or p.server is not None]
    deploy_migration = next((p for p in ci if p.migration is not None), None)
    if deploy_migration is not None and deploy_migration.migration is not None:
        via = f"deploy workflow {deploy_migration.subject}"
        paths = [
            replace(p, migration=replace(deploy_migration.migration, via=via))
            if p.migration is None and p.kind is StartKind.COMPOSE
            else p
            for p in paths
        ]
    return [*paths, *ci]
