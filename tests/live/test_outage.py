"""``database_outage`` against the machine's Postgres: a throwaway database refuses every new
connection (also the superuser's) inside the block and accepts them again afterwards; any
database the plugin did not create is refused."""

from __future__ import annotations

import psycopg
import pytest

from pytest_kabul.live.outage import database_name, database_outage
from pytest_kabul.services.postgres import PostgresService

pytestmark = pytest.mark.live
MACHINE_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


def test_database_name_reads_the_path() -> None:
    assert database_name("postgresql+asyncpg://u:p@127.0.0.1:5/kabul_ab12?ssl=off") == "kabul_ab12"


def test_outage_refuses_connections_then_restores_them() -> None:
    with PostgresService.from_url(MACHINE_POSTGRES) as server, server.database() as db:
        held = psycopg.connect(db.url(), autocommit=True)
        with database_outage(server, db.name) as ended:
            assert ended == 1
            assert held.closed or _fails(held)
            with pytest.raises(psycopg.OperationalError, match="not currently accepting"):
                psycopg.connect(db.url())
        with psycopg.connect(db.url(), autocommit=True) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        held.close()


def _fails(conn: psycopg.Connection[tuple[object, ...]]) -> bool:
    try:
        conn.execute("SELECT 1")
    except psycopg.OperationalError:
        return True
    return False


def test_outage_refuses_a_database_it_did_not_create() -> None:
    with PostgresService.from_url(MACHINE_POSTGRES) as server:
        for name in ("postgres", "kabul_000000000000"):
            refused = pytest.raises(ValueError, match="not a database pytest-kabul created")
            with refused, database_outage(server, name):
                pass
