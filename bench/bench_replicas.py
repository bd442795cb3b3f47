"""Wall time of the whole replica check (KAB451) on a fixture: start two replicas, probe, stop.

    .venv/bin/python bench/bench_replicas.py [--project tests/projects/sweetshop] [--repeat 3]
        [--postgres-url postgresql://postgres@127.0.0.1:5432/postgres]

Services are provided once, outside the timed part (as in a session, where Redis and Postgres
are shared by every live check): an embedded ``redis-server`` and a fresh ``kabul_*`` database
per run on the given Postgres. Each run times, separately: starting two uvicorn replicas
(first alone, then the rest in parallel, until each answers its health route), the
differential probe (two bursts of N requests, each aligned to a wall-clock second boundary),
and stopping them. Prints best and median per phase, the probe's time actually sending
requests versus waiting for the second boundary, and the ratio of the total to the 10 s target.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from pytest_kabul.checks.scaling.rate_limit_not_shared_across_replicas import probe_paths
from pytest_kabul.live.appenv import database_scheme
from pytest_kabul.live.launch import ReplicaFactory
from pytest_kabul.project.core import Project
from pytest_kabul.project.deploy.asgi import asgi_apps
from pytest_kabul.services.postgres import PostgresService
from pytest_kabul.services.probe import probe
from pytest_kabul.services.redis import RedisService

TARGET = 10.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", default="tests/projects/sweetshop")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    project = Project(Path(args.project))
    app = asgi_apps(project)[0]
    path = probe_paths(project, app)[0]
    burst = project.config.live.burst
    scheme = database_scheme(project, app)
    driver = scheme.split("+", 1)[1] if "+" in scheme else None
    phases: dict[str, list[float]] = {"start": [], "probe": [], "stop": [], "total": []}
    sending: list[float] = []
    verdicts: list[str] = []
    with RedisService.start() as redis, PostgresService.from_url(args.postgres_url) as pg:
        for _ in range(args.repeat):
            with pg.database() as db:
                factory = ReplicaFactory(
                    project, redis=redis, database_url=lambda _a: db.url(driver)
                )
                t0 = time.perf_counter()
                replicas = factory.start(n=2, app=app)
                t1 = time.perf_counter()
                a, b = replicas.replicas
                result = probe(a.port, b.port, path, burst)
                t2 = time.perf_counter()
                replicas.stop()
                t3 = time.perf_counter()
            phases["start"].append(t1 - t0)
            phases["probe"].append(t2 - t1)
            phases["stop"].append(t3 - t2)
            phases["total"].append(t3 - t0)
            sending.append(result.single.seconds + result.alternating.seconds)
            verdicts.append(
                f"{result.verdict.value} (a1={result.single.accepted},"
                f" a2={result.alternating.accepted})"
            )
    print(f"project {args.project}  app {app.subject}  GET {path}  N={burst}  runs={args.repeat}")
    for name, values in phases.items():
        print(f"  {name:<6} best {min(values):6.2f}s  median {statistics.median(values):6.2f}s")
    best_send = min(sending)
    print(
        f"  probe: sending {best_send:.2f}s, waiting for second boundaries and warm-up"
        f" {min(phases['probe']) - best_send:.2f}s"
    )
    total = statistics.median(phases["total"])
    print(
        f"  total median {total:.2f}s = {total / TARGET:.0%} of the {TARGET:.0f}s target"
        f"  ({'OK' if total < TARGET else 'OVER'})"
    )
    ratio = statistics.median(phases["start"]) / statistics.median(phases["probe"])
    print(f"  start:probe ratio {ratio:.2f}")
    print("  verdicts: " + "; ".join(sorted(set(verdicts))))


if __name__ == "__main__":
    main()
