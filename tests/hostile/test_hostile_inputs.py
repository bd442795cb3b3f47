"""Hostile and broken repositories (issue 14): no hang, no crash, no read outside the root, no
secret in any report, no silent pass.

Each case plants one input in an otherwise valid monorepo (built on the fly) and runs a real
``pytest --kabul-readiness`` session writing every output format. Every case asserts: the
session ends within the time bound; the exit code is 1 (findings) or 4 (usage), never 3 (a
crash); the named file appears in a clear message; the sentinel file outside the root never
appears in any output; no planted secret appears in terminal, JSON, HTML, SARIF, JUnit or
baseline output.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.hostile._build import SENTINEL, TIME_BOUND, base_repo, run, write

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs, sockets and symlinks")

PLANT = "kabulPlant7f3a9c2eQ"  # distinctive: any hit in an output is a leak


@dataclass(frozen=True)
class Case:
    kind: str
    name: str
    build: Callable[[Path], None]
    named: str  # must appear in the terminal output
    codes: frozenset[int] = frozenset({1})
    secrets: tuple[str, ...] = ()


def _fifo(rel: str) -> Callable[[Path], None]:
    def build(root: Path) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        os.mkfifo(path)

    return build


def _link(rel: str, target: str) -> Callable[[Path], None]:
    def build(root: Path) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        real = target if target.startswith("/") else str((root.parent / target).resolve())
        path.symlink_to(real)

    return build


def _socket(rel: str) -> Callable[[Path], None]:
    def build(root: Path) -> None:
        path = root / rel
        # AF_UNIX paths are short: bind from inside the folder.
        cwd = os.getcwd()
        os.chdir(path.parent)
        try:
            sock = socket.socket(socket.AF_UNIX)
            sock.bind(path.name)
            sock.close()
        finally:
            os.chdir(cwd)

    return build


def _files(**files: str | bytes) -> Callable[[Path], None]:
    def build(root: Path) -> None:
        for rel, content in files.items():
            rel = rel.replace("__", "/").replace("_DOT_", ".")
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")

    return build


def _put(rel: str, content: str | bytes) -> Callable[[Path], None]:
    def build(root: Path) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")

    return build


def _both(*builds: Callable[[Path], None]) -> Callable[[Path], None]:
    def build(root: Path) -> None:
        for step in builds:
            step(root)

    return build


def _sparse(rel: str, size: int) -> Callable[[Path], None]:
    def build(root: Path) -> None:
        with open(root / rel, "wb") as fh:
            fh.truncate(size)

    return build


DEEP = 100_000
COMPOSE_HEAD = "services:\n  api:\n    build: ./backend\n"

CASES = [
    # -- non-regular files: never a hang --------------------------------------------------
    Case("non-regular", "fifo-py", _fifo("backend/app/x.py"), "backend/app/x.py"),
    Case(
        "non-regular",
        "fifo-prod-compose",
        _fifo("docker-compose.prod.yml"),
        "docker-compose.prod.yml",
    ),
    Case(
        "non-regular", "fifo-pyproject", _fifo("backend/pyproject.toml"), "backend/pyproject.toml"
    ),
    Case("non-regular", "fifo-gitignore", _fifo(".gitignore"), ".gitignore"),
    Case("non-regular", "fifo-env", _fifo(".env"), ".env"),
    Case(
        "non-regular",
        "fifo-requirements",
        _fifo("backend/requirements.txt"),
        "backend/requirements.txt",
    ),
    Case("non-regular", "socket-py", _socket("backend/app/sock.py"), "backend/app/sock.py"),
    Case(
        "non-regular",
        "dev-zero-py",
        _link("backend/app/zero.py", "/dev/zero"),
        "backend/app/zero.py",
    ),
    Case(
        "non-regular",
        "dev-null-compose",
        _link("docker-compose.prod.yml", "/dev/null"),
        "docker-compose.prod.yml",
    ),
    # -- links out of the root ----------------------------------------------------------------
    Case(
        "outside-link",
        "py-to-outside",
        _link("backend/app/leak.py", "outside/secret.txt"),
        "backend/app/leak.py",
    ),
    Case(
        "outside-link",
        "requirements-to-outside",
        _link("backend/requirements.txt", "outside/secret.txt"),
        "backend/requirements.txt",
    ),
    Case("outside-link", "env-to-outside", _link(".env", "outside/x.env"), ".env"),
    Case(
        "outside-link",
        "compose-to-outside",
        _link("docker-compose.prod.yml", "outside/compose.yml"),
        "docker-compose.prod.yml",
    ),
    Case(
        "outside-link",
        "etc-passwd-py",
        _link("backend/app/passwd.py", "/etc/passwd"),
        "backend/app/passwd.py",
    ),
    # -- size -----------------------------------------------------------------------------------
    Case("size", "huge-py", _sparse("backend/app/huge.py", 40 * 2**20), "backend/app/huge.py"),
    Case(
        "size",
        "huge-compose",
        _sparse("docker-compose.prod.yml", 40 * 2**20),
        "docker-compose.prod.yml",
    ),
    # -- deep nesting ----------------------------------------------------------------------------
    Case(
        "deep",
        "package-json",
        _put("frontend/package.json", "[" * DEEP + "]" * DEEP),
        "frontend/package.json",
    ),
    Case(
        "deep",
        "workflow-yaml",
        _put(".github/workflows/ci.yml", "a: " + "[" * DEEP),
        ".github/workflows/ci.yml",
    ),
    Case(
        "deep",
        "compose-yaml",
        _put("docker-compose.prod.yml", "x: " + "[" * DEEP + "]" * DEEP),
        "docker-compose.prod.yml",
    ),
    Case(
        "deep",
        "pyproject-toml",
        _put("backend/pyproject.toml", "a = " + "[" * DEEP + "]" * DEEP),
        "backend/pyproject.toml",
    ),
    Case(
        "deep",
        "python",
        _put("backend/app/deep.py", "x = " + "(" * DEEP + ")" * DEEP),
        "backend/app/deep.py",  # KAB101 and KAB201 incomplete for backend
    ),
    # -- unreadable text -----------------------------------------------------------------------
    Case(
        "encoding",
        "utf16-py",
        _put("backend/app/u16.py", "import os\n".encode("utf-16")),
        "backend/app/u16.py",
    ),
    Case("encoding", "nul-py", _put("backend/app/nul.py", b"import os\0\n"), "backend/app/nul.py"),
    # -- bad config types (usage errors) ---------------------------------------------------------
    Case(
        "config",
        "kabul-toml-tool-int",
        _put("kabul.toml", "tool = 1\n"),
        "kabul.toml",
        frozenset({4}),
    ),
    Case("config", "select-int", _put("kabul.toml", "select = 1\n"), "select", frozenset({4})),
    Case(
        "config",
        "until-datetime",
        _put(
            "kabul.toml",
            '[[waivers]]\ncode = "KAB101"\nreason = "x"\nuntil = 2030-01-01T00:00:00\n',
        ),
        "until",
        frozenset({4}),
    ),
    Case("config", "live-not-table", _put("kabul.toml", 'live = "x"\n'), "live", frozenset({4})),
    Case(
        "config",
        "subproject-tool-str",
        _put("backend/pyproject.toml", 'tool = "x"\n'),
        "backend/pyproject.toml",  # a KAB001 error; KAB101 incomplete for backend
    ),
    # -- compose references outside the root ----------------------------------------------------
    Case(
        "compose-outside",
        "include-dotdot",
        _put("docker-compose.prod.yml", "include:\n  - ../outside/compose.yml\n"),
        "../outside/compose.yml",
    ),
    Case(
        "compose-outside",
        "include-absolute",
        lambda root: write(
            root,
            "docker-compose.prod.yml",
            f"include:\n  - {root.parent / 'outside/compose.yml'}\n",
        ),
        "outside/compose.yml",
    ),
    Case(
        "compose-outside",
        "include-env-file",
        _put(
            "docker-compose.prod.yml",
            "include:\n  - path: docker-compose.yml\n    env_file: ../outside/x.env\n",
        ),
        "../outside/x.env",
    ),
    Case(
        "compose-outside",
        "extends-file",
        _put(
            "docker-compose.prod.yml",
            "services:\n  api:\n    extends:\n      file: ../outside/compose.yml\n"
            "      service: leak\n",
        ),
        "../outside/compose.yml",
    ),
    Case(
        "compose-outside",
        "etc-shadow-include",
        _put("docker-compose.prod.yml", "include:\n  - /etc/shadow\n"),
        "/etc/shadow",
    ),
    Case(
        "compose-outside",
        "compose-file-env",
        _put(".env", "COMPOSE_FILE=docker-compose.yml:../outside/compose.yml\n"),
        "../outside/compose.yml",
    ),
    Case(
        "compose-outside",
        "compose-files-config",
        _put("kabul.toml", 'compose_files = ["../outside/compose.yml"]\n'),
        "../outside/compose.yml",
    ),
    # -- compose shapes compose rejects ----------------------------------------------------------
    Case(
        "compose-shape",
        "duplicate-key",
        _put(
            "docker-compose.prod.yml",
            COMPOSE_HEAD + "    ports:\n      - '5432:5432'\n    ports:\n      - '127.0.0.1:1:1'\n",
        ),
        "duplicate key 'ports'",
    ),
    Case(
        "compose-shape",
        "duplicate-service",
        _put("docker-compose.prod.yml", COMPOSE_HEAD + "  api:\n    image: x\n"),
        "duplicate key 'api'",
    ),
    Case(
        "compose-shape",
        "ports-shape",
        _put("docker-compose.prod.yml", COMPOSE_HEAD + "    ports:\n      - [1, 2]\n"),
        "ports[0]",
    ),
    Case(
        "compose-shape",
        "replicas-shape",
        _put("docker-compose.prod.yml", COMPOSE_HEAD + "    deploy:\n      replicas: two\n"),
        "deploy.replicas",
    ),
    # -- silent passes ---------------------------------------------------------------------------
    Case(
        "silent-pass",
        "alembic-no-script-location",
        _put("backend/alembic.ini", "[alembic]\nsqlalchemy.url = sqlite://\n"),
        "backend/alembic.ini",
    ),
    Case(
        "silent-pass",
        "non-literal-revision",
        _files(
            backend__alembic_DOT_ini="[alembic]\nscript_location = migrations\n",
            backend__migrations__env_DOT_py="",
            backend__migrations__versions__a_DOT_py="revision = 'a' + 'b'\ndown_revision = None\n",
        ),
        "backend/migrations/versions/a.py",
    ),
    # -- gitignore patterns that backtrack -------------------------------------------------------
    Case(
        "gitignore",
        "star-run",
        _both(
            _put(".gitignore", "**********q\n*a*a*a*a*a*a*a*a*a*q\n"),
            _put("backend/app/" + "a" * 200 + ".py", "import os\n"),
            _put("backend/app/bad.py", "def f(:\n"),
        ),
        "backend/app/bad.py",  # KAB101 and KAB201 incomplete for backend
    ),
    # -- planted secrets ---------------------------------------------------------------------
    Case(
        "secrets",
        "git-token-requirement",
        _put(
            "backend/requirements.txt",
            f"fastapi==0.115.0\ngit+https://{PLANT}@github.com/acme/private.git\n",
        ),
        "backend/requirements.txt",  # a URL naming no package: KAB101 incomplete
        secrets=(PLANT,),
    ),
    Case(
        "secrets",
        "yaml-error-password-line",
        _put(
            "docker-compose.prod.yml",
            f"services:\n  db:\n    environment:\n      PASSWORD: {PLANT}: [\n",
        ),
        "docker-compose.prod.yml",
        secrets=(PLANT,),
    ),
    Case(
        "secrets",
        "ini-error-password-line",
        _put("backend/setup.cfg", f"password = {PLANT}\n[metadata]\n"),
        "backend/setup.cfg",  # invalid INI: KAB101 incomplete for backend
        secrets=(PLANT,),
    ),
    Case(
        "secrets",
        "alembic-ini-error-password",
        _put("backend/alembic.ini", f"sqlalchemy.url = postgresql://u:{PLANT}@db/x\n"),
        "backend/alembic.ini",
        secrets=(PLANT,),
    ),
    Case(
        "secrets",
        "env-and-compose-values",
        _both(
            _put(".env", f"APP_OPAQUE={PLANT}1\nSECRET_KEY={PLANT}2\n"),
            _put(
                "docker-compose.prod.yml",
                "services:\n  db:\n    image: postgres:16\n    ports:\n      - '5432:5432'\n"
                f"    environment:\n      POSTGRES_PASSWORD: {PLANT}3\n"
                f"      DATABASE_URL: postgresql://app:{PLANT}4@db/app\n",
            ),
            _put(
                "backend/app/config.py",
                "import os\n\nfrom pydantic_settings import BaseSettings\n\n\n"
                f"class Settings(BaseSettings):\n    api_token: str = '{PLANT}5'\n\n\n"
                f"KEY = os.getenv('OTHER_KEY', '{PLANT}6')\n",
            ),
            _put("backend/app/bad.py", f"x = '{PLANT}7\n"),
        ),
        "docker-compose.prod.yml",
        secrets=tuple(f"{PLANT}{i}" for i in range(1, 8)),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.kind}:{c.name}" for c in CASES])
def test_hostile_input(case: Case, tmp_path: Path) -> None:
    root = base_repo(tmp_path)
    case.build(root)
    result = run(root, baseline=4 not in case.codes)
    terminal = result.outputs["terminal"]
    assert result.seconds < TIME_BOUND
    assert result.code in case.codes, f"exit {result.code}\n{terminal[-3000:]}"
    assert result.code != 3
    assert case.named in terminal, terminal[-3000:]
    for name, text in result.outputs.items():
        assert SENTINEL not in text, f"outside file content in {name}"
        assert SENTINEL.lower() not in text, f"outside file content in {name}"
        for secret in case.secrets:
            assert secret not in text, f"planted secret in {name}"
    if result.code == 1:
        assert {"json", "sarif", "junit", "html", "baseline"} <= set(result.outputs)
        report = json.loads(result.outputs["json"])
        assert report["root"] == str(root)


def test_empty_root_is_a_usage_error(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    (root / ".git").mkdir(parents=True)
    write(root, "README.md", "nothing here\n")
    result = run(root, baseline=False)
    assert result.code == 4
    assert "nothing to audit at" in result.outputs["terminal"]


def test_spaced_option_path_does_not_move_the_root(tmp_path: Path) -> None:
    root = base_repo(tmp_path)
    existing = tmp_path / "outside" / "report.json"
    existing.write_text("{}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "KABUL_"))}
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--kabul-readiness", "--kabul-only", "-p",
         "no:cacheprovider", "-m", "kabul and not kabul_live", "--kabul-json", str(existing)],
        cwd=root, env=env, capture_output=True, text=True, timeout=TIME_BOUND, check=False,
    )  # fmt: skip
    assert proc.returncode in (0, 1), proc.stdout[-2000:] + proc.stderr[-2000:]
    assert f"rootdir: {root}" in proc.stdout
    assert f"audited root: {root}" in proc.stdout
    assert json.loads(existing.read_text())["root"] == str(root)


def test_backend_rootdir_audits_the_repository(tmp_path: Path) -> None:
    root = base_repo(tmp_path)
    result = run(root / "backend", baseline=False)
    terminal = result.outputs["terminal"]
    assert result.code in (0, 1), terminal[-2000:]
    assert f"audited root: {root}" in terminal
    assert "differs from pytest's rootdir" in terminal


def test_case_count_by_class() -> None:
    kinds: dict[str, int] = {}
    for case in CASES:
        kinds[case.kind] = kinds.get(case.kind, 0) + 1
    assert len(CASES) >= 40, kinds


def test_root_pyproject_tool_not_a_table_is_a_usage_error_from_elsewhere(tmp_path: Path) -> None:
    """From inside the project pytest crashes before any plugin loads (README, Limitations);
    with --kabul-root from another folder it is a usage error naming the file and the key."""
    import subprocess

    root = base_repo(tmp_path)
    write(root, "pyproject.toml", 'tool = "x"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "KABUL_"))}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--kabul-only", f"--kabul-root={root}", "-p",
         "no:cacheprovider", "-m", "kabul and not kabul_live"],
        cwd=elsewhere, env=env, capture_output=True, text=True, timeout=TIME_BOUND, check=False,
    )  # fmt: skip
    assert proc.returncode == 4, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert f"{root}/pyproject.toml: tool must be a table, got string" in proc.stdout + proc.stderr
