"""Import records of many files computed on several processes before a bulk scan asks for them.

The dependency scan reads the imports of every module of every runtime app. Most modules are
answered by the lexical scan (:mod:`~pytest_kabul.project.python.import_scan`); the rest are
parsed, and on a large tree that is seconds of CPU on one core. :func:`prefetch_imports`
hands the files whose imports are not known yet (no fresh per-file record) to forked workers,
which run the same :func:`~pytest_kabul.project.python.imports.imports_in` (and the other facts
a scan of every module asks: ``__main__``, a PEP 723 block, whether it may read the
environment) on their copy of the project and ship back the per-file *record* (those facts,
stat and digest: a few hundred bytes), never a syntax tree. The parent adopts the records as if
it had computed them, so every answer, cold, warm, serial or parallel, is the same.

A file whose reading or parsing reports a problem (unreadable, not UTF-8, a syntax error) comes
back without a record and is computed again in the parent, which reports it as a serial run
does. The pool is used only with more than one job (``--kabul-jobs``; one per usable CPU by
default), at least :data:`MIN_FILES` files to compute, the ``fork`` start method and no other
thread in the process (forking a threaded process can deadlock); otherwise nothing happens and
the scan computes each file when it asks, as it does for what a dead worker left. Workers
ignore Ctrl-C and the signals the live tier's clean-up handles (the parent owns the services).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from pytest_kabul.project.core import Project
from pytest_kabul.project.python.imports import imports_in, imports_known, mentions_main
from pytest_kabul.project.python.scripts import inline_script
from pytest_kabul.project.python.settings.readsites import may_read

MIN_FILES = 200  # below this, forking costs more than it saves
CHUNK = 64  # files per task: small enough to balance two workers, large enough to ship cheaply

_PROJECT: Project | None = None  # the project a forked worker computes for (inherited)


def usable_cpus() -> int:
    """CPUs this process may run on (a container's or taskset's limit, not the host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def prefetch_imports(project: Project, paths: Iterable[str]) -> int:
    """Compute the import records of ``paths`` (Python files) on ``project.jobs`` processes;
    the number of files whose record a worker computed (0 when the pool was not used)."""
    if project.jobs <= 1:
        return 0
    todo = [
        p
        for p in sorted(set(paths))
        if p.endswith(".py")
        and not imports_known(project, p)
        and project.records.get(p, "imports") is None
    ]
    if len(todo) < MIN_FILES or not can_fork():
        return 0
    chunks = [todo[i : i + CHUNK] for i in range(0, len(todo), CHUNK)]
    global _PROJECT
    _PROJECT = project
    adopted = 0
    # concurrent.futures, not multiprocessing.Pool: a worker that dies (killed, out of memory)
    # breaks the executor, where a Pool would wait for its lost task forever.
    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(min(project.jobs, len(chunks)), context, initializer=quiet)
    try:
        for results in pool.map(_work, chunks):
            for rel, record, packed in results:
                if record is not None:
                    project.records.adopt(rel, record)
                    adopted += 1
                if packed is not None:
                    project.adopt_text(rel, packed)
    except (BrokenProcessPool, OSError):
        pass  # a worker died, or no process could be started: the scan computes the rest itself
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _PROJECT = None
    return adopted


def quiet() -> None:
    """In a forked worker: Ctrl-C and the clean-up signals are the parent's to handle."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)


def _work(chunk: list[str]) -> list[tuple[str, dict[str, Any] | None, bytes | None]]:
    project = _PROJECT
    assert project is not None, "a prefetch worker runs only in a fork of the parent"
    out: list[tuple[str, dict[str, Any] | None, bytes | None]] = []
    for rel in chunk:
        before = project.problem_count
        imports_in(project, rel)  # the facts a scan of every module asks of each
        mentions_main(project, rel)
        inline_script(project, rel)
        may_read(project, rel)
        record = project.records.record(rel) if project.problem_count == before else None
        if record is None or "imports" not in record:
            out.append((rel, None, None))  # the parent computes it, and reports its problem
        else:  # the text too, compressed: the parent's scans read it again (settings classes)
            out.append((rel, record, project.packed_text(rel)))
        project.forget_text(rel)  # the worker keeps no texts
    return out
