"""KAB601 images-stored-in-database: image payloads written into database columns.

What it checks
    SQLAlchemy/SQLModel model columns of text, binary or JSON type (``Text``, ``String``,
    ``LargeBinary``, ``BYTEA``, ``JSON``/``JSONB``, ``Mapped[str]``/``Mapped[bytes]``) that
    receive an image payload: a ``data:image/...;base64,`` string (literal or f-string) or
    ``base64.b64encode(...)`` of file/upload bytes, flowing (within one function, through local
    variables) into ``Model(column=...)``, ``obj.column = ...``, ``setattr``,
    ``Model.model_validate({...})`` or ``insert(Model).values(...)`` -- also across one call into
    a first-party service function that writes the parameter it received. A request-body string
    named as an encoded image (``avatar_data_url``, ``image_base64``) or tested for a
    ``data:image`` prefix, stored unchanged, is a data URL too. Password hashes, checksums,
    encrypted secrets and random tokens are not image payloads, and columns named like them
    (``password_hash``, ``checksum_base64``, ``api_token``) are never reported.

Why it matters
    Base64 inflates every image by a third and puts it in the hottest store you have: the
    database balloons, backups and migrations slow down, every ``SELECT *`` drags megabytes,
    and the images cannot be served by a CDN.

Example
    ``backend/app/api/routes/images.py:39 ProcessedImage.original_url receives a data:image
    base64 URL``

Before
    ``requirements.txt``::

        fastapi
        sqlalchemy

    ``app/models.py``::

        from sqlalchemy import Column, Integer, Text
        from sqlalchemy.orm import declarative_base

        Base = declarative_base()


        class Photo(Base):
            __tablename__ = "photos"
            id = Column(Integer, primary_key=True)
            image = Column(Text)

    ``app/routes.py``::

        import base64

        from app.models import Photo


        def save(session, upload: bytes):
            data = base64.b64encode(upload).decode()
            session.add(Photo(image=f"data:image/png;base64,{data}"))

After
    ``app/routes.py``::

        from app.models import Photo
        from app.storage import put_object


        def save(session, upload: bytes):
            key = put_object(upload, content_type="image/png")  # S3/MinIO
            session.add(Photo(image=key))

Fix
    Upload the bytes to object storage (S3, GCS, R2, MinIO) and store only the object key or URL
    in the column.
"""

from __future__ import annotations

import re

from pytest_kabul.model import Area, Evidence, Finding, Location, Severity
from pytest_kabul.project.core import Project
from pytest_kabul.project.python.image_callees import CalleeIndex
from pytest_kabul.project.python.image_flow import Write, module_writes
from pytest_kabul.project.python.models_sqla import (
    Column,
    Model,
    parse_guarded,
    python_sources,
    sqla_models,
)
from pytest_kabul.project.screens import Folded
from pytest_kabul.registry import Check, Evaluation

check = Check(
    code="KAB601",
    name="images-stored-in-database",
    area=Area.STORAGE,
    severity=Severity.ERROR,
    summary="Base64/data-URL image payloads are written into database columns.",
    doc=__doc__,
)

_EXCLUDED_NAME = re.compile(
    r"hash|password|passwd|checksum|digest|secret|token|salt|nonce|encrypt|cipher|signature|"
    r"hmac|otp|api_key",
    re.I,
)


# A module can create a payload only if it says one of these; ``data:`` only as a URL starts
# (``"data:image/``, ``f"data:{mime}``), not as the annotation ``data: dict`` of most modules.
_MAY_CARRY = Folded(
    r"b64encode|encodebytes|data:\S|data_?url|base_?64|b64",
    ("b64", "encodebytes", "data:", "data_url", "dataurl", "base64", "base_64"),
)


def _targets(write: Write, models: dict[str, list[Model]]) -> list[Column]:
    if write.model is None:
        candidates = [m for ms in models.values() for m in ms]  # obj.col = v, class unknown
    elif write.model in models:
        candidates = models[write.model]
    else:
        return []  # a keyword to some other callable, not a model constructor
    cols = [c for m in candidates if (c := m.column(write.attr)) is not None]
    return [c for c in cols if c.kind.holds_payloads and not _EXCLUDED_NAME.search(c.attr)]


def _payload_columns(models: tuple[Model, ...]) -> list[str]:
    return sorted(
        {
            c.subject
            for m in models
            for c in m.columns
            if c.kind.holds_payloads and not _EXCLUDED_NAME.search(c.attr)
        }
    )


@check.subject_lister
def list_columns(project: Project) -> Evaluation:
    """The columns that could hold a payload (the models only): the write scan of every
    source file runs when the check's first item runs."""
    models = sqla_models(project)
    if not models:
        return Evaluation.skip("no SQLAlchemy/SQLModel model classes found")
    return Evaluation.build(subjects=_payload_columns(models))


@check.evaluator
def evaluate(project: Project) -> Evaluation:
    models = sqla_models(project)
    if not models:
        return Evaluation.skip("no SQLAlchemy/SQLModel model classes found")
    by_name: dict[str, list[Model]] = {}
    for model in models:
        by_name.setdefault(model.name, []).append(model)
    subjects = _payload_columns(models)
    findings: list[Finding] = []
    sources = python_sources(project)
    index: CalleeIndex | None = None
    for rel in sources:
        text = project.read_text(rel)
        if text is None or not _MAY_CARRY.search(text):
            continue
        tree = parse_guarded(project, rel)
        if tree is None:
            continue
        index = index or CalleeIndex(project, sources, parse_guarded)
        for write in module_writes(tree, text, index.resolver(rel, tree)):
            for column in _targets(write, by_name):
                findings.append(_finding(column, write, rel))
    return Evaluation.build(subjects=subjects, findings=findings)


def _finding(column: Column, write: Write, rel: str) -> Finding:
    return Finding(
        code=check.code,
        severity=check.severity,
        subject=column.subject,
        message=f"{column.subject} ({column.type_name}) receives a {write.taint.kind.value}",
        remediation=(
            f"Upload the image bytes to object storage (S3/GCS/R2) in {rel} and store only the"
            f" object key or URL in {column.subject}."
        ),
        location=Location(rel, write.line),
        evidence=(
            Evidence(
                title="image payload written to a column",
                text=f"column: {column.subject} {column.type_name} at {column.file}:{column.line}\n"
                f"write:  {rel}:{write.line} {write.code}\n"
                f"value:  {write.taint.why}",
            ),
        ),
    )
