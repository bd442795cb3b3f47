"""Check evaluations kept between runs: a warm run over an unchanged tree judges nothing again.

Every static evaluation (and every live check's subject listing) is a function of the project's
files, the plugin's own code and the configuration, so it is stored under
``.pytest_cache/d/kabul/evaluations.json`` with what it was computed from:

- the *file index*: every walked file's path, size and modification time, and the names in every
  folder holding one (so a file the walk leaves out, such as a git-ignored ``.env``, counts when
  it appears or goes); the reports the session writes into the tree (``--html``,
  ``--kabul-json`` ...) are left out, and nothing is stored when a check read one;
- every other path the model read or asked about (``Project.inputs``): its size and time, or
  that it was absent;
- a key: plugin version and the size and time of each of its modules (an edited checkout
  invalidates it), store format, Python minor, the project root and the whole configuration.

A stored evaluation is used only when all of these match; otherwise the run judges afresh and
the store is rebuilt. Nothing is stored when an input changed during the run or was written in
the two seconds before it started (a later edit in the same clock tick could keep its size and
time: git's "racily clean" rule). Findings, reasons and notes are stored redacted, so a secret
the report would mask never reaches the cache folder. JSON, never pickle: the folder sits in
the audited repository. ``--cache-clear`` removes it with the rest of pytest's cache.

Per-file facts behind the first, cold run are :mod:`pytest_kabul.project.records`; this layer
sits above them and answers a whole check at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest_kabul
from pytest_kabul.model import Finding, Location
from pytest_kabul.project.core import Project
from pytest_kabul.redact import REDACTOR, redact
from pytest_kabul.registry import Check, Evaluation

FORMAT = 1  # bump when the stored layout changes meaning
FILENAME = "evaluations.json"
_RACY_NS = 2_000_000_000
Stat = list[int] | None  # [size, mtime_ns], [-1, mtime_ns] for a folder, None: absent


def _stat(path: str) -> Stat:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [-1 if os.path.isdir(path) else st.st_size, st.st_mtime_ns]


def _code_stamp() -> str:
    """Size and time of every module of the plugin: an edited checkout is new code."""
    package = Path(pytest_kabul.__file__).parent
    h = hashlib.blake2b(digest_size=16)
    for path in sorted(package.rglob("*.py")):
        st = path.stat()
        h.update(f"{path.relative_to(package)}\t{st.st_size}\t{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _key(project: Project) -> str:
    h = hashlib.blake2b(digest_size=16)
    parts = (
        pytest_kabul.__version__,
        str(FORMAT),
        f"py{sys.version_info[0]}.{sys.version_info[1]}",
        str(project.root),
        repr(project.config),
        _code_stamp(),
    )
    h.update("\0".join(parts).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


class _Index:
    """The walked files, stat'ed, and the names in each folder holding one: one digest and the
    newest file time. ``outputs`` (reports this session writes) are left out: whether the
    previous run's report is there must not make this run judge afresh."""

    def __init__(self, project: Project, outputs: frozenset[str]) -> None:
        root = str(project.root)
        h = hashlib.blake2b(digest_size=16)
        newest = 0
        folders: set[str] = {""}
        files = project.files
        for rel in sorted(files):
            parts = rel.split("/")[:-1]
            folders.update("/".join(parts[:depth]) for depth in range(1, len(parts) + 1))
            if rel in outputs:
                continue
            stat = _stat(os.path.join(root, rel))
            h.update(f"{rel}\t{stat}\n".encode("utf-8", "surrogatepass"))
            if stat is not None:
                newest = max(newest, stat[1])
        for rel in sorted(files.templates):
            h.update(f"template\t{rel}\n".encode("utf-8", "surrogatepass"))
        for rel in sorted(folders):
            prefix = f"{rel}/" if rel else ""
            try:
                names = sorted(os.listdir(os.path.join(root, rel) if rel else root))
            except OSError:
                names = ["<unreadable>"]
            names = [name for name in names if prefix + name not in outputs]
            listing = "\0".join(names)
            h.update(f"{rel}/\t{listing}\n".encode("utf-8", "surrogatepass"))
        self.digest = h.hexdigest()
        self.newest_ns = newest


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
        self._inputs: dict[str, Stat] = {}  # other paths read, as they were
        self._new: dict[str, Evaluation] = {}
        self._index: _Index | None = None
        self._started_ns = time.time_ns()
        self._key = ""
        if self.path is not None:
            self._key = _key(project)
            _ = self.index  # the tree as it is before anything is judged
            self._load()

    def _load(self) -> None:
        assert self.path is not None
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if not isinstance(data, dict) or data.get("key") != self._key:
            return
        inputs = data.get("inputs")
        stored = data.get("evaluations")
        if not isinstance(inputs, dict) or not isinstance(stored, dict):
            return
        if data.get("index") != self.index.digest:
            return
        root = str(self.project.root)
        if any(_stat(os.path.join(root, rel)) != stat for rel, stat in inputs.items()):
            return
        self._inputs = inputs
        self._stored = stored

    @property
    def index(self) -> _Index:
        if self._index is None:
            self._index = _Index(self.project, self.outputs)
        return self._index

    def evaluate(self, check: Check) -> Evaluation:
        if not check.files_only:
            return check.evaluate(self.project)
        return self._get(f"evaluate:{check.code}", lambda: check.evaluate(self.project))

    def list_subjects(self, check: Check) -> Evaluation:
        if not check.files_only:
            return check.list_subjects(self.project)
        return self._get(f"list:{check.code}", lambda: check.list_subjects(self.project))

    def _get(self, key: str, compute: Callable[[], Evaluation]) -> Evaluation:
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

    def save(self) -> None:
        """Store what this run judged, unless an input changed during the run or just before
        it (then the next run judges afresh). Written atomically: xdist workers may race."""
        fresh = {k: v for k, v in self._new.items() if k not in self._stored}
        if self.path is None or not fresh:
            return
        before = self.index
        after = _Index(self.project, self.outputs)
        limit = self._started_ns - _RACY_NS
        read = self.project.inputs()
        if after.digest != before.digest or before.newest_ns > limit or read & self.outputs:
            return
        root = str(self.project.root)
        inputs = dict(self._inputs)
        for rel in sorted(read - set(self.project.files)):
            if self.project.is_outside(rel):
                continue  # refused, never read: the result does not depend on it
            stat = _stat(os.path.join(root, rel))
            if stat is not None and stat[1] > limit:
                return
            inputs[rel] = stat
        stored = dict(self._stored)
        stored.update((k, dump(v)) for k, v in fresh.items())
        data = {"key": self._key, "index": before.digest, "inputs": inputs, "evaluations": stored}
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".evaluations-")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out, separators=(",", ":"))
            os.replace(tmp, self.path)
