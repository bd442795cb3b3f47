"""Shared plumbing of the live migration checks (KAB351-KAB353)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pytest_kabul.errors import CheckSkipped, SafetyError, ServiceUnavailable
from pytest_kabul.live.alembic_runner import Outcome, plan_for, run
from pytest_kabul.project.core import Project
from pytest_kabul.project.migrations.alembic_envs import (
    AlembicEnv,
    RevisionFile,
    alembic_envs,
    graph,
)
from pytest_kabul.registry import Evaluation
from pytest_kabul.services.pgstats import user_tables
from pytest_kabul.services.postgres import Database, PostgresService

FIXTURE = "kabul_postgres"


def subjects(project: Project) -> Evaluation:
    """One subject per Alembic environment; broken or empty graphs are skipped with a reason."""
    envs = alembic_envs(project)
    if not envs:
        return Evaluation.skip("no Alembic environment (alembic.ini / [tool.alembic])")
    skipped: dict[str, str] = {}
    for env in envs:
        g = graph(env)
        if env.unjudged is not None:
            skipped[env.subject] = env.unjudged
        elif env.container_path is not None:
            skipped[env.subject] = (
                f"script_location {env.container_path} exists only inside the image"
                f" ({env.mapped_via}); Alembic cannot run it from the repository"
            )
        elif not env.revisions:
            skipped[env.subject] = "no revisions to run"
        elif g.dangling or g.duplicates or g.cycles or g.error:
            skipped[env.subject] = "the revision graph is broken (see KAB301)"
        elif env.env_py is None:
            skipped[env.subject] = "no env.py next to the revisions"
    return Evaluation.build(subjects=[e.subject for e in envs], skipped=skipped)


def env_for(project: Project, subject: str) -> AlembicEnv:
    for env in alembic_envs(project):
        if env.subject == subject:
            return env
    raise CheckSkipped(f"{subject}: Alembic environment not found")


def server(services: Mapping[str, Any]) -> PostgresService:
    pg = services.get(FIXTURE)
    if not isinstance(pg, PostgresService):
        raise ServiceUnavailable("no Postgres server for the live migration checks")
    return pg


def execute(
    project: Project, subject: str, services: Mapping[str, Any], actions: list[str]
) -> tuple[AlembicEnv, Outcome]:
    """Run ``actions`` on a fresh database; "upgrade" and "check" share one run per session."""
    env = env_for(project, subject)
    pg = server(services)
    if actions in (["upgrade"], ["upgrade", "check"]):
        key = ("upgrade+check", str(project.root), subject)
        cached = pg.memo.get(key)
        if not isinstance(cached, Outcome):
            cached = _execute(project, env, pg, ["upgrade", "check"])
            pg.memo[key] = cached
        return env, cached
    return env, _execute(project, env, pg, actions)


def _execute(project: Project, env: AlembicEnv, pg: PostgresService, actions: list[str]) -> Outcome:
    plan = plan_for(project, env)
    g = graph(env)

    def go(db: Database, steps: list[str]) -> Outcome:
        return run(
            plan,
            db,
            steps,
            exclude_tables=project.config.live.exclude_tables,
            timeout=max(project.config.live.startup_timeout * 10, 120.0),
            heads=g.heads,
            revisions=len(env.revisions),
        )

    with pg.database() as db:
        if "roundtrip" in actions:
            # Prove the upgrade lands in our database before anything is downgraded.
            first = go(db, ["upgrade"])
            if not upgraded(first):
                return first
            _assert_ours(env, pg, db, first)
        outcome = go(db, actions)
        _assert_ours(env, pg, db, outcome)
    return outcome


def _assert_ours(env: AlembicEnv, pg: PostgresService, db: Database, outcome: Outcome) -> None:
    """Alembic reported the heads, yet the throwaway database is empty: env.py migrated
    another database (a URL it builds itself, a .env it loads with override=True)."""
    reached_head = upgraded(outcome) and set(outcome.current) == set(outcome.heads)
    if reached_head and outcome.heads and not user_tables(pg, db.name):
        raise SafetyError(
            f"{env.env_py or 'env.py'} reported `alembic upgrade head` done, but the"
            " throwaway database pytest-kabul created saw no migration: it migrated some other"
            " database. Stop and check which database it reached; name the variable env.py"
            " reads in [tool.kabul.live] database_env"
        )


def judge(outcome: Outcome) -> Outcome:
    """The outcome, unless it says the project could not run here: then a skip (an error
    under --kabul-require-live) whose reason names what is missing and the setting that fixes
    it. Only an error raised while a revision ran is the migrations' own."""
    reason = outcome.could_not_run()
    if reason is not None:
        raise ServiceUnavailable(reason)
    return outcome


def upgraded(outcome: Outcome) -> bool:
    """The upgrade itself succeeded (a later comparison step may still have failed)."""
    return outcome.ok or outcome.stage == "check"


def revision_file(env: AlembicEnv, revision: str | None) -> RevisionFile | None:
    return next((r for r in env.revisions if r.revision == revision), None)


def applied(outcome: Outcome) -> str:
    lines = [f"{kind} {down or '<base>'} -> {up}" for kind, down, up in outcome.steps]
    return "\n".join(lines) or "(no revision was applied)"
