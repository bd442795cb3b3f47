"""Every environment read in every Python app, found by AST (never imported).

Public facet: ``env_reads(project) -> tuple[EnvRead, ...]``, sorted by (app, path, line);
``outside_settings(project)`` keeps the runtime reads outside any Settings class (KAB201's).
Each :class:`EnvRead` has the app, file, line, the resolved variable name(s) (empty when the
name cannot be determined statically, ``expression`` then holds the name expression's source),
the *kind* of default (never its value), the read form, the enclosing function, the Settings
class it sits in (``settings_class``; reads inside a Settings body or its validators are how
configuration *should* be read), whether it is test code, and the wrapper chain (``via``).

Forms: ``os.getenv``/``getenvb``, ``os.environ.get/setdefault/pop``, ``os.environ[...]``,
``"X" in os.environ``, ``from os import getenv, environ`` and module aliases, python-decouple
``config("X")`` (and ``AutoConfig``/``Config`` instances), starlette ``Config`` instances,
environs ``Env()`` and django-environ ``environ.Env()`` (``env("X")``, ``env.str("X")``...).
Thin wrappers whose parameter flows into a read (``def _env_int(name): ... os.getenv(name)``)
are followed to their call sites, also across modules of the app and through wrappers of
wrappers (to a fixed point); a wrapper that is never called reports its own read as unresolved.

Consumers: KAB201 (reads outside Settings), KAB203 (env names each app reads), KAB251.
Files are scanned only when their text mentions a reader or a known wrapper (one AST pass each,
using the parse cache shared with the dependency check).
"""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from pytest_kabul.project.core import Project, facet, paused_gc
from pytest_kabul.project.python.apps import PythonApp, python_apps
from pytest_kabul.project.python.modules import (
    ConstEval,
    Param,
    Parts,
    join,
    module_index,
    substitute,
)
from pytest_kabul.project.python.settings.classes import settings_classes
from pytest_kabul.project.python.settings.envscan import scan_file
from pytest_kabul.project.python.settings.readsites import (
    Call,
    FileScan,
    ReadKind,
    Site,
    may_read,
)
from pytest_kabul.project.python.settings.syntax import DefaultKind, default_kind

TOO_DEEP = "nested too deeply to analyse; its environment reads were not checked"


@dataclass(frozen=True, order=True)
class EnvRead:
    app: str
    path: str
    line: int
    names: tuple[str, ...]  # empty: the name could not be resolved statically
    expression: str  # source of the name expression (never a default value)
    default: DefaultKind
    kind: ReadKind
    function: str | None  # enclosing function's qualified name, None at module level
    settings_class: str | None  # the Settings class whose body holds this read
    test_code: bool
    via: tuple[str, ...] = ()  # wrapper functions between this site and the real read
    context: str | None = None  # "except" (fallback branch) / "__main__" (script guard)
    fallback: str | None = None  # the attribute a missing variable falls back to (``settings.X``)

    @property
    def is_write(self) -> bool:
        return self.kind.is_write

    @property
    def resolved(self) -> bool:
        return bool(self.names)

    @property
    def in_settings(self) -> bool:
        return self.settings_class is not None

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class _Template:
    parts: Parts
    kind: ReadKind
    default: DefaultKind | Param
    via: tuple[str, ...]


@dataclass
class _App:
    project: Project
    app: PythonApp
    consts: ConstEval
    settings: dict[str, set[str]]  # path -> Settings class names
    scans: dict[str, FileScan] = field(default_factory=dict)
    templates: dict[tuple[str, str], list[_Template]] = field(default_factory=dict)
    origins: dict[tuple[str, str], list[EnvRead]] = field(default_factory=dict)
    called: set[tuple[str, str]] = field(default_factory=set)
    done: set[tuple[int, str, _Template]] = field(default_factory=set)
    reads: list[EnvRead] = field(default_factory=list)

    def read(self, path: str, at: Site | Call, names: Iterable[str], **kw: object) -> EnvRead:
        classes = self.settings.get(path, set())
        owner = next((c for c in at.classes if c in classes), None)
        return EnvRead(
            app=self.app.name,
            path=path,
            line=at.line,
            names=tuple(sorted(set(names))),
            function=at.function,
            settings_class=owner,
            test_code=path in self.test_files,
            context=at.context,
            fallback=at.fallback if isinstance(at, Site) else None,
            **kw,  # type: ignore[arg-type]
        )

    @property
    def test_files(self) -> frozenset[str]:
        return frozenset(self.app.test_files)

    def add_template(self, key: tuple[str, str], template: _Template, origin: EnvRead) -> bool:
        known = self.templates.setdefault(key, [])
        self.origins.setdefault(key, []).append(origin)
        if template in known or len(known) > 50:
            return False
        known.append(template)
        return True

    def scan(self, path: str) -> None:
        tree = self.project.parse_python(path, keep=False)  # reduced to a FileScan here
        self.scans[path] = FileScan()
        try:
            if tree is not None:
                index = module_index(self.project, self.app)
                self.scans[path] = scan_file(tree, index, path, self.imported_family)
            for site in self.scans[path].sites:
                self.site(path, site)
        except RecursionError:
            self.scans[path] = FileScan()
            self.project.problem(path, TOO_DEEP)

    def imported_family(self, binding: tuple[str, str | None]) -> str | None:
        """The reader family of an instance imported from another module of the app."""
        module, attr = binding
        path = module_index(self.project, self.app).path_of(module)
        if attr is None or path is None:
            return None
        if path not in self.scans and may_read(self.project, path):
            self.scan(path)
        scan = self.scans.get(path)
        return scan.instances.get(attr) if scan is not None else None

    def site(self, path: str, site: Site) -> None:
        params = frozenset(site.params)
        parts = self.consts.parts(site.name, path, params) if site.name is not None else None
        expr = ast.unparse(site.name) if site.name is not None else ""
        kind = site.kind
        default: DefaultKind | Param = site.default_kind
        if isinstance(site.default, ast.Name) and site.default.id in params:
            default = Param(site.default.id)
        shown = DefaultKind.EXPRESSION if isinstance(default, Param) else default
        names = [] if parts is None else [n for n in [join(parts)] if n is not None]
        read = self.read(path, site, names, expression=expr, default=shown, kind=kind)
        if parts is not None and not names and site.function is not None:
            self.add_template((path, site.function), _Template(parts, kind, default, ()), read)
        else:
            self.reads.append(read)

    def resolve_calls(self) -> bool:
        changed = False
        for path, scan in sorted(self.scans.items()):
            for call in scan.calls:
                target = self.target(path, call)
                if target is None or target not in self.templates:
                    continue
                self.called.add(target)
                for template in list(self.templates[target]):
                    key = (id(call), path, template)
                    if key not in self.done:
                        self.done.add(key)
                        try:
                            changed |= self.apply(path, call, target, template)
                        except RecursionError:
                            self.project.problem(path, TOO_DEEP)
        return changed

    def target(self, path: str, call: Call) -> tuple[str, str] | None:
        scan = self.scans[path]
        if call.style == "name":
            prefix = (call.function or "").split(".")
            for i in range(len(prefix), -1, -1):
                qual = ".".join([*prefix[:i], call.attr]) if prefix != [""] else call.attr
                if qual in scan.functions:
                    return (path, qual)
            bound = scan.imports.get(call.attr)
            if bound is not None and bound[1] is not None:
                other = module_index(self.project, self.app).path_of(bound[0])
                if (
                    other is not None
                    and other in self.scans
                    and bound[1] in self.scans[other].functions
                ):
                    return (other, bound[1])
            return None
        if call.style == "self":
            for cls in reversed(call.classes):
                if f"{cls}.{call.attr}" in scan.functions:
                    return (path, f"{cls}.{call.attr}")
            return None
        qual = f"{call.base}.{call.attr}"
        if qual in scan.functions:
            return (path, qual)
        bound = scan.imports.get(call.base or "")
        if bound is not None:
            module = bound[0] if bound[1] is None else f"{bound[0]}.{bound[1]}"
            other = module_index(self.project, self.app).path_of(module)
            if (
                other is not None
                and other in self.scans
                and call.attr in self.scans[other].functions
            ):
                return (other, call.attr)
        return None

    def apply(self, path: str, call: Call, target: tuple[str, str], template: _Template) -> bool:
        func = self.scans[target[0]].functions[target[1]]
        params = list(func.params)
        if func.bound and call.style in ("self", "attr") and params:
            params = params[1:]
        bound: dict[str, ast.expr] = dict(zip(params, call.args, strict=False))
        bound.update(call.keywords)
        caller = frozenset(call.params)
        values: dict[str, Parts | None] = {}
        for param in params:
            if param in bound:
                values[param] = self.consts.parts(bound[param], path, caller)
            elif param in func.defaults:
                values[param] = self.consts.parts(func.defaults[param], target[0], frozenset())
        parts = substitute(template.parts, values)
        default = template.default
        if isinstance(default, Param):
            given = bound.get(default.name, func.defaults.get(default.name))
            default = (
                Param(given.id)
                if isinstance(given, ast.Name) and given.id in caller
                else default_kind(given)
            )
        via = (target[1], *template.via)
        shown = DefaultKind.EXPRESSION if isinstance(default, Param) else default
        name = join(parts) if parts is not None else None
        expr = ", ".join(ast.unparse(a) for a in call.args[:1]) or call.attr
        read = self.read(
            path,
            call,
            [name] if name else [],
            expression=expr,
            default=shown,
            kind=template.kind,
            via=via,
        )
        if parts is not None and name is None and call.function is not None:
            return self.add_template(
                (path, call.function), _Template(parts, template.kind, default, via), read
            )
        self.reads.append(read)
        return False


def _calls_any(project: Project, path: str, names: Iterable[str], pattern: re.Pattern[str]) -> bool:
    """``pattern`` (a call or attribute of one of ``names``) occurs in the file. A plain
    substring test first: the regex, anchored on a word boundary, costs ~1 ms per file."""
    text = project.read_text(path)
    return text is not None and any(n in text for n in names) and pattern.search(text) is not None


def _app_reads(project: Project, app: PythonApp, settings: dict[str, set[str]]) -> list[EnvRead]:
    state = _App(project, app, ConstEval(project, module_index(project, app)), settings)
    for path in app.python_files:
        if may_read(project, path):
            state.scan(path)
    searched: set[str] = set()
    for _round in range(10):
        while state.resolve_calls():
            pass
        wrappers = {qual.rsplit(".", 1)[-1] for _p, qual in state.templates}
        # Reader instances other modules may import (``from app.config import env``).
        shared = {name for scan in state.scans.values() for name in scan.instances}
        # Only names not searched for yet: a file that called an older one was scanned then
        # (texts do not change), so the search of every round is incremental.
        names = sorted((wrappers | shared) - searched)
        if not names:
            break
        searched.update(names)
        called = re.compile(r"\b(?:" + "|".join(map(re.escape, names)) + r")\s*[(.]")
        fresh = [
            p
            for p in app.python_files
            if p not in state.scans and _calls_any(project, p, names, called)
        ]
        if not fresh:
            break
        for path in fresh:
            state.scan(path)
    for key, origins in state.origins.items():
        if key not in state.called:  # a wrapper nobody calls: its reads stay unresolved
            state.reads.extend(origins)
    merged: dict[tuple[object, ...], EnvRead] = {}
    for read in state.reads:
        k = (
            read.path,
            read.line,
            read.resolved,
            read.via,
            read.settings_class,
            read.expression,
        )
        old = merged.get(k)
        if old is None:
            merged[k] = read
        else:
            both = tuple(sorted(set(old.names) | set(read.names)))
            merged[k] = dataclasses.replace(old, names=both)
    return sorted(merged.values())


@facet
def env_reads(project: Project) -> tuple[EnvRead, ...]:
    """Every environment read of every Python app (runtime and test code), sorted."""
    with paused_gc():
        settings: dict[str, dict[str, set[str]]] = {}
        for cls in settings_classes(project):
            settings.setdefault(cls.app, {}).setdefault(cls.path, set()).add(cls.name)
        out: list[EnvRead] = []
        for app in python_apps(project):
            out.extend(_app_reads(project, app, settings.get(app.name, {})))
        project.records.save()
        return tuple(sorted(out))


def outside_settings(project: Project) -> tuple[EnvRead, ...]:
    """Runtime reads (not tests, not writes) outside any pydantic-settings class."""
    return tuple(
        r for r in env_reads(project) if not r.test_code and not r.in_settings and not r.is_write
    )
