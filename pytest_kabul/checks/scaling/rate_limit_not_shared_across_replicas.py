"""KAB451 rate-limit-not-shared-across-replicas: two real replicas accept twice what one does.

What it checks
    Starts two replicas of the app as separate OS processes (uvicorn on free loopback ports,
    same environment, same Redis and Postgres) and runs a differential probe that needs no
    knowledge of the configured limit: a burst of N concurrent requests from 127.0.0.2 to
    replica A (accepted: a1), then N requests from 127.0.0.3 alternating A, B, A, B (accepted:
    a2). A shared limit gives a2 ≈ a1; per-process counters give a2 ≈ 2·a1 (an error). No 429
    in either burst is reported as "no limit observed" (a warning, not a pass). The probed
    paths are ``[tool.kabul.live] rate_limit_paths``, else GET routes with a route-level
    limiter (``@limiter.limit``, ``Depends(RateLimiter(...))``), a non-existent path under the
    API prefix (a 404 still passes through middleware) and the app's other GET routes — the
    health route only when nothing else exists. N is ``[tool.kabul.live] burst`` (default 200).

Why it matters
    The static hint (KAB401) says where state lives; this proves what a client actually gets
    once the app runs on more than one process.

Example
    ``KAB451[backend:app.main:app] two replicas accepted 40 requests where one accepted 20
    (GET /api/v1/__kabul_probe__, 200 per burst): the rate limit is counted per process``

Before
    ``app/main.py``::

        from fastapi import FastAPI
        from slowapi import Limiter
        from slowapi.util import get_remote_address

        limiter = Limiter(key_func=get_remote_address)  # memory:// in each process
        app = FastAPI()

After
    ``app/main.py``::

        import os

        from fastapi import FastAPI
        from slowapi import Limiter
        from slowapi.util import get_remote_address

        limiter = Limiter(key_func=get_remote_address, storage_uri=os.environ["REDIS_URL"])
        app = FastAPI()

Fix
    Store the limiter's counters in Redis (see KAB401) and re-run the check.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from typing import Any

from pytest_kabul.model import Area, Evidence, Finding, Location, Severity, Tier
from pytest_kabul.project.core import Project
from pytest_kabul.project.deploy.asgi import (
    AsgiApp,
    api_prefix,
    app_functions,
    asgi_apps,
    health_path,
    route_paths,
)
from pytest_kabul.project.python.limiters.model import Storage
from pytest_kabul.project.python.limiters.scan import rate_limiters
from pytest_kabul.registry import Check, Evaluation

check = Check(
    code="KAB451",
    name="rate-limit-not-shared-across-replicas",
    area=Area.SCALING,
    severity=Severity.ERROR,
    summary="Two real replicas accept about twice what one accepts: the limit is per process.",
    doc=__doc__,
    tier=Tier.LIVE,
)
PROBE_SUFFIX = "__kabul_probe__"
MAX_PATHS = 3


@check.evaluator
def evaluate(project: Project) -> Evaluation:
    apps = asgi_apps(project)
    if not apps:
        return Evaluation.skip("no ASGI app found (set [tool.kabul.live] app)")
    return Evaluation.build(subjects=[app.subject for app in apps])


def probe_paths(project: Project, app: AsgiApp) -> list[str]:
    configured = project.config.live.rate_limit_paths
    if configured:
        return list(configured)
    health = health_path(project, app)
    paths = [*limited_routes(project, app), f"{api_prefix(project, app)}/{PROBE_SUFFIX}"]
    from pytest_kabul.project.deploy.routes import full_get_paths

    for path in full_get_paths(project, app.app_dir) or route_paths(project, app):
        if (
            path != health
            and path.startswith("/")
            and "{" not in path
            and path not in paths
            and not re.search(r"docs|openapi|redoc", path)
        ):
            paths.append(path)
    # A health route is often exempt: probe it only when the app has no other GET route.
    if len(paths) == 1 and health is not None:
        paths.append(health)
    return paths[:MAX_PATHS]


def limited_routes(project: Project, app: AsgiApp) -> list[str]:
    """GET routes with a route-level limiter (``@limiter.limit(...)``, ``Depends(RateLimiter)``):
    a middleware-less limiter only counts there, so they are probed first."""
    found: set[str] = set()
    for node in app_functions(project, app):
        route, limited = None, False
        for deco in node.decorator_list:
            if not (isinstance(deco, ast.Call) and isinstance(deco.func, ast.Attribute)):
                continue
            if deco.func.attr in {"limit", "shared_limit"}:
                limited = True
            elif deco.func.attr == "get" and deco.args:
                first = deco.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    route = first.value
                deps = [k.value for k in deco.keywords if k.arg == "dependencies"]
                limited = limited or any("Limit" in ast.unparse(d) for d in deps)
        if route is not None and limited and "{" not in route:
            found.add(route)
    return sorted(found)


def _location(project: Project, app: AsgiApp) -> Location | None:
    for limiter in rate_limiters(project):
        if limiter.app == app.app and limiter.storage is Storage.MEMORY:
            return Location(limiter.path, limiter.line)
    return app.location


@check.live_runner(fixtures=("kabul_replicas",))
def run(project: Project, subject: str, services: Mapping[str, Any]) -> list[Finding]:
    from pytest_kabul.services.probe import Verdict, probe

    app = next(a for a in asgi_apps(project) if a.subject == subject)
    n = project.config.live.burst
    paths = probe_paths(project, app)
    replicas = services["kabul_replicas"].start_or_skip(n=2, app=app)
    try:
        a, b = replicas.replicas
        results = []
        for index, path in enumerate(paths):
            sources = (f"127.0.0.{2 + 2 * index}", f"127.0.0.{3 + 2 * index}")
            result = probe(a.port, b.port, path, n, sources=sources)
            results.append(result)
            if result.verdict is not Verdict.NO_LIMIT:
                break
    finally:
        services["kabul_replicas"].stop(replicas)
    last = results[-1]
    transcript = Evidence(title="probe", text="\n\n".join(r.summary() for r in results))
    logs = Evidence(title="replica log tails", text=replicas.log_tails(lines=10))
    where = _location(project, app)
    a1, a2 = last.single.accepted, last.alternating.accepted
    if last.verdict is Verdict.PER_PROCESS:
        return [
            Finding(
                code=check.code,
                severity=Severity.ERROR,
                subject=subject,
                message=(
                    f"two replicas accepted {a2} requests where one accepted {a1}"
                    f" (GET {last.path}, {n} per burst): the rate limit is counted per process"
                ),
                remediation=(
                    "Store the rate limiter's counters in Redis (shared by every replica) and"
                    " re-run with --kabul-readiness -k KAB451."
                ),
                location=where,
                evidence=(transcript, logs),
            )
        ]
    if last.verdict is Verdict.NO_LIMIT:
        tried = ", ".join(r.path for r in results)
        return [
            Finding(
                code=check.code,
                severity=Severity.WARNING,
                subject=subject,
                message=f"no rate limit observed: no 429 within {n} requests per burst on {tried}",
                remediation=(
                    "Add a rate limiter backed by Redis, or name a rate-limited path in"
                    " [tool.kabul.live] rate_limit_paths (and a larger burst if the limit is"
                    f" above {n})."
                ),
                location=app.location,
                evidence=(transcript,),
            )
        ]
    if last.verdict is Verdict.INCONCLUSIVE:
        return [
            Finding(
                code=check.code,
                severity=Severity.WARNING,
                subject=subject,
                message=(
                    f"the probe could not tell shared from per-process limits (a1 = {a1},"
                    f" a2 = {a2}, {n} per burst on GET {last.path})"
                ),
                remediation=(
                    "Raise [tool.kabul.live] burst above twice the configured limit, or set"
                    " rate_limit_paths to a path the limiter counts."
                ),
                location=where,
                evidence=(transcript,),
            )
        ]
    return []
