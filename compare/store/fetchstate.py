"""Fetch memory across nights: per-URL and per-host failure state (migration ``0101_fetch_state``).

One row per URL that failed or had to be left for later (``fetch_state``) and per host that
failed as a whole or asked to wait (``host_state``); a success deletes the row. What the rows
mean, and how long each failure waits, is decided in :mod:`compare.fetch.memory`: the store only
keeps them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from compare.models import HostMemory, UrlMemory
from compare.store.schema import migrations

__all__ = ["FETCH_STATE_TABLES", "FetchStateMixin"]

FETCH_STATE_TABLES = ("fetch_state", "host_state")

FETCH_STATE_DDL = """
CREATE TABLE fetch_state (
    url TEXT PRIMARY KEY,
    outlet_id TEXT NOT NULL,
    host TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'article',
    outcome TEXT NOT NULL,                      -- the last failure (or why it was left for later)
    http_status INTEGER,
    failures INTEGER NOT NULL DEFAULT 0,        -- in a row; 0: queued, never failed
    retry INTEGER NOT NULL DEFAULT 1,           -- 1: ask again when due; 0: gone (404/410)
    since TEXT NOT NULL,
    last_attempt TEXT NOT NULL,
    not_before TEXT NOT NULL
);
CREATE INDEX fetch_state_outlet ON fetch_state (outlet_id, not_before);
CREATE TABLE host_state (
    host TEXT PRIMARY KEY,
    failures INTEGER NOT NULL DEFAULT 0,
    reason TEXT NOT NULL,
    last_failure TEXT NOT NULL,
    not_before TEXT NOT NULL
)
"""

#: Rows whose wait ended this long ago without the URL being seen again are dropped.
FORGET_AFTER = timedelta(days=120)


@migrations(name="0101_fetch_state")
def m0101_fetch_state(db: Database) -> None:
    """Failure state per URL and per host, so a quiet night does not pay every failure again."""
    for statement in FETCH_STATE_DDL.split(";\n"):
        if statement.strip():
            db.execute(statement)


def _time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class FetchStateMixin:
    _db: Database

    def fetch_memory(self, *, now: datetime | None = None) -> tuple[list[UrlMemory], list[HostMemory]]:
        """Every remembered URL and host (rows long past their wait are dropped first)."""
        cutoff = ((now or datetime.now(UTC)) - FORGET_AFTER).isoformat()
        with self._db.atomic():
            self._db.execute("DELETE FROM fetch_state WHERE not_before < ? AND retry = 0", [cutoff])
            self._db.execute("DELETE FROM host_state WHERE not_before < ?", [cutoff])
        urls = [
            UrlMemory(url=r[0], outlet_id=r[1], host=r[2], kind=r[3], outcome=r[4], http_status=r[5],
                      failures=r[6], retry=bool(r[7]), since=_time(r[8]), last_attempt=_time(r[9]),
                      not_before=_time(r[10]))
            for r in self._db.execute(
                "SELECT url, outlet_id, host, kind, outcome, http_status, failures, retry, since,"
                " last_attempt, not_before FROM fetch_state ORDER BY since, url"
            ).fetchall()
        ]
        hosts = [
            HostMemory(host=r[0], failures=r[1], reason=r[2], last_failure=_time(r[3]),
                       not_before=_time(r[4]))
            for r in self._db.execute(
                "SELECT host, failures, reason, last_failure, not_before FROM host_state ORDER BY host"
            ).fetchall()
        ]
        return urls, hosts

    def save_fetch_memory(
        self, urls: Mapping[str, UrlMemory | None], hosts: Mapping[str, HostMemory | None]
    ) -> None:
        """Write changed states (``None``: forget that URL or host), in one transaction."""
        with self._db.atomic():
            for url, state in urls.items():
                if state is None:
                    self._db.execute("DELETE FROM fetch_state WHERE url = ?", [url])
                    continue
                self._db.execute(
                    """INSERT OR REPLACE INTO fetch_state (url, outlet_id, host, kind, outcome,
                       http_status, failures, retry, since, last_attempt, not_before)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    [state.url, state.outlet_id, state.host, state.kind, state.outcome,
                     state.http_status, state.failures, int(state.retry), state.since.isoformat(),
                     state.last_attempt.isoformat(), state.not_before.isoformat()],
                )
            for host, host_state in hosts.items():
                if host_state is None:
                    self._db.execute("DELETE FROM host_state WHERE host = ?", [host])
                    continue
                self._db.execute(
                    """INSERT OR REPLACE INTO host_state (host, failures, reason, last_failure,
                       not_before) VALUES (?, ?, ?, ?, ?)""",
                    [host_state.host, host_state.failures, host_state.reason,
                     host_state.last_failure.isoformat(), host_state.not_before.isoformat()],
                )
