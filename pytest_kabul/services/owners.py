"""Who owns what the live tier started, so a later run can clean up after a killed one.

``atexit`` and the signal handlers of :mod:`cleanup` cannot run when a session is SIGKILLed
(an OOM kill, a CI runner timing out): its embedded postmaster, redis-server, uvicorn
replicas and ``kabul_*`` databases would stay forever. So every resource is written down
*before* it exists, in one state file per run under a fixed root
(``<tmp>/pytest-kabul-state/<pid>-<start>.json``: the owner's pid and start time, and what it
started), and forgotten when it is gone. Databases also carry the owner in their comment
(``kabul:<pid>:<start>``). At session start :func:`reap` stops and removes everything whose
owner is dead (testcontainers' Ryuk plays this role for containers). The pid *and* its start
time identify the owner, so a reused pid never keeps leftovers alive.

A process cannot be written down by its pid before it exists, so a process entry is written
with a token first (:func:`record_process`), the token goes into the child's environment
(``KABUL_OWNED=<token>``, inherited by everything it forks), and the pid follows once known
(:func:`update`). A run killed between the two, or a group whose leader died before its
children, is still found: the reaper looks for the token in ``/proc/*/environ`` (Linux).

This module imports nothing of the package at import time (``services/`` sits low).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

TOKEN_VAR = "KABUL_OWNED"
_LOCK = threading.Lock()
_IDS = itertools.count(1)
_TOKENS = itertools.count(1)
_ENTRIES: dict[int, dict[str, Any]] = {}


def state_root() -> Path:
    """The fixed folder every run writes its state file into (``/tmp`` on POSIX, whatever
    ``TMPDIR`` says: a run with another ``TMPDIR`` must still find the leftovers).
    ``KABUL_STATE_DIR`` replaces it, for runs that must not reap, or be reaped by, the other
    runs on a shared machine (the plugin's own tests)."""
    override = os.environ.get("KABUL_STATE_DIR")
    if override:
        return Path(override)
    base = Path("/tmp") if Path("/tmp").is_dir() else Path(tempfile.gettempdir())
    return base / "pytest-kabul-state"


def start_ticks(pid: int) -> str | None:
    """The process start time in clock ticks since boot (Linux), None elsewhere/when gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return fields[19] if len(fields) > 19 else None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def owner_alive(pid: int, start: str) -> bool:
    if not _pid_alive(pid):
        return False
    ticks = start_ticks(pid)
    return ticks is None or start in ("", "?") or ticks == start


_PID = os.getpid()
_START = start_ticks(_PID) or "?"


def owner() -> str:
    """``<pid>:<start>`` of this process (re-read after a fork)."""
    global _PID, _START
    if os.getpid() != _PID:
        _PID, _START = os.getpid(), start_ticks(os.getpid()) or "?"
    return f"{_PID}:{_START}"


def comment() -> str:
    """The database comment that names this run as the owner."""
    return f"kabul:{owner()}"


def _state_file() -> Path:
    pid, start = owner().split(":", 1)
    return state_root() / f"{pid}-{start}.json"


def _write() -> None:
    path = _state_file()
    if not _ENTRIES:
        with contextlib.suppress(OSError):
            path.unlink()
        return
    pid, start = owner().split(":", 1)
    data = {"pid": int(pid), "start": start, "resources": [_ENTRIES[k] for k in sorted(_ENTRIES)]}
    root = state_root()
    root.mkdir(mode=0o1777, parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        root.chmod(0o1777)  # shared by every user's runs, like /tmp itself
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # may hold a password
    with os.fdopen(fd, "w") as out:
        json.dump(data, out)
    os.replace(tmp, path)


def record(entry: dict[str, Any]) -> int:
    """Write ``entry`` down before the resource exists; returns a handle for :func:`forget`."""
    with _LOCK:
        handle = next(_IDS)
        _ENTRIES[handle] = dict(entry)
        with contextlib.suppress(OSError):
            _write()
    return handle


def record_process(marker: str, what: str) -> tuple[int, str]:
    """Write a process group down before it starts: the handle, and the token the child must
    carry in its environment as ``TOKEN_VAR`` (the reaper's way to find it without a pid)."""
    token = f"{owner()}:{next(_TOKENS)}"
    return record({"kind": "process", "token": token, "marker": marker, "what": what}), token


def update(handle: int, **fields: Any) -> None:
    """Add what became known once the resource exists (a process group's id)."""
    with _LOCK:
        entry = _ENTRIES.get(handle)
        if entry is not None:
            entry.update(fields)
            with contextlib.suppress(OSError):
                _write()


def forget(handle: int) -> None:
    with _LOCK:
        if _ENTRIES.pop(handle, None) is not None:
            with contextlib.suppress(OSError):
                _write()


# -- reaping ------------------------------------------------------------------------------------
def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def carriers(token: str) -> list[int]:
    """The pids whose environment holds ``TOKEN_VAR=token`` (Linux; none elsewhere)."""
    needle = f"{TOKEN_VAR}={token}".encode()
    found: list[int] = []
    with contextlib.suppress(OSError), os.scandir("/proc") as entries:
        for item in entries:
            if not item.name.isdigit() or int(item.name) == os.getpid():
                continue
            try:
                data = Path(item.path, "environ").read_bytes()
            except OSError:
                continue  # gone, or not ours to read
            if needle in data and needle in data.split(b"\0"):
                found.append(int(item.name))
    return found


def _kill_group(pgid: int) -> bool:
    if pgid <= 1 or pgid == os.getpgrp():
        return False  # never this run's own group
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _reused(pid: int, marker: str) -> bool:
    """The pid now belongs to something else (its command line lacks the recorded marker)."""
    return bool(marker) and Path("/proc").is_dir() and marker not in _cmdline(pid)


def _reap_process(entry: dict[str, Any]) -> str | None:
    """Kill the recorded group (when its leader is still the process recorded), then every
    process that carries the entry's token, with its group: the leader may have died first, or
    the owner may have died before it learnt the pid."""
    killed = False
    pgid = int(entry["pgid"]) if entry.get("pgid") is not None else None
    marker = str(entry.get("marker") or "")
    if pgid is not None and _pid_alive(pgid) and not _reused(pgid, marker):
        killed = _kill_group(pgid)
    token = str(entry.get("token") or "")
    for _round in range(3):  # a carrier may fork between the look and the kill
        found = carriers(token) if token else []
        for pid in found:
            with contextlib.suppress(OSError):
                killed = _kill_group(os.getpgid(pid)) or killed
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                killed = True
        if not found:
            break
    if not killed:
        return None
    return f"process group {pgid if pgid is not None else '?'} ({entry.get('what', '?')})"


def _reap_dir(entry: dict[str, Any]) -> str | None:
    path = Path(str(entry["path"]))
    if not path.exists():
        return None
    shutil.rmtree(path, ignore_errors=True)
    return f"folder {path}"


Reaper = Callable[[dict[str, Any]], "str | None"]
_REAPERS: dict[str, Reaper] = {"process": _reap_process, "dir": _reap_dir}


def register_reaper(kind: str, reaper: Reaper) -> None:
    """Services that know how to remove a kind of resource register it here (``postgres.py``
    registers ``database`` and ``postgres``), so this module depends on nothing."""
    _REAPERS[kind] = reaper


def reap() -> list[str]:
    """Stop and remove what dead runs left behind; returns what was removed."""
    done: list[str] = []
    root = state_root()
    for path in sorted(root.glob("*.json")) if root.is_dir() else ():
        try:
            data = json.loads(path.read_text())
            pid, start = int(data["pid"]), str(data.get("start", "?"))
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if owner_alive(pid, start):
            continue
        # Processes first (a replica holds a database connection), then databases, then servers.
        order = {"process": 0, "database": 1, "postgres": 2, "dir": 3}
        resources = sorted(data.get("resources", []), key=lambda e: order.get(e.get("kind"), 9))
        for entry in resources:
            reaper = _REAPERS.get(str(entry.get("kind")))
            with contextlib.suppress(Exception):
                what = reaper(entry) if reaper else None
                if what:
                    done.append(what)
        with contextlib.suppress(OSError):
            path.unlink()
    return done


def dead_owner(comment_text: str) -> bool:
    """A database comment (``kabul:<pid>:<start>`` or the older ``pytest-kabul pid <pid>``)
    naming an owner that is gone."""
    text = comment_text.strip()
    if text.startswith("kabul:"):
        _, pid, start = [*text.split(":", 2), "", ""][:3]
    elif text.startswith("pytest-kabul pid "):
        pid, start = text.rsplit(" ", 1)[-1], "?"
    else:
        return False
    return pid.isdigit() and not owner_alive(int(pid), start)


def wait_gone(pgid: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while _pid_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)
