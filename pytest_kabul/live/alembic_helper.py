"""Run Alembic for one live check; executed as a standalone script in a subprocess.

``python alembic_helper.py '<json>'`` from the folder the deploy runs Alembic in. The JSON has
``config`` (the ini path), ``name`` (``-n`` section or null), ``url`` (the throwaway database)
and ``actions`` (any of ``upgrade``, ``check``, ``roundtrip``). The project's own ``env.py``
runs unchanged (async engines included); the URL is also set as ``sqlalchemy.url`` for the
env.py files that read it from the config. The last stdout line is ``KABUL-RESULT <json>``.

This file imports nothing from pytest-kabul: it runs in the project's interpreter.
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
import traceback
from typing import Any

MARK = "KABUL-RESULT "
_STEP = re.compile(r"Running (upgrade|downgrade) (.*?) -> ([^,\s]*)")


class _StepLog:
    """Stands in for ``alembic.runtime.migration.log``: env.py's fileConfig cannot mute it."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, str, str]] = []
        self.in_revision = False  # a revision's upgrade()/downgrade() is running right now

    def info(self, msg: str, *args: Any, **_kw: Any) -> None:
        text = msg % args if args else str(msg)
        m = _STEP.search(text)
        if m:
            self.steps.append((m.group(1), m.group(2).strip(), m.group(3).strip()))
            self.in_revision = True

    def debug(self, *_a: Any, **_kw: Any) -> None:
        pass

    warning = error = debug

    def isEnabledFor(self, _level: int) -> bool:
        return True


def _describe(diff: Any) -> str:
    if isinstance(diff, list):
        return "; ".join(_describe(d) for d in diff)
    if not isinstance(diff, tuple) or not diff:
        return repr(diff)[:200]
    kind, rest = diff[0], diff[1:]
    if str(kind).startswith("modify_") and len(rest) >= 6:  # (schema, table, column, kw, db, model)
        _schema, table, column, _kw, database, model = rest[:6]
        return f"{kind} {table}.{column}: {database!r} in the database, {model!r} in the models"
    parts: list[str] = []
    for item in rest:
        table = getattr(item, "table", None)
        if hasattr(item, "columns") and hasattr(item, "name") and table is None:
            parts.append(f"table {item.name}")
        elif table is not None and hasattr(item, "type") and hasattr(item, "name"):
            parts.append(f"{getattr(table, 'name', '?')}.{item.name} {item.type}")
        elif table is not None and hasattr(item, "name"):
            parts.append(f"{type(item).__name__.lower()} {item.name} on {table.name}")
        elif item is None or isinstance(item, dict | str):
            continue
        else:
            parts.append(repr(item)[:120])
    return f"{kind} " + " ".join(parts)


def _tables(diff: Any) -> set[str]:
    out: set[str] = set()
    items = diff if isinstance(diff, list) else [diff]
    for d in items:
        for item in d[1:] if isinstance(d, tuple) else ():
            table = getattr(item, "table", None)
            name = getattr(table, "name", None) if table is not None else None
            if name is None and hasattr(item, "columns"):
                name = getattr(item, "name", None)
            if isinstance(item, str):
                out.add(item)
            if name:
                out.add(str(name))
    return out


def _no_dotenv_override() -> None:
    """``load_dotenv(override=True)`` in env.py must not replace the throwaway database URL."""
    try:
        import dotenv
    except ImportError:
        return
    original = dotenv.load_dotenv

    def load_dotenv(*args: Any, **kwargs: Any) -> bool:
        kwargs["override"] = False
        return bool(original(*args, **kwargs))

    dotenv.load_dotenv = load_dotenv


def _track_revision_end(migration: Any, steps: _StepLog) -> None:
    """A step is over once Alembic records its new version: errors after it are not the
    revision's (env.py's commit, the next step's import)."""
    original = migration.HeadMaintainer.update_to_step

    def update_to_step(self: Any, step: Any) -> Any:
        steps.in_revision = False
        return original(self, step)

    migration.HeadMaintainer.update_to_step = update_to_step


def _failure(exc: BaseException, stage: str, steps: _StepLog) -> dict[str, Any]:
    missing = getattr(exc, "name", None) if isinstance(exc, ImportError) else None
    where = None
    if isinstance(exc, SyntaxError):
        where = f"{exc.filename}:{exc.lineno}"
    return {
        "ok": False,
        "stage": stage,
        "error_type": type(exc).__name__,
        "in_revision": steps.in_revision,
        "missing_module": missing,
        "syntax_at": where,
        "python": ".".join(map(str, sys.version_info[:3])),
        "error": "".join(traceback.format_exception(exc))[-6000:],
    }


def _script_location_from_ini(cfg: Any, config_path: str) -> None:
    """A relative ``script_location`` that does not exist from here but next to the config
    file is the one meant (the deploy runs Alembic from the config's folder)."""
    import os

    location = cfg.get_main_option("script_location") or ""
    if not location or os.path.isabs(location) or os.path.isdir(location):
        return
    if ":" in location and not location.startswith("."):  # package:resource form
        return
    beside = os.path.join(os.path.dirname(os.path.abspath(config_path)), location)
    if os.path.isdir(beside):
        cfg.set_main_option("script_location", beside.replace("%", "%%"))


def _isolate_from_plugin() -> None:
    """``python alembic_helper.py`` put this file's folder first on ``sys.path``: it holds
    modules named ``redis``, ``postgres``, ``safety`` … that must not shadow the project's."""
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]


def _compare(command: Any, cfg: Any) -> None:
    """``alembic check`` (Alembic >= 1.9); older Alembic: an autogenerate revision whose
    directives are dropped, so no file is written (the diffs are captured by the caller)."""
    if hasattr(command, "check"):
        command.check(cfg)
        return

    def discard(_context: Any, _revision: Any, directives: list[Any]) -> None:
        for script in directives:
            script.upgrade_ops.as_diffs()  # what `check` reports
        directives[:] = []

    command.revision(cfg, autogenerate=True, process_revision_directives=discard)


def main() -> int:
    _isolate_from_plugin()
    args = json.loads(sys.argv[1])
    result: dict[str, Any] = {"ok": True, "heads": args.get("heads") or []}
    steps = _StepLog()
    stage = "load"
    try:
        from alembic import command
        from alembic.config import Config
        from alembic.runtime import migration

        # The deploy's folder goes on sys.path only now (as `prepend_sys_path = .` would):
        # a migrations package named `alembic` in it must not shadow the library.
        for folder in reversed(args.get("sys_path") or []):
            sys.path.insert(0, folder)

        _no_dotenv_override()
        migration.log = steps  # type: ignore[assignment]
        _track_revision_end(migration, steps)
        out = io.StringIO()
        if args["config"].endswith(".toml"):  # [tool.alembic] (Alembic >= 1.16)
            cfg = Config(toml_file=args["config"], stdout=out)
        else:
            cfg = Config(args["config"], ini_section=args.get("name") or "alembic", stdout=out)
        cfg.set_main_option("sqlalchemy.url", args["url"].replace("%", "%%"))
        _script_location_from_ini(cfg, args["config"])
    except BaseException as exc:
        result.update(_failure(exc, stage, steps))
        sys.stdout.write("\n" + MARK + json.dumps(result) + "\n")
        return 0
    # The heads come from the host (read from the revision files' AST): no revision module is
    # imported before env.py runs, exactly as `alembic upgrade head` does.
    target = "heads" if len(result["heads"]) > 1 else "head"
    stage = "upgrade"
    try:
        if "upgrade" in args["actions"] or "check" in args["actions"]:
            command.upgrade(cfg, target)
            out.seek(0)
            out.truncate()
            command.current(cfg)
            result["current"] = sorted(re.findall(r"^([0-9A-Za-z_]+)", out.getvalue(), re.M))
        if "check" in args["actions"]:
            stage = "check"
            from alembic.operations import ops

            captured: list[Any] = []
            original = ops.UpgradeOps.as_diffs

            def as_diffs(self: Any) -> Any:
                found = original(self)
                captured.extend(found)
                return found

            ops.UpgradeOps.as_diffs = as_diffs  # type: ignore[method-assign]
            exclude = set(args.get("exclude_tables") or ())
            try:
                _compare(command, cfg)
            except Exception as exc:
                if "DiffsDetected" not in type(exc).__name__:
                    raise
            result["diffs"] = sorted(_describe(d) for d in captured if not (_tables(d) & exclude))
        if "roundtrip" in args["actions"]:
            stage = "upgrade"
            command.upgrade(cfg, target)
            stage = "downgrade"
            for _ in range(int(args.get("revisions") or 0)):
                command.downgrade(cfg, "-1")
            stage = "re-upgrade"
            command.upgrade(cfg, target)
    except BaseException as exc:  # report everything, including SystemExit from env.py
        result.update(_failure(exc, stage, steps))
    result["steps"] = steps.steps
    sys.stdout.write("\n" + MARK + json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
