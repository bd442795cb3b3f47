"""The one redaction layer: every report writer passes its text through :data:`REDACTOR`.

Terminal (failure text, summary, skip reasons), JSON, HTML, SARIF, JUnit properties, the
baseline file and live evidence (log tails) all go through here, so a secret that reached a
finding message, a parse error or an app's log never reaches an output. Three rules:

- credentials in URLs: ``scheme://user:password@host`` and ``git+https://TOKEN@host`` keep
  the scheme and host, lose the user information;
- values of variables whose names look secret: ``PASSWORD=...``, ``api_key: ...``,
  ``"token": "..."``;
- every value the project model has *seen* in a ``.env`` file, a compose ``environment:`` or a
  Settings default (:func:`pytest_kabul.project.secrets.seen_values`) that could be a secret (not
  ``true``, ``8000`` or ``production``).

Redaction is deterministic (the same mask for every value), so fingerprints and baselines stay
stable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any, TypeVar

from pytest_kabul.model import Evidence, Finding

MASK = "***"
SECRET_NAME = re.compile(
    r"(?i)(?:pass(?:wd|word|phrase)?|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key"
    r"|credential|auth|dsn|session[_-]?key|signing[_-]?key|salt|cookie|bearer|webhook)"
)
# scheme://userinfo@  (userinfo without '/', '@' or whitespace; a token alone counts).
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)([^\s/@'\"<>]+)@")
# NAME = value / NAME: value / "NAME": "value" where NAME looks secret.
_ASSIGNMENT = re.compile(
    r"""(?ix)
    (?P<name>["']?[A-Za-z_][\w.\-]*["']?)
    (?P<sep>\s*(?:=|:)\s*)
    (?P<value>"[^"\n]*"|'[^'\n]*'|[^\s,;'"<>)}\]]+)
    """
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+([A-Za-z0-9._~+/\-]{12,}=*)")
_NOT_SECRET = frozenset(
    {"true", "false", "none", "null", "yes", "no", "on", "off", "production", "development",
     "staging", "localhost", "changeme", "required", "optional", "default", "password",
     "secret", "postgres", "example", "admin", "root", "test", "redis", "mysql"}
)  # fmt: skip
MIN_SEEN_LENGTH = 6
# Report fields that hold names, never values (check codes, subjects built from app, package
# and variable names, project paths): kept as they are so ids and baselines stay stable.
NAME_KEYS = frozenset({"code", "subject", "path", "uri", "fingerprint", "ruleId", "id", "area"})


def looks_secret_name(name: str) -> bool:
    return bool(SECRET_NAME.search(name))


def could_be_secret(value: str, *, named_secret: bool = False) -> bool:
    """Worth masking when seen: long enough and not a plain word, number, path or host:port."""
    text = value.strip()
    if len(text) < (4 if named_secret else MIN_SEEN_LENGTH) or text.lower() in _NOT_SECRET:
        return False
    if named_secret:
        return True
    if any(c.isspace() for c in text):
        return False  # prose, not a credential
    if re.fullmatch(r"[\d.:_\-]+", text) or re.fullmatch(r"[a-z]+(?:[_\-][a-z]+)*", text):
        return False  # numbers, ports, versions, lowercase words (``postgres``, ``app-db``)
    if "://" in text:
        return "@" in text  # a URL matters for its credentials only
    return not re.fullmatch(r"[\w.\-]+:\d+|\.{0,2}/[\w./\-]*|[\w\-]+(?:\.[\w\-]+)+", text)


class Redactor:
    def __init__(self) -> None:
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def add(self, values: Iterable[str]) -> None:
        new = {v.strip() for v in values if v and v.strip()} - self._values
        if new:
            self._values |= new
            self._pattern = None

    def clear(self) -> None:
        self._values.clear()
        self._pattern = None

    def _known(self) -> re.Pattern[str] | None:
        if self._pattern is None and self._values:
            alternatives = sorted(self._values, key=lambda v: (-len(v), v))
            body = "|".join(re.escape(v) for v in alternatives)
            # Whole values only: never inside a path or an identifier (a dev password equal to
            # the project's name must not turn ``platform/reworkd_platform/x.py`` into ``***``).
            self._pattern = re.compile(rf"(?<![\w/.\-])(?:{body})(?![\w/\-]|\.\w)")
        return self._pattern

    def text(self, text: str) -> str:
        if not text:
            return text
        known = self._known()
        if known is not None:
            text = known.sub(MASK, text)
        text = _URL_USERINFO.sub(lambda m: f"{m.group(1)}{MASK}@", text)
        text = _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)
        return _ASSIGNMENT.sub(_mask_assignment, text)

    def finding(self, finding: Finding) -> Finding:
        return replace(
            finding,
            message=self.text(finding.message),
            remediation=self.text(finding.remediation),
            evidence=tuple(
                Evidence(title=self.text(e.title), text=self.text(e.text)) for e in finding.evidence
            ),
        )

    def findings(self, findings: Iterable[Finding]) -> tuple[Finding, ...]:
        return tuple(self.finding(f) for f in findings)

    def data(self, value: T) -> T:
        """A JSON-like document with every string redacted (keys that are names kept)."""
        return self._data(value)  # type: ignore[no-any-return]

    def _data(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {
                k: v if k in NAME_KEYS and isinstance(v, str) else self._data(v)
                for k, v in value.items()
            }
        if isinstance(value, list | tuple):
            return [self._data(v) for v in value]
        return value


T = TypeVar("T")


def _mask_assignment(match: re.Match[str]) -> str:
    name = match.group("name").strip("\"'")
    value = match.group("value")
    if not looks_secret_name(name) or value.strip("\"'") in ("", MASK) or value.startswith("$"):
        return match.group(0)
    quote = value[0] if value[0] in "\"'" else ""
    if ":" in match.group("sep") and not quote and re.fullmatch(r"[A-Za-z_\-]+", value):
        return match.group(0)  # prose ("SECRET_KEY: defaults to ..."), not a value
    return f"{match.group('name')}{match.group('sep')}{quote}{MASK}{quote}"


REDACTOR = Redactor()


def redact(text: str) -> str:
    return REDACTOR.text(text)
