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
import importlib.util
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pathspec

MAX_TEXT_BYTES = 32 * 1024 * 1024

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


_STAR_RUN = re.compile(r"\*{2,}")


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


MAX_WILDCARDS = 4


def _linear_backend() -> bool:
    return importlib.util.find_spec("re2") is not None


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
    errors: tuple[tuple[str, str], ...] = ()  # refused reads: the index may be wrong


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
            ignores = _read_gitignore(root, rel_dir, ignores, problems)
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
    errors = tuple(sorted(p for p in problems if p[1].endswith(_NOT_APPLIED)))
    rest = tuple(sorted(p for p in problems if not p[1].endswith(_NOT_APPLIED)))
    return WalkResult(tuple(sorted(files)), rest, tuple(sorted(templates)), errors)


_NOT_APPLIED = "its rules were not applied"


def _read_gitignore(
    root: Path,
    rel_dir: str,
    ignores: list[tuple[str, GitIgnore]],
    problems: list[tuple[str, str]],
) -> list[tuple[str, GitIgnore]]:
    rel = _join(rel_dir, ".gitignore")
    data, why = read_bounded(root, rel, limit=MAX_GITIGNORE_BYTES)
    if data is None:
        if why:
            problems.append((rel, f"{why}; its rules were not applied"))
        return ignores
    try:
        gitignore = GitIgnore(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        problems.append((rel, "not valid UTF-8; its rules were not applied"))
        return ignores
    except (ValueError, re.error) as exc:  # pathspec rejects a malformed pattern
        problems.append(
            (
                rel,
                f"a pattern pathspec cannot read ({type(exc).__name__}); its rules"
                " were not applied",
            )
        )
        return ignores
    if gitignore.refused:
        lines = ", ".join(map(str, gitignore.refused))
        problems.append((rel, f"line(s) {lines}: too many wildcards, pattern not applied"))
    return [*ignores, (rel_dir, gitignore)]


MAX_GITIGNORE_BYTES = 1024 * 1024


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


# -- the one safe reader ---------------------------------------------------------------
def is_outside(rel: str) -> bool:
    """A project-relative path that is absolute or climbs out of the root."""
    if not rel or rel.startswith(("/", "~", "\\")) or os.path.isabs(rel) or ":" in rel[:3]:
        return bool(rel)
    norm = os.path.normpath(rel).replace("\\", "/")
    return norm == ".." or norm.startswith("../")


def _resolved_quickly(
    root: str, path: str, folders: dict[str, str | None]
) -> tuple[str, os.stat_result] | None:
    """The real path and status of a regular file that is no symlink, in a folder whose real
    path (resolved once per folder and kept in ``folders``) lies inside ``root``; None for
    anything else (a symlink, a missing file, another kind of file), which the caller then
    resolves component by component. One ``lstat`` per file instead of one per component."""
    head, tail = os.path.split(path)
    if head not in folders:
        real = os.path.realpath(head)
        folders[head] = real if real == root or real.startswith(root + os.sep) else None
    base = folders[head]
    if base is None:
        return None
    real = os.path.join(base, tail)
    try:
        info = os.lstat(real)
    except OSError:
        return None
    return (real, info) if stat.S_ISREG(info.st_mode) else None


def read_bounded(
    root: Path, rel: str, limit: int = MAX_TEXT_BYTES, folders: dict[str, str | None] | None = None
) -> tuple[bytes | None, str | None]:
    """Read ``root/rel`` safely: (bytes, None), or (None, why) when refused, or (None, None)
    when it does not exist.

    Only regular files are read (a FIFO, socket or device would block or never end); the path,
    symlinks resolved, must lie inside ``root``; the size bound is enforced while reading, not
    only from ``stat`` (``/dev/zero`` and growing files report a small size). ``folders``: a
    cache of the real paths of the folders read from, for a caller reading many files of one
    tree that does not change while it reads (a :class:`~pytest_kabul.project.core.Project`).
    """
    path = os.path.join(root, rel)
    if is_outside(rel):
        return None, "path outside the audited root; not read"
    try:
        quick = _resolved_quickly(str(root), path, folders) if folders is not None else None
        if quick is not None:
            real, info = quick
        else:
            real = os.path.realpath(path)
            if os.path.commonpath([real, str(root)]) != str(root):
                via = "symlink" if os.path.islink(path) else "path"
                return None, f"{via} resolves outside the audited root; not read"
            info = os.stat(real)
    except FileNotFoundError:
        return None, None
    except (OSError, ValueError) as exc:
        return None, f"cannot read: {getattr(exc, 'strerror', None) or exc}"
    if not stat.S_ISREG(info.st_mode):
        return None, f"not a regular file ({_kind(info.st_mode)}); not read"
    if info.st_size > limit:
        return None, f"larger than {limit // 2**20} MiB; not read"
    try:
        fd = os.open(real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        return None, f"cannot read: {exc.strerror or exc}"
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped between stat and open
            return None, "not a regular file; not read"
        chunks: list[bytes] = []
        total = 0
        while chunk := os.read(fd, asked := min(1 << 20, limit + 1 - total)):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                return None, f"larger than {limit // 2**20} MiB; not read"
            if len(chunk) < asked:
                break  # a regular file reads short only at its end
        return b"".join(chunks), None
    except OSError as exc:
        return None, f"cannot read: {exc.strerror or exc}"
    finally:
        os.close(fd)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "not a file"
