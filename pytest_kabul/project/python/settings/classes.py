"""pydantic-settings classes of every Python app, found by AST (never imported).

Public facet: ``settings_classes(project) -> tuple[SettingsClass, ...]`` — every class that
derives (directly, or through other classes of the same app, across modules) from
``pydantic_settings.BaseSettings`` (v2) or ``pydantic.BaseSettings`` / ``pydantic.v1`` (v1).
Each :class:`SettingsField` carries the environment names pydantic-settings would read for it
(``SettingsField.env_names``; upper-cased unless ``case_sensitive``), computed as the library
does: ``env_prefix`` + field name, or ``validation_alias`` / ``alias`` / ``AliasChoices`` /
``AliasPath`` (first element) without the prefix (v2; plus the name when ``populate_by_name``),
``Field(env=...)`` (v1), nested models as ``PARENT`` (JSON) and, with ``env_nested_delimiter``,
``PARENT<delim>CHILD``; inherited fields and config (v1 ``class Config``, v2 ``model_config =
SettingsConfigDict(...)`` or a dict). Per field: required or the *kind* of default (never the
value), the annotation text, whether a validator covers it, whether it is a ``SecretStr``.

Consumers: KAB201 (which env names a Settings class accepts), KAB202 (silent defaults), KAB203
(which fields are required), KAB251. Use :func:`accepted_env` to match a variable name.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from pytest_kabul.project.core import Project, facet, paused_gc
from pytest_kabul.project.python.apps import PythonApp, python_apps
from pytest_kabul.project.python.modules import (
    ConstEval,
    import_bindings,
    module_index,
    parse,
    top_level,
)
from pytest_kabul.project.python.settings.prefix import constant_prefix, helper_prefix
from pytest_kabul.project.python.settings.syntax import (
    SECRET_TYPES,
    DefaultKind,
    alias_names,
    annotation_names,
    collect_fields,
    config_of,
    default_kind,
    field_call,
    field_default,
)

__all__ = [
    "DefaultKind",
    "SettingsClass",
    "SettingsField",
    "accepted_env",
    "default_kind",
    "settings_classes",
]

V2_BASES = frozenset(
    {("pydantic_settings", "BaseSettings"), ("pydantic_settings.main", "BaseSettings")}
)
V1_BASES = frozenset({("pydantic", "BaseSettings"), ("pydantic.v1", "BaseSettings")})
MODEL_BASES = frozenset({("pydantic", "BaseModel"), ("pydantic.v1", "BaseModel")})


@dataclass(frozen=True)
class SettingsField:
    name: str
    env_names: tuple[str, ...]  # first is the primary name
    path: str  # where the field is declared (a base class may live in another module)
    line: int
    annotation: str
    default: DefaultKind
    validated: bool
    secret: bool
    nested: bool = False  # a field of a nested model (``PARENT__CHILD``)

    @property
    def required(self) -> bool:
        return self.default is DefaultKind.ABSENT

    @property
    def env_name(self) -> str:
        return self.env_names[0]


@dataclass(frozen=True)
class SettingsClass:
    app: str
    path: str
    name: str
    line: int
    version: int  # pydantic major version of the base
    env_prefix: str
    case_sensitive: bool
    env_nested_delimiter: str | None
    fields: tuple[SettingsField, ...]
    test_code: bool

    def field_for(self, variable: str) -> SettingsField | None:
        """The (top-level or nested) field that reads ``variable``, if any."""
        wanted = variable if self.case_sensitive else variable.upper()
        return next((f for f in self.fields if wanted in f.env_names), None)


def accepted_env(
    classes: tuple[SettingsClass, ...], variable: str
) -> tuple[SettingsClass, SettingsField] | None:
    for cls in classes:
        found = cls.field_for(variable)
        if found is not None:
            return cls, found
    return None


@dataclass
class _Class:
    path: str
    node: ast.ClassDef
    bases: list[tuple[str, str | None] | str]  # resolved import binding or local class name


class _Resolver:
    """Classes of one app, parsed lazily: only files that can hold a Settings class are read."""

    def __init__(self, project: Project, app: PythonApp) -> None:
        self.project = project
        self.app = app
        self.index = module_index(project, app)
        self.classes: dict[tuple[str, str], _Class] = {}  # (path, name)
        self.imports: dict[str, dict[str, tuple[str, str | None]]] = {}
        self._kind: dict[tuple[str, str], tuple[str, int] | None] = {}

    def load(self, path: str) -> None:
        if path in self.imports:
            return
        imports: dict[str, tuple[str, str | None]] = {}
        self.imports[path] = imports
        tree = parse(self.project, path)
        for stmt in top_level(tree.body if tree else []):
            if isinstance(stmt, ast.Import | ast.ImportFrom):
                imports.update(import_bindings(stmt, self.index, path))
            elif isinstance(stmt, ast.ClassDef):
                bases: list[tuple[str, str | None] | str] = []
                for base in stmt.bases:
                    if isinstance(base, ast.Name):
                        bases.append(imports.get(base.id, base.id))
                    elif isinstance(base, ast.Attribute) and isinstance(base.value, ast.Name):
                        bound = imports.get(base.value.id)
                        if bound is not None and bound[1] is None:
                            bases.append((bound[0], base.attr))
                        elif bound is not None:
                            bases.append((f"{bound[0]}.{bound[1]}", base.attr))
                self.classes[(path, stmt.name)] = _Class(path, stmt, bases)

    def settings(self) -> list[tuple[_Class, int]]:
        """Settings classes: files naming ``BaseSettings``, then (to a fixed point) files that
        name a Settings class found so far (subclasses in other modules)."""
        names = ["BaseSettings"]
        seen = set(names)
        while True:
            # A substring test first: far cheaper than a regex over every file.
            pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, names)) + r")\b")
            matched = [
                path
                for path in self.app.python_files
                if path not in self.imports
                and any(n in (text := self.project.read_text(path) or "") for n in names)
                and pattern.search(text)
            ]
            for path in matched:
                self.load(path)
            found = []
            for _key, cls in sorted(self.classes.items()):
                kind = self.kind(cls)
                if kind is not None and kind[0] == "settings":
                    found.append((cls, kind[1]))
            fresh = sorted({c.node.name for c, _v in found} - seen)
            if not fresh:
                return found
            seen.update(fresh)
            names = fresh

    def target(
        self, owner: str, base: tuple[str, str | None] | str, depth: int = 0
    ) -> _Class | None:
        if isinstance(base, str):
            return self.classes.get((owner, base))
        module, attr = base
        path = self.index.path_of(module)
        if attr is None or path is None or depth > 10:
            return None
        self.load(path)
        found = self.classes.get((path, attr))
        if found is not None:
            return found
        again = self._reexport(path, attr)  # ``from .config import Settings`` in an __init__
        return self.target(owner, again, depth + 1) if again is not None else None

    def _reexport(self, path: str, name: str) -> tuple[str, str | None] | None:
        self.load(path)
        return self.imports[path].get(name)

    def kind(self, cls: _Class, depth: int = 0) -> tuple[str, int] | None:
        """("settings"|"model", pydantic version) for a pydantic class, else None."""
        key = (cls.path, cls.node.name)
        if key in self._kind:
            return self._kind[key]
        self._kind[key] = None
        result: tuple[str, int] | None = None
        for base in cls.bases:
            if isinstance(base, tuple) and base in V2_BASES:
                result = ("settings", 2)
            elif isinstance(base, tuple) and base in V1_BASES:
                result = ("settings", 1)
            elif isinstance(base, tuple) and base in MODEL_BASES:
                result = result or ("model", 1 if base[0].endswith("v1") else 2)
            else:
                parent = self.target(cls.path, base)
                found = self.kind(parent, depth + 1) if parent is not None and depth < 20 else None
                if found is not None and (result is None or found[0] == "settings"):
                    result = found
            if result is not None and result[0] == "settings":
                break
        self._kind[key] = result
        return result

    def mro(self, cls: _Class) -> list[_Class]:
        """Base classes of the app first (so subclasses override), ``cls`` last."""
        out: list[_Class] = []
        seen: set[tuple[str, str]] = set()

        def visit(c: _Class, depth: int) -> None:
            for base in reversed(cls_bases(c)):
                parent = self.target(c.path, base)
                if parent is not None and depth < 20:
                    visit(parent, depth + 1)
            key = (c.path, c.node.name)
            if key not in seen:
                seen.add(key)
                out.append(c)

        def cls_bases(c: _Class) -> list[tuple[str, str | None] | str]:
            return c.bases

        visit(cls, 0)
        return out

    def build(self, cls: _Class, version: int) -> SettingsClass:
        chain = self.mro(cls)
        config: dict[str, object] = {}
        for c in chain:
            config.update(
                {
                    k: v
                    for k, v in config_of(c.node).items()
                    if v is not None or k == "env_nested_delimiter"
                }
            )
            dynamic = self._dynamic_prefix(c)
            if dynamic is not None:
                config["env_prefix"] = dynamic
        prefix = str(config.get("env_prefix") or "")
        sensitive = bool(config.get("case_sensitive", False))
        delimiter = config.get("env_nested_delimiter")
        delim = delimiter if isinstance(delimiter, str) and delimiter else None
        by_name = bool(config.get("populate_by_name") or config.get("validate_by_name"))
        target = str(config.get("env_prefix_target") or "variable")
        norm = (lambda s: s) if sensitive else str.upper
        fields = collect_fields([(c.path, c.node) for c in chain], version)
        out: list[SettingsField] = []
        for name, (path, stmt, validated) in fields.items():
            call = field_call(stmt)
            aliases = alias_names(call, version) if call is not None else None
            if aliases is not None and version == 2:
                names = [(prefix if target in ("alias", "all") else "") + a for a in aliases]
                if by_name:
                    names.append(prefix + name)
            elif aliases is not None:
                names = list(aliases)
            else:
                names = [(prefix if target in ("variable", "all") else "") + name]
            names = [norm(n) for n in names]
            default = field_default(stmt, version)
            secret = bool(annotation_names(stmt.annotation) & SECRET_TYPES)
            text = ast.unparse(stmt.annotation)
            out.append(
                SettingsField(
                    name,
                    tuple(dict.fromkeys(names)),
                    path,
                    stmt.lineno,
                    text,
                    default,
                    validated,
                    secret,
                )
            )
            model = self._model_of(path, stmt.annotation)
            if model is not None and delim:
                for child, (cpath, cstmt, cval) in collect_fields(
                    [(c.path, c.node) for c in self.mro(model)], version
                ).items():
                    cnames = tuple(norm(f"{n}{delim}{child}") for n in names)
                    ctext = ast.unparse(cstmt.annotation)
                    cdefault = field_default(cstmt, version)
                    csecret = bool(annotation_names(cstmt.annotation) & SECRET_TYPES)
                    out.append(
                        SettingsField(
                            f"{name}.{child}",
                            cnames,
                            cpath,
                            cstmt.lineno,
                            ctext,
                            cdefault,
                            cval,
                            csecret,
                            nested=True,
                        )
                    )
        return SettingsClass(
            app=self.app.name,
            path=cls.path,
            name=cls.node.name,
            line=cls.node.lineno,
            version=version,
            env_prefix=prefix,
            case_sensitive=sensitive,
            env_nested_delimiter=delim,
            fields=tuple(out),
            test_code=cls.path in set(self.app.test_files),
        )

    def _dynamic_prefix(self, c: _Class) -> str | None:
        """``env_prefix`` given by a constant name or a config helper call (not a literal)."""
        consts = ConstEval(self.project, self.index)
        for stmt in c.node.body:
            if isinstance(stmt, ast.ClassDef) and stmt.name == "Config":
                for inner in stmt.body:
                    if (
                        isinstance(inner, ast.Assign)
                        and any(
                            isinstance(t, ast.Name) and t.id == "env_prefix" for t in inner.targets
                        )
                        and not isinstance(inner.value, ast.Constant)
                    ):
                        return constant_prefix(consts, inner.value, c.path)
            value = stmt.value if isinstance(stmt, ast.Assign | ast.AnnAssign) else None
            targets = (
                stmt.targets
                if isinstance(stmt, ast.Assign)
                else [stmt.target]
                if isinstance(stmt, ast.AnnAssign)
                else []
            )
            if not isinstance(value, ast.Call) or not any(
                isinstance(t, ast.Name) and t.id == "model_config" for t in targets
            ):
                continue
            given = next((k.value for k in value.keywords if k.arg == "env_prefix"), None)
            if given is not None and not isinstance(given, ast.Constant):
                return constant_prefix(consts, given, c.path)
            name = value.func.id if isinstance(value.func, ast.Name) else None
            if given is None and name not in (None, "SettingsConfigDict", "ConfigDict", "dict"):
                return helper_prefix(self.project, self.index, c.path, value)
        for kw in c.node.keywords:
            if kw.arg == "env_prefix" and not isinstance(kw.value, ast.Constant):
                return constant_prefix(consts, kw.value, c.path)
        return None

    def _model_of(self, path: str, annotation: ast.expr) -> _Class | None:
        self.load(path)
        imports = self.imports[path]
        for name in sorted(annotation_names(annotation)):
            found = self.target(path, imports.get(name, name))
            if found is not None and self.kind(found) is not None:
                return found
        return None


@facet
def settings_classes(project: Project) -> tuple[SettingsClass, ...]:
    """Every pydantic-settings class of every Python app, sorted by (app, path, line)."""
    with paused_gc():
        found: list[SettingsClass] = []
        for app in python_apps(project):
            resolver = _Resolver(project, app)
            for cls, version in resolver.settings():
                try:
                    found.append(resolver.build(cls, version))
                except RecursionError:
                    project.problem(
                        cls.path, f"class {cls.node.name} is nested too deeply to analyse"
                    )
        return tuple(sorted(found, key=lambda c: (c.app, c.path, c.line)))
