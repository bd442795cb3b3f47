"""Make a throwaway database unavailable for a while (KAB252's outage), then bring it back.

``ALTER DATABASE ... ALLOW_CONNECTIONS false`` refuses every new connection, superusers
included (``REVOKE CONNECT`` does not stop a superuser, and the generated app environment
often connects as one), and ``pg_terminate_backend`` ends the connections already open, so a
pool holds only dead ones. Stopping the server instead would also end the databases of the
other live checks of the session, and is impossible for a server given by URL. Only databases
the plugin created (``kabul_`` prefix) are ever touched.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from urllib.parse import urlsplit

from pytest_kabul.services.postgres import DB_PREFIX, PostgresService


def database_name(url: str) -> str:
    """The database a URL names (``postgresql+asyncpg://u@h:1/kabul_ab12`` → ``kabul_ab12``)."""
    return urlsplit(url).path.lstrip("/").split("?", 1)[0]


def terminate(postgres: PostgresService, name: str) -> int:
    """End every session on ``name`` but ours; the number of sessions ended."""
    rows = postgres.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        f" WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    )
    return len(rows)


@contextlib.contextmanager
def database_outage(postgres: PostgresService, name: str) -> Iterator[int]:
    """Within the block, ``name`` accepts no connection; yields how many were ended."""
    if not name.startswith(DB_PREFIX) or name not in postgres.created:
        raise ValueError(f"refusing to take {name!r} down: not a database pytest-kabul created")
    postgres.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
    try:
        yield terminate(postgres, name)
    finally:
        postgres.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
