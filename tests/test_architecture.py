"""The package's import rules (DESIGN.md section 2), checked on the source so they stay true.

- no import circle between modules of ``pytest_kabul`` (imports under ``if TYPE_CHECKING:`` do
  not count; imports inside functions do);
- no module imports another module's private (``_name``) names;
- ``services/`` imports nothing of the package but ``errors.py`` and itself;
- ``checks/``, ``project/``, ``live/`` and ``services/`` never import pytest;
- every check module is named after its check, and the one shell model is the only one.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pytest_kabul.registry import all_checks

PACKAGE = Path(__file__).resolve().parents[1] / "pytest_kabul"


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the imported module (resolved to a module of the package when it is one)
    name: str | None  # the imported name for ``from target import name``
    line: int


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
            if name == "TYPE_CHECKING":
                lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return lines


def _imports(module: str) -> Iterator[Import]:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    type_only = _type_checking_lines(tree)
    for node in ast.walk(tree):
        if node.lineno in type_only if isinstance(node, ast.stmt) else False:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, None, node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                if submodule in MODULES:
                    yield Import(module, submodule, None, node.lineno)
                else:
                    yield Import(module, node.module, alias.name, node.lineno)


def _graph() -> dict[str, set[str]]:
    return {
        module: {i.target for i in _imports(module) if i.target in MODULES and i.target != module}
        for module in MODULES
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circles() -> None:
    assert _cycles(_graph()) == []


def test_no_module_imports_a_private_name_of_another() -> None:
    offenders = [
        f"{i.module}:{i.line} imports {i.target}.{i.name}"
        for module in MODULES
        for i in _imports(module)
        if i.target.startswith("pytest_kabul")
        and i.name is not None
        and i.name.startswith("_")
        and not i.name.startswith("__")
    ]
    assert offenders == []


def test_services_import_only_errors_and_themselves() -> None:
    offenders = [
        f"{i.module}:{i.line} imports {i.target}"
        for module in MODULES
        if module.startswith("pytest_kabul.services")
        for i in _imports(module)
        if i.target.startswith("pytest_kabul")
        and not i.target.startswith("pytest_kabul.services")
        and i.target != "pytest_kabul.errors"
    ]
    assert offenders == []


@pytest.mark.parametrize("layer", ["checks", "project", "live", "services"])
def test_lower_layers_never_import_pytest(layer: str) -> None:
    offenders = [
        f"{i.module}:{i.line} imports {i.target}"
        for module in MODULES
        if module.startswith(f"pytest_kabul.{layer}")
        for i in _imports(module)
        if i.target.split(".")[0] in {"pytest", "_pytest"}
    ]
    assert offenders == []


def test_every_check_module_is_named_after_its_check() -> None:
    for check in all_checks():
        path = PACKAGE.parent / check.source
        assert path.is_file(), check.source
        assert path.stem == check.name.replace("-", "_"), (check.code, check.source)


def test_one_server_command_model_and_one_shell_splitter() -> None:
    sources = {name: path.read_text(encoding="utf-8") for name, path in MODULES.items()}
    assert [n for n, text in sources.items() if "class ServerCommand" in text] == [
        "pytest_kabul.project.shell"
    ]
    assert [n for n, text in sources.items() if "shlex.shlex(" in text] == [
        "pytest_kabul.project.shell"
    ]
