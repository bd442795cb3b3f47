"""KAB404 broker-may-evict: a Redis that holds queued tasks, results, rate-limit counters or
tokens is allowed to evict keys.

What it checks
    Every started Redis (or Valkey/KeyDB) service of a compose model (development stacks
    skipped) whose memory is capped (``--maxmemory`` not 0, on the command line or in a
    mounted ``redis.conf``) with an evicting ``maxmemory-policy``. Its users are the other
    services whose environment points at it (``redis://redis:6379/0``, ``REDIS_HOST=redis``);
    the variable's name says the role: ``*BROKER*`` (Celery broker), ``*RESULT*`` (result
    backend), ``*LIMIT*``/``*THROTTLE*`` (rate-limit store), ``*SESSION*``/``*TOKEN*``/
    ``*LOCK*`` (token store), ``*CACHE*`` (a cache: eviction is fine); a generic name
    (``REDIS_URL``) used by a service that runs a Celery worker or beat counts as the broker.
    ``allkeys-*`` is a finding for every role but a cache; ``volatile-*`` evicts only keys
    with a TTL, so it is a finding for result backends, rate-limit counters and tokens (a
    Celery queue has no TTL).

Why it matters
    Under memory pressure Redis deletes keys: queued tasks vanish without an error, results
    are lost, rate-limit counters reset (the limit stops limiting) and users are logged out.
    ``noeviction`` makes Redis refuse writes instead, which the app sees and reports.

Example
    ``docker-compose.yml:31 redis: --maxmemory-policy allkeys-lru evicts the Celery broker of
    worker (CELERY_BROKER_URL)``

Before
    ``docker-compose.yml``::

        services:
          redis:
            image: redis:7
            command: redis-server --maxmemory 256mb --maxmemory-policy allkeys-lru
          worker:
            build: .
            command: celery -A app.worker worker
            environment:
              CELERY_BROKER_URL: redis://redis:6379/0

After
    ``docker-compose.yml``::

        services:
          redis:
            image: redis:7
            command: redis-server --maxmemory 256mb --maxmemory-policy noeviction
          worker:
            build: .
            command: celery -A app.worker worker
            environment:
              CELERY_BROKER_URL: redis://redis:6379/0

Fix
    Use ``--maxmemory-policy noeviction`` for the Redis that holds queues, results, counters and
    tokens, and give caches their own Redis (or database) with an evicting policy.
"""

from __future__ import annotations

import re

from pytest_kabul.model import Area, Evidence, Finding, Location, Severity
from pytest_kabul.project import shell as sh
from pytest_kabul.project.compose.load import compose_models
from pytest_kabul.project.compose.model import ComposeModel, ComposeService
from pytest_kabul.project.compose.roles import Datastore, command_text, datastore_kind, dev_reason
from pytest_kabul.project.core import Project
from pytest_kabul.registry import Check, Evaluation

check = Check(
    code="KAB404",
    name="broker-may-evict",
    area=Area.SCALING,
    severity=Severity.ERROR,
    summary="The Redis holding queues, results, rate limits or tokens may evict keys.",
    doc=__doc__,
)

_ROLES = (
    (re.compile(r"BROKER", re.I), "Celery broker"),
    (re.compile(r"RESULT", re.I), "result backend"),
    (re.compile(r"LIMIT|THROTTL", re.I), "rate-limit store"),
    (re.compile(r"SESSION|TOKEN|LOCK|AUTH|JWT|BLACKLIST|DENYLIST", re.I), "token store"),
    (re.compile(r"CACHE", re.I), "cache"),
)
_TTL_ROLES = frozenset({"result backend", "rate-limit store", "token store"})


def _setting(text: str, name: str) -> str | None:
    match = re.search(rf"(?:^|\s)(?:--)?{name}\s+[\"']?([\w.-]+)", text, re.M)
    return match.group(1).lower() if match else None


def _memory_policy(project: Project, service: ComposeService) -> tuple[str, str, str] | None:
    """(maxmemory, policy, where) when the service evicts, else None."""
    sources = [(command_text(project, service), f"{service.where('command')[0]}")]
    for volume in service.volumes:
        source = volume.split(":", 1)[0]
        if source.endswith(".conf") and project.exists(source):
            sources.append((project.read_text(source) or "", source))
    memory = policy = None
    where = service.file
    for text, origin in sources:
        memory = _setting(text, "maxmemory") or memory
        found = _setting(text, "maxmemory-policy")
        if found:
            policy, where = found, origin
    if memory in (None, "0") or policy is None:
        return None
    if not policy.startswith(("allkeys-", "volatile-")):
        return None
    assert memory is not None
    return memory, policy, where


def _points_at(value: str, host: str) -> bool:
    return bool(
        re.search(rf"(?:^|://|@|,)(?:[^/@\s]*@)?{re.escape(host)}(?::\d+|/|$)", value)
        or value == host
    )


def _runs_celery(project: Project, service: ComposeService) -> bool:
    for argv in sh.split(command_text(project, service)):
        words = sh.normalise(argv)
        if "celery" in (sh.base(w) for w in words[:3]):
            return True
    return False


def _users(project: Project, model: ComposeModel, redis: ComposeService) -> list[tuple[str, str]]:
    """(role, "service (VARIABLE)") of every service pointing at the Redis."""
    out: list[tuple[str, str]] = []
    for service in model.started:
        if service is redis:
            continue
        for key, value in sorted(service.environment.items()):
            if not value or not _points_at(value, redis.name):
                continue
            role = next((r for pattern, r in _ROLES if pattern.search(key)), None)
            if role is None and _runs_celery(project, service):
                role = "Celery broker"
            if role is not None:
                out.append((role, f"{service.name} ({key})"))
    return sorted(set(out))


@check.evaluator
def evaluate(project: Project) -> Evaluation:
    subjects: list[str] = []
    skipped: dict[str, str] = {}
    findings: list[Finding] = []
    for model in compose_models(project):
        for redis in model.started:
            if datastore_kind(project, redis) is not Datastore.REDIS:
                continue
            subject = f"{model.subject}:{redis.name}"
            dev = dev_reason(project, model)
            if dev:
                skipped[subject] = f"development stack: {dev}"
                continue
            subjects.append(subject)
            evicts = _memory_policy(project, redis)
            if evicts is None:
                continue
            memory, policy, where = evicts
            allkeys = policy.startswith("allkeys-")
            hit = [
                (role, user)
                for role, user in _users(project, model, redis)
                if role != "cache" and (allkeys or role in _TTL_ROLES)
            ]
            if not hit:
                continue
            shown = "; ".join(f"the {role} of {user}" for role, user in hit[:3])
            path, line = redis.where("command")
            findings.append(
                Finding(
                    code=check.code,
                    severity=Severity.ERROR,
                    subject=subject,
                    message=(
                        f"{redis.name}: --maxmemory {memory} with --maxmemory-policy {policy}"
                        f" can evict {shown}"
                    ),
                    remediation=(
                        f"Set --maxmemory-policy noeviction on {redis.name} ({where}) and give"
                        " caches their own Redis with an evicting policy."
                    ),
                    location=Location(path, line),
                    evidence=(
                        Evidence(
                            title="users of the Redis",
                            text="\n".join(f"{user}: {role}" for role, user in hit),
                        ),
                    ),
                )
            )
    if not subjects and not skipped:
        return Evaluation.skip("no Redis service in any compose model")
    return Evaluation.build(subjects=subjects, findings=findings, skipped=skipped)
