"""Read-only queries the report builder runs against the store.

The report layer reads the database through ``Store.db`` (the store's own handle) and never
writes. Rows come back as plain dicts; :mod:`compare.report.build` turns them into the report's
dataclasses. Keeping the SQL here keeps the builder about meaning, not columns.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from compare.errors import NotFoundError
from compare.report.model import RunInfo

if TYPE_CHECKING:
    from compare.store import Store

__all__ = [
    "READABLE_OUTCOMES",
    "article_rows",
    "claim_passage_rows",
    "claim_rows",
    "current_run",
    "event_article_rows",
    "event_framing_data",
    "event_row",
    "fetch_outcomes",
    "framing_rows",
    "outlet_rows",
    "passage_rows",
    "previous_run",
    "run_info",
]

#: Fetch outcomes under which an outlet's pages count as read (the framing stage's set).
READABLE_OUTCOMES = frozenset({"ok", "not_modified", "skipped_fresh"})


def _q(store: Store, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    return list(store.db.query(sql, list(params)))


def _in(ids: Iterable[Any]) -> tuple[str, list[Any]]:
    values = list(dict.fromkeys(ids))
    return ",".join("?" * len(values)) or "NULL", values


def _run(row: dict[str, Any]) -> RunInfo:
    return RunInfo(
        id=int(row["id"]),
        command=row["command"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        status=row["status"],
    )


def run_info(store: Store, run_id: int) -> RunInfo:
    """The run with this id; :class:`NotFoundError` when there is none."""
    rows = _q(store, "SELECT * FROM runs WHERE id = ?", [run_id])
    if not rows:
        raise NotFoundError(f"run {run_id} does not exist")
    return _run(rows[0])


def current_run(store: Store) -> RunInfo | None:
    """The run a report is about: the latest finished run, else the latest run, else ``None``."""
    rows = _q(store, "SELECT * FROM runs WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1")
    rows = rows or _q(store, "SELECT * FROM runs ORDER BY id DESC LIMIT 1")
    return _run(rows[0]) if rows else None


def previous_run(store: Store, before: int) -> RunInfo | None:
    """The latest finished run older than run ``before`` (what "since the last run" means)."""
    rows = _q(
        store,
        "SELECT * FROM runs WHERE finished_at IS NOT NULL AND id < ? ORDER BY id DESC LIMIT 1",
        [before],
    )
    return _run(rows[0]) if rows else None


def event_row(store: Store, event_id: int) -> dict[str, Any]:
    rows = _q(store, "SELECT * FROM events WHERE id = ?", [event_id])
    if not rows:
        raise NotFoundError(f"event {event_id} does not exist")
    return rows[0]


def outlet_rows(store: Store) -> dict[str, dict[str, Any]]:
    """Every outlet by id, with ``groups`` and ``ownership`` decoded."""
    out = {}
    for row in _q(store, "SELECT * FROM outlets ORDER BY id"):
        row["groups"] = tuple(json.loads(row["groups"] or "[]"))
        row["ownership"] = json.loads(row["ownership"]) if row["ownership"] else None
        out[row["id"]] = row
    return out


_ARTICLE_COLUMNS = """a.id, a.outlet_id, a.url, a.version, a.previous_id, a.changes, a.title,
    a.published_at, a.text, a.snapshot_sha256, a.reprint_of, a.run_id, a.first_seen,
    s.fetched_at AS snapshot_fetched_at, s.url AS snapshot_url, s.final_url AS snapshot_final_url"""


def event_article_rows(store: Store, event_id: int) -> list[dict[str, Any]]:
    """The event's articles with their snapshot's fetch time; ``linked_run`` is when each joined."""
    return _q(
        store,
        f"""SELECT {_ARTICLE_COLUMNS}, COALESCE(ea.run_id, a.run_id) AS linked_run,
                   ea.similarity AS event_similarity
            FROM event_articles ea JOIN articles a ON a.id = ea.article_id
            LEFT JOIN snapshots s ON s.sha256 = a.snapshot_sha256
            WHERE ea.event_id = ? ORDER BY COALESCE(a.published_at, a.first_seen), a.id""",
        [event_id],
    )


def article_rows(store: Store, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    marks, values = _in(ids)
    rows = _q(
        store,
        f"""SELECT {_ARTICLE_COLUMNS} FROM articles a
            LEFT JOIN snapshots s ON s.sha256 = a.snapshot_sha256 WHERE a.id IN ({marks})""",
        values,
    )
    return {int(r["id"]): r for r in rows}


def claim_rows(store: Store, event_id: int) -> list[dict[str, Any]]:
    """The event's claims, widest first, with the central passage's text and article."""
    return _q(
        store,
        """SELECT c.*, p.text AS central_text, p.article_id AS central_article, p.idx AS central_idx
           FROM claims c LEFT JOIN passages p ON p.id = c.central_passage_id
           WHERE c.event_id = ? ORDER BY c.n_outlets DESC, c.id""",
        [event_id],
    )


def claim_passage_rows(store: Store, event_id: int) -> list[dict[str, Any]]:
    """Every passage aligned to a claim of the event, with the article it belongs to."""
    return _q(
        store,
        """SELECT cp.claim_id, cp.passage_id, cp.similarity, cp.reprint, p.article_id, p.idx,
                  p.start, p."end" AS "end", p.kind, p.text, a.outlet_id
           FROM claim_passages cp JOIN claims c ON c.id = cp.claim_id
           JOIN passages p ON p.id = cp.passage_id JOIN articles a ON a.id = p.article_id
           WHERE c.event_id = ? ORDER BY cp.claim_id, cp.similarity DESC""",
        [event_id],
    )


def passage_rows(store: Store, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], dict[str, Any]]:
    """Passages by ``(article id, passage index)``."""
    wanted = set(keys)
    marks, values = _in(a for a, _ in wanted)
    rows = _q(
        store,
        f'SELECT id, article_id, idx, start, "end", kind, text FROM passages WHERE article_id IN ({marks})',
        values,
    )
    return {
        (int(r["article_id"]), int(r["idx"])): r
        for r in rows
        if (int(r["article_id"]), int(r["idx"])) in wanted
    }


def framing_rows(store: Store, passage_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The framing stage's per-passage rows, by passage id."""
    marks, values = _in(passage_ids)
    rows = _q(
        store,
        "SELECT passage_id, attribution, speaker, prominence, data FROM framing"
        f" WHERE passage_id IN ({marks})",
        values,
    )
    return {int(r["passage_id"]): r for r in rows}


def event_framing_data(store: Store, event_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The stored EventFraming JSON per event (decoded, not yet rebuilt)."""
    marks, values = _in(event_ids)
    rows = _q(store, f"SELECT event_id, data FROM event_framing WHERE event_id IN ({marks})", values)
    return {int(r["event_id"]): json.loads(r["data"]) for r in rows}


def fetch_outcomes(store: Store, *, up_to_run: int | None) -> dict[str, dict[str, int]]:
    """Per outlet, outcome counts of its fetches in its latest run at or before ``up_to_run``.

    Article fetches only, when the outlet has any in that run: a feed that loads while every
    article page is blocked leaves the outlet unread. Otherwise all its fetches (feeds, sitemaps).
    """
    limit = "" if up_to_run is None else "WHERE run_id <= ?"
    params: list[Any] = [] if up_to_run is None else [up_to_run]
    rows = _q(
        store,
        f"""SELECT f.outlet_id, f.kind, f.outcome, COUNT(*) AS n FROM fetch_log f
            JOIN (SELECT outlet_id, MAX(run_id) AS run_id FROM fetch_log {limit} GROUP BY outlet_id) last
              ON last.outlet_id = f.outlet_id AND last.run_id = f.run_id
            GROUP BY f.outlet_id, f.kind, f.outcome""",
        params,
    )
    every: dict[str, dict[str, int]] = {}
    articles: dict[str, dict[str, int]] = {}
    for row in rows:
        for table in (every, articles) if row["kind"] == "article" else (every,):
            counts = table.setdefault(row["outlet_id"], {})
            counts[row["outcome"]] = counts.get(row["outcome"], 0) + int(row["n"])
    return {outlet: articles.get(outlet, counts) for outlet, counts in every.items()}
