"""The start-path model: what runs, in order, from the moment a deploy starts the app.

The facet is :func:`pytest_kabul.project.deploy.startpaths.start_paths`. Each :class:`StartPath`
has a stable ``subject`` (``backend/Dockerfile``, ``docker-compose.yml:backend``, ``Procfile:web``,
``fly.toml:app``, ``k8s/api.yaml:Deployment/api``, ``.github/workflows/deploy.yml:deploy``), the
file:line it comes from, its kind, the working directory, the full sequence of commands (``sh -c
"…"`` split, ``entrypoint.sh`` / ``prestart.sh``
and ``python prestart.py`` followed, ``exec "$@"`` replaced by the CMD), the ASGI server command
with its target and flags, and the Alembic upgrade that runs before the server — in the path
itself or provided by the platform (a Procfile ``release:`` phase, ``release_command``,
``preDeployCommand``, a compose one-shot service it ``depends_on``, a Kubernetes initContainer
or Job, a deploy workflow, or the app's own lifespan calling ``alembic.command.upgrade``).
"""

from __future__ import annotations

import ast
import enum
import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from pytest_kabul.model import Location
from pytest_kabul.project import shell as sh
from pytest_kabul.project.core import Project
from pytest_kabul.project.deploy import process_managers as pm
from pytest_kabul.project.docker.dockerfiles import Dockerfile
from pytest_kabul.project.migrations.schema_bootstrap import scan_module

_MAX_DEPTH = 6
_KEYWORDS = frozenset(
    {"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "for", "case", "esac",
     "{", "}", "!", "[", "[[", "test", "true", "false", ":"}
)  # fmt: skip
_NOT_PRODUCTION = re.compile(
    r"(^|[._-])(dev|develop|development|local|test|tests|ci|override)([._-]|$)"
)
_NESTED_MIGRATION = re.compile(
    r"\balembic\b[^\n;&|\"']*?\bupgrade\b(?:\s+[\w@+-]+)?|\bflask\s+db\s+upgrade\b", re.IGNORECASE
)


class StartKind(enum.Enum):
    DOCKERFILE = "dockerfile"
    COMPOSE = "compose"
    PROCFILE = "procfile"
    PAAS = "paas"
    K8S = "k8s"
    CI = "ci"
    SCRIPT = "script"  # a launcher run by hand where no deploy file starts the app


@dataclass(frozen=True)
class Step:
    """One simple command of a start path, with the file:line it was read from."""

    argv: tuple[str, ...]
    location: Location
    migration: str | None = None  # e.g. "alembic upgrade head"
    server: sh.ServerCommand | None = None


@dataclass(frozen=True)
class Migration:
    description: str
    location: Location
    via: str  # "command", "release phase", "depends_on migrate", "initContainer", "lifespan" …
    # False for a compose one-shot service the server depends_on without waiting for it to
    # finish (``service_started``): it migrates on every deploy, but races the server's start
    awaited: bool = True


@dataclass(frozen=True)
class StartPath:
    subject: str
    kind: StartKind
    location: Location
    workdir: str | None
    steps: tuple[Step, ...]
    production: bool
    source_dir: str  # project folder the deployed code comes from (build context, app dir)
    migration: Migration | None = None  # an upgrade that runs before the server
    dockerfile: str | None = None  # the Dockerfile whose image this path starts, if any
    image: str | None = None  # the pulled image it starts (compose ``image:`` with no build)

    @property
    def server(self) -> sh.ServerCommand | None:
        found = self.server_step
        return found.server if found else None

    @property
    def server_step(self) -> Step | None:
        return next((s for s in self.steps if s.server is not None), None)

    @property
    def migration_step(self) -> Step | None:
        return next((s for s in self.steps if s.migration is not None), None)


# Finds the ``alembic.command.upgrade`` a Python program reaches through the helpers it imports:
# (project, program file) -> (file, line) or None. Given by the start-path readers
# (:func:`pytest_kabul.project.deploy.startup.program_upgrade`), which sit above this module.
ProgramUpgrade = Callable[[Project, str], "tuple[str, int] | None"]


@dataclass(frozen=True)
class _Ctx:
    project: Project
    base_dir: str  # where relative script paths are looked up first
    args: tuple[str, ...] = ()  # what "$@" expands to
    depth: int = 0
    follow: ProgramUpgrade | None = None
    # (Dockerfile, stage, build context) of the image the path starts, when it builds one: the
    # files that build copies (a supervisord ``[include]`` of ``/etc/supervisor/conf.d/*.conf``)
    build: tuple[str, str | None, str | None] | None = None


def find_file(project: Project, path: str, base_dir: str, suffix: str = "") -> str | None:
    """The project file a container path (``/app/prestart.sh``, ``./x.sh``) most likely is."""
    clean = path.strip().strip("\"'")
    if "$" in clean or not clean:
        return None
    parts = [p for p in clean.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    renamed = _copied_as(project, clean, base_dir)
    if renamed is not None:
        return renamed
    files = project.files
    same_name = files.named(parts[-1] + suffix)  # every candidate below has the path's name
    for start in range(len(parts)):
        tail = "/".join(parts[start:]) + suffix
        direct = f"{base_dir}/{tail}" if base_dir else tail
        if direct in files:
            return direct
        matches = sorted(
            f for f in same_name if (f == tail or f.endswith("/" + tail)) and f.startswith(base_dir)
        )
        if matches:
            return min(matches, key=len)
        matches = sorted(f for f in same_name if f == tail or f.endswith("/" + tail))
        if matches:
            return min(matches, key=len)
    return None


def _copied_as(project: Project, path: str, base_dir: str) -> str | None:
    """The project file an image COPYs to ``path`` under another name (``COPY
    scripts/start-prod.sh /start.sh``), preferring images built from ``base_dir``."""
    from pytest_kabul.project.docker.images import images

    if not path.startswith("/"):
        return None
    found: list[tuple[bool, str]] = []
    for image in images(project):
        for item in image.shipped:
            if item.destination.rstrip("/") == path.rstrip("/") and item.source in project.files:
                near = image.context == base_dir or item.dockerfile.startswith(base_dir)
                found.append((not near, item.source))
    return sorted(found)[0][1] if found else None


def _script_steps(ctx: _Ctx, rel: str) -> list[Step]:
    text = ctx.project.read_text(rel)
    if text is None:
        return []
    steps: list[Step] = []
    pending = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        if not full or full.startswith("#"):
            continue
        steps.extend(expand_text(replace(ctx, depth=ctx.depth + 1), full, Location(rel, start)))
    return steps


# A Python program that starts the server in process (what :func:`_python_steps` reads as a
# server step, and what makes a file a launcher: :mod:`.launchers`).
IN_PROCESS_SERVER = re.compile(r"\buvicorn\.run\(")


def _python_steps(ctx: _Ctx, argv: list[str], rel: str, where: Location) -> list[Step]:
    tree = ctx.project.parse_python(rel)
    if tree is None:
        return [Step(tuple(argv), where)]
    _creates, upgrades = scan_module(tree)
    at = rel
    if not upgrades and ctx.follow is not None:  # a runner calling a helper's command.upgrade
        site = ctx.follow(ctx.project, rel)
        if site is not None:
            at, upgrades = site[0], [(site[1], False)]
    migration = f"alembic.command.upgrade in {at}" if upgrades else None
    server = None
    text = ctx.project.read_text(rel) or ""
    match = re.search(r"uvicorn\.run\(\s*['\"]([\w.]+:[\w.()]+)['\"]", text)
    if match or IN_PROCESS_SERVER.search(text):
        server = sh.ServerCommand(
            program="uvicorn.run",
            target=match.group(1) if match else None,
            factory="factory=True" in text,
            workers=None,
            reload="reload=True" in text,
            argv=tuple(argv),
        )
    if server is not None and (at != rel or not _upgrades_then_serves(tree, upgrades)):
        migration = None  # ``migrate`` and ``serve`` subcommands: serving does not migrate
    loc = Location(at, upgrades[0][0]) if upgrades else where
    return [Step(tuple(argv), loc if migration else where, migration, server)]


def _upgrades_then_serves(tree: ast.Module, upgrades: list[tuple[int, bool]]) -> bool:
    """Whether a program that both calls Alembic's upgrade (at ``upgrades``' lines) and starts
    the server in process calls the upgrade first in the same function (or both at module
    level): ``main()`` migrating then serving, not a CLI whose ``migrate`` and ``serve`` are
    separate commands."""
    calls: list[tuple[str, int, bool]] = []  # (scope, line, starts the server)
    stack: list[tuple[ast.AST, str]] = [(tree, "")]
    while stack:
        node, scope = stack.pop()
        for child in ast.iter_child_nodes(node):
            inner = scope
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                inner = f"{scope}/{getattr(child, 'name', 'lambda')}@{child.lineno}"
            elif isinstance(child, ast.Call):
                func = child.func
                serves = (
                    isinstance(func, ast.Attribute)
                    and func.attr == "run"
                    and isinstance(func.value, ast.Name)
                    and func.value.id == "uvicorn"
                )
                calls.append((scope, child.lineno, serves))
            stack.append((child, inner))
    lines = {line for line, _startup in upgrades}
    first: dict[str, int] = {}  # scope -> its first upgrade call
    for scope, line, serves in calls:
        if line in lines and not serves:
            first[scope] = min(line, first.get(scope, line))
    return any(serves and scope in first and line > first[scope] for scope, line, serves in calls)


def expand_argv(ctx: _Ctx, argv: list[str], where: Location) -> list[Step]:
    """Steps for one command: follows ``sh -c``, shell scripts and Python prestart scripts."""
    args = sh.normalise(argv)
    if not args:
        return []
    if args[0] in ("$@", "${@}"):
        return expand_argv(replace(ctx, args=()), list(ctx.args), where) if ctx.args else []
    if ctx.depth > _MAX_DEPTH or sh.base(args[0]) in _KEYWORDS or args[0] in ("set", "echo"):
        return []
    text = sh.shell_c(args)
    if text is not None:
        return expand_text(replace(ctx, depth=ctx.depth + 1), text, where)
    found_server = sh.server(args)
    found_migration = sh.migration(args)
    if found_server or found_migration:
        return [Step(tuple(args), where, found_migration, found_server)]
    managed = _managed_steps(ctx, args, where)
    if managed is not None:
        return managed
    script = sh.shell_script(args)
    if script is not None:
        rel = find_file(ctx.project, script, ctx.base_dir)
        if rel is not None:
            inner = replace(ctx, args=tuple(args[1:]) or ctx.args, depth=ctx.depth + 1)
            return [Step(tuple(args), where), *_script_steps(inner, rel)]
    module, _rest = sh.python_module(args)
    py = sh.python_script(args)
    rel = None
    if module is not None:
        path = module.replace(".", "/")
        rel = find_file(ctx.project, path, ctx.base_dir, ".py") or find_file(
            ctx.project, path + "/__main__", ctx.base_dir, ".py"
        )
    elif py is not None:
        rel = find_file(ctx.project, py, ctx.base_dir)
    if rel is not None:
        return _python_steps(ctx, args, rel, where)
    nested = next((a for a in args[1:] if _NESTED_MIGRATION.search(a)), None)
    joined = " ".join(args)
    if nested or _NESTED_MIGRATION.search(joined):  # ssh host "…", docker compose run … alembic
        return [Step(tuple(args), where, _NESTED_MIGRATION.search(nested or joined).group(0))]  # type: ignore[union-attr]
    return [Step(tuple(args), where)]


def _managed_steps(ctx: _Ctx, args: list[str], where: Location) -> list[Step] | None:
    """The programs a process manager starts (supervisord, honcho/foreman), each expanded; None
    when ``args`` is no process manager or its configuration is not in the project."""
    programs = pm.managed_programs(ctx.project, args, ctx.base_dir, ctx.build, find_file)
    if not programs:
        return None
    inner = replace(ctx, depth=ctx.depth + 1)
    steps = [Step(tuple(args), where)]
    for program in programs:
        steps.extend(expand_text(inner, program.command, Location(program.path, program.line)))
    return steps


def expand_text(ctx: _Ctx, text: str, where: Location) -> list[Step]:
    """Steps of a piece of shell text (one command per line, continuations joined)."""
    steps: list[Step] = []
    for line in text.replace("\\\n", " ").splitlines():
        for argv in sh.split(line):
            steps.extend(expand_argv(ctx, argv, where))
    return steps


def argv_of(value: object) -> list[str] | None:
    """A compose/k8s/PaaS command value (string or list) as argv; strings are shell text."""
    if isinstance(value, str):
        return ["/bin/sh", "-c", value]
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return [str(v) for v in value]
    return None


def build_path(
    project: Project,
    *,
    subject: str,
    kind: StartKind,
    location: Location,
    argv: list[str],
    base_dir: str,
    workdir: str | None = None,
    production: bool = True,
    dockerfile: str | None = None,
    reload_is_dev: bool = True,
    image: str | None = None,
    follow: ProgramUpgrade | None = None,
    build: tuple[str | None, str | None] | None = None,
) -> StartPath:
    """A start path; ``--reload`` makes it a development path unless ``reload_is_dev`` is False
    (the production image's own CMD: a reloading production server is a defect, not a dev
    stack)."""
    built = None
    if dockerfile is not None:
        built = (dockerfile, build[0], build[1]) if build else (dockerfile, None, None)
    ctx = _Ctx(project, base_dir, follow=follow, build=built)
    steps = expand_argv(ctx, argv, location)
    own = _own_migration(steps)
    reloads = reload_is_dev and any(s.server and s.server.reload for s in steps)
    return StartPath(
        subject=subject,
        kind=kind,
        location=location,
        workdir=workdir,
        steps=tuple(steps),
        production=production and not reloads,
        source_dir=base_dir,
        migration=own,
        dockerfile=dockerfile,
        image=image,
    )


def _own_migration(steps: Iterable[Step]) -> Migration | None:
    """The migration run before the server; a Python program that starts the server in
    process (``uvicorn.run``) and calls ``alembic.command.upgrade`` migrates before it serves
    (``uvicorn.run`` blocks until the server stops)."""
    for step in steps:
        if step.migration is not None:
            return Migration(step.migration, step.location, "command")
        if step.server is not None:
            return None
    return None


def is_production_file(rel: str) -> bool:
    return not _NOT_PRODUCTION.search(rel.rsplit("/", 1)[-1].lower())


def dockerfile_argv(dockerfile: Dockerfile, stage_name: str | None = None) -> tuple[list[str], int]:
    """ENTRYPOINT + CMD in force for the final (or named) stage, and the line to cite."""
    stage = next(
        (
            s
            for s in dockerfile.stages
            if stage_name and (s.name or "").lower() == stage_name.lower()
        ),
        dockerfile.final,
    )
    entry = dockerfile.effective("ENTRYPOINT", stage)
    cmd = dockerfile.effective("CMD", stage)
    argv: list[str] = []
    if entry is not None:
        argv = entry.argv()
    if cmd is not None and (entry is None or entry.exec_form() is not None):
        argv = [*argv, *cmd.argv()]
    line = cmd.line if cmd is not None else entry.line if entry is not None else 1
    return argv, line


def key_line(text: str, *keys: str) -> int:
    """Line of the last of nested YAML/TOML ``keys`` (approximate; 1 when not found).

    A key may also be a TOML table header (``[processes]``) or ``name: value`` text.
    """
    lines = text.splitlines()
    start, indent, found = 0, -1, 1
    for key in keys:
        pattern = re.compile(rf"^(\s*)(-\s+)?['\"]?{re.escape(key)}['\"]?\s*([:=]|$)")
        header = re.compile(rf"^\s*\[+\s*{re.escape(key)}\s*\]+\s*$")
        for number in range(start, len(lines)):
            if header.match(lines[number]):
                indent, start, found = -1, number + 1, number + 1
                break
            m = pattern.match(lines[number])
            if m and len(m.group(1)) > indent:
                indent, start, found = len(m.group(1)), number + 1, number + 1
                break
        else:
            return found
    return found


def table(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def dir_of(rel: str) -> str:
    return posixpath.dirname(rel)


def join(base: str, rel: str) -> str:
    joined = posixpath.normpath(posixpath.join(base, rel)) if base else posixpath.normpath(rel)
    return "" if joined == "." else joined


def release_applied(path: StartPath, release: StartPath | None, via: str) -> StartPath:
    if release is not None and release.migration is not None and path.migration is None:
        return replace(path, migration=replace(release.migration, via=via))
    return path
