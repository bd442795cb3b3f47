"""The core data model: severities, areas, locations and findings.

Everything here is a frozen dataclass or an Enum, and every collection that becomes output is
sorted, so two runs over the same tree give byte-identical reports (and identical xdist ids).
"""

from __future__ import annotations

import enum
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any


class Severity(enum.IntEnum):
    """Django's check levels: ordered, so a fail-level is a plain comparison."""

    INFO = 10
    WARNING = 20
    ERROR = 30
    CRITICAL = 40

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            valid = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {text!r}; valid: {valid}") from None


class Area(enum.Enum):
    PROJECT = "project"
    DEPENDENCIES = "dependencies"
    SETTINGS = "settings"
    MIGRATIONS = "migrations"
    SCALING = "scaling"
    DEPLOYMENT = "deployment"
    STORAGE = "storage"
    FRONTEND = "frontend"


class Tier(enum.Enum):
    STATIC = "static"
    LIVE = "live"


@dataclass(frozen=True, order=True)
class Location:
    """A place in the target project; ``path`` is POSIX and relative to the project root."""

    path: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.path
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, kw_only=True)
class Evidence:
    """A titled block of text backing a finding: an alembic error, an HTTP transcript, a diff."""

    title: str
    text: str


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One problem. ``message`` says what is wrong; ``remediation`` says how to fix it."""

    code: str
    severity: Severity
    subject: str
    message: str
    remediation: str
    location: Location | None = None
    evidence: tuple[Evidence, ...] = field(default=())

    def sort_key(self) -> tuple[str, str, str, int, str]:
        loc = self.location
        return (
            self.code,
            self.subject,
            loc.path if loc else "",
            (loc.line or 0) if loc else 0,
            self.message,
        )

    def headline(self) -> str:
        where = f" {self.location}" if self.location else ""
        return f"{self.code}{where} {self.message}"

    def to_dict(self) -> dict[str, Any]:
        loc = self.location
        return {
            "code": self.code,
            "severity": self.severity.label,
            "subject": self.subject,
            "message": self.message,
            "remediation": self.remediation,
            "path": loc.path if loc else None,
            "line": loc.line if loc else None,
            "evidence": [{"title": e.title, "text": e.text} for e in self.evidence],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        path = data.get("path")
        location = Location(path, data.get("line")) if path else None
        return cls(
            code=data["code"],
            severity=Severity.parse(data["severity"]),
            subject=data["subject"],
            message=data["message"],
            remediation=data["remediation"],
            location=location,
            evidence=tuple(
                Evidence(title=e["title"], text=e["text"]) for e in data.get("evidence", [])
            ),
        )


def sorted_findings(findings: list[Finding] | tuple[Finding, ...]) -> tuple[Finding, ...]:
    return tuple(sorted(set(findings), key=Finding.sort_key))


# A path-like token (has a slash, or ends in a known source/manifest suffix).
_PATH = re.compile(
    r"(?:\b[A-Za-z]:)?[\w.@+\-]*(?:[/\\][\w.@+\-]+)+"
    r"|\b[\w.\-]+\.(?:py|pyi|ts|tsx|js|jsx|mjs|cjs|toml|ya?ml|json|ini|cfg|txt|lock|md|env)\b"
)
# Line/column references: "line 12", "lines 3-4", ":12", ":12:5", "L12".
_LINE = re.compile(r"\b(?:lines?|L)\s*\d+(?:\s*[-\u2013]\s*\d+)?|:\d+(?::\d+)?\b")


def normalise_message(message: str) -> str:
    text = _PATH.sub("<path>", message)
    text = _LINE.sub("<line>", text)
    return " ".join(text.split())


def fingerprint(finding: Finding) -> str:
    """A location-independent identity of a finding: code, subject and the message with paths
    and line numbers normalised out (what a baseline records; see ``report/baseline.py``)."""
    raw = "\0".join((finding.code, finding.subject, normalise_message(finding.message)))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:20]
