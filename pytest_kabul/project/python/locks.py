"""Python lockfiles: what production resolves, read from the repository (never the venv).

Reads ``uv.lock`` (TOML 1.0, and TOML 1.1 multi-line inline tables that ``tomllib`` before 3.14
rejects: re-read after folding them, else a Problem naming the file), ``poetry.lock``,
``pdm.lock`` and PEP 751 ``pylock.toml`` / ``pylock.*.toml``. Each gives, per locked package, its
dependencies and the dependencies each of its extras adds, so :meth:`Lock.closure` can tell which
distributions a set of declared roots installs -- with ``passlib[bcrypt]`` bringing ``bcrypt``.
Markers are evaluated for Linux on every Python 3.9-3.15 (a dependency needed on any of them
counts): the answer depends on the commit only, never on the interpreter running pytest.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from pytest_kabul.model import Severity
from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.python.stdlib import VERSIONS

LOCK_NAMES = ("uv.lock", "poetry.lock", "pdm.lock", "pylock.toml")
_PYLOCK_RE = re.compile(r"^pylock\.[A-Za-z0-9_.-]+\.toml$")

Dep = tuple[str, tuple[str, ...]]  # (canonical name, extras it asks for)


@dataclass(frozen=True)
class LockedPackage:
    name: str
    deps: tuple[Dep, ...] = ()
    extras: Mapping[str, tuple[Dep, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Lock:
    path: str
    kind: str  # uv / poetry / pdm / pylock
    packages: Mapping[str, LockedPackage]
    flat: bool = False  # pylock: every listed package is installed

    def closure(self, roots: Iterable[Dep]) -> dict[str, str]:
        """Every locked distribution the roots install (roots included) -> the root pulling it."""
        via: dict[str, str] = {}
        queue: list[tuple[str, tuple[str, ...], str]] = [(n, e, n) for n, e in sorted(roots)]
        seen: set[tuple[str, tuple[str, ...]]] = set()
        while queue:
            name, extras, root = queue.pop(0)
            if (name, extras) in seen:
                continue
            seen.add((name, extras))
            via.setdefault(name, root)
            pkg = self.packages.get(name)
            if pkg is None:
                continue
            deps = list(pkg.deps)
            for extra in extras:
                deps.extend(pkg.extras.get(canonicalize_name(extra), ()))
            for dep, dep_extras in deps:
                queue.append((dep, dep_extras, root))
        if self.flat:
            for name in self.packages:
                via.setdefault(name, self.path)
        return via


_ENVS = tuple(
    {
        "sys_platform": "linux",
        "platform_system": "Linux",
        "os_name": "posix",
        "platform_machine": "x86_64",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "python_version": f"{major}.{minor}",
        "python_full_version": f"{major}.{minor}.0",
    }
    for major, minor in VERSIONS
)


def marker_applies(text: str | None, extras: Iterable[str] = ()) -> bool:
    """True when ``text`` holds on Linux for some Python 3.9-3.15 (and one of ``extras``)."""
    if not text or not text.strip():
        return True
    try:
        marker = Marker(text)
    except InvalidMarker:
        return True
    wanted = (*extras, "")
    try:
        return any(marker.evaluate({**env, "extra": e}) for env in _ENVS for e in wanted)
    except Exception:
        return True


def _req_dep(text: object) -> tuple[Dep, str | None] | None:
    if not isinstance(text, str):
        return None
    try:
        req = Requirement(text)
    except InvalidRequirement:
        return None
    marker = str(req.marker) if req.marker is not None else None
    return (canonicalize_name(req.name), tuple(sorted(req.extras))), marker


# -- TOML 1.1 -> 1.0 ----------------------------------------------------------------------------


def fold_inline_tables(text: str) -> str:
    """Fold TOML 1.1 multi-line inline tables (``{`` newline ... ``}``) onto one line.

    Strings are copied verbatim; inside braces, newlines become spaces, comments are dropped and
    a trailing comma before ``}`` is removed. TOML 1.0 text comes back unchanged.
    """
    out: list[str] = []
    depth = 0
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "\"'":
            triple = text.startswith(ch * 3, i)
            quote = ch * 3 if triple else ch
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                j += 2 if (ch == '"' and text[j] == "\\") else 1
            j = min(n, j + len(quote))
            out.append(text[i:j])
            i = j
            continue
        if ch == "#":
            j = text.find("\n", i)
            j = n if j == -1 else j
            if depth == 0:
                out.append(text[i:j])
            i = j
            continue
        if ch == "{":
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
            while out and out[-1] in (" ", ","):
                out.pop()
            out.append(" ")
        elif ch == "\n" and depth:
            ch = " "
        out.append(ch)
        i += 1
    return "".join(out)


def _drop_artifacts(text: str) -> str:
    """uv.lock without its ``sdist``/``wheels`` entries (URLs and hashes: most of the bytes).

    Only whole top-level keys of a ``[[package]]`` table are dropped, from their key line to the
    line that closes them; everything else is kept byte for byte.
    """
    out: list[str] = []
    closing: str | None = None
    for line in text.splitlines(keepends=True):
        if closing is not None:
            if line.rstrip() == closing:
                closing = None
            continue
        head = line.rstrip()
        if head.startswith(("wheels = [", "sdist = {")):
            opener = head[-1]
            if opener in "[{":  # the value continues on the next lines
                closing = "]" if opener == "[" else "}"
            continue
        out.append(line)
    return "".join(out)


def read_lock_toml(project: Project, path: str) -> dict[str, Any] | None:
    text = project.read_text(path)
    if text is None:
        return None
    if path.rsplit("/", 1)[-1] == "uv.lock":
        text = _drop_artifacts(text)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as first:
        try:
            return tomllib.loads(fold_inline_tables(text))
        except tomllib.TOMLDecodeError:
            project.problem(
                path,
                f"lockfile is not valid TOML ({first}); the transitive dependencies it pins are"
                " unknown, so imports that only arrive through them are reported as undeclared",
                Severity.ERROR,
            )
            return None


# -- readers ------------------------------------------------------------------------------------


def _uv_deps(items: object) -> tuple[Dep, ...]:
    out: list[Dep] = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        if not marker_applies(item.get("marker")):
            continue
        extra = item.get("extra", [])
        extras = (
            tuple(sorted(e for e in extra if isinstance(e, str))) if isinstance(extra, list) else ()
        )
        out.append((canonicalize_name(item["name"]), extras))
    return tuple(out)


def _uv(data: dict[str, Any]) -> dict[str, LockedPackage]:
    packages: dict[str, LockedPackage] = {}
    for raw in data.get("package", []):
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            continue
        name = canonicalize_name(raw["name"])
        optional = raw.get("optional-dependencies", {})
        extras: dict[str, tuple[Dep, ...]] = {
            str(canonicalize_name(k)): _uv_deps(v)
            for k, v in (optional.items() if isinstance(optional, dict) else [])
        }
        prev = packages.get(name)
        deps = _uv_deps(raw.get("dependencies"))
        if prev is not None:  # one entry per version/marker fork: union them
            deps = tuple(dict.fromkeys(prev.deps + deps))
            extras = {**prev.extras, **extras}
        packages[name] = LockedPackage(name, deps, extras)
    return packages


def _poetry_dep(name: str, spec: object) -> tuple[Dep, bool] | None:
    specs = spec if isinstance(spec, list) else [spec]
    applies, optional = False, True
    extras: tuple[str, ...] = ()
    for one in specs:
        if isinstance(one, dict):
            if marker_applies(one.get("markers") if isinstance(one.get("markers"), str) else None):
                applies = True
            optional = optional and bool(one.get("optional", False))
            raw = one.get("extras", [])
            extras = (
                tuple(sorted(e for e in raw if isinstance(e, str))) if isinstance(raw, list) else ()
            )
        else:
            applies, optional = True, False
    if not applies:
        return None
    return (canonicalize_name(name), extras), optional


def _poetry(data: dict[str, Any]) -> dict[str, LockedPackage]:
    packages: dict[str, LockedPackage] = {}
    for raw in data.get("package", []):
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            continue
        name = canonicalize_name(raw["name"])
        deps: list[Dep] = []
        optional: dict[str, Dep] = {}
        table = raw.get("dependencies", {})
        for dep_name, spec in table.items() if isinstance(table, dict) else []:
            parsed = _poetry_dep(str(dep_name), spec)
            if parsed is None:
                continue
            dep, is_optional = parsed
            if is_optional:
                optional[dep[0]] = dep
            else:
                deps.append(dep)
        extras: dict[str, tuple[Dep, ...]] = {}
        for extra, reqs in (raw.get("extras") or {}).items():
            chosen: list[Dep] = []
            for text in reqs if isinstance(reqs, list) else []:
                head = re.split(r"[\s(\[;<>=!~]", str(text).strip(), maxsplit=1)[0]
                key = canonicalize_name(head) if head else ""
                if key:
                    chosen.append(optional.get(key, (key, ())))
            extras[canonicalize_name(str(extra))] = tuple(chosen)
        packages[name] = LockedPackage(name, tuple(deps), extras)
    return packages


def _pdm(data: dict[str, Any]) -> dict[str, LockedPackage]:
    packages: dict[str, LockedPackage] = {}
    for raw in data.get("package", []):
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            continue
        name = canonicalize_name(raw["name"])
        deps: list[Dep] = []
        for text in raw.get("dependencies", []) or []:
            parsed = _req_dep(text)
            if parsed is not None and marker_applies(parsed[1]) and parsed[0][0] != name:
                deps.append(parsed[0])
        prev = packages.get(name, LockedPackage(name))
        raw_extras = raw.get("extras", [])
        if isinstance(raw_extras, list) and raw_extras:  # ``passlib[bcrypt]`` entry
            extras = dict(prev.extras)
            for extra in raw_extras:
                extras[canonicalize_name(str(extra))] = tuple(deps)
            packages[name] = LockedPackage(name, prev.deps, extras)
        else:
            packages[name] = LockedPackage(
                name, tuple(dict.fromkeys(prev.deps + tuple(deps))), prev.extras
            )
    return packages


def _pylock(data: dict[str, Any]) -> dict[str, LockedPackage]:
    packages: dict[str, LockedPackage] = {}
    for raw in data.get("packages", []):
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            continue
        if marker_applies(raw.get("marker") if isinstance(raw.get("marker"), str) else None):
            name = canonicalize_name(raw["name"])
            packages[name] = LockedPackage(name, _uv_deps(raw.get("dependencies")))
    return packages


_READERS = {"uv.lock": ("uv", _uv), "poetry.lock": ("poetry", _poetry), "pdm.lock": ("pdm", _pdm)}


def read_lock(project: Project, path: str) -> Lock | None:
    base = path.rsplit("/", 1)[-1]
    data = read_lock_toml(project, path)
    if data is None:
        return None
    if base in _READERS:
        kind, reader = _READERS[base]
        return Lock(path, kind, reader(data))
    return Lock(path, "pylock", _pylock(data), flat=True)


def is_lock_name(base: str) -> bool:
    return base in LOCK_NAMES or bool(_PYLOCK_RE.match(base))


@facet
def _locks(project: Project) -> dict[str, Lock | None]:
    return {}


def lock_for(project: Project, root: str) -> Lock | None:
    """The lockfile of the app rooted at ``root``: in its folder, else the nearest one above
    (a uv/Poetry workspace locks its members at the workspace root). Deterministic order:
    uv.lock, poetry.lock, pdm.lock, pylock.toml, then pylock.*.toml by name."""
    cache = _locks(project)
    folder = root
    while True:
        prefix = f"{folder}/" if folder else ""
        names = [f"{prefix}{n}" for n in LOCK_NAMES]
        names += sorted(
            f
            for f in project.files.under(folder)
            if "/" not in f[len(prefix) :] and _PYLOCK_RE.match(f[len(prefix) :])
        )
        for path in names:
            if path not in project.files:
                continue
            if path not in cache:
                cache[path] = read_lock(project, path)
            return cache[path]  # an unreadable lock is a Problem, not a reason to look above
        if not folder:
            return None
        folder = folder.rsplit("/", 1)[0] if "/" in folder else ""
