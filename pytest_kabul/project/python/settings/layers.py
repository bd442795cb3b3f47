"""Settings layers: where each Python app gathers its configuration, typed or not.

Public facet: ``settings_layers(project) -> tuple[SettingsLayer, ...]``, sorted by (app, path,
line). A layer is one of

- a pydantic-settings class (:mod:`.classes`); its module and, when that module sits in a
  configuration package (``settings/``, ``config/``…), the whole package are its scope: reads
  there are the layer bootstrapping itself (choosing an env file, a profile);
- a typed configuration class that is not pydantic-settings: a pydantic model or dataclass whose
  annotated fields default to environment reads, or a class with a ``from_env()``-style
  constructor that reads the environment (often instantiated once as a module singleton);
- an untyped configuration module: a starlette ``Config`` / python-decouple / environs /
  django-environ module, a dynaconf ``Dynaconf(...)`` object, or a plain module whose top level
  (or one class body) is mostly constants assigned from environment reads — named like
  configuration (``config.py``, ``settings.py``, ``configs/*.py``, ``core/config.py``…), or, under
  any name, one made almost only of such constants and defining no web routes.

Each layer has a kind, whether it is typed, the variables it reads and the files (or the lines
of one class) whose reads belong to it. KAB201 does not judge reads inside a layer, judges a
read elsewhere of a variable a layer declares as a bypass, and names the layer it compared
against; KAB204 reports untyped layers; KAB203 compares ``.env.example`` with every layer.
"""

from __future__ import annotations

import ast
import enum
import re
from collections import defaultdict
from dataclasses import dataclass

from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.python.apps import PythonApp, python_apps
from pytest_kabul.project.python.modules import parse
from pytest_kabul.project.python.settings.classes import SettingsClass, settings_classes
from pytest_kabul.project.python.settings.envreads import EnvRead, env_reads
from pytest_kabul.project.python.settings.readsites import ReadKind

CONFIG_STEMS = frozenset(
    {"config", "configs", "settings", "conf", "configuration", "env", "envs", "environment"}
    | {"constants", "consts", "_config", "_settings", "app_config", "app_settings"}
)
CONFIG_DIRS = frozenset({"config", "configs", "settings", "conf", "configuration"})
FROM_ENV = frozenset(
    {"from_env", "from_environ", "from_environment", "load_from_env", "from_os_env", "load"}
)
ROUTE_RE = re.compile(
    r"@\w+\.(get|post|put|patch|delete|route|websocket)\(|\b(FastAPI|APIRouter|Flask|Starlette)\("
)
PLAIN_MIN_READS = 5  # an un-hinted module needs this many top-level reads to be a layer
DYNACONF_RE = re.compile(r"\b(Dynaconf|LazySettings)\(")


class LayerKind(enum.Enum):
    PYDANTIC_SETTINGS = "pydantic-settings class"
    TYPED_CLASS = "typed configuration class"
    STARLETTE = "starlette Config module"
    DECOUPLE = "python-decouple module"
    ENVIRONS = "environs module"
    DJANGO_ENVIRON = "django-environ module"
    DYNACONF = "dynaconf settings module"
    PLAIN = "plain configuration module"


@dataclass(frozen=True, order=True)
class SettingsLayer:
    app: str
    path: str
    line: int
    name: str  # the class name, or the module path for a module layer
    kind: LayerKind
    typed: bool
    variables: tuple[str, ...]
    scope: tuple[str, ...]  # files whose reads belong to the layer
    span: tuple[int, int] | None = None  # the class's lines when only one class is the layer
    prefix: str = ""  # dynaconf envvar prefix ("DYNACONF_"): every name under it is accepted

    @property
    def label(self) -> str:
        where = self.path if self.name == self.path else f"{self.name} in {self.path}"
        return f"{where} ({self.kind.value})"

    def holds(self, read: EnvRead) -> bool:
        if read.path not in self.scope:
            return False
        return self.span is None or self.span[0] <= read.line <= self.span[1]

    def declares(self, variable: str) -> bool:
        return variable in self.variables or bool(self.prefix and variable.startswith(self.prefix))


def is_config_path(rel_to_app: str) -> bool:
    """``config.py``, ``core/settings.py``, ``configs/db.py``, ``config/__init__.py``…"""
    parts = rel_to_app.split("/")
    stem = parts[-1].removesuffix(".py")
    if (stem == "env" and "alembic" in parts[:-1]) or "migrations" in parts[:-1]:
        return False  # alembic's env.py is the migration environment, not configuration
    return (
        stem in CONFIG_STEMS
        or stem.endswith(("_config", "_settings", "_conf"))
        or any(p in CONFIG_DIRS for p in parts[:-1])
    )


def _declarative(read: EnvRead) -> bool:
    """A read at module level or in a class body: a constant gathered at import."""
    return read.function is None


def _kind_of(reads: list[EnvRead], text: str) -> LayerKind:
    kinds = [r.kind for r in reads]
    if kinds.count(ReadKind.STARLETTE) * 2 >= len(kinds):
        return LayerKind.STARLETTE
    if kinds.count(ReadKind.DECOUPLE) * 2 >= len(kinds):
        return LayerKind.DECOUPLE
    if kinds.count(ReadKind.ENV_OBJECT) * 2 >= len(kinds):
        return LayerKind.ENVIRONS if "environs" in text else LayerKind.DJANGO_ENVIRON
    return LayerKind.PLAIN


def _names(reads: list[EnvRead]) -> tuple[str, ...]:
    return tuple(sorted({n for r in reads for n in r.names}))


def _assign_count(tree: ast.Module) -> int:
    return sum(
        1
        for s in tree.body
        if isinstance(s, ast.Assign | ast.AnnAssign)
        and not (isinstance(s.value, ast.Call) and _reader_instance(s.value))
    )


def _reader_instance(call: ast.Call) -> bool:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in ("Config", "AutoConfig", "Env", "Dynaconf", "LazySettings", "RepositoryEnv")


def _typed_classes(
    tree: ast.Module, reads: list[EnvRead]
) -> list[tuple[ast.ClassDef, bool, list[EnvRead]]]:
    """Classes filled from the environment: (class, typed, the reads inside it)."""
    out: list[tuple[ast.ClassDef, bool, list[EnvRead]]] = []
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        end = node.end_lineno or node.lineno
        inside = [r for r in reads if node.lineno <= r.line <= end]
        if not inside:
            continue
        annotated = assigned = 0
        for stmt in node.body:
            lines = range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1)
            if not any(r.line in lines for r in inside):
                continue
            if isinstance(stmt, ast.AnnAssign):
                annotated += 1
            elif isinstance(stmt, ast.Assign):
                assigned += 1
            elif (
                isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef)
                and stmt.name in FROM_ENV
                and sum(1 for r in inside if r.line in lines) >= 2
            ):
                annotated += 2
        if annotated >= 2:
            out.append((node, True, inside))
        elif assigned >= 3:
            out.append((node, False, inside))
    return out


def _module_layers(
    project: Project, app: PythonApp, path: str, reads: list[EnvRead]
) -> list[SettingsLayer]:
    text = project.read_text(path) or ""
    tree = parse(project, path)
    if tree is None:
        return []
    hinted = is_config_path(app.rel(path))
    out: list[SettingsLayer] = []
    if DYNACONF_RE.search(text):
        prefix = re.search(r"envvar_prefix\s*=\s*[\"']([A-Za-z0-9_]+)[\"']", text)
        out.append(
            SettingsLayer(
                app.name,
                path,
                1,
                path,
                LayerKind.DYNACONF,
                False,
                _names(reads),
                (path,),
                prefix=f"{prefix.group(1) if prefix else 'DYNACONF'}_",
            )
        )
        return out
    real = [r for r in reads if not r.is_write]
    classes = _typed_classes(tree, real)
    in_classes = {id(r) for _c, _t, inside in classes for r in inside}
    declarative = [r for r in real if _declarative(r) and id(r) not in in_classes]
    whole = hinted or sum(len(i) for _c, _t, i in classes) * 2 >= len(real)
    for node, typed, inside in classes:
        out.append(
            SettingsLayer(
                app.name,
                path,
                node.lineno,
                node.name,
                LayerKind.TYPED_CLASS if typed else LayerKind.PLAIN,
                typed,
                _names(real if whole else inside),
                (path,),
                None if whole else (node.lineno, node.end_lineno or node.lineno),
            )
        )
    if out:
        return out
    definitions = sum(
        1 for s in tree.body if isinstance(s, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
    )
    shaped = (  # under any name: almost only constants read from the environment
        len(declarative) >= PLAIN_MIN_READS
        and len(declarative) * 5 >= _assign_count(tree) * 3
        and definitions <= 2
        and not ROUTE_RE.search(text)
    )
    # A configuration-named module counts with accessor functions too (``def redis_url():``).
    if not shaped and not (hinted and sum(1 for r in real if r.resolved) >= 2):
        return []
    declarative = declarative or real
    return [
        SettingsLayer(
            app.name,
            path,
            min(r.line for r in declarative),
            path,
            _kind_of(declarative, text),
            False,
            _names(real),
            (path,),
        )
    ]


def _class_layer(app: PythonApp, cls: SettingsClass) -> SettingsLayer:
    folder = cls.path.rsplit("/", 1)[0] if "/" in cls.path else ""
    scope = [cls.path]
    if folder and folder.rsplit("/", 1)[-1] in CONFIG_DIRS:
        scope += [p for p in app.runtime_files if p.startswith(folder + "/")]
    names = {n for f in cls.fields for n in f.env_names}
    return SettingsLayer(
        cls.app,
        cls.path,
        cls.line,
        cls.name,
        LayerKind.PYDANTIC_SETTINGS,
        True,
        tuple(sorted(names)),
        tuple(sorted(set(scope))),
    )


@facet
def settings_layers(project: Project) -> tuple[SettingsLayer, ...]:
    """Every settings layer of every Python app (test code excluded), sorted."""
    by_file: dict[tuple[str, str], list[EnvRead]] = defaultdict(list)
    for read in env_reads(project):
        if not read.test_code and not read.in_settings:
            by_file[(read.app, read.path)].append(read)
    out: list[SettingsLayer] = []
    apps = {app.name: app for app in python_apps(project)}
    for cls in settings_classes(project):
        if not cls.test_code and cls.app in apps:
            out.append(_class_layer(apps[cls.app], cls))
    taken = {(layer.app, p) for layer in out for p in layer.scope}
    for (app_name, path), reads in sorted(by_file.items()):
        if (app_name, path) in taken or app_name not in apps:
            continue
        out.extend(_module_layers(project, apps[app_name], path, reads))
    return tuple(sorted(out))


def layers_of(project: Project, app: str) -> tuple[SettingsLayer, ...]:
    return tuple(layer for layer in settings_layers(project) if layer.app == app)


def holding_layer(layers: tuple[SettingsLayer, ...], read: EnvRead) -> SettingsLayer | None:
    return next((layer for layer in layers if layer.holds(read)), None)


def declaring_layer(layers: tuple[SettingsLayer, ...], variable: str) -> SettingsLayer | None:
    """The layer that declares ``variable``: typed layers first."""
    ordered = sorted(layers, key=lambda layer: (not layer.typed, layer.path, layer.line))
    return next((layer for layer in ordered if layer.declares(variable)), None)
