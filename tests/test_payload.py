"""The per-item payload survives its JSON wire form (it crosses xdist workers)."""

from __future__ import annotations

import json

from pytest_kabul.gate import State
from pytest_kabul.model import Area, Finding, Location, Severity
from pytest_kabul.payload import USER_PROPERTY, ItemPayload

FINDING = Finding(
    code="KAB101",
    severity=Severity.ERROR,
    subject="app:requests",
    message="requests is imported but not declared",
    remediation="declare it",
    location=Location("app/main.py", 3),
)


def test_judged_item_round_trips() -> None:
    payload = ItemPayload(
        code="KAB101",
        subject="app:requests",
        area=Area.DEPENDENCIES,
        findings=(FINDING,),
        states=(State.KNOWN,),
        fingerprints=("abc",),
        waiver=None,
    )
    key, value = payload.user_property()
    assert key == USER_PROPERTY
    assert ItemPayload.find([("other", "x"), (key, value)]) == payload
    assert json.loads(value)["states"] == ["known"]


def test_skip_and_error_shapes_keep_their_keys() -> None:
    skipped = ItemPayload(code="KAB201", subject="s", area=Area.SETTINGS, skipped="why")
    error = ItemPayload(code="KAB201", subject=None, area=Area.SETTINGS, error="boom")
    assert json.loads(skipped.to_json()) == {
        "area": "settings", "code": "KAB201", "skipped": "why", "subject": "s"
    }  # fmt: skip
    assert set(json.loads(error.to_json())) == {"area", "code", "error", "subject"}
    assert ItemPayload.from_json(skipped.to_json()) == skipped
    assert ItemPayload.from_json(error.to_json()) == error
    assert ItemPayload.find([("kabul_finding", "x")]) is None
