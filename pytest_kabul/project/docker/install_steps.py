"""Python install commands in a Dockerfile, with in-image paths mapped back to the context.

See :mod:`pytest_kabul.project.docker.installs` for the supported tools. Only the stages that
end up in the image are read: the final stage, the stages it is built ``FROM``, and earlier stages
not
named like dev/test (a ``builder`` stage whose site-packages is copied over).
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import replace

from packaging.utils import canonicalize_name

from pytest_kabul.project import shell
from pytest_kabul.project.core import Project
from pytest_kabul.project.docker.build_vars import declare_args, declare_env, expand
from pytest_kabul.project.docker.dockerfiles import Dockerfile, Instruction
from pytest_kabul.project.docker.install_model import BuildState, InstallStep
from pytest_kabul.project.docker.tool_commands import tool_step
from pytest_kabul.project.python.manifests.model import EGG_RE, is_dev_name, parse_requirement
from pytest_kabul.project.python.manifests.reader import manifest

_PIP_VALUE_OPTS = frozenset(
    [
        "-i",
        "--index-url",
        "--extra-index-url",
        "-f",
        "--find-links",
        "-t",
        "--target",
        "--prefix",
        "--root",
        "--trusted-host",
        "--platform",
        "--python-version",
        "--implementation",
        "--abi",
        "--only-binary",
        "--no-binary",
        "--progress-bar",
        "--cache-dir",
        "--src",
        "--python",
        "-p",
        "-C",
        "--config-settings",
        "-c",
        "--constraint",
        "--upgrade-strategy",
        "--report",
        "--log",
        "--timeout",
        "--retries",
        "--proxy",
        "--index",
        "--default-index",
        "--extra-index",
    ]
)


class _Reader:
    def __init__(self, project: Project, df: Dockerfile, context: str) -> None:
        self.project = project
        self.df = df
        self.context = posixpath.normpath(context) if context else ""
        if self.context == ".":
            self.context = ""
        self.steps: list[InstallStep] = []

    # -- paths ---------------------------------------------------------------------------
    def ctx(self, rel: str) -> str:
        joined = posixpath.normpath(posixpath.join(self.context, rel)) if rel else self.context
        return "" if joined == "." else joined

    def is_dir(self, rel: str) -> bool:
        return self.project.files.is_folder(rel) if rel else bool(self.project.files.files)

    def copy(self, state: BuildState, ins: Instruction) -> None:
        tokens = ins.exec_form() or _split(ins.value)
        if any(t.startswith("--from") for t in tokens):
            return
        args = [t for t in tokens if not t.startswith("--")]
        if len(args) < 2:
            return
        *srcs, dest = args
        dest_abs = posixpath.normpath(posixpath.join(state.workdir, dest))
        into_dir = dest.endswith("/") or dest in (".", "./") or len(srcs) > 1
        for src in srcs:
            rel = self.ctx(posixpath.normpath(src).lstrip("/") if src not in (".", "./") else "")
            if any(ch in src for ch in "*?["):
                folder = posixpath.dirname(rel)
                for f in self.project.files.glob(rel):
                    if posixpath.dirname(f) == folder:
                        target = posixpath.join(dest_abs, posixpath.basename(f))
                        state.copies += ((target, f, False),)
            elif rel in self.project.files:
                target = posixpath.join(dest_abs, posixpath.basename(rel)) if into_dir else dest_abs
                state.copies += ((target, rel, False),)
            elif self.is_dir(rel):
                state.copies += ((dest_abs, rel, True),)

    def resolve(self, state: BuildState, image_path: str) -> str | None:
        """The context file or folder an in-image path came from."""
        path = posixpath.normpath(posixpath.join(state.workdir, image_path))
        for target, rel, is_dir in reversed(state.copies):
            if not is_dir and target == path:
                return rel
            if is_dir and (path == target or path.startswith(target.rstrip("/") + "/")):
                rest = path[len(target) :].lstrip("/")
                return posixpath.normpath(posixpath.join(rel, rest)) if rest else rel
        for target, rel, is_dir in reversed(state.copies):
            if not is_dir and target.startswith(path.rstrip("/") + "/"):
                rest = target[len(path.rstrip("/")) + 1 :]
                if rel.endswith(rest):
                    return rel[: len(rel) - len(rest)].rstrip("/")
        for guess in (self.ctx(image_path.lstrip("/")), self.ctx(posixpath.basename(image_path))):
            if guess in self.project.files:
                return guess
        if image_path in (".", "./"):
            return self.context
        return None

    def project_manifest(self, folder: str) -> str | None:
        for name in ("pyproject.toml", "setup.cfg", "setup.py"):
            path = f"{folder}/{name}" if folder else name
            if path in self.project.files:
                parsed = manifest(self.project, path)
                if parsed is not None and parsed.deps:
                    return path
        path = f"{folder}/pyproject.toml" if folder else "pyproject.toml"
        return path if path in self.project.files else None

    # -- commands ------------------------------------------------------------------------
    def run(self, state: BuildState, ins: Instruction) -> None:
        form = ins.exec_form()
        text = expand(" ".join(form) if form else ins.value, state.values())
        while text.startswith("--"):  # RUN --mount=... --network=... flags
            text = text.split(None, 1)[1] if " " in text.strip() else ""
        cwd = state.workdir
        for argv in shell.split(text):
            while argv and (
                ("=" in argv[0] and not argv[0].startswith("-"))
                or argv[0] in ("sudo", "exec", "env")
            ):
                argv = argv[1:]
            if not argv:
                continue
            if argv[0] == "cd" and len(argv) > 1:
                cwd = posixpath.normpath(posixpath.join(cwd, argv[1]))
                continue
            local = replace(state, workdir=cwd)
            self.command(local, argv, ins.line)
            state.exports = local.exports

    def command(self, state: BuildState, argv: list[str], line: int) -> None:
        prog = posixpath.basename(argv[0])
        rest = argv[1:]
        if prog.startswith("python") and rest[:2] == ["-m", "pip"]:
            prog, rest = "pip", rest[2:]
        elif prog.startswith("python") and rest[:1] == ["-m"] and len(rest) > 1:
            prog, rest = rest[1], rest[2:]
        if prog.startswith("pip") and prog not in ("pipenv", "pip-compile", "pip-sync"):
            if rest[:1] == ["install"]:
                self.pip(state, rest[1:], line, "pip")
        elif prog == "uv" and rest[:2] in (["pip", "install"], ["pip", "sync"]):
            args = rest[2:]
            self.pip(state, ["-r", *args] if rest[1] == "sync" else args, line, "uv-pip")
        elif prog == "pip-sync":
            files = [a for p in rest if not p.startswith("-") for a in ("-r", p)]
            self.pip(state, files, line, "pip-sync")
        elif prog in ("uv", "poetry", "pdm", "pipenv", "pip-compile"):
            found = tool_step(self.resolve, state, prog, rest, line)
            if found is not None:
                self.steps.append(found)

    def pip(self, state: BuildState, args: list[str], line: int, tool: str) -> None:
        names: list[str] = []
        specs: list[str] = []
        before = len(self.steps)
        no_deps = "--no-deps" in args
        extras = tuple(
            str(canonicalize_name(args[i + 1]))
            for i, a in enumerate(args[:-1])
            if a in ("--extra", "--extras")
        )
        i = 0
        while i < len(args):
            arg = args[i]
            i += 1
            value: str | None = None
            if arg in ("-r", "--requirement"):
                value = args[i] if i < len(args) else None
                i += 1
            elif arg.startswith("--requirement="):
                value = arg.split("=", 1)[1]
            elif arg.startswith("-r") and not arg.startswith("--") and len(arg) > 2:
                value = arg[2:]
            if value is not None:
                self.requirement_file(state, value, line, extras)
                continue
            if arg in _PIP_VALUE_OPTS or arg in ("--extra", "--extras"):
                i += 1
                continue
            if arg.startswith("-") or "$" in arg:
                continue
            self.target(state, arg, line, no_deps, names)
            if len(names) > len(specs):
                specs.append(arg)
        if names:
            self.steps.append(
                InstallStep(line, names=tuple(sorted(set(names))), specs=tuple(sorted(specs)))
            )
        argv = tuple(args)
        self.steps[before:] = [
            s if s.argv else replace(s, tool=tool, argv=argv) for s in self.steps[before:]
        ]

    def requirement_file(
        self, state: BuildState, value: str, line: int, extras: tuple[str, ...]
    ) -> None:
        path = posixpath.normpath(posixpath.join(state.workdir, value))
        for image_path, template in state.exports:
            if image_path == path:
                self.steps.append(replace(template, line=line))
                return
        rel = self.resolve(state, value)
        if rel is not None and rel in self.project.files:
            self.steps.append(InstallStep(line, manifest=rel, extras=extras))

    def target(
        self, state: BuildState, arg: str, line: int, no_deps: bool, names: list[str]
    ) -> None:
        spec, _, bracket = arg.partition("[")
        extras = tuple(
            sorted(
                str(canonicalize_name(e.strip()))
                for e in bracket.rstrip("]").split(",")
                if e.strip()
            )
        )
        egg = EGG_RE.search(arg)
        if egg:
            names.append(canonicalize_name(egg.group(1)))
            return
        if "://" in arg or arg.endswith((".whl", ".tar.gz", ".zip")):
            return
        if spec.startswith((".", "/", "~")) or "/" in spec:
            folder = self.resolve(state, spec)
            target = self.project_manifest(folder) if folder is not None else None
            if target is not None:
                self.steps.append(
                    InstallStep(line, manifest=target, extras=extras, no_deps=no_deps)
                )
            return
        parsed = parse_requirement(arg)
        if parsed is not None:
            names.append(canonicalize_name(parsed.name))


def _split(value: str) -> list[str]:
    commands = shell.split(value)
    return [t for c in commands for t in c]


def install_steps(
    project: Project, df: Dockerfile, context: str, build_args: Mapping[str, str] | None = None
) -> list[InstallStep]:
    """The install steps of the stages that end up in the image; ``build_args`` are the
    compose ``build.args`` of the service that builds it (they override ``ARG`` defaults)."""
    reader = _Reader(project, df, context)
    given = dict(build_args or {})
    globals_: dict[str, str] = {}
    for ins in df.global_args:
        globals_ = declare_args(ins.value, globals_, given, {})
    chain = {id(s) for s in df.stage_chain()}
    states: dict[str, BuildState] = {}
    for stage in df.stages:
        wanted = id(stage) in chain or not (stage.name and is_dev_name(stage.name))
        inherited = states.get(stage.base.lower())
        state = replace(inherited, args={}) if inherited is not None else BuildState()
        before = len(reader.steps)
        for ins in stage.instructions:
            if ins.keyword == "ARG":
                state.args = declare_args(ins.value, state.args, given, globals_)
            elif ins.keyword == "ENV":
                state.env = declare_env(ins.value, state.env, state.values())
            elif ins.keyword == "WORKDIR":
                state.workdir = posixpath.normpath(posixpath.join(state.workdir, ins.value.strip()))
            elif ins.keyword in ("COPY", "ADD"):
                reader.copy(state, ins)
            elif ins.keyword == "RUN":
                reader.run(state, ins)
        if not wanted:
            del reader.steps[before:]
        if stage.name:
            states[stage.name.lower()] = state
    return [
        s
        for s in reader.steps
        if s.names or (s.manifest is not None and s.manifest in project.files)
    ]
