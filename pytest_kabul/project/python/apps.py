"""Python apps: every folder with a Python manifest, and the source files that belong to it.

An app root is a folder holding ``pyproject.toml``, ``setup.py``, ``setup.cfg`` or a
``requirements*.txt``; a file belongs to the nearest app root above it. Two exceptions: a module
named ``setup.py`` inside a package (a folder with ``__init__.py``) is an ordinary module, and a
folder inside another app's package whose only manifests are ``requirements*.txt`` (a plugin) is
part of that app, its requirements being extra install lines (``extra_manifests``).

Files are classified as test (tests/, test_*.py, *_test.py, conftest.py), runtime (code
production runs) or tooling (everything else: scripts, build hooks, examples, code no production
image ships, every file of an app no production image installs); see :mod:`.roles`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.python.roles import AppRole, app_roles, file_role

MANIFEST_RE = re.compile(r"^(pyproject\.toml|setup\.py|setup\.cfg|requirements[^/]*\.(txt|in))$")
TEST_DIRS = frozenset({"tests", "test", "testing", "__tests__"})


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
    tooling_files: tuple[str, ...] = ()  # not run by production: judged at WARNING at most
    extra_manifests: tuple[str, ...] = ()  # plugin requirements installed into the same image
    production: bool = True
    role_reason: str = ""
    # file -> why it is runtime or tooling (for --kabul-explain-runtime)
    file_reasons: Mapping[str, str] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

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
        return tuple(sorted(self.runtime_files + self.test_files + self.tooling_files))


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


def _is_manifest(project: Project, rel: str, packages: set[str]) -> bool:
    name = rel.rsplit("/", 1)[-1]
    if not MANIFEST_RE.match(name):
        return False
    # ``mem0/memory/setup.py`` beside an ``__init__.py`` is a module, not a build script.
    return not (name == "setup.py" and _dir(rel) in packages)


def _plugin_hosts(manifests: dict[str, list[str]], packages: set[str]) -> dict[str, str]:
    """Requirements-only folders inside another app's package -> the host app root."""
    out: dict[str, str] = {}
    roots = sorted(manifests)
    for root in roots:
        names = {m.rsplit("/", 1)[-1] for m in manifests[root]}
        if not root or not all(n.startswith("requirements") for n in names):
            continue
        if root not in packages and _dir(root) not in packages:
            continue
        host = _owner(_dir(root) + "/x" if _dir(root) else "x", [r for r in roots if r != root])
        while host is not None and host in out:
            host = out[host]
        if host is not None:
            out[root] = host
    return out


@facet
def python_apps(project: Project) -> tuple[PythonApp, ...]:
    py_files = [f for f in project.files if f.endswith(".py")]
    packages = {_dir(f) for f in py_files if f.rsplit("/", 1)[-1] == "__init__.py"}
    manifests: dict[str, list[str]] = {}
    for rel in project.files:
        if _is_manifest(project, rel, packages):
            manifests.setdefault(_dir(rel), []).append(rel)
    hosts = _plugin_hosts(manifests, packages)
    extra: dict[str, list[str]] = {}
    for plugin, host in sorted(hosts.items()):
        extra.setdefault(host, []).extend(manifests.pop(plugin))
    roots = sorted(manifests)
    owned: dict[str, list[str]] = {r: [] for r in roots}
    for rel in py_files:
        owner = _owner(rel, roots)
        if owner is not None:
            owned[owner].append(rel)
    roles = app_roles(project, [r for r in roots if owned[r]], owned)
    apps = []
    for root in roots:
        files = owned[root]
        if not files:
            continue
        role: AppRole = roles[root]
        tests = [f for f in files if _is_test(f, root)]
        test_set = set(tests)
        runtime: list[str] = []
        tooling: list[str] = []
        reasons: dict[str, str] = {}
        folder_modules, package_dirs = _folder_modules(files)
        for f in files:
            if f in test_set:
                continue
            kind, why = file_role(role, root, f, package_dirs)
            (runtime if kind == "runtime" else tooling).append(f)
            reasons[f] = why
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
                tooling_files=tuple(sorted(tooling)),
                extra_manifests=tuple(sorted(extra.get(root, ()))),
                production=role.production,
                role_reason=role.reason,
                file_reasons=reasons,
            )
        )
    return tuple(apps)


def _is_test(rel: str, root: str) -> bool:
    return is_test_file(rel[len(root) + 1 :] if root else rel) or bool(
        TEST_DIRS.intersection(root.split("/"))
    )
