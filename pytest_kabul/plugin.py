"""The pytest entry point (``pytest11``).

Kept deliberately light: registering options and markers costs nothing measurable, and the
analysis machinery (project model, checks, report writers) is imported only when
``--kabul-readiness`` is given.
"""

from __future__ import annotations

import argparse
import sys

import pytest

SEVERITIES = ("info", "warning", "error", "critical")
# Readiness item ids start with this; ``nodeids`` is imported only when one is given.
ID_PREFIX = "kabul::"
# Options whose value is a path: pytest decides rootdir before this plugin is loaded, so in the
# space-separated form (``--kabul-json out.json``) it takes an existing value for a test path.
PATH_OPTIONS = (
    "--kabul-root",
    "--kabul-config",
    "--kabul-json",
    "--kabul-sarif",
    "--kabul-baseline",
    "--kabul-markdown",
)


def _jobs(value: str) -> int:
    try:
        jobs = int(value)
    except ValueError:
        jobs = -1
    if jobs < 0:
        raise argparse.ArgumentTypeError(
            f"expected a number of processes (0: automatic), got {value!r}"
        )
    return jobs


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kabul", "production-readiness checks (pytest-kabul)")
    add = group.addoption
    add("--kabul-readiness", action="store_true", help="Collect and run the readiness checks.")
    add(
        "--kabul-only",
        action="store_true",
        help="Collect only the readiness checks; never import the project's own test modules.",
    )
    add("--kabul-root", metavar="PATH", help="Project root to check (default: rootdir).")
    add("--kabul-config", metavar="PATH", help="Config file (default: [tool.kabul] or kabul.toml).")
    add(
        "--kabul-select",
        metavar="CODES",
        action="append",
        default=[],
        help="Only these codes or prefixes (comma-separated, e.g. KAB1,KAB201).",
    )
    add(
        "--kabul-ignore",
        metavar="CODES",
        action="append",
        default=[],
        help="Skip these codes or prefixes; the longest match between select and ignore wins.",
    )
    add(
        "--kabul-jobs",
        metavar="N",
        type=_jobs,
        default=0,
        help="Processes the static scan may use on large trees (default: one per usable CPU;"
        " 1: serial). Findings are the same either way.",
    )
    add("--kabul-json", metavar="PATH", help="Write the JSON report (schema 1) to PATH.")
    add("--kabul-sarif", metavar="PATH", help="Write a SARIF 2.1.0 report to PATH.")
    add(
        "--kabul-fail-level",
        choices=SEVERITIES,
        default=None,
        help="Lowest severity that fails an item (default: error).",
    )
    add(
        "--kabul-require-live",
        action="store_true",
        help="Live services that cannot be provided are errors, not skips.",
    )
    add("--kabul-postgres-url", metavar="URL", help="Postgres server for live checks.")
    add("--kabul-redis-url", metavar="URL", help="Redis server for live checks.")
    add(
        "--kabul-allow-remote-db",
        action="store_true",
        help="Allow a --kabul-postgres-url / --kabul-redis-url whose host is not loopback.",
    )
    add(
        "--kabul-annotations",
        action="store_true",
        help="Print GitHub workflow annotations for the findings (on by default when"
        " GITHUB_ACTIONS=true).",
    )
    add(
        "--kabul-markdown",
        metavar="PATH",
        help="Write the Markdown job summary to PATH (appended to $GITHUB_STEP_SUMMARY"
        " automatically on GitHub Actions).",
    )
    add(
        "--kabul-explain",
        metavar="CODE",
        help="Print the documentation page of a check (e.g. KAB302) and exit.",
    )
    add(
        "--kabul-explain-runtime",
        action="store_true",
        help="Print the runtime model: services, images, start paths, runtime vs tooling files.",
    )
    add("--kabul-baseline", metavar="PATH", help="Fail only on findings not in this baseline.")
    add(
        "--kabul-baseline-write",
        action="store_true",
        help="Write today's findings to --kabul-baseline instead of gating on it.",
    )
    parser.addini("kabul_fail_level", "Lowest severity that fails an item.", default=None)
    parser.addini("kabul_select", "Codes or prefixes to run.", type="args", default=[])
    parser.addini("kabul_ignore", "Codes or prefixes to skip.", type="args", default=[])


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> None:
    namespace = early_config.known_args_namespace
    # ``pytest "kabul::KAB101[backend:redis]"`` (what a FAILED line shows and an IDE's rerun
    # button sends) names no file: take such ids out of the arguments before pytest looks for
    # them on disk, remember them as a selection, and turn the checks on. With nothing else to
    # run it is a checks-only run.
    ids = tuple(arg for arg in args if arg.startswith(ID_PREFIX))
    if ids:
        from pytest_kabul.nodeids import NODE_IDS, NodeSelection

        args[:] = [arg for arg in args if not arg.startswith(ID_PREFIX)]
        others = [a for a in getattr(namespace, "file_or_dir", None) or [] if a not in ids]
        early_config.stash[NODE_IDS] = NodeSelection(ids=ids, only=not others)
        if not (namespace.kabul_readiness or namespace.kabul_only):
            flag = "--kabul-readiness" if others else "--kabul-only"
            args.append(flag)
            setattr(namespace, flag.removeprefix("--").replace("-", "_"), True)
    # --kabul-only promises never to import the project's test code: pytest would otherwise
    # import conftest.py files of the rootdir and of test* folders at start-up, and a project
    # whose conftest cannot import must still get its readiness report.
    if getattr(namespace, "kabul_only", False):
        namespace.noconftest = True
    if namespace.kabul_readiness or namespace.kabul_only:
        from pytest_kabul.rootdir import restore_rootdir

        restore_rootdir(early_config, args, PATH_OPTIONS)


def pytest_cmdline_main(config: pytest.Config) -> int | None:
    code = config.getoption("kabul_explain")
    if not code:
        return None
    from pytest_kabul.explain import explain

    status, text = explain(str(code))
    (sys.stdout if status == 0 else sys.stderr).write(text)
    return status


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "kabul: a pytest-kabul readiness check")
    config.addinivalue_line(
        "markers", "kabul_live: a readiness check that starts real services (Postgres, Redis, app)"
    )
    from pytest_kabul import fixtures

    config.pluginmanager.register(fixtures, "kabul-fixtures")
    if config.getoption("kabul_readiness") or config.getoption("kabul_only"):
        from pytest_kabul.session import KabulPlugin

        config.pluginmanager.register(KabulPlugin(config), "kabul-session")
