"""Python apps: every folder with a Python manifest, and the source files that belong to it.

An app root is a folder holding ``pyproject.toml``, ``setup.py``, ``setup.cfg`` or a
``requirements*.txt``; a file belongs to the nearest app root above it. The root folder itself is
an app only when it has such a manifest *and* Python files outside the other apps (a monorepo's
root pyproject that only configures tools is not an app). Files are classified as runtime, test
(tests/, test_*.py, *_test.py, conftest.py) or tooling (docs/, scripts that are never shipped are
still runtime: we cannot know, and a crash in them is still a crash).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from pytest_kabul.project.core import Project, facet

MANIFEST_RE = re.compile(r"^(pyproject\.toml|setup\.py|setup\.cfg|requirements[^/]*\.(txt|in))$")
TEST_DIRS = frozenset({"tests", "test", "testing", "__tests__"})
TOOL_DIRS = frozenset({"docs", "doc", "examples", "bench", "benchmarks", "benchmark"})


@dataclass(frozen=True)
class PythonApp:
    name: str  # folder relative to the root; the root's own name for a root app
    root: str  # "" for the repository root
    manifests: tuple[str, ...]  # manifest files in the app root (relative to project root)
    runtime_files: tuple[str, ...]
    test_files: tuple[str, ...]
    local_modules: frozenset[str]  # top-level importable names the app itself provides
    # folder (project-relative) -> module/package names directly inside it
    folder_modules: Mapping[str, frozenset[str]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )
    package_dirs: frozenset[str] = frozenset()  # folders holding an ``__init__.py``

    def rel(self, path: str) -> str:
        """A project-relative path made relative to the app root."""
        return path[len(self.root) + 1 :] if self.root else path

    def path(self, rel_to_app: str) -> str:
        return f"{self.root}/{rel_to_app}" if self.root else rel_to_app

    def sibling_modules(self, path: str, *, script: bool) -> frozenset[str]:
        """Names importable from ``path``'s own folder when Python puts that folder on sys.path.

        ``python dir/x.py`` puts ``dir`` first on ``sys.path`` (``script``); pytest's default
        ``prepend`` import mode inserts the first folder above the test file that is not a
        package. A module inside a regular package gets nothing: ``import stripe`` in
        ``app/services/billing.py`` is the third-party ``stripe``, never ``app/services/stripe.py``.
        """
        folder = _dir(path)
        if folder in self.package_dirs:
            if script:
                return frozenset()
            while folder in self.package_dirs and folder != self.root:
                folder = _dir(folder)
        return self.folder_modules.get(folder, frozenset())

    @property
    def python_files(self) -> tuple[str, ...]:
        return tuple(sorted(self.runtime_files + self.test_files))


def _dir(rel: str) -> str:
    return rel.rsplit("/", 1)[0] if "/" in rel else ""


def is_test_file(rel_to_app: str) -> bool:
    parts = rel_to_app.split("/")
    name = parts[-1]
    if any(p in TEST_DIRS for p in parts[:-1]):
        return True
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"


def _owner(rel: str, roots: list[str]) -> str | None:
    best: str | None = None
    for root in roots:
        if (root == "" or rel.startswith(root + "/")) and (best is None or len(root) > len(best)):
            best = root
    return best


def local_modules_of(project: Project, root: str, files: list[str]) -> frozenset[str]:
    """Top-level names importable from the app: its root and its ``src/`` folder.

    A folder counts whether or not it has an ``__init__.py`` (namespace packages); names deeper
    in the tree are *not* top-level (see :meth:`PythonApp.sibling_modules` for scripts).
    """
    names: set[str] = set()
    for rel in files:
        inner = rel[len(root) + 1 :] if root else rel
        parts = inner.split("/")
        if parts[0] == "src" and len(parts) > 1:
            parts = parts[1:]
        names.add(parts[0].removesuffix(".py") if len(parts) == 1 else parts[0])
    return frozenset(n for n in names if n.isidentifier())


def _folder_modules(files: list[str]) -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    found: dict[str, set[str]] = {}
    packages: set[str] = set()
    for rel in files:
        folder = _dir(rel)
        name = rel.rsplit("/", 1)[-1]
        if name == "__init__.py":
            packages.add(folder)
        found.setdefault(folder, set()).add(name.removesuffix(".py"))
        child = folder
        while child:
            parent = _dir(child)
            sub = child.rsplit("/", 1)[-1]
            bucket = found.setdefault(parent, set())
            if sub in bucket:
                break
            bucket.add(sub)
            child = parent
    modules = {k: frozenset(n for n in v if n.isidentifier()) for k, v in found.items()}
    return modules, frozenset(packages)


@facet
def python_apps(project: Project) -> tuple[PythonApp, ...]:
    manifests: dict[str, list[str]] = {}
    for rel in project.files:
        name = rel.rsplit("/", 1)[-1]
        if MANIFEST_RE.match(name):
            manifests.setdefault(_dir(rel), []).append(rel)
    py_files = [f for f in project.files if f.endswith(".py")]
    roots = sorted(manifests)
    owned: dict[str, list[str]] = {r: [] for r in roots}
    for rel in py_files:
        owner = _owner(rel, roots)
        if owner is not None:
            owned[owner].append(rel)
    apps = []
    for root in roots:
        files = owned[root]
        if not files:
            continue
        runtime = [
            f
            for f in files
            if not is_test_file(f[len(root) + 1 :] if root else f)
            and (f[len(root) + 1 :] if root else f).split("/")[0] not in TOOL_DIRS
        ]
        runtime_set = set(runtime)
        tests = [f for f in files if f not in runtime_set]
        tests = [f for f in tests if is_test_file(f[len(root) + 1 :] if root else f)]
        folder_modules, package_dirs = _folder_modules(files)
        apps.append(
            PythonApp(
                name=root or project.root.name,
                root=root,
                manifests=tuple(sorted(manifests[root])),
                runtime_files=tuple(sorted(runtime)),
                test_files=tuple(sorted(tests)),
                local_modules=local_modules_of(project, root, files),
                folder_modules=folder_modules,
                package_dirs=package_dirs,
            )
        )
    return tuple(apps)
