"""What a throwaway database saw, read from the machine's Postgres (127.0.0.1:5432)."""

from __future__ import annotations

import pytest

from pytest_kabul.services.pgstats import activity, saw_clients, user_tables
from pytest_kabul.services.postgres import PostgresService

MACHINE_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
pytestmark = pytest.mark.live


def test_an_untouched_database_saw_nothing_and_a_client_is_seen() -> None:
    with PostgresService.from_url(MACHINE_URL) as server, server.database() as db:
        before = activity(server, db.name)
        assert before.transactions == 0
        assert before.backends == 0
        assert not saw_clients(server, db.name, before, settle=0.3)
        server.execute("SELECT 1", dbname=db.name)  # a client session, no table
        assert saw_clients(server, db.name, before)
        after = activity(server, db.name)
        assert after.beyond(before)
        assert after.sessions is None or after.sessions > (before.sessions or 0)


def test_tables_count_even_without_statistics() -> None:
    with PostgresService.from_url(MACHINE_URL) as server, server.database() as db:
        assert user_tables(server, db.name) == 0
        server.execute("CREATE TABLE t (id int)", dbname=db.name)
        assert user_tables(server, db.name) == 1


def test_only_throwaway_databases_are_read() -> None:
    with PostgresService.from_url(MACHINE_URL) as server, pytest.raises(ValueError):
        activity(server, "postgres")
