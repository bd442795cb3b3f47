"""The reaper finds what a killed run started, at whatever moment the run was killed: real
processes, a real SIGKILL of the owning interpreter, and the next run's :func:`owners.reap`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pytest_kabul.services import owners
from pytest_kabul.services.procs import wait_for
from tests.helpers import adopting_orphans

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc (Linux)")

# The owner: starts a sleeper through procs.spawn and is SIGKILLed at the moment the test asks
# for. "window": after the child exists, before the owner writes its pid down (the update is
# replaced by the kill). "orphan": after the child's own child exists and the group's leader
# died first, so the recorded pgid names nothing.
OWNER = """
import os, signal, sys, time
from pathlib import Path
from typing import Any
from pytest_kabul.services import owners, procs

mode, tag, log = sys.argv[1], sys.argv[2], Path(sys.argv[3])
die = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
if mode == "window":
    owners.update = die
    sleeper = "import time; time.sleep(60)  # " + tag
else:
    sleeper = (
        "import subprocess, sys; "
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)  # " + tag + "']);"
        " import time; time.sleep(0.5)"
    )
child = procs.spawn([sys.executable, "-c", sleeper], cwd=Path.cwd(), env=os.environ, log=log)
child.process.wait()
die()
"""


def tagged(tag: str) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes()
                state = (proc / "stat").read_text().rpartition(")")[2].split()[:1]
            except OSError:
                continue
            if tag.encode() in cmdline and state != ["Z"]:
                found.append(int(proc.name))
    return found


def kill_owner(
    mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, dict[str, Any]]:
    state = tmp_path / "state"
    monkeypatch.setenv("KABUL_STATE_DIR", str(state))
    tag = f"kabul-owner-test-{mode}-{tmp_path.name}"
    owner = subprocess.run(
        [sys.executable, "-c", OWNER, mode, tag, str(tmp_path / "child.log")],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert owner.returncode == -signal.SIGKILL, owner.stderr
    (path,) = state.glob("*.json")
    return tag, json.loads(path.read_text())


@pytest.mark.parametrize("mode", ["window", "orphan"])
def test_a_run_killed_at_any_moment_leaves_nothing_the_next_run_misses(
    mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with adopting_orphans():
        try:
            tag, data = kill_owner(mode, tmp_path, monkeypatch)
            (entry,) = data["resources"]
            assert entry["kind"] == "process"
            assert entry["token"]
            if mode == "window":
                assert "pgid" not in entry  # the owner died before it learnt the pid
            else:
                assert entry["pgid"] not in tagged(tag)  # the group's leader died first
            assert wait_for(lambda: len(tagged(tag)) == 1, 10.0), tagged(tag)

            done = owners.reap()

            assert [d.split(" (")[0].startswith("process group") for d in done] == [True], done
            assert wait_for(lambda: tagged(tag) == [], 10.0), tagged(tag)
            assert list((tmp_path / "state").glob("*.json")) == []
        finally:
            for pid in tagged(f"kabul-owner-test-{mode}-{tmp_path.name}"):
                os.kill(pid, signal.SIGKILL)


def test_the_reaper_kills_only_the_carriers_of_its_own_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KABUL_STATE_DIR", str(tmp_path / "state"))
    tag = f"kabul-token-test-{tmp_path.name}"
    dead = _dead_pid()
    token = f"{dead}:1:1"
    # Same prefix, other token: a run's eleventh process must survive the reaping of its first.
    bystander = subprocess.Popen(
        [sys.executable, "-c", f"import time; time.sleep(60)  # {tag}"],
        env={**os.environ, owners.TOKEN_VAR: token + "1"},
        start_new_session=True,
    )
    try:
        assert wait_for(lambda: owners.carriers(token + "1") == [bystander.pid], 10.0)
        (tmp_path / "state").mkdir()
        entry = {"kind": "process", "token": token, "marker": sys.executable, "what": "x"}
        state = {"pid": dead, "start": "1", "resources": [entry]}
        (tmp_path / "state" / f"{dead}-1.json").write_text(json.dumps(state))

        assert owners.reap() == []
        assert bystander.poll() is None
        assert owners.carriers(token) == []
    finally:
        bystander.kill()
        bystander.wait()


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid
