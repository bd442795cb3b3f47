"""What an image installs, one Dockerfile step at a time (records shared by the step readers)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class InstallStep:
    line: int
    manifest: str | None = None  # project-relative manifest installed
    main: bool = True  # the manifest's runtime dependencies
    extras: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    all_extras: bool = False
    all_groups: bool = False
    without: tuple[str, ...] = ()
    no_deps: bool = False
    names: tuple[str, ...] = ()  # distributions installed by name (``pip install redis``)
    specs: tuple[str, ...] = ()  # those requirements as written (``redis==5.0.1``)
    tool: str = "pip"  # pip / uv-pip / uv / poetry / pdm / pipenv / pip-compile
    argv: tuple[str, ...] = ()  # the install command's arguments (``--frozen``, ``-c c.txt``)


@dataclass
class BuildState:
    """What a Dockerfile stage has done so far: its WORKDIR, what it copied, what it exported."""

    workdir: str = "/"
    copies: tuple[tuple[str, str, bool], ...] = ()  # (image path, context path, is_dir)
    exports: tuple[tuple[str, InstallStep], ...] = ()  # image path -> the export's selection
    # build-time variables: ARG (stage-local, replaced on each ARG) and ENV (inherited)
    args: Mapping[str, str] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)

    def values(self) -> dict[str, str]:
        return {**self.args, **self.env}  # ENV wins over ARG, as in Docker
