"""Check evaluations kept between runs: a warm run over an unchanged tree judges nothing again.

Every static evaluation (and every live check's subject listing) is a function of the project's
files, the plugin's own code and the configuration, so it is stored under
``.pytest_cache/d/kabul/evaluations.json`` with what it was computed from:

- the *file index*: every walked file's path, size and modification time, and a digest of the
  content of each the model read (one whose time changed, say in a fresh CI checkout with
  ``.pytest_cache`` restored, is confirmed by its content; one nothing read, by its size), and
  the names in every folder holding one (so a file the walk leaves out, such as a git-ignored
  ``.env``, counts when it appears or goes); the reports the session writes into the tree
  (``--html``, ``--kabul-json`` ...) are left out, and nothing is stored when a check read one;
- every other path the model read or asked about (``Project.inputs``): the same, or that it
  was absent, or a folder;
- a key: plugin version and a digest of its modules' code (an edited checkout invalidates it),
  the distributions installed beside it (an upgraded Alembic may read a graph differently),
  store format, Python minor, the project root and the whole configuration.

A stored evaluation is used only when all of these match; otherwise the run judges afresh and
the store is rebuilt. A size and time are trusted only for a file written before the store's
clock tick (git's "racily clean" rule); nothing is stored when the tree changed during the run
or a file the model read was written in the two seconds before it started. Findings, reasons
and notes are stored redacted, so a secret the report would mask never reaches the cache
folder. JSON, never pickle: the folder sits in
the audited repository. ``--cache-clear`` removes it with the rest of pytest's cache.

Per-file facts behind the first, cold run are :mod:`pytest_kabul.project.records`; this layer
sits above them and answers a whole check at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import sys
import sysconfig
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest_kabul
from pytest_kabul.helper import Helper, helped
from pytest_kabul.model import Finding, Location
from pytest_kabul.project.core import Project
from pytest_kabul.project.files import read_bounded
from pytest_kabul.project.records import RACY_NS, digest, read_json, write_json
from pytest_kabul.redact import REDACTOR, redact
from pytest_kabul.registry import Check, Evaluation

FORMAT = 2  # bump when the stored layout changes meaning (2: text digests)
FILENAME = "evaluations.json"
Stat = list[int] | None  # [size, mtime_ns], [-1, mtime_ns] for a folder, None: absent


def _stat(path: str) -> Stat:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [-1 if stat.S_ISDIR(st.st_mode) else st.st_size, st.st_mtime_ns]


def _code_stamp() -> str:
    """A digest of every module of the plugin: an edited checkout is new code (contents, not
    times, so a reinstall of the same code in CI keeps the store)."""
    package = Path(pytest_kabul.__file__).parent
    h = hashlib.blake2b(digest_size=16)
    for path in sorted(package.rglob("*.py")):
        h.update(f"{path.relative_to(package)}\n".encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _installed() -> str:
    """The distributions installed beside the plugin (``name-version.dist-info``): a judgement
    may rest on a library's reading (Alembic's revision map, packaging's version rules), so an
    upgrade of any of them judges afresh. One folder listing, not a metadata scan."""
    folders = {sysconfig.get_paths()[kind] for kind in ("purelib", "platlib")}
    names: list[str] = []
    for folder in sorted(folders):
        with contextlib.suppress(OSError):
            names.extend(n for n in os.listdir(folder) if n.endswith((".dist-info", ".egg-info")))
    return "\0".join(sorted(names))


def _key(project: Project) -> str:
    h = hashlib.blake2b(digest_size=16)
    parts = (
        pytest_kabul.__version__,
        str(FORMAT),
        f"py{sys.version_info[0]}.{sys.version_info[1]}",
        str(project.root),
        repr(project.config),
        _code_stamp(),
        _installed(),
    )
    h.update("\0".join(parts).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


class _Tree:
    """The walked files as stat'ed now, and a digest of the names in every folder holding one.
    ``outputs`` (reports this session writes) are left out: whether the previous run's report
    is there must not make this run judge afresh."""

    def __init__(self, project: Project, outputs: frozenset[str]) -> None:
        root = str(project.root)
        self.files: dict[str, Stat] = {}
        index = project.files
        for rel in index:
            if rel not in outputs:
                self.files[rel] = _stat(os.path.join(root, rel))
        folders = index.folders
        h = hashlib.blake2b(digest_size=16)
        for rel in sorted(index.templates):
            h.update(f"template\t{rel}\n".encode("utf-8", "surrogatepass"))
        for rel in sorted(folders):
            prefix = f"{rel}/" if rel else ""
            try:
                names = sorted(os.listdir(os.path.join(root, rel) if rel else root))
            except OSError:
                names = ["<unreadable>"]
            listing = "\0".join(name for name in names if prefix + name not in outputs)
            h.update(f"{rel}/\t{listing}\n".encode("utf-8", "surrogatepass"))
        self.folders = h.hexdigest()


def _content(project: Project, rel: str) -> str:
    """A digest of the file as the model reads it: its text (the file records' digest, so a
    file whose record this run checked is not read again), or its bytes when they are no
    UTF-8 (links out of the root are refused there too, so their target is never read here)."""
    data, why = read_bounded(project.root, rel)
    if data is None:
        return f"unreadable: {why}"
    try:
        return digest(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return hashlib.blake2b(data, digest_size=16).hexdigest()


def _finding_dict(finding: Finding) -> dict[str, Any]:
    data = finding.to_dict()
    data["column"] = finding.location.column if finding.location else None
    return data


def _finding(data: Mapping[str, Any]) -> Finding:
    finding = Finding.from_dict(dict(data))
    column = data.get("column")
    if finding.location is not None and column is not None:
        loc = finding.location
        finding = Finding(
            code=finding.code,
            severity=finding.severity,
            subject=finding.subject,
            message=finding.message,
            remediation=finding.remediation,
            location=Location(loc.path, loc.line, column),
            evidence=finding.evidence,
        )
    return finding


def dump(evaluation: Evaluation) -> dict[str, Any]:
    """The evaluation as JSON data, with every secret the redactor knows masked."""
    return {
        "subjects": list(evaluation.subjects),
        "findings": [_finding_dict(f) for f in REDACTOR.findings(evaluation.findings)],
        "skipped": {k: redact(v) for k, v in evaluation.skipped.items()},
        "notes": {k: redact(v) for k, v in evaluation.notes.items()},
        "not_applicable": (
            redact(evaluation.not_applicable) if evaluation.not_applicable is not None else None
        ),
    }


def load(data: Mapping[str, Any]) -> Evaluation:
    return Evaluation(
        subjects=tuple(data["subjects"]),
        findings=tuple(_finding(f) for f in data["findings"]),
        skipped=dict(data["skipped"]),
        notes=dict(data["notes"]),
        not_applicable=data["not_applicable"],
    )


Entry = list[Any] | str | None  # [size, mtime_ns, digest or None: unread]; "dir"; None: absent


def _same(project: Project, rel: str, entry: Entry, current: Stat, trusted_before: int) -> bool:
    """Whether ``rel`` is as stored: the same size and time, written before the store's clock
    tick; else (touched, checked out anew, written in that tick) the same content."""
    if entry is None:
        return current is None
    if entry == "dir":
        return current is not None and current[0] == -1
    if not isinstance(entry, list) or len(entry) != 3 or current is None:
        return False
    if current[0] != entry[0]:
        return False
    if entry[2] is None:  # no evaluation read it: only its name and size could matter
        return True
    if current[1] == entry[1] and entry[1] < trusted_before:
        return True
    return bool(_content(project, rel) == entry[2])


class Evaluations:
    """Evaluations of one project, from the store when its inputs are unchanged.

    ``folder`` is pytest's cache folder for the plugin (None: nothing is kept between runs).
    """

    def __init__(
        self, project: Project, folder: Path | None, *, outputs: frozenset[str] = frozenset()
    ) -> None:
        self.project = project
        self.outputs = outputs  # files this session writes in the tree (reports)
        self.path = folder / FILENAME if folder is not None else None
        self.hits = 0
        self._stored: dict[str, Any] = {}  # "evaluate:KAB101" -> dumped evaluation
        self._files: dict[str, Entry] = {}  # every path they were computed from, as it was
        self._refreshed = False  # a stored file confirmed by its content under a new time
        self._new: dict[str, Evaluation] = {}
        self._tree: _Tree | None = None
        self._started_ns = time.time_ns()
        self._helper: Helper | None = None
        self._key = ""
        if self.path is not None:
            self._key = _key(project)
            _ = self.tree  # the tree as it is before anything is judged
            self._load()

    @property
    def tree(self) -> _Tree:
        if self._tree is None:
            self._tree = _Tree(self.project, self.outputs)
        return self._tree

    def _current(self, rel: str) -> Stat:
        if rel in self.tree.files:
            return self.tree.files[rel]
        return _stat(os.path.join(self.project.root, rel))

    def _load(self) -> None:
        assert self.path is not None
        data = read_json(self.path)
        if data is None or data.get("key") != self._key:
            return
        files, stored = data.get("files"), data.get("evaluations")
        written = data.get("written_ns")
        if not isinstance(files, dict) or not isinstance(stored, dict):
            return
        if not isinstance(written, int) or data.get("folders") != self.tree.folders:
            return
        if any(rel not in files for rel in self.tree.files):
            return  # a new file
        trusted_before = written - RACY_NS
        refreshed = False
        for rel, entry in files.items():
            current = self._current(rel)
            if not _same(self.project, rel, entry, current, trusted_before):
                return
            if isinstance(entry, list) and current is not None and current[1] != entry[1]:
                files[rel] = [current[0], current[1], entry[2]]  # confirmed by its content
                refreshed = True
        self._refreshed = refreshed
        self._files = files
        self._stored = stored

    def evaluate(self, check: Check) -> Evaluation:
        if not check.files_only:
            return check.evaluate(self.project)
        return self._get(f"evaluate:{check.code}", lambda: check.evaluate(self.project))

    def list_subjects(self, check: Check) -> Evaluation:
        if not check.files_only:
            return check.list_subjects(self.project)
        return self._get(f"list:{check.code}", lambda: check.list_subjects(self.project))

    def start_helper(self, checks: Iterable[Check]) -> bool:
        """Fork a helper judging those of ``checks`` it takes (:mod:`pytest_kabul.helper`) that
        the store does not answer; whether one started."""
        wanted = [c for c in helped(checks) if f"evaluate:{c.code}" not in self._stored]
        self._helper = Helper.start(self.project, wanted)
        return self._helper is not None

    def join_helper(self) -> None:
        """Take in what the helper judged (waiting for it), if one runs."""
        helper, self._helper = self._helper, None
        if helper is None:
            return
        judged = helper.join()
        if judged is not None:
            self.project.adopt_judged(judged.problems, judged.inputs, judged.facets)
            for key, evaluation in judged.evaluations.items():
                self._new.setdefault(key, evaluation)

    def _get(self, key: str, compute: Callable[[], Evaluation]) -> Evaluation:
        if self._helper is not None and (key in self._helper.keys or key == "evaluate:KAB001"):
            self.join_helper()  # KAB001 reports the helper's problems too
        if key in self._new:
            return self._new[key]
        data = self._stored.get(key)
        if data is not None:
            try:
                evaluation = load(data)
            except (KeyError, TypeError, ValueError, AttributeError):
                pass  # a damaged entry: judge afresh
            else:
                self.hits += 1
                self._new[key] = evaluation
                return evaluation
        evaluation = compute()  # an exception is not stored: the caller reports it
        self._new[key] = evaluation
        return evaluation

    def _entry(self, rel: str, stat: Stat, read: set[str]) -> Entry:
        if stat is None:
            return None
        if stat[0] == -1:
            return "dir"
        known = self._files.get(rel)
        if isinstance(known, list) and known[:2] == stat and (known[2] or rel not in read):
            return known
        if rel not in read:
            return [stat[0], stat[1], None]
        known_digest = self._recorded(rel)
        return [stat[0], stat[1], known_digest or _content(self.project, rel)]

    def _recorded(self, rel: str) -> str | None:
        """The digest of ``rel``'s text in the file record this run computed or confirmed (the
        tree is unchanged since, or nothing is saved), if there is one."""
        if "records" not in self.project.__dict__:  # never built: nothing to take
            return None
        record = self.project.records.record(rel)
        found = record.get("digest") if record is not None else None
        return found if isinstance(found, str) else None

    def save(self) -> None:
        """Store what this run judged, unless the tree changed during the run or a file the
        model read was written just before it (its content then cannot be vouched for).
        Written atomically: xdist workers may race."""
        if self._helper is not None:  # the session ended before asking (an error, Ctrl-C)
            self._helper.close()
            self._helper = None
        fresh = {k: v for k, v in self._new.items() if k not in self._stored}
        if self.path is None or not (fresh or self._refreshed):
            return
        before = self.tree
        after = _Tree(self.project, self.outputs)
        if after.files != before.files or after.folders != before.folders:
            return
        read = {rel for rel in self.project.inputs() if not self.project.is_outside(rel)}
        limit = self._started_ns - RACY_NS
        stats = dict(before.files)
        for rel in read - set(stats):
            stats[rel] = _stat(os.path.join(self.project.root, rel))
        if read & self.outputs or any((stats[r] or [0, 0])[1] > limit for r in read):
            return
        files = {rel: self._entry(rel, stat, read) for rel, stat in stats.items()}
        for rel, entry in self._files.items():  # read by the stored evaluations, not this run
            files.setdefault(rel, entry)
        stored = dict(self._stored)
        stored.update((k, dump(v)) for k, v in fresh.items())
        data = {
            "key": self._key,
            "written_ns": time.time_ns(),
            "folders": before.folders,
            "files": files,
            "evaluations": stored,
        }
        write_json(self.path, data)
