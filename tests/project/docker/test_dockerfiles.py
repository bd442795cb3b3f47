"""The Dockerfile reader shared by several checks."""

from __future__ import annotations

from pytest_kabul.project import shell
from pytest_kabul.project.docker.dockerfiles import is_dockerfile, parse_dockerfile

MULTI = """\
# syntax=docker/dockerfile:1
FROM python:3.11-slim AS base
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir \\
    # a comment inside a continuation
    -r requirements.txt
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]

FROM base AS prod
RUN <<EOF
echo "CMD ignored inside a heredoc"
EOF
ENTRYPOINT /app/entrypoint.sh
"""


def test_stages_instructions_and_continuations() -> None:
    df = parse_dockerfile("backend/Dockerfile", MULTI)
    assert [(s.base, s.name, s.line) for s in df.stages] == [
        ("python:3.11-slim", "base", 2),
        ("base", "prod", 10),
    ]
    run = df.stages[0].all("RUN")[0]
    assert run.value == "pip install --no-cache-dir -r requirements.txt"
    assert run.line == 5
    assert [i.keyword for i in df.stages[1].instructions] == ["RUN", "ENTRYPOINT"]
    assert df.directory == "backend"


def test_cmd_is_inherited_through_from_stage() -> None:
    df = parse_dockerfile("Dockerfile", MULTI)
    cmd = df.effective("CMD")
    assert cmd is not None
    assert cmd.exec_form() == ["uvicorn", "app.main:app", "--host", "0.0.0.0"]
    entry = df.effective("ENTRYPOINT")
    assert entry is not None
    assert entry.exec_form() is None
    assert entry.argv() == ["/bin/sh", "-c", "/app/entrypoint.sh"]
    assert df.base_image() == "python:3.11-slim"


def test_escape_directive_and_from_flags() -> None:
    text = (
        "# escape=`\nFROM --platform=linux/amd64 node:20-alpine AS web\n"
        "RUN npm ci `\n  --omit=dev\n"
    )
    df = parse_dockerfile("Dockerfile", text)
    assert df.stages[0].base == "node:20-alpine"
    assert df.stages[0].name == "web"
    assert df.stages[0].all("RUN")[0].value == "npm ci --omit=dev"


def test_split_shell_commands() -> None:
    assert shell.split("alembic upgrade head && exec uvicorn app.main:app; echo 'a && b'") == [
        ["alembic", "upgrade", "head"],
        ["exec", "uvicorn", "app.main:app"],
        ["echo", "a && b"],
    ]
    assert shell.split("echo 'unterminated") == [["echo", "'unterminated"]]


def test_dockerfile_names() -> None:
    assert is_dockerfile("Dockerfile")
    assert is_dockerfile("deploy/Dockerfile.prod")
    assert is_dockerfile("api.dockerfile")
    assert is_dockerfile("Containerfile")
    assert not is_dockerfile("docs/dockerfile-guide.md")


def test_from_a_global_arg_uses_its_default_and_build_args_pick_the_stage() -> None:
    from pytest_kabul.project.docker.dockerfiles import parse_dockerfile

    text = (
        "ARG BASE=python:3.12-slim\nARG SERVER_TYPE=api\n"
        "FROM ${BASE} AS base\nCMD ['x']\n"
        'FROM base AS api\nCMD ["api"]\n'
        'FROM base AS worker\nCMD ["worker"]\n'
        "FROM $SERVER_TYPE\n"
    )
    dockerfile = parse_dockerfile("Dockerfile", text)
    assert [s.base for s in dockerfile.stages] == ["python:3.12-slim", "base", "base", "api"]
    assert dockerfile.final is not None
    assert dockerfile.final.base_arg == "SERVER_TYPE"
    assert dockerfile.base_image() == "python:3.12-slim"
    effective = dockerfile.effective("CMD")
    assert effective is not None
    assert effective.value == '["api"]'
    worker = dockerfile.final_for({"SERVER_TYPE": "worker"})
    assert worker is not None
    assert worker.name == "worker"
    assert dockerfile.final_for({"OTHER": "worker"}) is dockerfile.final
    unknown = parse_dockerfile("Dockerfile", "FROM ${NOPE:-python:3.11}\nFROM ${MISSING}\n")
    assert [s.base for s in unknown.stages] == ["python:3.11", "${MISSING}"]
