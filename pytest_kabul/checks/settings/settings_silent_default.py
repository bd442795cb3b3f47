"""KAB202 settings-silent-default: a secret or integration setting silently defaults to empty.

What it checks
    Every field of every pydantic-settings class (v1 and v2, inherited and nested fields
    included) whose environment name looks like a secret or an integration endpoint —
    ``*_KEY``, ``*_SECRET``, ``*_TOKEN``, ``*_PASSWORD``/``*_PASS``/``*_PWD``, ``*_DSN``,
    ``*_URL``/``*_URI``, ``*_CREDENTIALS``, anything containing ``SECRET``/``TOKEN``/``PASSWORD``/
    ``API_KEY``, and any ``SMTP`` part (``SMTP_HOST``, ``APP_SMTP_USER``) — and that defaults
    to ``""`` or ``None`` (also ``Optional[X]`` without a default under pydantic v1) with no
    validator covering it (``@field_validator`` /
    ``@validator`` naming the field or ``"*"``, or a ``@model_validator`` / ``@root_validator``
    that mentions the field). One subject per such field, ``<app>:<ENV_NAME>``; it passes when
    the field is required, has a real default, or is validated. An optional integration
    endpoint (``*_URL``/``*_URI``/``*_ENDPOINT``, not a secret) defaulting to ``None`` passes
    when the app's code guards its absence (``if not settings.redis_url:``, ``if
    settings.s3_endpoint_url is None:``): absence is then intended. Test code is not judged.

Why it matters
    Settings exist to fail fast: a missing ``STRIPE_API_KEY`` should stop the app at startup
    with a clear error. With an empty default the app starts, looks healthy, and fails at
    runtime, on the first payment or email.

Example
    ``KAB202 backend/app/core/config.py:21 Settings.smtp_password (SMTP_PASSWORD) defaults to an
    empty string and no validator checks it``


Before
    ``requirements.txt``::

        fastapi
        pydantic-settings

    ``app/config.py``::

        from pydantic_settings import BaseSettings


        class Settings(BaseSettings):
            database_url: str
            stripe_secret_key: str = ""


        settings = Settings()

    ``app/main.py``::

        from fastapi import FastAPI

        from app.config import settings

        app = FastAPI()

After
    ``app/config.py``::

        from pydantic_settings import BaseSettings


        class Settings(BaseSettings):
            database_url: str
            stripe_secret_key: str  # required: startup fails without it


        settings = Settings()

Fix
    Make the field required (``smtp_password: SecretStr``), or add a validator that rejects the
    empty value when the integration is enabled.
"""

from __future__ import annotations

import re

from pytest_kabul.model import Area, Finding, Location, Severity
from pytest_kabul.project.core import Project
from pytest_kabul.project.python.apps import python_apps
from pytest_kabul.project.python.settings.classes import (
    SettingsClass,
    SettingsField,
    settings_classes,
)
from pytest_kabul.project.python.settings.syntax import DefaultKind
from pytest_kabul.registry import Check, Evaluation

check = Check(
    code="KAB202",
    name="settings-silent-default",
    area=Area.SETTINGS,
    severity=Severity.WARNING,
    summary="A secret or integration setting defaults to an empty value instead of failing.",
    doc=__doc__,
)

SUFFIXES = frozenset(
    {"KEY", "SECRET", "TOKEN", "PASSWORD", "PASSWD", "PASS", "PWD", "DSN", "URL", "URI"}
    | {"CREDENTIALS", "APIKEY", "WEBHOOK"}
)
CONTAINS = ("SECRET", "TOKEN", "PASSWORD", "API_KEY", "APIKEY", "PRIVATE_KEY")
INTEGRATIONS = frozenset({"SMTP"})  # any ``SMTP`` part, also behind an env_prefix
SILENT = frozenset({DefaultKind.EMPTY, DefaultKind.NONE})
ENDPOINTS = frozenset({"URL", "URI", "ENDPOINT"})


def optional_endpoint(env_name: str, fld: SettingsField) -> bool:
    name = env_name.upper()
    return (
        fld.default is DefaultKind.NONE
        and name.split("_")[-1] in ENDPOINTS
        and not any(w in name for w in CONTAINS)
    )


def _guarded(project: Project, app: str, attr: str) -> str | None:
    """The first place the app's code handles the field being absent, or None."""
    pattern = re.compile(
        rf"\bif\s+(?:not\s+)?[\w.()]*\.{re.escape(attr)}\b|\.{re.escape(attr)}\s+is\s+(?:not\s+)?None"
    )
    for found in python_apps(project):
        if found.name != app:
            continue
        for rel in found.runtime_files:
            text = project.read_text(rel) or ""
            if attr in text:
                m = pattern.search(text)
                if m:
                    return f"{rel}:{text.count(chr(10), 0, m.start()) + 1}"
    return None


def looks_sensitive(env_name: str) -> bool:
    """True for env names of secrets or integration endpoints (matched upper-cased)."""
    name = env_name.upper()
    parts = name.split("_")
    return (
        parts[-1] in SUFFIXES or any(w in name for w in CONTAINS) or bool(INTEGRATIONS & set(parts))
    )


def _finding(app: str, cls: SettingsClass, fld: SettingsField, env: str) -> Finding:
    what = "an empty string" if fld.default is DefaultKind.EMPTY else "None"
    return Finding(
        code=check.code,
        severity=check.severity,
        subject=f"{app}:{env}",
        message=(
            f"{cls.name}.{fld.name} ({env}) defaults to {what} and no validator checks it, so a"
            " missing value is only noticed at runtime"
        ),
        remediation=(
            f"Make {cls.name}.{fld.name} in {fld.path} required (no default), or add a"
            f' @field_validator("{fld.name.split(".")[-1]}") that rejects an empty value when'
            " the integration is enabled."
        ),
        location=Location(fld.path, fld.line),
    )


@check.evaluator
def evaluate(project: Project) -> Evaluation:
    classes = [c for c in settings_classes(project) if not c.test_code]
    if not classes:
        return Evaluation.skip("no pydantic-settings class found")
    subjects: list[str] = []
    findings: list[Finding] = []
    notes: dict[str, str] = {}
    seen: set[tuple[str, int, str]] = set()
    # An inherited field is judged once, under the class that declares it.
    pairs = sorted(
        ((cls, fld) for cls in classes for fld in cls.fields),
        key=lambda p: (
            p[1].path,
            p[1].line,
            p[1].name,
            p[0].path != p[1].path,
            p[0].path,
            p[0].line,
        ),
    )
    for cls, fld in pairs:
        key = (fld.path, fld.line, fld.name)
        sensitive = [n for n in fld.env_names if looks_sensitive(n)]
        if key in seen or not sensitive:
            continue
        seen.add(key)
        subject = f"{cls.app}:{sensitive[0]}"
        subjects.append(subject)
        if fld.default in SILENT and not fld.validated:
            guard = (
                _guarded(project, cls.app, fld.name.split(".")[-1])
                if optional_endpoint(sensitive[0], fld)
                else None
            )
            if guard is not None:
                notes[subject] = f"optional endpoint: its absence is handled at {guard}"
                continue
            findings.append(_finding(cls.app, cls, fld, sensitive[0]))
    if not subjects:
        return Evaluation.skip("no secret or integration field in any Settings class")
    return Evaluation.build(subjects=subjects, findings=findings, notes=notes)
