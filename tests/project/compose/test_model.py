"""The compose loader against expected normalised models.

``docker compose config`` cannot run here (no Docker engine), so each test states the model
compose would produce (per the compose specification's merge/interpolation rules) and compares.
"""

from __future__ import annotations

import pytest

from pytest_kabul.config import KabulConfig
from pytest_kabul.model import Severity
from pytest_kabul.project.compose.load import compose_models
from pytest_kabul.project.compose.model import ComposeModel, PortMapping
from pytest_kabul.project.core import Problem, Project
from tests.helpers import MakeProject


def one(project: Project, kind: str = "default") -> ComposeModel:
    models = [m for m in compose_models(project) if m.kind == kind]
    assert len(models) == 1, models
    return models[0]


def test_default_file_precedence_and_override(make_project: MakeProject) -> None:
    project = make_project(
        {
            "compose.yaml": "services:\n  web:\n    image: a\n",
            "docker-compose.yml": "services:\n  other:\n    image: b\n",
            "docker-compose.override.yml": "services:\n  web:\n    image: c\n",
            "compose.override.yml": "services:\n  web:\n    command: run\n",
        },
    )
    models = compose_models(project)
    assert [(m.kind, m.files) for m in models] == [
        ("default", ("compose.yaml", "compose.override.yml")),
        ("production", ("compose.yaml",)),  # the override is for development
    ]
    assert models[1].services["web"].command is None
    web = models[0].services["web"]
    assert (web.image, web.command, web.file, web.line) == ("a", "run", "compose.override.yml", 2)
    assert list(models[0].services) == ["web"]


def test_production_override_is_a_second_model(make_project: MakeProject) -> None:
    project = make_project(
        {
            "docker-compose.yml": (
                "services:\n  api:\n    build: ./backend\n    ports: ['8000:8000']\n"
                "    command: uvicorn app:app --reload\n    environment: [A=1, B=2]\n"
            ),
            "docker-compose.override.yml": "services:\n  api:\n    environment: [DEV=1]\n",
            "docker-compose.prod.yml": (
                "services:\n  api:\n    command: [gunicorn, app:app]\n"
                "    ports: ['127.0.0.1:8001:8000']\n    environment: {B: '3'}\n"
            ),
            "backend/Dockerfile": "FROM python:3.12\n",
        },
    )
    default, production = compose_models(project)
    assert default.kind == "default"
    assert default.files == ("docker-compose.yml", "docker-compose.override.yml")
    assert dict(default.services["api"].environment) == {"A": "1", "B": "2", "DEV": "1"}
    assert production.kind == "production"
    assert production.subject == "docker-compose.yml+docker-compose.prod.yml"
    api = production.services["api"]
    assert api.command == ("gunicorn", "app:app")
    assert dict(api.environment) == {"A": "1", "B": "3"}
    assert api.ports == (
        PortMapping("8000", "8000", None),
        PortMapping("8000", "8001", "127.0.0.1"),
    )
    assert (api.build_context, api.dockerfile) == ("backend", "backend/Dockerfile")
    assert api.where("ports") == ("docker-compose.prod.yml", 4)
    assert api.where("build") == ("docker-compose.yml", 3)


def test_interpolation_from_dotenv_even_when_gitignored(make_project: MakeProject) -> None:
    project = make_project(
        {
            ".gitignore": ".env\n",
            ".env": "export SET=value\nEMPTY=\nQUOTED='$literal'\nPORT=5433 # comment\n",
            "docker-compose.yml": (
                "services:\n  db:\n    image: postgres:${PG_VERSION:-16}\n"
                "    ports: ['${BIND:-127.0.0.1}:${PORT}:5432']\n"
                "    environment:\n"
                "      A: ${SET}\n"
                "      B: ${EMPTY:-fallback}\n"
                "      C: ${EMPTY-kept}\n"
                "      D: ${MISSING}\n"
                "      E: ${REQUIRED:?must be set}\n"
                "      F: $$HOME and $SET\n"
                "      G: ${QUOTED}\n"
                "      H: ${SET:+yes}${MISSING2:+no}\n"
                "      SET:\n"
                "    labels:\n      x: pre-${NOPE}\n"
            ),
        },
    )
    model = one(project)
    db = model.services["db"]
    assert db.image == "postgres:16"
    assert db.ports == (PortMapping("5432", "5433", "127.0.0.1"),)
    assert dict(db.environment) == {
        "A": "value",
        "B": "fallback",
        "C": "",
        "D": None,
        "E": None,
        "F": "$HOME and value",
        "G": "$literal",
        "H": "yes",
        "SET": "value",
    }
    assert dict(db.labels) == {"x": "pre-${NOPE}"}
    assert model.unknown_variables == ("MISSING", "NOPE", "REQUIRED")


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("8000", PortMapping("8000", None, None)),
        ("8000:80", PortMapping("80", "8000", None)),
        ("0.0.0.0:5432:5432", PortMapping("5432", "5432", "0.0.0.0")),
        ("127.0.0.1::6379", PortMapping("6379", None, "127.0.0.1")),
        ("[::1]:5432:5432", PortMapping("5432", "5432", "::1")),
        ("9000-9001:9000-9001/udp", PortMapping("9000-9001", "9000-9001", None, "udp")),
        ("22:22", PortMapping("22", "22", None)),
        ("8080", PortMapping("8080", None, None)),
        (
            "{target: 80, published: '8080', host_ip: 127.0.0.1, protocol: TCP, mode: host}",
            PortMapping("80", "8080", "127.0.0.1"),
        ),
        ("{target: 6379}", PortMapping("6379", None, None)),
    ],
)
def test_port_syntax(make_project: MakeProject, entry: str, expected: PortMapping) -> None:
    value = entry if entry.startswith("{") else (entry if entry == "22:22" else f"'{entry}'")
    project = make_project({"compose.yml": f"services:\n  s:\n    ports:\n      - {value}\n"})
    assert one(project).services["s"].ports == (expected,)


def test_port_public_property() -> None:
    assert PortMapping("5432", "5432", None).public
    assert PortMapping("5432", "5432", "0.0.0.0").public
    assert PortMapping("5432", "5432", "10.0.0.5").public
    assert PortMapping("5432", "5432", "${BIND}").public
    assert not PortMapping("5432", "5432", "127.0.0.1").public
    assert not PortMapping("5432", "5432", "::1").public
    assert not PortMapping("5432", "5432", "localhost").public
    assert PortMapping("9000-9002", None, None).target_ports() == (9000, 9001, 9002)


def test_yaml_12_scalars(make_project: MakeProject) -> None:
    project = make_project(
        {
            "compose.yml": "services:\n  s:\n    environment:\n      A: yes\n      B: on\n"
            "      C: true\n      D: 2024-01-01\n      E: 0755\n"
        },
    )
    env = dict(one(project).services["s"].environment)
    assert env == {"A": "yes", "B": "on", "C": "true", "D": "2024-01-01", "E": "755"}


def test_merge_rules_reset_override(make_project: MakeProject) -> None:
    base = (
        "services:\n  s:\n    image: x\n    command: a b\n    entrypoint: [ep]\n"
        "    ports: ['1:1', '2:2']\n    volumes: ['./data:/data', 'v:/v']\n"
        "    environment: {A: '1', B: '2'}\n"
        "    logging: {driver: json-file, options: {max-file: '3'}}\n"
        "    labels: [k=v]\n    env_file: [a.env]\n"
        "  t:\n    image: y\n    logging: {driver: json-file, options: {max-file: '3'}}\n"
    )
    override = (
        "services:\n  s:\n    command: [c]\n    ports: ['2:2', '3:3']\n"
        "    volumes: ['./other:/data']\n    environment: {B: !reset null, C: '3'}\n"
        "    logging: {options: {max-size: 10m}}\n    entrypoint: !reset null\n"
        "    labels: !override {only: one}\n    env_file: b.env\n"
        "  t:\n    logging: {driver: loki, options: {loki-url: http://l}}\n"
    )
    project = make_project({"compose.yml": base, "compose.override.yml": override})
    model = one(project)
    s, t = model.services["s"], model.services["t"]
    assert s.command == ("c",)
    assert s.entrypoint is None
    assert [str(p) for p in s.ports] == ["1:1", "2:2", "3:3"]
    assert s.volumes == ("v:/v", "./other:/data")
    assert dict(s.environment) == {"A": "1", "C": "3"}
    assert dict(s.logging) == {
        "driver": "json-file",
        "options": {"max-file": "3", "max-size": "10m"},
    }
    assert dict(s.labels) == {"only": "one"}
    assert s.env_files == ("a.env", "b.env")
    assert dict(t.logging) == {"driver": "loki", "options": {"loki-url": "http://l"}}


def test_extends_same_file_and_other_file(make_project: MakeProject) -> None:
    project = make_project(
        {
            "docker-compose.yml": (
                "services:\n  base:\n    image: b\n    environment: [X=1]\n"
                "  child:\n    extends: base\n    environment: [Y=2]\n"
                "  remote:\n    extends: {file: common/services.yml, service: app}\n"
                "    ports: ['80:80']\n"
            ),
            "common/services.yml": (
                "services:\n  app:\n    build: ../backend\n    env_file: app.env\n"
                "    ports: ['81:81']\n"
            ),
            "backend/Dockerfile": "FROM python:3.12\n",
        },
    )
    model = one(project)
    assert [m.files for m in compose_models(project)] == [("docker-compose.yml",)]
    assert dict(model.services["child"].environment) == {"X": "1", "Y": "2"}
    assert model.services["child"].image == "b"
    remote = model.services["remote"]
    assert (remote.build_context, remote.env_files) == ("backend", ("common/app.env",))
    assert [str(p) for p in remote.ports] == ["81:81", "80:80"]
    assert project.problems == ()


def test_include_imports_services_with_their_own_paths(make_project: MakeProject) -> None:
    project = make_project(
        {
            "compose.yaml": (
                "include:\n  - infra/db.yml\n  - path: [svc/app.yml]\n    env_file: svc/app.env\n"
                "services:\n  web:\n    image: w\n"
            ),
            "infra/db.yml": "services:\n  db:\n    image: postgres:${PGV:-15}\n",
            "svc/app.yml": "services:\n  app:\n    build: .\n    image: app:${TAG}\n",
            "svc/app.env": "TAG=7\n",
            "svc/Dockerfile": "FROM node:20\n",
            "infra/compose.yaml": "services:\n  unrelated:\n    image: u\n",
        },
    )
    models = compose_models(project)
    assert [(m.directory, m.files) for m in models] == [
        ("", ("compose.yaml",)),
        ("infra", ("infra/compose.yaml",)),
    ]
    root = models[0]
    assert sorted(root.services) == ["app", "db", "web"]
    assert root.services["db"].image == "postgres:15"
    assert root.services["app"].image == "app:7"
    assert (root.services["app"].build_context, root.services["app"].file) == (
        "svc",
        "svc/app.yml",
    )


def test_profiles_and_compose_profiles(make_project: MakeProject) -> None:
    project = make_project(
        {
            "compose.yml": (
                "services:\n  a:\n    image: a\n  b:\n    image: b\n    profiles: [backup]\n"
                "  c:\n    image: c\n    profiles: [debug]\n"
            ),
            "sub/compose.yml": "services:\n  b:\n    image: b\n    profiles: [backup]\n",
            "sub/.env": "COMPOSE_PROFILES=backup,other\n",
        },
    )
    root, sub = compose_models(project)
    assert [s.name for s in root.started] == ["a"]
    assert sorted(root.services) == ["a", "b", "c"]
    assert sub.enabled_profiles == ("backup", "other")
    assert [s.name for s in sub.started] == ["b"]


def test_compose_file_from_dotenv_and_configured_files(make_project: MakeProject) -> None:
    files = {
        "docker-compose.yml": "services:\n  a:\n    image: a\n",
        "deploy/stack.yml": "services:\n  a:\n    image: prod\n",
        "deploy/other.yml": "services:\n  a:\n    image: other\n",
        "production.yml": "services:\n  a:\n    image: p\n",
        ".env": "COMPOSE_FILE=docker-compose.yml:deploy/other.yml\n",
    }
    project = make_project(files)
    assert [(m.kind, m.files) for m in compose_models(project)] == [
        ("default", ("docker-compose.yml", "deploy/other.yml")),
        ("production", ("docker-compose.yml", "production.yml")),
    ]
    configured = KabulConfig(compose_files=("docker-compose.yml", "deploy/stack.yml", "gone.yml"))
    project = make_project({}, config=configured)
    models = compose_models(project)
    assert [(m.kind, m.files) for m in models] == [
        ("default", ("docker-compose.yml", "deploy/other.yml")),
        ("production", ("docker-compose.yml", "deploy/stack.yml")),
    ]
    assert models[1].services["a"].image == "prod"
    assert project.problems == (
        Problem("pyproject.toml", "[tool.kabul] compose_files: gone.yml does not exist"),
    )


def test_standalone_production_file_and_non_compose_yaml(make_project: MakeProject) -> None:
    project = make_project(
        {
            "ops/docker-compose.production.yml": "services:\n  a:\n    image: a\n",
            "config/production.yml": "database:\n  host: x\n",
        },
    )
    assert [(m.kind, m.files) for m in compose_models(project)] == [
        ("production", ("ops/docker-compose.production.yml",))
    ]


def test_bad_input_is_a_problem_not_a_crash(make_project: MakeProject) -> None:
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    project = make_project(
        {
            "a/compose.yml": "services:\n  x: [unclosed\n",
            "b/compose.yml": bomb,
            "c/compose.yml": (
                "include: [missing.yml]\nservices:\n"
                "  s:\n    extends: {file: gone.yml, service: x}\n"
                "  t:\n    extends: t\n  u:\n    extends: nothere\n  v: just-a-string\n"
                "  w:\n    build: ./nodir\n"
            ),
            "d/compose.yml": "- a list\n",
            "e/compose.yml": "services: [a]\n",
            "f/compose.yml": "",
        },
    )
    models = compose_models(project)
    assert [m.directory for m in models] == ["c", "e", "f"]
    assert sorted(models[0].services) == ["s", "t", "u", "v", "w"]
    problems = [(p.path, p.message.split(":")[0], p.severity) for p in project.problems]
    assert problems == [
        ("a/compose.yml", "invalid YAML", Severity.ERROR),
        ("b/compose.yml", "invalid YAML", Severity.ERROR),
        ("c/compose.yml", "include", Severity.ERROR),
        ("c/compose.yml", "services.s.extends", Severity.ERROR),
        ("c/compose.yml", "services.t.extends refers to itself", Severity.ERROR),
        ("c/compose.yml", "services.u.extends", Severity.ERROR),
        ("c/compose.yml", "services.v is not a mapping", Severity.ERROR),
        ("c/compose.yml", "services.w.build", Severity.WARNING),
        ("d/compose.yml", "not a compose file", Severity.ERROR),
        ("e/compose.yml", "services", Severity.ERROR),
    ]
    assert "anchor bomb" in project.problems[1].message


def test_environment_passthrough_and_values_never_silently_empty(make_project: MakeProject) -> None:
    project = make_project(
        {
            ".env": "FROM_DOTENV=1\n",
            "compose.yml": (
                "services:\n  s:\n    environment:\n      - FROM_DOTENV\n      - FROM_SHELL\n"
                "      - URL=postgres://u:${PW}@db/x\n      - PLAIN=v=w\n"
            ),
        },
    )
    model = one(project)
    assert dict(model.services["s"].environment) == {
        "FROM_DOTENV": "1",
        "FROM_SHELL": None,
        "PLAIN": "v=w",
        "URL": None,
    }
    assert model.unknown_variables == ("PW",)


def test_test_example_and_devcontainer_stacks_are_not_models(make_project: MakeProject) -> None:
    stack = "services:\n  db:\n    image: postgres\n    ports: ['5432:5432']\n"
    project = make_project(
        {
            "tests/integration/docker-compose.yml": stack,
            "examples/compose.yaml": stack,
            ".devcontainer/docker-compose.yml": stack,
            "deploy/compose.yaml": stack,
        },
    )
    assert [m.files for m in compose_models(project)] == [("deploy/compose.yaml",)]


def test_malformed_values_never_crash_the_checks(make_project: MakeProject) -> None:
    from pytest_kabul.registry import all_checks

    compose = (
        "include: {a: 1}\nservices:\n"
        "  a:\n    environment: x\n    ports: -1\n    labels: -1\n    logging: 2.5\n"
        "    build: [1, 2]\n    deploy: [[1]]\n    profiles: {a: 1}\n    volumes: true\n"
        "  b:\n    environment: [[1]]\n    env_file: [{}]\n    extends: {target: null}\n"
        "    command: {'': 1}\n    image: [1, 2]\n    scale: x\n    depends_on: 1\n"
        "  c:\n    ports: [{target: null}, '${X', {}]\n    extends: !reset\n"
        "    healthcheck: !override [1]\n    network_mode: true\n"
    )
    project = make_project({"docker-compose.yml": compose})
    model = one(project)
    assert sorted(model.services) == ["a", "b", "c"]
    assert model.services["a"].environment == {}
    codes = {"KAB203", "KAB501", "KAB502", "KAB503", "KAB504"}
    for check in all_checks():
        if check.code in codes:
            check.evaluate(project)  # must not raise
    # Shapes compose rejects are reported (not silently dropped: a port check would pass).
    assert [p.message for p in project.problems] == [
        "include: an entry has no path",
        "services.b.extends names no service",
        "services.b.scale: not a whole number; replicas cannot be judged",
        "services.c.ports[0]: not a port mapping compose accepts (line 21); the port checks"
        " cannot judge it",
        "services.c.ports[2]: not a port mapping compose accepts (line 21); the port checks"
        " cannot judge it",
    ]
