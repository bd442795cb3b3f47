"""KAB701 hardcoded-public-paths: route lists written inline in middleware.ts / proxy.ts.

What it checks
    The ``middleware.ts``/``.js`` (or Next 16's ``proxy.ts``/``.js``) of every Next.js app, in
    the app root or ``src/``: string arrays of URL paths (``const publicPaths = ['/login']``)
    and a ``config.matcher`` that lists concrete paths, written in the file instead of imported
    from one routes module. A matcher that is a single exclusion pattern
    (``'/((?!api|_next/static|_next/image|favicon.ico).*)'``) is not a route list.

Why it matters
    A second copy of the route table drifts: rename a page and its old path stays public (or a
    new page is left unprotected). KAB702 reports the paths that already point nowhere.

Example
    ``admin/middleware.ts:5 4 paths listed inline in publicPaths``

Before
    ``package.json``::

        {"dependencies": {"next": "16.0.0"}}

    ``middleware.ts``::

        const publicPaths = ['/', '/login', '/register'];

        export function middleware(req) {
          return publicPaths.includes(req.nextUrl.pathname);
        }

    ``app/page.tsx``::

        export default function P() { return null; }

    ``app/login/page.tsx``::

        export default function P() { return null; }

    ``app/register/page.tsx``::

        export default function P() { return null; }

After
    ``middleware.ts``::

        import { PUBLIC_PATHS } from './config/routes';

        export function middleware(req) {
          return PUBLIC_PATHS.includes(req.nextUrl.pathname);
        }

    ``config/routes.ts``::

        export const PUBLIC_PATHS = ['/', '/login', '/register'] as const;

Fix
    Move the lists to one routes module (``lib/routes.ts``) that pages and links also use, and
    import it in the middleware. ``config.matcher`` must stay a literal (Next reads it at build
    time): match broadly with an exclusion pattern and decide per path in code.
"""

from __future__ import annotations

from pytest_kabul.model import Area, Evidence, Finding, Location, Severity
from pytest_kabul.project.core import Project
from pytest_kabul.project.node.middleware import ListKind, middleware_files
from pytest_kabul.project.node.nextjs import next_apps
from pytest_kabul.registry import Check, Evaluation

check = Check(
    code="KAB701",
    name="hardcoded-public-paths",
    area=Area.FRONTEND,
    severity=Severity.WARNING,
    summary="Route lists written inline in middleware.ts/proxy.ts, not in one routes module.",
    doc=__doc__,
)


@check.evaluator
def evaluate(project: Project) -> Evaluation:
    apps = next_apps(project)
    if not apps:
        return Evaluation.skip("no Next.js app (no package.json depending on next)")
    findings: list[Finding] = []
    skipped: dict[str, str] = {}
    notes: dict[str, str] = {}
    for app in apps:
        files = middleware_files(project, app)
        if not files:
            skipped[app.subject] = "no middleware.ts/.js or proxy.ts/.js in the app root or src/"
            continue
        for mw in files:
            for lst in mw.inline:
                if lst.kind is ListKind.COMPARISON:
                    continue
                what = "config.matcher" if lst.kind is ListKind.MATCHER else lst.name or "an array"
                listed = "\n".join(f"{mw.file}:{line} {path}" for path, line in lst.paths)
                findings.append(
                    Finding(
                        code=check.code,
                        severity=check.severity,
                        subject=app.subject,
                        message=f"{len(lst.paths)} route path(s) listed inline in {what}",
                        remediation=(
                            f"Move the paths of {what} in {mw.file} to one routes module (e.g."
                            f" {app.path('lib/routes.ts')}) and import them; keep"
                            " config.matcher a broad exclusion pattern."
                        ),
                        location=Location(mw.file, lst.line),
                        evidence=(Evidence(title="inline paths", text=listed),),
                    )
                )
        if not any(f.subject == app.subject for f in findings):
            imported = sorted({target for mw in files for _, target in mw.imported})
            source = f"imported from {', '.join(imported)}" if imported else "none inline"
            notes[app.subject] = f"no inline route lists in middleware ({source})"
    return Evaluation.build(
        subjects=[a.subject for a in apps], findings=findings, skipped=skipped, notes=notes
    )
