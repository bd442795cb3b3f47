"""AppReplicas with real uvicorn processes: separate process groups, a clean environment,
start-up failures with log tails, and nothing left running afterwards."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_kabul.errors import ReplicaStartError
from pytest_kabul.services.procs import group_alive, wait_for
from pytest_kabul.services.replicas import AppReplicas, AppTarget, http_status

pytestmark = pytest.mark.live

APP = """
import os, subprocess, sys
from fastapi import FastAPI

{prelude}
app = FastAPI()
# A grandchild in the replica's process group: stopping the replica must stop it too.
helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])

@app.get("/health")
async def health():
    return {{"status": "ok"}}

@app.get("/info")
async def info():
    return {{"pid": os.getpid(), "helper": helper.pid, "mark": os.environ.get("KABUL_MARK"),
             "leak": os.environ.get("DATABASE_URL")}}
"""


def write_app(tmp_path: Path, prelude: str = "") -> AppTarget:
    (tmp_path / "svc.py").write_text(APP.format(prelude=prelude))
    return AppTarget("svc:app", tmp_path)


def get_json(port: int, path: str) -> dict[str, object]:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", path)
    data: dict[str, object] = json.loads(conn.getresponse().read())
    conn.close()
    return data


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_two_replicas_are_separate_process_groups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://developer@prod-db/real")
    target = write_app(tmp_path)
    with AppReplicas(target, n=2, env={"KABUL_MARK": "same"}, health_path="/health") as replicas:
        infos = [get_json(r.port, "/info") for r in replicas.replicas]
        pids = [r.pid for r in replicas.replicas]
        assert [r.ready_status for r in replicas.replicas] == [200, 200]
        assert len({r.port for r in replicas.replicas}) == 2
        assert [os.getpgid(pid) for pid in pids] == pids  # each leads its own group
        assert [i["pid"] for i in infos] == pids  # the server itself, not a thread
        assert [(i["mark"], i["leak"]) for i in infos] == [("same", None)] * 2
        helpers = [int(str(i["helper"])) for i in infos]
    assert all(gone(p) for p in pids)
    assert wait_for(lambda: all(gone(h) for h in helpers), 5.0)
    assert not any(group_alive(p) for p in pids)
    assert "Application startup complete" in replicas.log_tails()


def test_a_replica_that_crashes_reports_its_log_tail(tmp_path: Path) -> None:
    target = write_app(tmp_path, prelude='raise RuntimeError("PAYMENT_API_KEY is missing")')
    replicas = AppReplicas(target, n=2, health_path="/health", startup_timeout=20)
    with pytest.raises(ReplicaStartError) as info:
        replicas.__enter__()
    assert info.value.exit_code not in (None, 0)
    assert "RuntimeError: PAYMENT_API_KEY is missing" in info.value.log_tail
    assert "exited with code" in str(info.value)
    assert [r.index for r in replicas.replicas] == [0, 1]  # started together, both crashed
    assert replicas.restarted == []  # a crash of every replica is the app's, not a race
    assert all(gone(r.pid) for r in replicas.replicas)


def test_replicas_start_together(tmp_path: Path) -> None:
    """Each replica's start-up takes a second; they overlap, as a deployment's do."""
    prelude = (
        "import time, pathlib\n"
        "pathlib.Path(f'started-{os.getpid()}').write_text(repr(time.time()))\n"
        "time.sleep(1.0)"
    )
    target = write_app(tmp_path, prelude=prelude)
    with AppReplicas(target, n=2, health_path="/health", startup_timeout=20) as replicas:
        starts = [float((tmp_path / f"started-{r.pid}").read_text()) for r in replicas.replicas]
        assert replicas.restarted == []
    assert abs(starts[0] - starts[1]) < 1.0  # the second began before the first was ready


def test_a_replica_that_loses_a_start_up_race_is_started_again_alone(tmp_path: Path) -> None:
    """One-time start-up work (create_all, seeding) that fails when another replica does it at
    the same moment: the loser starts again once the winner is ready."""
    prelude = (
        "import fcntl, time\n"
        "lock = open('startup.lock', 'a')\n"
        "try:\n"
        "    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
        "except BlockingIOError:\n"
        "    sys.exit('another replica is creating the tables')\n"
        "time.sleep(1.0)\n"
        "fcntl.flock(lock, fcntl.LOCK_UN)"
    )
    target = write_app(tmp_path, prelude=prelude)
    with AppReplicas(target, n=2, health_path="/health", startup_timeout=20) as replicas:
        assert len(replicas.restarted) == 1
        assert [r.index for r in replicas.replicas] == [0, 1]
        assert [r.ready_status for r in replicas.replicas] == [200, 200]
        pids = [r.pid for r in replicas.replicas]
        lost = replicas.replicas[replicas.restarted[0]]
        assert "another replica is creating the tables" in lost.log_tail()
    assert all(gone(p) for p in pids)


def test_a_replica_that_never_answers_times_out(tmp_path: Path) -> None:
    target = write_app(
        tmp_path, prelude="import time; print('warming up', flush=True); time.sleep(60)"
    )
    replicas = AppReplicas(target, n=1, health_path="/health", startup_timeout=1.5)
    with pytest.raises(ReplicaStartError, match=r"did not answer GET /health within 1.5s") as info:
        replicas.__enter__()
    assert info.value.exit_code is None
    assert "warming up" in info.value.log_tail
    pid = replicas.replicas[0].pid
    assert gone(pid)
    assert not group_alive(pid)


def test_interrupt_inside_the_block_still_stops_everything(tmp_path: Path) -> None:
    target = write_app(tmp_path)
    seen: list[int] = []

    def interrupted_run() -> None:
        with AppReplicas(target, n=1, health_path="/health") as replicas:
            seen.append(replicas.replicas[0].pid)
            assert http_status(replicas.replicas[0].port, "/health") == 200
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted_run()
    [pid] = seen
    assert gone(pid)
    # The helper grandchild is re-parented and reaped asynchronously.
    assert wait_for(lambda: not group_alive(pid), 5.0)


def test_log_tails_mask_the_values_we_passed(tmp_path: Path) -> None:
    target = write_app(tmp_path, prelude='print("token is", os.environ["API_TOKEN"], flush=True)')
    with AppReplicas(target, n=1, env={"API_TOKEN": "tok-1234567890"}, health_path="/health") as r:
        pass
    assert "token is ***" in r.log_tails()
    assert "tok-1234567890" not in r.log_tails()


DRIVER = """
import sys, time
from pathlib import Path
from pytest_kabul.services.replicas import AppReplicas, AppTarget
replicas = AppReplicas(AppTarget("svc:app", Path(sys.argv[1])), n=2, health_path="/health")
replicas.__enter__()  # never exited: only the exit hooks can stop them
print(" ".join(str(r.pid) for r in replicas.replicas), flush=True)
time.sleep(120)
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_killed_session_leaves_no_replica(tmp_path: Path, signum: signal.Signals) -> None:
    """A pytest session cancelled by CI (SIGTERM) or Ctrl-C (SIGINT) still stops its replicas."""
    write_app(tmp_path)
    with subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(tmp_path)], stdout=subprocess.PIPE, text=True
    ) as driver:
        assert driver.stdout is not None
        pids = [int(p) for p in driver.stdout.readline().split()]
        assert len(pids) == 2
        assert not any(gone(p) for p in pids)
        driver.send_signal(signum)
        driver.wait(timeout=30)
    assert wait_for(lambda: all(gone(p) and not group_alive(p) for p in pids), 10.0)


def test_options_the_projects_uvicorn_does_not_know_are_left_out(tmp_path: Path) -> None:
    """uvicorn 0.12 (a pinned old release) has no --timeout-graceful-shutdown: asking for it
    made every replica exit with a usage error."""
    from pytest_kabul.services.replicas import uvicorn_argv, uvicorn_options

    old = tmp_path / "old-python"
    old.write_text(
        "#!/bin/sh\necho 'Usage: uvicorn [OPTIONS] APP'\n"
        "echo '  --host TEXT  --port INTEGER  --app-dir TEXT  --no-access-log  --log-level'\n"
    )
    old.chmod(0o755)
    app = AppTarget("app.main:app", tmp_path)
    assert "--timeout-graceful-shutdown" not in uvicorn_argv(str(old), app, 8000)
    assert uvicorn_argv(str(old), app, 8000)[-2:] == ["--log-level", "info"]
    assert "--timeout-graceful-shutdown" in uvicorn_options(sys.executable)
    assert "--timeout-graceful-shutdown" in uvicorn_argv(sys.executable, app, 8000)
    assert uvicorn_options(str(tmp_path / "missing")) == frozenset()
    assert "--app-dir" in uvicorn_argv(str(tmp_path / "missing"), app, 8000)  # unknown: kept
