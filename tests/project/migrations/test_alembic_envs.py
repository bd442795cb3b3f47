"""Alembic environments, the revision graph (Alembic's own RevisionMap) and KAB301."""

from __future__ import annotations

import pytest

from pytest_kabul.checks.migrations.alembic_graph_broken import check as kab301
from pytest_kabul.model import Finding, Location, Severity
from pytest_kabul.project.migrations.alembic_envs import alembic_envs, graph
from tests.helpers import MakeProject

INI = "[alembic]\nscript_location = {loc}\n"


def rev(revision: str, down: str | tuple[str, ...] | None, extra: str = "") -> str:
    return f'"""A revision."""\nrevision = {revision!r}\ndown_revision = {down!r}\n{extra}'


def chain(prefix: str, *pairs: tuple[str, str | None]) -> dict[str, str]:
    return {f"{prefix}/versions/{r}_x.py": rev(r, d) for r, d in pairs}


def f301(subject: str, message: str, path: str, line: int | None) -> tuple[str, str, str, int]:
    return (subject, message, path, line or 0)


def summary(findings: tuple[Finding, ...]) -> list[tuple[str, str, str, int]]:
    return [
        (f.subject, f.message, f.location.path if f.location else "", (f.location.line or 0))
        for f in findings
        if f.location is not None
    ]


def test_default_named_and_pyproject_envs_are_all_found(make_project: MakeProject) -> None:
    project = make_project(
        {
            "backend/alembic.ini": INI.format(loc="%(here)s/alembic"),
            "backend/alembic/env.py": "",
            **chain("backend/alembic", ("a1", None), ("a2", "a1")),
            "svc/alembic.ini": """
                [DEFAULT]
                sqlalchemy.url = postgresql://x@localhost/x

                [core]
                script_location = migrations/core

                [tenant]
                script_location = %(here)s/migrations/tenant
                version_locations = %(here)s/migrations/tenant/v1 %(here)s/migrations/tenant/v2

                [loggers]
                keys = root
            """,
            **chain("svc/migrations/core", ("c1", None)),
            "svc/migrations/tenant/v1/t1.py": rev("t1", None),
            "svc/migrations/tenant/v2/t2.py": rev("t2", "t1"),
            "tool/pyproject.toml": '[tool.alembic]\nscript_location = "%(here)s/db"\n',
            **chain("tool/db", ("p1", None)),
            "pytest.ini": "[pytest]\naddopts = -q\n",
        },
    )
    envs = alembic_envs(project)
    assert [(e.subject, e.script_location, e.version_dirs, e.ini_name) for e in envs] == [
        ("backend/alembic.ini", "backend/alembic", ("backend/alembic/versions",), None),
        ("svc/alembic.ini[core]", "svc/migrations/core", ("svc/migrations/core/versions",), "core"),
        (
            "svc/alembic.ini[tenant]",
            "svc/migrations/tenant",
            ("svc/migrations/tenant/v1", "svc/migrations/tenant/v2"),
            "tenant",
        ),
        ("tool/pyproject.toml[tool.alembic]", "tool/db", ("tool/db/versions",), None),
    ]
    assert envs[0].env_py == "backend/alembic/env.py"
    assert envs[0].line == 2
    assert [graph(e).heads for e in envs] == [("a2",), ("c1",), ("t2",), ("p1",)]


def test_revision_values_are_read_without_executing_the_file(make_project: MakeProject) -> None:
    project = make_project(
        {
            "alembic.ini": INI.format(loc="alembic"),
            "alembic/versions/a.py": 'raise SystemExit("never run")\nrevision = "a"\n'
            "down_revision = None\nbranch_labels = ('core',)\n",
            "alembic/versions/b.py": 'revision: str = "b"\n'
            'down_revision: tuple[str, str] | None = ("a", "m")\ndepends_on = "a"\n',
            "alembic/versions/m.py": "revision = 'm'\ndown_revision = 'a'\n",
            "alembic/versions/notes.py": "VALUE = 1\n",
            "alembic/versions/__init__.py": "revision = 'zzz'\n",
        },
    )
    (env,) = alembic_envs(project)
    assert [
        (r.revision, r.down_revisions, r.branch_labels, r.depends_on) for r in env.revisions
    ] == [
        ("a", (), ("core",), ()),
        ("b", ("a", "m"), (), ("a",)),
        ("m", ("a",), (), ()),
    ]
    assert graph(env).heads == ("b",)


def test_graph_defects(make_project: MakeProject) -> None:
    project = make_project(
        {
            "alembic.ini": INI.format(loc="alembic"),
            "alembic/versions/1.py": rev("r1", None),
            "alembic/versions/2.py": rev("r2", "r1"),
            "alembic/versions/2b.py": rev("r2", "r1"),
            "alembic/versions/3.py": rev("r3", "gone"),
        },
    )
    g = graph(alembic_envs(project)[0])
    assert g.duplicates == (("r2", ("alembic/versions/2.py", "alembic/versions/2b.py")),)
    assert [(r.revision, missing) for r, missing in g.dangling] == [("r3", "gone")]


def test_cycle_is_reported_by_alembics_revision_map(make_project: MakeProject) -> None:
    project = make_project(
        {
            "alembic.ini": INI.format(loc="alembic"),
            "alembic/versions/0.py": rev("r0", None),
            "alembic/versions/1.py": rev("r1", "r2"),
            "alembic/versions/2.py": rev("r2", "r1"),
        },
    )
    assert graph(alembic_envs(project)[0]).cycles == ("r1", "r2")


def test_kab301_findings(make_project: MakeProject) -> None:
    project = make_project(
        {
            "a/alembic.ini": INI.format(loc="alembic"),
            **chain("a/alembic", ("x1", None), ("x2", "x1"), ("x3", "x1")),
            "b/alembic.ini": INI.format(loc="alembic"),
            **chain("b/alembic", ("y1", None), ("y2", "nope")),
            "c/alembic.ini": INI.format(loc="alembic"),
            **chain("c/alembic", ("z1", None), ("z2", "z1")),
            "d/alembic.ini": INI.format(loc="missing_dir"),
            "labels/alembic.ini": INI.format(loc="alembic"),
            "labels/alembic/versions/l1.py": rev("l1", None, "branch_labels = ('one',)\n"),
            "labels/alembic/versions/l2.py": rev("l2", None, "branch_labels = ('two',)\n"),
        },
    )
    evaluation = kab301.evaluate(project)
    assert evaluation.subjects == (
        "a/alembic.ini",
        "b/alembic.ini",
        "c/alembic.ini",
        "d/alembic.ini",
        "labels/alembic.ini",
    )
    assert summary(evaluation.findings) == [
        f301(
            "a/alembic.ini",
            "2 heads (x2, x3): `alembic upgrade head` fails with 'Multiple head revisions are"
            " present'",
            "a/alembic.ini",
            2,
        ),
        f301(
            "b/alembic.ini",
            "revision y2 has down_revision 'nope', which no revision defines",
            "b/alembic/versions/y2_x.py",
            3,
        ),
        f301(
            "d/alembic.ini",
            "script_location 'missing_dir' is not a folder of this project",
            "d/alembic.ini",
            2,
        ),
    ]
    assert {f.severity for f in evaluation.findings} == {Severity.ERROR}
    assert all(f.remediation for f in evaluation.findings)


@pytest.mark.parametrize(
    ("main", "expected"),
    [
        pytest.param(
            """
            from app.db import Base, engine
            from app.config import settings

            async def lifespan(app):
                if settings.ENVIRONMENT != "production":
                    async with engine.begin() as conn:
                        await conn.run_sync(Base.metadata.create_all)
                yield
            """,
            "no revisions under app/alembic/versions while the app skips create_all in"
            " production (app/main.py:7)",
            id="guarded-run_sync",
        ),
        pytest.param(
            "def init():\n    pass\n",
            "no revisions under app/alembic/versions while the app never calls create_all",
            id="no-create_all",
        ),
        pytest.param(
            "from app.db import Base, engine\nBase.metadata.create_all(engine)\n",
            None,
            id="unconditional-create_all",
        ),
    ],
)
def test_kab301_empty_chain_only_matters_when_the_app_relies_on_migrations(
    make_project: MakeProject, main: str, expected: str | None
) -> None:
    project = make_project(
        {
            "app/pyproject.toml": "[project]\nname = 'app'\n",
            "app/alembic.ini": INI.format(loc="alembic"),
            "app/alembic/env.py": "",
            "app/main.py": main,
        },
    )
    found = kab301.evaluate(project).findings
    assert [f.message for f in found] == ([expected] if expected else [])
    if expected:
        assert found[0].location == Location("app/alembic.ini", 2)


def test_no_alembic_env_is_a_skip_and_bad_ini_is_a_problem(make_project: MakeProject) -> None:
    project = make_project({"alembic.ini": "script_location = x\n[alembic\n"})
    evaluation = kab301.evaluate(project)
    assert evaluation.not_applicable is not None
    assert [p.path for p in project.problems] == ["alembic.ini"]
    assert project.problems[0].message.startswith("invalid INI")
