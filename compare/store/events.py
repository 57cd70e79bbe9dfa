"""Events: the grouping of articles, with the grouping stage's own key and state beside the id.

Events keep two ids: the integer ``id`` that reports and URLs use, and the grouping stage's own
``key``; ``state`` holds the stage's JSON summary of the event (its centroid and term profile), so
a nightly run attaches new articles without re-reading old ones.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlite_utils import Database

from compare.models import Article
from compare.store.articles import ARTICLE_COLUMNS, CURRENT_VERSION, article_record, row_to_article
from compare.store.db import last_pk, to_json, utcnow
from compare.store.records import ArticleRecord, EventChange, EventRecord, EventSummary

__all__ = ["EventsMixin"]

_EVENT_COLUMNS = (
    "e.id, e.key, e.label, e.first_published, e.last_published, e.status, e.merged_into,"
    " e.created_run, e.updated_run"
)
_COUNTS = """(SELECT COUNT(DISTINCT a.outlet_id) FROM event_articles ea
                JOIN articles a ON a.id = ea.article_id WHERE ea.event_id = e.id) AS n_outlets,
             (SELECT COUNT(*) FROM event_articles ea WHERE ea.event_id = e.id) AS n_articles,
             (SELECT COUNT(*) FROM claims c WHERE c.event_id = e.id AND c.status = 'active') AS n_claims"""


def _event(row: Sequence[Any]) -> EventRecord:
    return EventRecord(*row[:9])


class EventsMixin:
    _db: Database

    # -- the grouping stage's view ---------------------------------------------------------------

    def event_states(self) -> list[dict[str, Any]]:
        """Active events with their stage state (JSON decoded) and member article ids."""
        rows = list(self._db.query("SELECT id, key, state FROM events WHERE status = 'active' ORDER BY id"))
        members: dict[int, list[int]] = {}
        for event_id, article_id in self._db.execute(
            "SELECT event_id, article_id FROM event_articles ORDER BY article_id"
        ).fetchall():
            members.setdefault(int(event_id), []).append(int(article_id))
        for row in rows:
            row["state"] = json.loads(row["state"]) if row["state"] else None
            row["article_ids"] = members.get(row["id"], [])
        return rows

    def event_id_for_key(self, key: str) -> int | None:
        row = self._db.execute("SELECT id FROM events WHERE key = ?", [key]).fetchone()
        return int(row[0]) if row else None

    def save_event(
        self,
        *,
        key: str,
        label: str | None,
        state: Mapping[str, Any],
        members: Mapping[int, float | None],
        span: tuple[str | None, str | None],
        run_id: int | None,
    ) -> int:
        """Insert or update one event and replace its membership; returns the event's id.

        ``span`` is the first and last publication time seen. A changed label is recorded as a
        ``retitle`` change of the run.
        """
        with self._db.atomic():
            event_id = self.event_id_for_key(key)
            values = {
                "label": label,
                "state": to_json(state),
                "first_published": span[0],
                "last_published": span[1],
                "updated_run": run_id,
                "status": "active",
                "merged_into": None,
            }
            if event_id is None:
                event_id = last_pk(
                    self._db.table("events").insert({"key": key, "created_run": run_id, **values})
                )
            else:
                old = self._db.execute("SELECT label FROM events WHERE id = ?", [event_id]).fetchone()
                if old is not None and old[0] != label:
                    self.record_event_change(
                        run_id=run_id, kind="retitle", event_id=event_id, other_event_id=None,
                        details={"before": old[0], "after": label},
                    )  # fmt: skip
                self._db.table("events").update(event_id, values)
            self._db.execute("DELETE FROM event_articles WHERE event_id = ?", [event_id])
            self._db.table("event_articles").insert_all(
                [
                    {"event_id": event_id, "article_id": a, "similarity": s, "run_id": run_id}
                    for a, s in members.items()
                ],
                replace=True,
            )
        return event_id

    def retire_event(self, key: str, *, merged_into: int | None, run_id: int | None) -> None:
        """An event folded into another (or emptied) stops being active; its rows stay."""
        with self._db.atomic():
            event_id = self.event_id_for_key(key)
            if event_id is None:
                return
            self._db.table("events").update(
                event_id, {"status": "merged", "merged_into": merged_into, "updated_run": run_id}
            )
            self._db.execute("DELETE FROM event_articles WHERE event_id = ?", [event_id])

    def record_event_change(
        self, *, run_id: int | None, kind: str, event_id: int | None, other_event_id: int | None,
        details: Mapping[str, Any],
    ) -> None:  # fmt: skip
        with self._db.atomic():
            self._db.table("event_changes").insert(
                {
                    "run_id": run_id,
                    "kind": kind,
                    "event_id": event_id,
                    "other_event_id": other_event_id,
                    "details": to_json(dict(details)),
                    "at": utcnow(),
                }
            )

    def event_changes(self, event_id: int, *, after_run: int) -> list[EventChange]:
        """What the grouping stage did to one event in the runs after ``after_run``."""
        out = []
        for run_id, kind, eid, other, details, at in self._db.execute(
            """SELECT run_id, kind, event_id, other_event_id, details, at FROM event_changes
               WHERE (event_id = ? OR other_event_id = ?) AND run_id > ? ORDER BY id""",
            [event_id, event_id, after_run],
        ).fetchall():
            try:
                data = json.loads(details or "{}")
            except ValueError:
                data = {}
            out.append(EventChange(run_id, str(kind), eid, other, data if isinstance(data, dict) else {}, at))
        return out

    def carry_versions_into_events(self, article_ids: Iterable[int]) -> list[int]:
        """A new version of an article takes its previous version's place in its event.

        Returns the ids of the events that changed this way.
        """
        touched: set[int] = set()
        with self._db.atomic():
            for article_id in article_ids:
                row = self._db.execute(
                    "SELECT previous_id FROM articles WHERE id = ?", [article_id]
                ).fetchone()
                if not row or row[0] is None:
                    continue
                events = self._db.execute(
                    "SELECT event_id FROM event_articles WHERE article_id = ?", [row[0]]
                ).fetchall()
                self._db.execute(
                    "UPDATE event_articles SET article_id = ? WHERE article_id = ?", [article_id, row[0]]
                )
                touched.update(int(e[0]) for e in events)
        return sorted(touched)

    def grouped_article_ids(self) -> set[int]:
        """Every article that belongs to an event."""
        return {int(r[0]) for r in self._db.execute("SELECT article_id FROM event_articles").fetchall()}

    # -- reading events ---------------------------------------------------------------------------

    def event(self, event_id: int) -> EventRecord | None:
        """The event with this id (active or not), or ``None``."""
        row = self._db.execute(f"SELECT {_EVENT_COLUMNS} FROM events e WHERE e.id = ?", [event_id]).fetchone()
        return _event(row) if row else None

    def event_of_url(self, url: str) -> int | None:
        """The event of the latest version of the article fetched from (or canonical at) ``url``."""
        row = self._db.execute(
            """SELECT ea.event_id FROM articles a JOIN event_articles ea ON ea.article_id = a.id
               WHERE a.fetched_url = ? OR a.url = ? ORDER BY a.version DESC LIMIT 1""",
            [url, url],
        ).fetchone()
        return int(row[0]) if row else None

    def active_event_fingerprints(self) -> dict[int, list[tuple[int, str, str, int | None]]]:
        """Per active event, ``(id, outlet, text hash, reprint origin)`` of its articles by id
        (what :meth:`article_fingerprints` gives for one event), for every event in one query."""
        out: dict[int, list[tuple[int, str, str, int | None]]] = {}
        for event_id, aid, outlet, text_hash, origin in self._db.execute(
            """SELECT e.id, a.id, a.outlet_id, a.text_hash, a.reprint_of
               FROM events e LEFT JOIN event_articles ea ON ea.event_id = e.id
               LEFT JOIN articles a ON a.id = ea.article_id
               WHERE e.status = 'active' ORDER BY e.id, a.id"""
        ).fetchall():
            prints = out.setdefault(int(event_id), [])
            if aid is not None:  # an event without articles has no fingerprints
                reprint = int(origin) if origin is not None else None
                prints.append((int(aid), str(outlet), str(text_hash), reprint))
        return out

    def ungrouped_current_articles(self) -> list[Article]:
        """The current version of every article in no event, oldest first (without reading the
        others)."""
        rows = self._db.query(
            f"""SELECT * FROM articles a WHERE {CURRENT_VERSION}
                AND NOT EXISTS (SELECT 1 FROM event_articles ea WHERE ea.article_id = a.id)
                ORDER BY COALESCE(a.published_at, a.first_seen), a.id"""
        )
        return [row_to_article(r) for r in rows]

    def event_article_ids(self, event_id: int) -> list[int]:
        return [
            int(r[0])
            for r in self._db.execute(
                "SELECT article_id FROM event_articles WHERE event_id = ? ORDER BY article_id", [event_id]
            ).fetchall()
        ]

    def event_articles(self, event_id: int) -> list[ArticleRecord]:
        """The event's articles, oldest first, each with the run that linked it to the event."""
        rows = self._db.query(
            f"""SELECT {ARTICLE_COLUMNS}, COALESCE(ea.run_id, a.run_id) AS linked_run,
                       ea.similarity AS event_similarity
                FROM event_articles ea JOIN articles a ON a.id = ea.article_id
                LEFT JOIN snapshots s ON s.sha256 = a.snapshot_sha256
                WHERE ea.event_id = ? ORDER BY COALESCE(a.published_at, a.first_seen), a.id""",
            [event_id],
        )
        return [article_record(r) for r in rows]

    def active_event_ids(self) -> list[int]:
        """Every active event, most outlets first (then by id)."""
        return [s.event.id for s in self.event_summaries(order="outlets")]

    def count_events(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM events WHERE status = 'active'").fetchone()[0])

    def event_summaries(
        self,
        *,
        order: str = "outlets",
        limit: int | None = None,
        offset: int = 0,
        created_by: int | None = None,
        ids: Iterable[int] | None = None,
    ) -> list[EventSummary]:
        """Active events with their counts.

        ``order``: ``outlets`` (most outlets first), ``recent`` (latest publication first) or
        ``touched`` (latest run that changed it first). ``created_by``: only events that existed by
        that run. ``ids``: only these events.
        """
        orders = {
            "outlets": "n_outlets DESC, e.id",
            "recent": "COALESCE(e.last_published, '') DESC, e.id DESC",
            "touched": "COALESCE(e.updated_run, e.created_run, 0) DESC, COALESCE(e.last_published, '') DESC,"
            " e.id DESC",
        }
        sql = f"SELECT {_EVENT_COLUMNS}, {_COUNTS} FROM events e WHERE e.status = 'active'"
        params: list[Any] = []
        if created_by is not None:
            sql += " AND (e.created_run IS NULL OR e.created_run <= ?)"
            params.append(created_by)
        if ids is not None:
            wanted = [int(i) for i in ids]
            sql += f" AND e.id IN ({','.join('?' * len(wanted)) or 'NULL'})"
            params += wanted
        sql += f" ORDER BY {orders[order]}"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return [
            EventSummary(event=_event(r), n_outlets=int(r[9]), n_articles=int(r[10]), n_claims=int(r[11]))
            for r in self._db.execute(sql, params).fetchall()
        ]

    def events_updated_by(self, run_ids: Iterable[int]) -> set[int]:
        """Active events created or changed by one of these runs."""
        wanted = [int(r) for r in run_ids]
        if not wanted:
            return set()
        marks = ",".join("?" * len(wanted))
        return {
            int(r[0])
            for r in self._db.execute(
                f"""SELECT id FROM events WHERE status = 'active'
                    AND (updated_run IN ({marks}) OR created_run IN ({marks}))""",
                [*wanted, *wanted],
            ).fetchall()
        }

    def events_changed_after(self, run_id: int) -> set[int]:
        """Active events that a run after ``run_id`` changed: their grouping, their claims, or an
        article of theirs stored as a new version."""
        return {
            int(r[0])
            for r in self._db.execute(
                """SELECT event_id FROM event_changes WHERE run_id > ? AND event_id IS NOT NULL
                   UNION SELECT event_id FROM claim_changes WHERE run_id > ?
                   UNION SELECT ea.event_id FROM event_articles ea JOIN articles a ON a.id = ea.article_id
                         WHERE a.previous_id IS NOT NULL AND a.run_id > ?
                   UNION SELECT id FROM events WHERE updated_run > ? OR created_run > ?""",
                [run_id] * 5,
            ).fetchall()
        }

    def events_of_articles(self, article_ids: Iterable[int]) -> dict[int, int]:
        """Article id -> id of the active event it belongs to (best linked when several)."""
        wanted = list(dict.fromkeys(int(a) for a in article_ids))
        out: dict[int, int] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            for article_id, event_id in self._db.execute(
                f"""SELECT ea.article_id, ea.event_id FROM event_articles ea
                    JOIN events e ON e.id = ea.event_id AND e.status = 'active'
                    WHERE ea.article_id IN ({",".join("?" * len(chunk))})
                    ORDER BY ea.article_id, COALESCE(ea.similarity, 0) DESC""",
                chunk,
            ).fetchall():
                out.setdefault(int(article_id), int(event_id))
        return out
