"""KAB353 migration-roundtrip (preview, opt-in): downgrade to base and upgrade again.

What it checks
    On a fresh database: ``alembic upgrade head``, then ``alembic downgrade -1`` once per
    revision down to base, then ``alembic upgrade head`` again. Runs only when selected by its
    full code (``--kabul-select KAB353``).

Why it matters
    A downgrade that fails or leaves objects behind (an enum type, an index) turns a rollback
    during an incident into a second incident, and the re-upgrade then fails with
    ``type ... already exists``.

Example
    ``backend/alembic/versions/0001_initial.py migration round trip fails while downgrading at
    revision 1a2b3c4d5e6f``

Before
    ``alembic/versions/1a2b_initial.py``::

        revision = "1a2b"
        down_revision = None


        def upgrade():
            op.create_table("users", sa.Column("id", sa.Integer, primary_key=True))


        def downgrade():
            pass  # the table stays: upgrading again fails

After
    ``alembic/versions/1a2b_initial.py``::

        revision = "1a2b"
        down_revision = None


        def upgrade():
            op.create_table("users", sa.Column("id", sa.Integer, primary_key=True))


        def downgrade():
            op.drop_table("users")

Fix
    Make each ``downgrade()`` the exact inverse of its ``upgrade()``: drop what it created,
    including enum types (``sa.Enum(name=...).drop(op.get_bind(), checkfirst=True)``).
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
    code="KAB353",
    name="migration-roundtrip",
    area=Area.MIGRATIONS,
    severity=Severity.WARNING,
    summary="Downgrading every revision to base and upgrading again fails (preview, opt-in).",
    doc=__doc__,
    tier=Tier.LIVE,
    opt_in=True,
)


@check.evaluator
def evaluate(project: Project) -> Evaluation:
    return _live.subjects(project)


@check.live_runner(fixtures=(_live.FIXTURE,))
def run(project: Project, subject: str, services: Mapping[str, Any]) -> Sequence[Finding]:
    env, outcome = _live.execute(project, subject, services, ["roundtrip"])
    if outcome.ok:
        return []
    _live.judge(outcome)
    if outcome.stage == "upgrade":
        raise CheckSkipped("`alembic upgrade head` fails on an empty database (see KAB351)")
    rev = outcome.failing_revision
    rev_file = _live.revision_file(env, rev)
    verb = {"downgrade": "downgrading", "re-upgrade": "upgrading again after the downgrade"}
    return [
        Finding(
            code=check.code,
            severity=check.severity,
            subject=subject,
            message=(
                f"migration round trip fails while {verb.get(outcome.stage or '', 'running')}"
                + (f" at revision {rev}" if rev else "")
            ),
            remediation=(
                f"Make downgrade() in {rev_file.path if rev_file else env.script_location} the"
                " exact inverse of upgrade(), dropping every object (types included) it created."
            ),
            location=Location(rev_file.path, rev_file.line) if rev_file else None,
            evidence=(
                Evidence(title="alembic error", text=outcome.error_tail()),
                Evidence(title="revisions run (the last one failed)", text=_live.applied(outcome)),
            ),
        )
    ]
