"""Resolve a Python expression of a project file to a literal string, statically.

Used for names such as Celery queue names: ``"emails"``, ``f"{PREFIX}.slow"``, a module
constant (also one imported from another first-party module: ``from app.queues import
EMAILS``), a class attribute (``Queues.EMAILS``, ``config.DEFAULT_QUEUE``), a settings field's
literal default, and an environment read with a literal default (``os.getenv("Q", "celery")``:
the default, which is what runs unless the deployment sets the variable). Anything else (a
call, a computed value) is unresolvable: ``resolve`` returns None and the caller must say it
cannot judge. Never used for secret values.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.python.apps import PythonApp
from pytest_kabul.project.python.settings.defaults import literal_default
from pytest_kabul.project.python.settings.syntax import call_name
from pytest_kabul.project.python.stmtwalk import statements

_MAX_DEPTH = 6
_ENV_READS = frozenset({"getenv", "get"})


@dataclass
class StringResolver:
    """Resolves expressions of one app's files (module constants cached per file)."""

    project: Project
    app: PythonApp
    _module_names: dict[str, dict[str, ast.expr]] = field(default_factory=dict)

    def resolve(self, node: ast.expr | None, rel: str, depth: int = 0) -> str | None:
        if node is None or depth > _MAX_DEPTH:
            return None
        if isinstance(node, ast.Constant):
            return node.value if isinstance(node.value, str) else None
        if isinstance(node, ast.JoinedStr):
            parts: list[str] = []
            for value in node.values:
                inner = value.value if isinstance(value, ast.FormattedValue) else value
                text = self.resolve(inner, rel, depth + 1)
                if text is None:
                    return None
                parts.append(text)
            return "".join(parts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left = self.resolve(node.left, rel, depth + 1)
            right = self.resolve(node.right, rel, depth + 1)
            return left + right if left is not None and right is not None else None
        if isinstance(node, ast.Name):
            return self._name(node.id, rel, depth)
        if isinstance(node, ast.Attribute):
            if node.attr == "value":  # an enum member's value
                return self.resolve(node.value, rel, depth + 1)
            return self._attribute(node.attr, depth)
        if isinstance(node, ast.Call) and call_name(node) in _ENV_READS:
            default = node.args[1] if len(node.args) > 1 else None
            default = default or next((k.value for k in node.keywords if k.arg == "default"), None)
            return self.resolve(default, rel, depth + 1) if default is not None else None
        return None

    def module_names(self, rel: str) -> dict[str, ast.expr]:
        """Module-level ``NAME = expr`` of a file (the last assignment wins)."""
        if rel not in self._module_names:
            found: dict[str, ast.expr] = {}
            tree = self.project.parse_python(rel)
            for stmt in tree.body if tree else ():
                if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                    target: ast.expr = stmt.targets[0]
                    value: ast.expr | None = stmt.value
                elif isinstance(stmt, ast.AnnAssign):
                    target, value = stmt.target, stmt.value
                else:
                    continue
                if isinstance(target, ast.Name) and value is not None:
                    found[target.id] = value
            self._module_names[rel] = found
        return self._module_names[rel]

    def _name(self, name: str, rel: str, depth: int) -> str | None:
        local = self.module_names(rel).get(name)
        if local is not None:
            return self.resolve(local, rel, depth + 1)
        source = self._imported_from(name, rel)
        if source is not None:
            return self._name(source[1], source[0], depth + 1)
        return None

    def _imported_from(self, name: str, rel: str) -> tuple[str, str] | None:
        tree = self.project.parse_python(rel)
        for stmt in tree.body if tree else ():
            if not isinstance(stmt, ast.ImportFrom) or (stmt.module is None and not stmt.level):
                continue
            for alias in stmt.names:
                if (alias.asname or alias.name) != name:
                    continue
                target = self._module_file(stmt.module or "", stmt.level, rel)
                if target is not None:
                    return target, alias.name
        return None

    def _module_file(self, module: str, level: int, rel: str) -> str | None:
        path = module.replace(".", "/")
        if level:
            base = rel.rsplit("/", 1)[0] if "/" in rel else ""
            for _ in range(level - 1):
                base = base.rsplit("/", 1)[0] if "/" in base else ""
            stems = [f"{base}/{path}" if base else path]
        else:
            stems = [self.app.path(path), self.app.path(f"src/{path}")]
            stems += [f for f in self._suffix_dirs(path)]
        for stem in stems:
            for candidate in (f"{stem.rstrip('/')}.py", f"{stem.rstrip('/')}/__init__.py"):
                if candidate in self.project.files:
                    return candidate
        return None

    def _suffix_dirs(self, path: str) -> list[str]:
        """``app/queues`` imported from a sub-folder root (``WORKDIR /srv/backend``)."""
        tail = f"/{path}.py"
        return sorted(f[: -len(".py")] for f in self.app.runtime_files if f.endswith(tail))

    def _attribute(self, attr: str, depth: int) -> str | None:
        default = literal_default(self.project, attr)
        if default is not None:
            return default
        found = self.class_attrs(attr)
        values = {self.resolve(expr, rel, depth + 1) for rel, expr in found}
        if len(values) == 1:
            return values.pop()
        return None

    def class_attrs(self, name: str) -> list[tuple[str, ast.expr]]:
        """``name = expr`` in class bodies of the app's runtime files. Only files whose text
        holds the name and a class are parsed; found once per app and name."""
        cache = _class_attrs(self.project).setdefault(self.app.name, {})
        if name not in cache:
            found: list[tuple[str, ast.expr]] = []
            for rel in self.app.runtime_files:
                text = self.project.read_text(rel)
                if text is None or name not in text or "class" not in text:
                    continue
                tree = self.project.parse_python(rel)
                for node in statements(tree) if tree else ():
                    if not isinstance(node, ast.ClassDef):
                        continue
                    for stmt in node.body:
                        target = (
                            stmt.targets[0]
                            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                            else stmt.target
                            if isinstance(stmt, ast.AnnAssign)
                            else None
                        )
                        value = stmt.value if isinstance(stmt, ast.Assign | ast.AnnAssign) else None
                        if isinstance(target, ast.Name) and target.id == name and value is not None:
                            found.append((rel, value))
            cache[name] = found
        return cache[name]


@facet
def _class_attrs(project: Project) -> dict[str, dict[str, list[tuple[str, ast.expr]]]]:
    """Per app, per attribute name: the class-body assignments found so far."""
    return {}
