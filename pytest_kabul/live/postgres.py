"""Provider selection for the ``kabul_postgres`` fixture (pytest layer: uses pytest-docker).

First that applies wins: ``--kabul-postgres-url`` / ``KABUL_POSTGRES_URL`` (an explicit URL
that does not work is an error, never a silent fallback); the project's compose Postgres
service through pytest-docker when a Docker engine answers (unique project name, ``down -v``
in teardown, also when ``up`` fails); embedded local binaries; otherwise
:class:`ServiceUnavailable` with a reason that says how to provide one.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

from pytest_kabul.errors import PostgresUnavailable, ServiceUnavailable
from pytest_kabul.project.compose.load import compose_models
from pytest_kabul.project.compose.model import ComposeKind
from pytest_kabul.project.core import Project
from pytest_kabul.services import cleanup
from pytest_kabul.services.postgres import PostgresProvider, PostgresService

_IMAGES = ("postgres", "postgis", "timescale", "pgvector")


@dataclass(frozen=True)
class ComposePostgres:
    files: tuple[str, ...]  # absolute paths
    service: str
    user: str
    password: str | None
    database: str


def compose_postgres(project: Project) -> ComposePostgres | None:
    """The project's compose Postgres service (image postgres/postgis/…), if any."""
    models = sorted(
        compose_models(project), key=lambda m: (m.kind is not ComposeKind.PRODUCTION, m.subject)
    )
    for model in models:
        for name, service in sorted(model.services.items()):
            image = (service.image or "").lower()
            if not any(tag in image for tag in _IMAGES):
                continue
            env = service.environment
            user = env.get("POSTGRES_USER") or "postgres"
            return ComposePostgres(
                files=tuple(str(project.root / f) for f in model.files),
                service=name,
                user=user,
                password=env.get("POSTGRES_PASSWORD"),
                database=env.get("POSTGRES_DB") or user,
            )
    return None


def docker_answers(timeout: float = 5.0) -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        done = subprocess.run(
            ["docker", "info", "--format", "{{.ServerVersion}}"],
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


@contextlib.contextmanager
def docker_postgres(target: ComposePostgres, *, timeout: float = 60.0) -> Iterator[PostgresService]:
    from pytest_docker.plugin import DockerComposeExecutor, Services, get_docker_ip

    executor = DockerComposeExecutor(
        "docker compose", list(target.files), f"kabul{secrets.token_hex(4)}"
    )

    def down() -> None:
        executor.execute("down -v --remove-orphans")

    handle = cleanup.on_exit(down)
    try:
        executor.execute(f"up -d --wait {target.service}")
        port = Services(executor).port_for(target.service, 5432)
        auth = quote(target.user, safe="")
        if target.password:
            auth += ":" + quote(target.password, safe="")
        url = f"postgresql://{auth}@{get_docker_ip()}:{port}/{quote(target.database)}"
        with PostgresService.from_url(url, provider=PostgresProvider.DOCKER) as service:
            yield service
    finally:
        cleanup.run_cleanup(handle)


@contextlib.contextmanager
def provide(
    project: Project, *, url: str | None, allow_remote: bool, timeout: float = 30.0
) -> Iterator[PostgresService]:
    url = url or os.environ.get("KABUL_POSTGRES_URL") or None
    with contextlib.ExitStack() as stack:
        service = _choose(stack, project, url=url, allow_remote=allow_remote, timeout=timeout)
        yield service


def _choose(
    stack: contextlib.ExitStack, project: Project, *, url: str | None, allow_remote: bool,
    timeout: float,
) -> PostgresService:  # fmt: skip
    if url:
        try:
            return stack.enter_context(PostgresService.from_url(url, allow_remote=allow_remote))
        except PostgresUnavailable as exc:
            raise ServiceUnavailable(f"--kabul-postgres-url: {exc}") from None
    reasons: list[str] = []
    target = compose_postgres(project)
    if target is None:
        reasons.append("no compose Postgres service")
    elif not docker_answers():
        reasons.append("no Docker engine answers")
    else:
        try:
            return stack.enter_context(docker_postgres(target))
        except Exception as exc:
            reasons.append(f"compose service {target.service!r} did not start: {exc}")
    try:
        return stack.enter_context(PostgresService.embedded(timeout=timeout))
    except PostgresUnavailable as exc:
        reasons.append(str(exc))
    raise ServiceUnavailable(
        "no Postgres server for the live checks (" + "; ".join(reasons) + "); pass"
        " --kabul-postgres-url postgresql://user@127.0.0.1:5432/postgres, start Docker, or"
        " install the PostgreSQL server binaries (initdb, pg_ctl)"
    )
