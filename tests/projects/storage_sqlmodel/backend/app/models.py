from sqlalchemy import Column, LargeBinary
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class UserBase(SQLModel):
    email: str = Field(unique=True, index=True, max_length=255)
    avatar: str | None = Field(default=None)


class User(UserBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    hashed_password: str
    totp_secret_base64: str | None = None


class UserPublic(UserBase):
    id: int


class Attachment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    filename: str
    checksum_base64: str = Field(max_length=44)
    storage_key: str
    thumbnail: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    exif: dict = Field(default_factory=dict, sa_column=Column(JSONB))
