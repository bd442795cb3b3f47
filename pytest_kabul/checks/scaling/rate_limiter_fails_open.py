"""KAB403 rate-limiter-fails-open: a Redis-backed limiter lets every request through on errors.

What it checks
    Rate limiters with shared storage (Redis, Memcached, a database): an ``except`` around the
    storage call that neither re-raises nor rejects the request (``pass``, ``return await
    call_next(request)``, logging only), and slowapi ``Limiter(swallow_errors=True)``.

Why it matters
    When Redis is down, overloaded or unreachable, the limiter silently stops limiting: the
    moment an attacker saturates Redis is the moment the protection disappears.

Example
    ``backend/app/middleware/limit.py:31 custom rate limiter RedisRateLimit lets requests
    through when its storage fails``

Before
    ``requirements.txt``::

        fastapi
        redis

    ``app/limit.py``::

        import redis
        from starlette.responses import Response

        r = redis.Redis(host="redis")


        class RateLimit:
            async def dispatch(self, request, call_next):
                try:
                    n = r.incr(request.client.host)
                except redis.RedisError:
                    return await call_next(request)
                if n > 5:
                    return Response(status_code=429)
                return await call_next(request)

After
    ``app/limit.py``::

        import redis
        from starlette.responses import Response

        r = redis.Redis(host="redis")


        class RateLimit:
            async def dispatch(self, request, call_next):
                try:
                    n = r.incr(request.client.host)
                except redis.RedisError:
                    return Response(status_code=503)
                if n > 5:
                    return Response(status_code=429)
                return await call_next(request)

Fix
    Fail closed on storage errors (answer 503 or 429), or fall back to a local limit with an
    alert, and monitor the limiter's storage errors.
"""

from __future__ import annotations

from pytest_kabul.model import Area, Finding, Location, Severity
from pytest_kabul.project.core import Project
from pytest_kabul.project.python.limiters.model import Storage
from pytest_kabul.project.python.limiters.scan import rate_limiters
from pytest_kabul.registry import Check, Evaluation

check = Check(
    code="KAB403",
    name="rate-limiter-fails-open",
    area=Area.SCALING,
    severity=Severity.WARNING,
    summary="A rate limiter with shared storage lets every request through when storage fails.",
    doc=__doc__,
)


@check.evaluator
def evaluate(project: Project) -> Evaluation:
    limiters = [lim for lim in rate_limiters(project) if lim.storage is Storage.SHARED]
    if not limiters:
        return Evaluation.skip("no rate limiter with shared storage found")
    findings = [
        Finding(
            code=check.code,
            severity=check.severity,
            subject=lim.subject,
            message=(
                f"{lim.kind.value} rate limiter {lim.name} lets requests through when its"
                " storage fails"
            ),
            remediation=(
                f"In {lim.path}, answer 503 (or 429) when the limiter's storage call fails instead"
                " of passing the request on, and alert on those errors."
            ),
            location=Location(lim.path, lim.fails_open_line),
        )
        for lim in limiters
        if lim.fails_open_line is not None
    ]
    return Evaluation.build(subjects=[lim.subject for lim in limiters], findings=findings)
