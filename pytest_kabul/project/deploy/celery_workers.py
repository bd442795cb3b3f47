"""Celery workers that production starts, and the queues each one consumes.

Facet :func:`celery_workers`: every ``celery ... worker`` command of a production start path
(Dockerfile ENTRYPOINT/CMD and the scripts they call, production compose services, Procfile,
PaaS start commands, Kubernetes containers; see :mod:`.startpaths`) and of the supervisord
``[program:x]`` sections a production image ships. ``-Q``/``--queues`` (and ``-X``/
``--exclude-queues``) give its queues; a worker without ``-Q`` consumes the default queue (or
every queue of ``task_queues``). A queue list built at run time (``-Q "$QUEUES"``,
``${QUEUE_ARGS}``) makes the worker's queues unknown; ``${VAR:-name}`` reads as ``name``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pytest_kabul.model import Location
from pytest_kabul.project import shell as sh
from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.deploy.entries import app_for_path, app_of
from pytest_kabul.project.deploy.process_managers import supervisor_programs
from pytest_kabul.project.deploy.startpaths import start_paths
from pytest_kabul.project.docker.images import images
from pytest_kabul.project.python.apps import python_apps

_DEFAULTED = re.compile(r"^\$\{\w+:?-([^}$]*)\}$")
_DYNAMIC = re.compile(r"\$")


@dataclass(frozen=True)
class Worker:
    subject: str  # the start path or supervisord program it comes from
    app: str | None  # PythonApp.name of the code it runs, when known
    queues: tuple[str, ...] | None  # None: no -Q (default queue / task_queues)
    excluded: tuple[str, ...]
    dynamic: str | None  # the word that makes the queue list unknown
    location: Location
    command: str


def _expand(word: str) -> str | None:
    """A literal, or the default of ``${VAR:-default}``; None for anything computed."""
    if not _DYNAMIC.search(word):
        return word
    parts = re.split(r"(\$\{[^}]*\}|\$\w+)", word)
    out = []
    for part in parts:
        if not part:
            continue
        if part.startswith("$"):
            match = _DEFAULTED.match(part)
            if match is None:
                return None
            out.append(match.group(1))
        else:
            out.append(part)
    return "".join(out)


def _names(value: str) -> list[str]:
    return [q.strip() for q in value.split(",") if q.strip()]


def parse_worker(argv: list[str]) -> tuple[tuple[str, ...] | None, tuple[str, ...], str | None]:
    """(queues or None, excluded, dynamic word) of a ``celery worker`` argv."""
    queues: list[str] | None = None
    excluded: list[str] = []
    dynamic: str | None = None
    i = 0
    while i < len(argv):
        word = argv[i]
        value: str | None = None
        target: str | None = None
        for short, long_, kind in (("-Q", "--queues", "q"), ("-X", "--exclude-queues", "x")):
            if word in (short, long_) and i + 1 < len(argv):
                value, target = argv[i + 1], kind
                i += 1
            elif word.startswith(long_ + "="):
                value, target = word.split("=", 1)[1], kind
            elif word.startswith(short) and len(word) > 2 and not word.startswith("--"):
                value, target = word[2:], kind
        if value is not None:
            expanded = _expand(value)
            if expanded is None:
                dynamic = dynamic or (word if value in word else f"{word} {value}")
            elif target == "q":
                queues = [*(queues or []), *_names(expanded)]
            else:
                excluded += _names(expanded)
        elif word.startswith("$") and _expand(word) != word:
            dynamic = dynamic or word  # ``${QUEUE_ARGS}``: options built at run time
        i += 1
    return (tuple(queues) if queues is not None else None), tuple(excluded), dynamic


def is_worker(argv: list[str]) -> list[str] | None:
    """The arguments after ``celery`` when ``argv`` starts a Celery worker, else None."""
    words = sh.normalise(argv)
    module, rest = sh.python_module(words)
    if module == "celery":
        words = ["celery", *rest]
    if not words or sh.base(words[0]) != "celery":
        return None
    positional = [w for w in words[1:] if not w.startswith("-")]
    if "worker" not in positional and "multi" not in positional:
        return None
    return words[1:]


def _worker(subject: str, app: str | None, argv: list[str], where: Location) -> Worker | None:
    args = is_worker(argv)
    if args is None:
        return None
    command = " ".join(sh.normalise(argv))
    if "multi" in args and "worker" not in args:
        return Worker(subject, app, None, (), "celery multi", where, command)
    queues, excluded, dynamic = parse_worker(args)
    return Worker(subject, app, queues, excluded, dynamic, where, command)


@facet
def celery_workers(project: Project) -> tuple[Worker, ...]:
    """Every Celery worker production starts, sorted by subject."""
    out: list[Worker] = []
    for path in start_paths(project):
        if not path.production:
            continue
        app = app_for_path(project, path)
        for step in path.steps:
            found = _worker(path.subject, app.name if app else None, list(step.argv), step.location)
            if found is not None:
                out.append(found)
    apps = python_apps(project)
    for rel in project.files.suffix(".conf", ".ini"):
        text = project.read_text(rel) or ""
        if "[program:" not in text or "celery" not in text:
            continue
        shipping = [i for i in images(project) if i.production and i.ships(rel)]
        if not shipping:
            continue
        owner = app_of(apps, shipping[0].context)
        for program in supervisor_programs(project, rel):
            for argv in sh.split(program.command):
                found = _worker(
                    f"{program.path}:{program.name}",
                    owner.name if owner else None,
                    argv,
                    Location(program.path, program.line),
                )
                if found is not None:
                    out.append(found)
    unique = {(w.subject, w.command): w for w in out}
    return tuple(sorted(unique.values(), key=lambda w: (w.subject, w.command)))
