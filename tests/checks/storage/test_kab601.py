"""KAB601 images-stored-in-database and the model-column reader: exact findings, negatives."""

from __future__ import annotations

from pathlib import Path

from pytest_kabul.checks.storage.images_stored_in_database import check
from pytest_kabul.model import Location, Severity
from pytest_kabul.project.core import Project
from pytest_kabul.project.python.models_sqla import ColumnKind, sqla_models
from tests.helpers import PROJECTS, build_project

MODELS = """\
import sqlalchemy as sa
from sqlalchemy import Column, LargeBinary, String, Text
from sqlalchemy.dialects.postgresql import BYTEA, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlmodel import Field, SQLModel


class Base(DeclarativeBase):
    pass


class Photo(Base):
    __tablename__ = "photos"
    id: Mapped[int] = mapped_column(primary_key=True)
    data_url: Mapped[str] = mapped_column(Text)
    raw = Column(LargeBinary)
    thumb: Mapped[bytes | None] = mapped_column(BYTEA)
    meta: Mapped[dict] = mapped_column(JSONB, default=dict)
    checksum_base64: Mapped[str] = mapped_column(String(44))
    password_hash: Mapped[str]
    api_token: Mapped[str] = mapped_column(String(64))
    secret_blob: Mapped[str] = mapped_column(sa.Text)
    caption: Mapped[str | None]


class AvatarBase(SQLModel):
    image: str = Field(default="")


class Avatar(AvatarBase, table=True):
    id: int | None = Field(default=None, primary_key=True)


class AvatarOut(AvatarBase):
    pass
"""

WRITES = """\
import base64
import hashlib
import os
from base64 import b64encode

from app.models import Avatar, Photo
from sqlalchemy import insert

PLACEHOLDER = "data:image/gif;base64,R0lGODlhAQABAAAAACw="


def to_data_url(content: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(content).decode()}"


async def upload(file, db):
    content = await file.read()
    encoded = base64.b64encode(content).decode("ascii")
    photo = Photo(caption="x")
    photo.data_url = "data:image/png;base64," + encoded
    db.add(photo)


def import_avatar(path, session):
    raw = path.read_bytes()
    session.add(Avatar(image=to_data_url(raw, "image/png")))


def blank(db):
    db.add(Photo(data_url=PLACEHOLDER))


def thumbnail(img, db, photo_id):
    buf = img.save_to_buffer()
    photo = db.get(Photo, photo_id)
    setattr(photo, "thumb", b64encode(buf.getvalue()))
    db.execute(insert(Photo).values(meta={"preview": b64encode(buf.getvalue()).decode()}))


def fine(db, upload, key, cipher):
    data = upload.file.read()
    db.add(
        Photo(
            checksum_base64=base64.b64encode(hashlib.sha256(data).digest()).decode(),
            password_hash=base64.b64encode(os.urandom(16)).decode(),
            api_token=base64.urlsafe_b64encode(os.urandom(32)).decode(),
            secret_blob=base64.b64encode(cipher.encrypt(data)).decode(),
            caption=base64.b64encode(key).decode(),
            data_url="https://cdn.example.com/" + upload.filename,
        )
    )
"""


def _project(root: Path) -> Project:
    files = {
        "backend/pyproject.toml": '[project]\nname = "b"\nversion = "0"\n',
        "backend/app/__init__.py": "",
        "backend/app/models.py": MODELS,
        "backend/app/writes.py": WRITES,
        "backend/tests/test_x.py": (
            "from app.models import Photo\nPhoto(data_url='data:image/png;base64,AAAA')\n"
        ),
    }
    return build_project(root, files)


def test_model_columns_and_kinds(tmp_path: Path) -> None:
    models = {m.name: m for m in sqla_models(_project(tmp_path))}
    assert sorted(models) == ["Avatar", "Photo"]  # Base has no columns: not a model
    photo = models["Photo"]
    assert photo.table == "photos"
    kinds = {c.attr: (c.type_name, c.kind) for c in photo.columns}
    assert kinds["data_url"] == ("Text", ColumnKind.TEXT)
    assert kinds["raw"] == ("LargeBinary", ColumnKind.BINARY)
    assert kinds["thumb"] == ("BYTEA", ColumnKind.BINARY)
    assert kinds["meta"] == ("JSONB", ColumnKind.JSON)
    assert kinds["checksum_base64"] == ("String(44)", ColumnKind.TEXT)
    assert kinds["caption"] == ("String", ColumnKind.TEXT)  # from Mapped[str | None]
    assert kinds["id"][1] is ColumnKind.OTHER
    avatar = {c.attr: c.kind for c in models["Avatar"].columns}
    assert avatar == {"id": ColumnKind.OTHER, "image": ColumnKind.TEXT}  # inherited SQLModel field
    assert "AvatarOut" not in models  # a plain SQLModel schema, not a table


def test_exact_findings(tmp_path: Path) -> None:
    ev = check.evaluate(_project(tmp_path))
    got = [(f.subject, f.severity, f.location, f.message) for f in ev.findings]
    w = "backend/app/writes.py"
    assert got == [
        (
            "Avatar.image",
            Severity.ERROR,
            Location(w, 26),
            "Avatar.image (String) receives a data:image base64 URL",
        ),
        (
            "Photo.data_url",
            Severity.ERROR,
            Location(w, 20),
            "Photo.data_url (Text) receives a data:image base64 URL",
        ),
        (
            "Photo.data_url",
            Severity.ERROR,
            Location(w, 30),
            "Photo.data_url (Text) receives a data:image base64 URL",
        ),
        (
            "Photo.meta",
            Severity.ERROR,
            Location(w, 37),
            "Photo.meta (JSONB) receives a base64 of file bytes",
        ),
        (
            "Photo.thumb",
            Severity.ERROR,
            Location(w, 36),
            "Photo.thumb (BYTEA) receives a base64 of file bytes",
        ),
    ]
    evidence = ev.findings[1].evidence[0].text.splitlines()
    assert evidence[0] == "column: Photo.data_url Text at backend/app/models.py:15"
    assert evidence[1] == f'write:  {w}:20 photo.data_url = "data:image/png;base64," + encoded'
    assert "encoded = base64.b64encode(content) of content = file.read()" in evidence[2]
    assert "Photo.checksum_base64" not in ev.subjects  # excluded by name, never a subject
    assert "Photo.caption" in ev.subjects  # checked and clean: b64 of a key is no image


def test_sweetshop_original_url() -> None:
    ev = check.evaluate(Project(PROJECTS / "sweetshop"))
    assert [(f.subject, f.location) for f in ev.findings] == [
        ("ProcessedImage.original_url", Location("backend/app/api/routes/images.py", 39))
    ]
    assert "User.hashed_password" not in ev.subjects


def test_healthy_has_no_findings() -> None:
    ev = check.evaluate(Project(PROJECTS / "healthy"))
    assert ev.findings == ()
    assert "ProcessedImage.storage_key" in ev.subjects


def test_syntax_error_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (tmp_path / "backend" / "app" / "broken.py").write_text("def f(:\n  data:image/png;base64,\n")
    ev = check.evaluate(project)
    assert len(ev.findings) == 5
    assert [p.path for p in project.problems] == ["backend/app/broken.py"]


def test_no_models_is_not_applicable(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("x = 1\n")
    assert check.evaluate(Project(tmp_path)).not_applicable == (
        "no SQLAlchemy/SQLModel model classes found"
    )


def test_deep_expression_does_not_crash(tmp_path: Path) -> None:
    project = _project(tmp_path)
    chain = " + ".join(["'a'"] * 900)
    (tmp_path / "backend" / "app" / "deep.py").write_text(
        f"import base64\n\ndef f(photo):\n    photo.data_url = {chain}\n"
    )
    assert len(check.evaluate(project).findings) == 5


def test_too_deep_to_parse_is_a_problem(tmp_path: Path) -> None:
    project = _project(tmp_path)
    # a module that may define models (it mentions Column), so model discovery must parse it
    deep = "from sqlalchemy import Column\nx = " + "(" * 5000 + ")" * 5000
    (tmp_path / "backend" / "app" / "deeper.py").write_text(deep)
    assert len(check.evaluate(project).findings) == 5
    assert [p.path for p in project.problems] == ["backend/app/deeper.py"]


def test_keywords_to_other_callables_are_not_writes(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (tmp_path / "backend" / "app" / "render.py").write_text(
        "import base64\n\n\nasync def preview(file, render):\n"
        "    data = await file.read()\n"
        "    return render(data_url=f'data:image/png;base64,{base64.b64encode(data).decode()}')\n"
    )
    assert len(check.evaluate(project).findings) == 5


def test_sqlmodel_fixture_helper_summary_and_sa_column() -> None:
    ev = check.evaluate(Project(PROJECTS / "storage_sqlmodel"))
    users = "backend/app/api/users.py"
    assert [(f.subject, f.location, f.message) for f in ev.findings] == [
        (
            "Attachment.thumbnail",
            Location(users, 36),
            "Attachment.thumbnail (LargeBinary) receives a base64 of file bytes",
        ),
        (
            "User.avatar",
            Location(users, 22),
            "User.avatar (String) receives a data:image base64 URL",
        ),
    ]
    assert "returns avatar_data_url() -> " in ev.findings[1].evidence[0].text
    assert ev.subjects == (
        "Attachment.exif",
        "Attachment.filename",
        "Attachment.storage_key",
        "Attachment.thumbnail",
        "User.avatar",
        "User.email",
    )


def test_one_call_boundary_relative_import_and_unresolved_generic_names(tmp_path: Path) -> None:
    project = build_project(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/models.py": MODELS,
            "app/services/__init__.py": "",
            "app/services/media.py": (
                "from app.models import Photo\n\n"
                "def keep(db, payload):\n"
                "    db.add(Photo(data_url=payload))\n\n"
                "class Repo:\n"
                "    def save(self, db, payload):\n"
                "        db.add(Photo(data_url=payload))\n\n"
                "    def attach_preview(self, photo, preview):\n"
                "        photo.meta = {'preview': preview}\n"
            ),
            "app/api/__init__.py": "",
            "app/api/routes.py": (
                "import base64\n"
                "from ..services.media import keep, Repo\n\n"
                "async def upload(file, db, repo: Repo, photo):\n"
                "    data = base64.b64encode(await file.read()).decode()\n"
                "    url = 'data:image/png;base64,' + data\n"
                "    keep(db, url)\n"
                "    repo.save(db, url)\n"
                "    repo.attach_preview(photo, preview=url)\n"
                "    keep(db, 'https://cdn.example.com/x.png')\n"
            ),
        },
    )
    found = check.evaluate(project).findings
    # keep() through a relative import and the uniquely named method are resolved; the
    # generic ``save`` is not guessed; a plain URL is not a payload
    assert [(f.subject, f.location) for f in found] == [
        ("Photo.data_url", Location("app/api/routes.py", 7)),
        ("Photo.meta", Location("app/api/routes.py", 9)),
    ]
    assert "passed to keep(payload=...)" in found[0].evidence[0].text


def test_base64_sent_to_a_model_api_and_never_stored_passes(tmp_path: Path) -> None:
    project = build_project(
        tmp_path,
        {
            "app/models.py": MODELS,
            "app/vision.py": (
                "import base64\nimport httpx\nfrom app.models import Photo\n\n"
                "def ask(image_b64: str) -> str:\n"
                "    r = httpx.post('https://api.example.com/v1', json={'image': image_b64})\n"
                "    return r.json()['caption']\n\n"
                "async def caption(file, db):\n"
                "    image_b64 = base64.b64encode(await file.read()).decode()\n"
                "    db.add(Photo(caption=ask(image_b64)))\n"
            ),
        },
    )
    assert check.evaluate(project).findings == ()
