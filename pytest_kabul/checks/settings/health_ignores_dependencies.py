"""KAB252 health-ignores-dependencies: with its database gone, the app still says it is healthy.

What it checks
    Starts one real uvicorn process of the app against a throwaway database (the same
    replica machinery as KAB251 and KAB451), finds its health route (``/health``, ``/healthz``,
    ``/ping``, ``/readyz`` … with router prefixes and mounts resolved; ``[tool.kabul.live]
    health_path`` overrides) and probes it while the database is up. Then it makes the
    database unavailable (``ALTER DATABASE … ALLOW_CONNECTIONS false`` and every open session
    ended, so a pool holds only dead connections) and probes again, three times. A 2xx answer
    every time is a finding: the app reports itself healthy while it cannot serve. A health
    body that carries raw exception text (a traceback, ``psycopg``/``asyncpg``,
    ``OperationalError``, the server's own message) is a finding too. An app that reads no
    database setting, has no health route, or whose health route fails while the database is
    up is skipped with the reason.

    Live only: the development corpus bench is static, so this check has no corpus precision
    or recall figure; its fixture repos (``tests/projects/live_health_*``) are its measure.

Why it matters
    Load balancers, Kubernetes readiness probes and compose ``healthcheck:`` route traffic by
    this answer. A health route that returns ``{"status": "ok"}`` without touching the
    database keeps a replica that lost its database in rotation, and every request it gets
    fails; a body that echoes the driver's exception tells any visitor the database host, user
    and driver.

Example
    ``KAB252[backend:app.main:app] with its database unavailable, GET /api/v1/health still
    answered 200 (3 of 3 probes): load balancers keep routing traffic to a broken app``

Before
    The health route answers "ok" without touching the database.

    ``requirements.txt``::

        fastapi
        uvicorn[standard]
        pydantic-settings
        sqlalchemy[asyncio]
        asyncpg

    ``Dockerfile``::

        FROM python:3.12-slim
        WORKDIR /app
        COPY requirements.txt .
        RUN pip install --no-cache-dir -r requirements.txt
        COPY app ./app
        CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]

    ``app/config.py``::

        from pydantic_settings import BaseSettings


        class Settings(BaseSettings):
            DATABASE_URL: str


        settings = Settings()

    ``app/main.py``::

        from fastapi import FastAPI
        from sqlalchemy.ext.asyncio import create_async_engine

        from app.config import settings

        engine = create_async_engine(settings.DATABASE_URL, pool_pre_ping=True)
        app = FastAPI()


        @app.get("/health")
        async def health() -> dict[str, str]:
            return {"status": "ok"}

After
    The health route runs ``SELECT 1``, answers 503 when that fails and logs the exception
    instead of returning it.

    ``app/main.py``::

        import logging

        from fastapi import FastAPI, Response
        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import create_async_engine

        from app.config import settings

        logger = logging.getLogger(__name__)
        engine = create_async_engine(settings.DATABASE_URL, pool_pre_ping=True)
        app = FastAPI()


        @app.get("/health")
        async def health(response: Response) -> dict[str, str]:
            try:
                async with engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
            except Exception:
                logger.exception("health: database unreachable")
                response.status_code = 503
                return {"status": "unavailable"}
            return {"status": "ok"}

Fix
    Make the health (readiness) route run ``SELECT 1`` on the database (and ping Redis when the
    app needs it) with a short timeout, answer 503 when that fails, and log the exception
    instead of returning it. Keep a separate liveness route without dependencies if the
    orchestrator restarts on liveness failures.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pytest_kabul.errors import CheckSkipped
from pytest_kabul.model import Area, Evidence, Finding, Location, Severity, Tier
from pytest_kabul.project.core import Project
from pytest_kabul.project.deploy.asgi import AsgiApp, asgi_apps, health_path
from pytest_kabul.registry import Check, Evaluation, LiveResult

if TYPE_CHECKING:
    from pytest_kabul.services.replicas import HttpAnswer

check = Check(
    code="KAB252",
    name="health-ignores-dependencies",
    area=Area.SETTINGS,
    severity=Severity.ERROR,
    summary="With its database unavailable, the app's health route still answers healthy.",
    doc=__doc__,
    tier=Tier.LIVE,
)
PROBES = 3
RAW_ERROR = re.compile(
    r"Traceback \(most recent call last\)|\bpsycopg2?\b|\basyncpg\b|\bpg8000\b"
    r"|OperationalError|InterfaceError|DBAPIError|sqlalchemy\.exc|sqlalche\.me|ConnectionRefusedError"
    r"|is not currently accepting connections|could not connect to server"
    r"|connection to server at",
    re.IGNORECASE,
)
ROUTE_ATTRS = frozenset({"get", "api_route", "route"})


@check.evaluator
def evaluate(project: Project) -> Evaluation:
    apps = asgi_apps(project)
    if not apps:
        return Evaluation.skip("no ASGI app found (set [tool.kabul.live] app)")
    subjects, skipped = [], {}
    for app in apps:
        if health_path(project, app) is None:
            skipped[app.subject] = (
                "no health route found (/health, /healthz, /ping, /readyz …); set"
                " [tool.kabul.live] health_path"
            )
        else:
            subjects.append(app.subject)
    return Evaluation.build(subjects=subjects, skipped=skipped)


def health_location(project: Project, app: AsgiApp, path: str) -> Location | None:
    """The function serving ``path``: the GET route whose literal ends the path (longest)."""
    prefix = f"{app.app_dir}/" if app.app_dir else ""
    best: tuple[int, Location] | None = None
    wanted = path.rstrip("/")
    for rel in sorted(project.files):
        if not rel.endswith(".py") or not rel.startswith(prefix):
            continue
        tree = project.parse_python(rel)
        for node in ast.walk(tree) if tree else ():
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for deco in node.decorator_list:
                literal = _route_literal(deco)
                if literal is None or not wanted.endswith(literal.rstrip("/")):
                    continue
                if len(literal.rstrip("/")) == 0:
                    continue
                if best is None or len(literal) > best[0]:
                    best = (len(literal), Location(rel, node.lineno))
    return best[1] if best else app.location


def _route_literal(deco: ast.expr) -> str | None:
    if (
        isinstance(deco, ast.Call)
        and isinstance(deco.func, ast.Attribute)
        and deco.func.attr in ROUTE_ATTRS
        and deco.args
        and isinstance(deco.args[0], ast.Constant)
        and isinstance(deco.args[0].value, str)
    ):
        return deco.args[0].value
    return None


def _excerpt(body: str, limit: int = 300) -> str:
    text = body.strip()
    return text if len(text) <= limit else text[:limit] + " …"


@check.live_runner(fixtures=("kabul_replicas", "kabul_postgres"))
def run(project: Project, subject: str, services: Mapping[str, Any]) -> LiveResult:
    from pytest_kabul.live.outage import database_name, database_outage
    from pytest_kabul.services.replicas import http_get

    app = next(a for a in asgi_apps(project) if a.subject == subject)
    path = health_path(project, app)
    if path is None:
        raise CheckSkipped("no health route found; set [tool.kabul.live] health_path")
    factory, postgres = services["kabul_replicas"], services["kabul_postgres"]
    replicas = factory.start_or_skip(n=1, app=app, health=path)
    try:
        if not factory.databases:
            raise CheckSkipped("the app reads no database setting: no dependency to take away")
        port = replicas.replicas[0].port
        before = http_get(port, path, timeout=5.0)
        if before is None or not 200 <= before.status < 300:
            answer = before.status if before is not None else "nothing"
            raise CheckSkipped(
                f"GET {path} answered {answer} with the database up: cannot tell a healthy"
                " answer from a lying one; set [tool.kabul.live] health_path"
            )
        with database_outage(postgres, database_name(factory.databases[-1])) as ended:
            during = [http_get(port, path, timeout=10.0) for _ in range(PROBES)]
        tails = replicas.log_tails(lines=15)
    finally:
        factory.stop(replicas)
    return _judge(project, app, path, before.status, during, ended, replicas.redact, tails)


def _judge(
    project: Project,
    app: AsgiApp,
    path: str,
    up_status: int,
    during: Sequence[HttpAnswer | None],
    ended: int,
    redact: Callable[[str], str],
    tails: str,
) -> LiveResult:
    answers = [a for a in during if a is not None]
    statuses = [str(a.status) if a is not None else "no answer" for a in during]
    transcript = "\n".join(
        [
            f"database up: GET {path} -> {up_status}",
            f"database made unavailable ({ended} open session(s) ended, new ones refused)",
            *(
                f"probe {i}: GET {path} -> {status}"
                + (f"\n  body: {redact(_excerpt(a.body))}" if a is not None else "")
                for i, (status, a) in enumerate(zip(statuses, during, strict=True), start=1)
            ),
        ]
    )
    evidence = (
        Evidence(title="health probe", text=transcript),
        Evidence(title="app log tail", text=tails),
    )
    where = health_location(project, app, path)
    findings = []
    healthy = [a for a in answers if 200 <= a.status < 300]
    if len(healthy) == len(during):
        findings.append(
            Finding(
                code=check.code,
                severity=check.severity,
                subject=app.subject,
                message=(
                    f"with its database unavailable, GET {path} still answered"
                    f" {healthy[-1].status} ({len(healthy)} of {len(during)} probes): load"
                    " balancers keep routing traffic to a broken app"
                ),
                remediation=(
                    f"Make {path} run SELECT 1 on the database (with a short timeout) and answer"
                    " 503 when it fails; keep a separate dependency-free liveness route if the"
                    " orchestrator restarts on liveness failures."
                ),
                location=where,
                evidence=evidence,
            )
        )
    leaking = sorted({found for a in answers for found in RAW_ERROR.findall(a.body)})
    if leaking:
        findings.append(
            Finding(
                code=check.code,
                severity=check.severity,
                subject=app.subject,
                message=(
                    f"with its database unavailable, GET {path} returned raw exception text"
                    f" ({', '.join(leaking)}): the body tells any client the driver and the"
                    " database's address"
                ),
                remediation=(
                    f"Log the exception in {path} and return a fixed body such as"
                    ' {"status": "unavailable"} with status 503.'
                ),
                location=where,
                evidence=evidence,
            )
        )
    if findings:
        return LiveResult(findings=tuple(findings))
    return LiveResult(
        observed=f"with the database unavailable GET {path} answered {', '.join(statuses)}"
    )
