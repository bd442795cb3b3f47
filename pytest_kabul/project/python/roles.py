"""File roles: which Python files of an app are code production runs, and which are tooling.

*Runtime* means shipped in a production image (:func:`pytest_kabul.project.docker.images.images`)
— or, for an app started from a Procfile/PaaS file without a Dockerfile, or in a repository with
no production image or start file at all, the app's own files — minus tooling: scripts, tools,
benches, load tests, examples, docs, dev helpers, mock servers, build hooks (``hatch_build.py``,
``setup.py``) and test runners (``run-tests.py``). Everything else is *tooling*, judged at WARNING
at most.

An app is a *production app* when a production image ships it (a COPY names its folder or
something inside it, its folder is the build context, or the image copies a whole folder that
the app owns), or a start file sits in it. A library, SDK, example or CLI in a monorepo that no
image installs from the repository is not: all its files are tooling.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pytest_kabul.project.core import Project
from pytest_kabul.project.docker.images import Image, images

TEST_DIRS = frozenset({"tests", "test", "testing", "__tests__", "e2e", "manual_tests"})
TOOLING_DIRS = frozenset(
    {
        "scripts", "script", "tools", "tool", "bin", "hack", "devtools", "dev", "benches",
        "benchmarks", "benchmark", "bench", "load_tests", "load_testing", "loadtests",
        "loadtest", "locust", "examples", "example", "samples", "sample", "docs", "doc",
        "cookbook", "cookbooks", "notebooks", "mock_server", "mock_servers", "mocks",
        "mockserver",
    }
)  # fmt: skip
TOOLING_NAMES = frozenset(
    {
        "setup.py", "hatch_build.py", "noxfile.py", "fabfile.py", "tasks.py", "manage_dev.py",
        "run-tests.py", "run_tests.py", "runtests.py", "build_snapshot.py", "check_deps.py",
        "mock_server.py", "locustfile.py",
    }
)  # fmt: skip
# Files that start a platform process from the folder they sit in (no Dockerfile needed).
START_FILES = frozenset(
    {
        "Procfile", "fly.toml", "railway.json", "railway.toml", "render.yaml", "app.yaml",
        "nixpacks.toml", "heroku.yml", "app.json",
    }
)  # fmt: skip


@dataclass(frozen=True)
class AppRole:
    """Whether an app is production, why, and the images that ship it."""

    production: bool
    reason: str
    # (production image, project-relative folder/file it copies) for the app's own code
    sources: tuple[tuple[Image, str], ...] = ()


def _inside(rel: str, folder: str) -> bool:
    return folder == "" or rel == folder or rel.startswith(folder + "/")


def _owner(rel: str, roots: Iterable[str]) -> str | None:
    best: str | None = None
    for root in roots:
        if _inside(rel, root) and (best is None or len(root) > len(best)):
            best = root
    return best


def tooling_reason(
    rel_to_project: str, rel_to_app: str, packages: frozenset[str] = frozenset()
) -> str | None:
    """Why a file is tooling by its place (scripts/, examples/, hatch_build.py …), else None.

    A folder that is a Python package (``app/agents/tools/__init__.py``) is importable app code
    whatever its name. Build and task-runner files (``setup.py``, ``noxfile.py``, invoke's
    ``tasks.py`` …) sit at the app's root, where their runner looks for them; below it, in a
    folder with or without ``__init__.py`` (a namespace package), ``app/tasks.py`` is app code
    (Celery's conventional task module).
    """
    parts = rel_to_app.split("/")
    if len(parts) == 1 and parts[0] in TOOLING_NAMES and _dir(rel_to_project) not in packages:
        return f"{parts[-1]} is a build/task/test-runner script"
    base = rel_to_project[: len(rel_to_project) - len(rel_to_app)].rstrip("/")
    for depth, part in enumerate(parts[:-1]):
        folder = "/".join([p for p in (base,) if p] + parts[: depth + 1])
        if part in TOOLING_DIRS and folder not in packages:
            return f"under {part}/ (tooling, not served)"
    return None


def _dir(rel: str) -> str:
    return rel.rsplit("/", 1)[0] if "/" in rel else ""


def in_test_folder(rel_to_project: str) -> bool:
    return bool(TEST_DIRS.intersection(rel_to_project.split("/")[:-1]))


def app_roles(
    project: Project, roots: list[str], files_of: dict[str, list[str]]
) -> dict[str, AppRole]:
    """The role of every app root, judged against the production images and start files."""
    prod_images = [i for i in images(project) if i.production]
    start_dirs = sorted(
        {f.rsplit("/", 1)[0] if "/" in f else "" for f in project.files if _start_file(f)}
    )
    out: dict[str, AppRole] = {}
    for root in roots:
        where = root or "."
        under = TOOLING_DIRS.intersection(root.split("/")) if root else set()
        if under or in_test_folder(root + "/x" if root else "x"):
            what = sorted(under)[0] + "/" if under else "a test folder"
            out[root] = AppRole(False, f"{where} is under {what}")
            continue
        sources = tuple(
            (image, source)
            for image in prod_images
            for source in _app_sources(project, image, root, roots)
        )
        py = {f for f in files_of.get(root, []) if f.endswith(".py")}
        if any(image.ships(f) and _inside(f, src) for image, src in sources for f in py):
            names = ", ".join(sorted({i.dockerfile for i, _s in sources}))
            out[root] = AppRole(True, f"shipped by {names}", sources)
            continue
        # An image built from the app's folder that copies nothing we can see (a compose
        # ``build: ./backend`` or a Dockerfile with its own start command): the app counts.
        built = sorted(
            s
            for i in prod_images
            if i.context == root and not i.shipped
            for s in (i.built_by or ((i.dockerfile,) if i.starts else ()))
        )
        starts = [d for d in start_dirs if _owner(d, roots) == root]
        if built:
            out[root] = AppRole(True, f"built by {built[0]}")
        elif starts:
            out[root] = AppRole(True, f"started from {starts[0] or '.'} (start file)")
        elif not prod_images and not start_dirs:
            out[root] = AppRole(True, "no production image or start file: every app counts")
        else:
            out[root] = AppRole(
                False, f"no production image or start file ships {where} from this repository"
            )
    return out


def _start_file(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return name in START_FILES and not in_test_folder(rel) and tooling_reason(rel, rel) is None


def _app_sources(project: Project, image: Image, root: str, roots: list[str]) -> list[str]:
    """The COPY sources of ``image`` that bring the app's own code.

    ``COPY backend/ /app`` or ``COPY . .`` with context ``backend/`` (a source the app owns). A
    whole ancestor folder copied (``COPY . .`` at the repository root) brings a nested app only
    when the Dockerfile names it (``pip install ./sdk``, ``WORKDIR /app/backend``).
    """
    out = [s.source for s in image.shipped if _owner(s.source, roots) == root]
    if out or not root:
        return out
    ancestors = [s.source for s in image.shipped if _inside(root, s.source)]
    if ancestors:
        text = project.read_text(image.dockerfile) or ""
        relative = root[len(image.context) + 1 :] if image.context else root
        if relative and any(
            f"{sep}{relative}{end}" in text for sep in (" ", "/", "./") for end in ("/", " ", "\n")
        ):
            return [root]
    return []


def file_role(
    role: AppRole, root: str, rel: str, packages: frozenset[str] = frozenset()
) -> tuple[str, str]:
    """("runtime" | "tooling", why) for a non-test file of an app."""
    inner = rel[len(root) + 1 :] if root else rel
    if not role.production:
        return "tooling", role.reason
    reason = tooling_reason(rel, inner, packages)
    if reason is not None:
        return "tooling", reason
    if role.sources:
        shipping = sorted(
            {i.dockerfile for i, src in role.sources if _inside(rel, src) and i.ships(rel)}
        )
        if not shipping:
            names = ", ".join(sorted({i.dockerfile for i, _s in role.sources}))
            return "tooling", f"never copied into {names}"
        return "runtime", f"shipped by {', '.join(shipping)}"
    return "runtime", role.reason
