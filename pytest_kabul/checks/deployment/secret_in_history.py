"""KAB507 secret-in-history: a credential was committed and later removed; git still has it.

What it checks
    The git history of the audited root (every commit reachable from ``HEAD``, newest first,
    up to 5000 commits or 200 MB of ``git log -p``; a run cut short says so) with the
    token-shaped detectors of `detect-secrets <https://github.com/Yelp/detect-secrets>`_, used
    as a library: AWS, Azure storage, GitHub, GitLab, Slack, Stripe, SendGrid, Twilio, OpenAI,
    PyPI, npm, Discord, Telegram, Mailchimp, Square, IBM, Artifactory, Cloudant, SoftLayer
    tokens and private keys. Every added line is scanned; a secret whose value is no longer in
    the file today is a finding (one still there is today's problem, not history's). The
    finding names the commit that added it, the path and the kind of secret, and the commit
    that removed it when the log shows one; the value is never read into a report.
    Entropy-only, keyword and ``user:password@`` URL detectors are left out: on a real history
    they mostly find lockfile hashes and development defaults. Git runs read-only with the
    repository's diff drivers and hooks turned off.

    Opt-in (it reads the whole history): run it with ``--kabul-select KAB507``. It needs the
    ``history`` extra: ``pip install 'pytest-kabul[history]'``. No corpus figure: the
    development corpus trees are snapshots without git history; on this project's own history
    (217 commits) it reports nothing.

Why it matters
    Deleting a key in a later commit does not take it out of the repository: every clone, fork,
    CI cache and mirror still has the commit, and scrapers search public histories for exactly
    these shapes within minutes of a push. The key works until it is revoked.

Example
    ``KAB507[backend/app/config.py:AWS Access Key@3f2a9c1] an AWS Access Key added in commit
    3f2a9c1 (2025-03-02) to backend/app/config.py, removed in 8d0e4b7, is still in the git
    history``

Before
    A history, not a tree: the file below was committed with the key (AWS's documented
    example key here), and the next commit replaced it with the file under "After". The key
    is gone from the code and still in the history: the check reports it.

    ``app/config.py``::

        AWS_REGION = "eu-west-1"
        AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"

After
    The key revoked at AWS, the new one read from the environment, and the history rewritten
    (``git filter-repo --replace-text``) so that no commit has the old one: the only version
    of the file is this one.

    ``app/config.py``::

        from pydantic import SecretStr
        from pydantic_settings import BaseSettings


        class Settings(BaseSettings):
            aws_region: str = "eu-west-1"
            aws_access_key_id: SecretStr


        settings = Settings()

Fix
    Revoke (rotate) the credential at its provider first: removing it from the code does not
    revoke it, and rewriting history does not either (clones keep it). Then read the new value
    from the environment, and rewrite the history only as a courtesy (``git filter-repo
    --replace-text``, then force-push and ask every clone to re-clone).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pytest_kabul.model import Area, Evidence, Finding, Location, Severity
from pytest_kabul.project.core import Project
from pytest_kabul.project.history import DiffLine, History
from pytest_kabul.registry import Check, Evaluation

check = Check(
    code="KAB507",
    name="secret-in-history",
    area=Area.DEPLOYMENT,
    severity=Severity.CRITICAL,
    summary="A credential committed and later removed is still in the git history.",
    doc=__doc__,
    opt_in=True,
    files_only=False,  # the git history is no file of the tree: never kept between runs
)
INSTALL = "install pytest-kabul[history] (detect-secrets) to scan the git history"
# Detectors that match the value's own shape; the noisy ones are named here to leave them out.
LEFT_OUT = frozenset(
    {
        "Base64HighEntropyString",
        "HexHighEntropyString",
        "KeywordDetector",
        "BasicAuthDetector",
        "IPPublicDetector",
        "JwtTokenDetector",
    }
)
SKIPPED_FILES = (
    "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "poetry.lock", "uv.lock", "Pipfile.lock",
    "Cargo.lock", "go.sum", "composer.lock", "Gemfile.lock", "pdm.lock",
)  # fmt: skip


@dataclass
class _Seen:
    kind: str
    path: str
    value: str  # in memory only, to compare with today's file; never reported
    added: DiffLine | None = None
    removed: DiffLine | None = None


class Detectors:
    """detect-secrets' token-shaped plugins, called directly (``analyze_string`` only matches:
    no verification request ever leaves the machine)."""

    def __init__(self) -> None:
        from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
        from detect_secrets.plugins.base import BasePlugin

        classes: Mapping[str, type[BasePlugin]] = get_mapping_from_secret_type_to_class()
        self.plugins = [
            cls() for _kind, cls in sorted(classes.items()) if cls.__name__ not in LEFT_OUT
        ]

    def find(self, text: str) -> Iterable[tuple[str, str]]:
        """(kind, value) pairs in one line."""
        for plugin in self.plugins:
            for value in plugin.analyze_string(text):
                yield plugin.secret_type, value


def scan(project: Project, history: History, detectors: Detectors) -> list[_Seen]:
    seen: dict[tuple[str, str, str], _Seen] = {}
    for line in history.lines():
        if line.path.rsplit("/", 1)[-1] in SKIPPED_FILES:
            continue
        for kind, value in detectors.find(line.text):
            entry = seen.setdefault((line.path, kind, value), _Seen(kind, line.path, value))
            if line.added:
                entry.added = line  # newest first: the last one seen is the first addition
            elif entry.removed is None:
                entry.removed = line  # the most recent removal
    gone = []
    for entry in seen.values():
        if entry.added is None:
            continue
        today = project.read_text(entry.path) if entry.path in project.files else None
        if today is None or entry.value not in today:
            gone.append(entry)
    return gone


@check.evaluator
def evaluate(project: Project) -> Evaluation:
    try:
        detectors = Detectors()
    except ImportError:
        return Evaluation.skip(INSTALL)
    history = History(project.root)
    if not history.available():
        return Evaluation.skip(f"no git history to scan: {history.error}")
    findings = [_finding(entry) for entry in scan(project, history, detectors)]
    scope = f"{history.commits} commit(s) reachable from HEAD"
    if history.truncated:
        scope += f", cut at {history.max_commits} commits / {history.max_bytes >> 20} MB"
    return Evaluation.build(
        subjects=["git-history"] if not findings else [],
        findings=findings,
        notes={} if findings else {"git-history": f"scanned {scope}: no removed secret found"},
    )


def _finding(entry: _Seen) -> Finding:
    assert entry.added is not None
    added = entry.added
    removal = f", removed in {entry.removed.commit[:7]}" if entry.removed else ""
    article = "an" if entry.kind[:1].lower() in "aeio" else "a"
    return Finding(
        code=check.code,
        severity=check.severity,
        subject=f"{entry.path}:{entry.kind}@{added.commit[:7]}",
        message=(
            f"{article} {entry.kind} added in commit {added.commit[:7]} ({added.date}) to"
            f" {entry.path}{removal}, is still in the git history"
        ),
        remediation=(
            f"Revoke this {entry.kind} at its provider now: removing it from the code does not"
            " revoke it, and every clone keeps commit"
            f" {added.commit[:7]}. Read the new value from the environment; rewrite the history"
            " (git filter-repo --replace-text) only after revoking."
        ),
        location=Location(entry.path),
        evidence=(
            Evidence(
                title="where (the value is not shown)",
                text=(
                    f"added: commit {added.commit} ({added.date}), {entry.path} line"
                    f" {added.line}\n"
                    + (
                        f"removed: commit {entry.removed.commit} ({entry.removed.date})"
                        if entry.removed
                        else "removed: the file no longer holds it (deleted or rewritten)"
                    )
                ),
            ),
        ),
    )
