"""KAB701 hardcoded-public-paths and KAB702 stale-public-path: exact findings."""

from __future__ import annotations

import json
from pathlib import Path

from pytest_kabul.checks.frontend.hardcoded_public_paths import check as kab701
from pytest_kabul.checks.frontend.stale_public_path import check as kab702
from pytest_kabul.model import Location, Severity
from pytest_kabul.project.core import Project
from pytest_kabul.registry import Evaluation
from tests.helpers import PROJECTS, build_project

ADMIN = "admin_frontend/mantine-analytics-dashboard"


def rows(evaluation: Evaluation) -> list[tuple[str, Severity, Location | None, str]]:
    return [(f.subject, f.severity, f.location, f.message) for f in evaluation.findings]


def test_sweetshop_admin_inline_list_and_stale_path() -> None:
    project = Project(PROJECTS / "sweetshop")
    ev = kab701.evaluate(project)
    assert rows(ev) == [
        (
            ADMIN,
            Severity.WARNING,
            Location(f"{ADMIN}/middleware.ts", 5),
            "4 route path(s) listed inline in publicPaths",
        )
    ]
    assert ev.findings[0].evidence[0].text.splitlines() == [
        f"{ADMIN}/middleware.ts:6 /auth/signin",
        f"{ADMIN}/middleware.ts:7 /auth/signup",
        f"{ADMIN}/middleware.ts:8 /auth/password-reset",
        f"{ADMIN}/middleware.ts:9 /api/auth",
    ]
    assert ev.skipped == {
        "frontend": "no middleware.ts/.js or proxy.ts/.js in the app root or src/"
    }
    stale = kab702.evaluate(project)
    assert rows(stale) == [
        (
            f"{ADMIN}:/auth/password-reset",
            Severity.ERROR,
            Location(f"{ADMIN}/middleware.ts", 8),
            "/auth/password-reset matches no route under app/",
        )
    ]
    assert stale.subjects == tuple(
        f"{ADMIN}:{p}"
        for p in ("/api/auth", "/auth/password-reset", "/auth/signin", "/auth/signup")
    )
    assert "/auth/reset-password" in stale.findings[0].evidence[0].text.splitlines()


def test_healthy_proxy_imports_routes_module() -> None:
    project = Project(PROJECTS / "healthy")
    ev = kab701.evaluate(project)
    assert ev.findings == ()
    assert ev.notes == {
        ADMIN: f"no inline route lists in middleware (imported from {ADMIN}/lib/routes.ts)"
    }
    stale = kab702.evaluate(project)
    assert stale.findings == ()
    assert stale.subjects == tuple(
        f"{ADMIN}:{p}"
        for p in (
            "/api/auth",
            "/auth/reset-password",
            "/auth/signin",
            "/auth/signup",
            "/dashboard",
            "/products",
        )
    )


def test_variants_pages_router_under_src() -> None:
    project = Project(PROJECTS / "next_variants")
    mw = "src-pages/src/middleware.js"
    assert rows(kab701.evaluate(project)) == [
        (
            "src-pages",
            Severity.WARNING,
            Location(mw, 5),
            "3 route path(s) listed inline in PROTECTED",
        ),
        (
            "src-pages",
            Severity.WARNING,
            Location(mw, 18),
            "3 route path(s) listed inline in config.matcher",
        ),
    ]
    stale = kab702.evaluate(project)
    assert rows(stale) == [
        (
            "src-pages:/checkout",
            Severity.ERROR,
            Location(mw, 5),
            "/checkout matches no route under src/pages/",
        ),
        (
            "src-pages:/checkout/:path*",
            Severity.ERROR,
            Location(mw, 18),
            "/checkout/:path* matches no route under src/pages/",
        ),
    ]
    # comment text, regex literals and template literals with ${} are not paths
    assert stale.subjects == tuple(
        f"src-pages:{p}"
        for p in (
            "/account",
            "/account/:path*",
            "/checkout",
            "/checkout/:path*",
            "/docs/",
            "/login",
            "/orders",
            "/orders/:id",
        )
    )


def _project(root: Path, files: dict[str, str]) -> Project:
    package = json.dumps({"dependencies": {"next": "16.0.0"}})
    return build_project(root, {"package.json": package, **files})


def test_matcher_exclusion_alone_is_not_a_route_list(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        {
            "proxy.ts": "export const config = { matcher: '/((?!api|_next/static).*)' };\n",
            "app/page.tsx": "export default function P() { return null; }\n",
        },
    )
    assert kab701.evaluate(project).findings == ()
    assert kab702.evaluate(project).subjects == ()


def test_single_string_matcher_and_stale_route_group(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        {
            "src/proxy.ts": "export const config = {\n  matcher: '/settings/:path*',\n};\n",
            "src/app/(app)/account/page.tsx": "export default function P() { return null; }\n",
        },
    )
    assert rows(kab701.evaluate(project)) == [
        (
            ".",
            Severity.WARNING,
            Location("src/proxy.ts", 2),
            "1 route path(s) listed inline in config.matcher",
        )
    ]
    assert rows(kab702.evaluate(project)) == [
        (
            ".:/settings/:path*",
            Severity.ERROR,
            Location("src/proxy.ts", 2),
            "/settings/:path* matches no route under src/app/",
        )
    ]


def test_stale_path_in_imported_routes_module(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        {
            "middleware.ts": (
                "import { PUBLIC } from './config/routes';\n"
                "export function middleware(req) {\n"
                "  return PUBLIC.includes(req.nextUrl.pathname);\n}\n"
            ),
            "config/routes.ts": "export const PUBLIC = [\n  '/',\n  '/pricing',\n] as const;\n",
            "app/page.tsx": "export default function P() { return null; }\n",
        },
    )
    assert kab701.evaluate(project).findings == ()
    assert rows(kab702.evaluate(project)) == [
        (
            ".:/pricing",
            Severity.ERROR,
            Location("config/routes.ts", 3),
            "/pricing matches no route under app/",
        )
    ]


def test_no_route_tree_is_a_skip(tmp_path: Path) -> None:
    project = _project(tmp_path, {"middleware.ts": "const open = ['/login'];\n"})
    ev = kab702.evaluate(project)
    assert ev.findings == ()
    assert ev.skipped == {".": "no app/ or pages/ folder, so the routes are unknown"}


def test_rewrite_sources_count_as_served(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        {
            "middleware.ts": "export const config = { matcher: ['/api/:path*', '/old'] };\n",
            "next.config.mjs": (
                "export default { async rewrites() {\n"
                "  return [{ source: '/api/:path*', destination: 'http://api:8000/:path*' }];\n"
                "} };\n"
            ),
            "app/page.tsx": "export default function P() { return null; }\n",
        },
    )
    assert [f.subject for f in kab702.evaluate(project).findings] == [".:/old"]


def test_matcher_objects_with_source(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        {
            "middleware.js": (
                "export const config = {\n  matcher: [\n"
                "    { source: '/admin/:path*', missing: [{ type: 'header', key: 'x-skip' }] },\n"
                "    { source: '/((?!_next).*)' },\n  ],\n};\n"
            ),
            "app/page.tsx": "export default function P() { return null; }\n",
        },
    )
    assert rows(kab701.evaluate(project)) == [
        (
            ".",
            Severity.WARNING,
            Location("middleware.js", 3),
            "1 route path(s) listed inline in config.matcher",
        )
    ]
    assert [f.subject for f in kab702.evaluate(project).findings] == [".:/admin/:path*"]


def test_backend_api_constants_fed_to_fetch_are_not_page_routes(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        {
            "src/middleware.ts": (
                "import { AUTH } from '@/api/endpoints';\n"
                "import * as api from './api/more';\n"
                "export async function middleware(req) {\n"
                "  await fetch(`${process.env.API}${AUTH.ME}`);\n"
                "  await fetch(api.BASE + api.PING);\n"
                "}\n"
            ),
            "src/api/endpoints.ts": "export const AUTH = { ME: '/auth/me', LOGIN: '/auth/x' };\n",
            "src/api/more.ts": "export const BASE = '/memories';\nexport const PING = '/ping';\n",
            "src/app/page.tsx": "export default function P() { return null; }\n",
        },
    )
    evaluation = kab702.evaluate(project)
    assert evaluation.findings == ()
    assert evaluation.subjects == ()


def test_only_the_names_used_in_path_logic_are_judged(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        {
            "middleware.ts": (
                "import { isPublic, API } from './lib/routes';\n"
                "export function middleware(req) {\n"
                "  if (isPublic(req.nextUrl.pathname)) return;\n"
                "  return fetch(API.HEALTH);\n"
                "}\n"
            ),
            "lib/routes.ts": (
                "const OPEN = ['/login', '/gone'];\n"
                "export const API = { HEALTH: '/healthz' };\n"
                "export const UNUSED = ['/nothing'];\n"
                "export function isPublic(p: string) {\n"
                "  return OPEN.includes(p);\n"
                "}\n"
            ),
            "app/login/page.tsx": "export default function P() { return null; }\n",
        },
    )
    evaluation = kab702.evaluate(project)
    assert evaluation.subjects == (".:/gone", ".:/login")
    assert rows(evaluation) == [
        (
            ".:/gone",
            Severity.ERROR,
            Location("lib/routes.ts", 1),
            "/gone matches no route under app/",
        )
    ]


def test_startswith_prefixes_match_public_files_and_routes(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        {
            "middleware.ts": (
                "const OPEN = ['/favicon', '/apple-touch', '/static'];\n"
                "export function middleware(req) {\n"
                "  const p = req.nextUrl.pathname;\n"
                "  if (OPEN.some((x) => p.startsWith(x))) return;\n"
                "  if (p.startsWith('/sign') || p === '/robot') return;\n"
                "}\n"
            ),
            "public/favicon.ico": "ico",
            "public/apple-touch-icon.png": "png",
            "app/signin/page.tsx": "export default function P() { return null; }\n",
        },
    )
    # /static and the exact /robot match nothing; the prefixes reach favicon.ico, the touch
    # icon and /signin
    assert [f.subject for f in kab702.evaluate(project).findings] == [".:/robot", ".:/static"]


def test_base_path_and_paths_under_it_are_not_routes(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        {
            "next.config.js": "module.exports = {\n  basePath: '/m',\n};\n",
            "proxy.ts": (
                "export function proxy(req) {\n"
                "  const raw = req.nextUrl.pathname;\n"
                "  const p = raw === '/m' ? '/' : raw.startsWith('/m/') ? raw.slice(2) : raw;\n"
                "  if (p === '/chat' || p === '/old') return;\n"
                "}\n"
            ),
            "app/chat/page.tsx": "export default function P() { return null; }\n",
        },
    )
    evaluation = kab702.evaluate(project)
    assert evaluation.subjects == (".:/chat", ".:/old")
    assert [f.subject for f in evaluation.findings] == [".:/old"]
