"""The :class:`Project`: one per session, facets built lazily and cached.

A *facet* is a function ``def python_apps(project) -> tuple[PythonApp, ...]`` decorated with
:func:`facet`; it runs at most once per project (FawltyDeps' ``Analysis``), so a run that selects
only frontend checks never parses Python. Every reader here records a :class:`Problem` naming the
file instead of raising, so one broken file never stops the other checks.
"""

from __future__ import annotations

import ast
import configparser
import gc
import json
import os
import sys
import tomllib
import warnings
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property, wraps
from pathlib import Path
from typing import Any, TypeVar

import yaml

from pytest_kabul.config import KabulConfig
from pytest_kabul.model import Severity
from pytest_kabul.project.files import FileIndex, is_outside, read_bounded
from pytest_kabul.project.records import FileRecords
from pytest_kabul.project.walker import walk
from pytest_kabul.project.yamlsafe import load_all

T = TypeVar("T")
V = TypeVar("V")
# Syntax trees kept for the facets that ask again: those of up to this many characters of source
# (13 to 45 bytes of tree per character: 5-18 MiB), then only the last few. Keeping every tree
# cost 1.6 GiB on a 20,000-module tree; keeping none, a quarter more time on a 2,000-module one.
# A budget of 1 M characters cost 2-8 % more time than keeping every tree on the large trees
# measured, but held 45 MiB of dense generated code; at 400 k, then at 200 k, the difference on
# the two largest corpus trees was within the noise of the machine (200 k: 5-7 MiB less there,
# 7 MiB less at 20,000 generated modules).
TREE_BUDGET = 200_000
RECENT_TREES = 16
# Texts kept as they are, up to this many characters (the first files read: manifests, configs,
# the modules asked first); past it, a text is kept compressed (a third of its size) and
# decompressed when asked again: every answer of the run still comes from the one text read.
# Every module text of a 20,000-module tree held as ``str`` was 32 MiB; the price is 10-30 us
# per text asked again past the last few (prefect's scan: about 8 % more time, 35 MiB less).
TEXT_BUDGET = 4_000_000
RECENT_TEXTS = 8
_FACETS: list[Callable[[Project], Any]] = []


@dataclass(frozen=True, order=True)
class Problem:
    """A file the model could not read or understand."""

    path: str
    message: str
    severity: Severity = Severity.WARNING


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic GC while building or walking many ASTs, then freeze what exists.

    Parsing allocates no reference cycles, but every collection traverses every AST node the
    parse cache holds: on a 600-file app that made the static scan 3-25x slower, and merely
    re-enabling the GC after a parse made the next collection walk the whole cache again.
    ``gc.freeze()`` moves the objects that exist now (the cached trees among them) out of the
    collector's sight; they are still freed by reference counting, which is all an AST needs.
    Measured on Django 5.1's sdist: 9.1 s without pausing, 6.9 s pausing, 6.0 s freezing.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.enable()


def _facet_key(fn: Callable[..., Any]) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"  # the cached wrapper carries fn's names


def _pack(text: str) -> bytes:
    return zlib.compress(text.encode("utf-8", "surrogatepass"), 1)


def _unpack(packed: bytes) -> str:
    return zlib.decompress(packed).decode("utf-8", "surrogatepass")


def _keep_recent(recent: OrderedDict[str, V], rel: str, value: V, limit: int) -> None:
    """Remember ``value`` among the ``limit`` last ones (the oldest goes)."""
    recent[rel] = value
    while len(recent) > limit:
        recent.popitem(last=False)


def facet(fn: Callable[[Project], T]) -> Callable[[Project], T]:
    key = _facet_key(fn)

    @wraps(fn)
    def cached(project: Project) -> T:
        if key not in project._facets:
            project._facets[key] = fn(project)
        value: T = project._facets[key]
        return value

    _FACETS.append(cached)
    return cached


class Project:
    def __init__(
        self,
        root: Path,
        config: KabulConfig | None = None,
        *,
        cache_dir: Path | None = None,
        jobs: int = 1,
    ) -> None:
        self.root = root.resolve()
        self.config = config or KabulConfig()
        self.cache_dir = cache_dir  # pytest's cache folder for this plugin; None: no cache
        self.jobs = jobs  # processes a bulk scan may fork (``--kabul-jobs``); 1: serial
        self._facets: dict[str, Any] = {}
        self._problems: set[Problem] = set()
        self._texts: dict[str, str | None] = {}
        self._text_chars = 0  # characters of the texts ``_texts`` holds
        self._packed: dict[str, bytes] = {}  # texts past TEXT_BUDGET, compressed (UTF-8)
        self._recent_texts: OrderedDict[str, str] = OrderedDict()  # the last ones unpacked
        self._unreadable: set[str] = set()
        self._trees: dict[str, ast.Module | None] = {}
        self._kept = 0  # characters of source whose trees ``_trees`` holds
        self._recent: OrderedDict[str, ast.Module] = OrderedDict()
        self._probes: set[str] = set()  # paths asked about by exists() / is_dir()
        self._read_once: set[str] = set()  # texts read, then forgotten (forget_text)
        self._folders: dict[str, str | None] = {}  # real paths of folders read from
        self._elsewhere: set[str] = set()  # facets a helper process built (``adopt_judged``)

    def __repr__(self) -> str:
        return f"<Project {self.root}>"

    def built(self, fn: Callable[[Project], Any]) -> bool:
        """Whether the facet ``fn`` has already been computed for this run (here, or in a
        helper process whose judgements this project adopted)."""
        key = _facet_key(fn)
        return key in self._facets or key in self._elsewhere

    def facets_built(self) -> frozenset[str]:
        """The keys of the facets computed in this process."""
        return frozenset(self._facets)

    def adopt_judged(
        self, problems: Iterable[Problem], inputs: Iterable[str], facets: Iterable[str]
    ) -> None:
        """Take in what a helper process found while judging some checks on its copy of this
        project (see :mod:`pytest_kabul.helper`): the problems its facets recorded, the paths it
        read (what its judgements depend on) and the facets it built, which :meth:`load_all`
        then need not build again."""
        self._problems.update(problems)
        self._read_once.update(inputs)
        self._elsewhere.update(facets)

    # -- files ---------------------------------------------------------------------------
    @cached_property
    def records(self) -> FileRecords:
        """Per-file facts kept between runs (see :mod:`pytest_kabul.project.records`)."""
        return FileRecords(self.root, self.cache_dir, self.read_text)

    @cached_property
    def files(self) -> FileIndex:
        result = walk(self.root, self.config.exclude, self.cache_dir)
        for path, message in result.problems:
            self.problem(path, message, Severity.INFO)
        for path, message in result.errors:
            self.problem(path, message, Severity.ERROR)
        return FileIndex(result.files, result.templates)

    def exists(self, rel: str) -> bool:
        """Something other than a folder sits at ``rel`` inside the root. A link pointing out
        of the root, a FIFO or a device *exists*: reading it records why it was refused."""
        if self.is_outside(rel):
            return False
        self._probes.add(rel)
        path = self.root / rel
        return os.path.lexists(path) and not path.is_dir()

    def is_dir(self, rel: str) -> bool:
        """A folder sits at ``rel`` (``""`` is the root)."""
        self._probes.add(rel)
        return rel == "" or (self.root / rel).is_dir()

    def inputs(self) -> frozenset[str]:
        """Every path this project read or asked about so far (beyond walking the tree): what a
        result computed from it depends on, besides the file index (see ``evaluations.py``)."""
        known = frozenset(self._texts) | frozenset(self._packed)
        known |= frozenset(self._probes) | frozenset(self._read_once)
        if "records" in self.__dict__:  # facts taken from a file's record depend on its content
            known |= self.records.asked()
        return known

    def is_outside(self, rel: str) -> bool:
        """``rel`` is absolute or climbs out of the root (``../``): nothing there is opened."""
        return is_outside(rel)

    def unreadable(self, rel: str) -> bool:
        """True when ``rel`` was asked for and could not be read (checks that needed it are
        incomplete: KAB001 names the file, and they must not pass silently)."""
        return rel in self._texts and self._texts[rel] is None and rel in self._unreadable

    @property
    def problem_count(self) -> int:
        """How many problems were recorded so far (cheaper than sorting :attr:`problems`)."""
        return len(self._problems)

    def packed_text(self, rel: str) -> bytes | None:
        """The text of ``rel`` as read so far, compressed (None if it was not read, or could not
        be): what a prefetch worker ships back so that the parent need not read it again."""
        packed = self._packed.get(rel)
        text = self._texts.get(rel)
        if packed is None and text is not None:
            packed = _pack(text)
        return packed

    def adopt_text(self, rel: str, packed: bytes) -> None:
        """Keep a text read elsewhere (:meth:`packed_text` of a prefetch worker's copy of this
        project, which read the same file), unless this project has read it itself."""
        if rel not in self._texts and rel not in self._packed:
            self._packed[rel] = packed

    def forget_text(self, rel: str) -> None:
        """Drop a cached text (a prefetch worker ships facts, not texts); it counts as read."""
        if rel in self._texts or rel in self._packed:
            self._texts.pop(rel, None)
            self._packed.pop(rel, None)
            self._recent_texts.pop(rel, None)
            self._read_once.add(rel)

    def release(self) -> None:
        """Drop every cached text and syntax tree once the judging is over, so the stores
        written at the end of a run reuse their memory; every path read still counts as read
        (:meth:`inputs`), and a file that could not be read or parsed stays remembered."""
        for rel in [rel for rel, text in self._texts.items() if text is not None]:
            self.forget_text(rel)
        for rel in list(self._packed):
            self.forget_text(rel)
        self._text_chars = 0
        self._trees = {rel: tree for rel, tree in self._trees.items() if tree is None}
        self._kept = 0
        self._recent.clear()

    def problem(self, path: str, message: str, severity: Severity = Severity.WARNING) -> None:
        self._problems.add(Problem(path, message, severity))

    @property
    def problems(self) -> tuple[Problem, ...]:
        return tuple(sorted(self._problems))

    def rel(self, path: Path | str) -> str:
        p = Path(path)
        if not p.is_absolute():
            p = self.root / p
        try:
            return p.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return p.as_posix()

    # -- readers: each returns None and records a Problem on failure ----------------------
    def read_text(self, rel: str) -> str | None:
        """The file as text, or None with a Problem naming it (see :func:`read_bounded`)."""
        if rel in self._texts:
            return self._texts[rel]
        packed = self._packed.get(rel)
        if packed is not None:
            recent = self._recent_texts.get(rel)
            if recent is None:  # a scan asks for one file's text several times in a row
                recent = _unpack(packed)
                _keep_recent(self._recent_texts, rel, recent, RECENT_TEXTS)
            return recent
        text: str | None = None
        data, why = read_bounded(self.root, rel, folders=self._folders)
        if data is None:
            if why is None:  # absent: a caller that reads what may not exist asks exists()
                self.problem(rel, "cannot read: No such file or directory")
            else:
                self.problem(rel, why, Severity.ERROR)
                self._unreadable.add(rel)
        elif b"\0" in data[:8192] and not (rel.endswith(_NUL_TOLERANT) and _is_utf8(data)):
            self.problem(rel, "binary file (NUL bytes) where text was expected", Severity.ERROR)
            self._unreadable.add(rel)
        else:
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                self.problem(
                    rel,
                    f"not valid UTF-8 (byte {exc.start}); not read, so no check could judge it",
                    Severity.ERROR,
                )
                self._unreadable.add(rel)
        self._keep_text(rel, text)
        return text

    def _keep_text(self, rel: str, text: str | None) -> None:
        """Cache a text as is within :data:`TEXT_BUDGET` characters, compressed past it."""
        if text is None or self._text_chars + len(text) <= TEXT_BUDGET:
            self._text_chars += len(text or "")
            self._texts[rel] = text
        else:
            self._packed[rel] = _pack(text)
            _keep_recent(self._recent_texts, rel, text, RECENT_TEXTS)

    def read_toml(self, rel: str, *, severity: Severity = Severity.ERROR) -> dict[str, Any] | None:
        text = self.read_text(rel)
        if text is None:
            return None
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            self.problem(rel, f"invalid TOML: {exc}", severity)
        except RecursionError:
            self.problem(rel, "invalid TOML: nested too deeply", severity)
        return None

    def read_json(self, rel: str, *, severity: Severity = Severity.ERROR) -> Any:
        text = self.read_text(rel)
        if text is None:
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            self.problem(rel, f"invalid JSON: {exc}", severity)
        except RecursionError:
            self.problem(rel, "invalid JSON: nested too deeply", severity)
        return None

    def read_yaml(self, rel: str, *, severity: Severity = Severity.ERROR) -> Any:
        """Parse the first YAML document (use :meth:`read_yaml_all` for multi-doc files)."""
        docs = self.read_yaml_all(rel, severity=severity)
        return docs[0] if docs else None

    def read_yaml_all(self, rel: str, *, severity: Severity = Severity.ERROR) -> list[Any]:
        text = self.read_text(rel)
        if text is None:
            return []
        try:
            return [d for d in load_all(text) if d is not None]
        except yaml.YAMLError as exc:
            self.problem(rel, f"invalid YAML: {yaml_error(exc)}", severity)
        except RecursionError:
            self.problem(rel, "invalid YAML: nested too deeply", severity)
        return []

    def parse_python(self, rel: str, *, keep: bool = True) -> ast.Module | None:
        """The module's syntax tree, or None with a Problem naming the file. ``keep=False``:
        the caller reduces the tree to facts, so it is not cached (a syntax tree weighs ~80 KB
        per file: keeping thousands costs hundreds of MB); a file that does not parse is
        remembered either way."""
        if rel in self._trees:
            return self._trees[rel]
        if rel in self._recent:
            self._recent.move_to_end(rel)
            return self._recent[rel]
        tree: ast.Module | None = None
        text = self.read_text(rel)
        if text is not None:
            try:
                with warnings.catch_warnings(), paused_gc():
                    warnings.simplefilter("ignore")  # SyntaxWarning for invalid escapes
                    tree = ast.parse(text, filename=rel)
            except (RecursionError, MemoryError):
                self.problem(rel, "nested too deeply for the Python parser; not checked")
            except (SyntaxError, ValueError) as exc:
                tree = _parse_newer(text, rel)
                if tree is None:
                    line = getattr(exc, "lineno", None)
                    where = f" (line {line})" if line else ""
                    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
                    self.problem(
                        rel,
                        f"cannot be parsed by Python {version}{where} nor by the"
                        f" version-independent parser: {getattr(exc, 'msg', exc)}; its imports"
                        " and environment reads were not checked",
                    )
        if tree is None:
            self._trees[rel] = tree  # a failure is remembered: one Problem
        elif keep:
            self._keep(rel, tree, len(text or ""))
        return tree

    def _keep(self, rel: str, tree: ast.Module, size: int) -> None:
        """Cache a syntax tree while the trees kept stay within :data:`TREE_BUDGET` characters
        of source (a tree weighs 13-35 bytes per character); past it, only the
        :data:`RECENT_TREES` last ones (a facet asking for the same module in a loop)."""
        if self._kept + size <= TREE_BUDGET:
            self._kept += size
            self._trees[rel] = tree
            return
        _keep_recent(self._recent, rel, tree, RECENT_TREES)

    def load_all(self) -> None:
        """Build every registered facet (KAB001 needs all problems, whatever was selected)."""
        import importlib
        import pkgutil

        import pytest_kabul.project as package

        for info in pkgutil.walk_packages(package.__path__, prefix=package.__name__ + "."):
            importlib.import_module(info.name)
        _ = self.files
        for load in list(_FACETS):
            if _facet_key(load) not in self._elsewhere:  # its problems are adopted already
                load(self)


def _parse_newer(text: str, rel: str) -> ast.Module | None:
    """Syntax newer than this interpreter (PEP 695/701/758): the version-independent reader."""
    from pytest_kabul.project.python.parser import downgrade  # lazy: only on a syntax error

    rewritten = downgrade(text)
    if rewritten is None:
        return None
    try:
        with warnings.catch_warnings(), paused_gc():
            warnings.simplefilter("ignore")
            return ast.parse(rewritten, filename=rel)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def ini_error(exc: configparser.Error) -> str:
    """An INI error reduced to its kind, line numbers and key names: never the quoted line."""
    if isinstance(exc, configparser.MissingSectionHeaderError):
        return f"no [section] header before line {exc.lineno}"
    if isinstance(exc, configparser.ParsingError):
        lines = ", ".join(str(number) for number, _line in exc.errors[:5])
        return f"lines that are not 'key = value' or '[section]' (line {lines})"
    if isinstance(exc, configparser.DuplicateOptionError):
        return f"option {exc.option!r} repeated in section [{exc.section}] (line {exc.lineno})"
    if isinstance(exc, configparser.DuplicateSectionError):
        return f"section [{exc.section}] repeated (line {exc.lineno})"
    return type(exc).__name__


def yaml_error(exc: yaml.YAMLError) -> str:
    """A YAML error reduced to its problem and location: never the quoted source line, which
    may hold a password."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        return f"{exc.problem or exc.context or 'syntax error'}{where}"
    return " ".join(str(exc).split())


# JavaScript/TypeScript source may hold a literal NUL inside a string (`${a}\0${b}`): valid
# code, not a binary file, as long as the rest decodes as UTF-8.
_NUL_TOLERANT = (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts")


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return True


def _one_line(text: str) -> str:
    return " ".join(text.split())
