"""Compiled requirements (``pip-compile``, ``uv pip compile``, ``uv export``): a lockfile.

Their ``# via`` annotations say why each pinned package is there::

    httpx==0.27.0
        # via -r requirements.in
    idna==3.7 \\
        --hash=sha256:...
        # via
        #   anyio
        #   httpx

A package is *direct* when one of its ``via`` entries is not another pinned package of the file
(``-r requirements.in``, ``my-app (pyproject.toml)``, the project's own name in ``uv export``),
else it is *transitive*: installed only because the packages it names require it. The file is
read as a :class:`~pytest_kabul.project.python.locks.Lock` whose edges are the inverted ``via``
entries, so an import of a transitive package is "only installed as a dependency of X".
"""

from __future__ import annotations

import re

from packaging.utils import canonicalize_name

from pytest_kabul.project.core import Project
from pytest_kabul.project.python.locks import Lock, LockedPackage

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(===?|@)")
_VIA = re.compile(r"^\s*#\s+via(?:\s+(.*))?$")
_MORE = re.compile(r"^\s*#\s{2,}(\S.*)$")


def via_entries(text: str) -> dict[str, tuple[str, ...]]:
    """Canonical pinned name -> its ``via`` entries; empty when the file has no annotations."""
    if "# via" not in text:
        return {}
    out: dict[str, list[str]] = {}
    current: str | None = None
    in_via = False
    for raw in text.splitlines():
        if not raw.strip():
            continue
        if not raw[0].isspace() and not raw.startswith("#"):
            pin = _PIN.match(raw.strip())
            current = str(canonicalize_name(pin.group(1))) if pin else None
            if current is not None:
                out.setdefault(current, [])
            in_via = False
            continue
        if current is None:
            continue
        via = _VIA.match(raw)
        if via:
            in_via = True
            if via.group(1):
                out[current].append(via.group(1).strip())
            continue
        more = _MORE.match(raw)
        if in_via and more:
            out[current].append(more.group(1).strip())
        elif raw.lstrip().startswith("#"):
            in_via = False
    return {k: tuple(v) for k, v in out.items()}


def _as_package(entry: str, pinned: dict[str, tuple[str, ...]]) -> str | None:
    if entry.startswith("-") or "(" in entry or " " in entry:
        return None
    name = str(canonicalize_name(entry))
    return name if name in pinned else None


def transitive_names(entries: dict[str, tuple[str, ...]]) -> frozenset[str]:
    """Pinned packages that every ``via`` entry attributes to another pinned package."""
    return frozenset(
        name
        for name, vias in entries.items()
        if vias and all(_as_package(v, entries) is not None for v in vias)
    )


def compiled_lock(project: Project, path: str) -> Lock | None:
    """The compiled requirements file at ``path`` as a lock, or None if it is not annotated."""
    text = project.read_text(path)
    entries = via_entries(text or "")
    if not entries:
        return None
    children: dict[str, list[str]] = {name: [] for name in entries}
    for name, vias in entries.items():
        for via in vias:
            parent = _as_package(via, entries)
            if parent is not None and parent != name:
                children[parent].append(name)
    packages = {
        name: LockedPackage(name, tuple((c, ()) for c in sorted(set(kids))))
        for name, kids in children.items()
    }
    return Lock(path, "pip-compile", packages)
