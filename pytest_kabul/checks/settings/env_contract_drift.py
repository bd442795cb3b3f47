"""KAB203 env-contract-drift: compose, ``.env.example`` and the Settings class disagree.

What it checks
    For every compose service built from a Python app (``build:`` context = the app's folder),
    in every non-development compose model:

    - variables the service is given (``environment:`` and its ``env_file``) that nothing uses —
      not a variable of any settings layer of the app (pydantic-settings fields with
      ``env_prefix``, aliases and nested delimiters resolved as the library does, typed
      configuration classes, untyped configuration modules), not an ``os.getenv``/
      ``os.environ``/decouple/environs read, not the start command, the Dockerfile or a shell
      script of the build context, not a ``${VAR}`` interpolation in a compose file, not a
      ``process.env.X``/``import.meta.env.X`` read of the project's JavaScript, nor a
      well-known runtime/library variable (``WEB_CONCURRENCY``, ``PYTHONUNBUFFERED``, ``AWS_*``,
      ``SENTRY_*``, ``OTEL_*`` …);
    - required Settings fields (no default) that the service is given neither by compose, its
      ``env_file``, nor the image (``ENV`` in its Dockerfile). An ``env_file`` that is not
      committed (a gitignored ``.env``) is read through its template (``.env.example`` next to
      it); without one, the field is skipped with that reason.

    And per app with a ``.env.example`` (``.env.sample``, ``.env.template``, ``.env.dist``…) in
    its folder: variables the example documents that no settings layer declares (or, without a
    layer, that no code reads) and that neither compose nor JavaScript uses, and required
    Settings fields the example lacks. Every message names the settings layer it compared
    against. Subjects are ``<service>:<VARIABLE>`` and ``<app>:<VARIABLE>``. Values are never
    read into a message.

Why it matters
    A variable the code never reads is configuration that silently does nothing (a renamed
    setting, a typo: ``LEGACY_CACHE_TTL`` is set and the cache still uses its default). A
    required setting the deployment does not pass crashes the container at start. An example
    file that drifts from Settings is how the next deployment misses a variable.

Example
    ``docker-compose.yml:37 api is given LEGACY_CACHE_TTL, but no code of backend reads it``

Before
    ``docker-compose.yml``::

        services:
          api:
            build: .
            environment:
              DATABASE_URL: postgresql://app@db/app
              LEGACY_CACHE_TTL: "60"

    ``Dockerfile``::

        FROM python:3.12-slim
        WORKDIR /app
        COPY requirements.txt .
        RUN pip install -r requirements.txt
        COPY . .
        CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]

    ``requirements.txt``::

        fastapi
        pydantic-settings

    ``app/config.py``::

        from pydantic_settings import BaseSettings


        class Settings(BaseSettings):
            database_url: str


        settings = Settings()

    ``app/main.py``::

        from fastapi import FastAPI

        from app.config import settings

        app = FastAPI()

After
    ``docker-compose.yml``::

        services:
          api:
            build: .
            environment:
              DATABASE_URL: postgresql://app@db/app

Fix
    Remove the variable, or declare it in the Settings class (and read it from there); pass
    every required setting in the service's ``environment:``/``env_file``; keep
    ``.env.example`` in line with the Settings fields.
"""

from __future__ import annotations

from pytest_kabul.model import Area, Finding, Location, Severity
from pytest_kabul.project.compose.env_contract import (
    EXAMPLE_NAMES,
    ServiceApp,
    app_reads,
    compose_interpolated,
    declared_by,
    env_file_vars,
    env_template,
    example_lines,
    image_env,
    is_runtime_variable,
    js_env_reads,
    layers_for,
    service_apps,
    settings_of,
    variable_line,
)
from pytest_kabul.project.core import Project
from pytest_kabul.project.python.apps import PythonApp, python_apps
from pytest_kabul.project.python.settings.classes import SettingsClass
from pytest_kabul.project.python.settings.layers import SettingsLayer
from pytest_kabul.registry import Check, Evaluation

check = Check(
    code="KAB203",
    name="env-contract-drift",
    area=Area.SETTINGS,
    severity=Severity.WARNING,
    summary="Compose, .env.example and the Settings class disagree about environment variables.",
    doc=__doc__,
)


def _accepts(classes: tuple[SettingsClass, ...], name: str) -> bool:
    return any(c.field_for(name) is not None for c in classes)


def _used_elsewhere(project: Project, name: str) -> bool:
    """Compose interpolates it or the project's JavaScript reads it."""
    return name in compose_interpolated(project) or name in js_env_reads(project)


def _compared(layers: tuple[SettingsLayer, ...]) -> str:
    if not layers:
        return "it has no settings layer"
    biggest = sorted(layers, key=lambda x: (-len(x.variables), x.path, x.line))
    more = f"; and {len(biggest) - 3} more" if len(biggest) > 3 else ""
    return "settings layer: " + "; ".join(layer.label for layer in biggest[:3]) + more


def _service_findings(
    project: Project, ref: ServiceApp, skipped: dict[str, str]
) -> tuple[list[str], list[Finding]]:
    service, app = ref.service, ref.app
    assert service is not None
    classes = settings_of(project, app)
    layers = layers_for(project, app)
    reads = app_reads(project, ref)
    given: dict[str, tuple[str, int | None]] = {}
    env_path, env_line = service.where("environment")
    for name in service.environment:
        given[name] = (env_path, variable_line(project, env_path, env_line, name))
    templated: set[str] = set()  # names of an absent env_file, from its committed template
    absent: list[str] = []
    for env_file in service.env_files:
        if project.exists(env_file):
            for name, number in env_file_vars(project, env_file).items():
                given.setdefault(name, (env_file, number))
            continue
        template = env_template(project, env_file)
        if template is None:
            absent.append(env_file)
        else:
            templated.update(example_lines(project, template))
    subjects: list[str] = []
    findings: list[Finding] = []
    for name, (path, at) in sorted(given.items()):
        subject = f"{service.name}:{name}"
        subjects.append(subject)
        if (
            name in reads
            or _accepts(classes, name)
            or declared_by(layers, name)
            or is_runtime_variable(name)
            or _used_elsewhere(project, name)
        ):
            continue
        findings.append(
            Finding(
                code=check.code,
                severity=Severity.WARNING,
                subject=subject,
                message=(
                    f"{service.name} is given {name}, but no code of {app.name} reads it"
                    f" ({_compared(layers)})"
                ),
                remediation=(
                    f"Remove {name} from {service.name} in {path}, or declare it as a field of"
                    f" the Settings class of {app.name} and read it from there."
                ),
                location=Location(path, at),
            )
        )
    provided = set(given) | templated | image_env(project, service)
    upper = {n.upper() for n in provided}
    for cls in classes:
        for field in cls.fields:
            if not field.required or field.nested:
                continue
            subject = f"{service.name}:{field.env_name}"
            subjects.append(subject)
            names = field.env_names if cls.case_sensitive else [n.upper() for n in field.env_names]
            pool = provided if cls.case_sensitive else upper
            if any(n in pool for n in names):
                continue
            if absent:
                subjects.remove(subject)
                skipped[subject] = (
                    f"{service.name}'s env_file {absent[0]} is not in the repository (it may"
                    f" set {field.env_name})"
                )
                continue
            findings.append(
                Finding(
                    code=check.code,
                    severity=Severity.WARNING,
                    subject=subject,
                    message=(
                        f"required setting {field.env_name} ({cls.name}.{field.name}, no default)"
                        f" is not given to {service.name} by compose, its env_file or its image"
                    ),
                    remediation=(
                        f"Pass {field.env_name} to {service.name} in {service.file}"
                        " (environment: or env_file:), or give the field a safe default."
                    ),
                    location=Location(field.path, field.line),
                )
            )
    return subjects, findings


def _example_findings(project: Project, app: PythonApp) -> tuple[list[str], list[Finding]]:
    example = next(
        (app.path(n) for n in EXAMPLE_NAMES if project.exists(app.path(n))),
        None,
    )
    if example is None:
        return [], []
    classes = settings_of(project, app)
    layers = layers_for(project, app)
    documented = example_lines(project, example)
    reads = app_reads(project, ServiceApp(None, app))
    subjects: list[str] = []
    findings: list[Finding] = []
    for name, line in sorted(documented.items()):
        subject = f"{app.name}:{name}"
        subjects.append(subject)
        if (
            _accepts(classes, name)
            or declared_by(layers, name)
            or is_runtime_variable(name)
            or _used_elsewhere(project, name)
        ):
            continue
        if not layers and name in reads:
            continue
        where = "read outside the layer" if name in reads else "read by no code"
        message = (
            f"{example} documents {name}, which no settings layer of {app.name} declares"
            f" ({where}; {_compared(layers)})"
            if layers
            else f"{example} documents {name}, which no code of {app.name} reads"
            f" ({_compared(layers)})"
        )
        findings.append(
            Finding(
                code=check.code,
                severity=Severity.WARNING,
                subject=subject,
                message=message,
                remediation=(
                    f"Declare {name} in the Settings class of {app.name}, or remove it from"
                    f" {example}."
                    if layers
                    else f"Remove {name} from {example}, or read it in {app.name}."
                ),
                location=Location(example, line),
            )
        )
    documented_upper = {n.upper() for n in documented}
    for cls in classes:
        for field in cls.fields:
            if not field.required or field.nested:
                continue
            subject = f"{app.name}:{field.env_name}"
            subjects.append(subject)
            if any(n.upper() in documented_upper for n in field.env_names):
                continue
            findings.append(
                Finding(
                    code=check.code,
                    severity=Severity.WARNING,
                    subject=subject,
                    message=(
                        f"required setting {field.env_name} ({cls.name}.{field.name}) is"
                        f" missing from {example}"
                    ),
                    remediation=f"Add {field.env_name}= with a placeholder to {example}.",
                    location=Location(field.path, field.line),
                )
            )
    return subjects, findings


@check.evaluator
def evaluate(project: Project) -> Evaluation:
    subjects: list[str] = []
    findings: list[Finding] = []
    skipped: dict[str, str] = {}
    for ref in service_apps(project):
        more, found = _service_findings(project, ref, skipped)
        subjects.extend(more)
        findings.extend(found)
    for app in python_apps(project):
        more, found = _example_findings(project, app)
        subjects.extend(more)
        findings.extend(found)
    if not subjects and not skipped:
        return Evaluation.skip(
            "no compose service built from a Python app and no .env.example next to one"
        )
    unique = {(f.subject, f.message): f for f in findings}
    skipped = {k: v for k, v in skipped.items() if k not in set(subjects)}
    return Evaluation.build(
        subjects=sorted(set(subjects)),
        findings=list(unique.values()),
        skipped=skipped,
    )
