"""RedisService providers against real Redis servers: embedded ``redis-server``, the machine's
Redis at 127.0.0.1:6379 as an external URL, and compose through pytest-docker — the last one
only against a fake ``docker`` executable (no Docker engine here), which proves the plumbing
(commands, port lookup, teardown), never that Docker itself works."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from pytest_kabul.errors import RedisError, ServiceUnavailable
from pytest_kabul.services.procs import free_port, port_open, wait_for
from pytest_kabul.services.redis import CLAIM_KEY, ComposeRedis, Provider, RedisService
from pytest_kabul.services.resp import RedisAddress, RespConnection

pytestmark = pytest.mark.live
MACHINE_REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture(autouse=True)
def _no_env_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KABUL_REDIS_URL", raising=False)


def test_embedded_server_is_private_and_stopped() -> None:
    with RedisService.start() as redis:
        assert redis.provider is Provider.EMBEDDED
        assert redis.address.host == "127.0.0.1"
        assert (redis.ping(), redis.dbsize()) == (True, 0)
        with RespConnection(redis.address) as conn:
            assert conn.call("CONFIG", "GET", "save") == [b"save", b""]
            assert conn.call("CONFIG", "GET", "appendonly") == [b"appendonly", b"no"]
        port = redis.address.port
    assert not port_open("127.0.0.1", port)


def test_external_url_claims_unused_databases_and_flushes_only_them() -> None:
    with RedisService.start(url=MACHINE_REDIS) as outer:
        assert outer.provider is Provider.EXTERNAL
        assert outer.db != 0
        with RedisService.start(url=MACHINE_REDIS) as inner:
            assert inner.db not in {0, outer.db}  # the claim key keeps the second run away
            for service in (outer, inner):
                with RespConnection(service.address) as conn:
                    conn.call("SET", "kabul-test", "x")
        with RespConnection(inner.address) as conn:
            assert conn.call("DBSIZE") == 0  # flushed on exit
        with RespConnection(outer.address) as conn:
            assert conn.call("GET", "kabul-test") == b"x"  # the other database untouched
            assert conn.call("EXISTS", CLAIM_KEY) == 1
        outer.reset()
        assert outer.dbsize() == 1  # only the claim survives a reset
    assert outer.dbsize() == 0


def test_display_url_never_shows_the_password() -> None:
    address = RedisAddress.parse("redis://user:s3cret@cache.internal:6380/4")
    assert (address.host, address.port, address.db) == ("cache.internal", 6380, 4)
    assert address.display() == "redis://cache.internal:6380/4"
    assert "s3cret" in address.url()


def test_unreachable_url_is_unavailable() -> None:
    port = free_port()
    with (
        pytest.raises(ServiceUnavailable, match="not usable"),
        RedisService.start(url=f"redis://127.0.0.1:{port}/0"),
    ):
        pass


def test_no_provider_is_unavailable() -> None:
    with pytest.raises(ServiceUnavailable, match="no Redis"), RedisService.start(embedded=False):
        pass


def test_bad_scheme_is_refused() -> None:
    with pytest.raises(RedisError, match="scheme"):
        RedisAddress.parse("http://127.0.0.1:6379")


FAKE_DOCKER = """#!/bin/sh
# A fake docker CLI: records its calls; "compose up" starts a real redis-server.
echo "$@" >> "{state}/calls.log"
case "$1" in
  info) exit 0 ;;
  compose) ;;
  *) exit 1 ;;
esac
case "$*" in
  *" up "*) exec redis-server --port {port} --bind 127.0.0.1 --save '' --daemonize yes \\
              --pidfile "{state}/redis.pid" --dir "{state}" >/dev/null ;;
  *" port redis 6379"*) echo "0.0.0.0:{port}" ;;
  *" down"*) kill "$(cat "{state}/redis.pid")" ;;
  *) exit 1 ;;
esac
"""


def test_compose_provider_through_pytest_docker_with_a_fake_docker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    port = free_port()
    docker = bin_dir / "docker"
    docker.write_text(FAKE_DOCKER.format(state=tmp_path, port=port))
    docker.chmod(docker.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    compose = tmp_path / "docker-compose.yml"
    compose.write_text("services:\n  redis:\n    image: redis:7\n")
    spec = ComposeRedis(files=(compose,), service="redis")
    with RedisService.start(compose=spec) as redis:
        assert (redis.provider, redis.address.port, redis.ping()) == (Provider.COMPOSE, port, True)
    assert wait_for(lambda: not port_open("127.0.0.1", port), 5.0)
    calls = (tmp_path / "calls.log").read_text().splitlines()
    assert calls[0] == "info"
    assert [c.split(" -p ")[1].split(" ", 1)[1] for c in calls[1:]] == [
        "up -d --wait redis",
        "port redis 6379",
        "down -v",
    ]


def test_fixture_skips_without_a_provider_and_errors_under_require_live(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = pytester.mkdir("empty-bin")
    monkeypatch.setenv("PATH", str(empty))  # no redis-server, no docker
    pytester.makepyfile("def test_uses_redis(kabul_redis):\n    raise AssertionError\n")
    result = pytester.runpytest("-p", "no:randomly", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*no Redis: pass --kabul-redis-url*"])
    result = pytester.runpytest("-p", "no:randomly", "--kabul-require-live")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*live service unavailable: no Redis*"])
