"""KAB504 logs-not-rotated-or-shipped: container logs grow forever and die with the container.

What it checks
    Every started service of every compose model: its ``logging`` (after ``x-logging``
    anchors, ``extends`` and override files). A finding when the service uses Docker's default
    ``json-file`` driver without ``options.max-size`` (the default never rotates), does not use a
    driver that rotates or ships (``local``, ``fluentd``, ``gelf``, ``awslogs``, ``loki``,
    ``syslog``, ``journald``, ``splunk``, ``gcplogs`` …), and — for services built from a
    Python app — the app's own logging config has no file or shipping handler
    (``RotatingFileHandler``, ``SysLogHandler``, CloudWatch ``watchtower``, Loki, GELF,
    Datadog, loguru ``rotation=`` …). A ``daemon.json`` in the project that sets ``log-opts``
    ``max-size`` or another ``log-driver`` makes every service pass. Development stacks are
    skipped.

Why it matters
    Unrotated ``json-file`` logs fill the disk until the database stops; and logs that live only
    in the container are gone when it is recreated, exactly when you need them after an
    incident.

Example
    ``docker-compose.yml:24 api logs to Docker's default json-file driver without max-size``

Before
    ``docker-compose.yml``::

        services:
          api:
            image: ghcr.io/acme/api:1.4

After
    ``docker-compose.yml``::

        services:
          api:
            image: ghcr.io/acme/api:1.4
            logging:
              driver: json-file
              options:
                max-size: "10m"
                max-file: "5"

Fix
    Add ``logging: {driver: json-file, options: {max-size: "10m", max-file: "5"}}`` (an
    ``x-logging`` anchor shared by every service), or a shipping driver (``loki``, ``awslogs``,
    ``gelf`` …).
"""

from __future__ import annotations

from pytest_kabul.checks.deployment._templates import no_compose_reason
from pytest_kabul.model import Area, Finding, Location, Severity
from pytest_kabul.project.compose.load import compose_models
from pytest_kabul.project.compose.model import ComposeService
from pytest_kabul.project.compose.roles import ServiceRef, dev_reason
from pytest_kabul.project.core import Project
from pytest_kabul.project.deploy.logging_setup import (
    ROTATING_OR_SHIPPING,
    app_log_handlers,
    daemon_log_config,
)
from pytest_kabul.project.python.apps import PythonApp, python_apps
from pytest_kabul.registry import Check, Evaluation

check = Check(
    code="KAB504",
    name="logs-not-rotated-or-shipped",
    area=Area.DEPLOYMENT,
    severity=Severity.WARNING,
    summary="Container logs are neither rotated nor shipped anywhere.",
    doc=__doc__,
)


def _app_for(project: Project, service: ComposeService) -> PythonApp | None:
    context = service.build_context
    if context is None:
        return None
    root = "" if context == "." else context
    for app in python_apps(project):
        if app.root == root:
            return app
    return None


def _judge(project: Project, ref: ServiceRef) -> tuple[Finding | None, str]:
    service = ref.service
    logging = service.logging
    driver = str(logging.get("driver") or "json-file")
    options = logging.get("options")
    options = options if isinstance(options, dict) else {}
    if driver in ROTATING_OR_SHIPPING or driver.startswith(("grafana/loki", "loki")):
        return None, f"logging driver {driver}"
    if driver == "json-file" and options.get("max-size"):
        return None, f"json-file rotated at max-size {options['max-size']}"
    if driver != "json-file":
        return None, f"logging driver {driver}"
    app = _app_for(project, service)
    handler = app_log_handlers(project).get(app.root) if app is not None else None
    if handler is not None:
        return None, f"the app ships or rotates its own logs ({handler})"
    path, line = service.where("logging")
    return (
        Finding(
            code=check.code,
            severity=Severity.WARNING,
            subject=ref.subject,
            message=(
                f"{service.name} logs to Docker's default json-file driver without max-size:"
                " logs are never rotated and are lost when the container is recreated"
            ),
            remediation=(
                f'Add \'logging: {{driver: json-file, options: {{max-size: "10m",'
                f' max-file: "5"}}}}\' to {service.name} in {path} (an x-logging anchor'
                " shared by every service), or a shipping driver such as loki, awslogs or gelf."
            ),
            location=Location(path, line),
        ),
        "",
    )


@check.evaluator
def evaluate(project: Project) -> Evaluation:
    models = compose_models(project)
    if not models:
        return Evaluation.skip(no_compose_reason(project))
    daemon = daemon_log_config(project)
    subjects: list[str] = []
    skipped: dict[str, str] = {}
    notes: dict[str, str] = {}
    findings: list[Finding] = []
    for model in models:
        dev = dev_reason(project, model)
        for service in model.started:
            ref = ServiceRef(model, service)
            if dev:
                skipped[ref.subject] = f"development stack: {dev}"
                continue
            subjects.append(ref.subject)
            if daemon is not None:
                notes[ref.subject] = f"the Docker daemon rotates/ships logs ({daemon})"
                continue
            finding, note = _judge(project, ref)
            if finding is not None:
                findings.append(finding)
            else:
                notes[ref.subject] = note
    return Evaluation.build(subjects=subjects, findings=findings, skipped=skipped, notes=notes)
