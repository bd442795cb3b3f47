"""THE start-path facet: every production start path, with migrations judged in context.

Dockerfiles (ENTRYPOINT + CMD), compose services, Procfile, PaaS files, Kubernetes workloads and
deploy workflows (and, in a repository with none of them, launcher scripts: :mod:`.launchers`) each
give :class:`~pytest_kabul.project.deploy.model.StartPath` objects
(:mod:`.compose_paths`, :mod:`.platforms`); this module joins them and applies the migrations
that a platform runs for a path (a compose deploy, a deploy workflow, the app's lifespan).
"""

from __future__ import annotations

from dataclasses import replace

from pytest_kabul.model import Location
from pytest_kabul.project import shell as sh
from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.deploy.compose_paths import compose_paths, procfile_paths
from pytest_kabul.project.deploy.entries import app_for_path
from pytest_kabul.project.deploy.launchers import launcher_paths
from pytest_kabul.project.deploy.model import (
    Migration,
    StartKind,
    StartPath,
    build_path,
    dir_of,
    dockerfile_argv,
)
from pytest_kabul.project.deploy.platforms import ci_paths, k8s_paths, paas_paths
from pytest_kabul.project.deploy.startup import program_upgrade, startup_schema
from pytest_kabul.project.docker.dockerfiles import dockerfiles
from pytest_kabul.project.docker.images import images


@facet
def start_paths(project: Project) -> tuple[StartPath, ...]:
    """Every production start path, sorted by subject, with migrations judged in context."""

    paths: list[StartPath] = []
    production_images = {i.dockerfile for i in images(project) if i.production}
    for dockerfile in dockerfiles(project):
        argv, line = dockerfile_argv(dockerfile)
        if not argv:
            continue
        workdir = dockerfile.effective("WORKDIR")
        paths.append(
            build_path(
                project,
                follow=program_upgrade,
                subject=dockerfile.path,
                kind=StartKind.DOCKERFILE,
                location=Location(dockerfile.path, line),
                argv=argv,
                base_dir=dockerfile.directory,
                workdir=workdir.value if workdir else None,
                production=dockerfile.path in production_images,
                dockerfile=dockerfile.path,
                reload_is_dev=False,
            )
        )
    paths.extend(_config_paths(project))
    if not paths:  # started by hand: the launcher scripts are the start
        paths = launcher_paths(project)
    paths = _apply_lifespan(project, _apply_compose_deploys(paths))
    paths = _apply_migration_services(project, paths)
    return tuple(sorted(paths, key=lambda p: p.subject))


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
    """The app migrates itself when its start-up reaches ``alembic.command.upgrade`` (in the
    lifespan, a startup hook or a helper module they call); a program run before the server (a
    migration runner calling a helper's upgrade) migrates like a command."""
    out = []
    for path in paths:
        if path.migration is None and (path.server is not None or _runs_python(path)):
            schema = startup_schema(project, path)
            if schema.upgrades:
                site = schema.upgrades[0]
                via = "lifespan" if path.server is not None else "command"
                loc = Location(site.path, site.line)
                path = replace(path, migration=Migration("alembic.command.upgrade", loc, via))
        out.append(path)
    return out


def _runs_python(path: StartPath) -> bool:
    return any(
        sh.python_module(list(s.argv))[0] or sh.python_script(list(s.argv)) for s in path.steps
    )


def _apply_migration_services(project: Project, paths: list[StartPath]) -> list[StartPath]:
    """A separate migration image or PaaS service (it migrates and starts no server) beside the
    server's (same parent folder, same app) migrates that server: a Railway/Render ``alembic``
    service next to the ``api`` service."""
    runners = [
        p
        for p in paths
        if p.production and p.server is None and p.migration is not None
        and p.kind in (StartKind.DOCKERFILE, StartKind.PAAS)
    ]  # fmt: skip
    if not runners:
        return paths
    out = []
    for path in paths:
        if path.migration is None and path.server is not None and path.kind in (
            StartKind.DOCKERFILE, StartKind.PAAS
        ):  # fmt: skip
            app = app_for_path(project, path)
            for runner in runners:
                same_folder = dir_of(dir_of(runner.location.path)) == dir_of(
                    dir_of(path.location.path)
                )
                if same_folder and app is not None and app_for_path(project, runner) == app:
                    assert runner.migration is not None
                    via = f"migration service {runner.subject}"
                    path = replace(path, migration=replace(runner.migration, via=via))
                    break
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
