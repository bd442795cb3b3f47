"""Automated database backups outside compose: something that *runs on a schedule* a backup tool
(``pg_dump``, ``pg_dumpall``, ``pg_basebackup``, ``pgbackrest``, ``wal-g``, ``barman``).

Counted: a scheduled GitHub Actions workflow (``on: schedule``) or a GitLab CI schedule that runs
one; a crontab line (a ``crontab`` / ``*.cron`` / ``cron.d`` file, or a script that installs the
line) running one or a backup script; a Kubernetes ``CronJob`` running one; a systemd ``.timer``
whose service runs one. A script that mentions ``pg_dump`` but that nothing schedules (a one-off
migration or restore helper) is not a backup. Compose backup services/sidecars are judged by
the check itself from the compose model.
"""

from __future__ import annotations

import re

from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.python.apps import is_test_file

DUMP_RE = re.compile(r"\b(pg_dump|pg_dumpall|pg_basebackup|pgbackrest|wal-g|barman|pg_probackup)\b")
_SCRIPT_RE = re.compile(
    r"(\.(sh|bash|py|cron|service|timer|ps1|ya?ml)$|(^|/)(Makefile|justfile|crontab[^/]*"
    r"|Dockerfile[^/]*|[^/]*\.Dockerfile|Procfile)$|/(cron\.d|crontabs|maintenance|bin|cron)/[^/]+$)"
)
_CRON_LINE = re.compile(
    r"(^|[\"'\s])(@(yearly|annually|monthly|weekly|daily|midnight|hourly)"
    r"|[\d*/,-]+\s+[\d*/,-]+\s+[\d*/,-]+\s+[\d*/,A-Za-z-]+\s+[\d*/,A-Za-z-]+)\s+\S"
)


def _dump_scripts(project: Project) -> dict[str, str]:
    """Script basename -> path, for scripts that run a backup tool."""
    out: dict[str, str] = {}
    for rel in project.files:
        if not rel.endswith((".sh", ".bash", ".py")) or is_test_file(rel):
            continue
        text = project.read_text(rel) or ""
        if DUMP_RE.search(text):
            out.setdefault(rel.rsplit("/", 1)[-1], rel)
    return out


def _runs_backup(text: str, scripts: dict[str, str]) -> str | None:
    m = DUMP_RE.search(text)
    if m:
        return m.group(1)
    for name, rel in sorted(scripts.items()):
        if re.search(rf"(^|[/\s\"']){re.escape(name)}\b", text):
            return rel
    return None


def _scheduled(rel: str, text: str) -> str | None:
    """How a file schedules work (None when it does not)."""
    name = rel.rsplit("/", 1)[-1]
    if rel.startswith(".github/workflows/") and name.endswith((".yml", ".yaml")):
        found = re.search(r"^\s*schedule\s*:", text, re.MULTILINE)
        return "scheduled workflow" if found else None
    if name == ".gitlab-ci.yml":
        return "GitLab CI schedule" if "schedule" in text else None
    if name.endswith((".yml", ".yaml")) and re.search(r"^\s*kind:\s*CronJob\b", text, re.M):
        return "Kubernetes CronJob"
    if name.endswith(".timer"):
        return "systemd timer"
    return None


@facet
def backup_jobs(project: Project) -> tuple[str, ...]:
    """``path (how)`` for every automated backup found, sorted."""
    scripts = _dump_scripts(project)
    found: set[str] = set()
    for rel in project.files:
        if not _SCRIPT_RE.search(rel) or is_test_file(rel):
            continue
        text = project.read_text(rel) or ""
        how = _scheduled(rel, text)
        if how == "systemd timer":
            service = rel.removesuffix(".timer") + ".service"
            what = _runs_backup(project.read_text(service) or "", scripts)
            if what:
                found.add(f"{rel} (systemd timer running {what})")
            continue
        if how is not None:
            what = _runs_backup(text, scripts)
            if what:
                found.add(f"{rel} ({how} running {what})")
            continue
        if DUMP_RE.search(text) is None and not any(name in text for name in scripts):
            continue  # no line of it can run a backup: its cron lines need no parsing
        for line in text.splitlines():
            code = line.split("#", 1)[0] if not line.lstrip().startswith("#") else ""
            if code and _CRON_LINE.search(code):
                what = _runs_backup(code, scripts)
                if what:
                    found.add(f"{rel} (cron line running {what})")
                    break
    return tuple(sorted(found))
