"""What each Python app's image installs: Dockerfile install commands → manifests → names.

For every Python app, the Dockerfiles built from it (compose ``build:`` context/dockerfile when a
compose file builds it, else a Dockerfile in or above the app whose ``COPY`` sources are the app)
are read for ``pip install .[extra]`` / ``-r file`` / ``-e``, ``uv sync`` (``--no-dev``,
``--extra``, ``--group``), ``uv pip install|sync``, ``poetry install`` (``--only main``,
``--without``, ``--with``, ``--extras``), ``pipenv install|sync [--dev]``, ``pdm install
[--prod]`` and ``poetry/uv/pdm export -o file`` feeding a later ``pip install -r file``. In-image
paths are mapped back to the build context through ``COPY`` and ``WORKDIR``; ``$VARS`` in
install commands take their ``ARG`` defaults, the compose ``build.args`` of the service that
builds the image, or ``ENV`` (:mod:`.build_vars`). The result is the
set of canonical distribution names the image installs and the manifests they come from. An app
without such a Dockerfile falls back to its declared runtime dependencies (extras included: it
is a library or an app installed some other way).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, replace

from pytest_kabul.project.compose.load import compose_models
from pytest_kabul.project.compose.model import ComposeKind
from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.docker.build_vars import compose_build_args
from pytest_kabul.project.docker.dockerfiles import Dockerfile, dockerfiles
from pytest_kabul.project.docker.install_model import InstallStep
from pytest_kabul.project.docker.install_steps import install_steps
from pytest_kabul.project.python.apps import PythonApp, python_apps
from pytest_kabul.project.python.manifests.model import (
    Declared,
    DepKind,
    Manifest,
    ManifestKind,
    is_dev_name,
    sorted_decls,
)
from pytest_kabul.project.python.manifests.reader import manifest


@dataclass(frozen=True)
class ImageInstall:
    app: str  # the app root ("" for the repository root)
    dockerfile: str | None  # None: no Dockerfile, the declared runtime dependencies
    manifests: tuple[str, ...]  # the manifests the image installs, project-relative
    extras: tuple[str, ...]
    groups: tuple[str, ...]
    names: frozenset[str]  # canonical names of every distribution installed directly
    installed: tuple[Declared, ...]  # the declarations behind ``names`` (for the closure)
    line: int | None = None  # the first install instruction's line in the Dockerfile
    steps: tuple[InstallStep, ...] = ()  # the install steps, in Dockerfile order

    @property
    def label(self) -> str:
        """``backend/pyproject.toml, the manifest backend/Dockerfile installs``."""
        files = " and ".join(self.manifests)
        if self.dockerfile is None and not files:
            return "any manifest (the app declares no dependencies)"
        if self.dockerfile is None:
            return f"{files}, the app's declared runtime dependencies"
        noun = "manifests" if len(self.manifests) > 1 else "manifest"
        if not self.manifests:
            return f"the packages {self.dockerfile} installs"
        return f"{files}, the {noun} {self.dockerfile} installs"


def app_manifests(project: Project, app: PythonApp) -> tuple[Manifest, ...]:
    """Every manifest of the app: its root manifests and a ``requirements/`` folder."""
    folder = project.files.under(app.path("requirements"))  # a bisected run, not a file scan
    paths = (
        set(app.manifests)
        | set(app.extra_manifests)
        | {f for f in folder if f.endswith((".txt", ".in"))}
    )
    if app.path("Pipfile") in project.files:
        paths.add(app.path("Pipfile"))
    found = (manifest(project, p) for p in sorted(paths))
    return tuple(m for m in found if m is not None)


def declared_runtime(project: Project, app: PythonApp) -> ImageInstall:
    """The fallback: what the app declares for run time (extras included, dev files excluded)."""
    used: list[Manifest] = []
    for m in app_manifests(project, app):
        base = m.path.rsplit("/", 1)[-1]
        if m.kind.value == "requirements" and is_dev_name(base.rsplit(".", 1)[0]):
            continue
        if any(d.kind is not DepKind.GROUP for d in m.deps):
            used.append(m)
    decl = tuple(d for m in used for d in m.deps if d.kind is not DepKind.GROUP)
    return ImageInstall(
        app.root,
        None,
        tuple(m.path for m in used),
        (),
        (),
        frozenset(d.name for d in decl),
        decl,
    )


def _from_steps(
    project: Project, app: PythonApp, df: Dockerfile, steps: list[InstallStep]
) -> ImageInstall:
    names: set[str] = set()
    installed: list[Declared] = []
    manifests: list[str] = []
    extras: set[str] = set()
    groups: set[str] = set()
    for step in steps:
        if step.names:
            names.update(step.names)
            installed.extend(
                Declared(n, df.path, step.line, DepKind.RUNTIME, "", n) for n in step.names
            )
        if step.manifest is None:
            continue
        m = manifest(project, step.manifest)
        if (
            m is not None
            and m.project_name
            and m.kind is not ManifestKind.REQUIREMENTS
            and m.path not in app.manifests
        ):
            # ``pip install ../sdk`` installs that distribution itself, with or without its deps
            names.add(m.project_name)
            installed.append(
                Declared(m.project_name, df.path, step.line, DepKind.RUNTIME, "", m.project_name)
            )
        if m is None or step.no_deps:
            continue
        manifests.append(m.path)
        every_group = set(m.group_names(DepKind.GROUP)) - set(step.without)
        wanted_groups = (
            tuple(sorted(every_group - {"build-system"})) if step.all_groups else step.groups
        )
        wanted_extras = m.group_names(DepKind.EXTRA) if step.all_extras else step.extras
        extras.update(wanted_extras)
        groups.update(wanted_groups)
        for d in m.deps:
            if (
                (d.kind is DepKind.RUNTIME and step.main)
                or (d.kind is DepKind.EXTRA and d.group in wanted_extras)
                or (d.kind is DepKind.GROUP and d.group in wanted_groups)
            ):
                names.add(d.name)
                installed.append(d)
    return ImageInstall(
        app.root,
        df.path,
        tuple(dict.fromkeys(manifests)),
        tuple(sorted(extras)),
        tuple(sorted(groups)),
        frozenset(names),
        sorted_decls(installed),
        min((s.line for s in steps), default=None),
        tuple(steps),
    )


def _contexts(project: Project) -> dict[str, tuple[str, dict[str, str]]]:
    """Dockerfile → (build context, ``build.args``) from compose ``build:``, production first
    (else the Dockerfile's folder and no args)."""
    out: dict[str, tuple[str, dict[str, str]]] = {}
    try:
        models = sorted(compose_models(project), key=lambda m: m.kind is not ComposeKind.PRODUCTION)
        for model in models:
            for service in model.services.values():
                if service.dockerfile and service.build_context is not None:
                    args = compose_build_args(service.raw.get("build"))
                    out.setdefault(service.dockerfile, (service.build_context, args))
    except Exception:  # compose support is optional here: fall back to the folder
        pass
    return out


def _owner(app_roots: list[str], path: str) -> str | None:
    best: str | None = None
    for root in app_roots:
        if (root == "" or path == root or path.startswith(root + "/")) and (
            best is None or len(root) > len(best)
        ):
            best = root
    return best


@facet
def image_installs(project: Project) -> tuple[ImageInstall, ...]:
    """Every (app, Dockerfile) pair whose Dockerfile installs Python packages, sorted."""
    apps = {a.root: a for a in python_apps(project)}
    roots = sorted(apps)
    contexts = _contexts(project)
    out: list[ImageInstall] = []
    for df in dockerfiles(project):
        context, args = contexts.get(df.path, (df.directory, {}))
        if "://" in context:
            continue
        steps = install_steps(project, df, context, args)
        if not steps:
            continue
        owner = _owner(roots, df.directory)
        hits = sorted(
            {h for s in steps if s.manifest for h in [_owner(roots, s.manifest)] if h is not None}
        )
        if hits and owner not in hits:
            owner = hits[-1]
        if owner is None:
            continue
        out.append(_from_steps(project, apps[owner], df, steps))
    return tuple(sorted(out, key=lambda i: (i.app, i.dockerfile or "")))


def production_install(project: Project, app: PythonApp) -> ImageInstall:
    """The production image's install for an app, or its declared runtime dependencies."""
    mine = [i for i in image_installs(project) if i.app == app.root and i.dockerfile]
    if not mine:
        return declared_runtime(project, app)

    def rank(i: ImageInstall) -> tuple[int, int, int, str]:
        base = posixpath.basename(i.dockerfile or "")
        return (
            is_dev_name(base),
            base != "Dockerfile",
            len(i.dockerfile or ""),
            i.dockerfile or "",
        )

    best = sorted(mine, key=rank)[0]
    return _with_plugins(project, app, best)


def _with_plugins(project: Project, app: PythonApp, install: ImageInstall) -> ImageInstall:
    """Plugin folders' requirements are extra install lines of the host app's image."""
    extra = [m for p in app.extra_manifests for m in [manifest(project, p)] if m is not None]
    if not extra:
        return install
    decl = [d for m in extra for d in m.deps if d.kind is DepKind.RUNTIME]
    return replace(
        install,
        manifests=tuple(dict.fromkeys([*install.manifests, *(m.path for m in extra)])),
        names=install.names | {d.name for d in decl},
        installed=sorted_decls([*install.installed, *decl]),
    )
