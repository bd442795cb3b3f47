"""pip requirements files (``requirements*.txt`` / ``.in``), the way pip reads them.

Line continuations, comments, ``-r`` / ``--requirement`` includes (relative to the including
file, cycles stopped), ``-c`` / ``--constraint`` (recorded, they install nothing), ``-e`` /
``--editable`` (a VCS URL's ``#egg=`` name; a local path is the project itself), ``name @ url``,
bare archive URLs, ``--hash`` and other per-line options, environment markers. A line that is
not a requirement becomes a Problem naming the file and line. In a compiled file (``# via``
annotations) only the direct packages are declared; the rest is its lock (:mod:`.compiled`).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable

from packaging.utils import canonicalize_name

from pytest_kabul.project.core import Project
from pytest_kabul.project.python.manifests.compiled import transitive_names, via_entries
from pytest_kabul.project.python.manifests.model import (
    EGG_RE,
    LOCK_HINTS,
    MAIN,
    URL_NAME_RE,
    Declared,
    DepKind,
    Manifest,
    ManifestKind,
    parse_requirement,
    sorted_decls,
)

_OPTION_WITH_VALUE = re.compile(
    r"^(-i|--index-url|--extra-index-url|-f|--find-links|--trusted-host|--pre|--only-binary"
    r"|--no-binary|--prefer-binary|--require-hashes|--use-feature|--no-index)\b"
)
_INCLUDE = re.compile(r"^(-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+|(?=\S))(\S+)")
_EDITABLE = re.compile(r"^(-e|--editable)(?:\s*=\s*|\s+)(\S+)")
_HASH = re.compile(r"\s--hash[=\s]\S+")


def _logical_lines(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    buf = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw
        if line.lstrip().startswith("#"):
            line = ""
        elif " #" in line or "\t#" in line:
            line = re.split(r"\s#", line, maxsplit=1)[0]
        if not buf:
            start = number
        if line.rstrip().endswith("\\"):
            buf += line.rstrip()[:-1] + " "
            continue
        buf += line
        if buf.strip():
            out.append((start, buf.strip()))
        buf = ""
    if buf.strip():
        out.append((start, buf.strip()))
    return out


def _is_local_path(target: str) -> bool:
    return target.startswith((".", "/", "~")) or (
        target.startswith("file:") and "egg=" not in target
    )


def parse_requirements_file(
    project: Project, path: str, *, load: Callable[[Project, str], Manifest | None]
) -> Manifest | None:
    text = project.read_text(path)
    if text is None:
        return None
    deps: list[Declared] = []
    includes: list[str] = []
    constraints: list[str] = []
    base = posixpath.dirname(path)
    for line_no, line in _logical_lines(text):
        line = _HASH.sub("", f" {line}").strip()
        include = _INCLUDE.match(line)
        if include:
            target = posixpath.normpath(posixpath.join(base, include.group(2)))
            (constraints if include.group(1) in ("-c", "--constraint") else includes).append(target)
            continue
        if _OPTION_WITH_VALUE.match(line):
            continue
        editable = _EDITABLE.match(line)
        spec = editable.group(2) if editable else line
        if spec.startswith("-"):
            continue  # another global option (--no-deps, ...)
        egg = EGG_RE.search(spec)
        if egg:
            name = egg.group(1)
            deps.append(
                Declared(canonicalize_name(name), path, line_no, DepKind.RUNTIME, MAIN, line)
            )
            continue
        if "://" in spec.split(";")[0] and "@" not in spec.split("://")[0]:
            url_name = URL_NAME_RE.search(spec.split(";")[0].split("#")[0])
            if url_name:
                name = url_name.group(1)
                deps.append(
                    Declared(canonicalize_name(name), path, line_no, DepKind.RUNTIME, MAIN, line)
                )
            else:
                project.problem(path, f"line {line_no}: URL without a package name: {spec!r}")
            continue
        if _is_local_path(spec):
            continue  # a local project (``-e .``): the app itself
        parsed = parse_requirement(spec)
        if parsed is None:
            project.problem(path, f"line {line_no}: not a valid requirement: {spec!r}")
            continue
        deps.append(
            Declared(
                canonicalize_name(parsed.name),
                path,
                line_no,
                DepKind.RUNTIME,
                MAIN,
                spec,
                tuple(sorted(parsed.extras)),
            )
        )
    lock_like = any(hint in text for hint in LOCK_HINTS)
    transitive = transitive_names(via_entries(text))
    if transitive:  # a compiled file: only its direct packages are declared (see .compiled)
        deps = [d for d in deps if d.name not in transitive]
    own = Manifest(path, ManifestKind.REQUIREMENTS, (), style="requirements", lock_like=lock_like)
    all_deps = list(deps)
    seen = {path}
    queue = list(includes)
    resolved: list[str] = []
    while queue:
        inc = queue.pop(0)
        if inc in seen:
            continue
        seen.add(inc)
        if inc not in project.files:
            project.problem(path, f"includes {inc}, which does not exist")
            continue
        resolved.append(inc)
        sub = load(project, inc)
        if sub is not None:
            all_deps.extend(d for d in sub.deps if d.source == inc)
            queue.extend(sub.includes)
    return Manifest(
        own.path,
        own.kind,
        sorted_decls(all_deps),
        includes=tuple(resolved),
        constraints=tuple(sorted(set(constraints))),
        style=own.style,
        lock_like=lock_like,
    )
