"""KAB502 datastore-port-published: a database or cache port is reachable from other hosts.

What it checks
    Every started service of every compose model that runs a datastore — Postgres, Redis,
    MySQL/MariaDB, MongoDB, Memcached, Elasticsearch, RabbitMQ … recognised by image (or the
    base image of its Dockerfile) or, for unknown images, by a datastore's container port
    (5432, 6379, 3306, 27017 …). A port published without a host address or on anything but
    loopback is a finding: ``"5432:5432"`` and ``"0.0.0.0:5432:5432"`` both listen on every
    interface (and Docker's iptables rules bypass ufw). ``network_mode: host`` counts too.
    The evidence says when it is worse: Postgres with ``POSTGRES_HOST_AUTH_METHOD=trust``,
    Redis without ``--requirepass``, MySQL with an empty root password, MongoDB without a root
    user. Development stacks (hot reload) are skipped with that reason. Password values are never
    shown.

Why it matters
    Internet-wide scanners find open 5432/6379 within minutes; Redis without a password and
    Postgres with trust auth are taken over (data theft, ransom notes, crypto miners through
    ``CONFIG SET``/``COPY … PROGRAM``).

Example
    ``docker-compose.yml:9 db (postgres) publishes 5432:5432 on all interfaces``

Before
    ``docker-compose.yml``::

        services:
          db:
            image: postgres:16
            ports:
              - "5432:5432"

After
    ``docker-compose.yml``::

        services:
          db:
            image: postgres:16
            ports:
              - "127.0.0.1:5432:5432"

Fix
    Remove the service's ``ports:`` (other services reach it as ``db:5432`` on the compose
    network), or bind it to loopback: ``"127.0.0.1:5432:5432"``.
"""

from __future__ import annotations

from pytest_kabul.checks.deployment._templates import no_compose_reason
from pytest_kabul.model import Area, Evidence, Finding, Location, Severity
from pytest_kabul.project.compose.load import compose_models
from pytest_kabul.project.compose.model import ComposeService
from pytest_kabul.project.compose.roles import (
    Datastore,
    ServiceRef,
    command_text,
    datastore_kind,
    datastore_port_kind,
    dev_reason,
    public_ports,
)
from pytest_kabul.project.core import Project
from pytest_kabul.registry import Check, Evaluation

check = Check(
    code="KAB502",
    name="datastore-port-published",
    area=Area.DEPLOYMENT,
    severity=Severity.CRITICAL,
    summary="A database/cache port is published on a non-loopback address.",
    doc=__doc__,
)


def _weakness(project: Project, service: ComposeService, kind: Datastore) -> list[str]:
    """Why an exposed datastore is worse (no values: names and facts only)."""
    env = service.environment
    command = command_text(project, service)
    if kind is Datastore.POSTGRES:
        if (env.get("POSTGRES_HOST_AUTH_METHOD") or "").lower() == "trust":
            return [
                "POSTGRES_HOST_AUTH_METHOD=trust: anyone who reaches the port logs in"
                " without a password"
            ]
    elif kind is Datastore.REDIS:
        has_password = (
            "requirepass" in command
            or any(k in env for k in ("REDIS_PASSWORD", "REDIS_ARGS", "VALKEY_PASSWORD"))
            or any(v.endswith((".conf", "/usr/local/etc/redis")) for v in service.volumes)
        )
        if (env.get("ALLOW_EMPTY_PASSWORD") or "").lower() == "yes" or not has_password:
            return [
                "Redis runs without a password (no --requirepass, REDIS_PASSWORD or"
                " mounted redis.conf): anyone who reaches the port can read, write and"
                " reconfigure it"
            ]
    elif kind is Datastore.MYSQL:
        if any(
            (env.get(k) or "").lower() in ("yes", "1", "true")
            for k in ("MYSQL_ALLOW_EMPTY_PASSWORD", "MARIADB_ALLOW_EMPTY_ROOT_PASSWORD")
        ):
            return ["MySQL/MariaDB allows an empty root password"]
    elif kind is Datastore.MONGO and "MONGO_INITDB_ROOT_USERNAME" not in env:
        return ["MongoDB has no root user (MONGO_INITDB_ROOT_USERNAME unset): no authentication"]
    return []


def _judge(project: Project, ref: ServiceRef) -> Finding | None:
    service = ref.service
    by_image = datastore_kind(project, service)
    exposed = [
        (p, by_image or datastore_port_kind(p))
        for p in public_ports(service)
        if by_image is not None or datastore_port_kind(p) is not None
    ]
    if not exposed:
        return None
    kind = exposed[0][1]
    assert kind is not None
    ports = ", ".join(str(p) for p, _ in exposed)
    where = (
        "on all interfaces" if all(p.host_ip is None for p, _ in exposed) else "on a public address"
    )
    if service.raw.get("network_mode") == "host":
        ports, where = "every port", "through network_mode: host"
    weak = _weakness(project, service, kind)
    path, line = service.where("ports")
    text = "\n".join([f"{service.name} ({kind.label}) publishes {ports}", *weak])
    return Finding(
        code=check.code,
        severity=Severity.CRITICAL,
        subject=ref.subject,
        message=f"{service.name} ({kind.label}) publishes {ports} {where}"
        + (" and accepts connections without a password" if weak else ""),
        remediation=(
            f"Remove the 'ports:' of {service.name} in {path} (other services reach it by"
            f" service name on the compose network), or bind it to loopback"
            f' ("127.0.0.1:{exposed[0][0].published or exposed[0][0].target}:'
            f'{exposed[0][0].target}")' + ("; and require a password." if weak else ".")
        ),
        location=Location(path, line),
        evidence=(Evidence(title="exposure", text=text),),
    )


@check.evaluator
def evaluate(project: Project) -> Evaluation:
    models = compose_models(project)
    if not models:
        return Evaluation.skip(no_compose_reason(project))
    subjects: list[str] = []
    skipped: dict[str, str] = {}
    findings: list[Finding] = []
    for model in models:
        dev = dev_reason(project, model)
        for service in model.started:
            ref = ServiceRef(model, service)
            is_store = datastore_kind(project, service) is not None or any(
                datastore_port_kind(p) for p in service.ports
            )
            if not is_store:
                continue
            if dev:
                skipped[ref.subject] = f"development stack: {dev}"
                continue
            subjects.append(ref.subject)
            finding = _judge(project, ref)
            if finding is not None:
                findings.append(finding)
    if not subjects and not skipped:
        return Evaluation.skip("no datastore service in any compose model")
    return Evaluation.build(subjects=subjects, findings=findings, skipped=skipped)
