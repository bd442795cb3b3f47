"""KAB505 env-file-in-image: secret files a folder COPY ships, with .dockerignore applied."""

from __future__ import annotations

from pytest_kabul.checks.deployment import env_file_in_image
from pytest_kabul.project.docker.secret_files import secret_kind
from tests.helpers import MakeProject

KAB505 = env_file_in_image.check

DOCKERFILE = """\
FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]
"""
APP = {
    "backend/Dockerfile": DOCKERFILE,
    "backend/requirements.txt": "fastapi\n",
    "backend/app/__init__.py": "",
    "backend/app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n",
}


def test_secret_names() -> None:
    assert secret_kind(".env") == "environment file"
    assert secret_kind(".env.production") == "environment file"
    assert secret_kind("prod.env") == "environment file"
    assert secret_kind(".env.example") is None
    assert secret_kind(".env.sample") is None
    assert secret_kind("id_rsa") == "SSH private key"
    assert secret_kind("server.key") == "private key or certificate bundle"
    assert secret_kind("fullchain.pem") is None
    assert secret_kind("firebase-adminsdk-abc.json") == "cloud credentials"
    assert secret_kind("package.json") is None


def test_env_file_present_is_critical(make_project: MakeProject) -> None:
    project = make_project({**APP, "backend/.env": "DATABASE_PASSWORD=hunter2\n"})
    ev = KAB505.evaluate(project)
    assert [(f.severity.label, f.subject, str(f.location)) for f in ev.findings] == [
        ("critical", "backend/Dockerfile", "backend/Dockerfile:5")
    ]
    finding = ev.findings[0]
    assert "backend/.env (environment file)" in finding.message
    assert "no .dockerignore" in finding.message
    assert "hunter2" not in repr(finding)  # never the content


def test_dockerignore_excludes(make_project: MakeProject) -> None:
    project = make_project(
        {**APP, "backend/.env": "X=1\n", "backend/.dockerignore": "**/.env\n*.pem\n"}
    )
    assert KAB505.evaluate(project).findings == ()
    assert KAB505.evaluate(project).subjects == ("backend/Dockerfile",)


def test_root_anchored_dockerignore_misses_nested(make_project: MakeProject) -> None:
    files = {
        "Dockerfile": 'FROM python:3.12\nCOPY . /srv\nCMD ["python", "-m", "svc"]\n',
        "svc/__main__.py": "print(1)\n",
        "pyproject.toml": "[project]\nname='svc'\nversion='1'\n",
        ".dockerignore": ".env\n",
        ".env": "A=1\n",
        "deploy/certs/server.key": "x\n",
    }
    ev = KAB505.evaluate(make_project(files))
    assert len(ev.findings) == 1
    assert "deploy/certs/server.key (private key" in ev.findings[0].message
    assert ".env (" not in ev.findings[0].message.replace("server.key", "")


def test_gitignored_env_with_template(make_project: MakeProject) -> None:
    project = make_project(
        {**APP, ".gitignore": ".env\n", "backend/.env.example": "DATABASE_URL=\n"}
    )
    ev = KAB505.evaluate(project)
    assert [str(f.location) for f in ev.findings] == ["backend/Dockerfile:5"]
    assert ".gitignore:1 lists '.env'" in ev.findings[0].evidence[0].text


def test_gitignored_env_without_evidence_passes(make_project: MakeProject) -> None:
    # Boilerplate .gitignore, nothing says a .env is kept in backend/.
    project = make_project({**APP, ".gitignore": ".env\n.venv/\n"})
    assert KAB505.evaluate(project).findings == ()


def test_only_final_stage_copies(make_project: MakeProject) -> None:
    dockerfile = (
        "FROM node:20 AS build\nWORKDIR /src\nCOPY . .\nRUN npm ci && npm run build\n"
        "FROM nginx:1.27\nCOPY --from=build /src/dist /usr/share/nginx/html\n"
    )
    project = make_project(
        {"web/Dockerfile": dockerfile, "web/package.json": "{}", "web/.env": "K=1\n"}
    )
    assert KAB505.evaluate(project).findings == ()


def test_dev_image_skipped(make_project: MakeProject) -> None:
    dockerfile = 'FROM node:20\nWORKDIR /next\nCOPY . .\nCMD ["npm", "run", "dev"]\n'
    project = make_project(
        {"next/Dockerfile": dockerfile, "next/package.json": "{}", "next/.env": "K=1\n"}
    )
    ev = KAB505.evaluate(project)
    assert ev.findings == ()
    assert "development image" in ev.skipped["next/Dockerfile"]
