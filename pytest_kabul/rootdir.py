"""pytest's rootdir and the audited root.

pytest computes its rootdir from the free command-line arguments *before* it loads plugins, so
the value of ``--kabul-json PATH`` (space-separated) is taken for a test path when it exists,
and the rootdir moves to the common parent of the project and PATH (a run that audits ``/tmp``).
:func:`restore_rootdir` recomputes it from the arguments as pytest finally parsed them (the
value consumed by its option) and puts it back when nothing else depended on it.

The *audited root* is the repository's top level: the nearest ancestor of the rootdir holding
``.git``, else the rootdir (a project whose tests run from ``backend/`` keeps its compose and
deploy files audited). ``--kabul-root`` overrides it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest


def option_values(args: Sequence[str], options: Sequence[str]) -> list[str]:
    """Values given to ``options`` in the separate form (``--opt VALUE``)."""
    values = []
    for index, arg in enumerate(args[:-1]):
        if arg in options:
            values.append(args[index + 1])
    return values


def restore_rootdir(config: pytest.Config, args: Sequence[str], options: Sequence[str]) -> None:
    namespace = config.known_args_namespace
    if not option_values(args, options) or getattr(namespace, "rootdir", None):
        return
    try:
        from _pytest.config.findpaths import determine_setup

        rootpath, inipath, *_ = determine_setup(
            inifile=namespace.inifilename,
            override_ini=namespace.override_ini,
            args=list(namespace.file_or_dir),
            rootdir_cmd_arg=None,
            invocation_dir=config.invocation_params.dir,
        )
    except (ImportError, TypeError, pytest.UsageError):  # another pytest: keep its rootdir
        return
    old = config.rootpath
    if rootpath == old or inipath != config.inipath:
        return
    config._rootpath = rootpath
    config._parser.extra_info["rootdir"] = str(rootpath)
    if namespace.confcutdir == str(old):
        namespace.confcutdir = str(rootpath)


def audited_root(rootpath: Path) -> Path:
    """The nearest ancestor of ``rootpath`` (itself included) holding ``.git``, else it."""
    for folder in (rootpath, *rootpath.parents):
        if (folder / ".git").exists():
            return folder
    return rootpath
