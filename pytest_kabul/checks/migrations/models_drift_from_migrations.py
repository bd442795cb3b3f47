"""KAB352 models-drift-from-migrations: the migrated schema is not what the models declare.

What it checks
    After a successful ``alembic upgrade head`` on a fresh database, compares the models'
    metadata (``target_metadata`` of the project's ``env.py``) with the migrated database using
    Alembic's own comparison (what ``alembic check`` runs: ``compare_metadata`` with the
    project's ``include_object`` / ``compare_type`` settings). Tables the models do not own can
    be excluded with ``[tool.kabul.live] exclude_tables``.

Why it matters
    Development databases built by ``create_all`` have every column the models declare;
    production, built by Alembic, lacks the ones no migration adds. The first query that
    touches such a column fails with ``column ... does not exist``.

Example
    ``backend/alembic.ini:2 the migrated database differs from the models: 1 difference``
    with the evidence ``add_column users.nickname VARCHAR(64)``.

Before
    ``app/models.py``::

        class User(Base):
            __tablename__ = "users"
            id = Column(Integer, primary_key=True)
            nickname = Column(String(64))  # no migration adds it

After
    ``alembic/versions/4b5c_add_nickname.py``::

        revision = "4b5c"
        down_revision = "3f2a"


        def upgrade():
            op.add_column("users", sa.Column("nickname", sa.String(64)))


        def downgrade():
            op.drop_column("users", "nickname")

Fix
    Generate the missing migration (``alembic revision --autogenerate -m "..."``), review it,
    and commit it; or exclude tables that another system owns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pytest_kabul.checks.migrations import _live
from pytest_kabul.errors import CheckSkipped
from pytest_kabul.model import Area, Evidence, Finding, Location, Severity, Tier
from pytest_kabul.project.core import Project
from pytest_kabul.registry import Check, Evaluation

check = Check(
    code="KAB352",
    name="models-drift-from-migrations",
    area=Area.MIGRATIONS,
    severity=Severity.ERROR,
    summary="After upgrading an empty database, the models and the migrated schema differ.",
    doc=__doc__,
    tier=Tier.LIVE,
)


@check.evaluator
def evaluate(project: Project) -> Evaluation:
    return _live.subjects(project)


@check.live_runner(fixtures=(_live.FIXTURE,))
def run(project: Project, subject: str, services: Mapping[str, Any]) -> Sequence[Finding]:
    env, outcome = _live.execute(project, subject, services, ["upgrade", "check"])
    if not outcome.ok and outcome.stage != "check":
        _live.judge(outcome)
        raise CheckSkipped("`alembic upgrade head` fails on an empty database (see KAB351)")
    if not outcome.ok:
        reason = outcome.error_tail(3).splitlines()
        raise CheckSkipped(
            "Alembic could not compare the models with the database: "
            + (reason[0] if reason else "unknown error")
        )
    if not outcome.diffs:
        return []
    count = len(outcome.diffs)
    return [
        Finding(
            code=check.code,
            severity=check.severity,
            subject=subject,
            message=(
                f"the migrated database differs from the models: {count}"
                f" difference{'s' if count != 1 else ''}"
            ),
            remediation=(
                f'Run `alembic revision --autogenerate -m "sync models"` in'
                f" {env.config_dir or 'the repository root'}, review and commit the revision;"
                " or list tables the models do not own in [tool.kabul.live] exclude_tables."
            ),
            location=Location(env.config_path, env.line),
            evidence=(
                Evidence(
                    title="differences (models vs. migrated database)",
                    text="\n".join(outcome.diffs),
                ),
            ),
        )
    ]
