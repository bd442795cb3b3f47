"""Which ``create_all`` / ``alembic.command.upgrade`` calls the app's start-up reaches.

A module is read into :class:`ModuleCalls`: its functions (each with the names it calls, whether
a call sits under an environment test, and the ``create_all`` / Alembic upgrades in its body),
its import-time code, its ``if __name__ == "__main__":`` block and the functions it registers as
start-up hooks (``FastAPI(lifespan=f)``, ``on_startup=[f]``, ``add_event_handler("startup", f)``).
:func:`reach` walks the calls from the roots a start path has (import-time code of the modules it
imports, lifespans and startup hooks, an app factory, a script's main block) across the modules
given, so a ``create_all`` in a CLI command, a seed/reset script or an unused helper never counts,
and an upgrade in a helper module called from the lifespan does. Read from the AST only, and
only of the modules whose calls can lead to such a call (:func:`_bearing`: a backward search by
name from the files that hold one).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass

from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.migrations.schema_bootstrap import SchemaFinder

_HOOK_NAME = re.compile(
    r"lifespan|startup|on_start|create_app|app_factory|make_app|build_app|init_app",
    re.IGNORECASE,
)
_HOOK_DECORATOR = re.compile(r"lifespan|on_event|startup|on_start", re.IGNORECASE)
_HOOK_KEYWORDS = frozenset({"lifespan", "on_startup"})
DATABASE_MODULES = frozenset(
    {"sqlalchemy", "sqlmodel", "alembic", "flask_sqlalchemy", "flask_migrate", "asyncpg",
     "psycopg", "psycopg2", "psycopg_pool", "aiopg", "databases", "pymysql", "aiomysql",
     "asyncmy", "MySQLdb"}
)  # fmt: skip


@dataclass(frozen=True)
class Function:
    path: str
    name: str  # "<module>" for import-time code, "<main>" for the ``__main__`` block
    hook: bool  # a lifespan / startup hook / app factory by its name or decorator
    calls: tuple[tuple[str, bool], ...]  # (called or passed name, under an environment test)
    creates: tuple[tuple[int, bool], ...]  # create_all (line, guarded)
    upgrades: tuple[int, ...]  # alembic.command.upgrade lines


@dataclass(frozen=True)
class ModuleCalls:
    path: str
    functions: tuple[Function, ...]
    module: Function
    main: Function | None
    hook_refs: frozenset[str]
    aliases: dict[str, str]  # ``from x import f as g``: g -> f
    database: bool  # imports SQLAlchemy / SQLModel / Alembic or a SQL driver


class _Calls(SchemaFinder):
    """The schema finder, also recording the names a body calls or passes on."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, bool]] = []
        self.hook_refs: set[str] = set()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        pass  # nested definitions are functions of their own

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        pass

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        pass

    def visit_Call(self, node: ast.Call) -> None:
        guarded = self._guarded()
        name = _name(node.func)
        if name:
            self.calls.append((name, guarded))
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            for sub in ast.walk(arg):
                ref = _name(sub) if isinstance(sub, ast.Name | ast.Attribute) else None
                if ref:
                    self.calls.append((ref, guarded))
        for keyword in node.keywords:
            if keyword.arg in _HOOK_KEYWORDS:
                self.hook_refs.update(_names(keyword.value))
        if name == "add_event_handler" and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and first.value == "startup":
                self.hook_refs.update(n for a in node.args[1:] for n in _names(a))
        super().visit_Call(node)


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _names(node: ast.AST) -> set[str]:
    out: set[str] = set()
    for sub in ast.walk(node):
        name = _name(sub)
        if name:
            out.add(name)
    return out


def _is_main_test(test: ast.expr) -> bool:
    return "__main__" in ast.unparse(test) and "__name__" in ast.unparse(test)


def _scan(
    path: str, name: str, body: list[ast.stmt], hook: bool, aliases: set[str]
) -> tuple[Function, set[str]]:
    finder = _Calls()
    finder.alembic_command_names.update(aliases)
    for stmt in body:
        finder.visit(stmt)
    function = Function(
        path=path,
        name=name,
        hook=hook,
        calls=tuple(sorted(set(finder.calls))),
        creates=tuple(finder.found),
        upgrades=tuple(line for line, _ in finder.upgrades),
    )
    return function, finder.hook_refs


def module_calls(path: str, tree: ast.Module) -> ModuleCalls:
    probe = SchemaFinder()
    aliases: dict[str, str] = {}
    database = False
    defs: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            defs.append(node)
        elif isinstance(node, ast.ImportFrom):
            probe.visit_ImportFrom(node)
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
            if node.module and node.module.split(".")[0] in DATABASE_MODULES:
                database = True
        elif isinstance(node, ast.Import) and any(
            a.name.split(".")[0] in DATABASE_MODULES for a in node.names
        ):
            database = True
    command_names = set(probe.alembic_command_names)
    functions: list[Function] = []
    refs: set[str] = set()
    for node in defs:
        decorators = " ".join(ast.unparse(d) for d in node.decorator_list)
        hook = bool(_HOOK_NAME.search(node.name) or _HOOK_DECORATOR.search(decorators))
        function, found = _scan(path, node.name, node.body, hook, command_names)
        functions.append(function)
        refs |= found
    top: list[ast.stmt] = []
    main_body: list[ast.stmt] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        if isinstance(stmt, ast.If) and _is_main_test(stmt.test):
            main_body.extend(stmt.body)
            continue
        top.append(stmt)
    module, found = _scan(path, "<module>", top, False, command_names)
    refs |= found
    main = None
    if main_body:
        main, found = _scan(path, "<main>", main_body, False, command_names)
    return ModuleCalls(path, tuple(functions), module, main, frozenset(refs), aliases, database)


def may_bootstrap(project: Project, rel: str, *, creates: bool = True) -> bool:
    """Whether a Python file can hold a ``create_all`` (the attribute names itself) or an
    Alembic upgrade call (``upgrade`` on ``alembic.command`` or a name imported from it: the
    file names both); a file that cannot is not walked for them."""
    if not rel.endswith(".py"):
        return False
    text = project.read_text(rel)
    if text is None:
        return False
    return (creates and "create_all" in text) or ("upgrade" in text and "alembic" in text)


def mentions(project: Project, rel: str, words: Iterable[str]) -> bool:
    """Whether a Python file's text holds one of ``words`` (a file that does not cannot hold
    the calls they name, and need not be parsed)."""
    if not rel.endswith(".py"):
        return False
    text = project.read_text(rel)
    return text is not None and any(word in text for word in words)


@facet
def _cache(project: Project) -> dict[str, ModuleCalls | None]:
    return {}


def calls_of(project: Project, rel: str) -> ModuleCalls | None:
    cache = _cache(project)
    if rel not in cache:
        tree = project.parse_python(rel, keep=False) if rel.endswith(".py") else None
        cache[rel] = module_calls(rel, tree) if tree is not None else None
    return cache[rel]


@dataclass(frozen=True)
class Reach:
    creates: tuple[tuple[str, int, bool], ...]  # (path, line, guarded) reached from start-up
    upgrades: tuple[tuple[str, int], ...]  # alembic upgrades reached from start-up
    database: bool  # a module in the set imports SQLAlchemy / SQLModel / Alembic


def reach(
    project: Project,
    files: Iterable[str],
    *,
    import_time: bool = True,
    scripts: Iterable[str] = (),
    factories: Iterable[str] = (),
) -> Reach:
    """What start-up reaches across ``files``: roots are their import-time code (when
    ``import_time``), their lifespans/startup hooks, ``factories`` by name and the main blocks of
    ``scripts`` (modules run as programs)."""
    names = sorted(set(files))
    modules = _bearing(project, names)
    by_name: dict[str, list[Function]] = {}
    aliases: dict[str, str] = {}
    hook_refs: set[str] = set(factories)
    for module in modules:
        aliases.update(module.aliases)
        hook_refs |= module.hook_refs
        for function in module.functions:
            by_name.setdefault(function.name, []).append(function)
    run_as_script = set(scripts)
    roots: list[tuple[Function, bool]] = []
    for module in modules:
        if import_time:
            roots.append((module.module, False))
        if module.main is not None and module.path in run_as_script:
            roots.append((module.main, False))
        roots.extend((f, False) for f in module.functions if f.hook or f.name in hook_refs)
    state: dict[int, tuple[Function, bool]] = {}
    todo = list(roots)
    while todo:
        function, guarded = todo.pop()
        known = state.get(id(function))
        if known is not None and (known[1] is False or guarded):
            continue
        state[id(function)] = (function, guarded)
        for name, under_test in function.calls:
            for target in by_name.get(aliases.get(name, name), ()):
                todo.append((target, guarded or under_test))
    creates: set[tuple[str, int, bool]] = set()
    upgrades: set[tuple[str, int]] = set()
    for function, guarded in state.values():
        creates.update((function.path, line, guarded or g) for line, g in function.creates)
        upgrades.update((function.path, line) for line in function.upgrades)
    return Reach(
        tuple(sorted(creates)),
        tuple(sorted(upgrades)),
        bool(creates or upgrades) or _database(project, names),
    )


def _database(project: Project, names: Iterable[str]) -> bool:
    """Whether one of the modules imports a database library (asked of those naming one)."""
    return any(
        module is not None and module.database
        for module in (
            calls_of(project, f) for f in names if mentions(project, f, DATABASE_MODULES)
        )
    )


def _bearing(project: Project, names: list[str]) -> list[ModuleCalls]:
    """The modules whose calls can lead to a ``create_all`` or an Alembic upgrade, in ``names``
    order: the walk of :func:`reach` over them finds what it would find over every module.

    Calls are matched by name, so the search runs backwards from the files that hold a
    bootstrap call (their text names it): a function reaches one only by calling, under its
    own name or an import alias, a function that does, so its file names that function. Each
    round parses the files naming a function found to reach a bootstrap call (or an alias of
    one), until no new name turns up. Files that name none cannot call one, register one as a
    hook or alias one (a start-up root there reaches nothing), and are never parsed.
    """
    parsed: dict[str, ModuleCalls | None] = {
        f: calls_of(project, f) for f in names if may_bootstrap(project, f)
    }
    searched: set[str] = set()
    while True:
        modules = [m for m in (parsed[f] for f in names if f in parsed) if m is not None]
        words = _bearing_names(modules) - searched
        if not words:
            return modules
        searched |= words
        # a use of the name, not its definition (``def __init__`` calls nothing)
        pattern = re.compile(r"(?<!def )\b(?:" + "|".join(map(re.escape, sorted(words))) + r")\b")
        for f in names:
            if f not in parsed and mentions(project, f, words):
                text = project.read_text(f) or ""
                if pattern.search(text):
                    parsed[f] = calls_of(project, f)


def _bearing_names(modules: list[ModuleCalls]) -> set[str]:
    """Names of the functions that reach a bootstrap call across ``modules``, and the import
    aliases standing for them."""
    aliases: dict[str, str] = {}
    for module in modules:
        aliases.update(module.aliases)
    functions = [f for m in modules for f in m.functions]
    found = {f.name for f in functions if f.creates or f.upgrades}
    grew = True
    while grew:
        grew = False
        for function in functions:
            if function.name not in found and any(
                aliases.get(name, name) in found for name, _ in function.calls
            ):
                found.add(function.name)
                grew = True
    return found | {alias for alias, target in aliases.items() if target in found}
