"""The project's git history as added and removed lines (read-only, bounded).

``history_lines(root)`` runs one ``git log -p`` subprocess in the audited root and yields every
added or removed line of every commit reachable from ``HEAD``, newest commit first, with the
commit, its date, the path (relative to the root: ``--relative`` and the ``.`` pathspec keep
the log inside it) and the line number in that commit's version of the file. Git runs with
external diff drivers, text conversion filters and fsmonitor hooks turned off, so nothing the
repository configures is executed. The log is bounded by a number of commits and of bytes; a
log cut short says so (``History.truncated``), and a root that is no git work tree, or a
missing ``git``, is ``History.error``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MAX_COMMITS = 5000
MAX_BYTES = 200 * 1024 * 1024
MAX_LINE = 4000  # longer lines are minified bundles or data, not hand-written configuration
COMMIT_MARK = "\x00commit "
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")
GIT_OPTIONS = (
    "-c",
    "core.quotepath=off",
    "-c",
    "core.fsmonitor=false",
    "-c",
    "log.showSignature=false",
)


@dataclass(frozen=True)
class DiffLine:
    commit: str  # full hash
    date: str  # committer date, YYYY-MM-DD
    path: str  # relative to the audited root
    line: int  # in the commit's new version (added) or old version (removed)
    added: bool
    text: str


@dataclass
class History:
    root: Path
    max_commits: int = MAX_COMMITS
    max_bytes: int = MAX_BYTES
    commits: int = 0
    truncated: bool = False
    error: str | None = None

    @staticmethod
    def _env() -> dict[str, str]:
        """The environment without ``GIT_*`` variables (``GIT_DIR`` would read another
        repository) and without a pager."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env["GIT_PAGER"] = "cat"
        return env

    def _git(self, *args: str) -> list[str]:
        return ["git", *GIT_OPTIONS, "-C", str(self.root), *args]

    def available(self) -> bool:
        """A git work tree with at least one commit; else ``error`` says why not."""
        if shutil.which("git") is None:
            self.error = "git is not installed"
            return False
        done = subprocess.run(
            self._git("rev-parse", "--verify", "-q", "HEAD"),
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
            env=self._env(),
        )
        if done.returncode != 0:
            detail = done.stderr.strip().splitlines()
            self.error = (
                f"git cannot read the history here ({detail[-1]})"
                if detail
                else "the root is not a git work tree with commits"
            )
            return False
        return True

    def lines(self) -> Iterator[DiffLine]:
        argv = self._git(
            "log", "-p", "--no-color", "--no-ext-diff", "--no-textconv", "--no-renames",
            "--relative", "--unified=0", f"--max-count={self.max_commits}",
            "--format=%x00commit %H %cs", "--", ".",
        )  # fmt: skip
        proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=self._env()
        )
        assert proc.stdout is not None
        read = 0
        try:
            state = _State()
            for raw in proc.stdout:
                read += len(raw)
                if read > self.max_bytes:
                    self.truncated = True
                    break
                found = state.feed(raw.decode("utf-8", "replace").rstrip("\n"))
                if found is not None:
                    yield found
            self.commits = state.commits
            if self.commits >= self.max_commits:
                self.truncated = True
        finally:
            proc.kill()
            proc.wait()
            proc.stdout.close()


@dataclass
class _State:
    commits: int = 0
    commit: str = ""
    date: str = ""
    old_path: str = ""
    new_path: str = ""
    old_line: int = 0
    new_line: int = 0
    in_hunk: bool = False

    def feed(self, line: str) -> DiffLine | None:
        if line.startswith(COMMIT_MARK):
            parts = line[len(COMMIT_MARK) :].split()
            self.commit, self.date = parts[0], parts[1] if len(parts) > 1 else ""
            self.commits += 1
            self.in_hunk = False
            return None
        if line.startswith("diff --git "):
            self.in_hunk = False
            return None
        if not self.in_hunk and line.startswith("--- "):
            self.old_path = _path(line[4:], "a/")
            return None
        if not self.in_hunk and line.startswith("+++ "):
            self.new_path = _path(line[4:], "b/")
            return None
        hunk = _HUNK.match(line)
        if hunk:
            self.in_hunk = True
            old = re.match(r"^@@ -(\d+)", line)
            self.old_line = int(old.group(1)) if old else 0
            self.new_line = int(hunk.group(1))
            return None
        if not self.in_hunk or not line or line[0] not in "+-":
            return None
        added = line[0] == "+"
        text = line[1:]
        if added:
            number, path = self.new_line, self.new_path
            self.new_line += 1
        else:
            number, path = self.old_line, self.old_path
            self.old_line += 1
        if not path or len(text) > MAX_LINE:
            return None
        return DiffLine(self.commit, self.date, path, number, added, text)


def _path(text: str, prefix: str) -> str:
    text = text.strip()
    if text == "/dev/null":
        return ""
    if text.startswith('"') and text.endswith('"'):  # git quotes unusual names
        text = text[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
    return text.removeprefix(prefix)
