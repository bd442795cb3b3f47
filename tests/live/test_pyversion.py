"""Code the live tier's interpreter cannot parse: the file, the version, the setting."""

from __future__ import annotations

import sys
from pathlib import Path

from pytest_kabul.live.pyversion import (
    newer_syntax_reason,
    python_version,
    relative_site,
    syntax_error,
)

TRACEBACK = """\
Traceback (most recent call last):
  File "/srv/p/backend/app/main.py", line 8, in <module>
    import app.models  # noqa: F401
  File "/srv/p/backend/app/models.py", line 7, in <module>
    from app.compat import parse_total
  File "/srv/p/backend/app/compat.py", line 7
    except ValueError, TypeError:
           ^^^^^^^^^^^^^^^^^^^^^
SyntaxError: multiple exception types must be parenthesized
"""


def test_the_file_that_did_not_parse_is_the_last_one_before_the_error() -> None:
    assert syntax_error(TRACEBACK) == (
        "/srv/p/backend/app/compat.py:7",
        "SyntaxError: multiple exception types must be parenthesized",
    )
    assert syntax_error("ValueError: bad\n") is None
    assert syntax_error("IndentationError: unexpected indent\n") == (
        None,
        "IndentationError: unexpected indent",
    )


def test_sites_are_named_relative_to_the_project_root(tmp_path: Path) -> None:
    inside = tmp_path / "backend/app/compat.py"
    assert relative_site(f"{inside}:7", tmp_path) == "backend/app/compat.py:7"
    assert relative_site("/elsewhere/x.py:3", tmp_path) == "/elsewhere/x.py:3"
    assert relative_site("/elsewhere/x.py:3", None) == "/elsewhere/x.py:3"


def test_the_reason_names_the_version_the_interpreter_and_the_setting() -> None:
    version = ".".join(map(str, sys.version_info[:3]))
    assert python_version(sys.executable) == version
    assert python_version("/nonexistent/python") == ""
    reason = newer_syntax_reason("a.py:1", "SyntaxError: x", python=sys.executable)
    assert reason.startswith(f"the project's code does not parse with Python {version} (")
    assert "a.py:1 (SyntaxError: x)" in reason
    assert reason.endswith("name that interpreter in [tool.kabul.live] python")
