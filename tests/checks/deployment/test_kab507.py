"""KAB507 secret-in-history: a temporary git repository whose history adds an AWS-key-shaped
token and removes it again, run through a real ``pytest --kabul-readiness`` subprocess writing
every output format; the token must appear in none of them."""

from __future__ import annotations

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_kabul.checks.deployment.secret_in_history import INSTALL, evaluate
from pytest_kabul.project.core import Project
from pytest_kabul.project.history import History
from tests.helpers import run_kabul

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Dev",
    "GIT_AUTHOR_EMAIL": "dev@example.com",
    "GIT_COMMITTER_NAME": "Dev",
    "GIT_COMMITTER_EMAIL": "dev@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def aws_key() -> str:
    alphabet = string.ascii_uppercase + "234567"
    return "AKIA" + "".join(secrets.choice(alphabet) for _ in range(16))


def git(root: Path, *args: str, date: str = "2025-03-02T10:00:00") -> str:
    env = {**os.environ, **GIT_ENV, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    done = subprocess.run(
        ["git", "-C", str(root), *args], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def commit(root: Path, files: dict[str, str | None], message: str, date: str) -> str:
    for rel, text in files.items():
        path = root / rel
        if text is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message, date=date)
    return git(root, "rev-parse", "HEAD")


@pytest.fixture
def leaky_repo(tmp_path: Path) -> tuple[Path, str, str, str]:
    """(root, removed key, adding commit, removing commit); a second key is still in HEAD."""
    root = tmp_path / "shop"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    removed, kept = aws_key(), aws_key()
    commit(
        root,
        {
            "pyproject.toml": '[project]\nname = "shop"\nversion = "0"\n',
            "backend/app/main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
        },
        "initial",
        "2025-03-01T10:00:00",
    )
    added = commit(
        root,
        {"backend/app/config.py": f'REGION = "eu-west-1"\nAWS_ACCESS_KEY_ID = "{removed}"\n'},
        "add s3 upload",
        "2025-03-02T10:00:00",
    )
    gone = commit(
        root,
        {"backend/app/config.py": 'REGION = "eu-west-1"\n'},
        "read the key from the environment",
        "2025-03-03T10:00:00",
    )
    commit(
        root,
        {"backend/app/legacy.py": f'KEY = "{kept}"\n'},
        "legacy uploader",
        "2025-03-04T10:00:00",
    )
    return root, removed, added, gone


def test_removed_key_is_reported_and_never_shown(leaky_repo: tuple[Path, str, str, str]) -> None:
    root, key, added, gone = leaky_repo
    out = root.parent
    proc, report = run_kabul(
        root,
        "--kabul-select",
        "KAB507",
        f"--kabul-sarif={out / 'r.sarif'}",
        f"--kabul-markdown={out / 'r.md'}",
        f"--junitxml={out / 'r.xml'}",
        f"--html={out / 'r.html'}",
        "--self-contained-html",
        "-rA",
    )
    assert proc.returncode == 1, proc.stdout
    [finding] = [f for f in report["findings"] if f["code"] == "KAB507"]
    assert finding["subject"] == f"backend/app/config.py:AWS Access Key@{added[:7]}"
    assert finding["severity"] == "critical"
    assert finding["message"] == (
        f"an AWS Access Key added in commit {added[:7]} (2025-03-02) to backend/app/config.py,"
        f" removed in {gone[:7]}, is still in the git history"
    )
    assert "does not revoke it" in finding["remediation"]
    assert finding["path"] == "backend/app/config.py"
    outputs = {
        "terminal": proc.stdout + proc.stderr,
        "json": (out / "shop-kabul.json").read_text(),
        "sarif": (out / "r.sarif").read_text(),
        "markdown": (out / "r.md").read_text(),
        "junit": (out / "r.xml").read_text(),
        "html": (out / "r.html").read_text(),
    }
    assert all(text for text in outputs.values())
    assert {name for name, text in outputs.items() if added[:7] in text} >= {"json", "sarif"}
    assert [name for name, text in outputs.items() if key in text or key[4:] in text] == []


def test_not_run_unless_selected(leaky_repo: tuple[Path, str, str, str]) -> None:
    root, *_ = leaky_repo
    _proc, report = run_kabul(root, "-m", "kabul and not kabul_live")
    assert [r for r in report["results"] if r["code"] == "KAB507"] == []
    assert not any(f["code"] == "KAB507" for f in report["findings"])


def test_history_lines_stay_inside_the_root(leaky_repo: tuple[Path, str, str, str]) -> None:
    """Audited from backend/, the log speaks of backend/'s files only, relative to it."""
    root, _key, added, gone = leaky_repo
    history = History(root / "backend")
    assert history.available()
    lines = list(history.lines())
    assert {line.path for line in lines} == {"app/main.py", "app/config.py", "app/legacy.py"}
    key_lines = [(ln.commit, ln.added, ln.line) for ln in lines if "AWS_ACCESS_KEY_ID" in ln.text]
    assert key_lines == [(gone, False, 2), (added, True, 2)]
    assert history.commits == 4
    assert not history.truncated


def test_history_is_bounded(leaky_repo: tuple[Path, str, str, str]) -> None:
    root, *_ = leaky_repo
    history = History(root, max_commits=2)
    commits = {line.commit for line in history.lines()}
    assert len(commits) == 2
    assert history.truncated


def test_skips_without_git_history(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x = 1\n")
    evaluation = evaluate(Project(tmp_path))
    assert evaluation.not_applicable is not None
    assert evaluation.not_applicable.startswith("no git history to scan:")


def test_skips_without_detect_secrets(
    leaky_repo: tuple[Path, str, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, *_ = leaky_repo
    monkeypatch.setitem(sys.modules, "detect_secrets.core.plugins.util", None)
    evaluation = evaluate(Project(root))
    assert evaluation.not_applicable == INSTALL
    assert "pytest-kabul[history]" in INSTALL


def test_git_environment_cannot_point_elsewhere(
    leaky_repo: tuple[Path, str, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ``GIT_DIR`` in the caller's environment would make git read another repository."""
    root, *_ = leaky_repo
    other = tmp_path / "other"
    other.mkdir()
    git(other, "init", "-q")
    commit(other, {"x.py": "x = 1\n"}, "other", "2025-01-01T00:00:00")
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    paths = {line.path for line in History(root).lines()}
    assert "x.py" not in paths
    assert "backend/app/config.py" in paths
