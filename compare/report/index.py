"""Build the :class:`~compare.report.model.RunIndex`: the run's events, ordered for a reader.

Order: most outlets first (the widely covered stories), then most disagreement, where
disagreement = claims omitted by outlets that were read + number disagreements + claims told
at a distance ("claimed", "so-called", scare quotes). Counts come from the framing stage's
per-event record; an event the framing stage has not reached counts only its distancing
attributions from the per-passage ``framing`` rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from compare.report import queries as q
from compare.report.model import PRESENCE_OMITS, PRESENCE_SAYS, SCHEMA_VERSION, IndexEntry, RunIndex

if TYPE_CHECKING:
    from compare.store import Store

__all__ = ["build_index"]


def build_index(store: Store, *, run_id: int | None = None, now: datetime | None = None) -> RunIndex:
    """The index of run ``run_id`` (default: the latest finished run): every active event that
    existed by then, flagged ``new`` or ``updated`` when that run created or changed it."""
    run = q.run_info(store, run_id) if run_id is not None else q.current_run(store)
    sql = """SELECT e.id, e.label, e.first_published, e.last_published, e.created_run, e.updated_run,
                    (SELECT COUNT(DISTINCT a.outlet_id) FROM event_articles ea
                       JOIN articles a ON a.id = ea.article_id WHERE ea.event_id = e.id) AS n_outlets,
                    (SELECT COUNT(*) FROM event_articles ea WHERE ea.event_id = e.id) AS n_articles,
                    (SELECT COUNT(*) FROM claims c WHERE c.event_id = e.id) AS n_claims,
                    (SELECT COUNT(*) FROM claims c JOIN claim_passages cp ON cp.claim_id = c.id
                       JOIN framing f ON f.passage_id = cp.passage_id
                       WHERE c.event_id = e.id AND f.attribution = 'distancing') AS distancing_rows
             FROM events e WHERE e.status = 'active'"""
    params: list[Any] = []
    if run is not None and run_id is not None:
        sql += " AND (e.created_run IS NULL OR e.created_run <= ?)"
        params.append(run.id)
    rows = list(store.db.query(sql, params))
    framings = q.event_framing_data(store, [r["id"] for r in rows])
    entries = []
    for row in rows:
        counts = _framing_counts(framings.get(int(row["id"])))
        if counts is not None:
            omissions, numbers, distancing = counts
        else:
            omissions, numbers, distancing = 0, 0, int(row["distancing_rows"])
        new = run is not None and row["created_run"] == run.id
        entries.append(
            IndexEntry(
                event_id=int(row["id"]),
                label=row["label"],
                first_published=row["first_published"],
                last_published=row["last_published"],
                n_outlets=int(row["n_outlets"]),
                n_articles=int(row["n_articles"]),
                n_claims=int(row["n_claims"]),
                omissions=omissions,
                number_disagreements=numbers,
                distancing=distancing,
                disagreement=omissions + numbers + distancing,
                new=new,
                updated=not new and run is not None and row["updated_run"] == run.id,
            )
        )
    entries.sort(key=lambda e: (-e.n_outlets, -e.disagreement, -e.n_claims, e.event_id))
    return RunIndex(
        schema_version=SCHEMA_VERSION,
        generated_at=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
        run=run,
        entries=tuple(entries),
    )


def _framing_counts(data: Mapping[str, Any] | None) -> tuple[int, int, int] | None:
    """Omissions, number disagreements and distancing cells of a stored EventFraming.

    Read from the JSON directly: rebuilding every record of every event only to count three
    things costs seconds on a large store.
    """
    if not isinstance(data, Mapping):
        return None
    try:
        cells = data.get("claims") or []
        omissions = sum(1 for c in cells if c.get("presence") == PRESENCE_OMITS)
        distancing = sum(
            1
            for c in cells
            if c.get("presence") == PRESENCE_SAYS
            and ((c.get("passage") or {}).get("attribution") or {}).get("label") == "distancing"
        )
        return omissions, len(data.get("disagreements") or []), distancing
    except (AttributeError, TypeError):
        return None
