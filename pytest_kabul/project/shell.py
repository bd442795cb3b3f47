"""Understanding start commands: wrappers, migrations and ASGI/WSGI servers.

Pure functions over argv lists (no file access), shared by :mod:`startpaths`. A command is
first *normalised* (``VAR=x``, ``exec``, ``poetry run`` / ``uv run`` / ``pipenv run``,
``tini --``, ``gosu user``, ``wait-for-it host:port --`` … stripped), then classified.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_RUNNERS = {
    "poetry": ("run",),
    "uv": ("run",),
    "pipenv": ("run",),
    "pdm": ("run",),
    "hatch": ("run",),
    "rye": ("run",),
    "pixi": ("run",),
}
_PREFIXES = frozenset({"exec", "nohup", "time", "command", "builtin", "eval"})
_SERVERS = frozenset({"uvicorn", "gunicorn", "hypercorn", "granian", "daphne", "fastapi"})
_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh"})


@dataclass(frozen=True)
class ServerCommand:
    """An ASGI/WSGI server start: ``program`` is uvicorn/gunicorn/hypercorn/fastapi/…"""

    program: str
    target: str | None  # "app.main:app", or a file for ``fastapi run main.py``
    factory: bool
    workers: int | None
    reload: bool
    argv: tuple[str, ...]


def base(word: str) -> str:
    return word.rsplit("/", 1)[-1]


def normalise(argv: list[str]) -> list[str]:
    """Strip env assignments and wrappers that run the real command (``exec``, ``uv run`` …)."""
    args = list(argv)
    for _ in range(8):
        if not args:
            return args
        head = base(args[0])
        if _ASSIGN.match(args[0]) or head in _PREFIXES:
            args = args[1:]
        elif head == "env":
            args = args[1:]
            while args and (args[0].startswith("-") or _ASSIGN.match(args[0])):
                args = args[1:]
        elif head in _RUNNERS and len(args) > 1 and args[1] in _RUNNERS[head]:
            args = args[2:]
            while args and args[0].startswith("-"):
                args = args[1:]
        elif head in ("tini", "dumb-init", "catatonit"):
            args = args[1:]
            while args and args[0].startswith("-"):
                args = args[1:]
        elif (head in ("gosu", "su-exec", "chpst") and len(args) > 2) or (
            head in ("timeout",) and len(args) > 2
        ):
            args = args[2:]
        elif (head.startswith("wait-for") or head == "dockerize") and "--" in args:
            args = args[args.index("--") + 1 :]
        else:
            return args
    return args


def python_module(argv: list[str]) -> tuple[str | None, list[str]]:
    """For ``python -m pkg args`` return (pkg, args); for other commands (None, argv)."""
    if argv and re.match(r"^python(\d(\.\d+)?)?$", base(argv[0])):
        rest = argv[1:]
        while rest and rest[0].startswith("-") and rest[0] != "-m":
            rest = rest[1:]
        if len(rest) >= 2 and rest[0] == "-m":
            return rest[1], rest[2:]
    return None, argv


def python_script(argv: list[str]) -> str | None:
    """The script path of ``python path/to/script.py …`` (or ``./script.py``)."""
    if argv and re.match(r"^python(\d(\.\d+)?)?$", base(argv[0])):
        rest = [a for a in argv[1:] if not a.startswith("-")]
        if rest and rest[0].endswith(".py") and "-m" not in argv[1:2]:
            return rest[0]
    if argv and argv[0].endswith(".py"):
        return argv[0]
    return None


def shell_c(argv: list[str]) -> str | None:
    """The script text of ``sh -c "…"`` / ``bash -lc "…"``, else None."""
    if argv and base(argv[0]) in _SHELLS:
        for index, arg in enumerate(argv[1:], start=1):
            if arg.startswith("-") and "c" in arg[1:] and index + 1 < len(argv):
                return argv[index + 1]
            if not arg.startswith("-"):
                return None
    return None


def shell_script(argv: list[str]) -> str | None:
    """The script path of ``sh script.sh``, ``bash ./x.sh``, ``/app/start.sh`` or ``./x.sh``."""
    if not argv:
        return None
    if base(argv[0]) in _SHELLS:
        rest = [a for a in argv[1:] if not a.startswith("-")]
        return rest[0] if rest and shell_c(argv) is None else None
    if argv[0].endswith(".sh") or (("/" in argv[0]) and not base(argv[0]).count(".")):
        return argv[0]
    return None


def migration(argv: list[str]) -> str | None:
    """A description when the command upgrades the database with Alembic, else None."""
    module, rest = python_module(argv)
    words = rest if module is not None else argv[1:] if argv else []
    program = module if module is not None else (base(argv[0]) if argv else "")
    if program == "alembic":
        positional = [w for w in _drop_options(words, ("-c", "--config", "-n", "--name", "-x"))]
        if positional and positional[0] == "upgrade":
            return " ".join(["alembic", *words])
    if program == "flask" and words[:2] == ["db", "upgrade"]:
        return "flask db upgrade"
    return None


def _drop_options(words: list[str], with_value: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    skip = False
    for word in words:
        if skip:
            skip = False
            continue
        if word in with_value:
            skip = True
            continue
        if word.startswith("-"):
            continue
        out.append(word)
    return out


def server(argv: list[str]) -> ServerCommand | None:
    """The ASGI/WSGI server this command starts, or None."""
    module, rest = python_module(argv)
    if module is not None:
        program, words = module.split(".")[0], rest
    elif argv:
        program, words = base(argv[0]), argv[1:]
    else:
        return None
    if program not in _SERVERS:
        return None
    if program == "fastapi":
        if not words or words[0] not in ("run", "dev"):
            return None
        words = words[1:]
    value_opts = (
        "--host", "--port", "-b", "--bind", "-w", "--workers", "-k", "--worker-class",
        "--log-level",
        "--env-file", "--app-dir", "--root-path", "--timeout", "-t", "--graceful-timeout",
        "--forwarded-allow-ips", "--proxy-headers-allowed", "-c", "--config", "--uds", "--fd",
        "--limit-concurrency", "--backlog", "--timeout-keep-alive", "--ssl-keyfile",
        "--ssl-certfile", "--access-logfile", "--error-logfile", "--log-config", "--name",
        "--interface", "--threads", "--max-requests", "--max-requests-jitter", "--keep-alive",
        "--app", "-p", "--chdir", "--pid", "-u", "--user", "-g", "--group", "--entrypoint",
    )  # fmt: skip
    workers: int | None = None
    target: str | None = None
    for index, word in enumerate(words):
        if word in ("-w", "--workers") and index + 1 < len(words) and words[index + 1].isdigit():
            workers = int(words[index + 1])
        elif word.startswith("--workers=") and word.split("=", 1)[1].isdigit():
            workers = int(word.split("=", 1)[1])
        elif word == "--app" and index + 1 < len(words):
            target = words[index + 1]
    positional = _drop_options(words, value_opts)
    if target is None and positional:
        target = positional[0]
    return ServerCommand(
        program=program,
        target=target,
        factory="--factory" in words,
        workers=workers,
        reload="--reload" in words or (program == "fastapi" and "dev" in argv[:3]),
        argv=tuple(argv),
    )


def split(command: str) -> list[list[str]]:
    """Split a line of shell into simple commands on ``&&``, ``||``, ``;``, ``|`` and ``&``."""
    try:
        lexer = shlex.shlex(command, posix=True, punctuation_chars=";&|()")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        tokens = list(lexer)
    except ValueError:
        tokens = command.split()
    commands: list[list[str]] = [[]]
    for token in tokens:
        if token and set(token) <= set(";&|()"):
            commands.append([])
        else:
            commands[-1].append(token)
    return [c for c in commands if c]
