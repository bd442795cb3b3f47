"""KAB201 env-read-outside-settings: configuration read from the environment, not from Settings.

What it checks
    Every environment read in an app's runtime code (``os.getenv``, ``os.environ[...]``/``.get``/
    ``.setdefault``/``.pop``, ``"X" in os.environ``, aliases such as ``from os import getenv`` or
    ``import os as _os``, python-decouple ``config("X")``, starlette ``Config``, environs /
    django-environ ``Env()``, and thin wrappers such as ``_env_int("X")`` followed across
    modules) that sits outside a pydantic-settings class. Names are resolved through literals,
    module constants (also imported ones), f-strings and ``+``. Test code and tooling folders are
    not judged (tests set the environment on purpose); ``alembic/env.py`` is runtime code.

    Subjects (chosen so the report shows what was checked, not only what failed): one per
    (app, variable) read outside Settings — failing, one finding listing every read site — plus
    one per top-level Settings field of the app under its primary env name, which passes when
    nothing reads that variable behind Settings' back. A read whose name cannot be resolved
    statically is its own failing finding under ``<app>:<unresolved>`` at the read's location.
    An app with no Settings class that reads nothing gets one passing subject ``<app>:*``.
    Three messages: the variable is not a field of any Settings class; a field exists but the
    code bypasses it; the app has no pydantic-settings class at all.

Why it matters
    A variable read with ``os.getenv`` and a hardcoded default is never validated: when it is
    missing in production the app starts and fails later, at runtime (the email is never sent).
    When a Settings field for the variable exists, the direct read also bypasses it: it misses
    values from the ``.env`` file Settings loads and the field's type and validators, so two
    parts of the app can see two different values.

Example
    ``KAB201 backend/app/services/email.py:12 SMTP_HOST is read from the environment at 2 sites
    but is not a field of any Settings class, so it is not validated at startup``

Fix
    Add a typed field to the app's Settings class (``smtp_host: str``) and read
    ``settings.smtp_host``; when the field already exists, replace the direct read with it.
"""

from __future__ import annotations

from collections import defaultdict

from pytest_kabul.model import Area, Evidence, Finding, Location, Severity
from pytest_kabul.project.core import Project
from pytest_kabul.project.python.apps import python_apps
from pytest_kabul.project.python.settings.classes import (
    SettingsClass,
    accepted_env,
    settings_classes,
)
from pytest_kabul.project.python.settings.envreads import EnvRead, outside_settings
from pytest_kabul.registry import Check, Evaluation

check = Check(
    code="KAB201",
    name="env-read-outside-settings",
    area=Area.SETTINGS,
    severity=Severity.ERROR,
    summary="An environment variable is read directly instead of through the Settings class.",
    doc=__doc__,
)

UNRESOLVED = "<unresolved>"


def main_settings(
    classes: tuple[SettingsClass, ...], configured: str | None = None
) -> SettingsClass | None:
    """The class new fields belong in: ``[tool.kabul] settings_class`` ("module:Class") when it
    names one of ``classes``, else one named ``Settings``, else the one with most fields."""
    if not classes:
        return None
    if configured:
        module, _, name = configured.rpartition(":")
        suffix = module.replace(".", "/") + ".py"
        for cls in classes:
            if cls.name == name and (not module or cls.path.endswith(suffix)):
                return cls
    return min(classes, key=lambda c: (c.name != "Settings", -len(c.fields), c.path, c.line))


def _site(read: EnvRead) -> str:
    via = f" via {' -> '.join(read.via)}" if read.via else ""
    where = f"in {read.function}(), " if read.function else ""
    return f"{read.location} `{read.kind.value}`{via} ({where}default: {read.default.value})"


def _variable_finding(
    app: str,
    variable: str,
    reads: list[EnvRead],
    classes: tuple[SettingsClass, ...],
    target: SettingsClass | None,
) -> Finding:
    first = reads[0]
    count = f"{len(reads)} site{'s' if len(reads) != 1 else ''}"
    match = accepted_env(classes, variable)
    if match is not None:
        cls, fld = match
        attr = fld.name
        message = (
            f"{cls.name}.{attr} ({cls.path}) exists but this code reads {variable} from the"
            f" environment directly at {count}, missing .env values and the field's validation"
        )
        remediation = (
            f"Replace the direct reads of {variable} with settings.{attr} (the {cls.name}"
            f" instance from {cls.path})."
        )
    elif target is not None:
        message = (
            f"{variable} is read from the environment at {count} but is not a field of any"
            " Settings class, so it is not validated at startup"
        )
        remediation = (
            f"Add a typed field for {variable} to {target.path}'s {target.name} and read"
            f" settings.{variable.lower()} instead of the environment."
        )
    else:
        message = (
            f"{variable} is read from the environment at {count} and app {app} has no"
            " pydantic-settings class, so no configuration is validated at startup"
        )
        remediation = (
            f"Introduce a pydantic-settings BaseSettings class in {app} with a typed field for"
            f" {variable}, instantiate it once at startup and read the value from it."
        )
    return Finding(
        code=check.code,
        severity=check.severity,
        subject=f"{app}:{variable}",
        message=message,
        remediation=remediation,
        location=Location(first.path, first.line),
        evidence=(Evidence(title="read sites", text="\n".join(_site(r) for r in reads)),),
    )


def _unresolved_finding(app: str, read: EnvRead, target: SettingsClass | None) -> Finding:
    where = (
        f"{target.path}'s {target.name}" if target else f"a new pydantic-settings class in {app}"
    )
    via = f" (through {' -> '.join(read.via)})" if read.via else ""
    return Finding(
        code=check.code,
        severity=check.severity,
        subject=f"{app}:{UNRESOLVED}",
        message=(
            f"an environment variable whose name cannot be determined statically"
            f" ({read.kind.value} of `{read.expression or '?'}`{via}) is read outside Settings,"
            " so it is not validated at startup"
        ),
        remediation=(
            f"Read this value through a typed field of {where}; if the name really is dynamic,"
            " declare every possible variable as a field."
        ),
        location=Location(read.path, read.line),
        evidence=(Evidence(title="read sites", text=_site(read)),),
    )


@check.evaluator
def evaluate(project: Project) -> Evaluation:
    apps = python_apps(project)
    if not apps:
        return Evaluation.skip("no Python app found")
    classes_by_app: dict[str, list[SettingsClass]] = defaultdict(list)
    for cls in settings_classes(project):
        if not cls.test_code:
            classes_by_app[cls.app].append(cls)
    reads_by_app: dict[str, dict[str, list[EnvRead]]] = defaultdict(lambda: defaultdict(list))
    unresolved: dict[str, list[EnvRead]] = defaultdict(list)
    tooling = {f for app in apps for f in app.tooling_files}  # code production never runs
    for read in outside_settings(project):
        if read.path in tooling:
            continue
        if not read.resolved:
            unresolved[read.app].append(read)
        for name in read.names:
            reads_by_app[read.app][name].append(read)
    subjects: list[str] = []
    findings: list[Finding] = []
    notes: dict[str, str] = {}
    for app in apps:
        classes = tuple(classes_by_app.get(app.name, ()))
        target = main_settings(classes, project.config.settings_class)
        for variable, reads in sorted(reads_by_app[app.name].items()):
            findings.append(_variable_finding(app.name, variable, sorted(reads), classes, target))
        for read in sorted(unresolved[app.name]):
            findings.append(_unresolved_finding(app.name, read, target))
        for cls in classes:
            for fld in cls.fields:
                if not fld.nested:
                    subjects.append(f"{app.name}:{fld.env_name}")
                    notes.setdefault(
                        f"{app.name}:{fld.env_name}",
                        f"read only through {cls.name}.{fld.name}",
                    )
        if not classes and not reads_by_app[app.name] and not unresolved[app.name]:
            subjects.append(f"{app.name}:*")
            notes[f"{app.name}:*"] = f"{app.name} reads no environment variable outside Settings"
    failing = {f.subject for f in findings}
    return Evaluation.build(
        subjects=subjects,
        findings=findings,
        notes={k: v for k, v in notes.items() if k not in failing},
    )
