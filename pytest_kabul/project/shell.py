"""THE shell model: one splitter for command lines and one parser for server commands.

Pure functions over strings and argv lists (no file access). :func:`split` cuts a line of shell
into simple commands; a command is *normalised* (``VAR=x``, ``exec``, ``poetry run`` /
``uv run`` / ``pipenv run``, ``tini --``, ``gosu user``, ``wait-for-it host:port --`` …
stripped), then classified: an Alembic/Flask migration (:func:`migration`) or an ASGI/WSGI
server start (:func:`server`, giving a :class:`ServerCommand` with its target, ``--factory``,
``--app-dir``, worker count, ``--reload`` and ``--forwarded-allow-ips``). Every reader of start
commands (Dockerfiles, compose, Procfile, PaaS files, the start-path and ASGI facets, the
install-step reader) uses these, so they never disagree.
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


@dataclass(frozen=True, kw_only=True)
class ServerCommand:
    """An ASGI/WSGI server start: ``program`` is uvicorn/gunicorn/hypercorn/fastapi/…"""

    program: str
    target: str | None  # as written: "app.main:app", "app.main:create_app()", "app/main.py"
    import_target: str | None = None  # what to import: "app.main:create_app", "app.main:app"
    factory: bool = False  # ``--factory`` or a ``module:factory()`` target
    app_dir: str | None = None
    workers: int | None = None
    reload: bool = False
    forwarded_allow_ips: str | None = None
    argv: tuple[str, ...] = ()


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


TARGET_RE = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*(\(\))?$")
# Options that take no value (every other ``--x`` without ``=`` consumes the next word).
_FLAGS = frozenset(
    {
        "--reload", "--factory", "--proxy-headers", "--no-proxy-headers", "--no-access-log",
        "--use-colors", "--no-use-colors", "--server-header", "--no-server-header",
        "--date-header", "--no-date-header", "--preload", "--daemon", "-D", "--reuse-port",
        "--check-config", "--print-config", "--capture-output", "--enable-stdio-inheritance",
        "--no-reload", "--dev", "--access-log", "--http2", "--ws", "--interface-asgi",
    }
)  # fmt: skip


def _int(text: str | None) -> int | None:
    return int(text) if text is not None and text.isdigit() else None


def _options(words: list[str]) -> tuple[dict[str, str], set[str], list[str]]:
    """(options with values, flags, positionals) of a server's arguments."""
    options: dict[str, str] = {}
    flags: set[str] = set()
    positionals: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word.startswith("-") and word != "-":
            if "=" in word:
                key, _, value = word.partition("=")
                options[key] = value
            elif word in _FLAGS:
                flags.add(word)
            elif re.match(r"^-[wbkt]\S+$", word):
                options[word[:2]] = word[2:]  # gunicorn -w4, -b:8000
            elif i + 1 < len(words):
                options[word] = words[i + 1]
                i += 1
        else:
            positionals.append(word)
        i += 1
    return options, flags, positionals


def server(argv: list[str]) -> ServerCommand | None:
    """The ASGI/WSGI server this command starts, or None (wrappers are stripped first)."""
    argv = normalise(argv)
    module, rest = python_module(argv)
    if module is not None:
        program, words = module.split(".")[0], rest
    elif argv:
        program, words = base(argv[0]), argv[1:]
    else:
        return None
    if program not in _SERVERS:
        return None
    dev = False
    if program == "fastapi":
        if not words or words[0] not in ("run", "dev"):
            return None
        dev = words[0] == "dev"
        words = words[1:]
    options, flags, positionals = _options(words)
    target = options.get("--app") if program != "fastapi" else None
    target = target or next((p for p in positionals if TARGET_RE.match(p)), None)
    import_target = target.removesuffix("()") if target is not None else None
    if target is None and program == "fastapi" and positionals:
        target = positionals[0]
        if target.endswith(".py"):
            module_name = target.removesuffix(".py").strip("./").replace("/", ".")
            import_target = f"{module_name}:{options.get('--app', 'app')}"
    if target is None and program != "fastapi" and positionals:
        target = import_target = positionals[0]
    factory = "--factory" in flags or (target is not None and target.endswith("()"))
    return ServerCommand(
        program=program,
        target=target,
        import_target=import_target,
        factory=factory,
        app_dir=options.get("--app-dir") or options.get("--chdir"),
        workers=_int(options.get("--workers") or options.get("-w")),
        reload="--reload" in flags or dev,
        forwarded_allow_ips=options.get("--forwarded-allow-ips"),
        argv=tuple(argv),
    )


def strip_comments(text: str) -> str:
    """``text`` without shell comments: a ``#`` that starts a word, outside quotes, to the end of
    its line (``pip install git+https://…#egg=x`` keeps its fragment)."""
    out: list[str] = []
    quote = ""
    skipping = False
    previous = " "
    for char in text:
        if skipping:
            if char == "\n":
                skipping = False
                out.append(char)
            continue
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#" and (previous.isspace() or previous in ";&|()"):
            skipping = True
            continue
        out.append(char)
        previous = char
    return "".join(out)


def split(command: str) -> list[list[str]]:
    """Split shell text into simple commands on ``&&``, ``||``, ``;``, ``|``, ``&``, ``(``, ``)``.

    Good enough for start commands (``sh -c "(cd backend && exec uvicorn …)"``) and RUN lines;
    comments are dropped; quoting errors fall back to whitespace splitting rather than raising.
    """
    text = strip_comments(command)
    try:
        lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|()")
        lexer.whitespace_split = True
        lexer.commenters = ""
        tokens = list(lexer)
    except ValueError:
        tokens = text.split()
    commands: list[list[str]] = [[]]
    for token in tokens:
        if token and set(token) <= set(";&|()"):
            commands.append([])
        else:
            commands[-1].append(token)
    return [c for c in commands if c]
