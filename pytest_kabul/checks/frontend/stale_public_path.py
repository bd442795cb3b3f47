"""KAB702 stale-public-path: a middleware path that matches no route of the app.

What it checks
    Every concrete path a Next.js app's ``middleware.ts``/``proxy.ts`` (root or ``src/``) names —
    in inline lists, ``config.matcher``, ``pathname === '/x'`` / ``startsWith('/x')``
    comparisons, and in the local routes module it imports — against the routes under ``app/``
    and ``pages/`` (root and ``src/``): route groups ``(x)``, dynamic ``[id]``, catch-all
    ``[...x]``, optional catch-all ``[[...x]]``, parallel ``@slot`` and intercepting ``(.)x``
    folders, ``pages/api`` and ``index`` files, plus ``public/`` files and Next's own
    ``/_next`` paths. A path is live when some route equals it, matches it or lies under it;
    a path tested with ``startsWith`` also when some route or ``public/`` file starts with it
    (``/favicon`` and ``public/favicon.ico``). Only names the middleware uses in its path logic
    are read from an imported module (backend API paths it only passes to ``fetch()`` are not
    page routes), and the ``basePath`` of ``next.config`` and paths under it are not routes.

Why it matters
    A page renamed from ``/auth/password-reset`` to ``/auth/reset-password`` leaves the old
    entry in the public list: the new page is now protected by mistake (users cannot reset a
    password) and the old path stays public, ready to expose whatever takes the name next.

Example
    ``admin/middleware.ts:8 /auth/password-reset matches no route under app/ or pages/``

Before
    ``package.json``::

        {"dependencies": {"next": "16.0.0"}}

    ``middleware.ts``::

        import { PUBLIC } from './config/routes';

        export function middleware(req) {
          return PUBLIC.includes(req.nextUrl.pathname);
        }

    ``config/routes.ts``::

        export const PUBLIC = ['/', '/auth/password-reset'] as const;

    ``app/page.tsx``::

        export default function P() { return null; }

    ``app/auth/reset-password/page.tsx``::

        export default function P() { return null; }

After
    ``config/routes.ts``::

        export const PUBLIC = ['/', '/auth/reset-password'] as const;

Fix
    Update or remove the entry; better, derive the list from one routes module (KAB701).
"""

from __future__ import annotations

from pytest_kabul.model import Area, Evidence, Finding, Location, Severity
from pytest_kabul.project.core import Project
from pytest_kabul.project.node.middleware import middleware_files
from pytest_kabul.project.node.nextjs import next_apps
from pytest_kabul.project.node.routes import Route, is_live, path_pattern
from pytest_kabul.registry import Check, Evaluation

check = Check(
    code="KAB702",
    name="stale-public-path",
    area=Area.FRONTEND,
    severity=Severity.ERROR,
    summary="A path in middleware.ts/proxy.ts matches no route under app/ or pages/.",
    doc=__doc__,
)


@check.evaluator
def evaluate(project: Project) -> Evaluation:
    apps = next_apps(project)
    if not apps:
        return Evaluation.skip("no Next.js app (no package.json depending on next)")
    findings: list[Finding] = []
    subjects: list[str] = []
    skipped: dict[str, str] = {}
    for app in apps:
        files = middleware_files(project, app)
        if not files:
            skipped[app.subject] = "no middleware.ts/.js or proxy.ts/.js in the app root or src/"
            continue
        if not app.route_dirs:
            skipped[app.subject] = "no app/ or pages/ folder, so the routes are unknown"
            continue
        all_routes = app.app_routes + app.page_routes
        rewrites = (path_pattern(src) for src in app.config.rewrite_sources)
        routes = tuple(segs for segs, _ in all_routes) + tuple(r for r in rewrites if r is not None)
        seen: dict[str, tuple[str, int]] = {}
        prefixes: set[str] = set()
        base = app.config.base_path
        for mw in files:
            for lst in (*mw.inline, *mw.module_paths):
                for path, line in lst.paths:
                    if base and (path.rstrip("/") == base or path.startswith(base + "/")):
                        continue  # the basePath itself: Next strips it before routing
                    seen.setdefault(path, (lst.file, line))
                    if lst.prefix:
                        prefixes.add(path)
        for path, (file, line) in sorted(seen.items()):
            subject = f"{app.subject}:{path}"
            subjects.append(subject)
            pattern = path_pattern(path)
            if pattern is None or is_live(
                pattern, routes, app.public_paths, prefix=path in prefixes
            ):
                continue
            folders = ", ".join(d[len(app.root) :].lstrip("/") + "/" for d in app.route_dirs)
            findings.append(
                Finding(
                    code=check.code,
                    severity=check.severity,
                    subject=subject,
                    message=f"{path} matches no route under {folders}",
                    remediation=(
                        f"Update or remove {path} in {file} (the page was renamed or removed);"
                        " derive the list from one routes module."
                    ),
                    location=Location(file, line),
                    evidence=(
                        Evidence(
                            title="routes of the app",
                            text=_route_list(app.app_routes + app.page_routes),
                        ),
                    ),
                )
            )
    return Evaluation.build(subjects=subjects, findings=findings, skipped=skipped)


def _route_list(routes: tuple[tuple[tuple[str, ...], str], ...]) -> str:
    urls = sorted({Route(segs, file).url for segs, file in routes})
    shown = urls[:40] + ([f"... and {len(urls) - 40} more"] if len(urls) > 40 else [])
    return "\n".join(shown) or "none"
