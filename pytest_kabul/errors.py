"""Every exception pytest-kabul raises, in one tree (httpx's ``_exceptions.py`` is the model).

This module sits below every layer and imports nothing of the package at run time, so
``services/`` (and a REPL) can use it alone::

    KabulError
    ├── UsageError                 the user asked for something impossible (a pytest usage error)
    │   ├── ConfigError              [tool.kabul] / kabul.toml is wrong
    │   └── BaselineError            --kabul-baseline is missing or unreadable
    ├── CheckSkipped               a live subject cannot be judged (the item is skipped)
    │   └── ServiceUnavailable       Postgres/Redis/the app could not be provided
    ├── ServiceError               a service in ``services/`` failed
    │   ├── PostgresUnavailable      no Postgres server could be provided
    │   │   └── RemoteDatabaseRefused  a non-loopback URL without --kabul-allow-remote-db
    │   ├── RedisError               a Redis error reply or a failed connection
    │   └── ReplicaStartError        an app replica exited or never answered
    ├── SafetyError                a live run may have touched a database it did not create
    ├── KabulFailed                an item's blocking findings fail it (rendered, no traceback)
    └── KabulInternalError         a check crashed: a bug in pytest-kabul

A ``ServiceError`` is not a ``CheckSkipped``: the live glue (``pytest_kabul.live``) decides which
service failures become skips and which are findings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pytest_kabul.gate import Decision
    from pytest_kabul.model import Finding

__all__ = [
    "BaselineError",
    "CheckSkipped",
    "ConfigError",
    "KabulError",
    "KabulFailed",
    "KabulInternalError",
    "PostgresUnavailable",
    "RedisError",
    "RemoteDatabaseRefused",
    "ReplicaStartError",
    "SafetyError",
    "ServiceError",
    "ServiceUnavailable",
    "UsageError",
]


class KabulError(Exception):
    """The root of every pytest-kabul exception."""


# -- usage errors ---------------------------------------------------------------------------
class UsageError(KabulError):
    """A usage error: the pytest layer turns it into ``pytest.UsageError``."""


class ConfigError(UsageError):
    """A configuration problem; the message names the file and what is wrong."""


class BaselineError(UsageError):
    """The baseline file is missing or unreadable (a usage error)."""


# -- skips ----------------------------------------------------------------------------------
class CheckSkipped(KabulError):
    """Raised by a live runner when its subject cannot be checked (the reason is shown)."""


class ServiceUnavailable(CheckSkipped):
    """A live service (Postgres, Redis, the app) could not be provided.

    A skip by default; an error under ``--kabul-require-live``.
    """


# -- service failures -----------------------------------------------------------------------
class ServiceError(KabulError):
    """A service context manager (``pytest_kabul.services``) failed."""


class PostgresUnavailable(ServiceError):
    """No server could be provided; the message says why and how to provide one."""


class RemoteDatabaseRefused(PostgresUnavailable):
    """The URL points at a non-loopback host and remote databases were not allowed."""


class RedisError(ServiceError):
    """The server answered with an error, or the connection failed."""


class ReplicaStartError(ServiceError):
    """A replica exited or never answered; ``log_tail`` holds the end of its output."""

    def __init__(self, message: str, log_tail: str, exit_code: int | None) -> None:
        super().__init__(message)
        self.log_tail = log_tail
        self.exit_code = exit_code

    def __str__(self) -> str:
        return f"{self.args[0]}\n--- log tail ---\n{self.log_tail}"


class SafetyError(KabulError):
    """The project reported success but the throwaway database saw nothing: it used another
    database. Always an error (never a skip): somebody's data may have been touched."""


# -- item outcomes --------------------------------------------------------------------------
class KabulFailed(KabulError):
    """An item's findings fail it; the item renders them instead of a traceback."""

    def __init__(self, findings: tuple[Finding, ...], decision: Decision | None = None) -> None:
        super().__init__(f"{len(findings)} finding(s)")
        self.findings = findings
        self.decision = decision


class KabulInternalError(KabulError):
    """A check crashed: a bug in pytest-kabul, reported on that item only."""
