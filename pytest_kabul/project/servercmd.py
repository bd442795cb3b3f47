"""Parse an ASGI server command line: uvicorn, gunicorn (uvicorn workers), fastapi, hypercorn.

``parse_server_command(argv)`` finds the server in a simple command (after ``exec``, ``env``,
``python -m``, variable assignments) and returns its ASGI target, ``--factory``, ``--app-dir``,
the worker count and the ``--forwarded-allow-ips`` value. Used by the ASGI facet and the
process-count facts; kept separate so it can be swapped for the start-path facet.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

TARGET_RE = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*(\(\))?$")
SERVERS = frozenset({"uvicorn", "gunicorn", "fastapi", "hypercorn", "granian"})
# Options that take no value (everything else that is not ``--x=y`` consumes the next token).
FLAGS = frozenset(
    {
        "--reload", "--factory", "--proxy-headers", "--no-proxy-headers", "--no-access-log",
        "--use-colors", "--no-use-colors", "--server-header", "--no-server-header",
        "--date-header", "--no-date-header", "--preload", "--daemon", "-D", "--reuse-port",
        "--check-config", "--print-config", "--capture-output", "--enable-stdio-inheritance",
        "--no-reload", "--dev",
    }
)  # fmt: skip


@dataclass(frozen=True)
class ServerCommand:
    server: str  # uvicorn | gunicorn | fastapi | hypercorn | granian
    target: str | None  # "app.main:app"; for ``fastapi run path.py`` derived from the path
    factory: bool
    app_dir: str | None
    workers: int | None
    forwarded_allow_ips: str | None
    argv: tuple[str, ...]


def _server_start(argv: Sequence[str]) -> int | None:
    i = 0
    while i < len(argv):
        word = argv[i]
        base = word.rsplit("/", 1)[-1]
        if base in {"exec", "env", "nohup"} or re.match(r"^[A-Za-z_]\w*=", word):
            i += 1
            continue
        if base.startswith("python") and i + 2 < len(argv) and argv[i + 1] == "-m":
            return i + 2 if argv[i + 2] in SERVERS else None
        if base in {"poetry", "uv", "pipenv", "pdm", "hatch"} and "run" in argv[i + 1 : i + 3]:
            i = argv.index("run", i) + 1
            continue
        return i if base in SERVERS else None
    return None


def _int(text: str | None) -> int | None:
    return int(text) if text is not None and text.isdigit() else None


def parse_server_command(argv: Sequence[str]) -> ServerCommand | None:
    start = _server_start(argv)
    if start is None:
        return None
    server = argv[start].rsplit("/", 1)[-1]
    rest = list(argv[start + 1 :])
    if server == "fastapi" and rest and rest[0] in {"run", "dev"}:
        rest = rest[1:]
    options: dict[str, str] = {}
    positionals: list[str] = []
    flags: set[str] = set()
    i = 0
    while i < len(rest):
        word = rest[i]
        if word.startswith("-") and word != "-":
            if "=" in word:
                key, _, value = word.partition("=")
                options[key] = value
            elif word in FLAGS:
                flags.add(word)
            elif re.match(r"^-[wbk]\d*$", word) and len(word) > 2:
                options[word[:2]] = word[2:]  # gunicorn -w4
            elif i + 1 < len(rest):
                options[word] = rest[i + 1]
                i += 1
        else:
            positionals.append(word)
        i += 1
    target = next((p for p in positionals if TARGET_RE.match(p)), None)
    if server == "fastapi" and target is None and positionals:
        path = positionals[0]
        if path.endswith(".py"):
            module = path.removesuffix(".py").strip("./").replace("/", ".")
            target = f"{module}:{options.get('--app', 'app')}"
    factory = "--factory" in flags
    if target is not None and target.endswith("()"):
        target, factory = target[:-2], True
    workers = _int(options.get("--workers") or options.get("-w"))
    return ServerCommand(
        server=server,
        target=target,
        factory=factory,
        app_dir=options.get("--app-dir") or options.get("--chdir"),
        workers=workers,
        forwarded_allow_ips=options.get("--forwarded-allow-ips"),
        argv=tuple(argv),
    )
