"""Cleanups that must run however the session ends: teardown, exit, Ctrl-C or SIGTERM.

A service registers a callback with :func:`on_exit` right after it created something (a data
dir, a server, a database) and runs it itself in normal teardown (:func:`run_cleanup`). If the
process ends first, ``atexit`` runs what is left; Ctrl-C raises ``KeyboardInterrupt`` in the
main thread, so pytest's fixture teardown runs and ``atexit`` catches the rest. SIGTERM and
SIGHUP (a CI runner cancelling the job) would skip ``atexit``, so a handler — installed only
where no one else handles those signals — runs the exit functions and then dies by the signal.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import signal
import threading
from collections.abc import Callable
from types import FrameType

_CLEANUPS: dict[int, Callable[[], None]] = {}
_IDS = itertools.count(1)
_LOCK = threading.Lock()
_INSTALLED = False


def on_exit(callback: Callable[[], None]) -> int:
    """Register ``callback`` to run at exit or on a termination signal; returns a handle."""
    _install()
    with _LOCK:
        handle = next(_IDS)
        _CLEANUPS[handle] = callback
    return handle


def run_cleanup(handle: int) -> None:
    """Run and forget one registered cleanup (idempotent)."""
    with _LOCK:
        callback = _CLEANUPS.pop(handle, None)
    if callback is not None:
        callback()


def pending() -> int:
    """How many cleanups are still registered (for tests)."""
    return len(_CLEANUPS)


def run_all_cleanups() -> None:
    """Newest first, so a database is dropped before its server stops."""
    for handle in sorted(_CLEANUPS, reverse=True):
        with contextlib.suppress(Exception):  # best effort: the next cleanup must still run
            run_cleanup(handle)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    atexit._run_exitfuncs()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _install() -> None:
    global _INSTALLED
    if _INSTALLED:
        return
    _INSTALLED = True
    atexit.register(run_all_cleanups)
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGHUP):
            if signal.getsignal(signum) is signal.SIG_DFL:
                signal.signal(signum, _on_signal)
