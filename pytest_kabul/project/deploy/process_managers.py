"""Process managers a container starts: supervisord and Procfile runners (honcho, foreman …).

``supervisord -c /etc/supervisor/supervisord.conf`` runs every ``[program:x]`` ``command=`` of
that file and of the files its ``[include] files =`` globs name; the container paths are mapped
back to project files through the images' ``COPY`` destinations (``COPY deploy/fba.conf
/etc/supervisor/conf.d/``), else looked up beside the main file. ``honcho start`` / ``foreman
start`` (``-f Procfile.prod``) run every process of the Procfile. Helpers of
:func:`pytest_kabul.project.deploy.model.expand_argv`, which expands each command like any other.
"""

from __future__ import annotations

import configparser
import fnmatch
import posixpath
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pytest_kabul.project import shell as sh
from pytest_kabul.project.core import Project
from pytest_kabul.project.docker.images import Shipped, images, stage_copies

_SUPERVISOR_DEFAULTS = ("/etc/supervisor/supervisord.conf", "/etc/supervisord.conf")
PROCFILE_RUNNERS = frozenset({"honcho", "foreman", "overmind", "hivemind", "forego", "nf"})


@dataclass(frozen=True)
class Program:
    """One process a process manager starts: its command (shell text) and where it is written."""

    name: str
    command: str
    path: str  # project file
    line: int
    directory: str | None = None


# (project, container path, base folder) -> the project file it most likely is
FindFile = Callable[[Project, str, str], "str | None"]


def managed_programs(
    project: Project,
    argv: list[str],
    base_dir: str,
    build: tuple[str, str | None, str | None] | None,
    find: FindFile,
) -> list[Program]:
    """The programs ``argv`` starts when it runs a process manager whose configuration is in the
    project; ``build`` (Dockerfile, stage, context) names the image whose COPYs place the
    supervisord ``[include]`` files."""
    if is_supervisord(argv):
        for conf in supervisor_conf(argv):
            rel = find(project, conf, base_dir)
            if rel is not None:
                copies = stage_copies(project, *build) if build else None
                return supervisor_programs(project, rel, copies)
        return []
    procfile = procfile_runner(argv)
    rel = find(project, procfile, base_dir) if procfile else None
    return procfile_programs(project, rel) if rel else []


def is_supervisord(argv: list[str]) -> bool:
    return bool(argv) and sh.base(argv[0]) == "supervisord"


def supervisor_conf(argv: list[str]) -> list[str]:
    """The config file(s) ``supervisord`` reads: ``-c``/``--configuration``, else the defaults."""
    for index, arg in enumerate(argv):
        if arg in ("-c", "--configuration") and index + 1 < len(argv):
            return [argv[index + 1]]
        if arg.startswith("--configuration="):
            return [arg.split("=", 1)[1]]
        if arg.startswith("-c") and len(arg) > 2:
            return [arg[2:]]
    return list(_SUPERVISOR_DEFAULTS)


def _parser(text: str) -> configparser.RawConfigParser | None:
    parser = configparser.RawConfigParser(inline_comment_prefixes=(";",), strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    return parser


def _line_of(text: str, section: str, key: str) -> int:
    inside = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("["):
            inside = line.strip("[] ") == section
        elif inside and line.split("=", 1)[0].strip() == key:
            return number
    return 1


def _copied_to(
    project: Project, pattern: str, copies: Sequence[Shipped] | None = None
) -> list[str]:
    """Project files the image (``copies``: what its build copies; else any image) copies to a
    container path matching the glob ``pattern``."""
    out: set[str] = set()
    shipped = (
        list(copies) if copies is not None else [i for m in images(project) for i in m.shipped]
    )
    for item in shipped:
        if item.source not in project.files:
            continue
        dest = item.destination
        target = (
            posixpath.join(dest, item.source.rsplit("/", 1)[-1]) if dest.endswith("/") else dest
        )
        if fnmatch.fnmatchcase(target, pattern) or fnmatch.fnmatchcase(dest, pattern):
            out.add(item.source)
    return sorted(out)


def _included(
    project: Project, conf: str, pattern: str, copies: Sequence[Shipped] | None
) -> list[str]:
    """Files an ``[include] files =`` glob names: copied there by an image, else beside ``conf``."""
    if not pattern.startswith("/"):
        here = posixpath.dirname(conf)
        local = posixpath.normpath(posixpath.join(here, pattern)) if here else pattern
        found = [f for f in project.files if fnmatch.fnmatchcase(f, local)]
        if found:
            return sorted(found)
    copied = _copied_to(project, pattern, copies)
    if copied or (copies is not None and any(c.source == conf for c in copies)):
        return copied  # the image that copies the main file copies these (or none) too
    name = pattern.rsplit("/", 1)[-1]
    here = posixpath.dirname(conf)
    return sorted(
        f
        for f in project.files
        if posixpath.dirname(f).startswith(here)
        and fnmatch.fnmatchcase(f.rsplit("/", 1)[-1], name)
        and f != conf
    )


def supervisor_programs(
    project: Project,
    conf: str,
    copies: Sequence[Shipped] | None = None,
    seen: frozenset[str] = frozenset(),
) -> list[Program]:
    """Every ``[program:x]`` of ``conf`` and of the files it includes, in file order."""
    text = project.read_text(conf)
    parser = _parser(text) if text is not None else None
    if text is None or parser is None or conf in seen:
        return []
    out: list[Program] = []
    for section in parser.sections():
        kind, _, name = section.partition(":")
        if kind.strip() == "program" and parser.has_option(section, "command"):
            command = " ".join(parser.get(section, "command").split())
            directory = (
                parser.get(section, "directory")
                if parser.has_option(section, "directory")
                else None
            )
            line = _line_of(text, section, "command")
            out.append(Program(name.strip(), command, conf, line, directory))
    if parser.has_option("include", "files"):
        for pattern in parser.get("include", "files").split():
            for rel in _included(project, conf, pattern, copies):
                out.extend(supervisor_programs(project, rel, copies, seen | {conf}))
    return out


def procfile_runner(argv: list[str]) -> str | None:
    """The Procfile a ``honcho start`` / ``foreman start`` reads (``-f``), else None."""
    if not argv or sh.base(argv[0]) not in PROCFILE_RUNNERS or "start" not in argv[1:]:
        return None
    for index, arg in enumerate(argv):
        if arg in ("-f", "--procfile") and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith("--procfile="):
            return arg.split("=", 1)[1]
    return "Procfile"


def procfile_programs(project: Project, rel: str) -> list[Program]:
    """The processes of a Procfile (``name: command``), ``release`` excluded."""
    out: list[Program] = []
    for number, raw in enumerate((project.read_text(rel) or "").splitlines(), start=1):
        name, sep, command = raw.partition(":")
        name = name.strip()
        if not sep or raw.lstrip().startswith("#") or not name.replace("-", "").isalnum():
            continue
        if name != "release" and command.strip():
            out.append(Program(name, command.strip(), rel, number))
    return out
