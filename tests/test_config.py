"""``[tool.kabul]`` parsing and validation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pytest_kabul.config import KabulConfig, Waiver, load_config, parse_config
from pytest_kabul.errors import ConfigError


def test_defaults_when_nothing_is_configured(tmp_path: Path) -> None:
    assert load_config(tmp_path) == KabulConfig()


def test_pyproject_table_with_hyphenated_keys(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.kabul]\n"
        'fail-level = "warning"\n'
        'select = ["KAB1", "KAB201"]\n'
        "[tool.kabul.live]\n"
        'app = "app.main:app"\n'
        "burst = 120\n"
        'env = { FEATURE_X = "1", WORKERS = 2 }\n'
        "[[tool.kabul.waivers]]\n"
        'code = "KAB503"\n'
        'reason = "managed backups"\n'
        "until = 2027-01-31\n"
    )
    cfg = load_config(tmp_path)
    assert cfg.source == "pyproject.toml"
    assert cfg.fail_level == "warning"
    assert cfg.select == ("KAB1", "KAB201")
    assert cfg.live.app == "app.main:app"
    assert cfg.live.burst == 120
    assert cfg.live.env == {"FEATURE_X": "1", "WORKERS": "2"}
    assert cfg.waivers == (
        Waiver(code="KAB503", reason="managed backups", subject=None, until=dt.date(2027, 1, 31)),
    )


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"colour": 1}, "unknown key 'colour'; valid keys: compose_files, docs_url, exclude"),
        ({"live": {"bursts": 3}}, "[tool.kabul].live: unknown key 'bursts'; valid keys: app"),
        ({"fail_level": "fatal"}, "fail_level must be one of info, warning, error, critical"),
        ({"live": {"burst": 0}}, "burst must be a positive integer"),
        ({"select": [1]}, "select must be a list of strings"),
        ({"waivers": [{"code": "KAB101"}]}, "waivers[0]: a waiver needs a non-empty 'reason'"),
        ({"waivers": [{"code": "KAB1", "reason": "r", "until": "soon"}]}, "must be a date"),
        ({"waivers": [{"code": "KAB1", "reason": "r", "who": "me"}]}, "unknown key 'who'"),
    ],
)
def test_invalid_values_name_the_file_and_key(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(table, "pyproject.toml")
    assert str(info.value).startswith("pyproject.toml: [tool.kabul]")
    assert message in str(info.value)


def test_kabul_toml_uses_top_level_keys(tmp_path: Path) -> None:
    (tmp_path / "kabul.toml").write_text('ignore = ["KAB5"]\n')
    assert load_config(tmp_path).ignore == ("KAB5",)


def test_explicit_config_that_is_missing_or_broken(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path, tmp_path / "nope.toml")
    broken = tmp_path / "custom.toml"
    broken.write_text("select = [")
    with pytest.raises(ConfigError, match=r"custom.toml: invalid TOML"):
        load_config(tmp_path, broken)


def test_broken_project_pyproject_is_not_a_usage_error(tmp_path: Path) -> None:
    # An unreadable pyproject.toml is the project's problem (KAB001), not a config error.
    (tmp_path / "pyproject.toml").write_text("[project\n")
    assert load_config(tmp_path) == KabulConfig()


def test_a_root_pyproject_whose_tool_is_not_a_table_is_a_usage_error(tmp_path: Path) -> None:
    """pytest itself crashes on it when run from the project (README, Limitations); run with
    --kabul-root from elsewhere, the gate names the file and the key instead of passing."""
    (tmp_path / "pyproject.toml").write_text('tool = "x"\n')
    with pytest.raises(ConfigError, match=r"/pyproject\.toml: tool must be a table, got string$"):
        load_config(tmp_path)
