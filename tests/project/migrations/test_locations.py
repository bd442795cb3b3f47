"""script_location forms: package resources, in-container paths mapped through the image."""

from __future__ import annotations

from pytest_kabul.checks.migrations.alembic_graph_broken import check as kab301
from pytest_kabul.project.migrations.alembic_envs import alembic_envs
from tests.helpers import MakeProject

INI = "[alembic]\nscript_location = {loc}\n"


def rev(revision: str, down: str | None) -> str:
    return f"revision = {revision!r}\ndown_revision = {down!r}\n"


def test_package_resource_with_several_colons_resolves_to_the_package_folder(
    make_project: MakeProject,
) -> None:
    project = make_project(
        {
            "pyproject.toml": "[project]\nname = 'acme'\n",
            "src/acme/__init__.py": "",
            "src/acme/server/__init__.py": "",
            "src/acme/server/database/alembic.ini": INI.format(
                loc="acme:server:database:_migrations"
            ),
            "src/acme/server/database/_migrations/env.py": "",
            "src/acme/server/database/_migrations/versions/a1.py": rev("a1", None),
            # a copy of the package elsewhere (a vendored example) is not preferred
            "examples/acme/server/database/_migrations/env.py": "",
        }
    )
    (env,) = alembic_envs(project)
    assert env.script_location == "src/acme/server/database/_migrations"
    assert [r.revision for r in env.revisions] == ["a1"]
    assert kab301.evaluate(project).findings == ()


def test_package_resource_dotted_name_beside_the_config(make_project: MakeProject) -> None:
    project = make_project(
        {
            "backend/alembic.ini": INI.format(loc="myapp.db:migrations"),
            "backend/src/myapp/__init__.py": "",
            "backend/src/myapp/db/__init__.py": "",
            "backend/src/myapp/db/migrations/env.py": "",
            "backend/src/myapp/db/migrations/versions/a1.py": rev("a1", None),
        }
    )
    (env,) = alembic_envs(project)
    assert env.script_location == "backend/src/myapp/db/migrations"


def test_package_of_this_repo_without_the_folder_is_still_an_error(
    make_project: MakeProject,
) -> None:
    project = make_project(
        {
            "alembic.ini": INI.format(loc="myapp:migrations"),
            "myapp/__init__.py": "",
        }
    )
    (finding,) = kab301.evaluate(project).findings
    assert finding.message == "script_location 'myapp:migrations' is not a folder of this project"


def test_package_not_in_the_repository_cannot_be_judged(make_project: MakeProject) -> None:
    project = make_project({"alembic.ini": INI.format(loc="thirdparty:migrations")})
    evaluation = kab301.evaluate(project)
    assert evaluation.findings == ()
    assert "not part of this repository" in evaluation.skipped["alembic.ini"]


DOCKERFILE = """\
FROM python:3.12-slim AS builder
WORKDIR /app
COPY ./api/pyproject.toml /app/
COPY ./api/oss /app/oss/

FROM python:3.12-slim
WORKDIR /srv
COPY --from=builder /app /app
COPY api/entrypoints ./entrypoints
CMD ["uvicorn", "oss.main:app"]
"""


def test_in_container_path_is_mapped_through_the_image_copy(make_project: MakeProject) -> None:
    project = make_project(
        {
            "api/docker/Dockerfile": DOCKERFILE,
            "api/pyproject.toml": "[project]\nname = 'api'\n",
            "api/oss/main.py": "",
            "api/oss/db/migrations/alembic.ini": INI.format(loc="/app/oss/db/migrations"),
            "api/oss/db/migrations/env.py": "",
            "api/oss/db/migrations/versions/a1.py": rev("a1", None),
            "api/oss/db/migrations/versions/a2.py": rev("a2", "a1"),
            "api/oss/db/migrations/versions/a3.py": rev("a3", "a1"),
            "api/entrypoints/migrate.ini": INI.format(loc="/srv/entrypoints/alembic"),
            "api/entrypoints/alembic/env.py": "",
            "api/entrypoints/alembic/versions/b1.py": rev("b1", None),
        }
    )
    envs = {e.subject: e for e in alembic_envs(project)}
    oss = envs["api/oss/db/migrations/alembic.ini"]
    assert oss.script_location == "api/oss/db/migrations"
    assert oss.container_path == "/app/oss/db/migrations"
    assert oss.mapped_via == "api/docker/Dockerfile:4 copies api/oss to /app/oss"
    relative = envs["api/entrypoints/migrate.ini"]  # COPY to a relative destination (WORKDIR)
    assert relative.script_location == "api/entrypoints/alembic"
    evaluation = kab301.evaluate(project)
    assert [(f.subject, f.message.split(":")[0]) for f in evaluation.findings] == [
        ("api/oss/db/migrations/alembic.ini", "2 heads (a2, a3)")
    ]
    assert "/app/oss/db/migrations is the image's path" in evaluation.notes[oss.subject]


def test_in_container_path_no_image_maps_is_a_skip_with_the_setting(
    make_project: MakeProject,
) -> None:
    project = make_project(
        {
            "api/alembic.ini": INI.format(loc="/opt/service/migrations"),
            "api/migrations/env.py": "",
            "api/migrations/versions/a1.py": rev("a1", None),
        }
    )
    evaluation = kab301.evaluate(project)
    assert evaluation.findings == ()
    reason = evaluation.skipped["api/alembic.ini"]
    assert "'/opt/service/migrations' is a path inside a container" in reason
    assert "[tool.kabul] paths_in_images" in reason


def test_paths_in_images_setting_maps_the_path(make_project: MakeProject) -> None:
    project = make_project(
        {
            "api/alembic.ini": INI.format(loc="/opt/service/migrations"),
            "api/migrations/env.py": "",
            "api/migrations/versions/a1.py": rev("a1", None),
        },
        paths_in_images={"/opt/service": "api"},
    )
    (env,) = alembic_envs(project)
    assert env.script_location == "api/migrations"
    assert env.unjudged is None
    evaluation = kab301.evaluate(project)
    assert evaluation.findings == ()
    assert evaluation.skipped == {}
