"""``python -m pytest_kabul explain KAB302`` / ``pytest --kabul-explain KAB302``: one check's page.

Like ``ruff rule``: the generated documentation page of a check (what it checks, why it matters,
an example, the fix, its options) printed in the terminal, with the link to the same page online.
``python -m pytest_kabul list`` prints the catalogue, one line per check.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pytest_kabul.docs import render_check
from pytest_kabul.links import check_url
from pytest_kabul.registry import Check, all_checks


def find_check(code: str) -> Check | None:
    wanted = code.strip().upper()
    return next((c for c in all_checks() if wanted in (c.code, c.name.upper())), None)


def explain(code: str, docs_url: str | None = None) -> tuple[int, str]:
    """(exit status, text): the page of ``code`` (a code or a check name), or a usage message."""
    check = find_check(code)
    if check is None:
        valid = ", ".join(c.code for c in all_checks())
        return 4, f"pytest-kabul: unknown check {code!r}; valid codes: {valid}\n"
    page = render_check(check).split("\n", 2)[2]  # drop the "generated" comment line
    return 0, f"{page.rstrip()}\n\nOnline: {check_url(check.code, docs_url)}\n"


def catalogue() -> str:
    return "".join(
        f"{c.code}  {c.name:<40} {c.area.value:<13} {c.severity.label:<9} {c.tier.value}\n"
        for c in all_checks()
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pytest_kabul")
    sub = parser.add_subparsers(dest="command", required=True)
    show = sub.add_parser("explain", help="print a check's documentation page")
    show.add_argument("code", help="a check code (KAB302) or name (deploy-skips-migrations)")
    sub.add_parser("list", help="list every check")
    args = parser.parse_args(argv)
    if args.command == "list":
        sys.stdout.write(catalogue())
        return 0
    status, text = explain(args.code)
    (sys.stdout if status == 0 else sys.stderr).write(text)
    return status
