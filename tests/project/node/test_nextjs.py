"""The Next.js app model: tokenizer, next.config, Docker image facts, route trees, matching."""

from __future__ import annotations

import json

import pytest

from pytest_kabul.project.core import Project
from pytest_kabul.project.docker.dockerfiles import parse_dockerfile
from pytest_kabul.project.node.image import Libc, image_facts, libc_of
from pytest_kabul.project.node.jsparse import (
    Kind,
    import_specifiers,
    string_arrays,
    strip_comments,
    tokenize,
)
from pytest_kabul.project.node.nextjs import OutputMode, next_apps, parse_version
from pytest_kabul.project.node.routes import (
    ANY0,
    ANY1,
    ONE,
    app_route,
    is_live,
    pages_route,
    path_pattern,
)
from tests.helpers import PROJECTS, MakeProject


# -- tokenizer --------------------------------------------------------------------------------
def test_tokenizer_strings_templates_comments_and_regex() -> None:
    text = (
        "// '/in-a-comment'\n"
        "const a = ['/x', \"/y\", `/z`]; /* '/also-comment' */\n"
        "const b = `/t/${id}/u`;\n"
        "const r = /\\/(beta)\\//g; const d = 4 / 2 / 1;\n"
        "const s = 'it\\'s';\n"
    )
    tokens = tokenize(text)
    strings = [(t.value, t.line) for t in tokens if t.kind is Kind.STRING]
    assert strings == [("/x", 2), ("/y", 2), ("/z", 2), ("it's", 5)]
    assert [t.value for t in tokens if t.kind is Kind.TEMPLATE] == ["/t/${id}/u"]
    assert [t.value for t in tokens if t.kind is Kind.REGEX] == ["/\\/(beta)\\//g"]
    arrays = string_arrays(tokens)
    assert [(a.name, a.line, [v for v, _ in a.items]) for a in arrays] == [
        ("a", 2, ["/x", "/y", "/z"])
    ]


def test_tokenizer_never_raises_on_unterminated_input() -> None:
    for text in ["'abc", "`abc ${x", "/* open", "const r = /abc", '["a", ']:
        tokenize(text)  # no exception, whatever comes back


def test_nested_template_and_import_specifiers() -> None:
    text = (
        "import { A } from '@/lib/routes';\nimport './side-effect';\n"
        'const x = `a ${`b ${c}`} d`; const m = require("./m");'
        " const l = await import('./lazy');\n"
        'export { B } from "../b";\n'
    )
    assert import_specifiers(tokenize(text)) == [
        ("@/lib/routes", 1),
        ("./side-effect", 2),
        ("./m", 3),
        ("./lazy", 3),
        ("../b", 4),
    ]


def test_strip_comments_keeps_lines_and_strings() -> None:
    text = "a: 'x // not a comment', // output: 'standalone'\n/* b */ c"
    comment = "// output: 'standalone'"
    assert (
        strip_comments(text)
        == "a: 'x // not a comment', " + " " * len(comment) + "\n" + " " * 8 + "c"
    )


# -- versions, libc, Dockerfile facts --------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("^14.2.3", (14, 2, 3)),
        ("~15.1", (15, 1, 0)),
        ("15.x", (15, 0, 0)),
        (">=13.4.0 <15", (13, 4, 0)),
        ("16.0.0-canary.3", (16, 0, 0)),
        ("latest", None),
    ],
)
def test_parse_version(text: str, expected: tuple[int, int, int] | None) -> None:
    assert parse_version(text) == expected


@pytest.mark.parametrize(
    ("image", "libc"),
    [
        ("node:20-alpine", Libc.MUSL),
        ("node:22-alpine3.20", Libc.MUSL),
        ("docker.io/library/node:20-alpine@sha256:abc", Libc.MUSL),
        ("node:20", Libc.GLIBC),
        ("node", Libc.GLIBC),
        ("node:lts", Libc.GLIBC),
        ("node:20-slim", Libc.GLIBC),
        ("node:20-bookworm-slim", Libc.GLIBC),
        ("gcr.io/distroless/nodejs20-debian12", Libc.GLIBC),
        ("registry.example.com/base/web:3", Libc.UNKNOWN),
    ],
)
def test_libc_of(image: str, libc: Libc) -> None:
    assert libc_of(image) is libc


def test_image_facts_flags_platform_and_args(make_project: MakeProject) -> None:
    text = (
        "ARG BASE=node:20-alpine\n"
        "FROM ${BASE} AS deps\n"
        "ENV NODE_ENV=production\n"
        "RUN if [ -f yarn.lock ]; then yarn --frozen-lockfile; "
        "elif [ -f package-lock.json ]; then npm ci --omit optional; fi\n"
        "FROM --platform=linux/arm64 ${BASE}\n"
        "COPY --from=deps /app/.next/standalone ./\n"
        "RUN npm prune --omit=dev\n"
    )
    project = make_project({"Dockerfile": text})
    facts = image_facts(project, parse_dockerfile("Dockerfile", text))
    assert (facts.final_base, facts.libc, facts.arch) == ("node:20-alpine", Libc.MUSL, "arm64")
    assert facts.platform == "linuxmusl-arm64"
    assert facts.copies_standalone
    assert [(s.command, s.omits_optional, s.omits_dev) for s in facts.installs] == [
        ("yarn --frozen-lockfile", False, True),  # NODE_ENV=production
        ("npm ci --omit optional", True, True),
        ("npm prune --omit=dev", False, True),
    ]


# -- routes -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("rel", "segments"),
    [
        ("page.tsx", ()),
        ("(marketing)/about/page.mdx", ("about",)),
        ("blog/[slug]/page.js", ("blog", ONE)),
        ("docs/[...path]/page.tsx", ("docs", ANY1)),
        ("shop/[[...filters]]/page.tsx", ("shop", ANY0)),
        ("@modal/(.)photo/[id]/page.tsx", ("photo", ONE)),
        ("feed/(..)photo/[id]/page.tsx", ("photo", ONE)),
        ("a/b/(...)login/page.tsx", ("login",)),
        ("api/auth/[...nextauth]/route.ts", ("api", "auth", ANY1)),
        ("robots.ts", ("robots.txt",)),
        ("favicon.ico", ("favicon.ico",)),
        ("_components/page.tsx", None),
        ("dashboard/layout.tsx", None),
    ],
)
def test_app_route(rel: str, segments: tuple[str, ...] | None) -> None:
    assert app_route(rel) == segments


@pytest.mark.parametrize(
    ("rel", "segments"),
    [
        ("index.tsx", ()),
        ("blog/index.js", ("blog",)),
        ("blog/[slug].tsx", ("blog", ONE)),
        ("api/health.ts", ("api", "health")),
        ("_app.tsx", None),
        ("styles.css", None),
    ],
)
def test_pages_route(rel: str, segments: tuple[str, ...] | None) -> None:
    assert pages_route(rel) == segments


ROUTES = (("auth", "signin"), ("blog", ONE), ("docs", ANY1), ("shop", ANY0), ("api", "auth", ANY1))


@pytest.mark.parametrize(
    ("path", "live"),
    [
        ("/auth/signin", True),
        ("/auth", True),  # a prefix of a route (lists are usually tested with startsWith)
        ("/auth/password-reset", False),
        ("/blog/hello", True),
        ("/blog/:slug", True),
        ("/blog/a/b", False),
        ("/docs/a/b/c", True),
        ("/docs/:path*", True),
        ("/shop", True),  # optional catch-all matches zero segments
        ("/api/auth/callback/github", True),
        ("/_next/static/chunk.js", True),
        ("/images/logo.png", True),  # a public/ file
        ("/images", True),  # a public/ folder
        ("/gone/:path*", False),
    ],
)
def test_is_live(path: str, live: bool) -> None:
    pattern = path_pattern(path)
    assert pattern is not None
    assert is_live(pattern, ROUTES, frozenset({"images", "images/logo.png"})) is live


@pytest.mark.parametrize("path", ["/((?!api|_next/static).*)", "login", "/a/:b(\\d+)"])
def test_non_paths_are_not_patterns(path: str) -> None:
    assert path_pattern(path) is None


# -- the facet on the fixtures -------------------------------------------------------------------
def test_next_apps_on_sweetshop() -> None:
    apps = {a.subject: a for a in next_apps(Project(PROJECTS / "sweetshop"))}
    assert sorted(apps) == ["admin_frontend/mantine-analytics-dashboard", "frontend"]
    front = apps["frontend"]
    assert front.next_version == (14, 2, 15)
    assert front.next_version_source == "frontend/package-lock.json (14.2.15)"
    assert front.config.output is OutputMode.STANDALONE
    assert front.config.output_line == 4
    assert front.image is not None
    assert front.image.libc is Libc.MUSL
    assert front.image_imports == (
        ("frontend/app/products/[slug]/page.tsx", 1),
        ("frontend/components/ProductCard.tsx", 1),
    )
    admin = apps["admin_frontend/mantine-analytics-dashboard"]
    assert admin.lockfile is not None
    assert admin.lockfile.path.endswith("pnpm-lock.yaml")
    assert admin.middleware == ("admin_frontend/mantine-analytics-dashboard/middleware.ts",)
    assert admin.config.output is OutputMode.SERVER
    assert ("auth", "reset-password") in {segs for segs, _ in admin.app_routes}


def test_next_apps_bad_input_is_recorded_not_raised() -> None:
    project = Project(PROJECTS / "next_variants")
    apps = {a.subject: a for a in next_apps(project)}
    assert "broken-pkg" not in apps
    broken = apps["broken-lock"]
    assert broken.lockfile is None
    assert broken.lockfile_path == "broken-lock/package-lock.json"
    assert broken.next_version == (15, 2, 0)  # from the package.json range
    assert [p.path for p in project.problems] == [
        "broken-lock/package-lock.json",
        "broken-pkg/package.json",
    ]


def test_a_monorepo_lockfile_is_parsed_once_for_all_its_apps(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_kabul.project.node import nextjs

    files = {"pnpm-lock.yaml": "lockfileVersion: '6.0'\n\nimporters:\n\n  .: {}\n"}
    for name in ("web", "admin", "docs"):
        files[f"apps/{name}/package.json"] = json.dumps(
            {"dependencies": {"next": "15.0.3"}, "scripts": {"build": "next build"}}
        )
    project = make_project(files)
    parsed: list[str] = []
    real = nextjs.parse_lockfile

    def counting(path: str, text: str) -> object:
        parsed.append(path)
        return real(path, text)

    monkeypatch.setattr(nextjs, "parse_lockfile", counting)
    apps = next_apps(project)
    assert len(apps) == 3
    assert {a.lockfile_path for a in apps} == {"pnpm-lock.yaml"}
    assert parsed == ["pnpm-lock.yaml"]


def test_root_app_and_legacy_image_import() -> None:
    (app,) = next_apps(Project(PROJECTS / "next_darwin_lock"))
    assert (app.root, app.subject) == ("", ".")
    assert app.image_imports == (("components/Hero.tsx", 2),)
    assert app.config.path == "next.config.ts"


def test_component_library_with_next_as_dev_dependency_is_no_app(make_project: MakeProject) -> None:
    project = make_project(
        {
            "packages/ui/package.json": json.dumps(
                {"devDependencies": {"next": "14.2.0"}, "scripts": {"build": "tsup"}}
            ),
            "apps/web/package.json": json.dumps(
                {"devDependencies": {"next": "14.2.0"}, "scripts": {"dev": "next dev -p 3001"}}
            ),
            "apps/docs/package.json": json.dumps({"devDependencies": {"next": "15.0.0"}}),
            "apps/docs/next.config.mjs": "export default {};\n",
        },
    )
    assert [a.subject for a in next_apps(project)] == ["apps/docs", "apps/web"]
