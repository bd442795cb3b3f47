"""Per-file facts kept between runs, in pytest's cache folder (``.pytest_cache/d/kabul/``).

A record holds what was learnt from one file's text (its imports, whether it mentions
``__main__`` ...), keyed by the file's path, size and modification time, with a digest of its
text to confirm: a file whose size and time match, and whose time is older than the cache
(git's "racily clean" rule: a change within the same clock tick would keep size and time), is
trusted without being read; any other file is read, and its record kept only when the digest
still matches. Versioned by plugin version, record format and Python minor; ``--cache-clear``
removes the folder with the rest of pytest's cache. JSON, never pickle: the cache folder sits in
the audited repository, and loading it must not execute anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pytest_kabul import __version__

FORMAT = 4  # bump when a record's content changes meaning
# A file written within this long of a cache's own write may change again in the same clock
# tick without its size or time showing it (git's "racily clean" rule).
RACY_NS = 2_000_000_000
FILENAME = "file-records.json"


def digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class FileRecords:
    """Facts per file and kind (``imports``, ``main`` ...); in memory only without a folder."""

    def __init__(
        self, root: Path, folder: Path | None, read: Callable[[str], str | None] | None = None
    ) -> None:
        self.root = root
        self.read = read  # the project's text reader: confirms a record whose stat changed
        self.path = folder / FILENAME if folder is not None else None
        self.version = f"{__version__}/{FORMAT}/py{sys.version_info[0]}.{sys.version_info[1]}"
        self._written_ns = 0
        self._records: dict[str, dict[str, Any]] = {}
        self._checked: dict[str, bool] = {}  # rel -> record still valid (asked this run)
        self._dirty = False
        # rel -> the length and hash of the text its record was last computed from (not the
        # text, which the project may hold compressed): a second fact of it is not hashed again
        self._put: dict[str, tuple[int, int]] = {}
        self.hits = 0
        self.load()

    def load(self) -> None:
        if self.path is None:
            return
        data = read_json(self.path)
        if (
            data is None
            or data.get("version") != self.version
            or data.get("root") != str(self.root)
            or not isinstance(data.get("files"), dict)
        ):
            return
        self._written_ns = int(data.get("written_ns", 0))
        self._records = {k: v for k, v in data["files"].items() if isinstance(v, dict)}

    def _stat(self, rel: str) -> tuple[int, int] | None:
        try:
            st = os.stat(os.path.join(self.root, rel))
        except OSError:
            return None
        return st.st_size, st.st_mtime_ns

    def fresh(self, rel: str) -> bool:
        """Whether the record of ``rel`` describes the file as it is now: same size and time
        (and older than the cache), else the same text digest."""
        known = self._checked.get(rel)
        if known is not None:
            return known
        record = self._records.get(rel)
        stat = self._stat(rel)
        ok = False
        if record is not None and stat is not None:
            if [stat[0], stat[1]] == record.get("stat") and stat[1] < self._written_ns - RACY_NS:
                ok = True
            else:
                text = self.read(rel) if self.read is not None else None
                if text is not None and digest(text) == record.get("digest"):
                    record["stat"] = [stat[0], stat[1]]
                    self._dirty = True
                    ok = True
        if not ok and record is not None:
            del self._records[rel]  # changed: its facts are recomputed and stored again
            self._dirty = True
        self._checked[rel] = ok
        return ok

    def asked(self) -> frozenset[str]:
        """The files whose records were asked for this run: facts drawn from their content."""
        return frozenset(self._checked)

    def get(self, rel: str, kind: str) -> Any:
        """The stored fact, or None when there is none or the file changed."""
        record = self._records.get(rel)
        if record is None or kind not in record or not self.fresh(rel):
            return None
        self.hits += 1
        return record[kind]

    def put(self, rel: str, kind: str, value: Any, text: str) -> None:
        """Store a fact computed from ``text`` (the file's current text)."""
        same = (len(text), hash(text))
        record = self._records.get(rel)
        if record is None or self._put.get(rel) != same:  # not a second fact of the same text
            found = self._stat(rel)
            if found is None:
                return
            code = digest(text)
            if record is None or record.get("digest") != code:
                record = self._records[rel] = {"digest": code}
            record["stat"] = [found[0], found[1]]
            self._put[rel] = same
        record[kind] = value
        self._checked[rel] = True
        self._dirty = True

    def record(self, rel: str) -> dict[str, Any] | None:
        """The record of ``rel`` as computed or confirmed this run (what :meth:`adopt` takes)."""
        return self._records.get(rel) if self._checked.get(rel) else None

    def adopt(self, rel: str, record: dict[str, Any]) -> None:
        """Take a record computed elsewhere from the file's current text (a prefetch worker's:
        see :mod:`pytest_kabul.project.python.prefetch`)."""
        self._records[rel] = record
        self._checked[rel] = True
        self._dirty = True

    def save(self) -> None:
        """Write the records (atomically: xdist workers may save at the same time)."""
        if self.path is None:
            return
        gone = [
            rel
            for rel in self._records
            if rel not in self._checked and not os.path.lexists(os.path.join(self.root, rel))
        ]
        for rel in gone:  # files deleted since: their records would only grow the cache
            del self._records[rel]
            self._dirty = True
        if not self._dirty:
            return
        data = {
            "version": self.version,
            "root": str(self.root),
            "written_ns": time.time_ns(),
            "files": self._records,
        }
        if write_json(self.path, data):
            self._dirty = False


def read_json(path: Path) -> dict[str, Any] | None:
    """A store written by :func:`write_json`, or None when it is missing, unreadable or not a
    JSON object (a damaged or foreign cache is never an error: the run computes afresh)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_json(path: Path, data: Any) -> bool:
    """Write ``data`` as compact JSON atomically (xdist workers may write at the same time);
    False when the folder cannot be written (a read-only checkout: the run is then uncached)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-")
        # dumps, not dump: json.dump streams through the pure-Python encoder (5x slower)
        encoded = json.dumps(data, separators=(",", ":"))
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(encoded)
        os.replace(tmp, path)
    except OSError:
        return False
    return True
