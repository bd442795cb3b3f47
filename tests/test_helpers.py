"""The test suite's own helpers: the leak check counts exactly the processes a test started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from tests.helpers import adopting_orphans, own_processes


def test_an_orphan_of_a_finished_subprocess_is_still_ours() -> None:
    with adopting_orphans() as adopting:
        assert adopting
        _orphan_is_counted()


def _orphan_is_counted() -> None:
    before = set(own_processes())
    # A child that starts a grandchild and exits at once: the grandchild is orphaned.
    script = (
        "import subprocess, sys;"
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'],"
        " stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL);"
        "print(p.pid)"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    grandchild = int(out.stdout)
    try:
        deadline = time.monotonic() + 5
        while grandchild not in own_processes() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert grandchild in set(own_processes()) - before
        assert 1 not in own_processes()  # init, or any process we did not start, never is
    finally:
        os.kill(grandchild, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while grandchild in own_processes() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert grandchild not in own_processes()  # gone (a zombie is not counted)
