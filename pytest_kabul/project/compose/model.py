"""The effective docker-compose configuration, loaded the way ``docker compose`` loads it.

Public API (other checks code against these names):

- :class:`PortMapping` — one entry of a service's ``ports:`` (short or long syntax), normalised.
- :class:`ComposeService` — one service after ``extends``, ``include``, multi-file merge,
  ``!reset`` / ``!override`` and ``${VAR}`` interpolation.
- :class:`ComposeModel` — one compose *invocation*: either what a bare ``docker compose up``
  starts in a directory (``kind == "default"``: the base file plus the override file compose
  loads automatically, or ``COMPOSE_FILE`` from the directory's ``.env``) or the production
  invocation (``kind == "production"``: base + a production override such as
  ``docker-compose.prod.yml`` / ``production.yml``, or ``[tool.kabul] compose_files``).
- :func:`compose_models` — the facet: every model of every compose project directory, sorted.

Loading follows the compose specification: default file names and precedence
(``compose.yaml`` > ``compose.yml`` > ``docker-compose.yml`` > ``docker-compose.yaml``), the
override file, ``include:``, ``extends`` (same file and ``file:``), merge rules (mappings merge,
``ports``/``volumes``/``env_file`` append, ``command``/``entrypoint`` replace), profiles, and
interpolation from the compose directory's ``.env`` (``${VAR}``, ``${VAR:-d}``, ``${VAR-d}``,
``${VAR:?e}``, ``${VAR:+r}``, ``$$``). A variable that is neither in ``.env`` nor defaulted is
*unknown* (the server's shell may set it): it is listed in ``unknown_variables``, environment
values that use it are ``None``, and other strings keep the literal ``${VAR}`` text — never a
silent ``""``. YAML is read with YAML 1.2 scalars (``22:22`` stays a string, as in compose).
Bad input (invalid YAML, anchor bombs, missing ``include``/``extends``/``env_file`` targets)
becomes a :class:`~pytest_kabul.project.core.Problem` naming the file; nothing raises.
"""

from __future__ import annotations

import enum
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PortMapping:
    """One published port of a service, normalised from short or long ``ports:`` syntax.

    ``target`` is the container port (or range, ``"9000-9001"``); ``published`` the host port
    (``None`` = Docker picks an ephemeral host port, which is still published); ``host_ip`` the
    bind address (``None`` = all interfaces, i.e. ``0.0.0.0`` / ``::``). A value that came from an
    unknown variable keeps its ``${VAR}`` text. ``expose:`` entries are not port mappings.
    """

    target: str
    published: str | None
    host_ip: str | None
    protocol: str = "tcp"

    @property
    def public(self) -> bool:
        """True when reachable from other hosts: bound to anything but a loopback address."""
        if self.host_ip is None:
            return True
        host = self.host_ip.strip("[]")
        if host == "localhost":
            return False
        try:
            return not ipaddress.ip_address(host).is_loopback
        except ValueError:
            return True  # an unknown ${VAR} or a hostname: not provably loopback

    def target_ports(self) -> tuple[int, ...]:
        """The container port numbers (a range expanded, capped at 1024 ports)."""
        return _port_numbers(self.target)

    def published_ports(self) -> tuple[int, ...]:
        """The host port numbers when known (empty for ephemeral or unknown ports)."""
        return _port_numbers(self.published or "")

    def __str__(self) -> str:
        host = f"{self.host_ip}:" if self.host_ip else ""
        published = f"{self.published}:" if self.published else ""
        proto = f"/{self.protocol}" if self.protocol != "tcp" else ""
        return f"{host}{published}{self.target}{proto}"


def _port_numbers(text: str) -> tuple[int, ...]:
    low, _, high = text.partition("-")
    if not low.isdigit() or (high and not high.isdigit()):
        return ()
    start, end = int(low), int(high or low)
    if end < start:
        return ()
    return tuple(range(start, min(end, start + 1023) + 1))


@dataclass(frozen=True)
class ComposeService:
    """One service of a :class:`ComposeModel`, after every merge and interpolation.

    ``file``/``line``: where the service is (last) defined, project-relative. ``build_context``
    and ``dockerfile`` are project-relative (``dockerfile`` defaults to ``<context>/Dockerfile``
    when the service builds; a remote context such as a git URL is kept verbatim).
    ``command``/``entrypoint``: a tuple for the list form, a str for the shell-string form.
    ``environment``: ``None`` values are unknown (passed through from the host, or using an
    unknown variable). ``env_files``: project-relative ``env_file:`` paths. ``volumes``: short
    syntax strings (``source:target[:mode]``; bind sources project-relative). ``raw``: the merged
    service mapping as compose sees it (after interpolation). ``key_lines`` maps each top-level
    service key (``ports``, ``logging`` …) to the ``(file, line)`` of its last definition.
    """

    name: str
    file: str
    line: int | None
    image: str | None
    build_context: str | None
    dockerfile: str | None
    command: tuple[str, ...] | str | None
    entrypoint: tuple[str, ...] | str | None
    environment: Mapping[str, str | None]
    env_files: tuple[str, ...]
    ports: tuple[PortMapping, ...]
    profiles: tuple[str, ...]
    replicas: int | None
    logging: Mapping[str, Any]
    labels: Mapping[str, str]
    volumes: tuple[str, ...]
    raw: Mapping[str, Any]
    key_lines: Mapping[str, tuple[str, int]] = field(default_factory=dict)

    def build_args(self) -> dict[str, str]:
        """``build.args`` (list or mapping form) as a mapping; values without ``=`` skipped."""
        build = self.raw.get("build")
        raw = build.get("args") if isinstance(build, dict) else None
        if isinstance(raw, dict):
            return {str(k): str(v) for k, v in raw.items() if v is not None}
        if isinstance(raw, list):
            pairs = [str(item).split("=", 1) for item in raw if "=" in str(item)]
            return {k: v for k, v in pairs}
        return {}

    def where(self, key: str | None = None) -> tuple[str, int | None]:
        """``(file, line)`` of a service key's last definition, else of the service itself."""
        if key is not None and key in self.key_lines:
            return self.key_lines[key]
        return (self.file, self.line)


class ComposeKind(enum.StrEnum):
    """Which invocation a model is (a ``str`` enum: it sorts and prints as its value)."""

    DEFAULT = "default"  # what a bare ``docker compose up`` in the directory starts
    PRODUCTION = "production"  # base + a production override, or ``[tool.kabul] compose_files``


@dataclass(frozen=True)
class ComposeModel:
    """One compose invocation in one directory.

    ``kind``: ``"production"`` (base + production override, or ``[tool.kabul] compose_files``)
    or ``"default"`` (what a bare ``docker compose up`` in ``directory`` starts). ``files``: the
    ``-f`` files in order, project-relative (``include``/``extends`` targets are not listed).
    ``services``: every service, sorted by name, including those under a profile (see
    :attr:`started`). ``unknown_variables``: variables used without a value or default, sorted.
    ``enabled_profiles``: profiles switched on by ``COMPOSE_PROFILES`` in the directory's ``.env``.
    """

    kind: ComposeKind
    directory: str
    files: tuple[str, ...]
    services: Mapping[str, ComposeService]
    unknown_variables: tuple[str, ...]
    enabled_profiles: tuple[str, ...] = ()

    @property
    def subject(self) -> str:
        """``docker-compose.yml+docker-compose.prod.yml`` — the files joined with ``+``."""
        return "+".join(self.files)

    def is_started(self, service: ComposeService) -> bool:
        """Whether ``docker compose up`` (no ``--profile``) starts the service."""
        return not service.profiles or bool(set(service.profiles) & set(self.enabled_profiles))

    @property
    def started(self) -> tuple[ComposeService, ...]:
        """The services a plain ``up`` starts, sorted by name."""
        return tuple(s for _, s in sorted(self.services.items()) if self.is_started(s))
