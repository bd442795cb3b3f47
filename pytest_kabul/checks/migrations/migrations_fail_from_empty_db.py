"""KAB351 migrations-fail-from-empty-db: ``alembic upgrade head`` cannot build the schema.

What it checks
    On a fresh, empty ``kabul_<random>`` database the plugin created, runs the project's own
    ``alembic.ini`` and ``env.py`` (async engines included) in a subprocess, from the folder the
    deploy runs Alembic in, with the database URL in the variables the project reads and the
    driver it uses. Then checks the database is at the script head(s).

Why it matters
    A chain that only ever ran on a database ``create_all`` had built (a first revision that
    ``ALTER``s an enum type no revision creates) fails on the first real production deploy —
    when the app skips ``create_all`` in production there is then no schema at all.

Example
    ``backend/alembic/versions/3f2a_add_baker_role.py `alembic upgrade head` fails on an empty
    database at revision 3f2a9c1d4e5b: type "userrole" does not exist``

Before
    ``alembic/versions/3f2a_add_role.py``::

        revision = "3f2a"
        down_revision = "1a2b"


        def upgrade():
            # the enum type is never created on a fresh database
            op.add_column("users", sa.Column("role", sa.Enum(name="userrole", create_type=False)))

After
    ``alembic/versions/3f2a_add_role.py``::

        revision = "3f2a"
        down_revision = "1a2b"


        def upgrade():
            role = sa.Enum("customer", "baker", name="userrole")
            role.create(op.get_bind(), checkfirst=True)
            op.add_column("users", sa.Column("role", role))

Fix
    Make the chain self-contained: the revision that first uses a type, table or extension
    must create it (``sa.Enum(...).create(op.get_bind(), checkfirst=True)``), or add a new base
    revision that creates what the old ones assumed. Re-run against an empty database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pytest_kabul.checks.migrations import _live
from pytest_kabul.model import Area, Evidence, Finding, Location, Severity, Tier
from pytest_kabul.project.core import Project
from pytest_kabul.registry import Check, Evaluation

check = Check(
    code="KAB351",
    name="migrations-fail-from-empty-db",
    area=Area.MIGRATIONS,
    severity=Severity.CRITICAL,
    summary="`alembic upgrade head` on a fresh, empty Postgres database fails or stops short.",
    doc=__doc__,
    tier=Tier.LIVE,
)


@check.evaluator
def evaluate(project: Project) -> Evaluation:
    return _live.subjects(project)


@check.live_runner(fixtures=(_live.FIXTURE,))
def run(project: Project, subject: str, services: Mapping[str, Any]) -> Sequence[Finding]:
    env, outcome = _live.execute(project, subject, services, ["upgrade"])
    if not _live.upgraded(outcome):
        _live.judge(outcome)
    where = Location(env.config_path, env.line)
    if _live.upgraded(outcome) and set(outcome.current) == set(outcome.heads):
        return []
    if _live.upgraded(outcome):
        return [
            Finding(
                code=check.code,
                severity=check.severity,
                subject=subject,
                message=(
                    f"after `alembic upgrade head` on an empty database it is at"
                    f" {', '.join(outcome.current) or 'no revision'}, not at the script head(s)"
                    f" {', '.join(outcome.heads)}"
                ),
                remediation=(
                    f"Check that {env.env_py or 'env.py'} runs the migrations in a transaction"
                    " that is committed (context.begin_transaction()) against the configured URL."
                ),
                location=where,
                evidence=(Evidence(title="revisions applied", text=_live.applied(outcome)),),
            )
        ]
    rev = outcome.failing_revision
    rev_file = _live.revision_file(env, rev)
    at = f" at revision {rev}" if rev else " before any revision ran"
    return [
        Finding(
            code=check.code,
            severity=check.severity,
            subject=subject,
            message=f"`alembic upgrade head` fails on an empty database{at}",
            remediation=(
                f"Make {rev_file.path if rev_file else env.script_location} work on an empty"
                " database: create every type, table and extension it uses in this or an"
                " earlier revision, then re-run `alembic upgrade head` against a fresh database."
            ),
            location=Location(rev_file.path, rev_file.line) if rev_file else where,
            evidence=(
                Evidence(title="alembic error", text=outcome.error_tail()),
                Evidence(title="revisions run (the last one failed)", text=_live.applied(outcome)),
            ),
        )
    ]
