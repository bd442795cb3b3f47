"""Running the project's own Alembic environment against a throwaway database.

:func:`plan_for` decides, from the static model only, how the deploy runs Alembic: the folder
(``[tool.kabul.live] migrations_dir``, else the build context / app folder of a start path that
migrates, else the config file's folder),
the ``-c``/``-n`` arguments, the environment variables that must carry the database URL (the
``sqlalchemy.url`` of the ini is overridden anyway; ``os.environ[...]`` reads in ``env.py``; the
Settings fields that look like a database URL or its parts; ``[tool.kabul.live] database_env``),
the driver the project uses (``postgresql+asyncpg://`` …), harmless generated values for other
required Settings fields, and ``[tool.kabul.live.env]``. :func:`run` executes
``alembic_helper.py`` in a subprocess with the project's interpreter. Nothing here prints the
environment; evidence is redacted with :func:`scrub`.
"""

from __future__ import annotations

import ast
import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_kabul.live.pyversion import newer_syntax_reason, relative_site
from pytest_kabul.live.safety import DATABASE, PART_NAMES, env_file_parts, url_bindings
from pytest_kabul.project.core import Project
from pytest_kabul.project.migrations.alembic_envs import AlembicEnv
from pytest_kabul.services.postgres import Database
from pytest_kabul.services.procs import free_port

HELPER = Path(__file__).with_name("alembic_helper.py")
CLOSED_REDIS_URL = "redis://127.0.0.1:9/0"
_URL_FIELD = re.compile(
    r"(DATABASE|DB|POSTGRES|PG|SQLALCHEMY|SQL)\w*_(URL|URI|DSN)$"
    r"|^(DATABASE|DB|POSTGRES(QL)?|PG)_?(URL|URI|DSN)$",
    re.I,
)
_DB_ENV = re.compile(r"^(PG[A-Z]+|DATABASE_\w+|\w*_DATABASE_URL|POSTGRES_\w+|DB_\w+)$")
_DRIVER = re.compile(r"postgres(?:ql)?\+(\w+)://")
_SECRETISH = re.compile(r"://([^:/@\s]+):([^@\s]+)@")


@dataclass(frozen=True)
class Plan:
    cwd: Path
    config: str  # path of the config file, relative to cwd
    name: str | None
    url_vars: tuple[str, ...]
    part_vars: Mapping[str, tuple[str, ...]]
    driver: str | None
    extra_env: Mapping[str, str] = field(default_factory=dict)
    python: str = sys.executable  # [tool.kabul.live] python, else the interpreter running pytest
    root: Path | None = None  # the project root (messages name files relative to it)
    # Folders put on sys.path after ``cwd`` (see :func:`import_roots`).
    sys_path: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Outcome:
    ok: bool
    heads: tuple[str, ...]
    current: tuple[str, ...]
    steps: tuple[tuple[str, str, str], ...]
    diffs: tuple[str, ...]
    stage: str | None
    error: str | None  # scrubbed traceback text
    returncode: int
    error_type: str | None = None
    in_revision: bool = False  # the error was raised while a revision's upgrade/downgrade ran
    missing_module: str | None = None
    syntax_at: str | None = None  # file:line (project-relative when under the root)
    python: str | None = None  # the interpreter's version, "3.11.7"
    interpreter: str | None = None  # the interpreter's path

    def could_not_run(self, setting_hint: str = "") -> str | None:
        """Why this environment could not run the project here, or None when the failure is
        the migrations' own (an error raised while a revision's DDL/DML ran)."""
        if self.ok:
            return None
        kind = self.error_type or ""
        last = self.error_tail(1).strip() or "no output"
        python = f"Python {self.python}" if self.python else "this interpreter"
        fix_python = (
            "install the app's dependencies into a virtualenv and name its interpreter in"
            " [tool.kabul.live] python"
        )
        if kind in ("ModuleNotFoundError", "ImportError"):
            what = f"module {self.missing_module!r}" if self.missing_module else "a module"
            return (
                f"the project could not be loaded here: {what} is not importable with"
                f" {python} ({last}); {fix_python}"
            )
        if kind in ("SyntaxError", "IndentationError", "TabError"):
            return newer_syntax_reason(
                self.syntax_at, last, python=self.interpreter, version=self.python
            )
        if self.stage in ("start", "load"):
            return f"Alembic could not start here ({last}); {fix_python}"
        if kind == "CommandError" and re.search(
            r"Path doesn't exist|script_location|No such", last
        ):
            return (
                f"Alembic could not find its script folder ({last}); set [tool.kabul.live]"
                " migrations_dir to the folder the deploy runs Alembic from"
            )
        if kind in ("FileNotFoundError", "NotADirectoryError"):
            return (
                f"a file the migration environment needs was not found ({last}); set"
                " [tool.kabul.live] migrations_dir to the folder the deploy runs Alembic from"
            )
        if self.in_revision:
            return None
        if kind == "ValidationError":
            return (
                f"the app's settings could not be constructed here ({last}); give the missing"
                " values in [tool.kabul.live.env]" + setting_hint
            )
        return (
            f"env.py failed before any revision ran ({kind or 'error'}: {last}); this is the"
            " environment, not the migrations: name the database variable env.py reads in"
            " [tool.kabul.live] database_env, or give missing values in [tool.kabul.live.env]"
        )

    @property
    def failing_revision(self) -> str | None:
        if not self.steps or self.ok:
            return None
        kind, down, up = self.steps[-1]
        return down if kind == "downgrade" else up

    def error_tail(self, lines: int = 12) -> str:
        """The final exception of the traceback (its message and SQL), at most ``lines``."""
        text = (self.error or "").strip().splitlines()
        start = max(
            (i for i, line in enumerate(text) if line[:1].strip() and line[:1] not in "[("),
            default=0,
        )
        return "\n".join(text[start:][:lines])


def scrub(text: str, secrets: Sequence[str] = ()) -> str:
    """Hide passwords in URLs and any known secret value."""
    text = _SECRETISH.sub(r"://\1:***@", text)
    for value in secrets:
        if value and len(value) >= 4:
            text = text.replace(value, "***")
    return text


def _env_py_reads(project: Project, env: AlembicEnv) -> set[str]:
    """Environment variable names read in env.py (``os.getenv``, ``os.environ[...]``)."""
    names: set[str] = set()
    tree = project.parse_python(env.env_py) if env.env_py else None
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = ast.unparse(node.func)
            if func.endswith(("getenv", "environ.get")) and isinstance(node.args[0].value, str):
                names.add(node.args[0].value)
        elif (
            isinstance(node, ast.Subscript)
            and ast.unparse(node.value).endswith("environ")
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, str)
        ):
            names.add(node.slice.value)
    return names


def _settings_fields(project: Project, app_dir: str) -> list[Any]:
    from pytest_kabul.project.python.settings.classes import settings_classes

    fields: list[Any] = []
    for cls in settings_classes(project):
        if cls.test_code or (app_dir and not cls.path.startswith(app_dir + "/")):
            continue
        fields.extend(cls.fields)
    return fields


def _driver(project: Project, env: AlembicEnv, app_dir: str, python: str) -> str | None:
    counts: dict[str, int] = {}
    texts = [env.options.get("sqlalchemy.url", "")]
    for rel in project.files.under(app_dir) if app_dir else project.files:
        if rel.endswith((".py", ".env", ".example", ".toml", ".ini", ".yml", ".yaml")):
            texts.append(project.read_text(rel) or "")
    for text in texts:
        for match in _DRIVER.findall(text):
            counts[match] = counts.get(match, 0) + 1
    if counts:
        return max(sorted(counts), key=lambda k: counts[k])
    env_text = project.read_text(env.env_py) if env.env_py else ""
    if env_text and ("async_engine_from_config" in env_text or "AsyncEngine" in env_text):
        return "asyncpg"
    # A plain postgresql:// URL means psycopg2 to SQLAlchemy: keep it when the project
    # depends on psycopg2; psycopg 3 when that is what it declares.
    deps = " ".join(
        project.read_text(rel) or ""
        for rel in (project.files.under(app_dir) if app_dir else project.files)
        if rel.rsplit("/", 1)[-1] in _MANIFESTS or rel.rsplit("/", 1)[-1].startswith("requirements")
    ).lower()
    if "psycopg2" in deps:
        return None
    if re.search(r"\bpsycopg\b(?!2)", deps):
        return "psycopg"
    if python != sys.executable:  # another interpreter: its packages are not ours to probe
        return None
    import importlib.util

    if importlib.util.find_spec("psycopg2") is None and importlib.util.find_spec("psycopg"):
        return "psycopg"
    return None


_MANIFESTS = frozenset(
    {"pyproject.toml", "setup.cfg", "setup.py", "poetry.lock", "uv.lock", "Pipfile"}
)


def plan_for(project: Project, env: AlembicEnv, *, cwd_rel: str | None = None) -> Plan:
    """How to run ``env`` the way the deploy does (see the module docstring)."""
    from pytest_kabul.live.deploy_dir import deploy_dir, import_roots
    from pytest_kabul.project.deploy.startpaths import start_paths

    app_dir = cwd_rel or project.config.live.migrations_dir  # [tool.kabul.live] override
    if app_dir is not None:
        app_dir = app_dir.strip("/").removeprefix("./")
        app_dir = "" if app_dir == "." else app_dir
    if app_dir is None:
        app_dir = deploy_dir(project, env.config_path, start_paths(project))
    if app_dir is None:
        app_dir = env.config_dir
    if app_dir and env.config_path.startswith(app_dir + "/"):
        config = env.config_path[len(app_dir) + 1 :]
    elif app_dir:  # the config lives elsewhere: give Alembic its path from there
        config = os.path.relpath(env.config_path, app_dir)
    else:
        config = env.config_path
    names = _env_py_reads(project, env)
    live = project.config.live
    # Whatever env.py reads that looks like a URL is the database it migrates.
    url_vars = {n for n in names if re.search(r"(URL|URI|DSN)$", n, re.I)} | {"DATABASE_URL"}
    parts: dict[str, set[str]] = {key: set() for key in PART_NAMES}
    extra: dict[str, str] = {}
    for f in _settings_fields(project, app_dir):
        env_name = f.env_name
        if _URL_FIELD.search(f.name) or _URL_FIELD.search(env_name):
            url_vars.add(env_name)
            continue
        part = next((k for k, rx in PART_NAMES.items() if rx.match(f.name)), None)
        if part is not None:
            parts[part].add(env_name)
        elif f.required and not f.nested:
            extra[env_name] = _placeholder(f.name, f.annotation)
    # Whatever parses as a database/Redis URL, whatever its name, gets the throwaway one.
    for binding in url_bindings(project, app_dir):
        if binding.kind == DATABASE:
            url_vars.add(binding.name)
        else:
            extra[binding.name] = CLOSED_REDIS_URL
    for part, names in env_file_parts(project, app_dir).items():
        parts[part] |= names
    if live.database_env:
        url_vars.add(live.database_env)
    extra.update(live.env)
    from pytest_kabul.live.appenv import interpreter

    python = interpreter(project)
    return Plan(
        python=python,
        root=project.root,
        sys_path=tuple(
            project.root / r if r else project.root for r in import_roots(project, env, app_dir)
        ),
        cwd=project.root / app_dir if app_dir else project.root,
        config=config,
        name=env.ini_name,
        url_vars=tuple(sorted(url_vars)),
        part_vars={k: tuple(sorted(v)) for k, v in sorted(parts.items())},
        driver=_driver(project, env, app_dir, python),
        extra_env=dict(sorted(extra.items())),
    )


def _placeholder(name: str, annotation: str) -> str:
    """A harmless value of the right shape for a required setting the migration does not use."""
    from pytest_kabul.live.appenv import production_flag

    lower, ann = name.lower(), annotation.lower()
    if "bool" in ann:
        return production_flag(name) or "false"
    if "int" in ann or "float" in ann or lower.endswith(("_port", "_seconds", "_minutes")):
        return str(free_port()) if lower.endswith("port") else "1"
    if "list" in ann or "set[" in ann or "dict" in ann:
        return "[]" if "dict" not in ann else "{}"
    if "email" in ann or "email" in lower:
        return "kabul@example.com"
    if "url" in lower or "dsn" in lower or "http" in ann or "url" in ann:
        return "http://127.0.0.1:9/kabul"
    return f"kabul-placeholder-{lower.replace('_', '-')}-0123456789abcdef0123456789abcdef"


def environment(plan: Plan, db: Database) -> dict[str, str]:
    """The subprocess environment: ours, minus every database variable of the caller."""
    env = {k: v for k, v in os.environ.items() if not _DB_ENV.match(k)}
    env.update(plan.extra_env)
    url = db.url(plan.driver)
    for var in plan.url_vars:
        env[var] = url
    values = {"host": db.host, "port": str(db.port), "user": db.user,
              "password": db.password or "", "name": db.name}  # fmt: skip
    for part, variables in plan.part_vars.items():
        for var in variables:
            env[var] = values[part]
    env.update(PGHOST=db.host, PGPORT=str(db.port), PGUSER=db.user, PGDATABASE=db.name)
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # the deploy folder goes on sys.path in the helper
    return env


def run(
    plan: Plan,
    db: Database,
    actions: Sequence[str],
    *,
    exclude_tables: Sequence[str] = (),
    timeout: float = 300.0,
    heads: Sequence[str] = (),
    revisions: int = 0,
) -> Outcome:
    """``heads`` and ``revisions`` come from the AST-read graph (see KAB301), so the helper
    never imports a revision module before ``env.py`` runs."""
    from pytest_kabul.services import procs

    payload = {
        "config": plan.config,
        "name": plan.name,
        "url": db.url(plan.driver),
        "actions": list(actions),
        "exclude_tables": list(exclude_tables),
        "heads": sorted(heads),
        "revisions": revisions,
        "sys_path": [str(plan.cwd), *map(str, plan.sys_path)],
    }
    done = _run(
        [plan.python, str(HELPER), json.dumps(payload)],
        env=environment(plan, db),
        cwd=plan.cwd,
        timeout=timeout,
        procs=procs,
    )
    secrets = [db.password or "", *plan.extra_env.values()]
    marker = next(
        (line for line in reversed(done[1].splitlines()) if line.startswith("KABUL-RESULT ")), None
    )
    if marker is None:
        text = scrub((done[1] + "\n" + done[2]).strip(), secrets)
        return Outcome(
            False, tuple(sorted(heads)), (), (), (), "start", text[-6000:] or "no output", done[0],
            interpreter=plan.python,
        )  # fmt: skip
    data = json.loads(marker[len("KABUL-RESULT ") :])
    error = data.get("error")
    if error is not None:
        error = scrub(error, secrets)
    return Outcome(
        ok=bool(data.get("ok")),
        heads=tuple(data.get("heads", ())),
        current=tuple(data.get("current", ())),
        steps=tuple(tuple(s) for s in data.get("steps", ())),
        diffs=tuple(data.get("diffs", ())),
        stage=data.get("stage"),
        error=error,
        returncode=done[0],
        error_type=data.get("error_type"),
        in_revision=bool(data.get("in_revision")),
        missing_module=data.get("missing_module"),
        syntax_at=relative_site(data["syntax_at"], plan.root) if data.get("syntax_at") else None,
        python=data.get("python"),
        interpreter=plan.python,
    )


def _run(
    argv: list[str], *, env: dict[str, str], cwd: Path, timeout: float, procs: Any
) -> tuple[int, str, str]:
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory(prefix="kabul-alembic-") as tmp:
        log = Path(tmp) / "out.log"
        err = Path(tmp) / "err.log"
        with log.open("wb") as out, err.open("wb") as errf:
            process = procs.popen_owned(
                argv, cwd=cwd, env=env, stdout=out, stderr=errf, what="alembic helper"
            )
            try:
                code = process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                procs.stop_group(process, grace=2.0)
                code = -9
            except BaseException:
                procs.stop_group(process, grace=2.0)
                raise
            finally:
                procs.disown(process.pid)
        return code, log.read_text(errors="replace"), err.read_text(errors="replace")
