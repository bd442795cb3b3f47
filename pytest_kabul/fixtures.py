"""Public fixtures: ``kabul_project`` and the live services (Postgres, Redis, app replicas).

Fixture bodies import their machinery lazily so that merely having the plugin installed costs
nothing at start-up.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pytest_kabul.live.launch import ReplicaFactory
    from pytest_kabul.project.core import Project
    from pytest_kabul.services.postgres import PostgresService
    from pytest_kabul.services.redis import RedisService


@pytest.fixture(scope="session")
def kabul_project(pytestconfig: pytest.Config) -> Project:
    """The static model of the project under check (shared with the readiness items)."""
    plugin = pytestconfig.pluginmanager.get_plugin("kabul-session")
    if plugin is not None:
        project: Project = plugin.project
        return project
    from pytest_kabul.project.core import Project

    root = pytestconfig.getoption("kabul_root")
    return Project(Path(root) if root else pytestconfig.rootpath)


def _unavailable(config: pytest.Config, reason: str) -> None:
    if config.getoption("kabul_require_live"):
        pytest.fail(f"live service unavailable: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def kabul_redis(pytestconfig: pytest.Config, kabul_project: Project) -> Iterator[RedisService]:
    """A Redis for live checks: --kabul-redis-url/KABUL_REDIS_URL (an unused database number,
    flushed on teardown), the project's compose service when Docker answers, else an embedded
    ``redis-server`` on a free loopback port."""
    from pytest_kabul.errors import ServiceUnavailable
    from pytest_kabul.live.redis import compose_redis
    from pytest_kabul.services.redis import RedisService

    try:
        with RedisService.start(
            url=pytestconfig.getoption("kabul_redis_url"),
            compose=compose_redis(kabul_project),
            allow_remote=bool(pytestconfig.getoption("kabul_allow_remote_db")),
        ) as service:
            yield service
    except ServiceUnavailable as exc:
        _unavailable(pytestconfig, str(exc))


@pytest.fixture
def kabul_replicas(
    request: pytest.FixtureRequest, kabul_project: Project, kabul_redis: RedisService
) -> Iterator[ReplicaFactory]:
    """A factory: ``kabul_replicas.start(n=2, env={...})`` starts real uvicorn replicas of the
    discovered app (separate process groups, free loopback ports), each start with a fresh
    ``kabul_<random>`` database from ``kabul_postgres`` when the app reads one; all stopped,
    checked to have used only those (a safety error otherwise) and dropped on teardown."""
    from pytest_kabul.live.launch import ReplicaFactory

    def postgres() -> PostgresService:
        service: PostgresService = request.getfixturevalue("kabul_postgres")
        return service

    factory = ReplicaFactory(kabul_project, redis=kabul_redis, postgres=postgres)
    try:
        yield factory
    finally:
        factory.stop_all()


@pytest.fixture(scope="session")
def kabul_postgres(
    pytestconfig: pytest.Config, kabul_project: Project
) -> Iterator[PostgresService]:
    """A Postgres server for live checks; ``kabul_postgres.database()`` gives a fresh
    ``kabul_<random>`` database that is dropped afterwards. Providers: --kabul-postgres-url /
    KABUL_POSTGRES_URL (loopback only unless --kabul-allow-remote-db), the project's compose
    Postgres through pytest-docker when a Docker engine answers, else embedded local binaries
    (initdb + pg_ctl on a free loopback port); otherwise a skip (an error under
    --kabul-require-live). Never the project's own DATABASE_URL."""
    from pytest_kabul.errors import ServiceUnavailable
    from pytest_kabul.live.postgres import provide

    try:
        with provide(
            kabul_project,
            url=pytestconfig.getoption("kabul_postgres_url"),
            allow_remote=bool(pytestconfig.getoption("kabul_allow_remote_db")),
            timeout=kabul_project.config.live.startup_timeout,
        ) as service:
            yield service
    except ServiceUnavailable as exc:
        _unavailable(pytestconfig, str(exc))
