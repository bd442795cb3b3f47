"""What a throwaway database saw: sessions, transactions, open connections, tables.

``activity(service, name)`` reads ``pg_stat_database`` from the maintenance database (so the
read itself adds no session to ``name``): ``sessions`` (Postgres 14+), ``xact_commit +
xact_rollback`` and ``numbackends``. :func:`saw_clients` compares two readings, waits a moment
for statistics still being flushed by backends that are exiting, and finally counts the user
tables (that one connects to the database, so it comes last).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from pytest_kabul.services.postgres import DB_PREFIX, PostgresService


@dataclass(frozen=True)
class Activity:
    sessions: int | None  # None before Postgres 14
    transactions: int
    backends: int

    def beyond(self, before: Activity) -> bool:
        """Anything happened in the database since ``before``."""
        more_sessions = (
            self.sessions is not None
            and before.sessions is not None
            and self.sessions > before.sessions
        )
        return more_sessions or self.transactions > before.transactions or self.backends > 0


def activity(service: PostgresService, name: str) -> Activity:
    if not name.startswith(DB_PREFIX):
        raise ValueError(f"{name!r} is not a database pytest-kabul created")
    version = service.execute("SHOW server_version_num")
    sessions = "sessions" if version and int(str(version[0][0])) >= 140000 else "NULL"
    rows = service.execute(
        f"SELECT {sessions}, xact_commit + xact_rollback, numbackends"
        f" FROM pg_stat_database WHERE datname = '{name}'"
    )
    if not rows:
        return Activity(None, 0, 0)
    s, x, b = rows[0]
    return Activity(None if s is None else int(str(s)), int(str(x or 0)), int(str(b or 0)))


def user_tables(service: PostgresService, name: str) -> int:
    rows = service.execute(
        "SELECT count(*) FROM pg_tables"
        " WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
        dbname=name,
    )
    return int(str(rows[0][0])) if rows else 0


def saw_clients(service: PostgresService, name: str, before: Activity, settle: float = 5.0) -> bool:
    """Whether anything connected to ``name`` since ``before``. Statistics of a backend that is
    still exiting can arrive late, so an empty reading is re-read for up to ``settle`` seconds;
    tables created in the database count too."""
    deadline = time.monotonic() + settle
    while True:
        if activity(service, name).beyond(before):
            return True
        if time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    return user_tables(service, name) > 0
