"""KAB501-KAB504 on small compose projects: exact findings, subjects, skips and notes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytest_kabul.checks.deployment import (
    datastore_port_published,
    logs_not_rotated_or_shipped,
    no_database_backup,
    no_reverse_proxy,
)
from pytest_kabul.model import Evidence, Finding, Location, Severity
from pytest_kabul.project.core import Project
from pytest_kabul.registry import Evaluation
from tests.helpers import MakeProject, build_project

KAB501 = no_reverse_proxy.check
KAB502 = datastore_port_published.check
KAB503 = no_database_backup.check
KAB504 = logs_not_rotated_or_shipped.check


def rows(ev: Evaluation) -> list[tuple[str, str, str, str, str | None, int | None]]:
    return [
        (
            f.code,
            f.severity.label,
            f.subject,
            f.message,
            f.location.path if f.location else None,
            f.location.line if f.location else None,
        )
        for f in ev.findings
    ]


EXPOSED = """\
services:
  db:
    image: postgres:16
    environment:
      POSTGRES_HOST_AUTH_METHOD: trust
      POSTGRES_PASSWORD: hunter2-secret
    ports:
      - "5432:5432"
  cache:
    image: docker.io/library/redis:7-alpine
    ports: ["0.0.0.0:6379:6379"]
  safe-cache:
    image: valkey/valkey:8
    command: ["valkey-server", "--requirepass", "x"]
    ports: ["127.0.0.1:6380:6379"]
  custom:
    build: ./pg
    ports: ["15432:5432"]
  api:
    build: ./api
    ports: ["8000:8000"]
  web:
    image: node:20
    command: npm start
    ports: ["3000"]
  mail:
    image: mailhog/mailhog
    ports: ["8025:8025"]
"""


def exposed_project(tmp_path: Path, **config: Any) -> Project:
    return build_project(
        tmp_path,
        {
            "docker-compose.yml": EXPOSED,
            "pg/Dockerfile": "FROM postgis/postgis:16-3.4\n",
            "api/Dockerfile": 'FROM python:3.12\nCMD ["gunicorn", "app:app"]\n',
        },
        **config,
    )


def test_kab501_no_proxy_is_an_error(tmp_path: Path) -> None:
    ev = KAB501.evaluate(exposed_project(tmp_path))
    assert ev.subjects == ("docker-compose.yml",)
    assert rows(ev) == [
        (
            "KAB501",
            "error",
            "docker-compose.yml",
            "no reverse proxy, and api, web publish their ports to the host (8000, 3000)",
            "docker-compose.yml",
            21,
        )
    ]
    assert ev.findings[0].evidence == (
        Evidence(
            title="published app ports",
            text="api: 8000:8000 (non-loopback)\nweb: 3000 (non-loopback)",
        ),
    )


def test_kab501_opt_out_is_a_visible_skip(tmp_path: Path) -> None:
    ev = KAB501.evaluate(exposed_project(tmp_path, tls_terminated_by="Fly.io edge"))
    assert ev.findings == ()
    assert dict(ev.skipped) == {
        "docker-compose.yml": "TLS is terminated by Fly.io edge ([tool.kabul] tls_terminated_by)"
    }


def test_kab501_proxy_with_tls_but_apps_still_published(make_project: MakeProject) -> None:
    project = make_project(
        {
            "docker-compose.yml": (
                "services:\n  proxy:\n    build: ./proxy\n    ports: ['80:80', '443:443']\n"
                "    volumes: ['./proxy/conf.d:/etc/nginx/conf.d:ro']\n"
                "  api:\n    image: python:3.12\n    command: uvicorn app:app\n"
                "    ports: ['8000:8000']\n"
                "  admin:\n    image: node:20\n    ports: ['127.0.0.1:3001:3001']\n"
            ),
            "proxy/Dockerfile": "FROM nginx:1.27-alpine\n",
            "proxy/conf.d/site.conf": "server {\n  listen 443 ssl;\n  ssl_certificate /c;\n}\n",
        },
    )
    ev = KAB501.evaluate(project)
    assert rows(ev) == [
        (
            "KAB501",
            "warning",
            "docker-compose.yml",
            "api publishes its ports to the host next to the proxy proxy (nginx),"
            " bypassing TLS and the proxy",
            "docker-compose.yml",
            9,
        )
    ]


def test_kab501_proxy_without_tls_and_passing_traefik(tmp_path: Path) -> None:
    plain = build_project(
        tmp_path / "plain",
        {
            "compose.yml": (
                "services:\n  caddy:\n    image: caddy:2\n    ports: ['80:80']\n"
                "    volumes: ['./Caddyfile:/etc/caddy/Caddyfile']\n"
                "  api:\n    image: python:3.12\n    command: uvicorn app:app\n"
            ),
            "Caddyfile": ":80 {\n  reverse_proxy api:8000\n}\n",
        },
    )
    assert rows(KAB501.evaluate(plain)) == [
        (
            "KAB501",
            "warning",
            "compose.yml",
            "the reverse proxy caddy (caddy) shows no TLS termination",
            "compose.yml",
            4,
        )
    ]
    (tmp_path / "plain" / "Caddyfile").write_text("{$DOMAIN} {\n  reverse_proxy api:8000\n}\n")
    again = Project(tmp_path / "plain")
    ev = KAB501.evaluate(again)
    assert ev.findings == ()
    assert dict(ev.notes) == {
        "compose.yml": "TLS terminated by caddy (caddy): Caddyfile configures TLS"
    }


def test_kab501_development_stack_is_skipped(make_project: MakeProject) -> None:
    project = make_project(
        {
            "compose.yml": (
                "services:\n  api:\n    build: .\n    command: uvicorn app:app --reload\n"
                "    ports: ['8000:8000']\n"
            ),
            "Dockerfile": "FROM python:3.12\n",
        },
    )
    ev = KAB501.evaluate(project)
    assert ev.findings == ()
    assert dict(ev.skipped) == {
        "compose.yml": "development stack: service api runs a development server ('--reload')"
    }


def test_kab502_datastores_by_image_and_port(tmp_path: Path) -> None:
    ev = KAB502.evaluate(exposed_project(tmp_path))
    assert ev.subjects == (
        "docker-compose.yml:cache",
        "docker-compose.yml:custom",
        "docker-compose.yml:db",
        "docker-compose.yml:safe-cache",
    )
    assert rows(ev) == [
        (
            "KAB502",
            "critical",
            "docker-compose.yml:cache",
            "cache (redis) publishes 0.0.0.0:6379:6379 on a public address and accepts"
            " connections without a password",
            "docker-compose.yml",
            11,
        ),
        (
            "KAB502",
            "critical",
            "docker-compose.yml:custom",
            "custom (postgres) publishes 15432:5432 on all interfaces",
            "docker-compose.yml",
            18,
        ),
        (
            "KAB502",
            "critical",
            "docker-compose.yml:db",
            "db (postgres) publishes 5432:5432 on all interfaces and accepts connections"
            " without a password",
            "docker-compose.yml",
            7,
        ),
    ]
    db = ev.findings[2]
    assert db.evidence == (
        Evidence(
            title="exposure",
            text="db (postgres) publishes 5432:5432\nPOSTGRES_HOST_AUTH_METHOD=trust: anyone who"
            " reaches the port logs in without a password",
        ),
    )
    everything = repr(ev.findings)
    assert "hunter2" not in everything


def test_kab502_loopback_and_unknown_image_by_port(make_project: MakeProject) -> None:
    project = make_project(
        {
            "compose.yml": (
                "services:\n  db:\n    image: postgres\n    ports: ['127.0.0.1:5432:5432']\n"
                "  thing:\n    image: acme/thing\n    ports: ['${BIND}:6379:6379', '8080:8080']\n"
                "  host:\n    image: mysql:8\n    network_mode: host\n"
            )
        },
    )
    ev = KAB502.evaluate(project)
    assert ev.subjects == ("compose.yml:db", "compose.yml:host", "compose.yml:thing")
    assert rows(ev) == [
        (
            "KAB502",
            "critical",
            "compose.yml:host",
            "host (mysql) publishes every port through network_mode: host",
            "compose.yml",
            8,
        ),
        (
            "KAB502",
            "critical",
            "compose.yml:thing",
            "thing (redis) publishes ${BIND}:6379:6379 on a public address and accepts"
            " connections without a password",
            "compose.yml",
            7,
        ),
    ]


def test_kab503_backups(tmp_path: Path) -> None:
    base = "services:\n  db:\n    image: postgres:16\n"
    none = build_project(tmp_path / "none", {"compose.yml": base})
    assert [
        (f.severity, f.subject, f.message, f.location) for f in KAB503.evaluate(none).findings
    ] == [
        (
            Severity.ERROR,
            "compose.yml",
            "nothing backs up the Postgres service db",
            Location("compose.yml", 2),
        )
    ]
    idle = build_project(
        tmp_path / "idle",
        {
            "compose.yml": base + "  backup:\n    image: eeshugerman/postgres-backup-s3:16\n"
            "    profiles: [ops]\n"
        },
    )
    assert rows(KAB503.evaluate(idle)) == [
        (
            "KAB503",
            "warning",
            "compose.yml",
            "the backup service backup only runs under profile ops, which a plain"
            " 'docker compose up' never starts",
            "compose.yml",
            4,
        )
    ]
    sidecar = build_project(
        tmp_path / "sidecar",
        {
            "compose.yml": base + "  dump:\n    image: postgres:16\n"
            "    command: sh -c 'while true; do pg_dump -h db app > /b/x.sql; sleep 1d; done'\n"
        },
    )
    ev = KAB503.evaluate(sidecar)
    assert (ev.findings, dict(ev.notes)) == ((), {"compose.yml": "backed up by dump"})
    workflow = build_project(
        tmp_path / "workflow",
        {
            "compose.yml": base,
            ".github/workflows/backup.yml": (
                "on:\n  schedule:\n    - cron: '0 3 * * *'\njobs:\n  b:\n    steps:\n"
                "      - run: pg_dump $DATABASE_URL | gzip > x.gz\n"
            ),
            ".github/workflows/ci.yml": "on: push\njobs:\n  t:\n    steps:\n      - run: pg_dump\n",
        },
    )
    ev = KAB503.evaluate(workflow)
    assert (ev.findings, dict(ev.notes)) == (
        (),
        {
            "compose.yml": (
                "backup job(s): .github/workflows/backup.yml (scheduled workflow running pg_dump)"
            )
        },
    )
    unscheduled = build_project(
        tmp_path / "unscheduled",
        {
            "compose.yml": base,
            ".github/workflows/ci.yml": "on: push\njobs: {t: {steps: [run: pg_dump]}}\n",
            "docs/backups.md": "run pg_dump nightly\n",
            "tests/test_dump.py": "PG = 'pg_dump'\n",
        },
    )
    assert len(KAB503.evaluate(unscheduled).findings) == 1
    managed = build_project(tmp_path / "managed", {"compose.yml": base}, managed_database="AWS RDS")
    ev = KAB503.evaluate(managed)
    assert (ev.findings, dict(ev.skipped)) == (
        (),
        {"compose.yml": "the database is managed by AWS RDS ([tool.kabul] managed_database)"},
    )
    no_pg = build_project(tmp_path / "nopg", {"compose.yml": "services:\n  r:\n    image: redis\n"})
    assert KAB503.evaluate(no_pg).not_applicable == "no compose model starts a Postgres service"


def test_kab504_logging(tmp_path: Path) -> None:
    project = build_project(
        tmp_path,
        {
            "compose.yml": (
                "x-log: &log\n  driver: json-file\n  options: {max-size: 10m}\n"
                "services:\n"
                "  rotated:\n    image: a\n    logging: *log\n"
                "  shipped:\n    image: b\n    logging: {driver: awslogs}\n"
                "  unrotated:\n    image: c\n"
                "    logging: {driver: json-file, options: {max-file: '3'}}\n"
                "  default:\n    image: d\n"
                "  app:\n    build: ./backend\n"
                "  idle:\n    image: e\n    profiles: [x]\n"
            ),
            "backend/pyproject.toml": "[project]\nname='b'\n",
            "backend/app/log.py": (
                "import logging.handlers\nh = logging.handlers.RotatingFileHandler('x')\n"
            ),
            "backend/Dockerfile": "FROM python:3.12\n",
        },
    )
    ev = KAB504.evaluate(project)
    assert ev.subjects == tuple(
        f"compose.yml:{n}" for n in ("app", "default", "rotated", "shipped", "unrotated")
    )
    message = (
        "{} logs to Docker's default json-file driver without max-size: logs are never rotated"
        " and are lost when the container is recreated"
    )
    assert ev.findings == (
        Finding(
            code="KAB504",
            severity=Severity.WARNING,
            subject="compose.yml:default",
            message=message.format("default"),
            remediation=(
                'Add \'logging: {driver: json-file, options: {max-size: "10m", max-file: "5"}}\''
                " to default in compose.yml (an x-logging anchor shared by every service), or a"
                " shipping driver such as loki, awslogs or gelf."
            ),
            location=Location("compose.yml", 14),
        ),
        Finding(
            code="KAB504",
            severity=Severity.WARNING,
            subject="compose.yml:unrotated",
            message=message.format("unrotated"),
            remediation=(
                'Add \'logging: {driver: json-file, options: {max-size: "10m", max-file: "5"}}\''
                " to unrotated in compose.yml (an x-logging anchor shared by every service), or"
                " a shipping driver such as loki, awslogs or gelf."
            ),
            location=Location("compose.yml", 13),
        ),
    )
    assert dict(ev.notes)["compose.yml:app"] == (
        "the app ships or rotates its own logs (backend/app/log.py)"
    )
    (tmp_path / "daemon.json").write_text('{"log-driver": "local"}')
    ev = KAB504.evaluate(Project(tmp_path))
    assert ev.findings == ()
    assert (
        dict(ev.notes)["compose.yml:default"]
        == "the Docker daemon rotates/ships logs (daemon.json)"
    )


def test_no_compose_file_skips_every_check(make_project: MakeProject) -> None:
    project = make_project({"README.md": "hi\n"})
    assert [c.evaluate(project).not_applicable for c in (KAB501, KAB502, KAB504)] == [
        "no compose file"
    ] * 3
    assert KAB503.evaluate(project).not_applicable == "no compose model starts a Postgres service"


def test_development_image_target_is_skipped(tmp_path: Path) -> None:
    project = build_project(
        tmp_path,
        {
            "compose.yml": (
                "services:\n  api:\n    build: {context: ., target: development}\n"
                "    ports: ['8000:8000']\n"
                "  web:\n    build: {context: web, dockerfile: Dockerfile.dev}\n"
            ),
            "Dockerfile": "FROM python:3.12 AS development\n",
            "web/Dockerfile.dev": "FROM node:20\n",
        },
    )
    assert dict(KAB501.evaluate(project).skipped) == {
        "compose.yml": "development stack: service api builds a development image"
        " (target development)"
    }
    (tmp_path / "compose.yml").write_text(
        "services:\n  web:\n    build: {context: web, dockerfile: Dockerfile.dev}\n"
    )
    assert dict(KAB501.evaluate(Project(tmp_path)).skipped) == {
        "compose.yml": "development stack: service web builds a development image (Dockerfile.dev)"
    }


def test_kab501_host_proxy_config_and_cloudflare_tunnel(tmp_path: Path) -> None:
    project = build_project(
        tmp_path,
        {
            "compose.yml": "services:\n  api:\n    build: .\n    ports: ['8000:8000']\n",
            "Dockerfile": "FROM python:3.12\n",
            "deploy/nginx/site.conf": (
                "server {\n  listen 443 ssl;\n"
                "  location / { proxy_pass http://127.0.0.1:8000; }\n}\n"
            ),
        },
    )
    assert rows(KAB501.evaluate(project)) == [
        (
            "KAB501",
            "warning",
            "compose.yml",
            "api publishes its ports to the host, bypassing the host's TLS proxy"
            " (deploy/nginx/site.conf)",
            "compose.yml",
            4,
        )
    ]
    tunnel = build_project(
        tmp_path / "tunnel",
        {
            "compose.yml": (
                "services:\n  tunnel:\n    image: cloudflare/cloudflared\n"
                "    command: tunnel run\n  api:\n    image: python:3.12\n"
            ),
        },
    )
    ev = KAB501.evaluate(tunnel)
    assert ev.findings == ()
    assert dict(ev.notes) == {
        "compose.yml": "TLS terminated by tunnel (cloudflared): tunnel is a Cloudflare tunnel"
        " (TLS ends at Cloudflare's edge)"
    }


def test_kab503_unscheduled_maintenance_script_is_not_a_backup(make_project: MakeProject) -> None:
    """A backup script nothing schedules (run by hand, cookiecutter-django style) is no backup;
    a crontab line that runs it is."""
    files = {
        "docker-compose.production.yml": (
            "services:\n  postgres:\n    build: ./compose/production/postgres\n"
        ),
        "compose/production/postgres/Dockerfile": "FROM docker.io/postgres:16\n",
        "compose/production/postgres/maintenance/backup.sh": (
            '#!/usr/bin/env bash\npg_dump | gzip > "${BACKUP_DIR}/backup.sql.gz"\n'
        ),
    }
    ev = KAB503.evaluate(make_project(files))
    assert [(f.subject, f.severity.name) for f in ev.findings] == [
        ("docker-compose.production.yml", "ERROR")
    ]
    files["deploy/crontab"] = "# nightly\n15 3 * * * /srv/app/maintenance/backup.sh\n"
    ev = KAB503.evaluate(make_project(files))
    assert (ev.subjects, ev.findings) == (("docker-compose.production.yml",), ())
    assert dict(ev.notes) == {
        "docker-compose.production.yml": (
            "backup job(s): deploy/crontab (cron line running"
            " compose/production/postgres/maintenance/backup.sh)"
        )
    }
