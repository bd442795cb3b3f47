"""Discovery and loading of compose models (the implementation behind ``compose_models``).

Discovery, per directory holding compose files:

- *default* model: the first of ``compose.yaml``, ``compose.yml``, ``docker-compose.yml``,
  ``docker-compose.yaml`` plus the first override file (``compose.override.yml`` …), exactly
  what ``docker compose up`` picks; ``COMPOSE_FILE`` in the directory's ``.env`` replaces them.
- *production* model(s): base + each production override (``docker-compose.prod.yml``,
  ``docker-compose.production.yaml``, ``compose.prod.yaml``, ``production.yml``, ``prod.yml`` …);
  a production file without a base file is loaded alone when it defines ``services``; with an
  override file but no production file, the base file alone (the override-file convention:
  the override is for development, production runs ``docker compose -f <base>``).
- ``[tool.kabul] compose_files`` replaces discovery: those files are the production model (plus
  the default model of their directory).

Compose files under ``tests/``, ``examples/``, ``docs/`` or ``.devcontainer/`` are not
deployed stacks and are not discovered. Files pulled in only through another model's
``include:`` / ``extends: file:`` are not models of their own. Relative paths of ``-f`` files
resolve against the first file's directory, those of included/extended files against their own
directory (the compose specification's rule).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from pytest_kabul.model import Severity
from pytest_kabul.project.compose.build import Svc, build_service
from pytest_kabul.project.compose.discover import dir_of, join_dir, plans, read_env_file
from pytest_kabul.project.compose.interpolate import (
    Interpolator,
    Parsed,
    Partial,
    Reset,
    parse_compose_yaml,
)
from pytest_kabul.project.compose.model import ComposeModel
from pytest_kabul.project.compose.normalise import (
    merge,
    normalise_port,
    normalise_service,
    resolve_path,
    strip_tags,
)
from pytest_kabul.project.core import Project, facet, yaml_error

MAX_VALUES = 200_000


class _Shared:
    """State shared by every loader of one project run (parse cache, referenced files)."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.parsed: dict[str, Parsed | None] = {}
        self.referenced: set[str] = set()

    def parse(self, rel: str) -> Parsed | None:
        if rel not in self.parsed:
            self.parsed[rel] = self._parse(rel)
        return self.parsed[rel]

    def _parse(self, rel: str) -> Parsed | None:
        text = self.project.read_text(rel)
        if text is None:
            return None
        try:
            parsed = parse_compose_yaml(text)
            _check_size(parsed.data)
        except yaml.YAMLError as exc:
            self.project.problem(rel, f"invalid YAML: {yaml_error(exc)}", Severity.ERROR)
            return None
        except RecursionError:
            self.project.problem(rel, "invalid YAML: nested too deeply", Severity.ERROR)
            return None
        if parsed.data is not None and not isinstance(parsed.data, dict):
            self.project.problem(
                rel, "not a compose file: the top level is not a mapping", Severity.ERROR
            )
            return None
        return parsed


def _check_size(data: Any) -> None:
    """Aliases share objects; refuse documents that expand to too many values or recurse."""
    sizes: dict[int, int] = {}
    busy: set[int] = set()

    def size(value: Any) -> int:
        if not isinstance(value, dict | list):
            return 1
        key = id(value)
        if key in sizes:
            return sizes[key]
        if key in busy:
            raise yaml.YAMLError("recursive alias")
        busy.add(key)
        items = value.values() if isinstance(value, dict) else value
        total = 1 + sum(size(v) for v in items)
        busy.discard(key)
        if total > MAX_VALUES:
            raise yaml.YAMLError(f"expands to more than {MAX_VALUES} values (an anchor bomb?)")
        sizes[key] = total
        return total

    size(data)


class _Loader:
    """Loads the services of one compose invocation (a list of ``-f`` files)."""

    def __init__(self, shared: _Shared, directory: str, env: dict[str, str], unknown: set[str]):
        self.shared = shared
        self.project = shared.project
        self.directory = directory
        self.env = env
        self.interp = Interpolator(env)
        self.interp.unknown = unknown

    def load(self, files: tuple[str, ...], stack: tuple[str, ...] = ()) -> dict[str, Svc]:
        services: dict[str, Svc] = {}
        for rel in files:
            for name, svc in self._file(rel, stack).items():
                old = services.get(name)
                services[name] = svc if old is None else _merge_svc(old, svc)
        return services

    def _file(self, rel: str, stack: tuple[str, ...]) -> dict[str, Svc]:
        parsed = self.shared.parse(rel)
        if parsed is None or parsed.data is None:
            return {}
        data: dict[str, Any] = parsed.data
        services: dict[str, Svc] = {}
        includes = data.get("include") or []
        for entry in includes if isinstance(includes, list) else [includes]:
            services.update(self._include(rel, entry, (*stack, rel)))
        declared = data.get("services") or {}
        if not isinstance(declared, dict):
            self.project.problem(rel, "services: is not a mapping", Severity.ERROR)
            return services
        for name in declared:
            services[str(name)] = self._service(rel, str(name), self.directory, ())
        return services

    def _include(self, rel: str, entry: Any, stack: tuple[str, ...]) -> dict[str, Svc]:
        here = dir_of(rel)
        env_files: list[str] = []
        project_dir: str | None = None
        if isinstance(entry, dict):
            paths = entry.get("path")
            project_dir = entry.get("project_directory")
            raw_env = entry.get("env_file")
            env_files = [raw_env] if isinstance(raw_env, str) else list(raw_env or [])
        else:
            paths = entry
        path_list = [paths] if isinstance(paths, str) else paths
        if not isinstance(path_list, list) or not path_list:
            self.project.problem(rel, "include: an entry has no path", Severity.ERROR)
            return {}
        files = []
        for path in path_list:
            target = resolve_path(here, str(path))
            if self.project.is_outside(target):
                self.project.problem(rel, _outside("include", path), Severity.ERROR)
            elif not self.project.exists(target):
                self.project.problem(rel, f"include: {target} does not exist", Severity.ERROR)
            elif target in stack:
                self.project.problem(rel, f"include: {target} includes itself", Severity.ERROR)
            else:
                files.append(target)
        if not files:
            return {}
        self.shared.referenced.update(files)
        directory = resolve_path(here, str(project_dir)) if project_dir else dir_of(files[0])
        directory = "" if directory == "." else directory
        env_paths = [resolve_path(here, str(e)) for e in env_files] or [join_dir(directory, ".env")]
        env: dict[str, str] = {}
        for env_path in env_paths:
            if self.project.is_outside(env_path):
                self.project.problem(rel, _outside("include env_file", env_path), Severity.ERROR)
                continue
            env.update(read_env_file(self.project, env_path))
        sub = _Loader(self.shared, directory, {**env, **self.env}, self.interp.unknown)
        return sub.load(tuple(files), stack)

    def _service(self, rel: str, name: str, work_dir: str, stack: tuple[Any, ...]) -> Svc:
        parsed = self.shared.parse(rel)
        declared = (parsed.data or {}).get("services") if parsed else None
        raw = declared.get(name) if isinstance(declared, dict) else None
        line = parsed.service_lines.get(name) if parsed else None
        lines = parsed.key_lines.get(name, {}) if parsed else {}
        if raw is not None and not isinstance(raw, dict):
            self.project.problem(rel, f"services.{name} is not a mapping", Severity.ERROR)
            raw = None
        raw = self.interp.deep(raw or {})
        self._check_shapes(rel, name, raw, lines)
        data = normalise_service(raw, work_dir)
        svc = Svc({}, rel, line, {k: (rel, n) for k, n in lines.items()})
        extends = strip_tags(data.pop("extends", None))
        extends = None if isinstance(extends, Reset) else extends
        base = self._extends(rel, name, work_dir, extends, (*stack, (rel, name)))
        if base is not None:
            svc.key_lines = {**base.key_lines, **svc.key_lines}
            data = merge(base.data, data)
        svc.data = data
        return svc

    def _check_shapes(self, rel: str, name: str, raw: Any, lines: Mapping[str, int]) -> None:
        """Values compose would reject (or we cannot read) are errors, not silent passes."""
        if not isinstance(raw, dict):
            return
        ports = strip_tags(raw.get("ports"))
        entries = ports if isinstance(ports, list) else [] if ports is None else [ports]
        for index, entry in enumerate(entries):
            if _unknown(entry) or normalise_port(entry) is not None:
                continue
            at = f" (line {lines['ports']})" if "ports" in lines else ""
            self.project.problem(
                rel,
                f"services.{name}.ports[{index}]: not a port mapping compose accepts{at};"
                " the port checks cannot judge it",
                Severity.ERROR,
            )
        for key, value in _replica_values(raw):
            if value is None or _unknown(value):
                continue
            if isinstance(value, bool) or not (
                isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())
            ):
                self.project.problem(
                    rel,
                    f"services.{name}.{key}: not a whole number; replicas cannot be judged",
                    Severity.ERROR,
                )

    def _extends(
        self, rel: str, name: str, work_dir: str, extends: Any, stack: tuple[Any, ...]
    ) -> Svc | None:
        if extends is None:
            return None
        target_file, target_dir = rel, work_dir
        target = extends if isinstance(extends, str) else None
        if isinstance(extends, dict):
            target = extends.get("service")
            if extends.get("file"):
                target_file = resolve_path(dir_of(rel), str(extends["file"]))
                target_dir = dir_of(target_file)
                if self.project.is_outside(target_file):
                    where = f"services.{name}.extends.file"
                    self.project.problem(rel, _outside(where, extends["file"]), Severity.ERROR)
                    return None
                if not self.project.exists(target_file):
                    self.project.problem(
                        rel,
                        f"services.{name}.extends: {target_file} does not exist",
                        Severity.ERROR,
                    )
                    return None
                self.shared.referenced.add(target_file)
        if not isinstance(target, str) or (target_file, target) in stack:
            why = "refers to itself" if isinstance(target, str) else "names no service"
            self.project.problem(rel, f"services.{name}.extends {why}", Severity.ERROR)
            return None
        parsed = self.shared.parse(target_file)
        declared = (parsed.data or {}).get("services") if parsed else None
        if parsed is not None and (not isinstance(declared, dict) or target not in declared):
            self.project.problem(
                rel,
                f"services.{name}.extends: no service {target!r} in {target_file}",
                Severity.ERROR,
            )
            return None
        return self._service(target_file, target, target_dir, stack)


def _outside(where: str, reference: object) -> str:
    return (
        f"{where}: {reference} lies outside the audited root; not read (a gate reads only the"
        " repository it checks)"
    )


def _unknown(value: Any) -> bool:
    """A value that uses a variable the loader could not resolve (judged elsewhere)."""
    if isinstance(value, Partial | Reset):
        return True
    if isinstance(value, dict):
        return any(_unknown(v) for v in value.values())
    return False


def _replica_values(raw: dict[str, Any]) -> list[tuple[str, Any]]:
    deploy = raw.get("deploy")
    out = [("scale", raw.get("scale"))]
    if isinstance(deploy, dict):
        out.append(("deploy.replicas", deploy.get("replicas")))
    return out


def _merge_svc(old: Svc, new: Svc) -> Svc:
    return Svc(
        merge(old.data, new.data),
        new.file,
        new.line,
        {**old.key_lines, **new.key_lines},
    )


def load_models(project: Project) -> tuple[ComposeModel, ...]:
    shared = _Shared(project)
    models = []
    for plan in plans(project, shared.parse):
        env = read_env_file(project, join_dir(plan.directory, ".env"))
        unknown: set[str] = set()
        try:
            services = _Loader(shared, plan.directory, env, unknown).load(plan.files)
            built = {n: build_service(project, n, s, env) for n, s in sorted(services.items())}
        except (TypeError, AttributeError, ValueError, KeyError, RecursionError) as exc:
            # A shape the normaliser does not know: report the stack instead of crashing.
            message = f"could not be modelled ({type(exc).__name__}); compose checks skipped it"
            project.problem(plan.files[-1], message)
            continue
        profiles = tuple(sorted({p.strip() for p in env.get("COMPOSE_PROFILES", "").split(",")}))
        models.append(
            ComposeModel(
                kind=plan.kind,
                directory=plan.directory,
                files=plan.files,
                services=built,
                unknown_variables=tuple(sorted(unknown)),
                enabled_profiles=tuple(p for p in profiles if p),
            )
        )
    # A model with an unreadable -f file is not judged (KAB001 reports the file): judging what
    # is left would be a false pass.
    kept = [
        m
        for m in models
        if not set(m.files) <= shared.referenced and all(shared.parse(f) for f in m.files)
    ]
    return tuple(sorted(kept, key=lambda m: (m.directory, m.kind, m.files)))


@facet
def compose_models(project: Project) -> tuple[ComposeModel, ...]:
    """Every compose model of every compose project directory (root, ``backend/``, ``deploy/``…).

    Sorted by (directory, kind, files). Empty when the project has no compose file.
    """
    return load_models(project)
