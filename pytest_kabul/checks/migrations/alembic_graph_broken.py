"""KAB301 alembic-graph-broken: the migration chain cannot bring a database to one head.

What it checks
    Every Alembic environment (``script_location`` in ``alembic.ini``'s ``[alembic]`` section, a
    named section such as ``[core]``, or ``[tool.alembic]`` in ``pyproject.toml``). Its revision
    files are read without importing them and the graph is computed with Alembic's own
    ``RevisionMap``: more than one head (unless every head carries a ``branch_labels``), a
    ``down_revision`` that names no revision, duplicate revision ids, cycles, a
    ``script_location`` that does not exist, or no revisions at all while the app relies on
    migrations for its schema (``create_all`` skipped in production, or never called).
    A ``package:path`` location is found through the package's folder in the repository; an
    absolute path inside the container (``/app/migrations``) through the ``COPY`` of the image
    that ships the config file, or ``[tool.kabul] paths_in_images``. When neither maps it (or
    the package is an installed dependency) the environment is skipped with that reason.

Why it matters
    ``alembic upgrade head`` refuses to run with several heads ("Multiple head revisions are
    present") and crashes on a dangling ``down_revision``; a deploy that migrates then fails,
    and one that skips ``create_all`` in production starts on an empty schema.

Example
    ``backend/alembic.ini:3 2 heads (1a2b, 3c4d): `alembic upgrade head` fails``

Before
    ``alembic.ini``::

        [alembic]
        script_location = alembic

    ``alembic/env.py``::

        from alembic import context

    ``alembic/versions/1a2b_users.py``::

        revision = "1a2b"
        down_revision = None

    ``alembic/versions/3c4d_orders.py``::

        revision = "3c4d"
        down_revision = "1a2b"

    ``alembic/versions/5e6f_tags.py``::

        revision = "5e6f"
        down_revision = "1a2b"

After
    ``alembic/versions/7a8b_merge.py``::

        # alembic merge heads
        revision = "7a8b"
        down_revision = ("3c4d", "5e6f")

Fix
    Merge the heads (``alembic merge -m "merge heads" <a> <b>``), point the dangling
    ``down_revision`` at the real parent, give duplicate revisions fresh ids, or generate the
    first migration (``alembic revision --autogenerate``).
"""

from __future__ import annotations

from pytest_kabul.model import Area, Finding, Location, Severity
from pytest_kabul.project.core import Project
from pytest_kabul.project.migrations.alembic_envs import AlembicEnv, alembic_envs, graph
from pytest_kabul.project.migrations.schema_bootstrap import schema_bootstrap
from pytest_kabul.registry import Check, Evaluation

check = Check(
    code="KAB301",
    name="alembic-graph-broken",
    area=Area.MIGRATIONS,
    severity=Severity.ERROR,
    summary="The Alembic revision graph has several heads, a dangling parent, duplicates or none.",
    doc=__doc__,
)


def _finding(env: AlembicEnv, message: str, remediation: str, location: Location) -> Finding:
    return Finding(
        code=check.code,
        severity=check.severity,
        subject=env.subject,
        message=message,
        remediation=remediation,
        location=location,
    )


def env_findings(project: Project, env: AlembicEnv) -> list[Finding]:
    where = Location(env.config_path, env.line)
    run_in = env.config_dir or "the repository root"
    if env.script_location is None or not project.files.under(env.script_location):
        return [
            _finding(
                env,
                f"script_location {env.options.get('script_location', '')!r} is not a folder"
                " of this project",
                f"Point script_location in {env.config_path} at the migrations folder.",
                where,
            )
        ]
    g = graph(env)
    findings: list[Finding] = []
    by_id = {r.revision: r for r in env.revisions}
    labelled = all(by_id[h].branch_labels for h in g.heads if h in by_id)
    if len(g.heads) > 1 and not labelled and not g.dangling:
        heads = ", ".join(g.heads)
        findings.append(
            _finding(
                env,
                f"{len(g.heads)} heads ({heads}): `alembic upgrade head` fails with"
                " 'Multiple head revisions are present'",
                f'Merge them: run `alembic merge -m "merge heads" {" ".join(g.heads)}`'
                f" in {run_in} and commit the new revision.",
                where,
            )
        )
    for rev, missing in g.dangling:
        findings.append(
            _finding(
                env,
                f"revision {rev.revision} has down_revision {missing!r}, which no revision defines",
                f"Set down_revision in {rev.path} to the revision it was written on top of.",
                Location(rev.path, rev.down_line or rev.line),
            )
        )
    for rev_id, paths in g.duplicates:
        findings.append(
            _finding(
                env,
                f"revision id {rev_id} is defined by {len(paths)} files: {', '.join(paths)}",
                f"Give all but one of {', '.join(paths)} a fresh revision id and re-chain them.",
                Location(paths[-1]),
            )
        )
    if g.cycles:
        findings.append(
            _finding(
                env,
                f"the revision graph has a cycle through {', '.join(g.cycles)}",
                "Fix the down_revision of one revision in the cycle so the chain has a base.",
                where,
            )
        )
    elif g.error and not g.dangling and not g.duplicates:
        findings.append(
            _finding(
                env,
                f"Alembic cannot build the revision graph: {g.error}",
                f"Repair the revision files under {env.script_location}.",
                where,
            )
        )
    boot = schema_bootstrap(project)
    if not env.revisions and boot.relies_on_migrations():
        guard = boot.skips_create_all_in_production()
        why = (
            f"the app skips create_all in production ({guard.path}:{guard.line})"
            if guard
            else "the app never calls create_all"
        )
        findings.append(
            _finding(
                env,
                f"no revisions under {', '.join(env.version_dirs)} while {why}",
                f"Generate the first migration: `alembic revision --autogenerate -m initial`"
                f" in {run_in}.",
                where,
            )
        )
    return findings


NO_ENVIRONMENT = "no Alembic environment (no alembic.ini with script_location, no [tool.alembic])"


def _unjudged(envs: tuple[AlembicEnv, ...]) -> dict[str, str]:
    return {e.subject: e.unjudged for e in envs if e.unjudged is not None}


@check.subject_lister
def list_environments(project: Project) -> Evaluation:
    """The Alembic environments (config files and their revision files, read): building the
    graph (Alembic's ``RevisionMap``, imported on first use) and the schema-bootstrap scan run
    when the check's first item runs."""
    envs = alembic_envs(project)
    if not envs:
        return Evaluation.skip(NO_ENVIRONMENT)
    return Evaluation.build(subjects=[e.subject for e in envs], skipped=_unjudged(envs))


@check.evaluator
def evaluate(project: Project) -> Evaluation:
    envs = alembic_envs(project)
    if not envs:
        return Evaluation.skip(NO_ENVIRONMENT)
    skipped = _unjudged(envs)
    notes = {
        e.subject: f"script_location {e.container_path} is the image's path ({e.mapped_via})"
        for e in envs
        if e.container_path is not None and e.mapped_via is not None
    }
    findings = [f for env in envs if env.unjudged is None for f in env_findings(project, env)]
    return Evaluation.build(
        subjects=[e.subject for e in envs], findings=findings, skipped=skipped, notes=notes
    )
