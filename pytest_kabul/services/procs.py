"""Process helpers shared by the live services: free ports, process groups, log tails.

Every child is started in its own session (``start_new_session=True``), so it leads its own
process group and stopping it also stops whatever it forked (uvicorn's reloader or workers,
``sh -c`` wrappers). Groups still alive when the interpreter exits are stopped by an ``atexit``
hook: a crashed or interrupted test run never leaves a server behind.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

_LIVE: dict[int, subprocess.Popen[bytes]] = {}
_OWNED: dict[int, int] = {}  # pid -> owners handle
_LOCK = threading.Lock()


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def port_open(host: str, port: int, timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def tail(path: Path, lines: int = 40) -> str:
    """The last ``lines`` lines of a log file ('' when it does not exist)."""
    try:
        data = path.read_bytes()[-64 * 1024 :]
    except OSError:
        return ""
    text = data.decode("utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])


@dataclass(frozen=True)
class Spawned:
    """A child process leading its own process group, with its output in ``log``."""

    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, grace: float = 5.0) -> None:
        stop_group(self.process, grace)


def spawn(argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], log: Path) -> Spawned:
    """Start ``argv`` as the leader of a new process group, stdout+stderr into ``log``."""
    with log.open("ab") as out:
        process = popen_owned(
            argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, what=Path(argv[0]).name
        )
    with _LOCK:
        _LIVE[process.pid] = process
    _register_exit_hook()
    return Spawned(process, log)


def popen_owned(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    stdout: IO[bytes],
    stderr: IO[bytes] | int,
    what: str,
) -> subprocess.Popen[bytes]:
    """Start ``argv`` in a new session, written down with its owner *before* it starts (see
    :mod:`owners`): a run killed at any moment leaves nothing the next run cannot find."""
    from pytest_kabul.services import owners

    handle, token = owners.record_process(argv[0], what)
    try:
        process = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env={**env, owners.TOKEN_VAR: token},
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
    except BaseException:
        owners.forget(handle)
        raise
    with _LOCK:
        _OWNED[process.pid] = handle
    owners.update(handle, pgid=process.pid)
    return process


def disown(pgid: int) -> None:
    from pytest_kabul.services import owners

    with _LOCK:
        handle = _OWNED.pop(pgid, None)
    if handle is not None:
        owners.forget(handle)


def stop_group(process: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """SIGTERM the process group, wait ``grace`` seconds, then SIGKILL it."""
    pgid = process.pid  # the leader of its own session: pgid == pid
    try:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace)
        # Children (uvicorn workers) may outlive the leader; the group is killed either way.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace)
    finally:
        with _LOCK:
            _LIVE.pop(process.pid, None)
        disown(process.pid)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    """Poll ``predicate()`` until it is true or ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


_HOOKED = False


def _register_exit_hook() -> None:
    """Also stop leftovers on SIGTERM/SIGHUP (the shared cleanup registry handles signals)."""
    global _HOOKED
    if not _HOOKED:
        _HOOKED = True
        from pytest_kabul.services import cleanup

        cleanup.on_exit(_stop_leftovers)


@atexit.register
def _stop_leftovers() -> None:
    with _LOCK:
        leftovers = list(_LIVE.values())
    for process in leftovers:
        stop_group(process, grace=2.0)
