"""What a Node app's Dockerfile does: final base image (libc, CPU), install steps and flags.

Used by KAB110: the sharp binaries a Next.js image needs depend on the final stage's platform
(``node:*-alpine`` is musl, the Debian-based ``node:*``/``-slim``/``-bookworm`` images are glibc)
and on whether the install omits optional or dev dependencies.
"""

from __future__ import annotations

import enum
import fnmatch
import itertools
import re
from dataclasses import dataclass

from pytest_kabul.project import shell
from pytest_kabul.project.core import Project
from pytest_kabul.project.docker.dockerfiles import Dockerfile, Instruction
from pytest_kabul.project.node.lockfiles import LOCKFILE_NAMES

_GLIBC_HINTS: tuple[str, ...] = ("debian", "ubuntu", "bookworm", "bullseye", "buster", "trixie")
_GLIBC_HINTS += ("jammy", "noble", "focal", "slim", "distroless", "chainguard", "wolfi", "ubi")
_OMIT_OPTIONAL = re.compile(
    r"^(?:--omit=optional|--no-optional|--ignore-optional|--no-optional=true)$"
)
_OMIT_DEV = re.compile(r"^(?:--omit=dev|--only=prod(?:uction)?|--production|--prod|-P)(?:=true)?$")


_SHELL_WORDS = frozenset({"then", "else", "elif", "do", "if", "!", "sudo", "exec", "time", "{"})


_OMIT_ENV = re.compile(r"omit[= ]\"?optional|OPTIONAL[= ]\"?false", re.I)


class Libc(enum.Enum):
    MUSL = "musl"
    GLIBC = "glibc"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class InstallStep:
    line: int
    command: str  # the simple command, e.g. "npm ci --omit=dev"
    tool: str  # npm / pnpm / yarn / bun
    omits_optional: bool
    omits_dev: bool  # by flag, by NODE_ENV=production, or a prune step


@dataclass(frozen=True)
class AppImage:
    dockerfile: str
    final_base: str
    libc: Libc
    arch: str  # x64 / arm64
    installs: tuple[InstallStep, ...]
    copies_standalone: bool
    lockfile_names: tuple[str, ...]  # lockfiles the Dockerfile COPYs (or bind-mounts) by name
    copies_context: bool = False  # COPY . / COPY <app dir>: every file, lockfiles included

    def uses_lockfile(self, rel: str) -> bool:
        """Whether the build context's lockfile reaches the image's install."""
        return self.copies_context or rel.rsplit("/", 1)[-1] in self.lockfile_names

    @property
    def platform(self) -> str:
        """sharp's platform id: ``linuxmusl-x64`` / ``linux-x64`` / ``linux-arm64`` ..."""
        return f"{'linuxmusl' if self.libc is Libc.MUSL else 'linux'}-{self.arch}"

    @property
    def omits_optional(self) -> InstallStep | None:
        return next((s for s in self.installs if s.omits_optional), None)

    @property
    def prunes_dev(self) -> InstallStep | None:
        return next((s for s in self.installs if s.omits_dev), None)


def libc_of(image: str) -> Libc:
    name = image.lower().split("@", 1)[0]
    if "alpine" in name or "musl" in name:
        return Libc.MUSL
    repo, _, tag = name.rsplit("/", 1)[-1].partition(":")
    if any(h in name for h in _GLIBC_HINTS):
        return Libc.GLIBC
    plain_tag = re.match(r"^(?:\d[\d.]*|lts|current|latest)(?:-[a-z]+)?$", tag)
    if repo in ("node", "bun") and (not tag or plain_tag):
        return Libc.GLIBC  # the plain node:<version> image is Debian-based
    return Libc.UNKNOWN


def _global_args(text: str) -> dict[str, str]:
    """``ARG NAME=default`` before the first FROM (usable in FROM lines)."""
    args: dict[str, str] = {}
    for line in text.splitlines():
        m = re.match(r"^\s*ARG\s+(\w+)=(\S+)", line, re.I)
        if m:
            args[m.group(1)] = m.group(2).strip("\"'")
        elif re.match(r"^\s*FROM\s", line, re.I):
            break
    return args


def _arch(project: Project, dockerfile: Dockerfile) -> str:
    final = dockerfile.final
    text = project.read_text(dockerfile.path) or ""
    if final is not None:
        lines = text.splitlines()
        header = lines[final.line - 1] if 0 < final.line <= len(lines) else ""
        m = re.search(r"--platform=(\S+)", header)
        if m and ("arm64" in m.group(1) or "aarch64" in m.group(1)):
            return "arm64"
    return "x64"


def _steps(stage_env_production: bool, ins: Instruction) -> list[InstallStep]:
    steps: list[InstallStep] = []
    for argv in shell.split(ins.value):
        while argv and (argv[0].startswith("--") or argv[0] in _SHELL_WORDS):
            argv = argv[1:]  # RUN --mount=..., `then npm ci`, `sudo npm ci`
        words = [w for w in argv if "=" not in w or w.startswith("-")]
        env_prod = stage_env_production or any(
            re.match(r"^NODE_ENV=prod", w, re.I) for w in argv if not w.startswith("-")
        )
        if len(words) < 1:
            continue
        tool = words[0].rsplit("/", 1)[-1]
        sub = words[1] if len(words) > 1 else ""
        if tool == "corepack" or tool not in ("npm", "pnpm", "yarn", "bun"):
            continue
        is_install = sub in ("ci", "install", "i", "add") or (tool == "yarn" and _bare(sub))
        is_prune = sub == "prune" or (tool == "yarn" and sub == "workspaces" and "focus" in words)
        if not (is_install or is_prune):
            continue
        flags = words[1:]
        omit_opt = any(_OMIT_OPTIONAL.match(f) for f in flags) or _omit_pair(flags, "optional")
        omit_dev = any(_OMIT_DEV.match(f) for f in flags) or _omit_pair(flags, "dev")
        if is_install and env_prod and tool != "bun" and sub != "add":
            omit_dev = True  # npm/yarn/pnpm skip devDependencies when NODE_ENV=production
        if is_prune and tool == "npm" and not flags[1:]:
            omit_dev = omit_dev or env_prod
        if is_prune and tool == "pnpm":
            omit_dev = omit_dev or "--prod" in flags
        steps.append(InstallStep(ins.line, " ".join(argv), tool, omit_opt, omit_dev))
    return steps


def _bare(sub: str) -> bool:
    """A bare ``yarn`` / ``yarn --frozen-lockfile`` is an install."""
    return sub == "" or sub.startswith("-")


def _omit_pair(flags: list[str], what: str) -> bool:
    return any(a == "--omit" and b == what for a, b in itertools.pairwise(flags))


def _sources(value: str) -> list[str]:
    """The source paths of a COPY/ADD from the build context (none for ``--from=stage``)."""
    form = Instruction("COPY", value, 0).exec_form()
    words = form if form is not None else value.split()
    if any(w.startswith("--from") for w in words):
        return []
    return [w for w in words if not w.startswith("--")][:-1]


def _copies_context(sources: list[str], app_dir: str) -> bool:
    """``COPY . .`` / ``COPY ./ /app`` / ``COPY frontend/ .`` (the app's whole folder)."""
    wanted = {".", "./", "*", "./*"}
    if app_dir:
        wanted |= {app_dir, f"{app_dir}/", f"./{app_dir}"}
    return any(src in wanted for src in sources)


def image_facts(project: Project, dockerfile: Dockerfile, app_root: str = "") -> AppImage:
    installs: list[InstallStep] = []
    copies_standalone = False
    copies_context = False
    lockfiles: set[str] = set()
    base_dir = dockerfile.directory
    app_dir = app_root[len(base_dir) :].strip("/") if app_root.startswith(base_dir) else ""
    for stage in dockerfile.stages:
        production = False
        for ins in stage.instructions:
            if ins.keyword in ("ENV", "ARG") and re.search(r"NODE_ENV[= ]\"?prod", ins.value, re.I):
                production = True
            elif ins.keyword in ("ENV", "ARG") and re.search(
                r"omit=optional|OPTIONAL=false", ins.value, re.I
            ):
                installs.append(
                    InstallStep(ins.line, f"{ins.keyword} {ins.value}", "npm", True, False)
                )
            elif ins.keyword == "RUN":
                installs.extend(_steps(production, ins))
                lockfiles.update(n for n in LOCKFILE_NAMES if n in ins.value)  # bind mounts
            elif ins.keyword in ("COPY", "ADD"):
                copies_standalone |= ".next/standalone" in ins.value
                sources = _sources(ins.value)
                for src in sources:  # by name, or a glob such as package*.json / yarn.lock*
                    name = src.rsplit("/", 1)[-1]
                    lockfiles.update(n for n in LOCKFILE_NAMES if fnmatch.fnmatch(n, name))
                copies_context |= _copies_context(sources, app_dir)
    base = dockerfile.base_image() or ""
    for key, value in _global_args(project.read_text(dockerfile.path) or "").items():
        base = base.replace(f"${{{key}}}", value).replace(f"${key}", value)
    return AppImage(
        dockerfile=dockerfile.path,
        final_base=base,
        libc=libc_of(base),
        arch=_arch(project, dockerfile),
        installs=tuple(installs),
        copies_standalone=copies_standalone,
        lockfile_names=tuple(sorted(lockfiles)),
        copies_context=copies_context,
    )
