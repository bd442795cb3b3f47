"""The tree walk behind the file index, and what a later walk reuses of it.

Walks the tree once (``os.scandir``, no symlinked directories, so symlink loops cannot recurse),
skipping VCS folders, ``node_modules``, virtualenvs (any folder with a ``pyvenv.cfg``), caches,
build output and everything the project's ``.gitignore`` files exclude. Git itself is not asked,
so the index is the same in a checkout and in a copy of it (pytester's temp dirs). Template
files (see :func:`~pytest_kabul.project.files.is_template_name`) are listed apart.

With a cache folder, the walk keeps what each folder it listed contributed (files, templates,
subfolders to enter, problems) under the folder's inode and change time. Adding, removing or
renaming an entry changes a folder's change time, and unlike its modification time no tool can
set it back. The next walk takes one ``stat`` per folder instead of a listing and a gitignore
match per entry, and lists again only:

- a folder whose inode or change time differs, or whose change time is not older than the
  stored walk by :data:`~pytest_kabul.project.records.RACY_NS` (a change in the same clock tick
  would not show: git's "racily clean" rule);
- a folder whose ``.gitignore`` changed (its size, times or inode), and every folder under it,
  whose verdicts rest on those rules;
- a folder holding a symlink (its target may change without the folder changing) or one that
  could not be listed.

Stored as JSON beside the file records, versioned by plugin version and format, keyed by the
root and the ``exclude`` globs; anything unreadable in it means a full walk, never an error.
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import importlib.util
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pathspec

from pytest_kabul import __version__
from pytest_kabul.project import files
from pytest_kabul.project.files import SKIP_DIRS, is_template_name, read_bounded
from pytest_kabul.project.records import RACY_NS, read_json, write_json

# Build output is only skipped at the top of an app (a ``build/`` package inside the source
# tree is source code).
BUILD_DIRS = frozenset({"build", "dist", "out", "coverage"})
MAX_GITIGNORE_BYTES = 1024 * 1024
MAX_WILDCARDS = 4
FORMAT = 1  # bump when a stored folder's layout changes meaning
FILENAME = "walk.json"

_STAR_RUN = re.compile(r"\*{2,}")
_NOT_APPLIED = "its rules were not applied"


def _collapse(match: re.Match[str]) -> str:
    """git's rule: ``**`` is special only as a whole path segment; any other run of stars is
    one ``*``. Collapsing runs keeps the meaning and removes the regex backtracking that a line
    such as ``**********q`` causes in every regex-based matcher."""
    text, start, end = match.string, match.start(), match.end()
    whole = (start == 0 or text[start - 1] == "/") and (end == len(text) or text[end] == "/")
    return "**" if whole else "*"


class GitIgnore:
    """The rules of one ``.gitignore`` (``pathspec``'s gitignore semantics); paths are relative
    to the folder holding it. With ``google-re2`` installed pathspec matches in linear time;
    without it, a line with more wildcards than :data:`MAX_WILDCARDS` is refused (polynomial
    backtracking on long names) and reported."""

    def __init__(self, text: str) -> None:
        lines: list[str] = []
        self.refused: list[int] = []
        linear = _linear_backend()
        for number, line in enumerate(text.splitlines(), start=1):
            line = _STAR_RUN.sub(_collapse, line)
            if not linear and line.count("*") + line.count("?") > MAX_WILDCARDS:
                self.refused.append(number)
                continue
            lines.append(line)
        self.spec = pathspec.GitIgnoreSpec.from_lines(lines)

    def match(self, rel: str, *, is_dir: bool) -> bool | None:
        """True ignored, False re-included, None no rule spoke."""
        result = self.spec.check_file(f"{rel}/" if is_dir else rel)
        return result.include


def _linear_backend() -> bool:
    return importlib.util.find_spec("re2") is not None


class _Rules:
    """One folder's ``.gitignore``, parsed when first asked: a folder whose listing is reused
    never needs its rules unless a folder under it is listed again."""

    def __init__(self, root: Path, rel_dir: str, parsed: GitIgnore | None = None) -> None:
        self.root, self.rel_dir = root, rel_dir
        self._parsed, self._done = parsed, parsed is not None

    def match(self, rel: str, *, is_dir: bool) -> bool | None:
        if not self._done:
            self._parsed, _problems = _read_gitignore(self.root, self.rel_dir)  # reported once
            self._done = True
        return self._parsed.match(rel, is_dir=is_dir) if self._parsed is not None else None


@dataclass(frozen=True)
class WalkResult:
    files: tuple[str, ...]
    problems: tuple[tuple[str, str], ...]
    templates: tuple[str, ...] = ()  # files of templates (see ``is_template_name``)
    errors: tuple[tuple[str, str], ...] = ()  # refused reads: the index may be wrong


# A folder as stored: [inode, change time ns, .gitignore status or None, files, templates,
# subfolders to enter, problems] (names, not paths, for the first three lists).
Folder = list[Any]
Ignores = list[tuple[str, _Rules]]


def walk(root: Path, exclude: tuple[str, ...] = (), cache_dir: Path | None = None) -> WalkResult:
    """The project's files; with ``cache_dir``, reusing every unchanged folder's listing."""
    store = _Store(root, exclude, cache_dir)
    walker = _Walker(root, exclude, store.folders, store.trusted_before)
    result = walker.run()
    if walker.changed or walker.folders.keys() != store.folders.keys():
        store.save(walker.folders)
    return result


class _Store:
    def __init__(self, root: Path, exclude: tuple[str, ...], cache_dir: Path | None) -> None:
        self.path = cache_dir / FILENAME if cache_dir is not None else None
        self.key = [f"{__version__}/{FORMAT}/{_code()}", str(root), list(exclude)]
        self.folders: dict[str, Folder] = {}
        self.trusted_before = 0
        data = read_json(self.path) if self.path is not None else None
        if data is None or data.get("key") != self.key:
            return
        folders, written = data.get("folders"), data.get("written_ns")
        if isinstance(folders, dict) and isinstance(written, int):
            self.folders = {k: v for k, v in folders.items() if _well_formed(v)}
            self.trusted_before = written - RACY_NS

    def save(self, folders: dict[str, Folder]) -> None:
        if self.path is not None:
            data = {"key": self.key, "written_ns": time.time_ns(), "folders": folders}
            write_json(self.path, data)


@functools.cache
def _code() -> str:
    """A digest of the walk's own code (this module and the index's skip lists): an edited
    checkout of the plugin walks afresh."""
    h = hashlib.blake2b(digest_size=8)
    for module in (__file__, files.__file__):
        h.update(Path(module).read_bytes())
    return h.hexdigest()


def _well_formed(entry: object) -> bool:
    return (
        isinstance(entry, list)
        and len(entry) == 7
        and all(isinstance(x, int) for x in entry[:2])
        and (entry[2] is None or isinstance(entry[2], list))
        and all(isinstance(x, list) for x in entry[3:])
    )


class _Walker:
    def __init__(
        self,
        root: Path,
        exclude: tuple[str, ...],
        known: dict[str, Folder],
        trusted_before: int,
    ) -> None:
        self.root, self.root_str, self.exclude = root, str(root), exclude
        self.known, self.trusted_before = known, trusted_before
        self.folders: dict[str, Folder] = {}  # what the next walk may reuse
        self.changed = False
        self.files: list[str] = []
        self.templates: list[str] = []
        self.problems: list[tuple[str, str]] = []

    def run(self) -> WalkResult:
        # (folder, rules above it, inside a template, its stored listing may be reused)
        stack: list[tuple[str, Ignores, bool, bool]] = [("", [], False, True)]
        while stack:
            rel_dir, ignores, in_template, trusted = stack.pop()
            stack.extend(self._folder(rel_dir, ignores, in_template, trusted))
        problems = self.problems
        errors = tuple(sorted(p for p in problems if p[1].endswith(_NOT_APPLIED)))
        rest = tuple(sorted(p for p in problems if not p[1].endswith(_NOT_APPLIED)))
        return WalkResult(tuple(sorted(self.files)), rest, tuple(sorted(self.templates)), errors)

    def _folder(
        self, rel_dir: str, ignores: Ignores, in_template: bool, trusted: bool
    ) -> list[tuple[str, Ignores, bool, bool]]:
        abs_dir = os.path.join(self.root_str, rel_dir) if rel_dir else self.root_str
        try:
            st = os.stat(abs_dir)
            status = [st.st_ino, st.st_ctime_ns]
        except OSError:
            status = None
        entry = self.known.get(rel_dir) if trusted else None
        gitignore = _gitignore_status(abs_dir) if entry is not None and entry[2] else None
        if (
            entry is not None
            and status == entry[:2]
            and status[1] < self.trusted_before
            and gitignore == entry[2]
            and (gitignore is None or max(gitignore[1:3]) < self.trusted_before)
        ):
            return self._reuse(rel_dir, entry, ignores, in_template)
        self.changed = True
        gitignore, enter = self._list(rel_dir, abs_dir, status, ignores, in_template)
        # under a folder listed for the first time, or whose rules changed, nothing is reused
        below = entry is not None and gitignore == entry[2]
        return [(rel, rules, tmpl, below) for rel, rules, tmpl in enter]

    def _reuse(
        self, rel_dir: str, entry: Folder, ignores: Ignores, in_template: bool
    ) -> list[tuple[str, Ignores, bool, bool]]:
        self.folders[rel_dir] = entry
        base = f"{rel_dir}/" if rel_dir else ""
        self.files.extend(base + name for name in entry[3])
        self.templates.extend(base + name for name in entry[4])
        self.problems.extend((p[0], p[1]) for p in entry[6])
        if entry[2] is not None:
            ignores = [*ignores, (rel_dir, _Rules(self.root, rel_dir))]
        return [
            (base + name, ignores, in_template or is_template_name(name), True) for name in entry[5]
        ]

    def _list(
        self,
        rel_dir: str,
        abs_dir: str,
        status: list[int] | None,
        ignores: Ignores,
        in_template: bool,
    ) -> tuple[list[int] | None, list[tuple[str, Ignores, bool]]]:
        """List a folder afresh: the status of its ``.gitignore`` and the subfolders to enter
        (with the rules that apply there and whether they are inside a template)."""
        try:
            entries = sorted(os.scandir(abs_dir), key=lambda e: e.name)
        except OSError as exc:
            self.problems.append((rel_dir or ".", f"cannot list directory: {exc.strerror}"))
            return None, []
        names = {e.name for e in entries}
        if rel_dir and "pyvenv.cfg" in names:
            self._keep(rel_dir, status, None, [], [], [], [], cacheable=True)
            return None, []
        problems: list[tuple[str, str]] = []
        gitignore = None
        if ".gitignore" in names:
            gitignore = _gitignore_status(abs_dir)
            parsed, problems = _read_gitignore(self.root, rel_dir)
            if parsed is not None:
                ignores = [*ignores, (rel_dir, _Rules(self.root, rel_dir, parsed))]
        files: list[str] = []
        templates: list[str] = []
        below: list[str] = []
        links = False
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                is_link = entry.is_symlink()
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_link:
                links = True
                if _is_loop(entry.path):
                    problems.append((rel, "symlink loop or dangling symlink, not followed"))
                    continue
                if os.path.isdir(entry.path):
                    continue  # never follow symlinked directories: no loops, no double counts
            if _ignored(rel, ignores, is_dir=is_dir) or _excluded(rel, self.exclude):
                continue
            if is_dir:
                if entry.name in SKIP_DIRS or entry.name.endswith(".egg-info"):
                    continue
                if entry.name in BUILD_DIRS and _is_app_root(names):
                    continue
                below.append(entry.name)
            elif in_template or is_template_name(entry.name):
                templates.append(entry.name)
            else:
                files.append(entry.name)
        base = f"{rel_dir}/" if rel_dir else ""
        self.files.extend(base + name for name in files)
        self.templates.extend(base + name for name in templates)
        self.problems.extend(problems)
        cacheable = not links and status is not None
        self._keep(rel_dir, status, gitignore, files, templates, below, problems, cacheable)
        return gitignore, [(base + n, ignores, in_template or is_template_name(n)) for n in below]

    def _keep(
        self,
        rel_dir: str,
        status: list[int] | None,
        gitignore: list[int] | None,
        files: list[str],
        templates: list[str],
        below: list[str],
        problems: list[tuple[str, str]],
        cacheable: bool,
    ) -> None:
        if cacheable and status is not None:
            listing = [files, templates, below, [list(p) for p in problems]]
            self.folders[rel_dir] = [*status, gitignore, *listing]


def _gitignore_status(abs_dir: str) -> list[int] | None:
    try:
        st = os.stat(os.path.join(abs_dir, ".gitignore"))
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _is_loop(path: str) -> bool:
    try:
        target = os.path.realpath(path, strict=True)
    except (OSError, RuntimeError):
        return True
    parent = os.path.realpath(os.path.dirname(path))
    return parent == target or parent.startswith(target + os.sep)


def _read_gitignore(root: Path, rel_dir: str) -> tuple[GitIgnore | None, list[tuple[str, str]]]:
    """The parsed rules of ``rel_dir/.gitignore`` (None: not applied) and what was wrong."""
    rel = f"{rel_dir}/.gitignore" if rel_dir else ".gitignore"
    data, why = read_bounded(root, rel, limit=MAX_GITIGNORE_BYTES)
    if data is None:
        return None, [(rel, f"{why}; {_NOT_APPLIED}")] if why else []
    try:
        gitignore = GitIgnore(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return None, [(rel, f"not valid UTF-8; {_NOT_APPLIED}")]
    except (ValueError, re.error) as exc:  # pathspec rejects a malformed pattern
        why = f"a pattern pathspec cannot read ({type(exc).__name__})"
        return None, [(rel, f"{why}; {_NOT_APPLIED}")]
    if gitignore.refused:
        lines = ", ".join(map(str, gitignore.refused))
        return gitignore, [(rel, f"line(s) {lines}: too many wildcards, pattern not applied")]
    return gitignore, []


def _is_app_root(names: set[str]) -> bool:
    return bool(names & {"package.json", "pyproject.toml", "setup.py", "setup.cfg"})


def _ignored(rel: str, ignores: Ignores, *, is_dir: bool) -> bool:
    verdict = False
    for base, rules in ignores:
        sub = rel[len(base) + 1 :] if base else rel
        said = rules.match(sub, is_dir=is_dir)
        if said is not None:
            verdict = said
    return verdict


def _excluded(rel: str, patterns: tuple[str, ...]) -> bool:
    return any(
        fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(rel, p.rstrip("/") + "/*") for p in patterns
    )
