"""Work claimed by one of several processes sharing a night (migration ``0102_work_leases``).

``newscompare process`` may run as several workers, on several machines, against one database.
Each claims what it works on, so no page is extracted twice and no event framed twice:

* pages to extract: on PostgreSQL ``SELECT … FOR UPDATE SKIP LOCKED`` on their fetch-log rows,
  held by the transaction the extraction writes in; on SQLite a lease row per page
  (``work_leases``), free again as soon as its holder's process is gone (or after 15 minutes);
* events to align and frame: an advisory lock per event on PostgreSQL, a lease on SQLite;
* grouping articles into events (one decision over every new article): one worker at a time,
  the others wait for it (an advisory lock, or a lock file beside the SQLite file).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
from collections.abc import Collection, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlite_utils import Database

from compare.store.db import pid_alive
from compare.store.fetches import page_to_extract, pages_to_extract_sql
from compare.store.records import PageToExtract
from compare.store.schema import migrations

__all__ = ["LEASE_FOR", "ClaimingMixin"]

LEASES_DDL = """
CREATE TABLE work_leases (
    kind TEXT NOT NULL,                         -- extract, frame
    key TEXT NOT NULL,                          -- a fetch_log id, an event id
    holder TEXT NOT NULL,                       -- host:pid
    until TEXT NOT NULL,                        -- ISO time the lease lapses
    PRIMARY KEY (kind, key)
)
"""

#: How long a lease lasts: a worker that died frees its work after this.
LEASE_FOR = timedelta(minutes=15)
_EVENT_LOCKS = 0x6E64
_EXCLUSIVE_LOCKS = 0x6E65


@migrations(name="0102_work_leases")
def m0102_work_leases(db: Database) -> None:
    """Leases on work, so several process workers share a night on SQLite too."""
    db.execute(LEASES_DDL)


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(holder: str) -> bool:
    """Whether a lease's holder may still be working: a process of another host is taken to be;
    one of this host is, while its pid runs (a killed worker's leases are free at once)."""
    host, _, pid = holder.rpartition(":")
    return host != socket.gethostname() or not pid.isdigit() or pid_alive(int(pid))


def _key(name: str) -> int:
    import hashlib

    return int(hashlib.sha256(name.encode("utf-8")).hexdigest()[:7], 16)


class ClaimingMixin:
    _db: Database
    dialect: str
    path: str

    @contextlib.contextmanager
    def claim_pages_to_extract(
        self, *, params_hash: str, limit: int, skip: Collection[int] = ()
    ) -> Iterator[list[PageToExtract]]:
        """Up to ``limit`` pages not yet extracted that no other worker holds, held for the block
        (an empty list: nothing is left). ``skip``: fetch ids this worker gave up on."""
        sql, params = pages_to_extract_sql(params_hash)
        if skip:
            sql += f" AND f.id NOT IN ({','.join('?' * len(skip))})"
            params += [int(i) for i in skip]
        if self.dialect == "postgresql":
            with self._db.atomic():  # the row locks last as long as the extraction's transaction
                rows = self._db.execute(
                    sql + " ORDER BY f.fetched_at, f.id LIMIT ? FOR UPDATE OF f SKIP LOCKED", [*params, limit]
                ).fetchall()
                yield [page_to_extract(r) for r in rows]
            return
        pages = self._lease_pages(sql, params, limit)
        try:
            yield pages
        finally:
            self._release("extract", [str(p.fetch_id) for p in pages])

    def _drop_stale_leases(self, now: datetime) -> None:
        """Forget the leases that lapsed, and those of workers of this host that are gone."""
        self._db.execute("DELETE FROM work_leases WHERE until < ?", [now.isoformat()])
        holders = {str(r[0]) for r in self._db.execute("SELECT DISTINCT holder FROM work_leases").fetchall()}
        for holder in holders:
            if not _alive(holder):
                self._db.execute("DELETE FROM work_leases WHERE holder = ?", [holder])

    def _lease_pages(self, sql: str, params: list[object], limit: int) -> list[PageToExtract]:
        now = datetime.now(UTC)
        with self._db.atomic():
            self._drop_stale_leases(now)
            rows = self._db.execute(
                sql + """ AND NOT EXISTS (SELECT 1 FROM work_leases l WHERE l.kind = 'extract'
                           AND l.key = CAST(f.id AS TEXT)) ORDER BY f.fetched_at, f.id LIMIT ?""",
                [*params, limit],
            ).fetchall()
            until = (now + LEASE_FOR).isoformat()
            for row in rows:
                self._db.execute(
                    "INSERT INTO work_leases (kind, key, holder, until) VALUES ('extract', ?, ?, ?)",
                    [str(row[0]), _holder(), until],
                )
        return [page_to_extract(r) for r in rows]

    def _release(self, kind: str, keys: list[str]) -> None:
        if not keys:
            return
        with self._db.atomic():
            for key in keys:
                self._db.execute(
                    "DELETE FROM work_leases WHERE kind = ? AND key = ? AND holder = ?",
                    [kind, key, _holder()],
                )

    @contextlib.contextmanager
    def claim_event(self, event_id: int) -> Iterator[bool]:
        """``True`` for the block when this worker now holds the event (``False``: another does)."""
        if self.dialect == "postgresql":
            locked = self._db.execute("SELECT pg_try_advisory_lock(?, ?)", [_EVENT_LOCKS, event_id])
            got = bool(locked.fetchone()[0])
            try:
                yield got
            finally:
                if got:
                    self._db.execute("SELECT pg_advisory_unlock(?, ?)", [_EVENT_LOCKS, event_id])
            return
        now = datetime.now(UTC)
        with self._db.atomic():
            self._drop_stale_leases(now)
            self._db.execute(
                "INSERT OR IGNORE INTO work_leases (kind, key, holder, until) VALUES ('frame', ?, ?, ?)",
                [str(event_id), _holder(), (now + LEASE_FOR).isoformat()],
            )
            row = self._db.execute(
                "SELECT holder FROM work_leases WHERE kind = 'frame' AND key = ?", [str(event_id)]
            ).fetchone()
        got = row is not None and row[0] == _holder()
        try:
            yield got
        finally:
            if got:
                self._release("frame", [str(event_id)])

    @contextlib.contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        """Hold ``name`` for the block, waiting while another worker holds it."""
        if self.dialect == "postgresql":
            self._db.execute("SELECT pg_advisory_lock(?, ?)", [_EXCLUSIVE_LOCKS, _key(name)])
            try:
                yield
            finally:
                self._db.execute("SELECT pg_advisory_unlock(?, ?)", [_EXCLUSIVE_LOCKS, _key(name)])
            return
        if self.path == ":memory:":
            yield
            return
        with open(Path(f"{self.path}.{name}.lock"), "a+", encoding="utf-8") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)  # released when the file closes
            yield
