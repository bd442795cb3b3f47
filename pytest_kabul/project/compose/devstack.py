"""Development signs of a compose service that its compose text alone does not show.

- The image's own start command runs a dev server: the Dockerfile's ``CMD``/``ENTRYPOINT`` (of
  the build target) is ``npm run dev`` whose ``package.json`` script is ``next dev``, a
  ``start.sh`` that runs ``uvicorn --reload`` / ``fastapi dev`` / ``flask run``, or the dev server
  itself.
- The service bind-mounts its own source into the container (``./next/:/next/`` for a service
  built from ``./next``): the code it runs is the developer's working copy.

Used by :func:`pytest_kabul.project.compose.roles.dev_reason`.
"""

from __future__ import annotations

import posixpath
import re
import shlex

from pytest_kabul.project import shell as sh
from pytest_kabul.project.compose.model import ComposeService
from pytest_kabul.project.core import Project
from pytest_kabul.project.docker.dockerfiles import dockerfiles

DEV_RE = re.compile(
    r"(--reload\b|\bnext\s+dev\b|\b(npm|pnpm|yarn|bun)\s+(run\s+)?dev\b|\bfastapi\s+dev\b"
    r"|\bnodemon\b|\brunserver\b|\bflask\s+(--\S+\s+)*run\b|--debug\b|\bvite(\s+dev)?\s*$"
    r"|\bvite\s+--|\bwebpack\s+serve\b|\bwebpack-dev-server\b|\bts-node-dev\b|\btsx\s+watch\b)"
)
_RUNNERS = frozenset({"npm", "pnpm", "yarn", "bun"})
_SOURCE_SUFFIXES = (".py", ".js", ".jsx", ".ts", ".tsx", ".mjs", ".go", ".rb")


def _image_argv(project: Project, service: ComposeService) -> tuple[list[str], str] | None:
    """The image's ENTRYPOINT + CMD for the service's build target, and its Dockerfile path."""
    if service.dockerfile is None:
        return None
    dockerfile = next((d for d in dockerfiles(project) if d.path == service.dockerfile), None)
    if dockerfile is None:
        return None
    build = service.raw.get("build")
    target = build.get("target") if isinstance(build, dict) else None
    stage = next(
        (s for s in dockerfile.stages if target and (s.name or "").lower() == str(target).lower()),
        dockerfile.final,
    )
    entry = dockerfile.effective("ENTRYPOINT", stage)
    cmd = dockerfile.effective("CMD", stage)
    argv = [*(entry.argv() if entry else []), *(cmd.argv() if cmd else [])]
    return argv, dockerfile.path


def _find(project: Project, context: str, path: str) -> str | None:
    """A file the container runs (``./start.sh``, ``/app/start.sh``), looked up in the context."""
    parts = [p for p in path.strip("\"'").split("/") if p not in ("", ".")]
    if not parts or ".." in parts or "$" in path:
        return None
    for start in range(len(parts)):
        tail = "/".join(parts[start:])
        rel = posixpath.join(context, tail) if context else tail
        if rel in project.files:
            return rel
    return None


def _package_script(project: Project, context: str, argv: list[str]) -> tuple[str, str] | None:
    """``npm run dev`` → (``package.json``, its ``dev`` script text)."""
    if not argv or sh.base(argv[0]) not in _RUNNERS:
        return None
    args = [a for a in argv[1:] if not a.startswith("-")]
    if args and args[0] in ("run", "run-script"):
        args = args[1:]
    if not args:
        return None
    name = args[0]
    rel = posixpath.join(context, "package.json") if context else "package.json"
    data = project.read_json(rel) if rel in project.files else None
    scripts = data.get("scripts") if isinstance(data, dict) else None
    script = scripts.get(name) if isinstance(scripts, dict) else None
    return (f"{rel} script {name}", script) if isinstance(script, str) else None


def _dev_in(project: Project, context: str, text: str, depth: int = 0) -> str | None:
    """What in a command (or the scripts it runs) starts a development server."""
    for argv in sh.split(text):
        line = " ".join(argv)
        script = _package_script(project, context, argv)
        if script is not None:
            where, body = script
            m = DEV_RE.search(body)
            if m:
                return f"{line} -> {where}: {body.strip()}"
            continue
        shell = sh.shell_script(argv)
        if shell is not None and depth < 3:
            rest = argv[argv.index(shell) + 1 :] if shell in argv else []
            passed = _dev_in(project, context, shlex.join(rest), depth + 1) if rest else None
            if passed:  # ENTRYPOINT ["sh", "/entrypoint.sh"] + CMD ["npm", "run", "dev"]
                return passed
            rel = _find(project, context, shell)
            content = project.read_text(rel) if rel is not None else None
            if rel is not None and content:
                for raw in content.splitlines():
                    code = raw.split("#", 1)[0].strip()
                    found = _dev_in(project, context, code, depth + 1) if code else None
                    if found:
                        return f"{line} -> {rel}: {found}"
            continue
        m = DEV_RE.search(line)
        if m:
            return line
    return None


def image_dev_server(project: Project, service: ComposeService) -> str | None:
    """How the service's image starts a development server, else None."""
    if service.command is not None or service.entrypoint is not None:
        return None  # the compose command replaces the image's (judged from compose)
    found = _image_argv(project, service)
    if found is None or not found[0]:
        return None
    argv, dockerfile = found
    context = service.build_context or ""
    context = "" if context == "." else context
    text = sh.shell_c(argv)
    what = _dev_in(project, context, text if text is not None else shlex.join(argv))
    return f"{dockerfile} starts {what}" if what else None


def mounted_source(project: Project, service: ComposeService) -> str | None:
    """A bind mount of the service's own source folder into the container, else None."""
    context = service.build_context
    if context is None or "://" in context:
        return None
    context = "" if context == "." else context
    for volume in service.volumes:
        source, _, rest = volume.partition(":")
        if not rest or not (source == "." or source.startswith("./")):
            continue  # a named volume, an absolute host path or a path outside the project
        folder = posixpath.normpath(source.removeprefix("./")) if source != "." else ""
        folder = "" if folder == "." else folder
        if folder in project.files:
            continue  # a single file (a config or .env), not the source tree
        overlaps = (
            not folder
            or not context
            or folder == context
            or folder.startswith(context + "/")
            or context.startswith(folder + "/")
        )
        if not overlaps:
            continue
        prefix = f"{folder}/" if folder else ""
        if any(f.startswith(prefix) and f.endswith(_SOURCE_SUFFIXES) for f in project.files):
            target = rest.split(":", 1)[0]
            return f"bind-mounts its source {source} into {target}"
    return None
