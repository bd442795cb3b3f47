"""Turning a merged service mapping into a :class:`ComposeService` (part of the compose loader)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pytest_kabul.project.compose.interpolate import Partial
from pytest_kabul.project.compose.model import ComposeService, PortMapping
from pytest_kabul.project.compose.normalise import resolve_path, strip_tags
from pytest_kabul.project.core import Project


@dataclass
class Svc:
    """A service while files are merged: its data and where it was defined."""

    data: dict[str, Any]
    file: str
    line: int | None
    key_lines: dict[str, tuple[str, int]] = field(default_factory=dict)


def _str_or_none(value: Any) -> str | None:
    return str(value) if isinstance(value, str | int | float) else None


def _command(value: Any) -> tuple[str, ...] | str | None:
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return value if isinstance(value, str) else None


def _replicas(data: dict[str, Any]) -> int | None:
    deploy = data.get("deploy")
    value = deploy.get("replicas") if isinstance(deploy, dict) else None
    value = data.get("scale") if value is None else value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _mapping(value: Any) -> dict[str, Any]:
    return {str(k): v for k, v in value.items()} if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def build_service(project: Project, name: str, svc: Svc, env: dict[str, str]) -> ComposeService:
    data = strip_tags(svc.data)
    build = data.get("build")
    context = dockerfile = None
    if isinstance(build, dict):
        context = _str_or_none(build.get("context"))
        name_in_ctx = build.get("dockerfile") or "Dockerfile"
        if context is not None and "://" not in context and not context.startswith("git@"):
            if not build.get("dockerfile_inline"):
                dockerfile = resolve_path(context, str(name_in_ctx))
            if not project.is_dir(context):
                project.problem(svc.file, f"services.{name}.build: {context} does not exist")
    environment: dict[str, str | None] = {}
    for key, value in sorted(_mapping(data.get("environment")).items()):
        if value is None:
            environment[key] = env.get(key)
        else:
            environment[key] = None if isinstance(value, Partial) else str(value)
    logging = data.get("logging")
    labels = data.get("labels")
    return ComposeService(
        name=name,
        file=svc.file,
        line=svc.line,
        image=_str_or_none(data.get("image")),
        build_context=context,
        dockerfile=dockerfile,
        command=_command(data.get("command")),
        entrypoint=_command(data.get("entrypoint")),
        environment=environment,
        env_files=tuple(str(e["path"]) for e in _list(data.get("env_file")) if isinstance(e, dict)),
        ports=tuple(PortMapping(**p) for p in _list(data.get("ports")) if isinstance(p, dict)),
        profiles=tuple(str(p) for p in _list(data.get("profiles"))),
        replicas=_replicas(data),
        logging=logging if isinstance(logging, dict) else {},
        labels={str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {},
        volumes=tuple(str(v) for v in _list(data.get("volumes")) if isinstance(v, str)),
        raw=data,
        key_lines=dict(sorted(svc.key_lines.items())),
    )
