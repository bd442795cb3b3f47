"""Lockfile parsers: every supported format, fast paths and YAML fallbacks, bad input."""

from __future__ import annotations

import json

import pytest

from pytest_kabul.project.node.lockfiles import LockKind, parse_lockfile
from pytest_kabul.project.node.lockfiles_yaml import LockfileError
from tests.helpers import PROJECTS


def test_package_lock_v3_real_file() -> None:
    rel = "sweetshop/frontend/package-lock.json"
    lock = parse_lockfile(rel, (PROJECTS / rel).read_text())
    assert lock.kind is LockKind.NPM
    assert lock.version == "3"
    assert lock.resolve("next") == "14.2.15"
    assert not lock.has("sharp")
    assert lock.names_matching("@next/swc-linux-x64") == (
        "@next/swc-linux-x64-gnu",
        "@next/swc-linux-x64-musl",
    )


def test_package_lock_workspaces_and_nested() -> None:
    data = {
        "lockfileVersion": 2,
        "packages": {
            "": {"name": "mono", "workspaces": ["apps/*"]},
            "apps/web": {"name": "web", "version": "1.0.0"},
            "apps/web/node_modules/next": {"version": "15.0.1"},
            "node_modules/next": {"version": "14.2.3"},
            "node_modules/web": {"resolved": "apps/web", "link": True},
            "node_modules/a/node_modules/sharp": {"version": "0.32.6"},
        },
    }
    lock = parse_lockfile("npm-shrinkwrap.json", json.dumps(data))
    assert lock.kind is LockKind.SHRINKWRAP
    assert lock.resolve("next", "apps/web") == "15.0.1"
    assert lock.resolve("next") == "14.2.3"
    assert lock.packages["next"] == ("14.2.3", "15.0.1")
    assert lock.resolve("sharp") == "0.32.6"  # the only version anywhere in the tree
    assert not lock.has("web")


def test_package_lock_v1_nested_dependencies() -> None:
    data = {
        "lockfileVersion": 1,
        "dependencies": {
            "next": {"version": "12.3.4", "dependencies": {"sharp": {"version": "0.31.0"}}},
            "sharp": {"version": "0.30.7"},
        },
    }
    lock = parse_lockfile("package-lock.json", json.dumps(data))
    assert lock.version == "1"
    assert lock.resolve("next") == "12.3.4"
    assert lock.resolve("sharp") == "0.30.7"  # the top-level one, not the nested
    assert lock.packages["sharp"] == ("0.30.7", "0.31.0")


def test_pnpm_v9_real_file() -> None:
    rel = "sweetshop/admin_frontend/mantine-analytics-dashboard/pnpm-lock.yaml"
    lock = parse_lockfile(rel, (PROJECTS / rel).read_text())
    assert (lock.kind, lock.version) == (LockKind.PNPM, "9.0")
    assert lock.resolve("next") == "16.0.3"  # peer suffix "(react-dom@...)" stripped
    assert lock.resolve("sharp") == "0.34.5"
    assert lock.has("@img/sharp-linuxmusl-x64")
    assert lock.has("@img/sharp-libvips-linuxmusl-x64")
    assert not lock.has("@img/sharp-win32-x64")


PNPM_V6_MONOREPO = """\
lockfileVersion: '6.0'

importers:

  .:
    devDependencies:
      turbo:
        specifier: ^2.0.0
        version: 2.0.4

  apps/web:
    dependencies:
      next:
        specifier: ^15.0.0
        version: 15.0.3(react@19.0.0)
      ui:
        specifier: workspace:*
        version: link:../../packages/ui

packages:

  /@img/sharp-linux-x64@0.33.5:
    resolution: {integrity: sha512-x}
    cpu: [x64]
    os: [linux]
    requiresBuild: true
    dev: false
    optional: true

  /next@15.0.3(react@19.0.0):
    resolution: {integrity: sha512-y}
    dev: false
"""


def test_pnpm_v6_importers() -> None:
    lock = parse_lockfile("pnpm-lock.yaml", PNPM_V6_MONOREPO)
    assert lock.resolve("next", "apps/web") == "15.0.3"
    assert lock.resolve("turbo") == "2.0.4"
    assert lock.resolve("ui", "apps/web") is None  # a workspace link is no version
    assert sorted(lock.packages) == ["@img/sharp-linux-x64", "next"]


PNPM_V5 = """\
lockfileVersion: 5.4

specifiers:
  next: 13.4.0

dependencies:
  next: 13.4.0_react@18.2.0

packages:

  /next/13.4.0_react@18.2.0:
    resolution: {integrity: sha512-z}
    dependencies:
      react: 18.2.0
    optionalDependencies:
      - darwin
"""


def test_pnpm_v5_keys_and_inline_versions() -> None:
    lock = parse_lockfile("pnpm-lock.yaml", PNPM_V5)
    assert lock.version == "5.4"
    assert lock.resolve("next") == "13.4.0"
    assert lock.packages == {"next": ("13.4.0",)}


def test_pnpm_flow_style_falls_back_to_yaml() -> None:
    text = "{lockfileVersion: '9.0', packages: {'sharp@0.33.5': {}}, importers: {.: {}}}"
    lock = parse_lockfile("pnpm-lock.yaml", text)
    assert lock.packages == {"sharp": ("0.33.5",)}


def test_billion_laughs_is_refused() -> None:
    """Lockfiles never use anchors; one that does goes through the project's bomb-proof loader."""
    levels = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    text = "lockfileVersion: '9.0'\n" + "\n".join(levels) + "\npackages: {'x@1.0.0': {}}\n"
    with pytest.raises(LockfileError, match=r"invalid YAML: .*anchor bomb"):
        parse_lockfile("pnpm-lock.yaml", text)


def test_harmless_anchor_is_loaded() -> None:
    text = "lockfileVersion: '9.0'\nsettings: &s {a: 1}\nother: *s\npackages: {'x@1.0.0': {}}\n"
    assert parse_lockfile("pnpm-lock.yaml", text).packages == {"x": ("1.0.0",)}


YARN_V1 = """\
# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.
# yarn lockfile v1


"@img/sharp-linuxmusl-x64@0.33.5":
  version "0.33.5"
  resolved "https://registry.yarnpkg.com/@img/sharp-linuxmusl-x64/-/x.tgz"

next@^14.1.0, next@^14.2.0:
  version "14.2.3"
  dependencies:
    sharp "^0.33.0"

next@13:
  version "13.5.6"
"""


def test_yarn_v1() -> None:
    lock = parse_lockfile("yarn.lock", YARN_V1)
    assert lock.kind is LockKind.YARN_V1
    assert lock.resolve("next", spec="^14.2.0") == "14.2.3"
    assert lock.resolve("next", spec="13") == "13.5.6"
    assert lock.resolve("next") is None  # two versions, no spec: unknown
    assert lock.resolve("@img/sharp-linuxmusl-x64") == "0.33.5"
    assert not lock.has("sharp")  # only mentioned as a dependency, never resolved


def test_yarn_berry_real_fixture() -> None:
    rel = "next_variants/berry-musl/yarn.lock"
    lock = parse_lockfile(rel, (PROJECTS / rel).read_text())
    assert (lock.kind, lock.version) == (LockKind.YARN_BERRY, "8")
    assert lock.resolve("next", spec="~15.1.0") == "15.1.7"
    assert lock.resolve("sharp") == "0.33.5"
    assert lock.has("@img/sharp-libvips-linuxmusl-x64")


def test_yarn_berry_flow_style_falls_back_to_yaml() -> None:
    text = '__metadata: {version: 6}\n"next@npm:^14.0.0": {version: 14.0.4}\n'
    lock = parse_lockfile("yarn.lock", text)
    assert (lock.version, lock.resolve("next", spec="^14.0.0")) == ("6", "14.0.4")


@pytest.mark.parametrize(
    ("name", "text", "match"),
    [
        ("package-lock.json", '{"lockfileVersion": 3, "packages": {', "invalid JSON"),
        ("package-lock.json", "[1, 2]", "not a package-lock"),
        ("pnpm-lock.yaml", "lockfileVersion: '9.0'\npackages:\n  - [unclosed\n", "invalid YAML"),
        ("pnpm-lock.yaml", "- just\n- a list\n", "not a pnpm lockfile"),
        ("yarn.lock", "# yarn lockfile v1\n\nnext@^14.0.0\n  version 14\n", "line 3"),
        ("yarn.lock", '__metadata:\n  version: 8\n"a@npm:1": [unclosed\n', "invalid YAML"),
        ("bun.lockb", "", "not a known lockfile"),
    ],
)
def test_malformed_lockfiles_raise_lockfile_error(name: str, text: str, match: str) -> None:
    with pytest.raises(LockfileError, match=match):
        parse_lockfile(name, text)
