"""The file index: every file of the project that a check may read, and the one safe reader.

The index comes from the walk (:mod:`pytest_kabul.project.walker`): no VCS folders, dependencies,
virtualenvs, caches, build output or git-ignored files.

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
import stat
from collections.abc import Iterator
from pathlib import Path

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
        """The files with one of these names, in the index's (sorted) order."""
        found = [f for name in set(names) for f in self._by_name.get(name, ())]
        return tuple(sorted(found)) if len(names) > 1 else tuple(found)

    @functools.cached_property
    def _by_name(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, list[str]] = {}
        for rel in self.files:
            out.setdefault(rel.rsplit("/", 1)[-1], []).append(rel)
        return {name: tuple(paths) for name, paths in out.items()}

    def suffix(self, *suffixes: str) -> tuple[str, ...]:
        return tuple(f for f in self.files if f.endswith(suffixes))

    def glob(self, pattern: str) -> tuple[str, ...]:
        return tuple(fnmatch.filter(self.files, pattern))  # one compiled pattern for all

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
