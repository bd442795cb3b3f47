"""Alembic environments and their revision graphs, read without a database or the target's code.

An *environment* is one ``script_location``: the default ``[alembic]`` section of an
``alembic.ini`` (any ``*.ini`` that declares ``script_location``), a named section of it
(``alembic -n core`` reads ``[core]``), or ``[tool.alembic]`` in a ``pyproject.toml``.
``%(here)s`` and relative paths resolve against the config file's folder, as Alembic does;
``package:dir`` locations resolve to that package's folder inside the project, and absolute
in-container paths through the image that ships the config file (see ``locations``).

Revision files are read with :mod:`ast` (``revision``, ``down_revision``, ``branch_labels``,
``depends_on``), never imported, and the graph is computed by Alembic's own
:class:`alembic.script.revision.RevisionMap` fed with :class:`Revision` objects built from those
values. Duplicates and dangling ``down_revision`` references are found first (Alembic would only
warn about them and then fail with a ``KeyError``), then the map gives heads, bases and cycles.
"""

from __future__ import annotations

import ast
import configparser
import posixpath
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

from pytest_kabul.model import Severity
from pytest_kabul.project.core import Project, facet, ini_error
from pytest_kabul.project.migrations.locations import locate

_SKIP_SECTIONS = ("loggers", "handlers", "formatters", "post_write_hooks")
_RAW_DEFAULT = "__kabul_no_default_section__"


@dataclass(frozen=True)
class RevisionFile:
    path: str  # project-relative
    line: int  # line of the ``revision =`` assignment
    revision: str
    down_revisions: tuple[str, ...]
    branch_labels: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    down_line: int = 0  # line of the ``down_revision =`` assignment (0 when absent)


@dataclass(frozen=True)
class AlembicEnv:
    """One Alembic environment. ``subject`` is ``backend/alembic.ini`` or ``…ini[core]``."""

    subject: str
    config_path: str
    section: str
    line: int  # line of ``script_location`` in the config file
    config_dir: str  # ``%(here)s``, project-relative ("" for the root)
    script_location: str | None  # project-relative folder, None when it is not in the project
    version_dirs: tuple[str, ...]
    env_py: str | None
    revisions: tuple[RevisionFile, ...]
    options: Mapping[str, str] = field(default_factory=dict)  # interpolated config options
    unjudged: str | None = None  # why the location cannot be found in the repository
    container_path: str | None = None  # the in-image script_location mapped to the repository
    mapped_via: str | None = None  # how it was mapped (``Dockerfile:12 copies api to /app``)

    @property
    def ini_name(self) -> str | None:
        """The ``-n`` name Alembic needs for a named section, else None."""
        return None if self.section in ("alembic", "tool.alembic") else self.section


@dataclass(frozen=True)
class Graph:
    heads: tuple[str, ...]
    bases: tuple[str, ...]
    duplicates: tuple[tuple[str, tuple[str, ...]], ...]  # (revision id, files)
    dangling: tuple[tuple[RevisionFile, str], ...]  # (file, missing down_revision)
    cycles: tuple[str, ...]
    error: str | None = None  # anything else Alembic's RevisionMap refused


def _strs(node: ast.expr | None) -> tuple[str, ...] | None:
    """A str / tuple-or-list of str / None literal as a tuple; None when not a literal."""
    if node is None:
        return ()
    if isinstance(node, ast.Constant):
        if node.value is None:
            return ()
        if isinstance(node.value, str):
            return (node.value,)
        return None
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        out = [_strs(e) for e in node.elts]
        if any(o is None for o in out):
            return None
        return tuple(s for o in out if o is not None for s in o)
    return None


def read_revision(project: Project, rel: str) -> RevisionFile | None:
    tree = project.parse_python(rel)
    if tree is None:
        return None
    values: dict[str, tuple[tuple[str, ...] | None, int]] = {}
    for node in tree.body:
        target: ast.expr | None = None
        value: ast.expr | None = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        if isinstance(target, ast.Name):
            values[target.id] = (_strs(value), node.lineno)
    rev, line = values.get("revision", (None, 0))
    for name in ("revision", "down_revision", "depends_on"):
        if name in values and values[name][0] is None:
            # Alembic imports the module and would see a value; we cannot compute it.
            project.problem(
                rel,
                f"line {values[name][1]}: {name} is not a literal string; cannot judge the"
                " revision graph (KAB301) without executing it",
                Severity.ERROR,
            )
            return None
    if not rev or len(rev) != 1:
        return None  # no revision id: not a revision file
    return RevisionFile(
        path=rel,
        line=line,
        revision=rev[0],
        down_revisions=values.get("down_revision", ((), 0))[0] or (),
        branch_labels=values.get("branch_labels", ((), 0))[0] or (),
        depends_on=values.get("depends_on", ((), 0))[0] or (),
        down_line=values.get("down_revision", ((), 0))[1],
    )


def _version_dirs(
    project: Project, config_path: str, script: str | None, options: Mapping[str, str]
) -> tuple[str, ...]:
    raw = options.get("version_locations")
    if raw is None:
        return (f"{script}/versions",) if script is not None else ()
    sep = options.get("path_separator") or options.get("version_path_separator") or "space"
    char = {"space": None, "newline": "\n", "colon": ":", "semicolon": ";", "os": ":"}.get(
        sep.strip(), " "
    )
    dirs = []
    for part in raw.split(char) if char else raw.split():
        resolved = locate(project, config_path, part).path if part.strip() else None
        if resolved is not None:
            dirs.append(resolved)
    return tuple(dirs)


def _env(
    project: Project,
    *,
    config_path: str,
    section: str,
    subject: str,
    line: int,
    options: Mapping[str, str],
) -> AlembicEnv:
    config_dir = posixpath.dirname(config_path)
    raw_location = options.get("script_location", "")
    located = locate(project, config_path, raw_location)
    script = located.path
    version_dirs = _version_dirs(project, config_path, script, options)
    recursive = options.get("recursive_version_locations", "false").strip().lower() in (
        "true",
        "1",
        "yes",
        "on",
    )
    revisions = []
    for folder in version_dirs:
        for rel in project.files.under(folder):
            inner = rel[len(folder) + 1 :]
            if not rel.endswith(".py") or rel.endswith("/__init__.py"):
                continue
            if "/" in inner and not recursive:
                continue
            found = read_revision(project, rel)
            if found is not None:
                revisions.append(found)
    env_py = f"{script}/env.py" if script is not None else None
    return AlembicEnv(
        subject=subject,
        config_path=config_path,
        section=section,
        line=line,
        config_dir=config_dir,
        script_location=script,
        version_dirs=version_dirs,
        env_py=env_py if env_py and env_py in project.files else None,
        revisions=tuple(sorted(revisions, key=lambda r: (r.path, r.revision))),
        options=dict(sorted(options.items())),
        unjudged=located.unjudged,
        container_path=raw_location.strip() if located.via else None,
        mapped_via=located.via,
    )


def _line_of(text: str, section: str, key: str) -> int:
    current = None
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            current = stripped[1:-1].strip()
        elif current == section and stripped.split("=", 1)[0].strip() == key:
            return number
    return 1


def _ini_envs(project: Project, rel: str) -> list[AlembicEnv]:
    text = project.read_text(rel)
    if text is None:
        return []
    if "script_location" not in text:
        if rel.rsplit("/", 1)[-1] != "alembic.ini" or _pyproject_declares(project, rel):
            return []  # another tool's .ini, or logging only next to a [tool.alembic]
        project.problem(
            rel,
            "no script_location: Alembic cannot find the migrations; the migration checks"
            " cannot judge this environment",
            Severity.ERROR,
        )
        return []
    raw = configparser.ConfigParser(interpolation=None, default_section=_RAW_DEFAULT)
    here = str(project.root / posixpath.dirname(rel)) if posixpath.dirname(rel) else ""
    cooked = configparser.ConfigParser(defaults={"here": here or str(project.root)})
    try:
        raw.read_string(text, source=rel)
        cooked.read_string(text, source=rel)
    except configparser.Error as exc:
        project.problem(rel, f"invalid INI: {ini_error(exc)}")
        return []
    envs = []
    for section in raw.sections():
        if section == "DEFAULT" or section.startswith(_SKIP_SECTIONS):
            continue
        if not raw.has_option(section, "script_location"):
            continue
        options: dict[str, str] = {}
        for key in cooked.options(section):
            if key == "here":
                continue
            try:
                options[key] = cooked.get(section, key)
            except configparser.Error:
                options[key] = raw.get(section, key, fallback="") or ""
        subject = rel if section == "alembic" else f"{rel}[{section}]"
        line = _line_of(text, section, "script_location")
        envs.append(
            _env(project, config_path=rel, section=section, subject=subject, line=line,
                 options=options)
        )  # fmt: skip
    return envs


def _pyproject_declares(project: Project, rel: str) -> bool:
    """A ``pyproject.toml`` in this folder or above has ``[tool.alembic] script_location``
    (alembic >= 1.16 then reads only logging from ``alembic.ini``)."""
    folder = posixpath.dirname(rel)
    while True:
        candidate = posixpath.join(folder, "pyproject.toml") if folder else "pyproject.toml"
        if project.exists(candidate):
            text = project.read_text(candidate) or ""
            if "tool.alembic" in text and "script_location" in text:
                return True
        if not folder:
            return False
        folder = posixpath.dirname(folder)


def _pyproject_env(project: Project, rel: str) -> AlembicEnv | None:
    text = project.read_text(rel)
    if text is None or "tool.alembic" not in text:
        return None
    data = project.read_toml(rel)
    tool = (data or {}).get("tool")
    table = tool.get("alembic") if isinstance(tool, dict) else None
    if not isinstance(table, dict) or not isinstance(table.get("script_location"), str):
        return None
    config_dir = posixpath.dirname(rel)
    here = str(project.root / config_dir) if config_dir else str(project.root)
    options: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, list):
            value = "\n".join(str(v) for v in value)
            options["path_separator"] = "newline"
        if isinstance(value, str | int | float | bool):
            options[str(key)] = str(value).replace("%(here)s", here)
    line = next(
        (n for n, raw in enumerate(text.splitlines(), 1) if raw.strip().startswith("script_loc")),
        1,
    )
    return _env(
        project,
        config_path=rel,
        section="tool.alembic",
        subject=f"{rel}[tool.alembic]",
        line=line,
        options=options,
    )


@facet
def alembic_envs(project: Project) -> tuple[AlembicEnv, ...]:
    """Every Alembic environment in the project, sorted by subject."""
    envs: list[AlembicEnv] = []
    for rel in project.files:
        name = rel.rsplit("/", 1)[-1]
        if name.endswith(".ini"):
            envs.extend(_ini_envs(project, rel))
        elif name == "pyproject.toml":
            found = _pyproject_env(project, rel)
            if found is not None:
                envs.append(found)
    return tuple(sorted(envs, key=lambda e: e.subject))


def graph(env: AlembicEnv) -> Graph:
    """The revision graph as Alembic computes it, plus the defects Alembic would crash on."""
    from alembic.script.revision import CycleDetected, Revision, RevisionError, RevisionMap

    by_id: dict[str, list[RevisionFile]] = {}
    for rev in env.revisions:
        by_id.setdefault(rev.revision, []).append(rev)
    duplicates = tuple(
        (rev_id, tuple(sorted(r.path for r in files)))
        for rev_id, files in sorted(by_id.items())
        if len(files) > 1
    )
    unique = [files[0] for _rev_id, files in sorted(by_id.items())]
    labels = {label for r in unique for label in r.branch_labels}
    dangling = tuple(
        (r, down)
        for r in unique
        for down in r.down_revisions
        if down not in by_id and down not in labels
    )
    missing = {id(r): {d for f, d in dangling if f is r} for r in unique}
    revisions: list[Revision] = []
    error: str | None = None
    for r in unique:
        downs = tuple(d for d in r.down_revisions if d not in missing[id(r)])
        deps = tuple(d for d in r.depends_on if d in by_id or d in labels)
        try:
            revisions.append(
                Revision(r.revision, downs or None, dependencies=deps or None,
                         branch_labels=r.branch_labels or None)
            )  # fmt: skip
        except RevisionError as exc:
            error = f"{r.path}: {exc}"
    rev_map = RevisionMap(lambda: revisions)
    heads: tuple[str, ...] = ()
    bases: tuple[str, ...] = ()
    cycles: tuple[str, ...] = ()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            heads = tuple(sorted(rev_map.heads))
            bases = tuple(sorted(rev_map.bases))
    except CycleDetected as exc:
        cycles = tuple(sorted(getattr(exc, "revisions", ()) or ()))
    except (RevisionError, KeyError) as exc:
        error = error or str(exc)
    return Graph(heads, bases, duplicates, dangling, cycles, error)
