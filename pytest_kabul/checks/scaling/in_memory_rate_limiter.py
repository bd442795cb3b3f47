"""KAB401 in-memory-rate-limiter: a rate limiter keeps its counters in process memory.

What it checks
    Every rate limiter the project defines or configures: custom middleware and dependencies
    that answer 429 and count in a ``dict``/``defaultdict``/``deque``/``list``/``TTLCache``
    keyed by client, slowapi ``Limiter`` without ``storage_uri`` (or ``memory://``, also as a
    Settings default), ``limits`` ``MemoryStorage`` and pyrate-limiter (fastapi-limiter >= 0.2)
    in-memory buckets. Limiters backed by Redis, Memcached or a database pass. The finding is an
    error when more than one process serves the app anywhere (uvicorn ``--workers``, gunicorn
    ``-w``, ``WEB_CONCURRENCY``, compose ``deploy.replicas``/``scale``), a warning otherwise.

Why it matters
    Each process counts on its own: with two replicas (or ``--workers 4``) a client gets the
    limit once per process, so the protection the limit was meant to give (brute force, cost
    control) shrinks as the deployment grows. KAB451 proves it against two real replicas.

Example
    ``backend/app/middleware/throttle.py:12 custom rate limiter IPThrottleMiddleware keeps its
    counters in process memory (self.requests (defaultdict)); 2 processes are configured``

Before
    ``requirements.txt``::

        fastapi
        slowapi

    ``app/limits.py``::

        from slowapi import Limiter
        from slowapi.util import get_remote_address

        limiter = Limiter(key_func=get_remote_address)

After
    ``app/limits.py``::

        from slowapi import Limiter
        from slowapi.util import get_remote_address

        limiter = Limiter(key_func=get_remote_address, storage_uri="redis://redis:6379")

Fix
    Keep the counters in Redis: slowapi ``Limiter(storage_uri=settings.REDIS_URL)``,
    fastapi-limiter with a Redis bucket, or ``INCR`` + ``EXPIRE`` in the middleware.
"""

from __future__ import annotations

from pytest_kabul.model import Area, Evidence, Finding, Location, Severity
from pytest_kabul.project.core import Project
from pytest_kabul.project.deploy.processes import process_facts
from pytest_kabul.project.python.limiters.model import Storage
from pytest_kabul.project.python.limiters.scan import rate_limiters
from pytest_kabul.registry import Check, Evaluation

check = Check(
    code="KAB401",
    name="in-memory-rate-limiter",
    area=Area.SCALING,
    severity=Severity.ERROR,
    summary="A rate limiter keeps its counters in process memory, so each replica counts alone.",
    doc=__doc__,
)


@check.evaluator
def evaluate(project: Project) -> Evaluation:
    limiters = rate_limiters(project)
    if not limiters:
        return Evaluation.skip("no rate limiter found")
    facts = process_facts(project)
    findings = []
    notes = {}
    for limiter in limiters:
        if limiter.storage is not Storage.MEMORY:
            notes[limiter.subject] = f"state in {limiter.storage_detail}"
            continue
        message = (
            f"{limiter.kind.value} rate limiter {limiter.name} keeps its counters in process"
            f" memory ({limiter.storage_detail})"
        )
        evidence: tuple[Evidence, ...] = ()
        if facts:
            most = max(f.count for f in facts)
            message += f"; up to {most} processes are configured"
            lines = "\n".join(f"{f.location}: {f.description}" for f in facts)
            evidence = (Evidence(title="processes configured", text=lines),)
        findings.append(
            Finding(
                code=check.code,
                severity=Severity.ERROR if facts else Severity.WARNING,
                subject=limiter.subject,
                message=message,
                remediation=(
                    f"Move the counters of {limiter.name} in {limiter.path} to Redis (slowapi"
                    " Limiter(storage_uri=<redis url>), fastapi-limiter with a Redis bucket, or"
                    " INCR + EXPIRE) so every process and replica shares one count."
                ),
                location=Location(limiter.path, limiter.line),
                evidence=evidence,
            )
        )
    return Evaluation.build(
        subjects=[lim.subject for lim in limiters], findings=findings, notes=notes
    )
