"""Framing rows: the framing stage's answer per passage (``framing``) and per event
(``event_framing``, with the hashes that tell whether it is still current; and beside it, in
``event_framing_digests``, the few counts the run index shows: migration
``0103_event_framing_digest``)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlite_utils import Database

from compare.store.db import to_json, utcnow
from compare.store.records import FramingRecord
from compare.store.schema import migrations

__all__ = ["FramingMixin"]


def _json(value: Any, default: Any) -> Any:
    try:
        out = json.loads(value) if value else default
    except (TypeError, ValueError):
        return default
    return out if isinstance(out, type(default)) else default


#: Added by ``0103_event_framing_digest`` (the same statement on PostgreSQL). A table of its own,
#: not a column of ``event_framing``: SQLite reads a column stored after a large value by walking
#: that value's overflow pages (as a column, reading all 858 digests of a 10,000-article night
#: took 3.5 s; the index took 5.1-5.5 s with it, 3.3-4.3 s with this table).
DIGEST_DDL = """
CREATE TABLE event_framing_digests (
    event_id INTEGER PRIMARY KEY REFERENCES events(id),
    digest TEXT NOT NULL                        -- compare.view.index.framing_digest, as JSON
)"""


@migrations(name="0103_event_framing_digest")
def m0103_event_framing_digest(db: Database) -> None:
    """The event framing's digest for the run index: an event's whole answer is about a megabyte
    of JSON, and decoding every event's was most of a quiet night's report stage."""
    db.execute(DIGEST_DDL.strip())


class FramingMixin:
    _db: Database

    def save_framing(
        self,
        event_id: int,
        *,
        passages: Mapping[int, Mapping[str, Any]],
        event_data: Mapping[str, Any],
        params_hash: str,
        input_hash: str,
        run_id: int | None,
        digest: Mapping[str, Any] | None = None,
    ) -> None:
        """Store per-passage framing rows and the event's framing answer (with its ``digest``,
        what the run index reads of it) in one transaction."""
        with self._db.atomic():
            self._db.table("framing").insert_all(
                [{"passage_id": pid, **row, "params_hash": params_hash} for pid, row in passages.items()],
                replace=True,
            )
            self._db.table("event_framing").insert(
                {
                    "event_id": event_id,
                    "run_id": run_id,
                    "params_hash": params_hash,
                    "input_hash": input_hash,
                    "data": to_json(dict(event_data)),
                    "built_at": utcnow(),
                },
                replace=True,
            )
            if digest is not None:
                self._set_digest(event_id, digest)
            else:  # a digest of an earlier answer would be wrong now
                self._db.execute("DELETE FROM event_framing_digests WHERE event_id = ?", [event_id])

    def event_framing_hash(self, event_id: int) -> tuple[str, str] | None:
        """``(params hash, input hash)`` the event's framing was built with, or ``None``."""
        row = self._db.execute(
            "SELECT params_hash, input_hash FROM event_framing WHERE event_id = ?", [event_id]
        ).fetchone()
        return (row[0], row[1]) if row else None

    def event_framing_hashes(self) -> dict[int, tuple[str, str]]:
        """``(params hash, input hash)`` of every event's stored framing, in one query."""
        rows = self._db.execute("SELECT event_id, params_hash, input_hash FROM event_framing").fetchall()
        return {int(r[0]): (str(r[1]), str(r[2])) for r in rows}

    def event_framing(self, event_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        """The stored framing answer (JSON decoded) per event."""
        wanted = [int(e) for e in event_ids]
        if not wanted:
            return {}
        rows = self._db.execute(
            f"SELECT event_id, data FROM event_framing WHERE event_id IN ({','.join('?' * len(wanted))})",
            wanted,
        ).fetchall()
        return {int(e): _json(d, {}) for e, d in rows}

    def event_framing_digest(self, event_id: int) -> dict[str, Any] | None:
        """The digest stored with the event's framing answer; ``None`` when the event has no
        framing or its framing was stored before digests were (read :meth:`event_framing`)."""
        row = self._db.execute(
            "SELECT digest FROM event_framing_digests WHERE event_id = ?", [event_id]
        ).fetchone()
        return (_json(row[0], {}) or None) if row else None

    def events_without_framing_digest(self) -> list[int]:
        """Events whose framing answer was stored without a digest (before there were digests)."""
        rows = self._db.execute(
            """SELECT f.event_id FROM event_framing f WHERE NOT EXISTS
               (SELECT 1 FROM event_framing_digests d WHERE d.event_id = f.event_id) ORDER BY f.event_id"""
        )
        return [int(r[0]) for r in rows.fetchall()]

    def set_event_framing_digest(self, event_id: int, digest: Mapping[str, Any]) -> None:
        with self._db.atomic():
            self._set_digest(event_id, digest)

    def _set_digest(self, event_id: int, digest: Mapping[str, Any]) -> None:
        self._db.table("event_framing_digests").insert(
            {"event_id": event_id, "digest": to_json(dict(digest))}, replace=True
        )

    def framing_of(self, passage_ids: Iterable[int]) -> dict[int, FramingRecord]:
        """The per-passage framing rows, by passage id."""
        wanted = list(dict.fromkeys(int(p) for p in passage_ids))
        out: dict[int, FramingRecord] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            for pid, attribution, speaker, prominence, data, labels in self._db.execute(
                f"""SELECT passage_id, attribution, speaker, prominence, data, labels FROM framing
                    WHERE passage_id IN ({",".join("?" * len(chunk))})""",
                chunk,
            ).fetchall():
                out[int(pid)] = FramingRecord(
                    int(pid), attribution, speaker, prominence, _json(data, {}),
                    tuple(x for x in _json(labels, []) if isinstance(x, dict)),
                )  # fmt: skip
        return out

    def framing_data(self, passage_ids: Iterable[int], *, params_hash: str) -> dict[int, dict[str, Any]]:
        """The stored framing answer (``data``, JSON decoded) of these passages, by passage id, for
        those framed with ``params_hash``."""
        wanted = list(dict.fromkeys(int(p) for p in passage_ids))
        out: dict[int, dict[str, Any]] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            for pid, data in self._db.execute(
                f"""SELECT passage_id, data FROM framing
                    WHERE params_hash = ? AND passage_id IN ({",".join("?" * len(chunk))})""",
                [params_hash, *chunk],
            ).fetchall():
                decoded = _json(data, {})
                if decoded:
                    out[int(pid)] = decoded
        return out

    def framing_of_articles(self, article_ids: Iterable[int]) -> list[FramingRecord]:
        """Every framing row of these articles' passages."""
        wanted = [int(a) for a in article_ids]
        if not wanted:
            return []
        return [
            FramingRecord(int(pid), attribution, speaker, prominence, _json(data, {}))
            for pid, attribution, speaker, prominence, data in self._db.execute(
                f"""SELECT f.passage_id, f.attribution, f.speaker, f.prominence, f.data FROM framing f
                    JOIN passages p ON p.id = f.passage_id
                    WHERE p.article_id IN ({",".join("?" * len(wanted))})""",
                wanted,
            ).fetchall()
        ]

    def outlet_label_counts(self, outlet_id: str) -> dict[tuple[str, str], int]:
        """How often one outlet used each (concept, term) of the label lexicons, over all it wrote."""
        counts: dict[tuple[str, str], int] = {}
        for (labels,) in self._db.execute(
            """SELECT f.labels FROM framing f JOIN passages p ON p.id = f.passage_id
               JOIN articles a ON a.id = p.article_id WHERE a.outlet_id = ?""",
            [outlet_id],
        ).fetchall():
            for item in _json(labels, []):
                if isinstance(item, dict) and item.get("term"):
                    key = (str(item.get("concept") or ""), str(item["term"]))
                    counts[key] = counts.get(key, 0) + 1
        return counts
