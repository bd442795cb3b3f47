"""Shared helpers for pytest-kabul's own tests."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

import pytest

from pytest_kabul.config import KabulConfig
from pytest_kabul.project.core import Project

PROJECTS = Path(__file__).parent / "projects"
OWNER_MARK = "PYTEST_KABUL_TEST_ROOT"


def write_file(root: Path, rel: str, text: str = "x\n") -> None:
    """Write ``root/rel``, creating its folders."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def build_project(
    root: Path,
    files: Mapping[str, str],
    *,
    config: KabulConfig | None = None,
    **config_kwargs: Any,
) -> Project:
    """Write ``files`` (relative path -> text) under ``root`` and return the project model.

    Each text is dedented and loses its leading newlines, so a test may write a file as an
    indented triple-quoted string. ``config`` is used as is; otherwise ``config_kwargs`` (if any)
    build a ``KabulConfig``.
    """
    if config is not None and config_kwargs:
        raise TypeError("pass either config or config keyword arguments, not both")
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    if config is None and config_kwargs:
        config = KabulConfig(**config_kwargs)
    return Project(root, config)


class MakeProject(Protocol):
    """The ``make_project`` fixture: ``build_project`` bound to the test's ``tmp_path``."""

    def __call__(
        self, files: Mapping[str, str], *, config: KabulConfig | None = None, **config_kwargs: Any
    ) -> Project: ...


def copy_project(name: str, dest: Path) -> Path:
    """Copy a fixture project (symlinks kept as links) so runs never write into the repo."""
    target = dest / name
    shutil.copytree(PROJECTS / name, target, symlinks=True)
    return target


def run_kabul(
    root: Path, *args: str, timeout: float = 600
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """Run ``pytest --kabul-readiness`` in a real subprocess and return (process, JSON report)."""
    report = root.parent / f"{root.name}-kabul.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "KABUL_"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env[OWNER_MARK] = str(root)  # inherited by what the run starts: leak checks count only those
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--kabul-readiness",
            "--kabul-only",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            f"--rootdir={root}",
            f"--kabul-json={report}",
            *args,
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if not report.exists():
        pytest.fail(f"no JSON report; exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc, json.loads(report.read_text())


# -- processes a test started itself ---------------------------------------------------------
PR_SET_CHILD_SUBREAPER = 36


def _set_subreaper(on: bool) -> bool:
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


@contextlib.contextmanager
def adopting_orphans() -> Iterator[bool]:
    """While inside, this process adopts its orphaned descendants (Linux ``prctl``), so a
    process that a ``pytest --kabul-readiness`` subprocess left behind is still counted as
    ours and a process of another program on the machine never is. On the way out adoption is
    switched off and the adopted children that have exited are reaped, so later tests see no
    zombies of ours. Yields False where prctl is unavailable."""
    before = set(_children())
    enabled = _set_subreaper(True)
    try:
        yield enabled
    finally:
        if enabled:
            _set_subreaper(False)
            for pid, state in _children().items():
                if pid not in before and state == "Z":
                    with contextlib.suppress(ChildProcessError):
                        os.waitpid(pid, os.WNOHANG)


def _children() -> dict[int, str]:
    """This process's direct children: pid -> state letter."""
    me = str(os.getpid())
    out: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                state, ppid = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:2]
            except (OSError, ValueError):
                continue
            if ppid == me:
                out[int(entry.name)] = state
    return out


def own_processes() -> dict[int, str]:
    """Living (not zombie) descendants of this process: pid -> command line."""
    parents: dict[int, int] = {}
    commands: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            raw = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if state == "Z":
            continue
        parents[int(entry.name)] = int(ppid)
        commands[int(entry.name)] = raw.replace(b"\0", b" ").decode(errors="replace")
    me = os.getpid()

    def descends(pid: int) -> bool:
        seen: set[int] = set()
        while pid in parents and pid not in seen:
            seen.add(pid)
            pid = parents[pid]
            if pid == me:
                return True
        return False

    return {pid: cmd for pid, cmd in commands.items() if descends(pid)}


MACHINE_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def leftover_kabul_databases() -> set[str]:
    """``kabul_*`` databases on the machine's server whose creating process has exited.

    Other sessions (other engineers' test runs) share the server; their databases belong to
    live processes and are not leaks. A test compares this set before and after (``<=``: the
    session's reaper may drop other dead sessions' databases meanwhile).
    """
    from pytest_kabul.services.owners import dead_owner
    from pytest_kabul.services.postgres import PostgresService

    with PostgresService.from_url(MACHINE_URL) as server:
        rows = server.execute(
            "SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database"
            " WHERE datname LIKE 'kabul\\_%'"
        )
    out = set()
    for name, comment in rows:
        text = str(comment or "")
        if dead_owner(text) or not text.startswith(("kabul:", "pytest-kabul pid ")):
            out.add(str(name))
    return out
