"""KAB103 unpinned-production-dependencies: the production image installs only open-ended
requirements and no lockfile.

What it checks
    Every production image that installs Python packages (``pip install -r``, ``pip install
    .``, ``uv sync``, ``uv pip``, ``poetry``, ``pdm``, ``pipenv``, exports feeding ``pip install
    -r``; see ``project/docker/pinning.py``). The image passes when it installs from a lockfile:
    ``uv sync --locked``/``--frozen`` or a ``uv.lock`` the tool reads, ``poetry.lock``,
    ``pdm.lock``, ``Pipfile.lock``, ``pylock.toml``, a compiled requirements file (hashes,
    ``# via``, a pip-compile/uv header), ``-c constraints.txt``, ``--require-hashes`` or
    ``PIP_CONSTRAINT``. Otherwise it is a finding when every requirement it installs is open:
    ``>=``/``>``/``!=`` or no version at all (a pin ``==``, a URL, an upper bound ``<``/``~=``
    or a Poetry ``^``/``~`` constraint is not open). Installers (pip, setuptools, poetry, uv)
    and the repository's own projects are not counted.

Why it matters
    Without a lock every ``docker build`` resolves the newest releases: two builds of the same
    commit ship different code, a new major version of a dependency (or of one of its own
    dependencies) breaks production on a rebuild nobody changed, and a rollback rebuilds into
    the same breakage. A compromised release is installed automatically.

Example
    ``backend/Dockerfile:8 installs 14 requirements (backend/requirements.txt), none pinned or
    bounded, from no lockfile``

    Before (``backend/requirements.txt``)::

        fastapi>=0.110
        sqlalchemy
        celery>=5

    After: ``uv pip compile requirements.in -o requirements.txt --generate-hashes`` (pinned,
    hashed, transitive included), or ``uv lock`` and in the Dockerfile ``RUN uv sync --frozen
    --no-dev``.

Fix
    Install from a lockfile: commit ``uv.lock`` and run ``uv sync --frozen --no-dev`` (or
    ``poetry.lock`` with ``poetry install --only main``), or compile the requirements with
    ``uv pip compile``/``pip-compile`` (``--generate-hashes``) and install that file, or pass
    ``-c constraints.txt`` with pinned versions.

Options
    Opt-in (``--kabul-select KAB103``): on the development corpus (nine trees, 2026-12-03) it
    reports nothing and nothing was expected (every production image there installs from a
    lock, or pins or bounds some requirements), so its precision is not measured yet. Most
    small projects without a lockfile do get this warning.
"""

from __future__ import annotations

from pytest_kabul.model import Area, Evidence, Finding, Location, Severity
from pytest_kabul.project.core import Project
from pytest_kabul.project.docker.pinning import ImagePinning, image_pinning
from pytest_kabul.registry import Check, Evaluation

check = Check(
    code="KAB103",
    name="unpinned-production-dependencies",
    area=Area.DEPENDENCIES,
    severity=Severity.WARNING,
    summary="The production image installs only open-ended requirements and no lockfile.",
    doc=__doc__,
    opt_in=True,
)


def _finding(item: ImagePinning) -> Finding:
    reqs = item.requirements
    sources = sorted({r.where.rsplit(":", 1)[0] for r in reqs})
    shown = ", ".join(sources[:3]) + (f" and {len(sources) - 3} more" if len(sources) > 3 else "")
    noun = "requirement" if len(reqs) == 1 else "requirements"
    ignored = (
        f"; the image does not install from {', '.join(item.ignored_locks)}"
        if item.ignored_locks
        else ""
    )
    return Finding(
        code=check.code,
        severity=check.severity,
        subject=item.subject,
        message=(
            f"installs {len(reqs)} {noun} ({shown}), none pinned or bounded, from no"
            f" lockfile{ignored}"
        ),
        remediation=(
            f"Make {item.dockerfile} install from a lockfile: uv lock + `uv sync --frozen"
            " --no-dev` (or poetry.lock + `poetry install --only main`), or a requirements file"
            " compiled with `uv pip compile --generate-hashes`/pip-compile, or `pip install -c"
            " constraints.txt` with pinned versions."
        ),
        location=Location(item.dockerfile, item.line),
        evidence=(
            Evidence(
                title="requirements (open-ended)",
                text="\n".join(f"{r.where}: {r.text}" for r in reqs),
            ),
        ),
    )


@check.evaluator
def evaluate(project: Project) -> Evaluation:
    items = image_pinning(project)
    if not items:
        return Evaluation.skip("no production image installs Python packages")
    notes = {i.subject: f"installs from a lock: {i.lock}" for i in items if i.lock is not None}
    findings = [_finding(i) for i in items if i.open]
    return Evaluation.build(subjects=[i.subject for i in items], findings=findings, notes=notes)
