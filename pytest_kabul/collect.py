"""Turning check evaluations into real ``pytest.Function`` items.

One item per (check, subject): ``KAB101[backend:sentry-sdk]``. Items are real Functions, so
fixtures, marks, ``-k``, ``--lf``, xdist, junitxml and pytest-html all work. A failing item
renders its findings (one line each plus ``fix:``), never a plugin traceback.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from pytest_kabul.errors import (
    CheckSkipped,
    KabulFailed,
    KabulInternalError,
    SafetyError,
    ServiceUnavailable,
)
from pytest_kabul.evaluations import Evaluations
from pytest_kabul.gate import Decision, Outcome, State
from pytest_kabul.links import check_url
from pytest_kabul.model import Finding
from pytest_kabul.payload import ItemPayload
from pytest_kabul.project.core import Project
from pytest_kabul.redact import REDACTOR, redact
from pytest_kabul.registry import Check, Evaluation

# One JUnit XML property per finding (``--junitxml``), readable without parsing JSON.
FINDING_PROPERTY = "kabul_finding"
_UNSAFE = re.compile(r"\s+")


_STATE_NOTE = {
    State.BELOW_LEVEL: "below fail-level, not failing",
    State.KNOWN: "known in baseline, not failing",
    State.WAIVED: "waived",
}


def finding_tag(finding: Finding, state: State | None = None) -> str:
    note = _STATE_NOTE.get(state) if state is not None else None
    return f"[{finding.severity.label}; {note}]" if note else f"[{finding.severity.label}]"


def render_findings(
    findings: Iterable[Finding], decision: Decision | None = None, *, docs_url: str | None = None
) -> str:
    lines: list[str] = []
    if decision is not None and (expiry := decision.expiry_message()):
        lines.append(expiry)
    states = decision.states if decision is not None else ()
    for index, finding in enumerate(findings):
        state = states[index] if index < len(states) else None
        lines.append(f"{finding.headline()} {finding_tag(finding, state)}")
        lines.append(f"  fix: {finding.remediation}")
        lines.append(f"  docs: {check_url(finding.code, docs_url)}")
        for block in finding.evidence:
            lines.append(f"  {block.title}:")
            lines.extend(f"    {line}" for line in block.text.rstrip().splitlines())
    return "\n".join(lines)


class KabulCollector(pytest.Collector):
    """The parent of every readiness item, so their ids read ``kabul::KAB101[backend:x]``.

    Its children are one :class:`KabulCheckCollector` per selected check, collected by pytest's
    own ``genitems``: every item is counted in ``collected N items`` and ``--co``, and the
    terminal's "collecting ..." counter moves check by check.
    """

    factory: ItemFactory
    checks: tuple[Check, ...] = ()

    def collect(self) -> list[pytest.Item | pytest.Collector]:
        return [KabulCheckCollector.from_check(self, check, self.factory) for check in self.checks]


class KabulCheckCollector(pytest.Collector):
    """The items of one check. It shares the ``kabul`` node id with its parent, so an item id
    stays ``kabul::KAB101[backend:x]`` (what FAILED lines, ``--lf`` and reruns name)."""

    kabul_check: Check
    factory: ItemFactory

    @classmethod
    def from_check(
        cls, parent: KabulCollector, check: Check, factory: ItemFactory
    ) -> KabulCheckCollector:
        node = cls.from_parent(parent, name=check.code, nodeid=parent.nodeid)
        node.kabul_check = check
        node.factory = factory
        return node

    def collect(self) -> list[pytest.Item | pytest.Collector]:
        return list(self.factory.items_for(self.kabul_check, self))


class KabulItem(pytest.Function):
    """A readiness check item; ``kabul_check`` and ``kabul_subject`` identify it."""

    kabul_check: Check
    kabul_subject: str | None
    kabul_docs_url: str | None = None

    def repr_failure(  # type: ignore[override]  # pytest 9.2 dropped `style` here
        self, excinfo: pytest.ExceptionInfo[BaseException]
    ) -> str | Any:
        if isinstance(excinfo.value, KabulFailed):
            return redact(
                render_findings(
                    excinfo.value.findings, excinfo.value.decision, docs_url=self.kabul_docs_url
                )
            )
        if isinstance(excinfo.value, KabulInternalError):
            return redact(str(excinfo.value))
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        # pytest places a skip raised inside a fixture at the item's location and asserts it
        # has a line number: a readiness item has no source line of its own, so line 0.
        return self.path, 0, self.name


def _structure_id(item: pytest.Item) -> None:
    """Give the id the structure a parsed id string has (``names=(code,), params=subject``).

    pytest >= 9.2 compares structured node ids (``--lf`` matches ``item.id`` against ids parsed
    from the cache); an item built without a callspec would keep ``[subject]`` inside its name
    and never match. Older pytest has no structured ids and needs nothing.
    """
    try:
        from _pytest.nodeid import coerce_node_id
    except ImportError:  # pragma: no cover - pytest < 9.2
        return
    item._id = coerce_node_id(str(item._id))


_PATHLIKE = re.compile(r"[\w.@+/-]*[\w@+-]\.[\w.-]*\w|[\w.@+-]+/[\w.@+/-]+")


def skip_location(project: Project, subject: str | None, reason: str) -> str | None:
    """The project file a skip reason is about: the last file it names (reasons read "<what>
    ...: <file> sets ..."), else the file the subject names (``docker-compose.yml:db``), else
    ``None`` (the whole project: no compose file at all)."""
    files = project.files
    tokens = (str(token).removeprefix("./").rstrip(".") for token in _PATHLIKE.findall(reason))
    named = [token for token in tokens if token in files]
    if named:
        return named[-1]
    head = (subject or "").split(":", 1)[0]
    return head if head in files else None


def item_name(check: Check, subject: str | None) -> str:
    if subject is None:
        return check.code
    return f"{check.code}[{_UNSAFE.sub('_', subject)}]"


def record(item: pytest.Item, payload: ItemPayload) -> None:
    item.user_properties.append(payload.user_property())


class ItemFactory:
    """Builds the items for one session; ``gate`` decides which findings fail an item."""

    def __init__(
        self,
        project: Project,
        *,
        gate: Callable[[Check, str | None, tuple[Finding, ...]], Decision],
        require_live: bool,
        evaluations: Evaluations | None = None,
    ) -> None:
        self.project = project
        # Evaluations kept between runs (an unchanged tree is not judged again).
        self.evaluations = evaluations or Evaluations(project, None)
        self.gate = gate
        self.require_live = require_live
        # Deferred evaluations (``Check.deferred``), once per process: the first item of a
        # check to run pays for it, its siblings read the cache.
        self._evaluations: dict[str, Evaluation | KabulInternalError] = {}

    def _internal_error(self, check: Check) -> KabulInternalError:
        detail = traceback.format_exc(limit=-6)
        return KabulInternalError(
            f"internal error in {check.code} {check.name} (a bug in pytest-kabul; the other"
            f" checks are unaffected):\n{detail}"
        )

    def evaluated(self, check: Check) -> Evaluation:
        """The check's evaluation, computed at most once per process (call phase)."""
        cached = self._evaluations.get(check.code)
        if cached is None:
            try:
                cached = self.evaluations.evaluate(check)
            except Exception:
                cached = self._internal_error(check)
            self._evaluations[check.code] = cached
        if isinstance(cached, KabulInternalError):
            raise KabulInternalError(str(cached))
        return cached

    def items_for(self, check: Check, parent: pytest.Collector) -> list[pytest.Item]:
        deferred = check.deferred
        try:
            listing = (
                self.evaluations.list_subjects(check)
                if deferred
                else self.evaluations.evaluate(check)
            )
        except Exception:
            error = self._internal_error(check)
            return [self._make(parent, check, None, self._raiser(check, error))]
        if listing.not_applicable is not None:
            skipper = self._skipper(check, None, listing.not_applicable)
            return [self._make(parent, check, None, skipper)]
        judge: Callable[[], Evaluation] = (
            (lambda: self.evaluated(check)) if deferred else (lambda: listing)
        )
        # A deferred evaluation's findings for subjects the listing missed go to the first
        # judged item (never lost); a complete listing leaves it none.
        listed = frozenset(listing.subjects)
        first = listing.subjects[0] if listing.subjects else None
        items: list[pytest.Item] = []
        for subject in listing.subjects:
            extra = listed if deferred and subject == first else None
            body = self._body(check, subject, judge, unlisted_of=extra)
            items.append(self._make(parent, check, subject, body))
        for subject, reason in listing.skipped.items():
            items.append(self._make(parent, check, subject, self._skipper(check, subject, reason)))
        if not items:
            items.append(self._make(parent, check, None, self._body(check, None, judge)))
        return sorted(items, key=lambda i: i.name)

    def _make(
        self, parent: pytest.Collector, check: Check, subject: str | None, fn: Callable[..., None]
    ) -> pytest.Item:
        item = KabulItem.from_parent(parent, name=item_name(check, subject), callobj=fn)
        _structure_id(item)
        item.kabul_check = check
        item.kabul_subject = subject
        item.kabul_docs_url = self.project.config.docs_url
        item.add_marker(pytest.mark.kabul)
        if check.live:
            item.add_marker(pytest.mark.kabul_live)
        return item

    def _raiser(self, check: Check, exc: Exception) -> Callable[..., None]:
        def kabul_check(request: pytest.FixtureRequest) -> None:
            masked = type(exc)(redact(str(exc)))
            payload = ItemPayload(code=check.code, subject=None, area=check.area, error=str(masked))
            record(request.node, payload)
            raise masked

        return kabul_check

    def _skipper(self, check: Check, subject: str | None, reason: str) -> Callable[..., None]:
        def kabul_check(request: pytest.FixtureRequest) -> None:
            masked = redact(reason)  # at run time: the redactor has learnt the project's values
            payload = ItemPayload(code=check.code, subject=subject, area=check.area, skipped=masked)
            record(request.node, payload)
            pytest.skip(f"{check.code}: {masked}")

        return kabul_check

    def _body(
        self,
        check: Check,
        subject: str | None,
        judge: Callable[[], Evaluation],
        *,
        unlisted_of: frozenset[str] | None = None,
    ) -> Callable[..., None]:
        def kabul_check(request: pytest.FixtureRequest) -> None:
            item = request.node
            observed: str | None = None
            try:
                evaluation = judge()
            except KabulInternalError as exc:
                record(item, ItemPayload(code=check.code, subject=subject, area=check.area,
                                         error=redact(str(exc))))  # fmt: skip
                raise KabulInternalError(redact(str(exc))) from None
            reason = evaluation.not_applicable or evaluation.skipped.get(subject or "")
            if reason is not None:  # a deferred evaluation found this subject cannot be judged
                self._skipper(check, subject, reason)(request)
            if check.live and subject is not None:
                findings, observed = self._run_live(request, check, subject)
            elif subject is None:
                findings = evaluation.findings
            else:
                findings = evaluation.findings_for(subject)
                if unlisted_of is not None:
                    findings += tuple(
                        f for f in evaluation.findings if f.subject not in unlisted_of
                    )
            findings = REDACTOR.findings(findings)  # every writer reads these: mask secrets once
            note = evaluation.notes.get(subject or "")
            note = redact(note) if note else note
            decision = self.gate(check, subject, findings)
            record(
                item,
                ItemPayload(
                    code=check.code,
                    subject=subject,
                    area=check.area,
                    findings=findings,
                    note=note,
                    states=decision.states,
                    fingerprints=decision.fingerprints,
                    waiver=decision.waiver.to_dict() if decision.waiver else None,
                    observed=observed,
                ),
            )
            record_finding_properties(item, findings, decision)
            if decision.outcome is Outcome.WAIVED:
                pytest.skip(decision.skip_reason(check.code))
            if decision.outcome is Outcome.FAIL:
                raise KabulFailed(findings, decision)

        return kabul_check

    def _run_live(
        self, request: pytest.FixtureRequest, check: Check, subject: str
    ) -> tuple[tuple[Finding, ...], str | None]:
        """Run a live check; a check that could not run here is recorded, then skipped (or an
        error under --kabul-require-live), so every report shows it with its reason."""
        reason: str
        try:
            services = {name: request.getfixturevalue(name) for name in check.fixtures}
            result = check.run_live(self.project, subject, services)
            return result.findings, result.observed
        except ServiceUnavailable as exc:
            reason = str(exc)
        except CheckSkipped as exc:
            reason = str(exc)
        except pytest.skip.Exception as exc:  # a fixture skipped (service unavailable)
            reason = str(exc.msg)
        except pytest.fail.Exception as exc:  # a fixture failed under --kabul-require-live
            reason = str(exc.msg).removeprefix("live service unavailable: ")
        except SafetyError as exc:
            message = f"{check.code}: SAFETY: {exc}"
            record(request.node, ItemPayload(code=check.code, subject=subject,
                                             area=check.area, error=message))  # fmt: skip
            raise KabulInternalError(message) from None
        except Exception:
            message = (
                f"internal error in {check.code} {check.name} live run (a bug in pytest-kabul):"
                f"\n{traceback.format_exc(limit=-6)}"
            )
            record(request.node, ItemPayload(code=check.code, subject=subject,
                                             area=check.area, error=message))  # fmt: skip
            raise KabulInternalError(message) from None
        reason = reason.removeprefix(f"{check.code}: ")
        item = request.node
        if self.require_live:
            message = f"{check.code}: could not run here: {reason}"
            record(item, ItemPayload(code=check.code, subject=subject, area=check.area,
                                     error=message, not_run=True))  # fmt: skip
            pytest.fail(redact(message), pytrace=False)
        record(item, ItemPayload(code=check.code, subject=subject, area=check.area,
                                 skipped=reason, not_run=True))  # fmt: skip
        pytest.skip(redact(f"{check.code}: {reason}"))


def record_finding_properties(
    item: pytest.Item, findings: tuple[Finding, ...], decision: Decision
) -> None:
    """One ``kabul_finding`` user property per finding; junitxml writes them as properties."""
    for index, finding in enumerate(findings):
        state = decision.states[index] if index < len(decision.states) else None
        value = f"{finding.headline()} {finding_tag(finding, state)} fix: {finding.remediation}"
        item.user_properties.append((FINDING_PROPERTY, redact(value)))
