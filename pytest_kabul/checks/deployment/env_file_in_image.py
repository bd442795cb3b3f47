"""KAB505 env-file-in-image: the developer's ``.env`` or keys are copied into the image.

What it checks
    Every production image (``project/docker/images.py``): each ``COPY``/``ADD`` of a folder
    (``COPY . .``, ``COPY backend/ /app``) in the stages that make the final image, with the
    ``.dockerignore`` of the build context applied the way Docker applies it (patterns are
    anchored at the context root: ``.env`` excludes only ``./.env``; ``**/.env`` excludes every
    one). A finding when the copied folder would carry a local secret:

    - a secret file exists there: ``.env``, ``.env.production``, ``prod.env``, ``*.pem``,
      ``*.key``, ``id_rsa``, ``credentials.json``, ``client_secret*.json``,
      ``service-account*.json``, ``*firebase-adminsdk*.json`` (templates such as
      ``.env.example`` are not secrets); or
    - a ``.gitignore`` lists one (the developer keeps it locally, so every ``docker build`` on
      that machine ships it) and, for ``.env``, the project shows it expects one in that folder:
      a template (``.env.example``) next to it, a compose ``env_file:`` naming it, or code in
      the folder reading ``.env`` (pydantic ``env_file=".env"``, ``load_dotenv()``).

    ``COPY`` of single files and ``COPY --from`` of other stages are not judged. File contents
    are never read or shown: only names.

Why it matters
    Everything in the build context that is not ignored is in a layer of the image, forever:
    whoever can pull the image (a registry, a CI cache, a customer) reads the production
    database password, API keys and signing keys. ``.gitignore`` does not apply to
    ``docker build``; only ``.dockerignore`` does.

Example
    ``backend/Dockerfile:9 COPY . . ships backend/.env (environment file): no .dockerignore
    entry excludes it``

Before
    ``Dockerfile``::

        FROM python:3.12-slim
        WORKDIR /app
        COPY requirements.txt .
        RUN pip install -r requirements.txt
        COPY . .
        CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]

    ``requirements.txt``::

        fastapi

    ``.env``::

        SECRET_KEY=change-me

    ``app/main.py``::

        from fastapi import FastAPI

        app = FastAPI()

After
    ``.dockerignore``::

        .env
        .env.*

Fix
    Add a ``.dockerignore`` to the build context with ``**/.env``, ``**/.env.*``,
    ``!**/.env.example``, ``**/*.pem``, ``**/*.key``, ``**/credentials*.json`` (or copy only
    the folders the image needs), and pass settings at run time (compose ``environment:``,
    the platform's secrets). Rotate any secret that was already in a pushed image.
"""

from __future__ import annotations

import fnmatch
import re

from pytest_kabul.model import Area, Evidence, Finding, Location, Severity
from pytest_kabul.project.core import Project
from pytest_kabul.project.docker.dockerfiles import dockerfiles
from pytest_kabul.project.docker.images import Image, Shipped, ignored, images
from pytest_kabul.project.docker.secret_files import (
    env_file_expected,
    gitignored_secrets,
    secret_files_on_disk,
    secret_kind,
)
from pytest_kabul.registry import Check, Evaluation

check = Check(
    code="KAB505",
    name="env-file-in-image",
    area=Area.DEPLOYMENT,
    severity=Severity.CRITICAL,
    summary="A COPY ships a local .env, private key or credentials file into the image.",
    doc=__doc__,
)


def _inside(rel: str, folder: str) -> bool:
    return folder == "" or rel == folder or rel.startswith(folder + "/")


def _final_lines(project: Project, image: Image) -> set[int] | None:
    """Line numbers of the instructions of the final stage and the stages it is FROM."""
    dockerfile = next((d for d in dockerfiles(project) if d.path == image.dockerfile), None)
    if dockerfile is None or not image.stages:
        return None
    label = image.stages[0]
    final = next(
        (s for s in dockerfile.stages if (s.name or f"#{s.index}") == label), dockerfile.final
    )
    return {i.line for s in dockerfile.stage_chain(final) for i in s.instructions}


_DEV_CMD = re.compile(
    r"\b(?:(?:npm|yarn|pnpm|bun)\s+(?:run\s+)?dev|next\s+dev|vite(?:\s|$)|nodemon)\b"
)


def _dev_server(project: Project, image: Image) -> str | None:
    """The development server the image's CMD runs (``npm run dev``), else None."""
    dockerfile = next((d for d in dockerfiles(project) if d.path == image.dockerfile), None)
    if dockerfile is None:
        return None
    label = image.stages[0] if image.stages else None
    final = next((s for s in dockerfile.stages if (s.name or f"#{s.index}") == label), None)
    for keyword in ("CMD", "ENTRYPOINT"):
        found = dockerfile.effective(keyword, final)
        text = re.sub(r"[\[\]\",']", " ", found.value) if found is not None else ""
        match = _DEV_CMD.search(" ".join(text.split()))
        if match:
            return match.group(0)
    return None


def _is_folder(project: Project, rel: str) -> bool:
    return project.is_dir(rel)


def _shipped_secret(image: Image, copy: Shipped, rel: str) -> bool:
    if not _inside(rel, copy.source) or not _inside(rel, image.context):
        return False
    inner = rel[len(image.context) + 1 :] if image.context else rel
    return not ignored(inner, image.ignore)


def _candidates(project: Project, image: Image, copy: Shipped) -> list[tuple[str, str, str]]:
    """``(path, kind, why)`` of the secret files this COPY ships."""
    out: list[tuple[str, str, str]] = []
    for rel, kind in secret_files_on_disk(project, copy.source):
        if _shipped_secret(image, copy, rel):
            out.append((rel, kind, "present in the build context"))
    expected = env_file_expected(project)
    for entry in gitignored_secrets(project):
        kind = secret_kind(entry.probe) or "secret"
        base = entry.gitignore.rpartition("/")[0]
        if entry.anchored_dir is not None:
            folders = [entry.anchored_dir]
        else:
            pair = (copy.source, base)
            folders = [f for f in pair if _inside(f, base) and _inside(f, copy.source)]
        why_listed = f"{entry.gitignore}:{entry.line} lists {entry.pattern!r}"
        name_pattern = entry.pattern.rsplit("/", 1)[-1]
        for folder in sorted(set(folders)):
            if kind != "environment file":
                path = f"{folder}/{entry.probe}" if folder else entry.probe
                if _shipped_secret(image, copy, path):
                    out.append((path, kind, why_listed))
                continue
            for where, name, why, cwd in expected:
                # code reading ".env" from its working directory: the context root, when the
                # whole context is copied (COPY . .)
                whole = folder == copy.source == image.context
                here = where == folder or (cwd and whole and _inside(where, folder))
                if not here or not fnmatch.fnmatchcase(name, name_pattern):
                    continue
                path = f"{folder}/{name}" if folder else name
                if _shipped_secret(image, copy, path):
                    out.append((path, kind, f"{why_listed}; {why}"))
    return out


def _judge(project: Project, image: Image) -> Finding | None:
    lines = _final_lines(project, image)
    found: dict[str, tuple[str, str, Shipped]] = {}
    for copy in image.shipped:
        if lines is not None and copy.line not in lines:
            continue
        if not _is_folder(project, copy.source):
            continue
        for path, kind, why in _candidates(project, image, copy):
            found.setdefault(path, (kind, why, copy))
    if not found:
        return None
    paths = sorted(found)
    _kind, _why, copy = found[paths[0]]
    shown = ", ".join(f"{p} ({found[p][0]})" for p in paths[:3])
    more = f" and {len(paths) - 3} more" if len(paths) > 3 else ""
    source = copy.source or "."
    ignore_note = (
        "the build context has no .dockerignore"
        if not image.ignore
        else "no .dockerignore entry excludes it"
    )
    evidence = "\n".join(f"{p}: {found[p][0]}; {found[p][1]}" for p in paths)
    return Finding(
        code=check.code,
        severity=Severity.CRITICAL,
        subject=image.subject,
        message=f"COPY of {source} ships {shown}{more} into the image: {ignore_note}",
        remediation=(
            f"Add to {(image.context + '/') if image.context else ''}.dockerignore: **/.env,"
            " **/.env.*, !**/.env.example, **/*.pem, **/*.key, **/credentials*.json (or COPY"
            " only the folders the image needs), pass settings at run time, and rotate any"
            " secret already pushed in an image."
        ),
        location=Location(copy.dockerfile, copy.line),
        evidence=(Evidence(title="secret files (names only)", text=evidence),),
    )


@check.evaluator
def evaluate(project: Project) -> Evaluation:
    built = [i for i in images(project) if i.production]
    if not built:
        return Evaluation.skip("no production Dockerfile")
    findings: list[Finding] = []
    subjects: list[str] = []
    skipped: dict[str, str] = {}
    for image in built:
        dev = _dev_server(project, image)
        if dev is not None:
            skipped[image.subject] = f"a development image (its start command runs {dev!r})"
            continue
        subjects.append(image.subject)
        finding = _judge(project, image)
        if finding is not None:
            findings.append(finding)
    return Evaluation.build(subjects=subjects, findings=findings, skipped=skipped)
