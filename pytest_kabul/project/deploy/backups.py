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
from pytest_kabul.project.screens import may_contain

DUMP_RE = re.compile(r"\b(pg_dump|pg_dumpall|pg_basebackup|pgbackrest|wal-g|barman|pg_probackup)\b")
# Every match of DUMP_RE holds one of these (a screen: see :mod:`pytest_kabul.project.screens`).
DUMP_WORDS = ("pg_dump", "pg_basebackup", "pgbackrest", "wal-g", "barman", "pg_probackup")
# Files that may schedule or run a backup (tested on every path of the tree: no regex).
_SCRIPT_SUFFIXES = (".sh", ".bash", ".py", ".cron", ".service", ".timer", ".ps1", ".yml", ".yaml")
_SCRIPT_NAMES = frozenset({"Makefile", "justfile", "Procfile"})
_SCRIPT_FOLDERS = frozenset({"cron.d", "crontabs", "maintenance", "bin", "cron"})
_CRON_LINE = re.compile(
    r"(^|[\"'\s])(@(yearly|annually|monthly|weekly|daily|midnight|hourly)"
    r"|[\d*/,-]+\s+[\d*/,-]+\s+[\d*/,-]+\s+[\d*/,A-Za-z-]+\s+[\d*/,A-Za-z-]+)\s+\S"
)


def _may_schedule(rel: str) -> bool:
    """A script, a unit, a CI or crontab file, a Makefile/Procfile/Dockerfile, or any file in a
    ``bin``/``cron``/``maintenance`` folder below the top."""
    if rel.endswith(_SCRIPT_SUFFIXES):
        return True
    parts = rel.split("/")
    name = parts[-1]
    if (
        name in _SCRIPT_NAMES
        or name.startswith(("crontab", "Dockerfile"))
        or name.endswith(".Dockerfile")
    ):
        return True
    return len(parts) >= 3 and parts[-2] in _SCRIPT_FOLDERS


def _dump_scripts(project: Project) -> dict[str, str]:
    """Script basename -> path, for scripts that run a backup tool."""
    out: dict[str, str] = {}
    for rel in project.files:
        if not rel.endswith((".sh", ".bash", ".py")) or is_test_file(rel):
            continue
        text = project.read_text(rel) or ""
        if may_contain(text, DUMP_WORDS) and DUMP_RE.search(text):
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
        if not _may_schedule(rel) or is_test_file(rel):
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
        if not (may_contain(text, DUMP_WORDS) and DUMP_RE.search(text)) and not any(
            name in text for name in scripts
        ):
            continue  # no line of it can run a backup: its cron lines need no parsing
        for line in text.splitlines():
            code = line.split("#", 1)[0] if not line.lstrip().startswith("#") else ""
            if code and _CRON_LINE.search(code):
                what = _runs_backup(code, scripts)
                if what:
                    found.add(f"{rel} (cron line running {what})")
                    break
    return tuple(sorted(found))
