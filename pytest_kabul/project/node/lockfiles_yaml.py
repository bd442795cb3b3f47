"""The YAML lockfiles (pnpm, yarn berry): a fast line scanner with a real YAML fallback.

Even libyaml's ``CSafeLoader`` needs ~1.1 s (pnpm) / ~0.6 s (berry) for 50k lines, so the
canonical layout those tools write is read by a scanner that looks only at the keys we need
(indent 0-2, plus importer versions). Anything not in that layout (flow style, tabs, anchors,
tags, block scalars) falls back to a real YAML load (``CSafeLoader`` when PyYAML has libyaml).
Lockfiles never use anchors, so a file that does is loaded with the project's bomb-proof loader.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from pytest_kabul.project.core import yaml_error
from pytest_kabul.project.yamlsafe import ANCHOR_RE, BoundedSafeLoader, too_deep

_FastLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PEER_SUFFIX_RE = re.compile(r"[(_].*$")
_NODE_SYNTAX = frozenset("{[&*!|>")
_PNPM_V5_KEY = re.compile(r"^((?:@[^/]+/)?[^/@]+)/(\d[^/]*)$")


class LockfileError(ValueError):
    """The lockfile is not valid for its format; the message says what is wrong."""


def name_of_spec(spec: str) -> str:
    """``@img/sharp-linux-x64@npm:^0.33`` -> ``@img/sharp-linux-x64``."""
    at = spec.find("@", 1)
    return spec if at == -1 else spec[:at]


# -- YAML (pnpm, berry) -------------------------------------------------------------------
def _load_yaml(text: str) -> Any:
    loader: Any = _FastLoader
    if ANCHOR_RE.search(text):
        loader = BoundedSafeLoader  # alias-limited
    if too_deep(text):
        raise LockfileError("invalid YAML: nested too deeply")
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        raise LockfileError(f"invalid YAML: {yaml_error(exc)}") from None
    except RecursionError:
        raise LockfileError("invalid YAML: nested too deeply") from None


def _clean_version(raw: Any) -> str | None:
    if isinstance(raw, dict):
        raw = raw.get("version")
    if isinstance(raw, (int, float)):
        raw = str(raw)
    if not isinstance(raw, str) or raw.startswith(("link:", "file:", "workspace:")):
        return None
    return _PEER_SUFFIX_RE.sub("", raw)


def _pnpm_key(key: str) -> tuple[str, str] | None:
    key = key.lstrip("/")
    paren = key.find("(")
    if paren != -1:
        key = key[:paren]
    v5 = _PNPM_V5_KEY.match(key)  # v5: /name/1.2.3_react@18.2.0
    if v5:
        return v5.group(1), _PEER_SUFFIX_RE.sub("", v5.group(2))
    at = key.find("@", 1)
    if at != -1:
        return key[:at], _PEER_SUFFIX_RE.sub("", key[at + 1 :])
    return None


def _pnpm_from_yaml(data: Any) -> _Pnpm:
    if not isinstance(data, dict):
        raise LockfileError("not a pnpm lockfile mapping")
    version = str(data.get("lockfileVersion", ""))
    found: dict[str, set[str]] = {}
    for section in ("packages", "snapshots"):
        entries = data.get(section)
        if isinstance(entries, dict):
            for key in entries:
                _add_pnpm_key(found, str(key))
    direct: dict[tuple[str, str], str] = {}
    importers = data.get("importers")
    if not isinstance(importers, dict):
        importers = {".": data}
    for importer, body in importers.items():
        if not isinstance(body, dict):
            continue
        for section in _DEP_SECTIONS:
            deps = body.get(section)
            if isinstance(deps, dict):
                for name, raw in deps.items():
                    ver = _clean_version(raw)
                    if ver:
                        direct[(_importer(str(importer)), str(name))] = ver
    return version, found, direct


_Pnpm = tuple[str, dict[str, set[str]], dict[tuple[str, str], str]]
_DEP_SECTIONS = ("dependencies", "devDependencies", "optionalDependencies")


def _importer(raw: str) -> str:
    return "" if raw in (".", "") else raw.strip("./")


def _add_pnpm_key(found: dict[str, set[str]], key: str) -> None:
    parsed = _pnpm_key(key)
    if parsed:
        found.setdefault(parsed[0], set()).add(parsed[1])


def _split_kv(body: str) -> tuple[str, str] | None:
    """``key: value`` / ``'quoted key':`` of one canonical YAML line, or None if not that."""
    if body[0] in "'\"":
        end = body.find(body[0], 1)
        if end == -1 or body[end + 1 : end + 2] != ":":
            return None
        return body[1:end], body[end + 2 :].strip()
    if body.endswith(":") and ": " not in body:
        return body[:-1], ""
    key, sep, rest = body.partition(": ")
    return (key, rest.strip()) if sep else None


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _scan_pnpm(text: str) -> _Pnpm | None:
    """Fast path for pnpm's own canonical output; None means "not canonical, use YAML"."""
    version = ""
    found: dict[str, set[str]] = {}
    direct: dict[tuple[str, str], str] = {}
    section = importer = dep_section = dep_name = ""
    for line in text.splitlines():
        body = line.lstrip(" ")
        if not body or body[0] == "#":
            continue
        indent = len(line) - len(body)
        if indent > 2 and section in ("packages", "snapshots"):
            continue
        if body[0] in "\t{[-&*!|>":
            return None
        kv = _split_kv(body)
        if kv is None:
            return None
        key, value = kv
        if value[:1] in _NODE_SYNTAX:
            return None  # flow style, anchors, tags, block scalars: let YAML read it
        if indent == 0:
            section, importer, dep_section, dep_name = key, "", "", ""
            if key == "lockfileVersion":
                version = _unquote(value)
            continue
        if section in ("packages", "snapshots"):
            if indent == 2:
                _add_pnpm_key(found, key)
            continue
        if section == "importers":
            if indent == 2:
                importer, dep_section, dep_name = _importer(key), "", ""
            elif indent == 4:
                dep_section, dep_name = key, ""
            elif indent == 6 and dep_section in _DEP_SECTIONS:
                dep_name = key
                if value:  # v5 importers: name: version
                    _set_direct(direct, importer, key, value)
            elif indent == 8 and dep_name and key == "version":
                _set_direct(direct, importer, dep_name, value)
        elif section in _DEP_SECTIONS:  # single-project v5/v6 lockfiles
            if indent == 2:
                dep_name = key
                if value:
                    _set_direct(direct, "", key, value)
            elif indent == 4 and dep_name and key == "version":
                _set_direct(direct, "", dep_name, value)
    return version, found, direct


def _set_direct(direct: dict[tuple[str, str], str], importer: str, name: str, raw: str) -> None:
    ver = _clean_version(_unquote(raw))
    if ver:
        direct[(importer, _unquote(name))] = ver


_Berry = tuple[str, dict[str, set[str]], dict[str, str]]


def _add_specs(found: dict[str, set[str]], specs: dict[str, str], key: str, ver: str) -> None:
    for spec in key.split(","):
        spec = spec.strip()
        found.setdefault(name_of_spec(spec), set()).add(ver)
        specs[spec] = ver


def _scan_berry(text: str) -> _Berry | None:
    version = ""
    found: dict[str, set[str]] = {}
    specs: dict[str, str] = {}
    entry = ""
    for line in text.splitlines():
        body = line.lstrip(" ")
        if not body or body[0] == "#":
            continue
        indent = len(line) - len(body)
        if indent > 2:
            continue
        if body[0] in "\t{[&*!|>-":
            return None
        kv = _split_kv(body)
        if kv is None:
            return None
        key, value = kv
        if value[:1] in _NODE_SYNTAX:
            return None
        if indent == 0:
            entry = key
        elif key == "version" and entry:
            if entry == "__metadata":
                version = _unquote(value)
            else:
                _add_specs(found, specs, entry, _unquote(value))
    return version, found, specs


def _berry_from_yaml(data: Any) -> _Berry:
    if not isinstance(data, dict):
        raise LockfileError("not a yarn lockfile mapping")
    meta = data.get("__metadata")
    version = str(meta.get("version", "")) if isinstance(meta, dict) else ""
    found: dict[str, set[str]] = {}
    specs: dict[str, str] = {}
    for key, entry in data.items():
        if key != "__metadata" and isinstance(entry, dict) and entry.get("version") is not None:
            _add_specs(found, specs, str(key), str(entry["version"]))
    return version, found, specs


def read_pnpm(text: str) -> _Pnpm:
    """(lockfile version, name -> versions, (importer, name) -> version)."""
    scanned = _scan_pnpm(text)
    return scanned if scanned is not None else _pnpm_from_yaml(_load_yaml(text))


def read_berry(text: str) -> _Berry:
    """(lockfile version, name -> versions, spec -> version)."""
    scanned = _scan_berry(text)
    return scanned if scanned is not None else _berry_from_yaml(_load_yaml(text))
