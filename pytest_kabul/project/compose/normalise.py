"""Compose service normalisation and the compose-spec merge rules.

Each service mapping of each file is first *normalised* (short syntax to long: ``build: ./x``
to ``{context: x}``, environment/label lists to mappings, ports to dicts, volumes to
``source:target[:mode]`` strings, relative paths made project-relative against the file's
working directory), then files are *merged* in ``-f`` order: mappings merge key by key,
``ports``/``expose``/``env_file`` and other sequences append (exact duplicates dropped),
``volumes`` are unique by container path, ``command``/``entrypoint``/``healthcheck.test``
replace, a changed ``logging.driver`` replaces the whole ``logging`` block, ``!reset`` removes and
``!override`` replaces. See https://docs.docker.com/reference/compose-file/merge/.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from pytest_kabul.project.compose.interpolate import Override, Partial, Reset

REPLACE_KEYS = frozenset({"command", "entrypoint"})
_PORT_RE = re.compile(
    r"^(?:(?P<ip>\[[^\]]*\]|[^:\[\]]*):)??(?:(?P<published>[^:]*):)?(?P<target>[^:/]+)"
    r"(?:/(?P<proto>\w+))?$"
)


def resolve_path(work_dir: str, path: str) -> str:
    """A path relative to ``work_dir`` made project-relative (``.`` for the root)."""
    if path.startswith(("/", "~")) or "://" in path or path.startswith("git@"):
        return path
    joined = posixpath.normpath(posixpath.join(work_dir or ".", path))
    return joined


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else str(value)


def _env_value(value: Any) -> Any:
    if value is None or isinstance(value, Reset | Partial):
        return value
    return _text(value)


def _key_values(value: Any, *, keep_none: bool) -> Any:
    """A ``KEY=VALUE`` list or a mapping as a mapping (``KEY`` alone maps to None)."""
    if isinstance(value, Override):
        return Override(_key_values(value.value, keep_none=keep_none))
    if isinstance(value, dict):
        return {str(k): _env_value(v) for k, v in value.items()}
    if isinstance(value, list):
        out: dict[str, Any] = {}
        for item in value:
            if not isinstance(item, str):
                continue
            key, sep, val = item.partition("=")
            if sep:
                out[key.strip()] = Partial(val) if isinstance(item, Partial) else val
            elif keep_none:
                out[key.strip()] = None
            else:
                out[key.strip()] = ""
        return out
    return value


def normalise_port(entry: Any) -> dict[str, Any] | None:
    """One ``ports:`` entry (int, ``"[ip:][host:]container[/proto]"`` or long syntax)."""
    if isinstance(entry, dict):
        target = entry.get("target")
        if target is None:
            return None
        published = entry.get("published")
        return {
            "target": _text(target),
            "published": _text(published) if published not in (None, "") else None,
            "host_ip": _text(entry["host_ip"]) if entry.get("host_ip") else None,
            "protocol": _text(entry.get("protocol") or "tcp").lower(),
        }
    if isinstance(entry, bool) or not isinstance(entry, int | str):
        return None
    text = _text(entry).strip()
    m = _PORT_RE.match(text)
    if m is None:
        return None
    return {
        "target": m.group("target"),
        "published": m.group("published") or None,
        "host_ip": (m.group("ip") or "").strip("[]") or None,
        "protocol": (m.group("proto") or "tcp").lower(),
    }


def _volume(entry: Any, work_dir: str) -> str | None:
    if isinstance(entry, dict):
        source, target = entry.get("source"), entry.get("target")
        if target is None:
            return None
        mode = ":ro" if entry.get("read_only") else ""
        if source in (None, ""):
            return _text(target) + mode
        entry = f"{_text(source)}:{_text(target)}{mode}"
    if not isinstance(entry, str):
        return None
    parts = entry.split(":")
    if len(parts) >= 2 and parts[0].startswith("."):
        source = resolve_path(work_dir, parts[0])
        keep = source.startswith(("/", "..")) or source == "."
        parts[0] = source if keep else "./" + source
    return ":".join(parts)


def volume_target(volume: str) -> str:
    parts = volume.split(":")
    return parts[1] if len(parts) >= 2 else parts[0]


def _map_values(value: Any, fn: Any) -> Any:
    if isinstance(value, Override):
        return Override(_map_values(value.value, fn))
    if isinstance(value, Reset) or value is None:
        return value
    return fn(value)


def normalise_service(service: dict[str, Any], work_dir: str) -> dict[str, Any]:
    """Short syntax to long, paths project-relative (see the module docstring)."""
    out: dict[str, Any] = {}
    for key, value in service.items():
        if key == "build":
            value = _map_values(value, lambda v: _build(v, work_dir))
        elif key == "environment":
            value = _key_values(value, keep_none=True)
        elif key == "labels":
            value = _map_values(
                _key_values(value, keep_none=False),
                lambda v: {k: _text(x) for k, x in v.items()} if isinstance(v, dict) else v,
            )
        elif key == "env_file":
            value = _map_values(value, lambda v: _env_files(v, work_dir))
        elif key == "ports":
            value = _map_values(value, _ports)
        elif key == "volumes":
            value = _map_values(value, lambda v: _volumes(v, work_dir))
        elif key == "depends_on":
            value = _map_values(value, _depends_on)
        elif key in ("profiles", "expose", "dns"):
            value = _map_values(value, lambda v: [_text(x) for x in _as_list(v)])
        out[str(key)] = value
    return out


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _build(value: Any, work_dir: str) -> Any:
    if isinstance(value, str):
        value = {"context": value}
    if not isinstance(value, dict):
        return value
    out = dict(value)
    out["context"] = resolve_path(work_dir, _text(out.get("context") or "."))
    return out


def _env_files(value: Any, work_dir: str) -> list[dict[str, Any]]:
    out = []
    for item in _as_list(value):
        if isinstance(item, dict) and item.get("path"):
            required = item.get("required", True) is not False
            out.append({"path": resolve_path(work_dir, _text(item["path"])), "required": required})
        elif isinstance(item, str):
            out.append({"path": resolve_path(work_dir, item), "required": True})
    return out


def _ports(value: Any) -> list[dict[str, Any]]:
    return [p for p in (normalise_port(e) for e in _as_list(value)) if p is not None]


def _volumes(value: Any, work_dir: str) -> list[str]:
    return [v for v in (_volume(e, work_dir) for e in _as_list(value)) if v is not None]


def _depends_on(value: Any) -> Any:
    if isinstance(value, list):
        return {_text(v): {"condition": "service_started"} for v in value}
    return value


def strip_tags(value: Any) -> Any:
    """Drop ``!reset`` values and unwrap ``!override`` (nothing left to merge with)."""
    if isinstance(value, Override):
        return strip_tags(value.value)
    if isinstance(value, dict):
        return {k: strip_tags(v) for k, v in value.items() if not isinstance(v, Reset)}
    if isinstance(value, list):
        return [strip_tags(v) for v in value if not isinstance(v, Reset)]
    return value


def merge(base: dict[str, Any], over: dict[str, Any], path: tuple[str, ...] = ()) -> dict[str, Any]:
    """Merge ``over`` into ``base`` with the compose rules (see the module docstring)."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Reset):
            out.pop(key, None)
            continue
        if isinstance(value, Override) or key not in out:
            out[key] = strip_tags(value)
            continue
        old = out[key]
        replace = (not path and key in REPLACE_KEYS) or (path == ("healthcheck",) and key == "test")
        if replace:
            out[key] = strip_tags(value)
        elif not path and key == "logging" and isinstance(old, dict) and isinstance(value, dict):
            changed = value.get("driver") not in (None, old.get("driver"))
            out[key] = strip_tags(value) if changed else merge(old, value, (key,))
        elif isinstance(old, dict) and isinstance(value, dict):
            out[key] = merge(old, value, (*path, key))
        elif isinstance(old, list) and isinstance(value, list):
            if not path and key == "volumes":
                new = [v for v in strip_tags(value) if isinstance(v, str)]
                targets = {volume_target(v) for v in new}
                out[key] = [v for v in old if volume_target(str(v)) not in targets] + new
            else:
                out[key] = old + [v for v in strip_tags(value) if v not in old]
        else:
            out[key] = strip_tags(value)
    return out
