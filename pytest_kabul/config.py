"""``[tool.kabul]`` configuration: loading, validation, defaults.

Precedence is CLI > ini > ``[tool.kabul]`` > discovered defaults; this module only handles the
file part and returns a frozen :class:`KabulConfig`. Keys may be written with ``-`` or ``_``.
Unknown keys are errors that list the valid ones (a typo must never silently disable a check).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pytest_kabul.errors import ConfigError


@dataclass(frozen=True, kw_only=True)
class Waiver:
    code: str
    reason: str
    subject: str | None = None
    until: dt.date | None = None


@dataclass(frozen=True, kw_only=True)
class LiveConfig:
    app: str | None = None
    app_dir: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    rate_limit_paths: tuple[str, ...] = ()
    burst: int = 200
    health_path: str | None = None
    production_env: Mapping[str, str] = field(default_factory=dict)
    database_env: str | None = None
    redis_env: str | None = None
    exclude_tables: tuple[str, ...] = ()
    startup_timeout: float = 30.0
    migrations_dir: str | None = None
    # The interpreter for the app's and Alembic's subprocesses (a virtualenv holding the app's
    # dependencies); relative paths are resolved against the project root.
    python: str | None = None


@dataclass(frozen=True, kw_only=True)
class KabulConfig:
    source: str | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_level: str = "error"
    exclude: tuple[str, ...] = ()
    compose_files: tuple[str, ...] = ()
    tls_terminated_by: str | None = None
    managed_database: str | None = None
    settings_class: str | None = None
    docs_url: str | None = None
    paths_in_images: Mapping[str, str] = field(default_factory=dict)  # image path -> repo folder
    waivers: tuple[Waiver, ...] = ()
    live: LiveConfig = field(default_factory=LiveConfig)
    # import name (dotted allowed) -> the distributions that provide it (deptry's
    # package_module_name_map, reversed to how imports are read): ``{"mylib" = "my-lib-dist"}``
    import_map: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def with_overrides(self, **changes: Any) -> KabulConfig:
        return replace(self, **changes)


def _type(value: object) -> str:
    """The TOML name of a parsed value's type, for messages (never the value: it may be a
    secret)."""
    names = {bool: "boolean", int: "integer", float: "float", str: "string", list: "array"}
    names.update({dict: "table", dt.datetime: "datetime", dt.date: "date", dt.time: "time"})
    return names.get(type(value), type(value).__name__)


def _bad(where: str, expected: str, value: object) -> ConfigError:
    return ConfigError(f"{where} must be {expected}, got {_type(value)}")


def _str(where: str, value: object) -> str:
    if not isinstance(value, str):
        raise _bad(where, "a string", value)
    return value


def _strs(where: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise _bad(where, "a list of strings", value)
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise _bad(where, f"a list of strings (item {index})", item)
    return tuple(value)


def _int(where: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise _bad(where, "a positive integer", value)
    return value


def _float(where: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise _bad(where, "a positive number", value)
    return float(value)


def _str_map(where: str, value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _bad(where, "a table of strings", value)
    out: dict[str, str] = {}
    for key, item in sorted(value.items()):
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise _bad(f"{where}.{key}", "a string", item)
        out[str(key)] = str(item)
    return out


def _import_map(where: str, value: object) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise ConfigError(
            f'{where} must be a table of import name = "distribution" (or a list of them),'
            f" got {type(value).__name__}"
        )
    out: dict[str, tuple[str, ...]] = {}
    for key, item in sorted(value.items()):
        name = str(key)
        if not all(part.isidentifier() for part in name.split(".")):
            raise ConfigError(f"{where}: {name!r} is not an import name (dotted identifiers)")
        dists = [item] if isinstance(item, str) else item
        if (
            not isinstance(dists, list)
            or not dists
            or not all(isinstance(d, str) and d.strip() for d in dists)
        ):
            raise ConfigError(
                f"{where}.{name} must be a distribution name or a non-empty list of them"
            )
        out[name] = tuple(d.strip() for d in dists)
    return out


def _fail_level(where: str, value: object) -> str:
    text = _str(where, value).lower()
    if text not in {"info", "warning", "error", "critical"}:
        raise ConfigError(f"{where} must be one of info, warning, error, critical; got {value!r}")
    return text


def _waivers(where: str, value: object) -> tuple[Waiver, ...]:
    if isinstance(value, dict):  # [tool.kabul.waivers] KAB101 = "reason" or a sub-table
        items: list[Any] = [
            {"code": k, **(v if isinstance(v, dict) else {"reason": v})} for k, v in value.items()
        ]
    elif isinstance(value, list):
        items = value
    else:
        raise _bad(where, "an array of tables", value)
    waivers = []
    for index, item in enumerate(items):
        at = f"{where}[{index}]"
        if not isinstance(item, dict):
            raise _bad(at, "a table with code, reason, optional subject/until", item)
        unknown = sorted(set(item) - {"code", "reason", "subject", "until"})
        if unknown:
            raise ConfigError(
                f"{at}: unknown key {unknown[0]!r}; valid keys: code, reason, subject, until"
            )
        if not isinstance(item.get("reason"), str) and item.get("reason") is not None:
            raise _bad(f"{at}.reason", "a string", item["reason"])
        if not item.get("reason"):
            raise ConfigError(f"{at}: a waiver needs a non-empty 'reason'")
        until = item.get("until")
        if isinstance(until, str):
            try:
                until = dt.date.fromisoformat(until)
            except ValueError:
                raise ConfigError(f"{at}.until must be a date (YYYY-MM-DD)") from None
        if until is not None and (not isinstance(until, dt.date) or isinstance(until, dt.datetime)):
            raise _bad(f"{at}.until", "a date (YYYY-MM-DD)", until)
        subject = item.get("subject")
        waivers.append(
            Waiver(
                code=_str(f"{at}.code", item.get("code")).strip().upper(),
                reason=_str(f"{at}.reason", item["reason"]),
                subject=_str(f"{at}.subject", subject) if subject is not None else None,
                until=until,
            )
        )
    return tuple(waivers)


Parser = Callable[[str, object], Any]

LIVE_KEYS: dict[str, Parser] = {
    "app": _str,
    "app_dir": _str,
    "env": _str_map,
    "rate_limit_paths": _strs,
    "burst": _int,
    "health_path": _str,
    "production_env": _str_map,
    "database_env": _str,
    "redis_env": _str,
    "exclude_tables": _strs,
    "startup_timeout": _float,
    "migrations_dir": _str,
    "python": _str,
}


def _codes(where: str, value: object) -> tuple[str, ...]:
    """Check codes or prefixes, case-insensitive as on the command line (``kab1`` is ``KAB1``)."""
    return tuple(code.strip().upper() for code in _strs(where, value))


TOP_KEYS: dict[str, Parser] = {
    "select": _codes,
    "ignore": _codes,
    "fail_level": _fail_level,
    "exclude": _strs,
    "compose_files": _strs,
    "tls_terminated_by": _str,
    "managed_database": _str,
    "settings_class": _str,
    "docs_url": _str,
    "paths_in_images": _str_map,
    "waivers": _waivers,
    "import_map": _import_map,
}


def _normalise(table: Mapping[str, Any]) -> dict[str, Any]:
    return {str(k).replace("-", "_"): v for k, v in table.items()}


def _parse_table(
    where: str, table: Mapping[str, Any], keys: Mapping[str, Parser], extra: Sequence[str] = ()
) -> dict[str, Any]:
    valid = sorted([*keys, *extra])
    out: dict[str, Any] = {}
    for key, value in _normalise(table).items():
        if key in extra:
            continue
        if key not in keys:
            raise ConfigError(f"{where}: unknown key {key!r}; valid keys: {', '.join(valid)}")
        out[key] = keys[key](f"{where}.{key}", value)
    return out


def parse_config(table: Mapping[str, Any], source: str) -> KabulConfig:
    """Validate a ``[tool.kabul]`` table (already extracted from its file)."""
    where = f"{source}: [tool.kabul]" if not source.endswith("kabul.toml") else source
    top = _parse_table(where, table, TOP_KEYS, extra=("live",))
    live_table = _normalise(table).get("live", {})
    if not isinstance(live_table, dict):
        raise _bad(f"{where}.live", "a table", live_table)
    live = LiveConfig(**_parse_table(f"{where}.live", live_table, LIVE_KEYS))
    return KabulConfig(source=source, live=live, **top)


def load_config(root: Path, explicit: Path | None = None) -> KabulConfig:
    """Find and read the configuration: ``--kabul-config``, root pyproject.toml, kabul.toml.

    Every value is validated; a wrong type is a :class:`ConfigError` naming the file, the key
    and the expected type (a usage error, never a crash).
    """
    from pytest_kabul.project.files import read_bounded

    if explicit is not None:
        explicit = explicit.resolve()
        data, why = read_bounded(explicit.parent, explicit.name, limit=MAX_CONFIG_BYTES)
        if data is None:
            raise ConfigError(f"{explicit}: --kabul-config file {why or 'does not exist'}")
        candidates = [(explicit, data)]
    else:
        candidates = []
        for name in ("pyproject.toml", "kabul.toml"):
            data, why = read_bounded(root, name, limit=MAX_CONFIG_BYTES)
            if data is not None:
                candidates.append((root / name, data))
            elif why is not None and name == "kabul.toml":
                raise ConfigError(f"{root / name}: {why}")
    for path, raw in candidates:
        where = _display(path, root)
        try:
            parsed = tomllib.loads(raw.decode("utf-8-sig"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError) as exc:
            if path.name == "pyproject.toml" and explicit is None:
                # An unreadable project manifest is a finding (KAB001), not a usage error.
                continue
            reason = "nested too deeply" if isinstance(exc, RecursionError) else exc
            raise ConfigError(f"{where}: invalid TOML: {reason}") from None
        tool = parsed.get("tool")
        if tool is not None and not isinstance(tool, dict):
            # Whether [tool.kabul] is there cannot be told; pytest itself crashes on such a
            # root pyproject.toml when run from the project (see README, Limitations).
            raise _bad(f"{path}: tool", "a table", tool)
        table = tool.get("kabul") if tool else None
        if path.name == "kabul.toml" or (explicit is not None and table is None):
            table = parsed if table is None else table
        if table is None:
            continue
        if not isinstance(table, dict):
            raise _bad(f"{where}: [tool.kabul]", "a table", table)
        return parse_config(table, where)
    return KabulConfig()


MAX_CONFIG_BYTES = 4 * 1024 * 1024


def _display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
