"""KAB251 app-starts-without-required-config: started for production without needed variables,
the app still serves.

What it checks
    Starts one real uvicorn process of the app with the production environment value
    (``APP_ENV=production`` or the project's equivalent, discovered from comparisons such as
    ``settings.APP_ENV == "production"``; ``[tool.kabul.live] production_env`` overrides) and
    *without* the variables the code reads outside its Settings class with no usable default
    (the ones KAB201 lists). If the app starts and its health route answers 2xx, it is the
    audit's "starts but fails at runtime". If it refuses to start with a message naming a
    missing variable, the check passes.

Why it matters
    A deploy that forgot ``SMTP_HOST`` should fail at start-up, where the orchestrator keeps
    the old version running, not on the first password-reset e-mail hours later.

Example
    ``KAB251[backend:app.main:app] started with APP_ENV=production and without
    MAILGUN_DOMAIN, SMTP_HOST, the app served GET /health (200)``

Before
    ``app/config.py``::

        import os

        SMTP_HOST = os.environ.get("SMTP_HOST")  # None in production: mail silently off

After
    ``app/config.py``::

        from pydantic_settings import BaseSettings


        class Settings(BaseSettings):
            smtp_host: str  # the app refuses to start without it


        settings = Settings()

Fix
    Declare the variables as required fields of the Settings class (no default), or check them
    in the app's lifespan when running in production, so start-up fails and names them.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from typing import Any

from pytest_kabul.errors import CheckSkipped, ServiceUnavailable
from pytest_kabul.live.appenv import production_flag
from pytest_kabul.model import Area, Evidence, Finding, Severity, Tier
from pytest_kabul.project.core import Project
from pytest_kabul.project.deploy.asgi import AsgiApp, asgi_apps, probe_path
from pytest_kabul.project.python.settings.classes import settings_classes
from pytest_kabul.project.python.settings.envreads import env_reads
from pytest_kabul.project.python.settings.syntax import DefaultKind
from pytest_kabul.registry import Check, Evaluation, LiveResult

check = Check(
    code="KAB251",
    name="app-starts-without-required-config",
    area=Area.SETTINGS,
    severity=Severity.ERROR,
    summary="Started for production without variables it needs, the app still serves.",
    doc=__doc__,
    tier=Tier.LIVE,
)
PRODUCTION_WORDS = frozenset({"production", "prod"})
# Such a value written as a string literal (any case, raw or triple-quoted): only files with one
# are parsed for the comparisons below.
_PRODUCTION_LITERAL = re.compile(r"[\"'](?:production|prod)[\"']", re.I)
FALLBACK_NAMES = ("APP_ENV", "ENV", "ENVIRONMENT")


def needed_variables(project: Project, app: AsgiApp) -> tuple[str, ...]:
    """Variables read outside Settings whose read has no usable default, and that no required
    Settings field reads (withholding one would only prove pydantic's "Field required"), minus
    the production switch itself."""

    weak = {DefaultKind.ABSENT, DefaultKind.NONE, DefaultKind.EMPTY}
    required = {
        name
        for cls in settings_classes(project)
        if cls.app == app.app and not cls.test_code
        for f in cls.fields
        if f.required
        for name in f.env_names
    }
    switch = set(production_env(project, app))
    names = {
        name
        for read in env_reads(project)
        if read.app == app.app and not read.test_code and not read.in_settings
        if not read.is_write and read.default in weak
        for name in read.names
    }
    return tuple(sorted(names - required - switch))


def production_env(project: Project, app: AsgiApp) -> dict[str, str]:
    """``{"APP_ENV": "production"}``: what the code compares with a production value."""
    if project.config.live.production_env:
        return dict(project.config.live.production_env)

    fields = {
        f.name: f.env_names[0]
        for c in settings_classes(project)
        if c.app == app.app and not c.test_code
        for f in c.fields
        if f.env_names
    }
    found: dict[str, str] = {}
    for cls in settings_classes(project):  # PRODUCTION: bool -> true, DEBUG: bool -> false
        if cls.app != app.app or cls.test_code:
            continue
        for f in cls.fields:
            flag = production_flag(f.name) if "bool" in f.annotation and f.env_names else None
            if flag is not None:
                found.setdefault(f.env_names[0], flag)
    flags = dict(found)
    prefix = f"{app.app_dir}/" if app.app_dir else ""
    for rel in project.files:
        if not rel.endswith(".py") or not rel.startswith(prefix):
            continue
        text = project.read_text(rel)
        if text is None or not _PRODUCTION_LITERAL.search(text):
            continue  # no "production"/"prod" string: nothing to compare with
        tree = project.parse_python(rel, keep=False)
        for node in ast.walk(tree) if tree else ():
            if isinstance(node, ast.Compare) and len(node.comparators) == 1:
                value = _production_value(node.comparators[0])
                name = _env_name(node.left, fields)
                if value is not None and name is not None:
                    found.setdefault(name, value)
    if found.keys() == flags.keys() and not any(v == "true" for v in flags.values()):
        found.update(dict.fromkeys(FALLBACK_NAMES, "production"))
    return dict(sorted(found.items()))


def _production_value(node: ast.expr) -> str | None:
    values = node.elts if isinstance(node, ast.Tuple | ast.List | ast.Set) else [node]
    for item in values:
        if (
            isinstance(item, ast.Constant)
            and isinstance(item.value, str)
            and item.value.lower() in PRODUCTION_WORDS
        ):
            return item.value
    return None


def _env_name(node: ast.expr, fields: Mapping[str, str]) -> str | None:
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr
        in {
            "lower",
            "strip",
        }
    ):
        node = node.func.value
    if isinstance(node, ast.Attribute):
        return fields.get(node.attr)
    if isinstance(node, ast.Call) and node.args:  # os.getenv("ENV") / environ.get("ENV")
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
    if isinstance(node, ast.Subscript):  # a subscript read: os.environ[name] style
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return key.value
    return None


@check.evaluator
def evaluate(project: Project) -> Evaluation:
    apps = asgi_apps(project)
    if not apps:
        return Evaluation.skip("no ASGI app found (set [tool.kabul.live] app)")
    subjects, skipped = [], {}
    for app in apps:
        if needed_variables(project, app):
            subjects.append(app.subject)
        else:
            skipped[app.subject] = "no variable is read outside Settings without a default"
    return Evaluation.build(subjects=subjects, skipped=skipped)


@check.live_runner(fixtures=("kabul_replicas",))
def run(project: Project, subject: str, services: Mapping[str, Any]) -> LiveResult:
    from pytest_kabul.errors import ReplicaStartError
    from pytest_kabul.services.replicas import http_status

    app = next(a for a in asgi_apps(project) if a.subject == subject)
    missing = needed_variables(project, app)
    if not missing:
        raise CheckSkipped("every variable read outside Settings is a required Settings field")
    prod = production_env(project, app)
    path = probe_path(project, app)
    if path is None:
        raise CheckSkipped(
            "could not probe: no health route and no GET route without path parameters; set"
            " [tool.kabul.live] health_path"
        )
    given = ", ".join(f"{k}={v}" for k, v in prod.items())
    try:
        replicas = services["kabul_replicas"].start(
            n=1, env=prod, app=app, unset=missing, health=path
        )
    except ReplicaStartError as exc:
        cause = services["kabul_replicas"].could_not_start(exc)
        if cause is not None:  # the environment, not the app: it never got to its config
            raise ServiceUnavailable(cause) from None
        named = [name for name in missing if name in exc.log_tail]
        if named:  # refused to start and said why: what we want
            return LiveResult(observed=f"refused to start: log names {', '.join(named)}")
        from pytest_kabul.live.launch import last_error

        raise CheckSkipped(
            f"the app did not start without {', '.join(missing)}, but its output names none"
            f" of them (last error: {last_error(exc.log_tail)}); judge it by hand"
        ) from None
    try:
        status = http_status(replicas.replicas[0].port, path, timeout=5.0)
        tails = replicas.log_tails(lines=10)
    finally:
        services["kabul_replicas"].stop(replicas)
    if status == 404:
        raise CheckSkipped(
            f"could not probe: GET {path} answered 404; set [tool.kabul.live] health_path"
        )
    if status is None or not 200 <= status < 300:
        return LiveResult(
            observed=f"started with {given} and without {', '.join(missing)}: GET {path}"
            f" answered {status if status is not None else 'nothing'}"
        )
    return LiveResult(
        findings=(
            Finding(
                code=check.code,
                severity=check.severity,
                subject=subject,
                message=(
                    f"started with {given} and without {', '.join(missing)}, the app served"
                    f" GET {path} ({status})"
                ),
                remediation=(
                    f"Declare {', '.join(missing)} as required fields of the Settings class (no"
                    " default), or check them in the lifespan when running in production, so"
                    " start-up fails and names what is missing."
                ),
                location=app.location,
                evidence=(Evidence(title="app log tail", text=tails),),
            ),
        )
    )
