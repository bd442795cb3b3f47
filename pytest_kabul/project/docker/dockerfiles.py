"""Dockerfiles: stages, instructions and the commands a container starts with.

A small, faithful reader of the Dockerfile syntax we need (line continuations, comments,
``# escape=`` directive, heredocs skipped, JSON exec form vs shell form, multi-stage
``FROM ... AS``).
Shared by the dependency, migration, replica and frontend checks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from pytest_kabul.project.core import Project, facet
from pytest_kabul.project.docker.build_vars import expand, sole_variable

_FROM_RE = re.compile(r"^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper-case: RUN, CMD, COPY, ...
    value: str  # the raw argument text, continuations joined
    line: int  # 1-based line of the instruction's first line

    def exec_form(self) -> list[str] | None:
        """The JSON (exec) form as a list, or None when this is shell form."""
        text = self.value.strip()
        if not text.startswith("["):
            return None
        try:
            parsed = json.loads(text)
        except (json.JSONDecodeError, RecursionError):
            return None
        if isinstance(parsed, list) and all(isinstance(p, str) for p in parsed):
            return parsed
        return None

    def argv(self) -> list[str]:
        """The command as argv: exec form as-is, shell form as ``/bin/sh -c <text>``."""
        form = self.exec_form()
        if form is not None:
            return form
        return ["/bin/sh", "-c", self.value.strip()]


@dataclass(frozen=True)
class Stage:
    index: int
    base: str  # the FROM image (or an earlier stage's name), global ARG defaults substituted
    name: str | None
    line: int
    instructions: tuple[Instruction, ...]
    base_arg: str | None = None  # ``FROM ${SERVER_TYPE}``: the build argument that picks the base

    def all(self, keyword: str) -> tuple[Instruction, ...]:
        return tuple(i for i in self.instructions if i.keyword == keyword)

    def last(self, keyword: str) -> Instruction | None:
        found = self.all(keyword)
        return found[-1] if found else None


@dataclass(frozen=True)
class Dockerfile:
    path: str  # relative to the project root
    stages: tuple[Stage, ...]
    global_args: tuple[Instruction, ...] = ()  # ``ARG`` lines before the first ``FROM``

    @property
    def directory(self) -> str:
        return self.path.rsplit("/", 1)[0] if "/" in self.path else ""

    @property
    def final(self) -> Stage | None:
        return self.stages[-1] if self.stages else None

    def final_for(self, args: Mapping[str, str]) -> Stage | None:
        """The stage a build ends with when ``args`` are passed: ``FROM ${SERVER_TYPE}`` with
        ``SERVER_TYPE=worker`` builds the ``worker`` stage."""
        final = self.final
        if final is None or final.base_arg is None or not args.get(final.base_arg):
            return final
        wanted = args[final.base_arg].lower()
        return next((s for s in self.stages if (s.name or "").lower() == wanted), final)

    def stage_chain(self, stage: Stage | None = None) -> list[Stage]:
        """The stage and the earlier stages it is built ``FROM`` (CMD/ENTRYPOINT inherit)."""
        current = stage or self.final
        chain: list[Stage] = []
        by_name = {s.name.lower(): s for s in self.stages if s.name}
        while current is not None and current not in chain:
            chain.append(current)
            current = by_name.get(current.base.lower())
        return chain

    def effective(self, keyword: str, stage: Stage | None = None) -> Instruction | None:
        """The CMD / ENTRYPOINT / WORKDIR in force for a stage, following ``FROM <stage>``."""
        for s in self.stage_chain(stage):
            found = s.last(keyword)
            if found is not None:
                return found
        return None

    def base_image(self, stage: Stage | None = None) -> str | None:
        chain = self.stage_chain(stage)
        return chain[-1].base if chain else None


def parse_dockerfile(path: str, text: str) -> Dockerfile:
    escape = "\\"
    lines = text.splitlines()
    for raw in lines[:5]:
        m = re.match(r"^#\s*escape\s*=\s*(\S)", raw)
        if m:
            escape = m.group(1)
    logical: list[tuple[int, str]] = []
    buf: list[str] = []
    start = 0
    heredoc: str | None = None
    for number, raw in enumerate(lines, start=1):
        if heredoc is not None:
            if raw.strip() == heredoc:
                heredoc = None
            continue
        stripped = raw.strip()
        if not buf and (not stripped or stripped.startswith("#")):
            continue
        if buf and stripped.startswith("#"):
            continue  # comment lines inside a continuation are dropped by Docker
        if not buf:
            start = number
        if stripped.endswith(escape):
            buf.append(stripped[:-1])
            continue
        buf.append(stripped)
        joined = " ".join(part.strip() for part in buf if part.strip())
        buf = []
        logical.append((start, joined))
        m = re.search(r"<<-?\s*['\"]?([A-Za-z_][A-Za-z0-9_]*)['\"]?", joined)
        if m and joined.split(None, 1)[0].upper() in {"RUN", "COPY", "ADD"}:
            heredoc = m.group(1)
    if buf:
        logical.append((start, " ".join(buf)))

    stages: list[Stage] = []
    current: list[Instruction] = []
    header: tuple[str, str | None, int, str | None] | None = None
    global_args: list[Instruction] = []
    arg_defaults: dict[str, str] = {}  # global ARG defaults: the only variables ``FROM`` can use
    for line, content in logical:
        keyword, _, value = content.partition(" ")
        keyword = keyword.upper()
        if keyword == "ARG" and header is None:
            global_args.append(Instruction(keyword, value.strip(), line))
            for item in value.split():
                key, eq, default = item.partition("=")
                if eq:
                    arg_defaults[key] = default.strip("\"'")
            continue
        if keyword == "FROM":
            if header is not None:
                stages.append(Stage(len(stages), *header[:3], tuple(current), header[3]))
            m = _FROM_RE.match(value.strip())
            base, name = (m.group(1), m.group(2)) if m else (value.strip(), None)
            header = (expand(base, arg_defaults), name, line, sole_variable(base))
            current = []
            continue
        if header is not None:
            current.append(Instruction(keyword, value.strip(), line))
    if header is not None:
        stages.append(Stage(len(stages), *header[:3], tuple(current), header[3]))
    return Dockerfile(path, tuple(stages), tuple(global_args))


def is_dockerfile(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    lower = name.lower()
    return (
        lower == "dockerfile"
        or lower.startswith("dockerfile.")
        or lower.endswith(".dockerfile")
        or lower.startswith("containerfile")
    )


@facet
def dockerfiles(project: Project) -> tuple[Dockerfile, ...]:
    out = []
    for rel in project.files:
        if is_dockerfile(rel):
            text = project.read_text(rel)
            if text is not None:
                out.append(parse_dockerfile(rel, text))
    return tuple(out)
