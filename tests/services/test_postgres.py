"""PostgresService providers against real servers: embedded local binaries (started once for
the module) and the machine's Postgres at 127.0.0.1:5432 through the URL provider.

The compose provider can only be exercised against a fake ``docker`` executable on PATH (no
Docker engine runs here): that test checks the commands pytest-docker is asked to run and that
``down -v`` always follows; it proves nothing about Docker itself.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_kabul.errors import RemoteDatabaseRefused, ServiceUnavailable
from pytest_kabul.live.postgres import provide
from pytest_kabul.project.core import Project
from pytest_kabul.services import postgres as pgmod
from pytest_kabul.services.postgres import PostgresProvider, PostgresService, is_loopback, redact

MACHINE_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def embedded() -> Iterator[PostgresService]:
    with PostgresService.embedded() as service:
        yield service


def postgres_processes(fragment: str) -> list[str]:
    out = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True)
    return [line for line in out.stdout.splitlines() if fragment in line and "postgres" in line]


def test_embedded_server_is_private_loopback_and_databases_are_dropped(
    embedded: PostgresService,
) -> None:
    assert embedded.provider == "embedded"
    assert embedded.data_dir is not None
    assert embedded.execute("SHOW listen_addresses") == [("127.0.0.1",)]
    assert embedded.execute("SHOW data_directory") == [(str(embedded.data_dir),)]
    with embedded.database() as db:
        assert db.name.startswith("kabul_")
        assert embedded.kabul_databases() == [db.name]
        assert embedded.execute("SELECT current_database()", dbname=db.name) == [(db.name,)]
    assert embedded.kabul_databases() == []


def test_database_is_dropped_when_the_block_fails(embedded: PostgresService) -> None:
    names: list[str] = []

    def fail_inside() -> None:
        with embedded.database() as db:
            names.append(db.name)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fail_inside()
    assert names
    assert names[0] not in embedded.kabul_databases()


def test_drop_refuses_databases_the_plugin_did_not_create(embedded: PostgresService) -> None:
    with pytest.raises(ValueError, match="not a database pytest-kabul created"):
        embedded.drop_database("postgres")


def test_embedded_stop_removes_process_and_data_dir() -> None:
    with PostgresService.embedded() as service:
        data_dir = service.data_dir
        assert data_dir is not None
        assert postgres_processes(str(data_dir))
        assert service.ping()
    assert not data_dir.parent.exists()
    assert postgres_processes(str(data_dir)) == []


def test_sigterm_removes_the_embedded_server(tmp_path: Path) -> None:
    """A SIGTERM (a cancelled CI job) still stops the server and removes its data dir."""
    script = tmp_path / "hold.py"
    script.write_text(
        textwrap.dedent(
            """
            import sys, time
            from pytest_kabul.services.postgres import PostgresService
            with PostgresService.embedded() as pg:
                print(pg.data_dir, flush=True)
                time.sleep(120)
            """
        )
    )
    with subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        data_dir = Path(proc.stdout.readline().strip())
        assert postgres_processes(str(data_dir))
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == -signal.SIGTERM
    assert not data_dir.parent.exists()
    assert postgres_processes(str(data_dir)) == []


def test_url_provider_creates_and_drops_databases_on_the_machine_server() -> None:
    with PostgresService.from_url(MACHINE_URL) as service:
        with service.database() as db:
            assert db.name in service.kabul_databases()
            assert db.url("asyncpg") == f"postgresql+asyncpg://postgres@127.0.0.1:5432/{db.name}"
        leftover = service.create_database()  # not dropped by the caller: the provider drops it
    with PostgresService.from_url(MACHINE_URL) as service:
        # Other sessions share the server: only this test's databases are compared.
        assert {leftover.name, db.name} & set(service.kabul_databases()) == set()


def test_remote_hosts_are_refused_without_allow_remote() -> None:
    with (
        pytest.raises(RemoteDatabaseRefused, match="--kabul-allow-remote-db") as info,
        PostgresService.from_url("postgresql://app:s3cret-pw@db.example.com:5432/app"),
    ):
        pass
    assert "s3cret-pw" not in str(info.value)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.8.0.1", True), ("::1", True), ("localhost", True),
     ("/var/run/postgresql", True), ("", True), ("10.0.0.5", False), ("db", False)],
)  # fmt: skip
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_redact_hides_the_password() -> None:
    assert redact("postgresql://u:pw@h:5/d") == "postgresql://u:***@h:5/d"
    assert redact("postgresql://u@h/d") == "postgresql://u@h/d"


def fake_docker(bin_dir: Path, log: Path, *, engine_up: bool) -> None:
    script = bin_dir / "docker"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> {log}\n'
        f'if [ "$1" = info ]; then {"echo 27.0; exit 0" if engine_up else "exit 1"}; fi\n'
        'case "$*" in *" port db 5432"*) echo "0.0.0.0:5432";; esac\n'
        "exit 0\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


COMPOSE = """
services:
  db:
    image: postgres:16
    environment:
      POSTGRES_USER: postgres
      POSTGRES_DB: postgres
"""


def test_compose_provider_commands_against_a_fake_docker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fake ``docker`` on PATH (no engine here): ``port`` answers the machine's 5432."""
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj/docker-compose.yml").write_text(COMPOSE)
    bin_dir, log = tmp_path / "bin", tmp_path / "docker.log"
    bin_dir.mkdir()
    fake_docker(bin_dir, log, engine_up=True)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("KABUL_POSTGRES_URL", raising=False)
    with provide(Project(tmp_path / "proj"), url=None, allow_remote=False) as service:
        assert (service.provider, service.port) == ("docker", 5432)
        assert service.ping()
    calls = log.read_text().splitlines()
    compose_file = tmp_path / "proj/docker-compose.yml"
    assert calls[0] == "info --format {{.ServerVersion}}"
    project_name = calls[1].split(" -p ")[1].split()[0]
    assert project_name.startswith("kabul")
    assert calls[1:] == [
        f"compose -f {compose_file} -p {project_name} up -d --wait db",
        f"compose -f {compose_file} -p {project_name} port db 5432",
        f"compose -f {compose_file} -p {project_name} down -v --remove-orphans",
    ]


def test_no_provider_is_a_service_unavailable_with_how_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No binaries (PATH emptied, known folders patched away) and a fake docker with no engine."""
    bin_dir, log = tmp_path / "bin", tmp_path / "docker.log"
    bin_dir.mkdir()
    fake_docker(bin_dir, log, engine_up=False)
    (tmp_path / "docker-compose.yml").write_text(COMPOSE)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setattr(pgmod, "_BIN_GLOBS", ())
    monkeypatch.delenv("KABUL_POSTGRES_URL", raising=False)
    with (
        pytest.raises(ServiceUnavailable) as info,
        provide(Project(tmp_path), url=None, allow_remote=False),
    ):
        pass
    message = str(info.value)
    assert "no Docker engine answers" in message
    assert "no initdb/pg_ctl" in message
    assert "--kabul-postgres-url" in message


def test_explicit_url_that_fails_does_not_fall_back(tmp_path: Path) -> None:
    with (
        pytest.raises(ServiceUnavailable, match="--kabul-postgres-url: cannot connect"),
        provide(Project(tmp_path), url="postgresql://postgres@127.0.0.1:1/x", allow_remote=False),
    ):
        pass


def test_find_binaries_uses_known_locations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", tempfile.gettempdir())
    found = pgmod.find_binaries()
    assert found is not None
    assert (found / "initdb").is_file()
    assert (found / "pg_ctl").is_file()


def test_missing_psycopg_names_the_live_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """A static-only install has no psycopg: the live tier says which extra brings it.
    (psycopg is installed here; a None entry in sys.modules makes its import fail as if not.)"""
    import sys

    from pytest_kabul.errors import PostgresUnavailable

    monkeypatch.setitem(sys.modules, "psycopg", None)
    service = PostgresService(PostgresProvider.URL, "127.0.0.1", 1, "kabul")
    with pytest.raises(PostgresUnavailable, match=r"pytest-kabul\[live\]"):
        service._connect()


def test_a_zombie_counts_as_stopped() -> None:
    """A stopped postmaster lingers in /proc as a zombie until reaped: teardown must not wait
    for that (it holds no files any more)."""
    child = os.fork()
    if child == 0:  # pragma: no cover - the child exits at once
        os._exit(0)
    try:
        deadline = 200
        while Path(f"/proc/{child}/stat").read_text().rpartition(")")[2].split()[0] != "Z":
            deadline -= 1
            assert deadline > 0, "the child never exited"
            time.sleep(0.01)
        assert Path(f"/proc/{child}").exists()
        assert not pgmod.is_running(child)
        assert pgmod.is_running(os.getpid())
    finally:
        os.waitpid(child, 0)
    assert not pgmod.is_running(child)
