"""What a compose service *is*: a datastore, a reverse proxy, a web app, a backup job.

Judged from the image name (``docker.io/library/postgres:16`` → ``postgres``), or for services
built from source from the final stage of their Dockerfile (``FROM nginx:alpine``), and from the
command the container runs (compose ``command``/``entrypoint``, else the Dockerfile's
``CMD``/``ENTRYPOINT``). Shared by the deployment checks (KAB501-KAB504) and KAB203.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from pytest_kabul.project.compose.devstack import DEV_RE, image_dev_server, mounted_source
from pytest_kabul.project.compose.model import ComposeModel, ComposeService, PortMapping
from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.docker.dockerfiles import Dockerfile, dockerfiles


class Datastore(enum.Enum):
    """Datastores that must never be reachable from the internet, with their default ports."""

    POSTGRES = ("postgres", (5432,))
    REDIS = ("redis", (6379, 6380, 26379))
    MYSQL = ("mysql", (3306, 33060))
    MONGO = ("mongodb", (27017, 27018, 27019))
    MEMCACHED = ("memcached", (11211,))
    ELASTICSEARCH = ("elasticsearch", (9200, 9300))
    RABBITMQ = ("rabbitmq", (5672, 15672))
    CASSANDRA = ("cassandra", (9042,))
    COUCHDB = ("couchdb", (5984,))
    NEO4J = ("neo4j", (7687, 7474))
    INFLUXDB = ("influxdb", (8086,))
    ETCD = ("etcd", (2379, 2380))

    @property
    def label(self) -> str:
        label: str = self.value[0]
        return label

    @property
    def ports(self) -> tuple[int, ...]:
        ports: tuple[int, ...] = self.value[1]
        return ports


_DATASTORE_IMAGES: tuple[tuple[re.Pattern[str], Datastore], ...] = (
    (
        re.compile(
            r"(^|/)(postgres|postgresql|postgis|timescaledb[\w-]*|pgvector|cloudnative-pg)$"
        ),
        Datastore.POSTGRES,
    ),
    (
        re.compile(r"(^|/)(supabase/postgres|crunchy-postgres[\w-]*|patroni|spilo[\w-]*)$"),
        Datastore.POSTGRES,
    ),
    (
        re.compile(r"(^|/)(redis|redis-stack[\w-]*|valkey|keydb|dragonfly|redis-cluster)$"),
        Datastore.REDIS,
    ),
    (re.compile(r"(^|/)(mysql|mariadb|percona[\w-]*|mysql-server)$"), Datastore.MYSQL),
    (re.compile(r"(^|/)(mongo|mongodb|mongodb-community-server)$"), Datastore.MONGO),
    (re.compile(r"(^|/)memcached$"), Datastore.MEMCACHED),
    (re.compile(r"(^|/)(elasticsearch|opensearch)$"), Datastore.ELASTICSEARCH),
    (re.compile(r"(^|/)rabbitmq$"), Datastore.RABBITMQ),
    (re.compile(r"(^|/)(cassandra|scylla)$"), Datastore.CASSANDRA),
    (re.compile(r"(^|/)couchdb$"), Datastore.COUCHDB),
    (re.compile(r"(^|/)neo4j$"), Datastore.NEO4J),
    (re.compile(r"(^|/)influxdb$"), Datastore.INFLUXDB),
    (re.compile(r"(^|/)etcd$"), Datastore.ETCD),
)
_PORT_KIND = {port: kind for kind in Datastore for port in kind.ports}

_PROXY_RE = re.compile(
    r"(^|/)(traefik|caddy[\w-]*|nginx[\w-]*|openresty|haproxy|envoy|swag|https-portal"
    r"|nginx-proxy-manager|docker-nginx-auto-ssl|cloudflared|pomerium|kong|apisix)$"
)
_TLS_COMPANION_RE = re.compile(r"(^|/)(certbot|acme-companion|letsencrypt[\w-]*|acme\.sh)$")
_APP_RE = re.compile(
    r"\b(uvicorn|gunicorn|hypercorn|granian|daphne|fastapi|flask|waitress-serve"
    r"|next|node|npm|yarn|pnpm|bun|deno|python|python3|streamlit|server\.js)\b"
)

_DEV_NAME_RE = re.compile(r"(^|[._-])(dev|develop|development|local)([._-]|$)", re.IGNORECASE)


def image_name(image: str | None) -> str:
    """``docker.io/library/postgres:16@sha256:..`` → ``postgres``; ``ghcr.io/a/b:1`` → ``a/b``."""
    if not image:
        return ""
    name = image.split("@", 1)[0].strip().lower()
    parts = name.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]
    last = parts[-1].split(":", 1)[0]
    parts[-1] = last
    if parts[0] == "library" and len(parts) > 1:
        parts = parts[1:]
    return "/".join(parts)


@facet
def _dockerfiles_by_path(project: Project) -> dict[str, Dockerfile]:
    return {d.path: d for d in dockerfiles(project)}


def service_dockerfile(project: Project, service: ComposeService) -> Dockerfile | None:
    if service.dockerfile is None:
        return None
    return _dockerfiles_by_path(project).get(service.dockerfile)


def base_image(project: Project, service: ComposeService) -> str:
    """The image name of the service, or of its Dockerfile's final stage base when it builds."""
    if service.image and service.build_context is None:
        return image_name(service.image)
    dockerfile = service_dockerfile(project, service)
    if dockerfile is not None:
        base = dockerfile.base_image()
        if base:
            return image_name(base)
    return image_name(service.image)


def command_text(project: Project, service: ComposeService) -> str:
    """The start command as one line: compose entrypoint+command, else the Dockerfile's."""
    parts: list[str] = []
    dockerfile = service_dockerfile(project, service)
    for key, value in (("ENTRYPOINT", service.entrypoint), ("CMD", service.command)):
        if value is None and dockerfile is not None:
            found = dockerfile.effective(key)
            value = " ".join(found.argv()) if found is not None else None
        if value is not None:
            parts.append(value if isinstance(value, str) else " ".join(value))
    return " ".join(parts)


def datastore_kind(project: Project, service: ComposeService) -> Datastore | None:
    """The datastore a service runs, by image (or its Dockerfile base), else None."""
    name = base_image(project, service)
    for pattern, kind in _DATASTORE_IMAGES:
        if pattern.search(name):
            return kind
    return None


def datastore_port_kind(port: PortMapping) -> Datastore | None:
    """The datastore whose default port this mapping's container port is."""
    for number in port.target_ports():
        if number in _PORT_KIND:
            return _PORT_KIND[number]
    return None


def proxy_kind(project: Project, service: ComposeService) -> str | None:
    """``traefik``/``caddy``/``nginx``… when the service is a reverse proxy, else None."""
    name = base_image(project, service)
    m = _PROXY_RE.search(name)
    if m:
        return m.group(2)
    return None


def is_tls_companion(project: Project, service: ComposeService) -> bool:
    return bool(_TLS_COMPANION_RE.search(base_image(project, service)))


def is_app(project: Project, service: ComposeService) -> bool:
    """A web app/API container (uvicorn, gunicorn, Next.js, node …), not a proxy or datastore."""
    if proxy_kind(project, service) or datastore_kind(project, service):
        return False
    if _APP_RE.search(command_text(project, service)):
        return True
    base = base_image(project, service)
    return bool(re.search(r"(^|/)(python|node|pypy|bun|deno|uvicorn-gunicorn[\w-]*)$", base))


def dev_reason(project: Project, model: ComposeModel) -> str | None:
    """Why the model looks like a development stack (hot reload, dev server), else None."""
    for service in model.started:
        command = command_text(project, service) if service.command or service.entrypoint else ""
        m = DEV_RE.search(command)
        if m:
            return f"service {service.name} runs a development server ({m.group(0).strip()!r})"
        image_dev = image_dev_server(project, service)
        if image_dev:
            return f"service {service.name} runs a development server ({image_dev})"
        build = service.raw.get("build")
        target = str(build.get("target") or "") if isinstance(build, dict) else ""
        dockerfile = (service.dockerfile or "").rsplit("/", 1)[-1]
        if _DEV_NAME_RE.search(target) or _DEV_NAME_RE.search(dockerfile):
            what = f"target {target}" if _DEV_NAME_RE.search(target) else dockerfile
            return f"service {service.name} builds a development image ({what})"
        mount = mounted_source(project, service)
        if mount:
            return f"service {service.name} {mount} (a developer's working copy)"
    return None


def public_ports(service: ComposeService) -> tuple[PortMapping, ...]:
    """Ports reachable from other hosts (``network_mode: host`` publishes every port)."""
    if service.raw.get("network_mode") == "host":
        return (PortMapping(target="*", published="*", host_ip=None),)
    return tuple(p for p in service.ports if p.public)


@dataclass(frozen=True)
class ServiceRef:
    """A service of a model, for subjects such as ``docker-compose.yml:db``."""

    model: ComposeModel
    service: ComposeService

    @property
    def subject(self) -> str:
        return f"{self.model.subject}:{self.service.name}"
