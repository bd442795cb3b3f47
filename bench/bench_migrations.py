"""The live migration checks vs pytest-alembic on the same 30-revision chain and server.

    .venv/bin/python bench/bench_migrations.py [--url postgresql://postgres@127.0.0.1:5432/postgres]
                                               [--revisions 30] [--repeat 3]

Generates a project whose Alembic chain creates one table per revision (30 by default) and
whose models declare the same tables. Then, each in a fresh ``pytest`` subprocess against the
same Postgres server (median of ``--repeat`` runs, wall time including pytest start-up):

- ours: ``pytest --kabul-readiness --kabul-select KAB301,KAB351,KAB352`` (single head,
  upgrade from an empty database, models vs migrated schema);
- pytest-alembic: its built-in ``test_single_head_revision``, ``test_upgrade`` and
  ``test_model_definitions_match_ddl``, each test on a fresh database (the isolation our
  checks have).

Prints both times and the ratio (target: ours faster), then the embedded Postgres start time
(initdb + pg_ctl start; target under 3 s).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from pytest_kabul.services.postgres import PostgresService

ENV_PY = """
import os

from alembic import context
from sqlalchemy import create_engine, pool

from app.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connectable = config.attributes.get("connection")  # pytest-alembic passes its engine
    if connectable is None:
        connectable = create_engine(os.environ["DATABASE_URL"], poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run()
"""
REVISION = """
import sqlalchemy as sa
from alembic import op

revision = "{rev}"
down_revision = {down!r}


def upgrade() -> None:
    op.create_table(
        "t{n:02d}",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(length=50), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("t{n:02d}")
"""
CONFTEST = """
import os
import secrets

import psycopg
import pytest
from sqlalchemy import create_engine, pool

SERVER = os.environ["BENCH_SERVER"]


@pytest.fixture
def alembic_engine():
    name = "kabul_bench_" + secrets.token_hex(4)
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    engine = create_engine(SERVER.rsplit("/", 1)[0].replace("postgresql://",
                           "postgresql+psycopg://") + "/" + name, poolclass=pool.NullPool)
    yield engine
    engine.dispose()
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
"""
TESTS = """
from pytest_alembic.tests import (  # noqa: F401
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_upgrade,
)
"""


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"))


def make_project(root: Path, revisions: int) -> None:
    write(root, "pyproject.toml", '[project]\nname = "bench"\nversion = "0"\n')
    write(root, "alembic.ini", "[alembic]\nscript_location = migrations\nprepend_sys_path = .\n")
    write(root, "migrations/env.py", ENV_PY)
    write(root, "app/__init__.py", "")
    models = [
        "from sqlalchemy import Integer, String",
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column",
        "",
        "",
        "class Base(DeclarativeBase):",
        "    pass",
    ]
    down = None
    for n in range(revisions):
        rev = f"{n:04d}aaaabbbb"
        write(root, f"migrations/versions/{rev}.py", REVISION.format(rev=rev, down=down, n=n))
        down = rev
        models += [
            "",
            "",
            f"class T{n:02d}(Base):",
            f'    __tablename__ = "t{n:02d}"',
            "    id: Mapped[int] = mapped_column(Integer, primary_key=True)",
            "    name: Mapped[str] = mapped_column(String(50))",
        ]
    write(root, "app/models.py", "\n".join(models) + "\n")
    write(root, "peer/conftest.py", CONFTEST)
    write(root, "peer/test_peer.py", TESTS)


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    tail = (done.stdout.strip().splitlines() or [""])[-1]
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:6])} … failed:\n{done.stdout[-3000:]}{done.stderr}")
    return elapsed, tail


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--revisions", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "KABUL_"))}
    env["BENCH_SERVER"] = args.url
    with tempfile.TemporaryDirectory(prefix="kabul-bench-") as tmp:
        root = Path(tmp) / "chain"
        make_project(root, args.revisions)
        report = Path(tmp) / "report.json"
        ours_argv = [
            sys.executable, "-m", "pytest", "--kabul-readiness", "--kabul-only",
            "-p", "no:cacheprovider", f"--rootdir={root}", "-q",
            "--kabul-select", "KAB301,KAB351,KAB352", f"--kabul-postgres-url={args.url}",
            "--kabul-require-live", f"--kabul-json={report}",
        ]  # fmt: skip
        peer_argv = [
            sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:kabul",
            "-q", "peer/test_peer.py",
        ]  # fmt: skip
        ours, peer = [], []
        for _ in range(args.repeat):
            seconds, tail = timed(ours_argv, root, env)
            ours.append(seconds)
            outcomes = sorted(r["outcome"] for r in json.loads(report.read_text())["results"])
            seconds, peer_tail = timed(peer_argv, root, env)
            peer.append(seconds)
        ours_s, peer_s = statistics.median(ours), statistics.median(peer)
        print(f"chain: {args.revisions} revisions, server {args.url.split('@')[-1]}")
        print(f"pytest-kabul KAB301+KAB351+KAB352: {ours_s:6.2f} s  ({tail}; {outcomes})")
        print(f"pytest-alembic 3 built-in tests:   {peer_s:6.2f} s  ({peer_tail})")
        print(f"ratio ours/pytest-alembic: {ours_s / peer_s:.2f} (below 1.00 = we are faster)")
    starts = []
    for _ in range(args.repeat):
        with PostgresService.embedded() as pg:
            starts.append(pg.start_seconds)
    print(
        "embedded Postgres start (initdb + pg_ctl start):"
        f" median {statistics.median(starts):.2f} s,"
        f" best {min(starts):.2f} s (target < 3 s)"
    )


if __name__ == "__main__":
    main()
