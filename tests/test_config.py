from __future__ import annotations

from pathlib import Path

import pytest

from compare.config import load_settings
from compare.errors import ConfigError


def test_flag_beats_env_beats_file_beats_default(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('db = "file.db"\nmodel = "file-model"\nfresh_for_hours = 3\n', encoding="utf-8")
    env = {"NEWSCOMPARE_DB": "env.db", "NEWSCOMPARE_MODEL": "env-model"}
    settings = load_settings({"db": "flag.db", "model": None}, config_file=str(config), env=env)
    assert settings.db == "flag.db"
    assert settings.model == "env-model"
    assert settings.fresh_for_hours == 3.0
    assert settings.out == "reports"


def test_bad_settings_files_are_one_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('colour = "blue"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown setting 'colour'"):
        load_settings(config_file=str(config), env={})
    config.write_text("db = [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot read settings"):
        load_settings(config_file=str(config), env={})
    with pytest.raises(ConfigError, match="not found"):
        load_settings(config_file=str(tmp_path / "none.toml"), env={})
    with pytest.raises(ConfigError, match="must be a number"):
        load_settings(env={"NEWSCOMPARE_FRESH_FOR_HOURS": "soon", "HOME": str(tmp_path)})
