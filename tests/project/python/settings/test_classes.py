"""The ``settings_classes`` facet: env names computed the way pydantic-settings does."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from pytest_kabul.project.python.settings.classes import (
    SettingsClass,
    accepted_env,
    settings_classes,
)
from tests.project.python.settings.test_envreads import make


def fields(cls: SettingsClass) -> list[tuple[str, tuple[str, ...], str, bool]]:
    return [(f.name, f.env_names, f.default.name, f.validated) for f in cls.fields]


def test_v2_prefix_aliases_nested_validators(tmp_path: Path) -> None:
    project = make(
        tmp_path,
        {
            "app/config.py": """\
            from typing import Annotated, Optional
            import pydantic_settings
            from pydantic import AliasChoices, AliasPath, BaseModel, Field, SecretStr
            from pydantic import field_validator, model_validator
            from pydantic_settings import SettingsConfigDict

            class Db(BaseModel):
                host: str = "localhost"
                password: str = ""

            class Settings(pydantic_settings.BaseSettings):
                model_config = SettingsConfigDict(env_prefix="shop_", env_nested_delimiter="__")

                database_url: str
                api_key: SecretStr | None = None
                sentry: Optional[str] = Field(
                    None, validation_alias=AliasChoices("SENTRY_DSN", AliasPath("SENTRY", "dsn"))
                )
                smtp_host: str = Field(default="", alias="MAIL_HOST")
                token: str = Field(default_factory=str)
                db: Db = Db()
                mode: str = "dev"
                LIMIT: int = Field(...)
                region: Annotated[str, Field(validation_alias="AWS_REGION")] = "eu"

                @field_validator("api_key", "mode")
                @classmethod
                def _check(cls, v):
                    return v

                @model_validator(mode="after")
                def _whole(self):
                    assert self.token
                    return self
            """
        },
    )
    (cls,) = settings_classes(project)
    assert (cls.name, cls.version, cls.env_prefix, cls.case_sensitive) == (
        "Settings",
        2,
        "shop_",
        False,
    )
    assert fields(cls) == [
        ("database_url", ("SHOP_DATABASE_URL",), "ABSENT", False),
        ("api_key", ("SHOP_API_KEY",), "NONE", True),
        ("sentry", ("SENTRY_DSN", "SENTRY"), "NONE", False),
        ("smtp_host", ("MAIL_HOST",), "EMPTY", False),
        ("token", ("SHOP_TOKEN",), "EXPRESSION", True),
        ("db", ("SHOP_DB",), "EXPRESSION", False),
        ("db.host", ("SHOP_DB__HOST",), "LITERAL", False),
        ("db.password", ("SHOP_DB__PASSWORD",), "EMPTY", False),
        ("mode", ("SHOP_MODE",), "LITERAL", True),
        ("LIMIT", ("SHOP_LIMIT",), "ABSENT", False),
        ("region", ("AWS_REGION",), "LITERAL", False),
    ]
    assert [f.name for f in cls.fields if f.secret] == ["api_key"]
    assert [f.name for f in cls.fields if f.nested] == ["db.host", "db.password"]
    assert cls.fields[0].required
    assert not cls.fields[1].required
    found = accepted_env((cls,), "shop_database_url")
    assert found is not None
    assert found[1].name == "database_url"
    assert accepted_env((cls,), "DATABASE_URL") is None


def test_v1_config_env_and_implicit_none(tmp_path: Path) -> None:
    project = make(
        tmp_path,
        {
            "settings.py": """\
            from typing import Optional
            from pydantic import BaseSettings, Field, root_validator

            class Settings(BaseSettings):
                api_key: str = Field("", env="LEGACY_API_KEY")
                hosts: list = Field([], env=["HOSTS", "HOST_LIST"])
                webhook_url: Optional[str]
                smtp_password: str = ""
                debug = False
                _private = 1

                @root_validator
                def _check(cls, values):
                    if not values.get("smtp_password"):
                        raise ValueError("missing")
                    return values

                class Config:
                    env_prefix = "LEG_"
                    case_sensitive = True
            """
        },
    )
    (cls,) = settings_classes(project)
    assert (cls.version, cls.env_prefix, cls.case_sensitive) == (1, "LEG_", True)
    assert fields(cls) == [
        ("api_key", ("LEGACY_API_KEY",), "EMPTY", False),
        ("hosts", ("HOSTS", "HOST_LIST"), "EXPRESSION", False),
        ("webhook_url", ("LEG_webhook_url",), "NONE", False),
        ("smtp_password", ("LEG_smtp_password",), "EMPTY", True),
        ("debug", ("LEG_debug",), "LITERAL", False),
    ]
    assert accepted_env((cls,), "LEG_WEBHOOK_URL") is None  # case-sensitive


def test_subclasses_across_modules_inherit_fields_and_config(tmp_path: Path) -> None:
    project = make(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/core/__init__.py": "from .base import AppSettings\n",
            "app/core/base.py": """\
            from pydantic_settings import BaseSettings as _Base

            class AppSettings(_Base):
                model_config = {"env_prefix": "APP_", "populate_by_name": True}
                secret_key: str = ""
                name: str = Field("x", validation_alias="SERVICE_NAME")

            class Plain:
                pass

            class Keyword(_Base, env_prefix="KW_", case_sensitive=True):
                token: str
            """,
            "app/worker.py": """\
            from pydantic import BaseModel
            from app.core import AppSettings
            from app.core.base import Plain

            class WorkerSettings(AppSettings):
                concurrency: int = 2

            class Nested(WorkerSettings):
                model_config = {"env_prefix": "NESTED_"}

            class NotSettings(Plain, BaseModel):
                secret_key: str = ""
            """,
        },
    )
    got = {c.name: fields(c) for c in settings_classes(project)}
    assert got == {
        "Keyword": [("token", ("KW_token",), "ABSENT", False)],
        "AppSettings": [
            ("secret_key", ("APP_SECRET_KEY",), "EMPTY", False),
            ("name", ("SERVICE_NAME", "APP_NAME"), "LITERAL", False),
        ],
        "WorkerSettings": [
            ("secret_key", ("APP_SECRET_KEY",), "EMPTY", False),
            ("name", ("SERVICE_NAME", "APP_NAME"), "LITERAL", False),
            ("concurrency", ("APP_CONCURRENCY",), "LITERAL", False),
        ],
        "Nested": [
            ("secret_key", ("NESTED_SECRET_KEY",), "EMPTY", False),
            ("name", ("SERVICE_NAME", "NESTED_NAME"), "LITERAL", False),
            ("concurrency", ("NESTED_CONCURRENCY",), "LITERAL", False),
        ],
    }
    worker = next(c for c in settings_classes(project) if c.name == "WorkerSettings")
    inherited = worker.fields[0]
    assert (inherited.path, inherited.line) == ("svc/app/core/base.py", 5)


def test_no_settings_and_unparsable_files(tmp_path: Path) -> None:
    broken = "from pydantic_settings import BaseSettings\ndef (:\n"
    files = {
        "app/x.py": "class A(Base):\n  x: int = 1\n",
        "app/y.py": broken,
        "app/z.py": "def (:\n",
    }
    project = make(tmp_path, files)
    assert settings_classes(project) == ()
    # Only files that can hold a Settings class are parsed (z.py is left to other checks).
    assert [p.path for p in project.problems] == ["svc/app/y.py"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX paths")
def test_real_pydantic_settings_agrees_on_env_names(tmp_path: Path) -> None:
    """Cross-check the static names against the installed pydantic-settings (imported here in
    our own test process, never by the plugin)."""
    source = textwrap.dedent(
        """\
        from pydantic import AliasChoices, BaseModel, Field
        from pydantic_settings import BaseSettings, SettingsConfigDict

        class Sub(BaseModel):
            port: int = 1

        class S(BaseSettings):
            model_config = SettingsConfigDict(env_prefix="P_", env_nested_delimiter="__")
            plain: str = "a"
            aliased: str = Field("b", validation_alias=AliasChoices("FIRST", "SECOND"))
            sub: Sub = Sub()
        """
    )
    project = make(tmp_path, {"app/s.py": source})
    (cls,) = settings_classes(project)
    namespace: dict[str, object] = {}
    exec(compile(source, "s.py", "exec", dont_inherit=True), namespace)
    settings_type = namespace["S"]
    env = {"P_PLAIN": "x", "SECOND": "y", "P_SUB__PORT": "7"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        loaded = settings_type()  # type: ignore[operator]
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    assert (loaded.plain, loaded.aliased, loaded.sub.port) == ("x", "y", 7)
    for name in env:
        assert accepted_env((cls,), name) is not None, name


def test_env_prefix_from_an_imported_constant_and_a_helper_call(tmp_path: Path) -> None:
    project = make(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/constants.py": 'ENV_PREFIX = "SHOP_"\n',
            "app/base.py": """\
            from pydantic_settings import SettingsConfigDict

            def build_settings_config(path: tuple[str, ...] = tuple(), frozen: bool = False):
                env_prefix = f"APP_{'_'.join(path).upper()}_" if path else "APP_"
                return SettingsConfigDict(env_prefix=env_prefix, env_file=".env", frozen=frozen)
            """,
            "app/config.py": """\
            from typing import ClassVar
            from pydantic_settings import BaseSettings, SettingsConfigDict
            from app.base import build_settings_config
            from app.constants import ENV_PREFIX

            class Shop(BaseSettings):
                class Config:
                    env_prefix = ENV_PREFIX
                name: str = "x"

            class Api(BaseSettings):
                model_config: ClassVar[SettingsConfigDict] = build_settings_config(("api",))
                key: str = ""

            class Root(BaseSettings):
                model_config = build_settings_config()
                home: str = "~"

            class Opaque(BaseSettings):
                model_config = build_settings_config(compute())
                flag: bool = False
            """,
        },
    )
    got = {c.name: c.fields[0].env_names for c in settings_classes(project)}
    assert got == {
        "Shop": ("SHOP_NAME",),
        "Api": ("APP_API_KEY",),
        "Root": ("APP_HOME",),
        "Opaque": ("FLAG",),  # not computable statically: the field name alone, never a guess
    }
