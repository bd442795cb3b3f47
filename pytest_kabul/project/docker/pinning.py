"""Whether a production image installs its Python dependencies from a lockfile (KAB103).

For every production image whose Dockerfile installs Python packages
(:func:`~pytest_kabul.project.docker.installs.image_installs`), each install step is judged:

- a project tool installs from its lockfile when the lockfile is there: ``uv sync``/``uv export``
  with ``--locked``/``--frozen`` or a ``uv.lock`` beside the manifest (or at a workspace root
  above it), ``poetry install``/``export`` with ``poetry.lock``, ``pdm`` with ``pdm.lock``,
  ``pipenv`` with ``Pipfile.lock`` (not ``--skip-lock``);
- pip (and ``uv pip``) installs a lock when given ``-c``/``--constraint``, ``--require-hashes``,
  a ``pylock*.toml``, a requirements file that is compiled output (``# via``, ``--hash``, a
  pip-compile/uv header) or one with ``-c`` lines, or when the Dockerfile sets
  ``PIP_CONSTRAINT``/``UV_CONSTRAINT``/``UV_LOCKED``/``UV_FROZEN``.

Without a lock, the requirements the image installs (the manifests' selected dependencies and
packages named on the command line; installers such as pip or poetry and first-party projects
of the repository left out) are classified as pinned (``==``, a URL), bounded (``<``, ``~=``,
Poetry ``^``/``~``) or open (``>=`` or no version).
"""

from __future__ import annotations

import enum
import posixpath
import re
from dataclasses import dataclass

from packaging.utils import canonicalize_name

from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.docker.images import Image, ignored, images
from pytest_kabul.project.docker.install_model import InstallStep
from pytest_kabul.project.docker.installs import ImageInstall, image_installs
from pytest_kabul.project.python.manifests.model import DepKind, Manifest, parse_requirement
from pytest_kabul.project.python.manifests.reader import manifest


class Pin(enum.Enum):
    PINNED = "pinned"
    BOUNDED = "bounded"
    OPEN = "open"


@dataclass(frozen=True, order=True)
class Requirement:
    name: str
    text: str  # as written (Poetry: ``name = "^1.2"``)
    where: str  # ``path:line`` of the declaration
    pin: Pin = Pin.OPEN


@dataclass(frozen=True)
class ImagePinning:
    subject: str  # the image (``backend/Dockerfile``)
    dockerfile: str
    line: int | None  # the first install step
    lock: str | None  # how the image installs from a lock, None when it does not
    requirements: tuple[Requirement, ...]
    ignored_locks: tuple[str, ...] = ()  # lockfiles in the repository the image does not use

    @property
    def open(self) -> bool:
        """Every requirement is open and nothing is locked (the KAB103 finding)."""
        reqs = self.requirements
        return self.lock is None and bool(reqs) and all(r.pin is Pin.OPEN for r in reqs)


INSTALLERS = frozenset(
    {"pip", "setuptools", "wheel", "uv", "poetry", "pdm", "pipenv", "pip-tools", "virtualenv"}
    | {"poetry-plugin-export", "hatchling", "build", "supervisor"}
)
TOOL_LOCKS = {"uv": "uv.lock", "poetry": "poetry.lock", "pdm": "pdm.lock", "pipenv": "Pipfile.lock"}
_ENV_LOCK = re.compile(r"\b(PIP_CONSTRAINT|UV_CONSTRAINT|UV_LOCKED|UV_FROZEN)\b")


def pin_of(text: str) -> Pin:
    req = parse_requirement(text)
    if req is None:
        return Pin.PINNED  # not judged: never counted as open
    if req.url:
        return Pin.PINNED
    specs = list(req.specifier)
    if any(s.operator in ("==", "===") and not s.version.endswith(".*") for s in specs):
        return Pin.PINNED
    if any(s.operator in ("<", "<=", "~=", "==") for s in specs):
        return Pin.BOUNDED
    return Pin.OPEN


def poetry_pin(spec: object) -> Pin:
    if isinstance(spec, dict):
        if any(k in spec for k in ("git", "url", "path", "file")):
            return Pin.PINNED
        spec = spec.get("version", "*")
    text = str(spec).strip()
    if text in ("", "*"):
        return Pin.OPEN
    if text.startswith(("^", "~")) and not text.startswith("~="):
        return Pin.BOUNDED
    if text[0].isdigit():
        return Pin.BOUNDED if "*" in text else Pin.PINNED
    return pin_of(f"x{text}")


def _lock_near(project: Project, folder: str, name: str) -> str | None:
    """``name`` in ``folder`` or, for uv (workspaces), any folder above it."""
    while True:
        path = f"{folder}/{name}" if folder else name
        if path in project.files:
            return path
        if name != "uv.lock" or not folder:
            return None
        folder = posixpath.dirname(folder)


def _excluded(image: Image, rel: str) -> bool:
    """A file the build context does not hold (``.dockerignore``), so no step can read it."""
    context = image.context
    if context and not rel.startswith(context + "/"):
        return True
    return ignored(rel[len(context) + 1 :] if context else rel, image.ignore)


def _reaches(project: Project, image: Image, rel: str) -> bool:
    """The lockfile is in the image's build: copied, or named in the Dockerfile (a bind mount
    ``source=uv.lock``); a COPY of the manifest alone leaves the tool to resolve afresh."""
    if _excluded(image, rel):
        return False
    text = project.read_text(image.dockerfile) or ""
    return image.ships(rel) or posixpath.basename(rel) in text


def _step_lock(project: Project, image: Image, step: InstallStep) -> str | None:
    argv = step.argv
    folder = posixpath.dirname(step.manifest) if step.manifest else ""
    command = " ".join((step.tool, *argv[:1]))
    if step.tool in TOOL_LOCKS:
        for flag in ("--locked", "--frozen", "--frozen-lockfile", "--deploy"):
            if flag in argv:
                return f"{command} {flag}"
        if "--skip-lock" in argv or step.manifest is None:
            return None
        lock = _lock_near(project, folder, TOOL_LOCKS[step.tool])
        return f"{command} with {lock}" if lock and _reaches(project, image, lock) else None
    for i, arg in enumerate(argv):
        if arg in ("-c", "--constraint") and i + 1 < len(argv):
            return f"{step.tool} install -c {argv[i + 1]}"
        if arg.startswith(("--constraint=", "--require-hashes")):
            return f"{step.tool} install {arg}"
    if step.manifest is None:
        return None
    base = posixpath.basename(step.manifest)
    if base.startswith("pylock") and base.endswith(".toml"):
        return f"{step.tool} install of {step.manifest}"
    found = manifest(project, step.manifest)
    if found is not None and found.lock_like:
        return f"{step.manifest} (compiled, pinned with its dependencies)"
    if found is not None and found.constraints:
        return f"{step.manifest} with -c {found.constraints[0]}"
    return None


def _poetry_specs(project: Project, path: str) -> dict[str, object]:
    data = project.read_toml(path) or {}
    poetry = data.get("tool", {}).get("poetry", {})
    out: dict[str, object] = {}
    tables = [poetry.get("dependencies"), poetry.get("dev-dependencies")]
    groups = poetry.get("group")
    if isinstance(groups, dict):
        tables += [g.get("dependencies") for g in groups.values() if isinstance(g, dict)]
    for table in tables:
        if isinstance(table, dict):
            for name, spec in table.items():
                out.setdefault(str(canonicalize_name(name)), spec)
    return out


def _first_party(project: Project) -> frozenset[str]:
    names: set[str] = set()
    for path in project.files.named("pyproject.toml", "setup.cfg", "setup.py"):
        found = manifest(project, path)
        if found is not None and found.project_name:
            names.add(str(canonicalize_name(found.project_name)))
    return frozenset(names)


def _requirements(
    project: Project, install: ImageInstall, local: frozenset[str]
) -> list[Requirement]:
    out: list[Requirement] = []
    manifests: dict[str, Manifest | None] = {}
    for d in install.installed:
        if d.name in local or d.name in INSTALLERS or d.source == install.dockerfile:
            continue
        where = f"{d.source}:{d.line}" if d.line else d.source
        if d.source not in manifests:
            manifests[d.source] = manifest(project, d.source)
        found = manifests[d.source]
        if found is not None and found.style == "poetry" and d.kind is not DepKind.EXTRA:
            spec = _poetry_specs(project, d.source).get(d.name, "*")
            shown = spec if isinstance(spec, str) else "{...}"
            out.append(Requirement(d.name, f'{d.name} = "{shown}"', where, poetry_pin(spec)))
            continue
        out.append(Requirement(d.name, d.requirement, where, pin_of(d.requirement)))
    for step in install.steps:
        for text in step.specs:
            req = parse_requirement(text)
            name = str(canonicalize_name(req.name)) if req else text
            if name in local or name in INSTALLERS:
                continue
            out.append(Requirement(name, text, f"{install.dockerfile}:{step.line}", pin_of(text)))
    return sorted(set(out))


@facet
def image_pinning(project: Project) -> tuple[ImagePinning, ...]:
    """Per production image installing Python packages: its lock, or its requirements' pins."""
    production: dict[str, Image] = {}
    for image in images(project):
        if image.production:
            production.setdefault(image.dockerfile, image)
    out: list[ImagePinning] = []
    local: frozenset[str] | None = None
    for install in image_installs(project):
        dockerfile = install.dockerfile
        if dockerfile is None or dockerfile not in production or not install.steps:
            continue
        text = project.read_text(dockerfile) or ""
        env = _ENV_LOCK.search(text)
        lock = f"the Dockerfile sets {env.group(1)}" if env else None
        image = production[dockerfile]
        for step in install.steps:
            lock = lock or _step_lock(project, image, step)
        reqs: list[Requirement] = []
        unused: list[str] = []
        if lock is None:
            local = local if local is not None else _first_party(project)
            reqs = _requirements(project, install, local)
            for m in install.manifests:
                folder = posixpath.dirname(m)
                for name in TOOL_LOCKS.values():
                    found = _lock_near(project, folder, name)
                    if found:
                        why = (
                            " (excluded by .dockerignore)"
                            if _excluded(image, found)
                            else " (not copied into the image)"
                            if not _reaches(project, image, found)
                            else ""
                        )
                        unused.append(found + why)
        out.append(
            ImagePinning(
                image.subject,
                dockerfile,
                install.line,
                lock,
                tuple(reqs),
                tuple(sorted(set(unused))),
            )
        )
    return tuple(sorted(out, key=lambda p: p.subject))
