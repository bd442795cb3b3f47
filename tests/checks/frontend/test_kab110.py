"""KAB110 next-image-without-sharp: exact findings, and the rule every pass and skip names."""

from __future__ import annotations

import json
from pathlib import Path

from pytest_kabul.checks.frontend.next_image_without_sharp import check
from pytest_kabul.model import Location, Severity
from pytest_kabul.project.core import Project
from pytest_kabul.registry import Evaluation
from tests.helpers import PROJECTS, build_project

Row = tuple[str, Severity, Location | None, str]


def rows(evaluation: Evaluation) -> list[Row]:
    return [(f.subject, f.severity, f.location, f.message) for f in evaluation.findings]


def test_sweetshop_storefront_fails_admin_passes() -> None:
    ev = check.evaluate(Project(PROJECTS / "sweetshop"))
    assert rows(ev) == [
        (
            "frontend",
            Severity.ERROR,
            Location("frontend/package.json"),
            "next/image is used with Next 14.2.15 (output: 'standalone') but sharp is not a"
            " dependency",
        )
    ]
    (finding,) = ev.findings
    assert finding.remediation == (
        "Add sharp to dependencies in frontend/package.json (npm install sharp)."
    )
    assert finding.evidence[0].text.startswith(
        "Next 14.2.15 (< 15) does not bring sharp; it must be a production dependency"
        " (output: 'standalone': error)\nnext version from frontend/package-lock.json (14.2.15)"
    )
    admin = "admin_frontend/mantine-analytics-dashboard"
    assert ev.subjects == (admin, "frontend")
    assert ev.notes == {
        admin: "Next 16.0.3 (>= 15) brings sharp as an optional dependency of next, so sharp"
        " need not be in package.json; admin_frontend/mantine-analytics-dashboard/pnpm-lock.yaml"
        " resolves sharp 0.34.5 with @img/sharp-linuxmusl-x64 and"
        " @img/sharp-libvips-linuxmusl-x64 for linuxmusl-x64 from"
        " admin_frontend/mantine-analytics-dashboard/Dockerfile FROM node:22-alpine"
    }


def test_healthy_passes_with_reasons() -> None:
    ev = check.evaluate(Project(PROJECTS / "healthy"))
    assert ev.findings == ()
    assert ev.notes["frontend"].startswith(
        "Next 14.2.15 (< 15): sharp is declared in dependencies of frontend/package.json;"
        " frontend/package-lock.json resolves sharp 0.33.5 with @img/sharp-linuxmusl-x64"
    )


def test_darwin_only_lockfile_with_npm_ci_on_debian() -> None:
    ev = check.evaluate(Project(PROJECTS / "next_darwin_lock"))
    assert rows(ev) == [
        (
            ".",
            Severity.ERROR,
            Location("package-lock.json"),
            "package-lock.json lacks sharp's linux-x64 binaries (@img/sharp-linux-x64,"
            " @img/sharp-libvips-linux-x64)",
        )
    ]
    text = ev.findings[0].evidence[0].text
    assert "npm/cli#4828" in text
    assert "@img packages in package-lock.json: @img/sharp-darwin-arm64," in text
    assert "FROM node:20-slim" in text


def test_variants_exact_findings_and_skip_reasons() -> None:
    ev = check.evaluate(Project(PROJECTS / "next_variants"))
    assert rows(ev) == [
        (
            "dev-pruned",
            Severity.ERROR,
            Location("dev-pruned/Dockerfile", 5),
            "sharp is only a devDependency and the image installs without dev dependencies"
            " (Next 14.2.15)",
        ),
        (
            "next-start",
            Severity.WARNING,
            Location("next-start/package.json"),
            "next/image is used with Next 14.2.3 (next start) but sharp is not a dependency",
        ),
        (
            "omit-optional",
            Severity.ERROR,
            Location("omit-optional/Dockerfile", 5),
            "the image installs without optional dependencies, so Next 15.0.3 gets no sharp",
        ),
    ]
    assert ev.skipped == {
        "broken-lock": "Next 15.2.0 (>= 15) brings sharp as an optional dependency of next, so"
        " sharp need not be in package.json; broken-lock/package-lock.json could not be parsed"
        " (see KAB001)",
        "cdn-loader": "optimiser not used: cdn-loader/next.config.mjs sets a custom loaderFile:"
        " './image-loader.ts'",
        "export-site": "optimiser not used: export-site/next.config.js sets output: 'export'"
        " (static files)",
        "no-images": "optimiser not used: no file imports next/image or next/legacy/image, so"
        " sharp is not needed",
        "src-pages": "optimiser not used: no file imports next/image or next/legacy/image, so"
        " sharp is not needed",
        "unoptimized": "optimiser not used: unoptimized/next.config.cjs sets"
        " images.unoptimized: true",
    }
    assert list(ev.notes) == ["berry-musl"]
    assert "berry-musl/yarn.lock resolves sharp 0.33.5" in ev.notes["berry-musl"]


def _app(root: Path, package: dict[str, object], files: dict[str, str]) -> Project:
    web = {f"web/{rel}": text for rel, text in files.items()}
    page = "import Image from 'next/image';\n"
    return build_project(
        root, {"web/package.json": json.dumps(package), "web/app/page.tsx": page, **web}
    )


def _lock(**packages: str) -> str:
    entries = {f"node_modules/{n}": {"version": v} for n, v in packages.items()}
    return json.dumps({"lockfileVersion": 3, "packages": {"": {}, **entries}})


def test_next15_without_dockerfile_is_a_skip(tmp_path: Path) -> None:
    project = _app(tmp_path, {"dependencies": {"next": "^15.0.0"}}, {})
    ev = check.evaluate(project)
    assert ev.findings == ()
    assert ev.skipped["web"].endswith(
        "no Dockerfile builds this app, so the platform whose sharp binaries the lockfile must"
        " hold is unknown"
    )


def test_next15_lockfile_without_sharp(tmp_path: Path) -> None:
    files = {
        "package-lock.json": _lock(next="15.3.0"),
        "Dockerfile": "FROM node:22\nCOPY package*.json ./\nRUN npm ci\n",
    }
    ev = check.evaluate(_app(tmp_path, {"dependencies": {"next": "^15.0.0"}}, files))
    assert rows(ev) == [
        (
            "web",
            Severity.ERROR,
            Location("web/package-lock.json"),
            "web/package-lock.json does not resolve sharp",
        )
    ]


def test_old_sharp_downloads_its_binary(tmp_path: Path) -> None:
    files = {
        "package-lock.json": _lock(next="15.3.0", sharp="0.32.6"),
        "Dockerfile": "FROM company/node-base:1\nCOPY . .\nRUN npm ci\n",
    }
    ev = check.evaluate(_app(tmp_path, {"dependencies": {"next": "^15.0.0"}}, files))
    assert ev.findings == ()
    assert "resolves sharp 0.32.6 (< 0.33), which downloads its libvips binary" in ev.notes["web"]


def test_unknown_libc_is_assumed_glibc_and_said(tmp_path: Path) -> None:
    files = {
        "package-lock.json": _lock(
            next="15.3.0",
            sharp="0.34.1",
            **{"@img/sharp-linuxmusl-x64": "0.34.1", "@img/sharp-libvips-linuxmusl-x64": "1.1.0"},
        ),
        "Dockerfile": "FROM company/node-base:1\nCOPY . .\nRUN npm ci\n",
    }
    ev = check.evaluate(_app(tmp_path, {"dependencies": {"next": "^15.0.0"}}, files))
    assert [f.message for f in ev.findings] == [
        "web/package-lock.json lacks sharp's linux-x64 binaries (@img/sharp-linux-x64,"
        " @img/sharp-libvips-linux-x64)"
    ]
    assert "(libc not recognised, assumed glibc)" in ev.findings[0].evidence[0].text


def test_next14_optional_sharp_with_omit_optional(tmp_path: Path) -> None:
    package = {"dependencies": {"next": "14.2.0"}, "optionalDependencies": {"sharp": "^0.33.0"}}
    files = {"Dockerfile": "FROM node:20\nCOPY . .\nRUN npm install --no-optional\n"}
    ev = check.evaluate(_app(tmp_path, package, files))
    assert rows(ev) == [
        (
            "web",
            Severity.ERROR,
            Location("web/Dockerfile", 3),
            "sharp is an optional dependency and the image installs without optional ones",
        )
    ]


def test_next14_dev_sharp_without_pruning_is_still_not_production(tmp_path: Path) -> None:
    package = {"dependencies": {"next": "14.2.0"}, "devDependencies": {"sharp": "^0.33.0"}}
    files = {"next.config.js": "module.exports = { output: 'standalone' }\n"}
    ev = check.evaluate(_app(tmp_path, package, files))
    assert rows(ev) == [
        (
            "web",
            Severity.ERROR,
            Location("web/package.json"),
            "sharp is only a devDependency of a Next 14.2.0 app (output: 'standalone')",
        )
    ]


def test_next14_with_sharp_and_no_image_passes(tmp_path: Path) -> None:
    package = {"dependencies": {"next": "14.2.0", "sharp": "^0.33.0"}}
    ev = check.evaluate(_app(tmp_path, package, {}))
    assert ev.findings == ()
    assert ev.notes == {
        "web": "Next 14.2.0 (< 15): sharp is declared in dependencies of web/package.json;"
        " no Dockerfile builds this app (platform not checked)"
    }


def test_no_next_app_is_not_applicable(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"dependencies": {"react": "18.0.0"}}')
    assert check.evaluate(Project(tmp_path)).not_applicable == (
        "no Next.js app (no package.json depending on next)"
    )


def test_lockfile_not_copied_into_the_build(tmp_path: Path) -> None:
    files = {
        "package-lock.json": _lock(next="15.3.0", sharp="0.34.1"),
        "Dockerfile": "FROM node:22-alpine\nCOPY package.json ./\nRUN npm install\n",
    }
    ev = check.evaluate(_app(tmp_path, {"dependencies": {"next": "^15.0.0"}}, files))
    assert ev.findings == ()
    assert ev.notes["web"].endswith(
        "web/Dockerfile does not copy web/package-lock.json into the build, so the install"
        " resolves sharp's binaries for the image's own platform (linuxmusl-x64)"
    )
