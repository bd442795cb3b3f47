"""Launcher scripts: the start path of a repository with no deploy file, judged by KAB302."""

from __future__ import annotations

from pytest_kabul.checks.migrations.deploy_skips_migrations import check as kab302
from pytest_kabul.project.deploy.startpaths import start_paths
from tests.helpers import MakeProject

RUN = """
import uvicorn


def main():
    uvicorn.run("app.main:app", host="0.0.0.0", port=8001, workers=4)


if __name__ == "__main__":
    main()
"""
MIGRATING_RUN = """
import uvicorn
from alembic import command
from alembic.config import Config

if __name__ == "__main__":
    command.upgrade(Config("alembic.ini"), "head")
    uvicorn.run("app.main:app", host="0.0.0.0")
"""
APP = {
    "requirements.txt": "fastapi\nsqlalchemy\nalembic\nuvicorn\n",
    "alembic.ini": "[alembic]\nscript_location = alembic\n",
    "alembic/env.py": "",
    "alembic/versions/a.py": "revision = 'a'\ndown_revision = None\n",
    "app/__init__.py": "",
    "app/db.py": "from sqlalchemy import create_engine\nengine = create_engine('postgresql://db')\n",
    "app/main.py": """
from fastapi import FastAPI
from app.db import engine

app = FastAPI()

if __name__ == "__main__":  # inside the package: not a launcher of the repository
    import uvicorn
    uvicorn.run(app)
""",
    "test_smoke.py": "import uvicorn\nif __name__ == '__main__':\n    uvicorn.run('app.main:a')\n",
}


def test_a_launcher_is_the_start_of_a_repository_without_deploy_files(
    make_project: MakeProject,
) -> None:
    project = make_project({**APP, "run.py": RUN})
    [path] = start_paths(project)
    assert (path.subject, path.kind.value, path.production) == ("run.py", "script", True)
    assert path.server is not None
    assert path.server.target == "app.main:app"
    [finding] = kab302.evaluate(project).findings
    assert finding.subject == "run.py"
    assert "launcher script, the repository's only start" in finding.message
    assert "alembic.command.upgrade" in finding.remediation


def test_a_launcher_that_migrates_first_passes(make_project: MakeProject) -> None:
    project = make_project({**APP, "run.py": MIGRATING_RUN})
    [path] = start_paths(project)
    assert path.migration is not None
    evaluation = kab302.evaluate(project)
    assert evaluation.subjects == ("run.py",)
    assert evaluation.findings == ()


def test_a_reloading_launcher_is_a_development_start(make_project: MakeProject) -> None:
    project = make_project({**APP, "run.py": RUN.replace("workers=4", "reload=True")})
    [path] = start_paths(project)
    assert not path.production
    assert kab302.evaluate(project).not_applicable is not None  # skipped: no production start


def test_beside_a_deploy_file_a_launcher_is_no_start_path(make_project: MakeProject) -> None:
    dockerfile = 'FROM python:3.12-slim\nCOPY . .\nCMD ["uvicorn", "app.main:app"]\n'
    project = make_project({**APP, "run.py": RUN, "Dockerfile": dockerfile})
    assert [p.subject for p in start_paths(project)] == ["Dockerfile"]


def test_a_launcher_at_an_apps_root_in_a_monorepo(make_project: MakeProject) -> None:
    files = {f"backend/{rel}": text for rel, text in {**APP, "serve.py": RUN}.items()}
    files["tools/serve.py"] = RUN  # no manifest there: a helper, not an app's launcher
    project = make_project(files)
    assert [p.subject for p in start_paths(project)] == ["backend/serve.py"]


CLI = """
import typer
import uvicorn
from alembic import command
from alembic.config import Config

cli = typer.Typer()


@cli.command()
def migrate():
    command.upgrade(Config("alembic.ini"), "head")


@cli.command()
def serve():
    uvicorn.run("app.main:app", host="0.0.0.0")


if __name__ == "__main__":
    cli()
"""


def test_separate_migrate_and_serve_commands_do_not_migrate_the_server(
    make_project: MakeProject,
) -> None:
    project = make_project({**APP, "manage.py": CLI})
    [path] = start_paths(project)
    assert path.subject == "manage.py"
    assert path.migration is None
    assert [f.subject for f in kab302.evaluate(project).findings] == ["manage.py"]


def test_a_main_function_that_migrates_then_serves_migrates(make_project: MakeProject) -> None:
    main = CLI.replace("@cli.command()\ndef serve():\n", "@cli.command()\ndef serve():\n"
                       "    command.upgrade(Config('alembic.ini'), 'head')\n")  # fmt: skip
    project = make_project({**APP, "manage.py": main})
    [path] = start_paths(project)
    assert path.migration is not None
    assert kab302.evaluate(project).findings == ()
