"""``uv`` / ``poetry`` / ``pdm`` / ``pipenv`` / ``pip-compile`` commands in a Dockerfile RUN line.

Each becomes an :class:`~pytest_kabul.project.docker.install_model.InstallStep` naming the manifest
and the extras/groups it installs, following each tool's defaults: ``uv sync`` installs the
``dev`` group unless ``--no-dev``; ``poetry install`` installs every group unless ``--only main``
/ ``--without``; ``pdm install`` every group unless ``--prod``; ``pipenv`` only ``[packages]``
unless ``--dev``. ``export``/``compile`` with ``-o file`` (or ``> file``) is remembered so a
later ``pip install -r file`` installs what the export selected.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import replace

from packaging.utils import canonicalize_name

from pytest_kabul.project.docker.install_model import BuildState, InstallStep


def _values(args: list[str], *flags: str) -> list[str]:
    out: list[str] = []
    for i, arg in enumerate(args):
        for flag in flags:
            if arg == flag and i + 1 < len(args):
                out.append(args[i + 1])
            elif flag.startswith("--") and arg.startswith(flag + "="):
                out.append(arg.split("=", 1)[1])
    return [v for value in out for v in value.replace(",", " ").split() if v]


def _canon(values: list[str]) -> tuple[str, ...]:
    return tuple(sorted({str(canonicalize_name(v)) for v in values}))


def _output(args: list[str]) -> str | None:
    found = _values(args, "-o", "--output", "--output-file")
    if found:
        return found[0]
    for i, arg in enumerate(args):
        if arg == ">" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(">") and len(arg) > 1:
            return arg[1:]
    return None


def _uv(args: list[str], line: int) -> InstallStep:
    only = _values(args, "--only-group")
    no_default = "--no-dev" in args or "--no-default-groups" in args or bool(only)
    groups = set(_values(args, "--group")) | set(only)
    if "--only-dev" in args or not no_default:
        groups.add("dev")
    return InstallStep(
        line,
        main=not (only or "--only-dev" in args),
        extras=_canon(_values(args, "--extra")),
        groups=tuple(sorted(groups)),
        all_extras="--all-extras" in args,
        all_groups="--all-groups" in args,
    )


def _poetry(args: list[str], line: int, *, export: bool) -> InstallStep:
    only = _values(args, "--only")
    without = tuple(sorted(set(_values(args, "--without"))))
    with_ = set(_values(args, "--with"))
    extras = _canon(_values(args, "-E", "--extras"))
    if "--only-root" in args:
        return InstallStep(line, main=False)
    if only:
        return InstallStep(
            line, main="main" in only, groups=tuple(sorted(set(only) - {"main"})), extras=extras
        )
    if "--no-dev" in args:
        return InstallStep(line, extras=extras, groups=tuple(sorted(with_)))
    return InstallStep(
        line,
        extras=extras,
        groups=tuple(sorted(with_)),
        all_groups=not export,
        without=without,
        all_extras="--all-extras" in args,
    )


def _pdm(args: list[str], line: int) -> InstallStep:
    named = _canon(_values(args, "-G", "--group"))
    prod = "--prod" in args or "--production" in args
    return InstallStep(line, extras=named, groups=named, all_groups=not prod)


def tool_step(
    resolve: Callable[[BuildState, str], str | None],
    state: BuildState,
    prog: str,
    args: list[str],
    line: int,
) -> InstallStep | None:
    sub = args[0] if args else ""
    rest = args[1:]
    folder = _values(rest, "--project", "--directory", "-C")
    cwd = posixpath.normpath(posixpath.join(state.workdir, folder[0])) if folder else state.workdir
    if prog == "pipenv" and sub in ("install", "sync"):
        if any(not a.startswith("-") for a in rest):
            return None  # ``pipenv install pkg`` adds a package at build time
        rel = resolve(replace(state, workdir=cwd), "Pipfile")
        groups = ("dev",) if "--dev" in rest or "-d" in rest else ()
        if rel is None:
            return None
        return InstallStep(line, manifest=rel, groups=groups, tool=prog, argv=tuple(args))
    if prog == "pip-compile" or (prog == "uv" and sub == "pip" and rest[:1] == ["compile"]):
        inputs = [
            a
            for a in (rest[1:] if prog == "uv" else args)
            if not a.startswith("-") and a.endswith((".in", ".toml", ".txt", ".cfg", ".py"))
        ]
        out = _output(args)
        source = inputs[0] if inputs else "requirements.in"
        rel = resolve(replace(state, workdir=cwd), source)
        if rel is not None and out is None and source.endswith(".in"):
            out = source[:-3] + ".txt"
        if rel is not None and out is not None:
            compiled = InstallStep(
                line,
                manifest=rel,
                extras=_canon(_values(args, "--extra")),
                all_extras="--all-extras" in args,
                tool="pip-compile",
                argv=tuple(args),
            )
            target = posixpath.normpath(posixpath.join(cwd, out))
            state.exports = (*state.exports, (target, compiled))
        return None
    pyproject = resolve(replace(state, workdir=cwd), "pyproject.toml")
    if pyproject is None:
        return None
    step: InstallStep | None = None
    if (prog == "uv" and sub == "sync") or (prog == "uv" and sub == "export"):
        step = _uv(rest, line)
    elif prog == "poetry" and sub in ("install", "sync"):
        step = _poetry(rest, line, export=False)
    elif prog == "poetry" and sub == "export":
        step = _poetry(rest, line, export=True)
    elif prog == "pdm" and sub in ("install", "sync", "export"):
        step = _pdm(rest, line)
    if step is None:
        return None
    step = replace(step, manifest=pyproject, tool=prog, argv=tuple(args))
    if sub == "export":
        out = _output(rest)
        if out is not None:
            target = posixpath.normpath(posixpath.join(cwd, out))
            state.exports = (*state.exports, (target, step))
        return None
    return step
