"""Snapshots (the exact bytes fetched, gzipped, keyed by sha256), the per-run fetch log, and what
feeds and sitemaps said of each page they listed (``discovered``)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from compare.models import READABLE_OUTCOMES, Discovered, FetchResult, Outcome
from compare.store.db import to_json, utcnow
from compare.store.records import PageState, PageToExtract, SnapshotInfo

__all__ = ["FetchMixin", "StoredFetch"]


@dataclass(frozen=True)
class StoredFetch:
    """What the store knows of a URL's last successful fetch (for conditional GET)."""

    url: str
    fetched_at: str
    etag: str | None
    last_modified: str | None
    snapshot_sha256: str | None


def pages_to_extract_sql(params_hash: str | None) -> tuple[str, list[Any]]:
    """The article pages fetched whole (``f``: fetch_log), without those the extraction stage has
    marked done with ``params_hash`` (its ``stage_state`` key is ``outlet|sha256``)."""
    sql = """SELECT f.id, f.outlet_id, f.url, f.snapshot_sha256, f.fetched_at FROM fetch_log f
             WHERE f.kind = 'article' AND f.outcome = 'ok' AND f.snapshot_sha256 IS NOT NULL"""
    if params_hash is None:
        return sql, []
    sql += """ AND NOT EXISTS (SELECT 1 FROM stage_state s WHERE s.stage = 'extract'
                 AND s.key = f.outlet_id || '|' || f.snapshot_sha256
                 AND s.input_hash = f.snapshot_sha256 AND s.params_hash = ?)"""
    return sql, [params_hash]


def page_to_extract(row: Sequence[Any]) -> PageToExtract:
    return PageToExtract(int(row[0]), str(row[1]), str(row[2]), str(row[3]), str(row[4]))


class FetchMixin:
    _db: Database

    def record_fetch(self, run_id: int, result: FetchResult) -> None:
        """Write one fetch outcome (and its snapshot, once per body) in one transaction.

        Idempotent: the same URL in the same run replaces its row, so a resumed run never
        duplicates one.
        """
        snap = result.snapshot
        with self._db.atomic():
            if snap is not None:
                self._db.execute(
                    """INSERT OR IGNORE INTO snapshots
                       (sha256, url, final_url, status, headers, content_type, encoding,
                        fetched_at, bytes, body)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    [
                        snap.sha256,
                        snap.url,
                        snap.final_url,
                        snap.status,
                        to_json(dict(snap.headers)),
                        snap.content_type,
                        snap.encoding,
                        snap.fetched_at.isoformat(),
                        len(snap.body),
                        gzip.compress(snap.body, compresslevel=6, mtime=0),
                    ],
                )
            self._db.execute(
                """INSERT INTO fetch_log
                   (run_id, outlet_id, url, kind, outcome, http_status, elapsed_ms, bytes,
                    fetched_at, snapshot_sha256, etag, last_modified, attempts, error)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (run_id, url) DO UPDATE SET
                    outlet_id = excluded.outlet_id, kind = excluded.kind,
                    outcome = excluded.outcome, http_status = excluded.http_status,
                    elapsed_ms = excluded.elapsed_ms, bytes = excluded.bytes,
                    fetched_at = excluded.fetched_at, snapshot_sha256 = excluded.snapshot_sha256,
                    etag = excluded.etag, last_modified = excluded.last_modified,
                    attempts = excluded.attempts, error = excluded.error""",
                [
                    run_id,
                    result.outlet_id,
                    result.url,
                    getattr(result, "kind", "article"),
                    str(result.outcome),
                    result.http_status,
                    result.elapsed_ms,
                    result.bytes,
                    result.fetched_at.isoformat(),
                    snap.sha256 if snap else None,
                    result.etag,
                    result.last_modified,
                    result.attempts,
                    result.error,
                ],
            )

    def last_good_fetch(self, url: str) -> StoredFetch | None:
        """The most recent fetch of ``url`` whose content we hold, or ``None``."""
        row = self._db.execute(
            """SELECT url, fetched_at, etag, last_modified, snapshot_sha256 FROM fetch_log
               WHERE url = ? AND outcome IN (?, ?) ORDER BY fetched_at DESC, id DESC LIMIT 1""",
            [url, str(Outcome.OK), str(Outcome.NOT_MODIFIED)],
        ).fetchone()
        return StoredFetch(*row) if row else None

    def snapshot_body(self, sha256: str) -> bytes | None:
        """The exact bytes fetched (ungzipped), or ``None`` when no such snapshot is stored."""
        row = self._db.execute("SELECT body FROM snapshots WHERE sha256 = ?", [sha256]).fetchone()
        return gzip.decompress(row[0]) if row else None

    def snapshot(self, sha256: str) -> SnapshotInfo | None:
        """A snapshot's metadata, or ``None``."""
        row = self._db.execute(
            "SELECT sha256, url, final_url, status, headers, content_type, encoding, fetched_at, bytes"
            " FROM snapshots WHERE sha256 = ?",
            [sha256],
        ).fetchone()
        if row is None:
            return None
        try:
            headers = json.loads(row[4] or "{}")
        except ValueError:
            headers = {}
        return SnapshotInfo(
            sha256=row[0], url=row[1], final_url=row[2], status=int(row[3]),
            headers=headers if isinstance(headers, dict) else {}, content_type=row[5], encoding=row[6],
            fetched_at=row[7], bytes=int(row[8]),
        )  # fmt: skip

    def fetch_log(self, run_id: int | None = None) -> list[dict[str, Any]]:
        """The fetch log rows (of one run), oldest first: for tests and debugging."""
        if run_id is None:
            return list(self._db.query("SELECT * FROM fetch_log ORDER BY id"))
        return list(self._db.query("SELECT * FROM fetch_log WHERE run_id = ? ORDER BY id", [run_id]))

    def snapshots_to_extract(self, *, params_hash: str | None = None) -> list[PageToExtract]:
        """Article pages fetched whole, oldest first.

        With ``params_hash``, only those the extraction stage has not marked done with these
        parameters (its ``stage_state`` key is ``outlet|sha256``): one indexed query, instead of
        every page ever fetched and one lookup each.
        """
        sql, params = pages_to_extract_sql(params_hash)
        rows = self._db.execute(sql + " ORDER BY f.fetched_at, f.id", params).fetchall()
        return [page_to_extract(r) for r in rows]

    def set_fetch_outcome(self, fetch_id: int, outcome: str, error: str | None) -> None:
        """Correct one fetch's outcome after the fact (a page fetched whole that held no text)."""
        with self._db.atomic():
            self._db.execute(
                "UPDATE fetch_log SET outcome = ?, error = ? WHERE id = ?", [outcome, error, fetch_id]
            )

    # -- what each outlet's fetches came to ------------------------------------------------------

    def outcome_counts(self, *, up_to_run: int | None) -> dict[str, dict[str, int]]:
        """Per outlet, outcome counts of its fetches in its latest run at or before ``up_to_run``.

        Article fetches only, when the outlet has any in that run: a feed that loads while every
        article page is blocked leaves the outlet unread. Otherwise all its fetches (feeds, sitemaps).
        """
        limit = "" if up_to_run is None else "WHERE run_id <= ?"
        params: list[Any] = [] if up_to_run is None else [up_to_run]
        rows = self._db.execute(
            f"""SELECT f.outlet_id, f.kind, f.outcome, COUNT(*) FROM fetch_log f
                JOIN (SELECT outlet_id, MAX(run_id) AS run_id FROM fetch_log {limit} GROUP BY outlet_id) last
                  ON last.outlet_id = f.outlet_id AND last.run_id = f.run_id
                GROUP BY f.outlet_id, f.kind, f.outcome""",
            params,
        ).fetchall()
        every: dict[str, dict[str, int]] = {}
        articles: dict[str, dict[str, int]] = {}
        for outlet, kind, outcome, n in rows:
            for table in (every, articles) if kind == "article" else (every,):
                counts = table.setdefault(str(outlet), {})
                counts[str(outcome)] = counts.get(str(outcome), 0) + int(n)
        return {outlet: articles.get(outlet, counts) for outlet, counts in every.items()}

    def outlet_run_outcomes(self, outlet_id: str, *, runs: int) -> dict[int, dict[str, int]]:
        """Outcome counts of one outlet's fetches in each of its last ``runs`` runs."""
        out: dict[int, dict[str, int]] = {}
        for run_id, outcome, n in self._db.execute(
            """SELECT run_id, outcome, COUNT(*) FROM fetch_log WHERE outlet_id = ?
               AND run_id IN (SELECT DISTINCT run_id FROM fetch_log WHERE outlet_id = ?
                              ORDER BY run_id DESC LIMIT ?)
               GROUP BY run_id, outcome""",
            [outlet_id, outlet_id, runs],
        ).fetchall():
            out.setdefault(int(run_id), {})[str(outcome)] = int(n)
        return out

    def run_outcome_counts(self, run_id: int) -> dict[str, dict[str, int]]:
        """Per outlet, the outcome counts of its fetches in one run."""
        out: dict[str, dict[str, int]] = {}
        for outlet, outcome, n in self._db.execute(
            "SELECT outlet_id, outcome, COUNT(*) FROM fetch_log WHERE run_id = ? GROUP BY outlet_id, outcome",
            [run_id],
        ).fetchall():
            out.setdefault(str(outlet), {})[str(outcome)] = int(n)
        return out

    def run_listing_outcomes(self, run_id: int) -> dict[str, dict[str, int]]:
        """Per outlet, the outcome counts of its listing fetches (feeds, sitemaps, the homepage
        feed discovery reads) in one run: what it could learn of new articles from."""
        out: dict[str, dict[str, int]] = {}
        for outlet, outcome, n in self._db.execute(
            """SELECT outlet_id, outcome, COUNT(*) FROM fetch_log WHERE run_id = ? AND kind <> 'article'
               GROUP BY outlet_id, outcome""",
            [run_id],
        ).fetchall():
            out.setdefault(str(outlet), {})[str(outcome)] = int(n)
        return out

    def last_fetch_run_counts(self) -> dict[str, tuple[int, int]]:
        """Per outlet, ``(fetches, readable fetches)`` in the latest run that fetched anything."""
        last = self._db.execute("SELECT MAX(run_id) FROM fetch_log").fetchone()[0]
        if last is None:
            return {}
        readable = sorted(READABLE_OUTCOMES)
        marks = ",".join("?" * len(readable))
        return {
            str(outlet): (int(fetched), int(ok or 0))
            for outlet, fetched, ok in self._db.execute(
                f"""SELECT outlet_id, COUNT(*), SUM(CASE WHEN outcome IN ({marks}) THEN 1 ELSE 0 END)
                    FROM fetch_log WHERE run_id = ? GROUP BY outlet_id""",
                [*readable, last],
            ).fetchall()
        }

    # -- what feeds said of the pages they listed ------------------------------------------------

    def record_discovered(self, entries: Iterable[Discovered]) -> None:
        """Keep what each feed or sitemap entry said of a page (title, date), first word kept."""
        now = utcnow()
        rows = [
            (e.url, e.outlet_id, e.via, e.title, e.published.isoformat() if e.published else None, now, now)
            for e in entries
        ]
        if not rows:
            return
        with self._db.atomic():
            self._db.conn.executemany(
                """INSERT INTO discovered (url, outlet_id, via, title, published, first_seen, last_seen)
                   VALUES (?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (url) DO UPDATE SET last_seen = excluded.last_seen,
                     title = COALESCE(discovered.title, excluded.title),
                     published = COALESCE(discovered.published, excluded.published)""",
                rows,
            )

    def unreadable_pages(
        self, *, up_to_run: int | None, outlet_ids: Sequence[str] | None = None
    ) -> list[PageState]:
        """Article pages whose latest attempt (at or before ``up_to_run``) left them unread.

        Each comes with its feed entry's title and date when discovery recorded them.
        """
        where, params = "WHERE kind = 'article'", []
        if up_to_run is not None:
            where += " AND run_id <= ?"
            params.append(up_to_run)
        readable = sorted(READABLE_OUTCOMES)
        outlets = ""
        if outlet_ids is not None:
            if not outlet_ids:
                return []
            outlets = f" AND f.outlet_id IN ({','.join('?' * len(outlet_ids))})"
        rows = self._db.execute(
            f"""SELECT f.url, f.outlet_id, f.outcome, f.fetched_at, f.run_id, d.title, d.published
                FROM fetch_log f JOIN (SELECT url, MAX(id) AS id FROM fetch_log {where} GROUP BY url) last
                  ON last.id = f.id
                LEFT JOIN discovered d ON d.url = f.url
                WHERE f.outcome NOT IN ({",".join("?" * len(readable))}){outlets}
                ORDER BY f.id""",
            [*params, *readable, *(outlet_ids or [])],
        ).fetchall()
        return [PageState(*r) for r in rows]
