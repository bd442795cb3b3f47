"""Where the deploy runs a migration command, as a project folder.

A start path's own folder is usually right (a Dockerfile's build context, a Procfile's folder).
A deploy workflow step that runs the command in a compose service
(``docker compose run --rm backend alembic upgrade head``, ``docker-compose exec -T api …``)
runs it inside that service's container: the service's build context is the folder.

:func:`import_roots` gives the folders the deploy must have on ``sys.path`` besides it: those
holding first-party packages ``env.py`` imports that the folder itself does not hold.
"""

from __future__ import annotations

import ast
import posixpath
from collections.abc import Sequence
from typing import Any

from pytest_kabul.project.compose.load import compose_models
from pytest_kabul.project.core import Project
from pytest_kabul.project.migrations.alembic_envs import AlembicEnv

# Options of `compose run/exec` that take a value (the service name follows the options).
_VALUED = frozenset(
    {"-e", "--env", "-u", "--user", "-w", "--workdir", "--name", "-p", "--publish",
     "-v", "--volume", "-l", "--label", "--entrypoint", "--index", "--pull", "--env-from-file",
     "--cap-add", "--cap-drop"}
)  # fmt: skip
_GLOBAL_VALUED = frozenset({"-f", "--file", "-p", "--project-name", "--profile", "--env-file"})


def compose_service_of(argv: Sequence[str]) -> str | None:
    """``SERVICE`` of ``docker compose [opts] run|exec [opts] SERVICE cmd…``, else None."""
    words = list(argv)
    if words[:2] == ["docker", "compose"]:
        rest = words[2:]
    elif words[:1] == ["docker-compose"]:
        rest = words[1:]
    else:
        return None
    i = 0
    while i < len(rest) and rest[i].startswith("-"):
        i += 2 if rest[i] in _GLOBAL_VALUED else 1
    if i >= len(rest) or rest[i] not in ("run", "exec"):
        return None
    i += 1
    while i < len(rest) and rest[i].startswith("-"):
        i += 2 if rest[i] in _VALUED and "=" not in rest[i] else 1
    return rest[i] if i < len(rest) else None


def compose_run_dir(project: Project, argv: Sequence[str]) -> str | None:
    """The build context of the compose service the command runs in (project-relative)."""
    service = compose_service_of(argv)
    if service is None:
        return None
    for model in compose_models(project):
        found = model.services.get(service)
        if found is not None and found.build_context is not None:
            context = found.build_context.strip("/")
            if "://" not in context:
                return "" if context in (".", "") else context.removeprefix("./")
    return None


def deploy_dir(project: Project, config_path: str, paths: Sequence[Any]) -> str | None:
    """The folder the deploy's migration step runs in: for ``docker compose run SERVICE
    alembic …`` the service's build context, else the start path's own folder."""

    def holds(folder: str) -> bool:
        return not folder or config_path.startswith(folder + "/")

    for path in paths:
        step = path.migration_step
        if step is None or path.migration is None:
            continue
        folder = compose_run_dir(project, step.argv)
        if folder is not None and holds(folder):
            return str(folder)
    for path in paths:
        step = path.migration_step
        if step is None or path.migration is None or not holds(path.source_dir):
            continue
        if compose_run_dir(project, step.argv) is None:
            return str(path.source_dir)
    return None


def _is_module(project: Project, folder: str, name: str) -> bool:
    prefix = f"{folder}/" if folder else ""
    if f"{prefix}{name}.py" in project.files or f"{prefix}{name}/__init__.py" in project.files:
        return True
    inside = (
        project.files.under(f"{prefix}{name}") if project.files.is_folder(prefix + name) else ()
    )
    return any(rel.endswith(".py") and rel.count("/") == (prefix + name).count("/") + 1
               for rel in inside)  # fmt: skip


def import_roots(project: Project, env: AlembicEnv, run_dir: str) -> tuple[str, ...]:
    """Folders above ``run_dir`` holding first-party packages that ``env.py`` imports and that
    are not importable from ``run_dir`` itself (``from app.db import Base`` run from
    ``backend/app``: ``backend``). Whatever runs Alembic in the deploy makes them importable
    (``PYTHONPATH`` in the image, the working directory), or the deploy could not work."""
    tree = project.parse_python(env.env_py) if env.env_py else None
    names: set[str] = set()
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    roots: list[str] = []
    for name in sorted(names):
        folder = run_dir
        while not _is_module(project, folder, name):
            if not folder:
                break
            folder = posixpath.dirname(folder)
        else:
            if folder != run_dir and folder not in roots:
                roots.append(folder)
    return tuple(roots)
