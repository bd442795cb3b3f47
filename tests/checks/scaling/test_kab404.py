"""KAB404 broker-may-evict: evicting Redis policies against the roles of its users."""

from __future__ import annotations

from pytest_kabul.checks.scaling import broker_may_evict
from tests.helpers import MakeProject

KAB404 = broker_may_evict.check


def compose(command: str, env: str) -> str:
    return (
        "services:\n"
        f"  redis:\n    image: redis:7\n    command: {command}\n"
        f"  api:\n    image: example/api:1\n    environment:\n      {env}\n"
    )


def findings(make_project: MakeProject, command: str, env: str) -> list[str]:
    project = make_project({"docker-compose.yml": compose(command, env)})
    return [f.message for f in KAB404.evaluate(project).findings]


def test_allkeys_evicts_result_backend(make_project: MakeProject) -> None:
    got = findings(
        make_project,
        "redis-server --maxmemory 1gb --maxmemory-policy allkeys-lru",
        "CELERY_RESULT_BACKEND: redis://:pw@redis:6379/1",
    )
    assert got == [
        "redis: --maxmemory 1gb with --maxmemory-policy allkeys-lru can evict the result"
        " backend of api (CELERY_RESULT_BACKEND)"
    ]


def test_volatile_spares_the_queue_not_the_limits(make_project: MakeProject) -> None:
    command = "redis-server --maxmemory 1gb --maxmemory-policy volatile-ttl"
    assert findings(make_project, command, "CELERY_BROKER_URL: redis://redis:6379/0") == []
    got = findings(make_project, command, "RATELIMIT_STORAGE_URI: redis://redis:6379/2")
    assert len(got) == 1
    assert "rate-limit store of api" in got[0]


def test_no_maxmemory_or_noeviction_passes(make_project: MakeProject) -> None:
    env = "CELERY_BROKER_URL: redis://redis:6379/0"
    assert findings(make_project, "redis-server --maxmemory-policy allkeys-lru", env) == []
    assert (
        findings(make_project, "redis-server --maxmemory 0 --maxmemory-policy allkeys-lru", env)
        == []
    )
    assert (
        findings(make_project, "redis-server --maxmemory 1gb --maxmemory-policy noeviction", env)
        == []
    )


def test_cache_only_and_other_hosts_pass(make_project: MakeProject) -> None:
    command = "redis-server --maxmemory 1gb --maxmemory-policy allkeys-lru"
    assert findings(make_project, command, "CACHE_URL: redis://redis:6379/0") == []
    assert findings(make_project, command, "CELERY_BROKER_URL: redis://redis-queue:6379/0") == []


def test_mounted_redis_conf(make_project: MakeProject) -> None:
    project = make_project(
        {
            "redis.conf": "maxmemory 512mb\nmaxmemory-policy allkeys-random\n",
            "docker-compose.yml": (
                "services:\n  redis:\n    image: redis:7\n"
                "    command: redis-server /usr/local/etc/redis/redis.conf\n"
                "    volumes: ['./redis.conf:/usr/local/etc/redis/redis.conf:ro']\n"
                "  api:\n    image: x/api:1\n    environment:\n"
                "      BROKER_URL: redis://redis:6379/0\n"
            ),
        }
    )
    ev = KAB404.evaluate(project)
    assert len(ev.findings) == 1
    assert "allkeys-random" in ev.findings[0].message
