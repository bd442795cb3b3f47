"""KAB201 env-read-outside-settings: configuration read from the environment, not from Settings.

What it checks
    Every environment read in an app's runtime code (``os.getenv``, ``os.environ[...]``/``.get``,
    ``"X" in os.environ``, aliases such as ``from os import getenv`` or ``import os as _os``,
    python-decouple ``config("X")``, starlette ``Config``, environs / django-environ ``Env()``,
    and thin wrappers such as ``_env_int("X")`` followed across modules) that sits outside every
    settings layer of the app. A settings layer is a pydantic-settings class, a typed
    configuration class filled from the environment (a pydantic model or dataclass, a
    ``from_env()`` constructor), or an untyped configuration module (starlette ``Config``,
    decouple, environs, django-environ, dynaconf, or a plain ``config.py``/``configs/*.py`` of
    constants read from the environment; KAB204 reports those). Names are resolved through
    literals, module constants (also imported ones), f-strings and ``+``. Test code is not
    judged; ``alembic/env.py`` is runtime code.

    Not reads: writes (``setdefault``, ``os.environ[X] = …``, ``pop``, ``del``, ``putenv``,
    ``update``), a read in a function that also sets or removes the same variable (a
    save/restore around a call), and a notice test: a value only tested in ``if`` statements
    that tell the user something (``if os.environ.get("APP_PROFILE") == name: print(...)``) or
    compare it with a value the program holds (an override check), never used as a setting. A
    ``setdefault`` giving a variable a default is shown in the evidence of its reads. Skipped
    with the reason (``-rs``): names the platform, CI system, OS or interpreter sets
    (``HOSTNAME``, ``KUBERNETES_SERVICE_HOST``, ``GITHUB_SHA``, ``PYTHON*``…) and private hand-off
    variables the app sets itself for its child processes. A read only in an ``except`` fallback,
    an ``if __name__ == "__main__":`` block or an Alembic revision / data migration is a warning,
    with that reason in the message; so is a variable a Settings field declares when every read
    falls back to that field (``os.getenv("WORKERS") or settings.WORKERS``, ``os.getenv("X",
    settings.X)``): ``.env`` values still arrive through the field, and only a value set in the
    environment skips its validation.

    Subjects: one per (app, variable) read outside the layers — failing, one finding listing
    every read site — plus one per field of a typed layer under its env name, which passes when
    nothing reads that variable behind the layer's back. Reads whose name cannot be determined
    statically are one warning per app, ``<app>:<unresolved>``, listing the sites. An app with
    no settings layer that reads nothing gets one passing subject ``<app>:*``. Every message
    names the settings layer it compared against.

Why it matters
    A variable read with ``os.getenv`` and a hardcoded default is never validated: when it is
    missing in production the app starts and fails later, at runtime (the email is never sent).
    When a settings layer declares the variable, the direct read also bypasses it: it misses
    values from the ``.env`` file Settings loads and the field's type and validators, so two
    parts of the app can see two different values.

Example
    ``KAB201 backend/app/services/email.py:12 SMTP_HOST is read from the environment at 2 sites
    but is not declared by Settings in backend/app/core/config.py (pydantic-settings class), so
    it is not validated at startup``


Before
    ``requirements.txt``::

        fastapi
        pydantic-settings

    ``app/config.py``::

        from pydantic_settings import BaseSettings


        class Settings(BaseSettings):
            database_url: str


        settings = Settings()

    ``app/email.py``::

        import os

        SMTP_HOST = os.getenv("SMTP_HOST", "localhost")

    ``app/main.py``::

        from fastapi import FastAPI

        from app import email
        from app.config import settings

        app = FastAPI()

After
    ``app/config.py``::

        from pydantic_settings import BaseSettings


        class Settings(BaseSettings):
            database_url: str
            smtp_host: str


        settings = Settings()

    ``app/email.py``::

        from app.config import settings

        SMTP_HOST = settings.smtp_host

Fix
    Add a typed field to the app's Settings class (``smtp_host: str``) and read
    ``settings.smtp_host``; when the field already exists, replace the direct read with it.
"""

from __future__ import annotations

from collections import defaultdict

from pytest_kabul.model import Area, Evidence, Finding, Location, Severity
from pytest_kabul.project.compose.env_contract import EXAMPLE_NAMES, example_lines
from pytest_kabul.project.core import Project
from pytest_kabul.project.deploy.programs import runtime_apps
from pytest_kabul.project.python.apps import PythonApp
from pytest_kabul.project.python.settings.classes import (
    SettingsClass,
    accepted_env,
    settings_classes,
)
from pytest_kabul.project.python.settings.envreads import EnvRead, env_reads, outside_settings
from pytest_kabul.project.python.settings.layers import (
    LayerKind,
    SettingsLayer,
    declaring_layer,
    holding_layer,
    layers_of,
)
from pytest_kabul.project.python.settings.notices import notice_test
from pytest_kabul.project.python.settings.platform import platform_reason
from pytest_kabul.project.python.settings.writes import defaults_of, handoff_sites, save_restore
from pytest_kabul.project.python.usages import app_usage_sets
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
CONTEXTS = {
    "except": "only in an `except` fallback branch",
    "__main__": 'only in an `if __name__ == "__main__":` block (a script entry, not the app)',
}


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


def main_layer(layers: tuple[SettingsLayer, ...]) -> SettingsLayer | None:
    """The layer new variables belong in: pydantic-settings first, then the one declaring most."""
    if not layers:
        return None
    return min(
        layers,
        key=lambda x: (x.kind is not LayerKind.PYDANTIC_SETTINGS, -len(x.variables), x.path),
    )


def _site(read: EnvRead) -> str:
    via = f" via {' -> '.join(read.via)}" if read.via else ""
    where = f"in {read.function}(), " if read.function else ""
    return f"{read.location} `{read.kind.value}`{via} ({where}default: {read.default.value})"


def _low_weight(read: EnvRead) -> str | None:
    """Why a read site weighs less than a read on the app's path, or None."""
    if read.context in CONTEXTS:
        return CONTEXTS[read.context]
    parts = read.path.split("/")
    if "versions" in parts[:-1] and any(p in ("alembic", "migrations") for p in parts):
        return "only in an Alembic revision (a one-off data migration)"
    if "data_migrations" in parts[:-1]:
        return "only in a data migration"
    return None


def _variable_finding(
    app: str,
    variable: str,
    reads: list[EnvRead],
    classes: tuple[SettingsClass, ...],
    target: SettingsClass | None,
    layers: tuple[SettingsLayer, ...],
    defaults: list[EnvRead],
) -> Finding:
    first = reads[0]
    count = f"{len(reads)} site{'s' if len(reads) != 1 else ''}"
    match = accepted_env(classes, variable)
    declared = declaring_layer(layers, variable)
    main = main_layer(layers)
    falls_back = False
    if match is not None:
        cls, fld = match
        attr = fld.name
        falls_back = all((r.fallback or "").lower() == attr.lower() for r in reads)
        if falls_back:  # ``getenv("X") or settings.X``: .env values still arrive, through it
            message = (
                f"this code reads {variable} from the environment at {count} before falling"
                f" back to {cls.name}.{attr} ({cls.path}): a value set in the environment"
                " skips the field's validation"
            )
        else:
            message = (
                f"{cls.name}.{attr} ({cls.path}) exists but this code reads {variable} from the"
                f" environment directly at {count}, missing .env values and the field's"
                " validation"
            )
        remediation = (
            f"Replace the direct reads of {variable} with settings.{attr} (the {cls.name}"
            f" instance from {cls.path})."
        )
    elif declared is not None:
        message = (
            f"{declared.label} declares {variable}, but this code reads it from the environment"
            f" directly at {count}, bypassing the settings layer"
        )
        remediation = (
            f"Read {variable} from the settings layer in {declared.path} instead of the"
            " environment."
        )
    elif target is not None:
        message = (
            f"{variable} is read from the environment at {count} but is not a field of any"
            f" Settings class ({target.name} in {target.path}), so it is not validated at startup"
        )
        remediation = (
            f"Add a typed field for {variable} to {target.path}'s {target.name} and read"
            f" settings.{variable.lower()} instead of the environment."
        )
    elif main is not None:
        message = (
            f"{variable} is read from the environment at {count} outside the settings layer"
            f" {main.label}, which does not declare it"
        )
        remediation = (
            f"Declare {variable} in {main.path} (better: in a typed pydantic-settings class) and"
            " read it from there."
        )
    else:
        message = (
            f"{variable} is read from the environment at {count} and app {app} has no"
            " settings layer, so no configuration is validated at startup"
        )
        remediation = (
            f"Introduce a pydantic-settings BaseSettings class in {app} with a typed field for"
            f" {variable}, instantiate it once at startup and read the value from it."
        )
    reasons = {_low_weight(r) for r in reads}
    severity = Severity.WARNING if falls_back else check.severity
    if None not in reasons:
        severity = Severity.WARNING
        message += f"; it is read {'; '.join(sorted(r for r in reasons if r))}"
    evidence = [Evidence(title="read sites", text="\n".join(_site(r) for r in reads))]
    if defaults:
        evidence.append(
            Evidence(
                title="defaults set by the code",
                text="\n".join(
                    f"{d.location} `{d.kind.value}` gives {variable} a default" for d in defaults
                ),
            )
        )
    return Finding(
        code=check.code,
        severity=severity,
        subject=f"{app}:{variable}",
        message=message,
        remediation=remediation,
        location=Location(first.path, first.line),
        evidence=tuple(evidence),
    )


def _unresolved_finding(
    app: str, reads: list[EnvRead], target: SettingsClass | None, main: SettingsLayer | None
) -> Finding:
    where = (
        f"{target.path}'s {target.name}"
        if target
        else main.label
        if main
        else f"a new pydantic-settings class in {app}"
    )
    first = reads[0]
    via = f" (through {' -> '.join(first.via)})" if first.via else ""
    count = f"{len(reads)} site{'s' if len(reads) != 1 else ''}"
    return Finding(
        code=check.code,
        severity=Severity.WARNING,
        subject=f"{app}:{UNRESOLVED}",
        message=(
            f"environment variables whose names cannot be determined statically are read at"
            f" {count} outside the settings layer ({first.kind.value} of"
            f" `{first.expression or '?'}`{via} first), so they cannot be checked here"
        ),
        remediation=(
            f"Read these values through typed fields of {where}; if a name really is dynamic,"
            " declare every possible variable as a field."
        ),
        location=Location(first.path, first.line),
        evidence=(Evidence(title="read sites", text="\n".join(_site(r) for r in reads)),),
    )


def _documented(project: Project, app: PythonApp) -> set[str]:
    """Variables the app's ``.env.example`` documents (user-facing configuration)."""
    for name in EXAMPLE_NAMES:
        if project.exists(app.path(name)):
            return set(example_lines(project, app.path(name)))
    return set()


@check.evaluator
def evaluate(project: Project) -> Evaluation:
    apps = runtime_apps(project)
    if not apps:
        return Evaluation.skip("no Python app found")
    classes_by_app: dict[str, list[SettingsClass]] = defaultdict(list)
    for cls in settings_classes(project):
        if not cls.test_code:
            classes_by_app[cls.app].append(cls)
    everything = env_reads(project)
    defaults = defaults_of(everything)
    restored = save_restore(everything)
    reads_by_app: dict[str, dict[str, list[EnvRead]]] = defaultdict(lambda: defaultdict(list))
    unresolved: dict[str, list[EnvRead]] = defaultdict(list)
    layer_map = {app.name: layers_of(project, app.name) for app in apps}
    tooling = {f for app in apps for f in app.tooling_files}  # code production never runs
    for read in outside_settings(project):
        if read.path in tooling:
            continue
        if holding_layer(layer_map.get(read.app, ()), read) is not None:
            continue
        if not read.via and notice_test(project, read.path, read.line) is not None:
            continue  # tested only to tell the user something, never used as a setting
        if not read.resolved:
            unresolved[read.app].append(read)
        for name in read.names:
            if (read.path, read.function, name) not in restored:
                reads_by_app[read.app][name].append(read)
    subjects: list[str] = []
    findings: list[Finding] = []
    notes: dict[str, str] = {}
    skipped: dict[str, str] = {}
    for app in apps:
        classes = tuple(classes_by_app.get(app.name, ()))
        layers = layer_map[app.name]
        target = main_settings(classes, project.config.settings_class)
        handoff: dict[str, str] | None = None
        documented: set[str] | None = None
        for variable, reads in sorted(reads_by_app[app.name].items()):
            subject = f"{app.name}:{variable}"
            reason = platform_reason(variable)
            if reason is None and declaring_layer(layers, variable) is None:
                if handoff is None:
                    app_reads = [r for r in everything if r.app == app.name]
                    handoff = handoff_sites(project, app, app_reads)
                    documented = _documented(project, app)
                if variable in handoff and variable not in (documented or set()):
                    reason = (
                        f"{variable} is set by {app.name} itself at {handoff[variable]} for its"
                        " own processes (a private hand-off, not configuration)"
                    )
            if reason is not None:
                skipped[subject] = reason
                continue
            findings.append(
                _variable_finding(
                    app.name,
                    variable,
                    sorted(reads),
                    classes,
                    target,
                    layers,
                    defaults.get((app.name, variable), []),
                )
            )
        if unresolved[app.name]:
            findings.append(
                _unresolved_finding(
                    app.name, sorted(unresolved[app.name]), target, main_layer(layers)
                )
            )
        for cls in classes:
            for fld in cls.fields:
                if not fld.nested:
                    subjects.append(f"{app.name}:{fld.env_name}")
                    notes.setdefault(
                        f"{app.name}:{fld.env_name}", f"read only through {cls.name}.{fld.name}"
                    )
        for layer in layers:
            if layer.typed and layer.kind is not LayerKind.PYDANTIC_SETTINGS:
                for variable in layer.variables:
                    subjects.append(f"{app.name}:{variable}")
                    notes.setdefault(f"{app.name}:{variable}", f"read only through {layer.label}")
        if not layers and not reads_by_app[app.name] and not unresolved[app.name]:
            subjects.append(f"{app.name}:*")
            notes[f"{app.name}:*"] = f"{app.name} reads no environment variable outside Settings"
    for found in app_usage_sets(project):  # runtime files no parser could read
        for path in found.unreadable:
            subject = f"{found.app.name}:{path}"
            subjects.append(subject)
            findings.append(
                Finding(
                    code=check.code,
                    severity=Severity.ERROR,
                    subject=subject,
                    message=f"the environment reads of {path} could not be read by any Python"
                    f" parser, so KAB201 is incomplete for {found.app.name} (see KAB001)",
                    remediation=f"Fix the syntax of {path} (or exclude it with [tool.kabul]"
                    " exclude if it is not code production runs).",
                    location=Location(path),
                )
            )
    failing = {f.subject for f in findings}
    return Evaluation.build(
        subjects=subjects,
        findings=findings,
        skipped={k: v for k, v in skipped.items() if k not in failing},
        notes={k: v for k, v in notes.items() if k not in failing},
    )
