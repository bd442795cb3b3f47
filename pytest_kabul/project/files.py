"""The file index: every file of the project that a check may read.

Walks the tree once (``os.scandir``, no symlinked directories, so symlink loops cannot recurse),
skipping VCS folders, ``node_modules``, virtualenvs (any folder with a ``pyvenv.cfg``), caches,
build output and everything the project's ``.gitignore`` files exclude. Git itself is not asked,
so the index is the same in a checkout and in a copy of it (pytester's temp dirs).

Templates are not project files: a folder whose name holds a Jinja placeholder (cookiecutter's
``{{cookiecutter.project_slug}}/``), a file named with one, and ``*.j2`` / ``*.jinja`` files
become valid only once rendered. They are kept apart in ``FileIndex.templates`` (so a check can
say why it found nothing) and never parsed.
"""

from __future__ import annotations

import bisect
import fnmatch
import functools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".tox",
        ".nox",
        ".venv",
        "venv",
        ".eggs",
        "site-packages",
        ".next",
        ".turbo",
        ".vercel",
        ".idea",
        ".vscode",
        "htmlcov",
        ".cache",
    }
)
TEMPLATE_SUFFIXES = (".j2", ".jinja", ".jinja2")


def is_template_name(name: str) -> bool:
    """A cookiecutter/copier/Jinja template file or folder name."""
    return "{{" in name or "{%" in name or name.endswith(TEMPLATE_SUFFIXES)


# Build output is only skipped at the top of an app (a ``build/`` package inside the source
# tree is source code).
BUILD_DIRS = frozenset({"build", "dist", "out", "coverage"})


@dataclass(frozen=True)
class _Rule:
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool


def _compile(pattern: str) -> _Rule | None:
    line = pattern.rstrip("\n").rstrip()
    if not line or line.startswith("#"):
        return None
    negate = line.startswith("!")
    if negate:
        line = line[1:]
    if line.startswith("\\"):
        line = line[1:]
    dir_only = line.endswith("/")
    line = line.rstrip("/")
    anchored = "/" in line
    line = line.lstrip("/")
    parts = []
    i = 0
    while i < len(line):
        if line.startswith("**/", i):
            parts.append("(?:.*/)?")
            i += 3
        elif line.startswith("/**", i) and i + 3 == len(line):
            parts.append("/.*")
            i += 3
        elif line[i] == "*":
            parts.append("[^/]*")
            i += 1
        elif line[i] == "?":
            parts.append("[^/]")
            i += 1
        elif line[i] == "[":
            end = line.find("]", i)
            if end == -1:
                parts.append(re.escape(line[i]))
                i += 1
            else:
                parts.append(fnmatch.translate(line[i : end + 1])[4:-3])
                i = end + 1
        else:
            parts.append(re.escape(line[i]))
            i += 1
    body = "".join(parts)
    prefix = "" if anchored else "(?:.*/)?"
    return _Rule(re.compile(f"^{prefix}{body}$"), negate, dir_only)


class GitIgnore:
    """The rules of one ``.gitignore``; paths are relative to the folder holding it."""

    def __init__(self, text: str) -> None:
        self.rules = [r for r in map(_compile, text.splitlines()) if r is not None]

    def match(self, rel: str, *, is_dir: bool) -> bool | None:
        """True ignored, False re-included, None no rule spoke."""
        verdict: bool | None = None
        for rule in self.rules:
            if rule.dir_only and not is_dir:
                continue
            if rule.regex.match(rel):
                verdict = not rule.negate
        return verdict


def _is_loop(path: str) -> bool:
    try:
        target = os.path.realpath(path, strict=True)
    except (OSError, RuntimeError):
        return True
    parent = os.path.realpath(os.path.dirname(path))
    return parent == target or parent.startswith(target + os.sep)


@dataclass(frozen=True)
class WalkResult:
    files: tuple[str, ...]
    problems: tuple[tuple[str, str], ...]
    templates: tuple[str, ...] = ()  # files of templates (see ``is_template_name``)


def walk(root: Path, exclude: tuple[str, ...] = ()) -> WalkResult:
    files: list[str] = []
    templates: list[str] = []
    problems: list[tuple[str, str]] = []
    stack: list[tuple[str, list[tuple[str, GitIgnore]], bool]] = [("", [], False)]
    root_str = str(root)
    while stack:
        rel_dir, ignores, in_template = stack.pop()
        abs_dir = os.path.join(root_str, rel_dir) if rel_dir else root_str
        try:
            entries = sorted(os.scandir(abs_dir), key=lambda e: e.name)
        except OSError as exc:
            problems.append((rel_dir or ".", f"cannot list directory: {exc.strerror}"))
            continue
        names = {e.name for e in entries}
        if rel_dir and "pyvenv.cfg" in names:
            continue
        if ".gitignore" in names:
            try:
                with open(os.path.join(abs_dir, ".gitignore"), encoding="utf-8") as fh:
                    ignores = [*ignores, (rel_dir, GitIgnore(fh.read()))]
            except (OSError, UnicodeDecodeError):
                problems.append((_join(rel_dir, ".gitignore"), "unreadable .gitignore ignored"))
        for entry in entries:
            rel = _join(rel_dir, entry.name)
            try:
                is_link = entry.is_symlink()
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_link:
                if _is_loop(entry.path):
                    problems.append((rel, "symlink loop or dangling symlink, not followed"))
                    continue
                if os.path.isdir(entry.path):
                    continue  # never follow symlinked directories: no loops, no double counts
            if _ignored(rel, ignores, is_dir=is_dir) or _excluded(rel, exclude):
                continue
            if is_dir:
                if entry.name in SKIP_DIRS or entry.name.endswith(".egg-info"):
                    continue
                if entry.name in BUILD_DIRS and _is_app_root(names, abs_dir):
                    continue
                stack.append((rel, ignores, in_template or is_template_name(entry.name)))
            elif in_template or is_template_name(entry.name):
                templates.append(rel)
            else:
                files.append(rel)
    return WalkResult(tuple(sorted(files)), tuple(sorted(problems)), tuple(sorted(templates)))


def _is_app_root(names: set[str], _abs_dir: str) -> bool:
    return bool(names & {"package.json", "pyproject.toml", "setup.py", "setup.cfg"})


def _join(base: str, name: str) -> str:
    return f"{base}/{name}" if base else name


def _ignored(rel: str, ignores: list[tuple[str, GitIgnore]], *, is_dir: bool) -> bool:
    verdict = False
    for base, gi in ignores:
        sub = rel[len(base) + 1 :] if base else rel
        said = gi.match(sub, is_dir=is_dir)
        if said is not None:
            verdict = said
    return verdict


def _excluded(rel: str, patterns: tuple[str, ...]) -> bool:
    return any(
        fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(rel, p.rstrip("/") + "/*") for p in patterns
    )


class FileIndex:
    """Sorted POSIX paths relative to the root, with cheap look-ups."""

    def __init__(self, files: tuple[str, ...], templates: tuple[str, ...] = ()) -> None:
        self.files = tuple(sorted(files))  # under() relies on the order
        self.templates = templates  # template files, not part of the index
        self._set = frozenset(files)

    def __contains__(self, rel: object) -> bool:
        return rel in self._set

    def __iter__(self) -> Iterator[str]:
        return iter(self.files)

    def __len__(self) -> int:
        return len(self.files)

    def named(self, *names: str) -> tuple[str, ...]:
        wanted = set(names)
        return tuple(f for f in self.files if f.rsplit("/", 1)[-1] in wanted)

    def suffix(self, *suffixes: str) -> tuple[str, ...]:
        return tuple(f for f in self.files if f.endswith(suffixes))

    def glob(self, pattern: str) -> tuple[str, ...]:
        return tuple(f for f in self.files if fnmatch.fnmatch(f, pattern))

    def under(self, folder: str) -> tuple[str, ...]:
        if not folder or folder == ".":
            return self.files
        prefix = folder.rstrip("/") + "/"
        # ``files`` is sorted: the paths under a folder are one contiguous run.
        start = bisect.bisect_left(self.files, prefix)
        end = start
        while end < len(self.files) and self.files[end].startswith(prefix):
            end += 1
        return self.files[start:end]

    @functools.cached_property
    def folders(self) -> frozenset[str]:
        """Every folder that holds a file (at any depth), project-relative; "" is the root."""
        out = {""}
        for rel in self.files:
            while "/" in rel:
                rel = rel.rsplit("/", 1)[0]
                if rel in out:
                    break
                out.add(rel)
        return frozenset(out)

    def is_folder(self, rel: str) -> bool:
        return rel.strip("/") in self.folders
