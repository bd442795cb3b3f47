"""Images: which Dockerfile builds each image, from which context, and which repository files
it ships.

``images(project)`` gives one :class:`Image` per Dockerfile (and per distinct compose build context
of it). The build context is the compose ``build.context`` when a compose service builds the
Dockerfile, else the Dockerfile's folder. The stages that make the image are the final stage, the
stages it is built ``FROM`` and, transitively, every stage a used stage copies from
(``COPY --from=builder``); the files it ships are the ``COPY``/``ADD`` sources of those stages,
resolved in the context, with ``.dockerignore`` (or ``<Dockerfile>.dockerignore``) applied.

An image is *production* unless its Dockerfile is named for development/tests
(``dev.Dockerfile``, ``Dockerfile.dev``, ``Dockerfile.test``), sits under a test, example, docs or
dev folder (a mock server, a docs demo), or is built only by development compose stacks.
"""

from __future__ import annotations

import fnmatch
import functools
import posixpath
import re
import shlex
from dataclasses import dataclass

from pytest_kabul.project.compose.load import compose_models
from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.docker.dockerfiles import Dockerfile, Stage, dockerfiles

_DEV_NAME = re.compile(r"(^|[._-])(dev|develop|development|local|test|tests|ci|e2e)([._-]|$)")
NOT_PRODUCTION_DIRS = frozenset(
    {
        "test", "tests", "testing", "e2e", "example", "examples", "sample", "samples", "docs",
        "doc", "dev", ".devcontainer", "devcontainer", "fixtures", "load_tests", "load_testing",
        "loadtests", "locust", "benchmarks", "benches", "bench", "load-tests", "loadtest",
        "load-test", "perf", "stress", "mock", "mocks", "mock_server", "mock-server", "mockserver",
    }
)  # fmt: skip


@dataclass(frozen=True, order=True)
class Shipped:
    """One COPY/ADD of repository files: project-relative source, destination, file:line."""

    source: str  # project-relative folder or file ("" = the whole context at the root)
    destination: str
    dockerfile: str
    line: int


@dataclass(frozen=True)
class Image:
    dockerfile: str
    context: str  # project-relative ("" = root)
    production: bool
    reason: str  # why production or not
    stages: tuple[str, ...]  # used stages, final first ("#2" for an unnamed stage)
    shipped: tuple[Shipped, ...]
    ignore: tuple[str, ...]  # .dockerignore patterns (context-relative)
    built_by: tuple[str, ...] = ()  # compose subjects ("docker-compose.yml:api")
    starts: bool = False  # the used stages set a CMD or ENTRYPOINT

    @property
    def subject(self) -> str:
        return (
            self.dockerfile
            if self.context == _dir(self.dockerfile)
            else (f"{self.dockerfile} (context {self.context or '.'})")
        )

    def ships(self, rel: str) -> bool:
        """Whether the project file ``rel`` ends up in the image."""
        if not _inside(rel, self.context):
            return False
        if ignored(_strip(rel, self.context), self.ignore):
            return False
        return any(_inside(rel, s.source) for s in self.shipped)

    def ships_folder(self, folder: str) -> bool:
        """Whether a COPY names ``folder`` or something inside it (not just an ancestor of it)."""
        return any(s.source and _inside(s.source, folder) for s in self.shipped) or (
            self.context == folder and any(s.source == folder for s in self.shipped)
        )


def _dir(rel: str) -> str:
    return rel.rsplit("/", 1)[0] if "/" in rel else ""


def _inside(rel: str, folder: str) -> bool:
    return folder == "" or rel == folder or rel.startswith(folder + "/")


def _strip(rel: str, folder: str) -> str:
    return rel[len(folder) + 1 :] if folder else rel


def _join(base: str, rel: str) -> str | None:
    joined = posixpath.normpath(posixpath.join(base or ".", rel))
    if joined.startswith(".."):
        return None
    return "" if joined == "." else joined


def ignored(rel: str, patterns: tuple[str, ...]) -> bool:
    """``.dockerignore``: the last matching pattern wins, ``!`` re-includes, ``**`` any depth."""
    matcher = _matcher(patterns)
    if matcher is None:
        return False
    last = matcher.last(rel)
    return last >= 0 and not matcher.negated[last]


class _Matcher:
    """One ``.dockerignore``'s rules in one regex, for :func:`ignored`.

    A pattern matching a folder excludes its content, and the last rule that matches the path
    or a folder above it decides. The alternatives are in reverse order, so the first that
    matches names the last rule that does; the answer for a folder is kept, as the files of a
    folder share it."""

    def __init__(self, rules: tuple[tuple[bool, str], ...]) -> None:
        self.negated = tuple(negate for negate, _source in rules)
        self.regex = re.compile(
            "|".join(f"(?P<r{i}>{source})" for i, (_n, source) in reversed(list(enumerate(rules))))
        )
        self.folders: dict[str, int] = {}

    def last(self, path: str) -> int:
        """The index of the last rule matching ``path`` or a folder above it (-1: none)."""
        m = self.regex.match(path)
        own = int(m.lastgroup[1:]) if m is not None and m.lastgroup else -1
        folder, slash, _name = path.rpartition("/")
        if not slash:
            return own
        above = self.folders.get(folder)
        if above is None:
            above = self.folders[folder] = self.last(folder)
        return max(own, above)


@functools.lru_cache(maxsize=256)
def _matcher(patterns: tuple[str, ...]) -> _Matcher | None:
    rules = _rules(patterns)
    return _Matcher(rules) if rules else None


def _rules(patterns: tuple[str, ...]) -> tuple[tuple[bool, str], ...]:
    """Each pattern once: (negated, its regex source); ``**/x`` also as ``x`` (``**`` matches
    zero folders too: ``**/.env`` excludes ``./.env``), the forms joined in one alternation.
    Translated once per ``.dockerignore`` (:func:`_matcher` is cached), compiled once there."""
    rules: list[tuple[bool, str]] = []
    for raw in patterns:
        negate = raw.startswith("!")
        pattern = raw[1:] if negate else raw
        pattern = pattern.strip().strip("/")
        pattern = posixpath.normpath(pattern) if pattern else pattern
        if not pattern or pattern == ".":
            continue
        forms = [_translated(pattern)]
        while pattern.startswith("**/"):
            pattern = pattern[3:]
            forms.append(_translated(pattern))
        rules.append((negate, "|".join(forms)))
    return tuple(rules)


def _translated(pattern: str) -> str:
    """The regex source of one pattern: ``*`` within a folder, ``**`` across folders."""
    regex = fnmatch.translate(pattern).replace(".*", "[^/]*")
    return regex.replace("[^/]*[^/]*", ".*")  # ** from fnmatch's two stars


def _dockerignore(project: Project, dockerfile: str, context: str) -> tuple[str, ...]:
    own = f"{dockerfile}.dockerignore"
    path = (
        own if project.exists(own) else (f"{context}/.dockerignore" if context else ".dockerignore")
    )
    text = project.read_text(path) if project.exists(path) else None
    if not text:
        return ()
    return tuple(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def _copy_args(value: str) -> tuple[str | None, list[str]]:
    """(``--from`` value, sources + destination) of a COPY/ADD instruction."""
    text = value.strip()
    if text.startswith("["):
        import json

        try:
            parsed = json.loads(text)
            args = [str(a) for a in parsed] if isinstance(parsed, list) else []
        except ValueError:
            args = []
        flags: list[str] = []
    else:
        try:
            tokens = shlex.split(text, posix=True)
        except ValueError:
            tokens = text.split()
        flags = [t for t in tokens if t.startswith("--")]
        args = [t for t in tokens if not t.startswith("--")]
    source_from = next((f.split("=", 1)[1] for f in flags if f.startswith("--from=")), None)
    return source_from, args


_MOUNT_FROM = re.compile(r"--mount=\S*\bfrom=([\w.-]+)")
_ARG = re.compile(r"^\s*ARG\s+([A-Za-z_]\w*)=[\"']?([^\s\"']+)", re.IGNORECASE | re.MULTILINE)


def global_args(text: str) -> dict[str, str]:
    """``ARG NAME=default`` lines before the first ``FROM`` (they parametrise ``FROM``)."""
    head = re.split(r"^\s*FROM\s", text, maxsplit=1, flags=re.IGNORECASE | re.MULTILINE)[0]
    return {m.group(1): m.group(2) for m in _ARG.finditer(head)}


def final_stage(dockerfile: Dockerfile, text: str, target: str | None = None) -> Stage | None:
    """The stage an image is built from: the build ``target``, else the last stage, with
    ``FROM ${ARG}`` resolved through the ARG's default (``FROM ${SERVER_TYPE}``)."""
    by_name = {s.name.lower(): s for s in dockerfile.stages if s.name}
    if target and target.lower() in by_name:
        return by_name[target.lower()]
    final = dockerfile.final
    if final is not None and "$" in final.base and not final.instructions:
        args = global_args(text)
        name = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), final.base)
        if name.lower() in by_name:
            return by_name[name.lower()]
    return final


def used_stages(dockerfile: Dockerfile, final: Stage | None = None) -> list[Stage]:
    """The final stage, its ``FROM`` chain and every stage a used stage copies or mounts from."""
    by_name = {s.name.lower(): s for s in dockerfile.stages if s.name}
    by_index = {str(s.index): s for s in dockerfile.stages}
    todo = list(dockerfile.stage_chain(final))
    seen: list[Stage] = []
    while todo:
        stage = todo.pop(0)
        if stage in seen:
            continue
        seen.append(stage)
        for instruction in stage.instructions:
            sources: list[str] = []
            if instruction.keyword in ("COPY", "ADD"):
                source_from, _args = _copy_args(instruction.value)
                sources = [source_from] if source_from else []
            elif instruction.keyword == "RUN":
                sources = _MOUNT_FROM.findall(instruction.value)
            for name in sources:
                other = by_name.get(name.lower()) or by_index.get(name)
                if other is not None:
                    todo.extend(s for s in dockerfile.stage_chain(other) if s not in seen)
    return seen


def _infer_context(project: Project, dockerfile: Dockerfile) -> str:
    """The folder (the Dockerfile's or an ancestor) where most COPY sources exist."""
    sources = [
        a.lstrip("/").rstrip("/").split("*", 1)[0].rstrip("/")
        for st in dockerfile.stages
        for i in st.instructions
        if i.keyword in ("COPY", "ADD")
        for f, args in [_copy_args(i.value)]
        if f is None
        for a in args[:-1]
        if "$" not in a and "://" not in a
    ]
    sources = [s for s in sources if s not in ("", ".")]
    folder = dockerfile.directory
    best, best_score = folder, -1
    while True:
        score = sum(1 for s in sources if _exists(project, _join(folder, s)))
        if score > best_score:
            best, best_score = folder, score
        if not folder:
            break
        folder = _dir(folder)
    return best


def _exists(project: Project, rel: str | None) -> bool:
    if rel is None:
        return False
    return rel in project.files or project.files.is_folder(rel)


def _shipped(dockerfile: Dockerfile, stages: list[Stage], context: str) -> list[Shipped]:
    out: list[Shipped] = []
    for stage in stages:
        for instruction in stage.instructions:
            if instruction.keyword not in ("COPY", "ADD"):
                continue
            source_from, args = _copy_args(instruction.value)
            if source_from is not None or len(args) < 2:
                continue
            for source in args[:-1]:
                if "://" in source or "$" in source:
                    continue
                clean = source.split("*", 1)[0].rstrip("/") if "*" in source else source
                rel = _join(context, clean.lstrip("/"))
                if rel is not None:
                    out.append(Shipped(rel, args[-1], dockerfile.path, instruction.line))
    return sorted(set(out))


def not_production_reason(path: str) -> str | None:
    """Why a Dockerfile is not a production image by its name or folder, else None."""
    return _not_production_reason(path)


def _not_production_reason(path: str) -> str | None:
    name = path.rsplit("/", 1)[-1].lower()
    if _DEV_NAME.search(name):
        return f"{path} is named for development/tests"
    folders = NOT_PRODUCTION_DIRS.intersection(p.lower() for p in path.split("/")[:-1])
    if folders:
        return f"{path} sits under {sorted(folders)[0]}/ (not what production runs)"
    return None


def _picked_by_args(project: Project, path: str, args: dict[str, str]) -> str | None:
    dockerfile = next((d for d in dockerfiles(project) if d.path == path), None)
    if dockerfile is None or not args:
        return None
    stage = dockerfile.final_for(args)
    return stage.name if stage is not None and stage is not dockerfile.final else None


def stage_copies(
    project: Project, path: str, stage_name: str | None, context: str | None
) -> tuple[Shipped, ...]:
    """The repository files the build of one stage (``stage_name``, else the final one) copies,
    with the stages it is built from and copies from; ``context`` defaults to the inferred one."""
    dockerfile = next((d for d in dockerfiles(project) if d.path == path), None)
    if dockerfile is None:
        return ()
    text = project.read_text(path) or ""
    used = used_stages(dockerfile, final_stage(dockerfile, text, stage_name))
    where = _infer_context(project, dockerfile) if context is None else context
    return tuple(_shipped(dockerfile, used, "" if where == "." else where))


def _stage_label(stage: Stage) -> str:
    return stage.name or f"#{stage.index}"


@facet
def images(project: Project) -> tuple[Image, ...]:
    """Every image the repository's Dockerfiles build, sorted by (dockerfile, context)."""
    builders: dict[tuple[str, str], list[tuple[str, bool]]] = {}
    targets: dict[tuple[str, str], set[str]] = {}
    for model in compose_models(project):
        for service in model.services.values():
            if service.dockerfile is None or service.build_context is None:
                continue
            context = "" if service.build_context == "." else service.build_context
            production = model.kind == "production" or not any(
                m.kind == "production" and m.directory == model.directory
                for m in compose_models(project)
            )
            builders.setdefault((service.dockerfile, context), []).append(
                (f"{model.subject}:{service.name}", production)
            )
            build = service.raw.get("build")
            target = build.get("target") if isinstance(build, dict) else None
            if isinstance(target, str):
                targets.setdefault((service.dockerfile, context), set()).add(target)
            picked = _picked_by_args(project, service.dockerfile, service.build_args())
            if picked is not None:  # ``FROM ${SERVER_TYPE}`` with ``args: [SERVER_TYPE=worker]``
                targets.setdefault((service.dockerfile, context), set()).add(picked)
    out: list[Image] = []
    for dockerfile in dockerfiles(project):
        contexts = sorted({c for (d, c) in builders if d == dockerfile.path}) or [
            _infer_context(project, dockerfile)
        ]
        text = project.read_text(dockerfile.path) or ""
        for context in contexts:
            wanted: list[str | None] = [*sorted(targets.get((dockerfile.path, context), set()))]
            wanted = wanted or [None]
            stages: list[Stage] = []
            for target in wanted:
                for stage in used_stages(dockerfile, final_stage(dockerfile, text, target)):
                    if stage not in stages:
                        stages.append(stage)
            refs = builders.get((dockerfile.path, context), [])
            reason = _not_production_reason(dockerfile.path)
            production = reason is None
            if production and refs and not any(p for _s, p in refs):
                production = False
                reason = "built only by development compose stacks"
            if production:
                reason = (
                    f"built by {', '.join(sorted(s for s, p in refs if p))}"
                    if any(p for _s, p in refs)
                    else "a production Dockerfile (no dev compose stack builds it)"
                )
            out.append(
                Image(
                    dockerfile=dockerfile.path,
                    context=context,
                    production=production,
                    reason=reason or "",
                    stages=tuple(_stage_label(s) for s in stages),
                    shipped=tuple(_shipped(dockerfile, stages, context)),
                    ignore=_dockerignore(project, dockerfile.path, context),
                    built_by=tuple(sorted(s for s, _p in refs)),
                    starts=any(s.all("CMD") or s.all("ENTRYPOINT") for s in stages),
                )
            )
    return tuple(sorted(out, key=lambda i: (i.dockerfile, i.context)))
