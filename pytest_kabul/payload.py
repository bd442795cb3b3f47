"""The per-item record a readiness item carries in its ``user_properties``.

``collect.py`` writes one :class:`ItemPayload` per item; the session plugin and the pytest-html
hooks read it back from the test report (``report/results.py`` turns it into an ``ItemResult``).
It crosses xdist workers inside ``user_properties``, which must stay JSON-serialisable, so it
is stored as a JSON string under the ``kabul`` key: :meth:`ItemPayload.to_json` and
:meth:`ItemPayload.from_json` are the only places that know the wire form.

Three shapes share the record: a judged item (findings, their gate states, fingerprints and a
waiver), a skipped item (``skipped``: the reason) and a crashed check (``error``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pytest_kabul.gate import State
from pytest_kabul.model import Area, Finding

USER_PROPERTY = "kabul"


@dataclass(frozen=True, kw_only=True)
class ItemPayload:
    code: str
    subject: str | None
    area: Area
    findings: tuple[Finding, ...] = ()
    note: str | None = None
    # The gate's decision (see pytest_kabul.gate), parallel to ``findings``.
    states: tuple[State, ...] = ()
    fingerprints: tuple[str, ...] = ()
    waiver: Mapping[str, Any] | None = None  # ``WaiverHit.to_dict()``
    skipped: str | None = None
    error: str | None = None
    # A live check that could not run here (a service or the project's environment was
    # missing): a skip, or an error under --kabul-require-live. The verdict counts these.
    not_run: bool = False
    # What a passing live item observed ("refused to start: log names STRIPE_KEY").
    observed: str | None = None

    def to_dict(self) -> dict[str, Any]:
        head: dict[str, Any] = {"code": self.code, "subject": self.subject}
        if self.not_run:
            head["not_run"] = True
        if self.error is not None:
            return {**head, "error": self.error, "area": self.area.value}
        if self.skipped is not None:
            return {**head, "skipped": self.skipped, "area": self.area.value}
        if self.observed is not None:
            head["observed"] = self.observed
        return {
            **head,
            "findings": [f.to_dict() for f in self.findings],
            "note": self.note,
            "area": self.area.value,
            "states": [s.value for s in self.states],
            "fingerprints": list(self.fingerprints),
            "waiver": dict(self.waiver) if self.waiver is not None else None,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ItemPayload:
        return cls(
            code=data["code"],
            subject=data.get("subject"),
            area=Area(data["area"]),
            findings=tuple(Finding.from_dict(f) for f in data.get("findings", [])),
            note=data.get("note"),
            states=tuple(State(s) for s in data.get("states", ())),
            fingerprints=tuple(data.get("fingerprints", ())),
            waiver=data.get("waiver"),
            skipped=data.get("skipped"),
            error=data.get("error"),
            not_run=bool(data.get("not_run", False)),
            observed=data.get("observed"),
        )

    @classmethod
    def from_json(cls, text: str) -> ItemPayload:
        return cls.from_dict(json.loads(text))

    @classmethod
    def find(cls, user_properties: Iterable[tuple[str, object]]) -> ItemPayload | None:
        """The payload among a report's ``user_properties``, if the item is a readiness item."""
        for key, value in user_properties:
            if key == USER_PROPERTY:
                return cls.from_json(str(value))
        return None

    def user_property(self) -> tuple[str, str]:
        return (USER_PROPERTY, self.to_json())
