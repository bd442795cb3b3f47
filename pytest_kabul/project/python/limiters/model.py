"""Rate-limiter records: what a limiter is, where its state lives, where its key comes from."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Storage(enum.Enum):
    MEMORY = "memory"
    SHARED = "shared"
    UNKNOWN = "unknown"


class KeySource(enum.Enum):
    CLIENT_HOST = "client host"
    FORWARDED_HEADER = "forwarded header"
    UNKNOWN = "unknown"


class LimiterKind(enum.Enum):
    CUSTOM = "custom"
    SLOWAPI = "slowapi"
    LIMITS = "limits"
    PYRATE = "pyrate-limiter"


@dataclass(frozen=True)
class RateLimiter:
    app: str
    kind: LimiterKind
    name: str  # class / function / variable name
    path: str
    line: int
    storage: Storage
    storage_detail: str  # what holds the state, e.g. "self.requests (defaultdict)"
    key: KeySource
    key_detail: str  # e.g. 'header "X-Forwarded-For"'
    key_line: int | None
    fails_open_line: int | None  # the ``except`` that lets requests through

    @property
    def subject(self) -> str:
        return f"{self.path}:{self.name}"
