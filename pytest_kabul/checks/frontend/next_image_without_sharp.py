"""KAB110 next-image-without-sharp: the production image cannot load sharp for next/image.

What it checks
    For every Next.js app that uses the built-in image optimiser (it imports ``next/image`` or
    ``next/legacy/image`` and ``next.config`` sets neither ``images.unoptimized: true``, a custom
    ``loader``/``loaderFile``, nor ``output: 'export'``), whether the Docker image that runs it
    will have a working ``sharp``. The answer depends on the ``next`` version the lockfile the
    Dockerfile installs from resolves (else the package.json range):

    * Next < 15 does not bring sharp: it must be a production dependency. Missing with
      ``output: 'standalone'`` is an ERROR (standalone refuses to optimise without it); with
      ``next start`` a WARNING (slow fallback). Only in devDependencies while the image installs
      without dev dependencies (``--omit=dev``, ``--production``, ``NODE_ENV=production``): ERROR.
    * Next >= 15 depends on sharp as an *optional dependency*, so sharp missing from package.json
      is not a finding. Instead the lockfile must resolve ``sharp`` and the
      ``@img/sharp-<platform>`` and ``@img/sharp-libvips-<platform>`` packages for the final
      stage's platform (``node:*-alpine``: ``linuxmusl-x64``; Debian-based ``node:*``:
      ``linux-x64``), and the install must not drop optional dependencies (``--omit=optional``,
      ``--no-optional``).

    Every pass and skip says which of these rules applied.

Why it matters
    Without a loadable sharp, ``/_next/image`` requests fail or fall back to an unoptimised,
    slow path. A lockfile written on a Mac can hold only the darwin binaries; ``npm ci`` in a
    Linux image then installs none (npm/cli#4828), and the optimiser breaks only in production.

Example
    ``frontend/package.json: Next 14.2.15 with output: 'standalone' and sharp not declared``

Before
    ``frontend/package.json``::

        {
          "dependencies": {"next": "14.2.15", "react": "18.3.1"}
        }

    ``frontend/next.config.js``::

        module.exports = { output: 'standalone' };

    ``frontend/app/page.tsx``::

        import Image from 'next/image';

        export default function Home() {
          return <Image src="/hero.png" alt="" width={800} height={400} />;
        }

After
    ``frontend/package.json``::

        {
          "dependencies": {"next": "14.2.15", "react": "18.3.1", "sharp": "0.33.5"}
        }

Fix
    Next < 15: ``npm install sharp`` (a production dependency). Next >= 15: regenerate the
    lockfile so it contains the Linux binaries (``npm install --os=linux --libc=musl --cpu=x64
    sharp`` or delete and re-create it on Linux), and drop ``--omit=optional``.
"""

from __future__ import annotations

from pytest_kabul.checks.frontend._sharp import judge_app
from pytest_kabul.model import Area, Finding, Severity
from pytest_kabul.project.core import Project
from pytest_kabul.project.node.nextjs import next_apps
from pytest_kabul.registry import Check, Evaluation

check = Check(
    code="KAB110",
    name="next-image-without-sharp",
    area=Area.FRONTEND,
    severity=Severity.ERROR,
    summary="A Next.js app uses next/image but its production image will not have a usable sharp.",
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
        verdict = judge_app(app, check.code)
        findings.extend(verdict.findings)
        if verdict.skip is not None:
            skipped[app.subject] = verdict.skip
        elif verdict.note is not None:
            notes[app.subject] = verdict.note
    return Evaluation.build(
        subjects=[a.subject for a in apps], findings=findings, skipped=skipped, notes=notes
    )
