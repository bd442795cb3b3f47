"""Where an Alembic ``script_location`` (or a ``version_locations`` entry) is in the repository.

Alembic accepts three forms, and so do we:

- a path relative to the config file's folder (``%(here)s/alembic``, ``migrations``);
- a *package resource* ``package:path`` (``myapp:migrations``, ``acme:server:db:migrations``):
  Alembic splits on every ``:`` and asks ``importlib.resources.files(package)`` for the rest.
  We find the package by its dotted name in the repository: the nearest sys.path root above the
  config file first (``src/`` layouts included), else anywhere in the project;
- an absolute path. Inside the project it is the project path; outside it, it is usually the path
  *inside a container* (``/app/migrations``) of the image that ships the config file. It is
  mapped back through ``[tool.kabul] paths_in_images`` first, then through the ``COPY``/``ADD``
  destinations (with ``WORKDIR``) of the images that ship the config file. When neither maps
  it, the environment cannot be judged statically: that is said, with the setting that fixes it.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from pytest_kabul.project.core import Project
from pytest_kabul.project.docker.dockerfiles import Dockerfile, dockerfiles
from pytest_kabul.project.docker.images import Image, Shipped, images

SETTING = "paths_in_images"


@dataclass(frozen=True)
class Located:
    """A resolved location: ``path`` (project-relative folder), or why it cannot be judged."""

    path: str | None
    unjudged: str | None = None  # a reason; set only when the repository cannot tell
    via: str | None = None  # how an in-container path was mapped (``Dockerfile:12 COPY …``)


def norm(base: str, path: str) -> str | None:
    """``base/path`` normalised and project-relative; None when it leaves the project."""
    joined = posixpath.normpath(posixpath.join(base, path)) if base else posixpath.normpath(path)
    if joined.startswith("../") or joined == ".." or posixpath.isabs(joined):
        return None
    return "" if joined == "." else joined


def _is_folder(project: Project, rel: str) -> bool:
    return bool(project.files.under(rel)) if rel else True


def locate(project: Project, config_path: str, value: str) -> Located:
    """Resolve one location value of the config file ``config_path``."""
    value = value.strip()
    config_dir = posixpath.dirname(config_path)
    if not value:
        return Located(None)
    if posixpath.isabs(value):
        root = str(project.root)
        if value == root or value.startswith(root + "/"):
            return Located(norm("", value[len(root) :].lstrip("/")))
        return container_location(project, config_path, value)
    if ":" in value and not value.startswith("."):
        return package_location(project, config_dir, value)
    return Located(norm(config_dir, value))


# -- package resources ---------------------------------------------------------------------


def package_location(project: Project, config_dir: str, value: str) -> Located:
    """``package:sub:dir`` -> the folder of ``package/sub/dir`` in the repository."""
    tokens = [t.strip().strip("/") for t in value.split(":")]
    package = tokens[0].replace(".", "/")
    if not package or any(not t for t in tokens[1:]):
        return Located(None)
    wanted = "/".join([package, *tokens[1:]])
    roots = _package_roots(project, package)
    if not roots:
        return Located(
            None,
            unjudged=(
                f"script_location {value!r} names the package {tokens[0]!r}, which is not part"
                " of this repository (an installed dependency): its migrations cannot be read"
            ),
        )
    for root in _ranked(roots, config_dir):
        candidate = norm(root, wanted)
        if candidate is not None and _is_folder(project, candidate):
            return Located(candidate)
    # The package is here but the folder is not: a real defect, reported by the check.
    return Located(None)


def _package_roots(project: Project, package: str) -> set[str]:
    """Folders ``R`` (sys.path roots) under which ``R/<package>/`` holds Python files."""
    marker = f"/{package}/"
    roots: set[str] = set()
    for rel in project.files:
        if not rel.endswith(".py"):
            continue
        text = f"/{rel}"
        start = text.find(marker)
        while start != -1:
            roots.add(text[1:start] if start else "")
            start = text.find(marker, start + 1)
    return roots


def _ranked(roots: set[str], config_dir: str) -> list[str]:
    """Roots that hold the config file (nearest first), then ``src/`` beside it, then the rest."""

    def key(root: str) -> tuple[int, int, str]:
        inside = root == "" or config_dir == root or config_dir.startswith(root + "/")
        beside = root in (f"{config_dir}/src" if config_dir else "src",)
        rank = 0 if inside else 1 if beside else 2
        return (rank, -root.count("/") - bool(root) if rank == 0 else root.count("/"), root)

    return sorted(roots, key=key)


# -- paths inside a container -------------------------------------------------------------


def container_location(project: Project, config_path: str, value: str) -> Located:
    """An absolute path outside the project: the image's path, mapped back to the repository."""
    path = posixpath.normpath(value)
    configured = project.config.paths_in_images
    for prefix in sorted(configured, key=lambda p: (-len(p), p)):
        clean = posixpath.normpath(prefix)
        if path == clean or path.startswith(clean.rstrip("/") + "/"):
            rest = path[len(clean) :].lstrip("/")
            base = configured[prefix].strip().strip("/").removeprefix("./")
            target = norm("" if base in ("", ".") else base, rest)
            if target is not None and _is_folder(project, target):
                return Located(target, via=f"[tool.kabul] {SETTING} {prefix!r}")
    shipping = [i for i in images(project) if i.ships(config_path)]
    shipping.sort(key=lambda i: (not i.production, i.dockerfile, i.context))
    by_path = {d.path: d for d in dockerfiles(project)}
    for image in shipping:
        found = _through_image(project, image, by_path.get(image.dockerfile), path)
        if found is not None:
            return found
    seen = ", ".join(sorted({i.dockerfile for i in shipping})) or "no Dockerfile ships it"
    return Located(
        None,
        unjudged=(
            f"script_location {value!r} is a path inside a container, not in this repository,"
            f" and no COPY of an image that ships {config_path} maps it back ({seen}); map the"
            f' container folder in [tool.kabul] {SETTING} (e.g. {{ "/app" = "backend" }})'
        ),
    )


def _through_image(
    project: Project, image: Image, dockerfile: Dockerfile | None, path: str
) -> Located | None:
    best: tuple[int, str, Shipped] | None = None
    for shipped in image.shipped:
        if dockerfile is None or "$" in shipped.destination:
            continue
        destination = _destination(dockerfile, shipped)
        if not (path == destination or path.startswith(destination.rstrip("/") + "/")):
            continue
        if shipped.source in project.files:  # a single file, not a folder
            continue
        rest = path[len(destination) :].lstrip("/")
        target = norm(shipped.source, rest)
        if target is None or not _is_folder(project, target):
            continue
        candidate = (len(destination), target, shipped)
        if best is None or candidate[:2] > best[:2]:  # the deepest destination wins
            best = candidate
    if best is None:
        return None
    _length, target, shipped = best
    return Located(
        target,
        via=(
            f"{shipped.dockerfile}:{shipped.line} copies {shipped.source or '.'}"
            f" to {_destination(dockerfile, shipped) if dockerfile else shipped.destination}"
        ),
    )


def _destination(dockerfile: Dockerfile, shipped: Shipped) -> str:
    """The absolute destination of a COPY: a relative one is joined to the WORKDIR in force."""
    destination = shipped.destination
    if posixpath.isabs(destination):
        return posixpath.normpath(destination)
    return posixpath.normpath(posixpath.join(_workdir_at(dockerfile, shipped.line), destination))


def _workdir_at(dockerfile: Dockerfile, line: int) -> str:
    stage = next(
        (s for s in dockerfile.stages if any(i.line == line for i in s.instructions)), None
    )
    if stage is None:
        return "/"
    workdir = "/"
    for current in reversed(dockerfile.stage_chain(stage)):
        for instruction in current.instructions:
            if current is stage and instruction.line >= line:
                break
            if instruction.keyword == "WORKDIR" and "$" not in instruction.value:
                workdir = posixpath.normpath(posixpath.join(workdir, instruction.value.strip()))
    return workdir
