"""Snapshots (the exact bytes fetched, gzipped, keyed by sha256) and the per-run fetch log."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from compare.models import FetchResult, Outcome
from compare.store.db import to_json

__all__ = ["FetchMixin", "StoredFetch"]


@dataclass(frozen=True)
class StoredFetch:
    """What the store knows of a URL's last successful fetch (for conditional GET)."""

    url: str
    fetched_at: str
    etag: str | None
    last_modified: str | None
    snapshot_sha256: str | None


class FetchMixin:
    db: Database

    def record_fetch(self, run_id: int, result: FetchResult) -> None:
        """Write one fetch outcome (and its snapshot, once per body) in one transaction.

        Idempotent: the same URL in the same run replaces its row, so a resumed run never
        duplicates one.
        """
        snap = result.snapshot
        with self.db.atomic():
            if snap is not None:
                self.db.execute(
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
            self.db.execute(
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
        row = self.db.execute(
            """SELECT url, fetched_at, etag, last_modified, snapshot_sha256 FROM fetch_log
               WHERE url = ? AND outcome IN (?, ?) ORDER BY fetched_at DESC, id DESC LIMIT 1""",
            [url, str(Outcome.OK), str(Outcome.NOT_MODIFIED)],
        ).fetchone()
        return StoredFetch(*row) if row else None

    def snapshot_body(self, sha256: str) -> bytes | None:
        row = self.db.execute("SELECT body FROM snapshots WHERE sha256 = ?", [sha256]).fetchone()
        return gzip.decompress(row[0]) if row else None

    def snapshot(self, sha256: str) -> dict[str, Any] | None:
        rows = list(
            self.db.query(
                "SELECT sha256, url, final_url, status, headers, content_type, encoding, fetched_at, bytes"
                " FROM snapshots WHERE sha256 = ?",
                [sha256],
            )
        )
        return rows[0] if rows else None

    def fetch_log(self, run_id: int | None = None) -> list[dict[str, Any]]:
        if run_id is None:
            return list(self.db.query("SELECT * FROM fetch_log ORDER BY id"))
        return list(self.db.query("SELECT * FROM fetch_log WHERE run_id = ? ORDER BY id", [run_id]))

    def latest_outcomes(self) -> dict[str, dict[str, int]]:
        """Per outlet, the outcome counts of the latest attempt at each of its URLs.

        Per URL rather than per run: a quiet night whose feeds answer 304 tries no article
        pages, and must not make yesterday's unreadable pages look readable.
        """
        rows = self.db.query(
            """SELECT f.outlet_id, f.outcome, COUNT(*) AS n FROM fetch_log f
               JOIN (SELECT url, MAX(id) AS id FROM fetch_log GROUP BY url) last ON last.id = f.id
               GROUP BY f.outlet_id, f.outcome"""
        )
        out: dict[str, dict[str, int]] = {}
        for row in rows:
            out.setdefault(row["outlet_id"], {})[row["outcome"]] = row["n"]
        return out
