"""The store: one SQLite file through sqlite-utils (WAL, named migrations, FTS5).

:class:`Store` is the one way into the database: callers ask it for named things
(``claims_of(event)``, ``unreadable_pages(...)``) and get frozen dataclasses
(:mod:`compare.store.records`) back. Every SQL statement of the project lives in this package,
in one module per noun:

========================  ==============================================================
``runs``                  runs, and the stages' bookkeeping (``stage_state``)
``outlets``               outlets
``fetches``               snapshots, the fetch log, what feeds said of each page
``fetchstate``            what failed, per URL and per host, and when to ask again
``articles``              articles (versions, reprints) and their passages
``events``                events, their articles and the grouping stage's changes
``claims``                claims with stable ids, their members and their changes
``framing``               the framing stage's rows, per passage and per event
``search``                full-text search and the query's filters
``vectors``               the embedding cache and the passage vector index beside the file
``claiming``              work claimed by one of several workers (leases, row locks)
========================  ==============================================================

Nothing outside this package imports sqlite-utils, and the database handle is private.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

from sqlite_utils import Database

from compare.store.articles import ArticlesMixin, SavedArticle
from compare.store.claiming import ClaimingMixin
from compare.store.claims import ClaimInput, ClaimsMixin
from compare.store.db import (
    damaged_database,
    is_postgres,
    open_database,
    redacted,
    run_lock,
    store_exists,
    to_json,
    utcnow,
)
from compare.store.events import EventsMixin
from compare.store.fetches import FetchMixin, StoredFetch
from compare.store.fetchstate import FetchStateMixin
from compare.store.framing import FramingMixin
from compare.store.outlets import OutletsMixin
from compare.store.records import (
    ArticleRecord,
    ClaimChange,
    ClaimMemberRecord,
    ClaimRecord,
    EventChange,
    EventRecord,
    EventSummary,
    FramingRecord,
    OutletRecord,
    PageState,
    PageToExtract,
    PassageRecord,
    RunRecord,
    SnapshotInfo,
)
from compare.store.runs import RunsMixin
from compare.store.schema import TABLES
from compare.store.search import SearchFilter, SearchMixin
from compare.store.vectorindex import ANN_THRESHOLD, Hits, VectorIndex
from compare.store.vectors import VectorMixin

__all__ = [
    "ANN_THRESHOLD",
    "TABLES",
    "ArticleRecord",
    "ClaimChange",
    "ClaimInput",
    "ClaimMemberRecord",
    "ClaimRecord",
    "EventChange",
    "EventRecord",
    "EventSummary",
    "FramingRecord",
    "Hits",
    "OutletRecord",
    "PageState",
    "PageToExtract",
    "PassageRecord",
    "RunRecord",
    "SavedArticle",
    "SearchFilter",
    "SnapshotInfo",
    "Store",
    "StoredFetch",
    "VectorIndex",
    "damaged_database",
    "is_postgres",
    "open_database",
    "redacted",
    "run_lock",
    "store_exists",
    "to_json",
    "utcnow",
]


class Store(
    RunsMixin,
    OutletsMixin,
    FetchMixin,
    FetchStateMixin,
    ArticlesMixin,
    EventsMixin,
    ClaimsMixin,
    FramingMixin,
    SearchMixin,
    VectorMixin,
    ClaimingMixin,
):
    """The newscompare database."""

    def __init__(self, path: str | Path, *, migrate: bool = True, read_only: bool = False) -> None:
        self.path = str(path)
        self.read_only = read_only
        self._db: Database = open_database(path, migrate=migrate, read_only=read_only)
        #: ``sqlite`` or ``postgresql``: what the few statements without a common form ask.
        self.dialect: str = getattr(self._db, "dialect", "sqlite")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def counts(self) -> dict[str, int]:
        """Rows per table (for summaries and tests)."""
        return {t: int(self._db.execute(f"SELECT COUNT(*) FROM [{t}]").fetchone()[0]) for t in TABLES}

    def revision(self) -> tuple[object, ...]:
        """A value that changes whenever a run writes anything a reader shows (one query): what a
        cache of pages built from the store is keyed by."""
        row = self._db.execute(
            """SELECT (SELECT MAX(id) FROM runs), (SELECT MAX(finished_at) FROM runs),
                      (SELECT MAX(id) FROM fetch_log), (SELECT MAX(id) FROM articles),
                      (SELECT MAX(id) FROM claim_changes), (SELECT MAX(built_at) FROM event_framing),
                      (SELECT MAX(id) FROM event_changes)"""
        ).fetchone()
        return tuple(row)

    def tables(self) -> set[str]:
        """The names of the tables the file holds (to tell a newscompare database from another)."""
        if self.dialect == "postgresql":
            names = set(self._db.table_names())
            # Full-text search is an index there, not a table: say it is present as SQLite does.
            return names | ({"passages_fts", "articles_fts"} if "passages" in names else set())
        return {str(r[0]) for r in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

    def atomic(self) -> AbstractContextManager[object]:
        """A transaction: everything written inside lands together or not at all."""
        return self._db.atomic()
