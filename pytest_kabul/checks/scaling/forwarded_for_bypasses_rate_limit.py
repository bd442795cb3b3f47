"""KAB452 forwarded-for-bypasses-rate-limit: a new ``X-Forwarded-For`` per request, no 429 ever.

What it checks
    The live side of KAB402. It applies to an app with a rate limiter whose production server
    trusts ``X-Forwarded-For`` from any sender (``--forwarded-allow-ips '*'`` for uvicorn or
    gunicorn, ``FORWARDED_ALLOW_IPS=*`` in a Dockerfile ``ENV`` or compose ``environment``,
    ``forwarded_allow_ips = "*"`` in a gunicorn config) or whose limiter reads the header
    itself. It starts one real uvicorn replica with that trust setting (``FORWARDED_ALLOW_IPS``
    as production has it) and sends two bursts of N requests (``[tool.kabul.live] burst``,
    default 200) to a rate-limited route (the paths KAB451 probes): one from a single client
    without the header, which must hit the limit, then one where every request carries a
    different ``X-Forwarded-For`` address. No 429 in the second burst is a finding, with the
    counts as evidence. A limit that never triggers even without the header is a skip (KAB451
    reports missing limits).

    Live only: the development corpus bench is static, so the probe has no corpus figure; the
    static facts it starts from (the trust settings, the limiter) are KAB402's, measured there.

Why it matters
    With ``'*'`` uvicorn takes the *leftmost* ``X-Forwarded-For`` address as the client, the
    one the client writes itself (a proxy appends to the header, it does not replace it). A
    login or signup limit keyed by the client address then gives an attacker a fresh bucket
    with every request: unlimited password guessing behind a limit that looks configured.

Example
    ``KAB452[backend:app.main:app] 200 requests to GET /api/v1/login-attempts with a different
    X-Forwarded-For each: 0 x 429 (without the header, 190 of 200 were refused)``

Before
    A limit keyed by the client address, behind a server that believes every
    ``X-Forwarded-For``.

    ``requirements.txt``::

        fastapi
        uvicorn[standard]
        slowapi

    ``Dockerfile``::

        FROM python:3.12-slim
        WORKDIR /app
        COPY requirements.txt .
        RUN pip install --no-cache-dir -r requirements.txt
        COPY app ./app
        ENV FORWARDED_ALLOW_IPS="*"
        CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--proxy-headers"]

    ``app/main.py``::

        from fastapi import FastAPI, Request
        from slowapi import Limiter, _rate_limit_exceeded_handler
        from slowapi.errors import RateLimitExceeded
        from slowapi.util import get_remote_address

        limiter = Limiter(key_func=get_remote_address)
        app = FastAPI()
        app.state.limiter = limiter
        app.add_exception_handler(RateLimitExceeded, _rate_limit_exceeded_handler)


        @app.get("/api/v1/login-attempts")
        @limiter.limit("20/minute")
        async def login_attempts(request: Request) -> dict[str, str]:
            return {"left": "some"}

After
    Only the reverse proxy's address (here ``172.18.0.2``) is trusted; with the proxy on the
    same host, leave ``FORWARDED_ALLOW_IPS`` unset (uvicorn trusts ``127.0.0.1`` by default).

    ``Dockerfile``::

        FROM python:3.12-slim
        WORKDIR /app
        COPY requirements.txt .
        RUN pip install --no-cache-dir -r requirements.txt
        COPY app ./app
        ENV FORWARDED_ALLOW_IPS="172.18.0.2"
        CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--proxy-headers"]

Fix
    Trust only the reverse proxy: ``--forwarded-allow-ips`` / ``FORWARDED_ALLOW_IPS`` set to
    its address (or network), never ``*``; have the proxy overwrite the header
    (``proxy_set_header X-Forwarded-For $remote_addr``) and key the limiter by
    ``request.client.host``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pytest_kabul.checks.scaling.rate_limit_not_shared_across_replicas import probe_paths
from pytest_kabul.errors import CheckSkipped
from pytest_kabul.model import Area, Evidence, Finding, Location, Severity, Tier
from pytest_kabul.project.core import Project
from pytest_kabul.project.deploy.asgi import AsgiApp, asgi_apps
from pytest_kabul.project.deploy.processes import trusted_proxy_facts
from pytest_kabul.project.python.limiters.model import KeySource, RateLimiter
from pytest_kabul.project.python.limiters.scan import rate_limiters
from pytest_kabul.registry import Check, Evaluation, LiveResult

check = Check(
    code="KAB452",
    name="forwarded-for-bypasses-rate-limit",
    area=Area.SCALING,
    severity=Severity.ERROR,
    summary="Requests with a new X-Forwarded-For each are never rate limited.",
    doc=__doc__,
    tier=Tier.LIVE,
)


def _limiters(project: Project, app: AsgiApp) -> list[RateLimiter]:
    return [lim for lim in rate_limiters(project) if lim.app == app.app]


def _reads_header(limiters: list[RateLimiter]) -> bool:
    return any(lim.key is KeySource.FORWARDED_HEADER for lim in limiters)


@check.evaluator
def evaluate(project: Project) -> Evaluation:
    apps = asgi_apps(project)
    if not apps:
        return Evaluation.skip("no ASGI app found (set [tool.kabul.live] app)")
    trusted = bool(trusted_proxy_facts(project))
    subjects, skipped = [], {}
    for app in apps:
        limiters = _limiters(project, app)
        if not limiters:
            skipped[app.subject] = "no rate limiter found in this app"
        elif not trusted and not _reads_header(limiters):
            skipped[app.subject] = (
                "the server trusts X-Forwarded-For only from its default proxies and no limiter"
                " reads the header"
            )
        else:
            subjects.append(app.subject)
    return Evaluation.build(subjects=subjects, skipped=skipped)


@check.live_runner(fixtures=("kabul_replicas",))
def run(project: Project, subject: str, services: Mapping[str, Any]) -> LiveResult:
    from pytest_kabul.services.spoof import SpoofResult, forwarded_probe

    app = next(a for a in asgi_apps(project) if a.subject == subject)
    trusted = trusted_proxy_facts(project)
    env = {"FORWARDED_ALLOW_IPS": "*"} if trusted else {}
    n = project.config.live.burst
    factory = services["kabul_replicas"]
    replicas = factory.start_or_skip(n=1, app=app, env=env)
    results: list[SpoofResult] = []
    try:
        port = replicas.replicas[0].port
        for index, path in enumerate(probe_paths(project, app)):
            sources = (f"127.0.0.{20 + 2 * index}", f"127.0.0.{21 + 2 * index}")
            results.append(forwarded_probe(port, path, n, sources=sources))
            if results[-1].limit_seen:
                break
    finally:
        factory.stop(replicas)
    transcript = "\n\n".join(r.summary() for r in results)
    last = results[-1] if results else None
    if last is None or not last.limit_seen:
        tried = ", ".join(r.path for r in results) or "no path"
        raise CheckSkipped(
            f"no 429 within {n} requests from one client on {tried}: no limit to bypass (name a"
            " rate-limited path in [tool.kabul.live] rate_limit_paths)"
        )
    if not last.bypassed:
        return LiveResult(
            observed=(
                f"GET {last.path}: {last.rotating.limited} x 429 of {n} requests with a new"
                " X-Forwarded-For each; the limit holds"
            )
        )
    limiters = _limiters(project, app)
    limiter = next((lim for lim in limiters if lim.key is KeySource.FORWARDED_HEADER), None)
    limiter = limiter or limiters[0]
    where = trusted[0][0] if trusted and limiter.key is not KeySource.FORWARDED_HEADER else None
    facts = "\n".join(f"{loc}: {text}" for loc, text in trusted) or (
        f"{limiter.path}:{limiter.key_line or limiter.line}: {limiter.name} keys by"
        f" {limiter.key_detail}"
    )
    refused = last.plain.limited
    return LiveResult(
        findings=(
            Finding(
                code=check.code,
                severity=check.severity,
                subject=subject,
                message=(
                    f"{n} requests to GET {last.path} with a different X-Forwarded-For each:"
                    f" 0 x 429 (without the header, {refused} of {n} were refused)"
                ),
                remediation=(
                    "Trust X-Forwarded-For only from the reverse proxy (--forwarded-allow-ips /"
                    " FORWARDED_ALLOW_IPS = its address, never '*'), have the proxy overwrite"
                    " the header, and key the limiter by request.client.host."
                ),
                location=where or Location(limiter.path, limiter.key_line or limiter.line),
                evidence=(
                    Evidence(title="probe", text=transcript),
                    Evidence(title="what trusts the header", text=facts),
                ),
            ),
        )
    )
