"""The store: one SQLite file through sqlite-utils (WAL, named migrations, FTS5).

:class:`Store` is the facade the pipeline, the reports and the service use; each mixin owns one
noun (runs and outlets, fetches and snapshots, fetch state across nights, articles and passages,
events and claims, vectors).
Nothing outside this package imports sqlite-utils.
"""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from compare.store.analysis import AnalysisMixin
from compare.store.articles import ArticlesMixin
from compare.store.db import damaged_database, open_database, run_lock, to_json, utcnow
from compare.store.fetches import FetchMixin, StoredFetch
from compare.store.fetchstate import FetchStateMixin
from compare.store.runs import RunsMixin
from compare.store.schema import TABLES
from compare.store.vectors import VectorMixin

__all__ = [
    "TABLES",
    "Store",
    "StoredFetch",
    "damaged_database",
    "open_database",
    "run_lock",
    "to_json",
    "utcnow",
]


class Store(RunsMixin, FetchMixin, FetchStateMixin, ArticlesMixin, AnalysisMixin, VectorMixin):
    """The newscompare database."""

    def __init__(self, path: str | Path, *, migrate: bool = True) -> None:
        self.path = str(path)
        self.db: Database = open_database(path, migrate=migrate)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def counts(self) -> dict[str, int]:
        """Rows per table (for summaries and tests)."""
        return {t: int(self.db.execute(f"SELECT COUNT(*) FROM [{t}]").fetchone()[0]) for t in TABLES}
