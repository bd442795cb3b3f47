"""KAB110's rules, one function per rule, each returning the rule it applied (see its docstring)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pytest_kabul.model import Evidence, Finding, Location, Severity
from pytest_kabul.project.node.image import AppImage, Libc
from pytest_kabul.project.node.nextjs import NextApp, OutputMode, parse_version


@dataclass(frozen=True)
class Verdict:
    findings: tuple[Finding, ...] = ()
    skip: str | None = None
    note: str | None = None


def _v(version: tuple[int, int, int]) -> str:
    return ".".join(map(str, version))


def judge_app(app: NextApp, code: str) -> Verdict:
    cfg = app.config
    if not app.image_imports:
        return Verdict(
            skip="optimiser not used: no file imports next/image or next/legacy/image,"
            " so sharp is not needed"
        )
    where = cfg.path or "next.config"
    if cfg.output is OutputMode.EXPORT:
        return Verdict(skip=f"optimiser not used: {where} sets output: 'export' (static files)")
    if cfg.unoptimized:
        return Verdict(skip=f"optimiser not used: {where} sets images.unoptimized: true")
    if cfg.loader:
        return Verdict(skip=f"optimiser not used: {where} sets a custom {cfg.loader}")
    if app.next_version is None:
        return Verdict(skip=f"next version unknown ({app.next_version_source})")
    judge = _before_15 if app.next_version < (15, 0, 0) else _from_15
    return judge(app, code)


def _finding(
    app: NextApp,
    code: str,
    severity: Severity,
    message: str,
    fix: str,
    rule: str,
    location: Location,
    details: str = "",
) -> Finding:
    used = ", ".join(f"{p}:{line}" for p, line in app.image_imports[:3])
    text = f"{rule}\nnext version from {app.next_version_source}; next/image imported at {used}"
    if details:
        text += f"\n{details}"
    return Finding(
        code=code,
        severity=severity,
        subject=app.subject,
        message=message,
        remediation=fix,
        location=location,
        evidence=(Evidence(title="rule applied", text=text),),
    )


def _before_15(app: NextApp, code: str) -> Verdict:
    assert app.next_version is not None
    version = _v(app.next_version)
    image = app.image
    standalone = app.config.output is OutputMode.STANDALONE or bool(
        image and image.copies_standalone
    )
    mode = "output: 'standalone'" if standalone else "next start"
    severity = Severity.ERROR if standalone else Severity.WARNING
    section = app.declared("sharp")
    pkg = Location(app.package_json)
    add = f"Add sharp to dependencies in {app.package_json} (npm install sharp)."
    if section == "devDependencies":
        prune = image.prunes_dev if image else None
        if prune is not None and image is not None:
            rule = (
                f"Next {version} (< 15) needs sharp as a production dependency; it is only in"
                f" devDependencies and {image.dockerfile}:{prune.line} runs `{prune.command}`,"
                " which leaves dev dependencies out of the image"
            )
            return Verdict(
                (
                    _finding(
                        app,
                        code,
                        Severity.ERROR,
                        "sharp is only a devDependency and the image installs without dev"
                        f" dependencies (Next {version})",
                        f"Move sharp from devDependencies to dependencies in {app.package_json}.",
                        rule,
                        Location(image.dockerfile, prune.line),
                    ),
                )
            )
        rule = (
            f"Next {version} (< 15) needs sharp as a production dependency ({mode});"
            " it is only in devDependencies"
        )
        return Verdict(
            (
                _finding(
                    app,
                    code,
                    severity,
                    f"sharp is only a devDependency of a Next {version} app ({mode})",
                    f"Move sharp from devDependencies to dependencies in {app.package_json}.",
                    rule,
                    pkg,
                ),
            )
        )
    if section is None:
        rule = (
            f"Next {version} (< 15) does not bring sharp; it must be a production dependency"
            f" ({mode}: {severity.label})"
        )
        return Verdict(
            (
                _finding(
                    app,
                    code,
                    severity,
                    f"next/image is used with Next {version} ({mode}) but sharp is not a"
                    " dependency",
                    add,
                    rule,
                    pkg,
                ),
            )
        )
    if section == "optionalDependencies" and image is not None and image.omits_optional:
        step = image.omits_optional
        rule = (
            f"Next {version} (< 15): sharp is an optionalDependency and"
            f" {image.dockerfile}:{step.line} runs `{step.command}`"
        )
        return Verdict(
            (
                _finding(
                    app,
                    code,
                    Severity.ERROR,
                    "sharp is an optional dependency and the image installs without optional ones",
                    f"Move sharp to dependencies in {app.package_json} and drop the"
                    " optional-omitting flag.",
                    rule,
                    Location(image.dockerfile, step.line),
                ),
            )
        )
    base = f"Next {version} (< 15): sharp is declared in {section} of {app.package_json}"
    return _binaries(app, code, base, required=False)


def _from_15(app: NextApp, code: str) -> Verdict:
    assert app.next_version is not None
    version = _v(app.next_version)
    base = (
        f"Next {version} (>= 15) brings sharp as an optional dependency of next, so sharp"
        " need not be in package.json"
    )
    image = app.image
    if image is None:
        return Verdict(
            skip=f"{base}; no Dockerfile builds this app, so the platform whose sharp"
            " binaries the lockfile must hold is unknown"
        )
    step = image.omits_optional
    if step is not None:
        rule = f"{base}; {image.dockerfile}:{step.line} runs `{step.command}`, which drops it"
        return Verdict(
            (
                _finding(
                    app,
                    code,
                    Severity.ERROR,
                    "the image installs without optional dependencies, so Next"
                    f" {version} gets no sharp",
                    f"Remove the optional-omitting flag from {image.dockerfile} (adding sharp"
                    f" to dependencies in {app.package_json} is not enough: its @img binaries"
                    " are optional dependencies too).",
                    rule,
                    Location(image.dockerfile, step.line),
                ),
            )
        )
    return _binaries(app, code, base, required=True)


def _binaries(app: NextApp, code: str, base: str, *, required: bool) -> Verdict:
    """The lockfile resolves sharp >= 0.33 with the @img binaries of the image's platform."""
    image: AppImage | None = app.image
    lock = app.lockfile
    if image is None:
        return Verdict(note=f"{base}; no Dockerfile builds this app (platform not checked)")
    if lock is None and app.lockfile_path is not None:
        return Verdict(skip=f"{base}; {app.lockfile_path} could not be parsed (see KAB001)")
    if lock is None:
        return Verdict(
            note=f"{base}; no lockfile, so the install in {image.dockerfile} resolves"
            f" sharp's binaries for its own platform ({image.platform})"
        )
    if not image.uses_lockfile(lock.path):
        return Verdict(
            note=f"{base}; {image.dockerfile} does not copy {lock.path} into the build, so the"
            f" install resolves sharp's binaries for the image's own platform ({image.platform})"
        )
    assumed = " (libc not recognised, assumed glibc)" if image.libc is Libc.UNKNOWN else ""
    platform = f"{image.platform} from {image.dockerfile} FROM {image.final_base}{assumed}"
    sharp = lock.resolve("sharp")
    if not lock.has("sharp"):
        if not required:
            return Verdict(note=f"{base}; the lockfile does not pin it (resolved at install)")
        rule = f"{base}; but {lock.path} resolves no sharp package at all"
        return Verdict(
            (
                _finding(
                    app,
                    code,
                    Severity.ERROR,
                    f"{lock.path} does not resolve sharp",
                    f"Regenerate {lock.path} with optional dependencies included.",
                    rule,
                    Location(lock.path),
                ),
            )
        )
    version = parse_version(sharp or lock.packages["sharp"][-1]) or (0, 0, 0)
    if version < (0, 33, 0):
        return Verdict(
            note=f"{base}; {lock.path} resolves sharp {_v(version)} (< 0.33), which"
            " downloads its libvips binary at install time for the image's platform"
        )
    wanted = (f"@img/sharp-{image.platform}", f"@img/sharp-libvips-{image.platform}")
    missing = [w for w in wanted if not lock.has(w)]
    if not missing:
        return Verdict(
            note=f"{base}; {lock.path} resolves sharp {_v(version)} with {wanted[0]}"
            f" and {wanted[1]} for {platform}"
        )
    present = [n for n in lock.names_matching("@img/sharp-") if re.search(r"sharp-(libvips-)?", n)]
    installers = sorted({s.command for s in image.installs})
    hint = (
        " (npm/cli#4828: npm ci installs only what the lockfile lists)"
        if any(s.startswith("npm ci") for s in installers)
        else ""
    )
    rule = (
        f"{base}; the image runs on {platform} and needs {', '.join(wanted)} in {lock.path}{hint}"
    )
    musl = " --libc=musl" if image.libc is Libc.MUSL else ""
    details = f"@img packages in {lock.path}: {', '.join(present) or 'none'}"
    if installers:
        details += f"\ninstall steps: {'; '.join(installers)}"
    return Verdict(
        (
            _finding(
                app,
                code,
                Severity.ERROR,
                f"{lock.path} lacks sharp's {image.platform} binaries ({', '.join(missing)})",
                f"Regenerate {lock.path} on {image.platform} (or run `npm install --os=linux"
                f" --cpu={image.arch}{musl} sharp`) so it lists {', '.join(wanted)}.",
                rule,
                Location(lock.path),
                details,
            ),
        )
    )
