"""The forwarded-address probe: does a new ``X-Forwarded-For`` value buy a new rate-limit bucket?

Two bursts of N concurrent GETs at one replica, each just after a wall-clock second boundary
(so it fits a per-second window):

1. from one loopback source address, without the header: the limit must show (some 429s), or
   the probe says nothing;
2. from a second source address, every request with a different ``X-Forwarded-For``
   (``10.a.b.c``, never a real client's address): a server that trusts the header from any
   sender hands each request a fresh client address, and a limiter keyed by it never refuses.

Loopback sources other than 127.0.0.1 are used on purpose: uvicorn trusts 127.0.0.1 by default,
so only a server told to trust every sender (``--forwarded-allow-ips '*'``) honours the header.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from pytest_kabul.services.probe import LIMITED_STATUS, Burst, request, second_boundary


def forwarded_address(index: int) -> str:
    """A distinct private address per request index (10.0.0.1, 10.0.0.2, …)."""
    n = index + 1
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


@dataclass(frozen=True)
class SpoofResult:
    path: str
    n: int
    plain: Burst  # one client, no header
    rotating: Burst  # one socket address, a new X-Forwarded-For per request

    @property
    def limit_seen(self) -> bool:
        return self.plain.limited > 0

    @property
    def bypassed(self) -> bool:
        return self.limit_seen and self.rotating.limited == 0

    def summary(self) -> str:
        return (
            f"GET {self.path}, {self.n} requests per burst\n"
            f"burst 1 (from {self.plain.source}, no X-Forwarded-For): {self.plain.limited} x"
            f" {LIMITED_STATUS} [{self.plain.histogram()}]\n"
            f"burst 2 (from {self.rotating.source}, X-Forwarded-For {forwarded_address(0)} …"
            f" {forwarded_address(self.n - 1)}, one per request): {self.rotating.limited} x"
            f" {LIMITED_STATUS} [{self.rotating.histogram()}]"
        )


def _burst(
    pool: ThreadPoolExecutor, port: int, path: str, n: int, source: str, *, rotate: bool
) -> Burst:
    second_boundary()
    started = time.monotonic()
    statuses = tuple(
        pool.map(
            lambda i: request(
                port,
                path,
                source,
                5.0,
                {"X-Forwarded-For": forwarded_address(i)} if rotate else None,
            ),
            range(n),
        )
    )
    return Burst(source, (port,) * n, path, statuses, time.monotonic() - started)


def forwarded_probe(
    port: int,
    path: str,
    n: int = 200,
    *,
    sources: tuple[str, str] = ("127.0.0.6", "127.0.0.7"),
    concurrency: int = 32,
) -> SpoofResult:
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        request(port, path, "127.0.0.1", 5.0)  # warm-up (first-request costs, lazy imports)
        plain = _burst(pool, port, path, n, sources[0], rotate=False)
        rotating = _burst(pool, port, path, n, sources[1], rotate=True)
    return SpoofResult(path, n, plain, rotating)
