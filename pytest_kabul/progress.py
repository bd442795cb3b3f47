"""Collection-time progress for output that is not a terminal (CI logs).

On a terminal pytest's own "collecting N items" counter moves after each check. A CI log gets
no such counter, so a scan of a large repository would sit silent until ``collected N items``.
There, each check whose collection took noticeable time gets one line as it finishes, and the
whole collection-time scan one summary line before the count::

    kabul: KAB101 python-import-undeclared evaluated in 3.2 s
    kabul: collection-time scan of 94 checks took 13.1 s (slowest: KAB101 3.2 s, KAB201 2.0 s)

Nothing is written under ``-q`` or on a terminal. Lines name check codes and durations only,
never a project value.
"""

from __future__ import annotations

from typing import Any

import pytest

from pytest_kabul.registry import Check

# A check whose collection takes at least this long gets its own line.
SLOW_CHECK_SECONDS = 1.0
SLOWEST_SHOWN = 3


def _is_terminal(reporter: Any) -> bool:
    tty = getattr(reporter, "isatty", False)  # a bool; also callable in recent pytest
    return bool(tty() if callable(tty) else tty)


class CollectionProgress:
    """Times the ``kabul`` collection: the file index, then each check's collector."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.index_seconds = 0.0
        self.timings: list[tuple[Check, float]] = []

    def _reporter(self) -> Any | None:
        if self.config.get_verbosity() < 0:
            return None
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is None or _is_terminal(reporter):
            return None
        return reporter

    def indexed(self, seconds: float) -> None:
        self.index_seconds = seconds

    def check_done(self, check: Check, seconds: float) -> None:
        self.timings.append((check, seconds))
        reporter = self._reporter()
        if reporter is None or seconds < SLOW_CHECK_SECONDS:
            return
        what = "listed (judged when its items run)" if check.deferred else "evaluated"
        reporter.write_line(f"kabul: {check.code} {check.name} {what} in {seconds:.1f} s")
        reporter.flush()

    def summary(self) -> str | None:
        if not self.timings:
            return None
        total = self.index_seconds + sum(seconds for _, seconds in self.timings)
        slowest = sorted(self.timings, key=lambda t: -t[1])[:SLOWEST_SHOWN]
        shown = ", ".join(f"{check.code} {seconds:.1f} s" for check, seconds in slowest)
        count = len(self.timings)
        checks = "1 check" if count == 1 else f"{count} checks"
        return f"kabul: collection-time scan of {checks} took {total:.1f} s (slowest: {shown})"

    def finish(self) -> None:
        """Write the summary line (before pytest's ``collected N items``)."""
        reporter = self._reporter()
        line = self.summary()
        if reporter is not None and line is not None:
            reporter.write_line(line)
        self.timings.clear()
