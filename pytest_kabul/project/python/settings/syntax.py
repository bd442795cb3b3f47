"""AST helpers for :mod:`.classes` (settings classes): defaults, config, aliases, fields.

Pure functions over one class body; nothing here resolves imports or reads files.
"""

from __future__ import annotations

import ast
import enum

FIELD_VALIDATORS = frozenset({"field_validator", "validator"})
MODEL_VALIDATORS = frozenset({"model_validator", "root_validator"})
SECRET_TYPES = frozenset({"SecretStr", "SecretBytes"})


class DefaultKind(enum.Enum):
    """What a setting or an environment read falls back to — never the value itself."""

    ABSENT = "absent"  # required field / a read that raises when the variable is missing
    NONE = "none"
    EMPTY = "empty string"
    LITERAL = "literal"
    EXPRESSION = "expression"


def default_kind(node: ast.expr | None) -> DefaultKind:
    if node is None:
        return DefaultKind.ABSENT
    if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
        node = node.operand
    if isinstance(node, ast.Constant):
        if node.value is None:
            return DefaultKind.NONE
        if node.value in ("", b""):
            return DefaultKind.EMPTY
        return DefaultKind.ABSENT if node.value is Ellipsis else DefaultKind.LITERAL
    return DefaultKind.EXPRESSION


def annotation_names(node: ast.expr | None) -> set[str]:
    if node is None:
        return set()
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | {
        n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)
    }


def call_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _const(node: ast.expr | None) -> object:
    return node.value if isinstance(node, ast.Constant) else None


def config_of(node: ast.ClassDef) -> dict[str, object]:
    out: dict[str, object] = {}
    for stmt in node.body:
        if isinstance(stmt, ast.ClassDef) and stmt.name == "Config":
            for inner in stmt.body:
                if isinstance(inner, ast.Assign | ast.AnnAssign):
                    targets = inner.targets if isinstance(inner, ast.Assign) else [inner.target]
                    for t in targets:
                        if isinstance(t, ast.Name):
                            out[t.id] = _const(inner.value)
        targets = (
            stmt.targets
            if isinstance(stmt, ast.Assign)
            else [stmt.target]
            if isinstance(stmt, ast.AnnAssign)
            else []
        )
        value = stmt.value if isinstance(stmt, ast.Assign | ast.AnnAssign) else None
        if any(isinstance(t, ast.Name) and t.id == "model_config" for t in targets):
            if isinstance(value, ast.Call):
                out.update({k.arg: _const(k.value) for k in value.keywords if k.arg})
            elif isinstance(value, ast.Dict):
                for k, v in zip(value.keys, value.values, strict=True):
                    if isinstance(k, ast.Constant) and isinstance(k.value, str):
                        out[k.value] = _const(v)
    # pydantic v2 also takes config as class keywords: ``class S(BaseSettings, env_prefix=...)``
    out.update({k.arg: _const(k.value) for k in node.keywords if k.arg and k.arg != "metaclass"})
    return out


def alias_names(call: ast.Call, version: int) -> list[str] | None:
    """Names from ``Field(validation_alias=/alias=/env=)``; None when the field name is used."""
    kw = {k.arg: k.value for k in call.keywords if k.arg}
    if version == 1:
        env = kw.get("env")
        if isinstance(env, ast.Constant) and isinstance(env.value, str):
            return [env.value]
        if isinstance(env, ast.List | ast.Tuple | ast.Set):
            return [str(e.value) for e in env.elts if isinstance(e, ast.Constant)]
        return None
    alias = kw.get("validation_alias", kw.get("alias"))
    if alias is None:
        return None
    if isinstance(alias, ast.Constant) and isinstance(alias.value, str):
        return [alias.value]
    if isinstance(alias, ast.Call) and call_name(alias) in ("AliasChoices", "AliasPath"):
        choices = alias.args if call_name(alias) == "AliasChoices" else alias.args[:1]
        names: list[str] = []
        for choice in choices:
            if isinstance(choice, ast.Call) and choice.args:
                choice = choice.args[0]  # AliasPath("A", 0) inside AliasChoices
            if isinstance(choice, ast.Constant) and isinstance(choice.value, str):
                names.append(choice.value)
        return names
    return None


def field_call(stmt: ast.AnnAssign) -> ast.Call | None:
    """The ``Field(...)`` of a field: its value, or inside ``Annotated[X, Field(...)]``."""
    if isinstance(stmt.value, ast.Call) and call_name(stmt.value) == "Field":
        return stmt.value
    annotation = stmt.annotation
    if isinstance(annotation, ast.Subscript) and call_name(annotation.value) == "Annotated":
        inner = annotation.slice
        for item in inner.elts if isinstance(inner, ast.Tuple) else [inner]:
            if isinstance(item, ast.Call) and call_name(item) == "Field":
                return item
    return None


def field_default(stmt: ast.AnnAssign, version: int) -> DefaultKind:
    value = stmt.value
    if isinstance(value, ast.Call) and call_name(value) == "Field":
        kw = {k.arg: k.value for k in value.keywords if k.arg}
        if "default_factory" in kw:
            return DefaultKind.EXPRESSION
        value = value.args[0] if value.args else kw.get("default")
    kind = default_kind(value)
    optional = "None" in ast.unparse(stmt.annotation) or "Optional" in ast.unparse(stmt.annotation)
    if kind is DefaultKind.ABSENT and version == 1 and optional and stmt.value is None:
        return DefaultKind.NONE  # pydantic v1: Optional[X] without a default defaults to None
    return kind


def collect_fields(
    chain: list[tuple[str, ast.ClassDef]], version: int = 2
) -> dict[str, tuple[str, ast.AnnAssign, bool]]:
    """Fields in definition order (base classes first), each with whether a validator covers it.

    pydantic v1 also makes an un-annotated ``name = value`` a field (its type is inferred).
    """
    fields: dict[str, tuple[str, ast.AnnAssign]] = {}
    named: set[str] = set()
    whole: set[str] = set()  # names mentioned by model validators
    for path, node in chain:
        for stmt in node.body:
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                name = stmt.target.id
                if (
                    not name.startswith("_")
                    and name != "model_config"
                    and "ClassVar" not in ast.unparse(stmt.annotation)
                ):
                    fields[name] = (path, stmt)
            elif (
                version == 1
                and isinstance(stmt, ast.Assign)
                and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)
                and not stmt.targets[0].id.startswith("_")
            ):
                fields[stmt.targets[0].id] = (path, _as_annotated(stmt, stmt.targets[0]))
            elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                for deco in stmt.decorator_list:
                    called = call_name(deco)
                    if called in FIELD_VALIDATORS and isinstance(deco, ast.Call):
                        named.update(str(a.value) for a in deco.args if isinstance(a, ast.Constant))
                    elif called in MODEL_VALIDATORS:
                        for n in ast.walk(stmt):
                            if isinstance(n, ast.Attribute):
                                whole.add(n.attr)
                            elif isinstance(n, ast.Constant) and isinstance(n.value, str):
                                whole.add(n.value)
    return {
        name: (path, stmt, name in named or "*" in named or name in whole)
        for name, (path, stmt) in fields.items()
    }


def _as_annotated(stmt: ast.Assign, target: ast.Name) -> ast.AnnAssign:
    node = ast.AnnAssign(target=target, annotation=ast.Name("Any"), value=stmt.value, simple=1)
    return ast.copy_location(node, stmt)
