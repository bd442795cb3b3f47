"""Where the production server is told to trust X-Forwarded-For from any sender."""

from __future__ import annotations

from pytest_kabul.project.deploy.processes import process_facts, trusted_proxy_facts
from tests.helpers import MakeProject


def facts(make_project: MakeProject, files: dict[str, str]) -> list[str]:
    return [f"{loc}: {text}" for loc, text in trusted_proxy_facts(make_project(files))]


def test_gunicorn_config_trusting_every_sender(make_project: MakeProject) -> None:
    found = facts(
        make_project,
        {
            "backend/gunicorn_config.py": 'bind = "0.0.0.0:8000"\nforwarded_allow_ips = "*"\n',
            "backend/deploy/gunicorn.conf.py": 'forwarded_allow_ips = "10.0.0.5"\nworkers = 4\n',
        },
    )
    assert found == ['backend/gunicorn_config.py:2: gunicorn forwarded_allow_ips = "*"']


def test_a_list_with_a_star_trusts_everyone(make_project: MakeProject) -> None:
    found = facts(
        make_project,
        {
            "Dockerfile": (
                "FROM python:3.12-slim\nENV FORWARDED_ALLOW_IPS=127.0.0.1,*\n"
                'CMD ["uvicorn", "app.main:app", "--forwarded-allow-ips", "10.0.0.1"]\n'
            ),
        },
    )
    assert found == ["Dockerfile:2: FORWARDED_ALLOW_IPS=*"]


def test_gunicorn_config_names_carry_worker_counts(make_project: MakeProject) -> None:
    project = make_project(
        {
            "gunicorn_config.py": "workers = 3\n",
            "src/gunicorn_helpers.py": "workers = 9\n",  # not a config file name
        }
    )
    assert [(str(f.location), f.count) for f in process_facts(project)] == [
        ("gunicorn_config.py:1", 3)
    ]
