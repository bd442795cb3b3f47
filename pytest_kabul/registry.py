"""Checks register themselves here (django-upgrade's ``Fixer`` pattern).

A check module creates one module-level :class:`Check` and decorates its evaluator::

    check = Check(code="KAB101", name="python-import-undeclared", area=Area.DEPENDENCIES,
                  severity=Severity.ERROR, summary="...", doc=__doc__)

    @check.evaluator
    def evaluate(project: Project) -> Evaluation: ...

A static evaluator runs once per session and returns every subject it looked at plus the
findings; the pytest layer turns each subject into one test item. A live check also declares
``@check.live_runner(fixtures=(...))``: its evaluator only lists subjects (cheap, no services),
and the runner is called per subject at test time with the requested fixtures.

A static check whose subjects are cheaper to list than to judge also declares
``@check.subject_lister``: collection then only lists (``Evaluation.build(subjects=...)``,
``skipped``, or ``Evaluation.skip``), and the evaluator runs in the call phase of the check's
first item, once per process (so ``--durations`` and JUnit times show the check's real cost).
The evaluator must judge exactly the listed subjects; a finding for a subject it did not list
is still reported, by the check's first item.

This module never imports pytest.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_kabul.model import Area, Finding, Severity, Tier, sorted_findings

if TYPE_CHECKING:
    from pytest_kabul.project.core import Project

CODE_RE = re.compile(r"^KAB\d{3}$")


@dataclass(frozen=True, kw_only=True)
class Evaluation:
    """What a check looked at and what it found.

    ``subjects`` are everything checked (a passing subject is a real, checked pass);
    ``skipped`` maps subjects that could not be judged to a reason; ``notes`` explains why a
    passing subject passes where that is not obvious; ``not_applicable`` skips the whole check.
    """

    subjects: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    skipped: Mapping[str, str] = field(default_factory=dict)
    notes: Mapping[str, str] = field(default_factory=dict)
    not_applicable: str | None = None

    @classmethod
    def build(
        cls,
        subjects: Iterable[str] = (),
        findings: Iterable[Finding] = (),
        *,
        skipped: Mapping[str, str] | None = None,
        notes: Mapping[str, str] | None = None,
    ) -> Evaluation:
        found = sorted_findings(tuple(findings))
        skip = dict(sorted((skipped or {}).items()))
        all_subjects = set(subjects) | {f.subject for f in found}
        return cls(
            subjects=tuple(sorted(all_subjects - set(skip))),
            findings=found,
            skipped=skip,
            notes=dict(sorted((notes or {}).items())),
        )

    @classmethod
    def skip(cls, reason: str) -> Evaluation:
        return cls(not_applicable=reason)

    def findings_for(self, subject: str) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.subject == subject)


@dataclass(frozen=True)
class LiveResult:
    """What a live runner saw: its findings and, for a pass, what happened (shown in reports)."""

    findings: tuple[Finding, ...] = ()
    observed: str | None = None


Evaluator = Callable[["Project"], Evaluation]
LiveRunner = Callable[["Project", str, Mapping[str, Any]], "Sequence[Finding] | LiveResult"]


class Check:
    """A check in the catalogue. Codes are unique and never reused."""

    def __init__(
        self,
        *,
        code: str,
        name: str,
        area: Area,
        severity: Severity,
        summary: str,
        doc: str | None = None,
        tier: Tier = Tier.STATIC,
        opt_in: bool = False,
        files_only: bool = True,
    ) -> None:
        if not CODE_RE.match(code):
            raise ValueError(f"check code {code!r} is not of the form KAB123")
        if code in REGISTRY:
            raise ValueError(f"check code {code} registered twice")
        self.code = code
        self.name = name
        self.area = area
        self.severity = severity
        self.summary = summary
        self.doc = (doc or "").strip()
        self.tier = tier
        self.opt_in = opt_in
        # The evaluation depends on the project's files alone, so the evaluation store
        # (``evaluations.py``) may keep it; False for one that reads more (git history).
        self.files_only = files_only
        self.fixtures: tuple[str, ...] = ()
        self._evaluator: Evaluator | None = None
        self._runner: LiveRunner | None = None
        self._lister: Evaluator | None = None
        REGISTRY[code] = self

    def __repr__(self) -> str:
        return f"<Check {self.code} {self.name}>"

    @property
    def live(self) -> bool:
        return self.tier is Tier.LIVE

    @property
    def source(self) -> str:
        """The check module as a repository path, e.g. ``pytest_kabul/checks/x/y.py``."""
        evaluator = getattr(self, "_evaluator", None)  # unregistered demo checks have none
        return evaluator.__module__.replace(".", "/") + ".py" if evaluator is not None else ""

    def evaluator(self, fn: Evaluator) -> Evaluator:
        self._evaluator = fn
        return fn

    def subject_lister(self, fn: Evaluator) -> Evaluator:
        self._lister = fn
        return fn

    @property
    def deferred(self) -> bool:
        """Collection lists this static check's subjects; its evaluator runs at call time."""
        return self._lister is not None and not self.live

    def list_subjects(self, project: Project) -> Evaluation:
        if self._lister is None:
            raise RuntimeError(f"{self.code} has no subject lister")
        return self._lister(project)

    def live_runner(self, *, fixtures: Sequence[str]) -> Callable[[LiveRunner], LiveRunner]:
        def register(fn: LiveRunner) -> LiveRunner:
            self._runner = fn
            self.fixtures = tuple(fixtures)
            return fn

        return register

    def evaluate(self, project: Project) -> Evaluation:
        if self._evaluator is None:
            raise RuntimeError(f"{self.code} has no evaluator")
        return self._evaluator(project)

    def run_live(self, project: Project, subject: str, services: Mapping[str, Any]) -> LiveResult:
        if self._runner is None:
            raise RuntimeError(f"{self.code} has no live runner")
        result = self._runner(project, subject, services)
        if isinstance(result, LiveResult):
            return LiveResult(sorted_findings(result.findings), result.observed)
        return LiveResult(sorted_findings(tuple(result)))

    def to_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "name": self.name,
            "area": self.area.value,
            "severity": self.severity.label,
            "tier": self.tier.value,
            "summary": self.summary,
        }


REGISTRY: dict[str, Check] = {}
_LOADED = False


def all_checks() -> tuple[Check, ...]:
    """Import every module under ``pytest_kabul.checks`` once and return the catalogue, sorted."""
    global _LOADED
    if not _LOADED:
        import pytest_kabul.checks as package

        for info in pkgutil.walk_packages(package.__path__, prefix=package.__name__ + "."):
            importlib.import_module(info.name)
        _LOADED = True
    return tuple(REGISTRY[code] for code in sorted(REGISTRY))


def matches(code: str, patterns: Iterable[str]) -> int:
    """Length of the longest pattern (a code or a prefix such as ``KAB2``) matching ``code``."""
    return max((len(p) for p in patterns if code.startswith(p)), default=-1)


def is_selected(code: str, select: Sequence[str], ignore: Sequence[str]) -> bool:
    """Longest match wins, ignore wins a tie; an empty select means everything ("KAB")."""
    chosen = matches(code, select or ("KAB",))
    return chosen >= 0 and chosen > matches(code, ignore)
