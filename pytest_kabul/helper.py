"""A second process judges part of the static checks of a large project while this one judges
the rest.

A cold run on a large tree spends most of its time building the project model, and the models
behind the storage, migration and scaling checks (SQLAlchemy models and image flow, start paths
and migration graphs, rate limiters and task queues) share little with those behind the
dependency and settings checks. So when a session judges a project of :data:`MIN_FILES` Python
files or more with more than one job (``--kabul-jobs``), :class:`Helper` forks one process at the
start of collection that evaluates the selected static checks of :data:`HELPER_AREAS` (their
subject listings too, for checks that defer their evaluation) and ships back the evaluations,
never a model: the parent meanwhile judges the other checks, and takes the helper's evaluations
when it first asks for one of them.

The result is the serial run's: the helper runs the same code on a copy of the same project. It
also ships the problems its models recorded (KAB001 reports them with the parent's own), every
path it read (the evaluation store vouches for them on the next run) and the facets it built
(KAB001's pass over every facet does not build those again). A check that raised in the helper
is judged again in the parent, which reports the error as a serial run does; a helper that dies
(killed, out of memory) leaves every check to the parent. The helper computes serially (no
nested pool), ignores Ctrl-C and the clean-up signals (the parent owns the services), and is
never used in a process running other threads (see :mod:`~pytest_kabul.project.python.prefetch`).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from pytest_kabul.model import Area, Tier
from pytest_kabul.project.core import Problem, Project
from pytest_kabul.project.python.prefetch import can_fork, quiet
from pytest_kabul.registry import REGISTRY, Check, Evaluation

HELPER_AREAS = frozenset({Area.STORAGE, Area.MIGRATIONS, Area.SCALING})
MIN_FILES = 200  # below this, the model is built in well under a second: not worth a fork


@dataclass(frozen=True)
class Judged:
    """What the helper shipped back."""

    evaluations: dict[str, Evaluation]  # "evaluate:KAB601", "list:KAB601" -> evaluation
    problems: frozenset[Problem]
    inputs: frozenset[str]
    facets: frozenset[str]


def helped(checks: Iterable[Check]) -> list[Check]:
    """The checks a helper would judge: static checks of :data:`HELPER_AREAS` whose evaluation
    depends on the files only (what the evaluation store holds)."""
    return [c for c in checks if c.tier is Tier.STATIC and c.files_only and c.area in HELPER_AREAS]


def keys_of(checks: Iterable[Check]) -> list[str]:
    """The evaluation keys the parent will ask for (``list:`` too where a check defers)."""
    out: list[str] = []
    for check in checks:
        if check.deferred:
            out.append(f"list:{check.code}")
        out.append(f"evaluate:{check.code}")
    return out


class Helper:
    """One forked process judging ``keys``; :meth:`join` waits for what it judged.

    A bare forked process and a pipe, not a pool: a pool runs a manager thread in this process,
    and a process running threads must not fork (the prefetch workers would then be refused)."""

    def __init__(self, project: Project, keys: list[str]) -> None:
        self.keys = frozenset(keys)
        context = multiprocessing.get_context("fork")
        self._receive, send = context.Pipe(duplex=False)
        self._process: BaseProcess | None = context.Process(
            target=_run, args=(project, keys, send), daemon=True, name="kabul-helper"
        )
        try:
            self._process.start()
        except OSError:
            self._process = None
        send.close()  # the child holds its end: a dead child reads as end of file here

    @classmethod
    def start(cls, project: Project, checks: Iterable[Check]) -> Helper | None:
        """A helper for ``checks`` (see :func:`helped`), or None where none is worth it."""
        if project.jobs <= 1 or not can_fork():
            return None
        keys = keys_of(helped(checks))
        if not keys or len(project.files.suffix(".py")) < MIN_FILES:
            return None
        return cls(project, keys)

    def join(self) -> Judged | None:
        """What the helper judged, or None if it failed (the parent then judges everything)."""
        judged: Judged | None = None
        if self._process is not None:
            try:
                received = self._receive.recv()
            except Exception:  # it died before or while sending (EOF, a truncated pickle)
                received = None
            judged = received if isinstance(received, Judged) else None
        self.close()
        return judged

    def close(self) -> None:
        """Stop the helper if it still runs (a session that ends early) and reap it."""
        process, self._process = self._process, None
        if process is not None:
            if process.is_alive() and process.exitcode is None:
                process.join(timeout=0.2)
            if process.is_alive():
                process.kill()
            process.join()
        self._receive.close()


def _run(project: Project, keys: list[str], send: Connection) -> None:
    quiet()
    try:
        send.send(_judge(project, keys))
    except Exception:  # nothing sent: the parent judges it all, and reports errors
        pass  # (silently here: a traceback printed by this process could quote project data)
    finally:
        send.close()


def _judge(project: Project, keys: list[str]) -> Judged:
    project.jobs = 1  # the helper is one of the jobs: no pool of its own
    out: dict[str, Evaluation] = {}
    for key in keys:
        kind, code = key.split(":", 1)
        check = REGISTRY[code]
        try:
            out[key] = check.list_subjects(project) if kind == "list" else check.evaluate(project)
        except Exception:  # judged again by the parent, which reports it
            continue
    return Judged(
        out, frozenset(project.problems), project.inputs(), frozenset(project.facets_built())
    )
