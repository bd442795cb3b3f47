"""Values the project keeps that may be secrets, so reports can mask them (``redact.py``).

Facet ``seen_values(project) -> frozenset[str]``: the values of every ``.env``-style file in the
tree (``.env``, ``.env.production``, ``prod.env`` …), of every compose ``environment:`` the
compose models resolved, and the string defaults of Settings classes (only when that facet was
built: a frontend-only run never parses Python for this). A value joins when it could be a
secret (:func:`pytest_kabul.redact.could_be_secret`): ``true``, ``8000`` or ``postgres`` do not.
These values are never printed; they only feed the redactor.
"""

from __future__ import annotations

import ast

from pytest_kabul.project.compose.interpolate import parse_dotenv
from pytest_kabul.project.compose.load import compose_models
from pytest_kabul.project.core import Project
from pytest_kabul.project.python.settings.classes import settings_classes
from pytest_kabul.project.python.stmtwalk import statements
from pytest_kabul.redact import could_be_secret, looks_secret_name


def _is_env_file(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return name == ".env" or name.startswith(".env.") or name.endswith(".env")


def _keep(name: str, value: str | None, out: set[str]) -> None:
    if value and could_be_secret(value, named_secret=looks_secret_name(name)):
        out.add(value.strip())


def seen_values(project: Project) -> frozenset[str]:
    """Not a facet: called once the checks built what they needed (see module docstring)."""
    values: set[str] = set()
    for rel in project.files:
        if _is_env_file(rel):
            text = project.read_text(rel)
            for name, value in parse_dotenv(text or "").items():
                _keep(name, value, values)
    for model in compose_models(project):
        for service in model.services.values():
            for name, env_value in service.environment.items():
                _keep(name, env_value, values)
    if project.built(settings_classes):
        for cls in settings_classes(project):
            values.update(_settings_defaults(project, cls.path, cls.name, cls.line))
    return frozenset(values)


def _settings_defaults(project: Project, path: str, name: str, line: int) -> set[str]:
    tree = project.parse_python(path)
    out: set[str] = set()
    if tree is None:
        return out
    for node in statements(tree):
        if isinstance(node, ast.ClassDef) and node.name == name and node.lineno == line:
            for stmt in node.body:
                target: ast.expr | None = None
                if isinstance(stmt, ast.AnnAssign):
                    target = stmt.target
                if isinstance(stmt, ast.Assign) and stmt.targets:
                    target = stmt.targets[0]
                field = target.id if isinstance(target, ast.Name) else ""
                value = getattr(stmt, "value", None)
                if isinstance(value, ast.Call):  # Field("x", ...) / Field(default="x")
                    keywords = {k.arg: k.value for k in value.keywords if k.arg}
                    value = value.args[0] if value.args else keywords.get("default")
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    _keep(field, value.value, out)
    return out
