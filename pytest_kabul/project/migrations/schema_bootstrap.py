"""How the app builds its schema: ``metadata.create_all`` calls, guarded or not, and
``alembic.command.upgrade`` called from the app's own code (a lifespan or startup hook).

``create_all`` counts in every spelling: ``Base.metadata.create_all(engine)``,
``SQLModel.metadata.create_all(engine)``, ``await conn.run_sync(Base.metadata.create_all)``.
It is *guarded* when an enclosing ``if`` / conditional expression tests an environment or
settings value (``settings.ENVIRONMENT``, ``os.getenv("APP_ENV")``, ``DEBUG``, ``is_production``),
or when the same function returns early under such a test before reaching it. Read from the
AST only; the app is never imported.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.python.apps import python_apps

_ENV_WORDS = re.compile(
    r"env|environ|stage|prod|debug|testing|development|dev\b|local|settings|config|mode|"
    r"create_tables|create_all|auto_create|bootstrap",
    re.IGNORECASE,
)

_STARTUP = re.compile(
    r"lifespan|startup|on_start|asynccontextmanager|on_event|create_app|app_factory",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CreateAll:
    path: str
    line: int
    guarded: bool  # inside a branch on an environment/settings value
    app_root: str


@dataclass(frozen=True)
class InAppUpgrade:
    """The app's own code calls ``alembic.command.upgrade`` (a lifespan/startup migration)."""

    path: str
    line: int
    app_root: str
    in_startup: bool  # inside a lifespan / startup hook / app factory, not a one-off script


@dataclass(frozen=True)
class SchemaBootstrap:
    create_all: tuple[CreateAll, ...]
    upgrades: tuple[InAppUpgrade, ...]

    def relies_on_migrations(self, app_root: str | None = None) -> bool:
        """True unless the app creates its schema unconditionally with ``create_all``."""
        calls = [c for c in self.create_all if app_root is None or c.app_root == app_root]
        return not any(not c.guarded for c in calls)

    def skips_create_all_in_production(self, source_dir: str | None = None) -> CreateAll | None:
        """The guarded ``create_all`` (of the app that ``source_dir`` belongs to, if given)."""
        guarded = [c for c in self.create_all if c.guarded]
        if source_dir is not None:
            own = [
                c
                for c in guarded
                if not c.app_root
                or not source_dir
                or source_dir == c.app_root
                or source_dir.startswith(c.app_root + "/")
                or c.app_root.startswith(source_dir + "/")
            ]
            guarded = own  # another app's create_all says nothing about this server
        return guarded[0] if guarded else None


def _is_create_all(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "create_all"


def _env_test(test: ast.expr) -> bool:
    for node in ast.walk(test):
        if isinstance(node, ast.Name) and _ENV_WORDS.search(node.id):
            return True
        if isinstance(node, ast.Attribute) and _ENV_WORDS.search(node.attr):
            return True
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and (_ENV_WORDS.search(node.value) or node.value.lower() in ("prod", "production"))
        ):
            return True
    return False


def _terminates(body: list[ast.stmt]) -> bool:
    return bool(body) and isinstance(body[-1], ast.Return | ast.Raise)


class SchemaFinder(ast.NodeVisitor):
    def __init__(self) -> None:
        self.guards: list[bool] = [False]
        self.early_exit: list[bool] = [False]
        self.found: list[tuple[int, bool]] = []
        self.upgrades: list[tuple[int, bool]] = []
        self.alembic_command_names: set[str] = set()
        self.startup: list[bool] = [False]

    def _guarded(self) -> bool:
        return self.guards[-1] or self.early_exit[-1]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module == "alembic":
            for alias in node.names:
                if alias.name == "command":
                    self.alembic_command_names.add(alias.asname or "command")
        if node.module == "alembic.command":
            for alias in node.names:
                if alias.name == "upgrade":
                    self.alembic_command_names.add(f"={alias.asname or 'upgrade'}")

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.early_exit.append(False)
        self.guards.append(self.guards[-1])
        decorators = " ".join(ast.unparse(d) for d in node.decorator_list)
        hook = bool(_STARTUP.search(node.name) or _STARTUP.search(decorators))
        self.startup.append(self.startup[-1] or hook)
        for stmt in node.body:
            self.visit(stmt)
        self.startup.pop()
        self.guards.pop()
        self.early_exit.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._function(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._function(node)

    def visit_If(self, node: ast.If) -> None:
        env = _env_test(node.test)
        self.visit(node.test)
        self.guards.append(self.guards[-1] or env)
        for stmt in [*node.body, *node.orelse]:
            self.visit(stmt)
        self.guards.pop()
        if env and (_terminates(node.body) or _terminates(node.orelse)):
            self.early_exit[-1] = True

    def visit_IfExp(self, node: ast.IfExp) -> None:
        self.guards.append(self.guards[-1] or _env_test(node.test))
        self.generic_visit(node)
        self.guards.pop()

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if _is_create_all(node):
            self.found.append((node.lineno, self._guarded()))
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "upgrade":
            base = func.value
            if (isinstance(base, ast.Name) and base.id in self.alembic_command_names) or (
                isinstance(base, ast.Attribute)
                and base.attr == "command"
                and isinstance(base.value, ast.Name)
                and base.value.id == "alembic"
            ):
                self.upgrades.append((node.lineno, self.startup[-1]))
        if isinstance(func, ast.Name) and f"={func.id}" in self.alembic_command_names:
            self.upgrades.append((node.lineno, self.startup[-1]))
        self.generic_visit(node)


def scan_module(tree: ast.Module) -> tuple[list[tuple[int, bool]], list[tuple[int, bool]]]:
    """(create_all references with their guard flag, lines calling alembic's upgrade)."""
    finder = SchemaFinder()
    finder.visit(tree)
    return finder.found, finder.upgrades


@facet
def schema_bootstrap(project: Project) -> SchemaBootstrap:
    creates: list[CreateAll] = []
    upgrades: list[InAppUpgrade] = []
    for app in python_apps(project):
        for rel in app.runtime_files:
            text = project.read_text(rel)
            if text is None or ("create_all" not in text and "upgrade" not in text):
                continue
            if "/versions/" in rel or rel.endswith("/env.py"):
                continue  # migration scripts themselves
            tree = project.parse_python(rel)
            if tree is None:
                continue
            found, ups = scan_module(tree)
            creates.extend(CreateAll(rel, line, guarded, app.root) for line, guarded in found)
            upgrades.extend(InAppUpgrade(rel, line, app.root, hook) for line, hook in ups)
    return SchemaBootstrap(
        tuple(sorted(creates, key=lambda c: (c.path, c.line))),
        tuple(sorted(upgrades, key=lambda u: (u.path, u.line))),
    )
