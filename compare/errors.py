"""The one exception tree of newscompare.

Every error the package raises on purpose derives from :class:`CompareError`. Adapters wrap
third-party exceptions (httpx, trafilatura, sqlite) in one of these, with context attached, so the
command line can turn any of them into one clear line and an exit code::

    CompareError                      base; .exit_code = 2 unless said otherwise
    ├── UsageError                    bad command-line arguments or options
    ├── ConfigError                   settings that cannot be used (.source)
    │   └── SourcesError              sources.yaml problems, all of them at once (.problems)
    ├── StoreError                    the database cannot be opened or written (.path)
    │   ├── MigrationError            a schema migration failed
    │   └── LockedError               another run holds the lock (.exit_code = 3)
    ├── FetchError                    a URL could not be fetched (.url, .outlet, .outcome)
    ├── ExtractError                  a snapshot could not be turned into an article (.url)
    ├── EmbedError                    the embedding model could not be loaded or run (.model)
    ├── EvalError                     evaluation data is missing or malformed (.path)
    └── NotFoundError                 a named event, claim, outlet or run does not exist

``None`` in a return value means "absent", never "failed": failures raise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "CompareError",
    "ConfigError",
    "EmbedError",
    "EvalError",
    "ExtractError",
    "FetchError",
    "LockedError",
    "MigrationError",
    "NotFoundError",
    "Problem",
    "SourcesError",
    "StoreError",
    "UsageError",
]


class CompareError(Exception):
    """Base of every error newscompare raises on purpose."""

    exit_code: int = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(CompareError):
    """Arguments or options that cannot work together."""


class ConfigError(CompareError):
    """Settings that cannot be used."""

    def __init__(self, message: str, *, source: str | None = None) -> None:
        super().__init__(f"{source}: {message}" if source else message)
        self.source = source


@dataclass(frozen=True)
class Problem:
    """One problem found while loading a sources file: where it is and what is wrong."""

    file: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class SourcesError(ConfigError):
    """A sources file with one or more problems; all of them are in ``.problems``."""

    def __init__(self, problems: Sequence[Problem], *, total: int | None = None) -> None:
        self.problems = tuple(problems)
        self.total = max(total or 0, len(self.problems))
        """How many problems there were (``problems`` may keep only the first of very many)."""
        first = str(self.problems[0]) if self.problems else "invalid sources file"
        more = self.total - 1
        message = first if more <= 0 else f"{first} (and {more} more problem{'s' * (more > 1)})"
        super().__init__(message)


class StoreError(CompareError):
    """The database cannot be opened, migrated or written."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class MigrationError(StoreError):
    """A named schema migration failed; the database is left as it was before it."""


class LockedError(StoreError):
    """Another run holds the run lock of this database."""

    exit_code = 3


class FetchError(CompareError):
    """A URL could not be fetched; ``.outcome`` is a fetch_log outcome such as ``timeout``."""

    def __init__(
        self,
        message: str,
        *,
        url: str | None = None,
        outlet: str | None = None,
        outcome: str | None = None,
    ) -> None:
        super().__init__(message)
        self.url = url
        self.outlet = outlet
        self.outcome = outcome


class ExtractError(CompareError):
    """A snapshot could not be turned into an article."""

    def __init__(self, message: str, *, url: str | None = None, outcome: str | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.outcome = outcome


class EmbedError(CompareError):
    """The embedding model could not be loaded or run."""

    def __init__(self, message: str, *, model: str | None = None) -> None:
        super().__init__(message)
        self.model = model


class EvalError(CompareError):
    """Evaluation data that is missing or not in the documented format."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path


class NotFoundError(CompareError):
    """A named event, claim, outlet or run that does not exist in the store."""
