"""The ``env_reads`` facet: every read form, name resolution, wrappers, defaults (as kinds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_kabul.project.core import Project
from pytest_kabul.project.python.settings.envreads import EnvRead, env_reads
from pytest_kabul.project.python.settings.readsites import ReadKind, may_read_env
from pytest_kabul.project.python.settings.syntax import DefaultKind
from tests.helpers import build_project

PYPROJECT = '[project]\nname = "svc"\nversion = "0"\n'


def make(tmp_path: Path, files: dict[str, str]) -> Project:
    svc = {f"svc/{rel}": text for rel, text in files.items()}
    return build_project(tmp_path, {"svc/pyproject.toml": PYPROJECT, **svc})


def summary(reads: tuple[EnvRead, ...]) -> list[tuple[str, int, tuple[str, ...], str, str]]:
    return [
        (r.path.removeprefix("svc/"), r.line, r.names, r.kind.name, r.default.name) for r in reads
    ]


def test_every_os_form_and_alias(tmp_path: Path) -> None:
    project = make(
        tmp_path,
        {
            "app/forms.py": """\
            import os
            import os as _os
            from os import environ as env, getenv, getenvb
            a = os.getenv("A")
            b = _os.getenv("B", "")
            c = getenv("C", default="x")
            d = getenvb(b"D") and os.getenvb("D2")
            e = os.environ["E"]
            f = env.get("F", None)
            g = "G" in os.environ
            h = "H" not in env
            i = os.environ.setdefault("I", "1")
            j = env.pop("J")
            k = os.environ.get("K", compute())
            os.environ["WRITTEN"] = "1"
            del os.environ["DELETED"]
            ENV = os.environ
            read = _os.getenv
            l = ENV.get("L") or read("M")
            """
        },
    )
    assert summary(env_reads(project)) == [
        ("app/forms.py", 4, ("A",), "GETENV", "NONE"),
        ("app/forms.py", 5, ("B",), "GETENV", "EMPTY"),
        ("app/forms.py", 6, ("C",), "GETENV", "LITERAL"),
        ("app/forms.py", 7, (), "GETENV", "NONE"),  # bytes names are not resolved
        ("app/forms.py", 7, ("D2",), "GETENV", "NONE"),
        ("app/forms.py", 8, ("E",), "ENVIRON_ITEM", "ABSENT"),
        ("app/forms.py", 9, ("F",), "ENVIRON_GET", "NONE"),
        ("app/forms.py", 10, ("G",), "CONTAINS", "ABSENT"),
        ("app/forms.py", 11, ("H",), "CONTAINS", "ABSENT"),
        ("app/forms.py", 12, ("I",), "SETDEFAULT", "LITERAL"),
        ("app/forms.py", 13, ("J",), "POP", "ABSENT"),
        ("app/forms.py", 14, ("K",), "ENVIRON_GET", "EXPRESSION"),
        ("app/forms.py", 15, ("WRITTEN",), "ENVIRON_SET", "ABSENT"),  # writes are kept as such
        ("app/forms.py", 16, ("DELETED",), "DELETE", "ABSENT"),
        ("app/forms.py", 19, ("L",), "ENVIRON_GET", "NONE"),
        ("app/forms.py", 19, ("M",), "GETENV", "NONE"),
    ]


def test_library_readers(tmp_path: Path) -> None:
    project = make(
        tmp_path,
        {
            "app/libs.py": """\
            import environ
            from decouple import AutoConfig, config
            from environs import Env
            from starlette.config import Config

            A = config("DECOUPLE_A")
            auto = AutoConfig(search_path=".")
            B = auto("DECOUPLE_B", default="")
            star = Config(".env")
            C = star("STAR_C", cast=bool, default=False)
            D = star.get("STAR_D")
            env = Env()
            env.read_env()
            E = env.str("ENVIRONS_E")
            F = env("ENVIRONS_F", "fallback")
            dj = environ.Env()
            G = dj.db()
            H = dj("DJ_H", str, "x")
            I = dj.bool("DJ_I", default=False)
            """
        },
    )
    assert summary(env_reads(project)) == [
        ("app/libs.py", 6, ("DECOUPLE_A",), "DECOUPLE", "ABSENT"),
        ("app/libs.py", 8, ("DECOUPLE_B",), "DECOUPLE", "EMPTY"),
        ("app/libs.py", 10, ("STAR_C",), "STARLETTE", "LITERAL"),
        ("app/libs.py", 11, ("STAR_D",), "STARLETTE", "ABSENT"),
        ("app/libs.py", 14, ("ENVIRONS_E",), "ENV_OBJECT", "ABSENT"),
        ("app/libs.py", 15, ("ENVIRONS_F",), "ENV_OBJECT", "LITERAL"),
        ("app/libs.py", 17, ("DATABASE_URL",), "ENV_OBJECT", "ABSENT"),
        ("app/libs.py", 18, ("DJ_H",), "ENV_OBJECT", "ABSENT"),  # 2nd positional is the cast
        ("app/libs.py", 19, ("DJ_I",), "ENV_OBJECT", "LITERAL"),
    ]


def test_name_resolution_constants_fstrings_concat(tmp_path: Path) -> None:
    project = make(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/keys.py": """\
            import enum
            PREFIX = "SHOP"
            FULL = PREFIX + "_FULL"
            class Var(str, enum.Enum):
                SMTP = "SMTP_HOST"
            """,
            "app/use.py": """\
            import os
            from app import keys
            from app.keys import FULL, PREFIX, Var
            from .keys import PREFIX as P2
            LOCAL = "LOCAL_NAME"
            os.getenv(LOCAL)
            os.getenv(FULL)
            os.getenv(f"{PREFIX}_HOST")
            os.getenv(keys.PREFIX + "_PORT")
            os.getenv(Var.SMTP.value)
            os.getenv(P2 + "_REL")
            os.getenv(f"{PREFIX:>10}_FMT")
            os.getenv(name_from_somewhere())
            """,
        },
    )
    assert [(r.line, r.names, r.expression) for r in env_reads(project)] == [
        (6, ("LOCAL_NAME",), "LOCAL"),
        (7, ("SHOP_FULL",), "FULL"),
        (8, ("SHOP_HOST",), "f'{PREFIX}_HOST'"),
        (9, ("SHOP_PORT",), "keys.PREFIX + '_PORT'"),
        (10, ("SMTP_HOST",), "Var.SMTP.value"),
        (11, ("SHOP_REL",), "P2 + '_REL'"),
        (12, (), "f'{PREFIX:>10}_FMT'"),
        (13, (), "name_from_somewhere()"),
    ]


def test_wrappers_across_modules_and_to_a_fixed_point(tmp_path: Path) -> None:
    project = make(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/envutil.py": """\
            import os

            def _env_int(name, default=0):
                return int(os.getenv(name, default))

            def _resolve(primary_env, fallback_env="FALLBACK"):
                return os.getenv(primary_env) or os.environ.get(fallback_env, "")

            def never_called(key):
                return os.environ[key]
            """,
            "app/layer.py": """\
            from app.envutil import _env_int

            def _bounded(var, low):
                return max(low, _env_int(var, low))

            def _prefixed(suffix):
                return _bounded(f"SHOP_{suffix}", 1)
            """,
            "app/main.py": """\
            from app import envutil
            from app.envutil import _resolve
            from app.layer import _prefixed

            A = envutil._env_int("XGBOOST_MIN_TRAINING_SAMPLES", 100)
            B = _resolve("PRIMARY", fallback_env="SECONDARY")
            C = _resolve("ONLY_PRIMARY")
            D = _prefixed("WORKERS")
            E = _resolve(compute())

            class Client:
                def _get(self, name):
                    import os
                    return os.getenv(name, "")

                def connect(self):
                    return self._get("CLIENT_URL")
            """,
        },
    )
    got = [(r.path, r.line, r.names, r.default.name, r.via) for r in env_reads(project)]
    assert got == [
        ("svc/app/envutil.py", 10, (), "ABSENT", ()),  # a wrapper nobody calls stays unresolved
        ("svc/app/main.py", 5, ("XGBOOST_MIN_TRAINING_SAMPLES",), "LITERAL", ("_env_int",)),
        ("svc/app/main.py", 6, ("PRIMARY", "SECONDARY"), "NONE", ("_resolve",)),
        ("svc/app/main.py", 7, ("FALLBACK", "ONLY_PRIMARY"), "NONE", ("_resolve",)),
        ("svc/app/main.py", 8, ("SHOP_WORKERS",), "LITERAL", ("_prefixed", "_bounded", "_env_int")),
        ("svc/app/main.py", 9, (), "NONE", ("_resolve",)),
        ("svc/app/main.py", 9, ("FALLBACK",), "EMPTY", ("_resolve",)),
        ("svc/app/main.py", 17, ("CLIENT_URL",), "EMPTY", ("Client._get",)),
    ]
    assert {r.function for r in env_reads(project)} == {None, "never_called", "Client.connect"}


def test_settings_body_tests_and_broken_files(tmp_path: Path) -> None:
    project = make(
        tmp_path,
        {
            "app/config.py": """\
            import os
            from pydantic import field_validator
            from pydantic_settings import BaseSettings

            class Settings(BaseSettings):
                url: str = os.getenv("LEGACY_URL", "")

                @field_validator("url")
                @classmethod
                def _fallback(cls, v):
                    return v or os.environ["OTHER_URL"]
            """,
            "app/broken.py": "import os\nos.getenv('X'\n",
            "tests/test_it.py": "import os\nos.environ.get('IN_TEST')\n",
        },
    )
    reads = env_reads(project)
    assert [(r.names, r.settings_class, r.function, r.test_code) for r in reads] == [
        (("LEGACY_URL",), "Settings", None, False),
        (("OTHER_URL",), "Settings", "Settings._fallback", False),
        (("IN_TEST",), None, None, True),
    ]
    assert [p.path for p in project.problems] == ["svc/app/broken.py"]


def test_default_values_are_never_stored(tmp_path: Path) -> None:
    project = make(
        tmp_path,
        {"app/secret.py": 'import os\nKEY = os.getenv("STRIPE_KEY", "sk_live_hunter2")\n'},
    )
    (read,) = env_reads(project)
    assert read.default is DefaultKind.LITERAL
    assert read.kind is ReadKind.GETENV
    assert "hunter2" not in repr(read)


def test_loops_over_literal_names(tmp_path: Path) -> None:
    project = make(
        tmp_path,
        {
            "app/check.py": """\
            import os
            REQUIRED = ["DATABASE_URL", "REDIS_URL"]
            PREFIX = "APP"

            def check() -> None:
                for key in REQUIRED:
                    if key not in os.environ:
                        raise SystemExit(key)
                for name in ("A", f"{PREFIX}_B"):
                    os.getenv(name)
                for other in compute():
                    os.getenv(other)
                ci = ["CI", "BUILD_NUMBER"]
                return any(os.environ.get(v) for v in ci if v)
            """
        },
    )
    assert [(r.line, r.names, r.kind.name) for r in env_reads(project)] == [
        (7, ("DATABASE_URL",), "CONTAINS"),
        (7, ("REDIS_URL",), "CONTAINS"),
        (10, ("A",), "GETENV"),
        (10, ("APP_B",), "GETENV"),
        (12, (), "GETENV"),
        (14, ("BUILD_NUMBER",), "ENVIRON_GET"),
        (14, ("CI",), "ENVIRON_GET"),
    ]


def test_too_deep_expression_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    deep = "import os\nX = os.getenv(" + " + ".join(['"A"'] * 900) + ")\n"
    project = make(tmp_path, {"app/deep.py": deep, "app/ok.py": "import os\nos.getenv('OK')\n"})
    assert [r.names for r in env_reads(project)] == [("OK",)]
    assert [(p.path, p.message) for p in project.problems] == [
        (
            "svc/app/deep.py",
            "nested too deeply to analyse; its environment reads were not checked",
        )
    ]


def test_local_assignment_between_parameter_and_read(tmp_path: Path) -> None:
    project = make(
        tmp_path,
        {
            "app/svc.py": """\
            import os

            def _service_url(service):
                key = f"{service}_URL"
                return os.environ.get(key, "")

            def _shout(name):
                key = name.upper()
                return os.getenv(key)

            A = _service_url("BILLING")
            B = _shout("quiet")
            """
        },
    )
    assert [(r.line, r.names, r.expression, r.via) for r in env_reads(project)] == [
        (9, (), "name.upper()", ()),  # the wrapper is not followed through a method call
        (11, ("BILLING_URL",), "'BILLING'", ("_service_url",)),
    ]


def test_reader_instances_imported_from_another_module(tmp_path: Path) -> None:
    project = make(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/config.py": """\
            from environs import Env
            from starlette.config import Config

            env = Env()
            cfg = Config(".env")
            """,
            "app/use.py": """\
            from app.config import cfg, env

            A = env.str("FROM_ENVIRONS")
            B = cfg("FROM_STARLETTE", default="")
            C = env.read_env()
            """,
        },
    )
    assert summary(env_reads(project)) == [
        ("app/use.py", 3, ("FROM_ENVIRONS",), "ENV_OBJECT", "ABSENT"),
        ("app/use.py", 4, ("FROM_STARLETTE",), "STARLETTE", "EMPTY"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("import os\nX = os.environ['X']\n", True),
        ("from os import getenv\n", True),
        ("from decouple import config\n", True),
        ("from environs import Env\nenv = Env()\n", True),
        ("from starlette.config import Config\n", True),
        ("from starlette import (\n    config,\n)\n", True),
        ("from app.core import config\nKEY = config('KEY')\n", True),
        ("'''Reads the environment.'''\nENVIRONMENT = 'dev'\n", False),
        ("from starlette.responses import JSONResponse\n", False),
        ("def load():\n    return get_config()\n", False),
    ],
)
def test_only_files_that_may_read_the_environment_are_scanned(text: str, expected: bool) -> None:
    assert may_read_env(text) is expected
