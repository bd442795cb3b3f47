"""The differential rate-limit probe: does a second replica double what a client gets?

It needs no knowledge of the configured limit:

1. from source address ``127.0.0.2`` send a burst of N requests to replica A; count accepted
   (neither 429 nor a connection error) → ``a1``;
2. from ``127.0.0.3`` (a fresh client, so a fresh bucket) send N requests alternating A, B,
   A, B …; count accepted → ``a2``.

A shared limit gives ``a2 ≈ a1``; per-process state gives ``a2 ≈ min(N, 2·a1)``. No 429 in
either burst means no limit was observed at N. Requests are sent concurrently (a thread pool on
the client side only) and each burst starts just after a wall-clock second boundary, so a burst
fits inside a per-second window, including fixed windows keyed on ``int(time.time())``.
Loopback source addresses other than 127.0.0.1 are bound with ``source_address``; Linux routes
the whole 127.0.0.0/8 to ``lo``.
"""

from __future__ import annotations

import enum
import http.client
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

ERROR_STATUS = 0  # a connection error or timeout, never counted as accepted
LIMITED_STATUS = 429


class Verdict(enum.Enum):
    SHARED = "shared"
    PER_PROCESS = "per-process"
    NO_LIMIT = "no limit observed"
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True)
class Burst:
    source: str
    ports: tuple[int, ...]  # the replica each request went to, in order
    path: str
    statuses: tuple[int, ...]
    seconds: float

    @property
    def accepted(self) -> int:
        return sum(1 for s in self.statuses if s not in (LIMITED_STATUS, ERROR_STATUS))

    @property
    def limited(self) -> int:
        return sum(1 for s in self.statuses if s == LIMITED_STATUS)

    @property
    def errors(self) -> int:
        return sum(1 for s in self.statuses if s == ERROR_STATUS)

    def histogram(self) -> str:
        counts = Counter(self.statuses)
        return ", ".join(
            f"{'error' if status == ERROR_STATUS else status}: {count}"
            for status, count in sorted(counts.items())
        )


@dataclass(frozen=True)
class ProbeResult:
    path: str
    n: int
    single: Burst
    alternating: Burst
    verdict: Verdict

    def summary(self) -> str:
        return (
            f"GET {self.path}, {self.n} requests per burst\n"
            f"burst 1 (from {self.single.source}, replica A only): accepted a1 ="
            f" {self.single.accepted} [{self.single.histogram()}]"
            f" in {self.single.seconds:.2f}s\n"
            f"burst 2 (from {self.alternating.source}, alternating A/B): accepted a2 ="
            f" {self.alternating.accepted} [{self.alternating.histogram()}]"
            f" in {self.alternating.seconds:.2f}s\n"
            f"verdict: {self.verdict.value}"
        )


def judge(single: Burst, alternating: Burst) -> Verdict:
    """Shared when a2 stays near a1, per-process when it moves towards min(N, 2·a1)."""
    if single.limited == 0 and alternating.limited == 0:
        return Verdict.NO_LIMIT
    a1, a2, n = single.accepted, alternating.accepted, len(alternating.statuses)
    if a1 == 0:
        return Verdict.INCONCLUSIVE
    doubled = min(n, 2 * a1)
    gap = doubled - a1
    if gap < max(2, a1 // 5):  # N too close to the limit to tell the two apart
        return Verdict.INCONCLUSIVE
    return Verdict.PER_PROCESS if a2 - a1 > gap / 2 else Verdict.SHARED


def request(
    port: int, path: str, source: str, timeout: float, headers: Mapping[str, str] | None = None
) -> int:
    conn = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=timeout, source_address=(source, 0)
    )
    sent = {"Connection": "close", "User-Agent": "pytest-kabul", **(headers or {})}
    try:
        conn.request("GET", path, headers=sent)
        response = conn.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        return ERROR_STATUS
    finally:
        conn.close()


def second_boundary() -> None:
    """Sleep until just after the next whole second (fixed windows reset there)."""
    now = time.time()
    fraction = now - int(now)
    if fraction > 0.02:
        time.sleep(1.0 - fraction + 0.005)


def burst(
    ports: Sequence[int],
    path: str,
    n: int,
    source: str,
    *,
    pool: ThreadPoolExecutor,
    timeout: float = 5.0,
) -> Burst:
    """N concurrent GETs from ``source``, request i going to ``ports[i % len(ports)]``."""
    order = tuple(ports[i % len(ports)] for i in range(n))
    second_boundary()
    started = time.monotonic()
    statuses = tuple(pool.map(lambda port: request(port, path, source, timeout), order))
    return Burst(source, order, path, statuses, time.monotonic() - started)


def probe(
    port_a: int,
    port_b: int,
    path: str,
    n: int = 200,
    *,
    sources: tuple[str, str] = ("127.0.0.2", "127.0.0.3"),
    concurrency: int = 32,
) -> ProbeResult:
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        # One warm-up request per replica from 127.0.0.1 (first-request costs, lazy imports).
        for port in (port_a, port_b):
            request(port, path, "127.0.0.1", 5.0)
        single = burst([port_a], path, n, sources[0], pool=pool)
        alternating = burst([port_a, port_b], path, n, sources[1], pool=pool)
    return ProbeResult(path, n, single, alternating, judge(single, alternating))
