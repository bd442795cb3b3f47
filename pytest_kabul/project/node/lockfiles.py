"""JavaScript lockfiles: which packages (and versions) a frozen install resolves.

Supported: ``package-lock.json`` / ``npm-shrinkwrap.json`` (lockfileVersion 1, 2, 3),
``pnpm-lock.yaml`` (v5, v6, v9), ``yarn.lock`` v1 (not YAML: a small line parser) and yarn berry
(YAML). Parsing is fast (a 50k-line lockfile in a few tens of milliseconds, see
``bench/bench_lockfiles.py``): JSON through :mod:`json`, yarn v1 by a line parser, pnpm and berry
by the scanner in :mod:`pytest_kabul.project.node.lockfiles_yaml` (with a real YAML fallback).

Every parser takes text and raises :class:`LockfileError` on malformed input; callers record a
project problem naming the file.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pytest_kabul.project.node.lockfiles_yaml import (
    LockfileError,
    name_of_spec,
    read_berry,
    read_pnpm,
)

LOCKFILE_NAMES = ("package-lock.json", "npm-shrinkwrap.json", "pnpm-lock.yaml", "yarn.lock")


class LockKind(enum.Enum):
    NPM = "package-lock"
    SHRINKWRAP = "npm-shrinkwrap"
    PNPM = "pnpm-lock"
    YARN_V1 = "yarn-v1"
    YARN_BERRY = "yarn-berry"


@dataclass(frozen=True)
class Lockfile:
    path: str
    kind: LockKind
    version: str  # the lockfile format version ("3", "9.0", "1", "8" ...)
    packages: Mapping[str, tuple[str, ...]]  # package name -> every resolved version, sorted
    direct: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (importer, name) -> v
    specs: Mapping[str, str] = field(default_factory=dict)  # "name@range" -> version (yarn)

    def has(self, name: str) -> bool:
        return name in self.packages

    def names_matching(self, prefix: str) -> tuple[str, ...]:
        return tuple(sorted(n for n in self.packages if n.startswith(prefix)))

    def resolve(self, name: str, importer: str = "", spec: str | None = None) -> str | None:
        """The version an importer (folder relative to the lockfile) gets for ``name``."""
        for key in ((importer, name), ("", name)):
            if key in self.direct:
                return self.direct[key]
        if spec is not None:
            for candidate in (f"{name}@{spec}", f"{name}@npm:{spec}"):
                if candidate in self.specs:
                    return self.specs[candidate]
        versions = self.packages.get(name, ())
        return versions[0] if len(versions) == 1 else None


def _build(
    path: str,
    kind: LockKind,
    version: str,
    found: dict[str, set[str]],
    direct: dict[tuple[str, str], str] | None = None,
    specs: dict[str, str] | None = None,
) -> Lockfile:
    packages = {name: tuple(sorted(vs)) for name, vs in sorted(found.items())}
    return Lockfile(path, kind, version, packages, direct or {}, specs or {})


# -- npm ------------------------------------------------------------------------------------
def parse_package_lock(path: str, text: str) -> Lockfile:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LockfileError(f"invalid JSON: {exc}") from None
    except RecursionError:
        raise LockfileError("invalid JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise LockfileError("not a package-lock object")
    kind = LockKind.SHRINKWRAP if path.endswith("npm-shrinkwrap.json") else LockKind.NPM
    version = str(data.get("lockfileVersion", "1"))
    found: dict[str, set[str]] = {}
    direct: dict[tuple[str, str], str] = {}
    packages = data.get("packages")
    if isinstance(packages, dict):
        for key, entry in packages.items():
            if not isinstance(entry, dict) or "node_modules/" not in f"/{key}":
                continue
            head, _, name = key.rpartition("node_modules/")
            ver = entry.get("version")
            if not isinstance(ver, str) or entry.get("link"):
                continue
            found.setdefault(name, set()).add(ver)
            if "node_modules/" not in head:  # a top-level install of the root or a workspace
                direct[(head.rstrip("/"), name)] = ver
    else:
        _walk_v1(data.get("dependencies"), found, direct, top=True)
    return _build(path, kind, version, found, direct)


def _walk_v1(
    deps: Any, found: dict[str, set[str]], direct: dict[tuple[str, str], str], *, top: bool
) -> None:
    if not isinstance(deps, dict):
        return
    for name, entry in deps.items():
        if not isinstance(entry, dict):
            continue
        ver = entry.get("version")
        if isinstance(ver, str):
            found.setdefault(name, set()).add(ver)
            if top:
                direct[("", name)] = ver
        _walk_v1(entry.get("dependencies"), found, direct, top=False)


# -- pnpm, yarn berry (YAML) ------------------------------------------------------------
def parse_pnpm_lock(path: str, text: str) -> Lockfile:
    version, found, direct = read_pnpm(text)
    return _build(path, LockKind.PNPM, version, found, direct)


def parse_yarn_berry(path: str, text: str) -> Lockfile:
    version, found, specs = read_berry(text)
    return _build(path, LockKind.YARN_BERRY, version, found, specs=specs)


# -- yarn v1 ------------------------------------------------------------------------------
def parse_yarn_v1(path: str, text: str) -> Lockfile:
    found: dict[str, set[str]] = {}
    specs: dict[str, str] = {}
    current: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line or line[0] == "#":
            continue
        if line[0] != " ":
            if not line.endswith(":"):
                raise LockfileError(f"line {number}: expected 'spec[, spec]:' entry header")
            current = [s.strip().strip('"') for s in line[:-1].split(",")]
            continue
        if current and line.startswith("  version "):
            ver = line[10:].strip().strip('"')
            for spec in current:
                found.setdefault(name_of_spec(spec), set()).add(ver)
                specs[spec] = ver
            current = []
    return _build(path, LockKind.YARN_V1, "1", found, specs=specs)


def parse_lockfile(path: str, text: str) -> Lockfile:
    """Parse any supported lockfile by its file name (yarn.lock: v1 or berry by content)."""
    name = path.rsplit("/", 1)[-1]
    if name in ("package-lock.json", "npm-shrinkwrap.json"):
        return parse_package_lock(path, text)
    if name == "pnpm-lock.yaml":
        return parse_pnpm_lock(path, text)
    if name == "yarn.lock":
        if re.search(r"(?m)^__metadata:", text):
            return parse_yarn_berry(path, text)
        return parse_yarn_v1(path, text)
    raise LockfileError(f"not a known lockfile name: {name}")
