"""What the web service reads from the store, as frozen dataclasses (also its API's JSON shapes).

Every function takes an open :class:`~compare.store.Store` and only reads. Unknown ids raise
:class:`~compare.errors.NotFoundError`; lists are paginated by ``limit``/``offset``.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from compare.errors import NotFoundError
from compare.query import ClaimMatch, claim_matches
from compare.store import Store

__all__ = [
    "ArticleRef",
    "ClaimDetail",
    "EventDetail",
    "EventPage",
    "EventSummary",
    "LedgerEntry",
    "OutletDetail",
    "OutletSummary",
    "RunHealth",
    "RunPage",
    "RunSummary",
    "claim_detail",
    "event_detail",
    "list_events",
    "list_outlets",
    "list_runs",
    "outlet_detail",
]


@dataclass(frozen=True)
class EventSummary:
    id: int
    label: str | None
    first_published: str | None
    last_published: str | None
    n_outlets: int
    n_articles: int
    n_claims: int


@dataclass(frozen=True)
class EventPage:
    items: tuple[EventSummary, ...]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True)
class ArticleRef:
    id: int
    outlet_id: str
    title: str | None
    url: str | None
    published_at: str | None


@dataclass(frozen=True)
class EventDetail:
    """An event: its articles and every claim with each outlet's sentence side by side."""

    id: int
    label: str | None
    status: str
    first_published: str | None
    last_published: str | None
    outlets: tuple[str, ...]
    articles: tuple[ArticleRef, ...]
    claims: tuple[ClaimMatch, ...]
    total_claims: int
    limit: int
    offset: int


@dataclass(frozen=True)
class ClaimDetail:
    event_id: int
    event_label: str | None
    claim: ClaimMatch


@dataclass(frozen=True)
class RunHealth:
    """How one run went for one outlet: fetch outcomes counted."""

    run_id: int
    started_at: str
    status: str
    outcomes: dict[str, int]
    fetched: int
    ok: int


@dataclass(frozen=True)
class LedgerEntry:
    """How often an outlet used one name (``term``) for a concept."""

    concept: str
    term: str
    count: int


@dataclass(frozen=True)
class OutletSummary:
    id: str
    name: str
    homepage: str | None
    country: str | None
    language: str | None
    groups: tuple[str, ...]
    articles: int
    last_run_ok: int | None
    last_run_fetched: int | None


@dataclass(frozen=True)
class OutletDetail:
    outlet: OutletSummary
    health: tuple[RunHealth, ...]
    ledger: tuple[LedgerEntry, ...]


@dataclass(frozen=True)
class RunSummary:
    id: int
    command: str
    started_at: str
    finished_at: str | None
    status: str
    counts: dict[str, Any]
    timings: dict[str, float]
    failures: int


@dataclass(frozen=True)
class RunPage:
    items: tuple[RunSummary, ...]
    total: int
    limit: int
    offset: int


def _loads(value: Any, default: Any) -> Any:
    try:
        out = json.loads(value) if value else default
    except (TypeError, ValueError):
        return default
    return out if isinstance(out, type(default)) else default


def _count(store: Store, sql: str, params: list[Any] | None = None) -> int:
    return int(store.db.execute(sql, params or []).fetchone()[0])


# --------------------------------------------------------------------------------------------
# Events and claims
# --------------------------------------------------------------------------------------------


def list_events(store: Store, *, limit: int = 20, offset: int = 0) -> EventPage:
    """Active events, most recently published first."""
    rows = store.db.query(
        """SELECT e.id, e.label, e.first_published, e.last_published,
                  (SELECT COUNT(DISTINCT a.outlet_id) FROM event_articles ea
                     JOIN articles a ON a.id = ea.article_id WHERE ea.event_id = e.id) AS n_outlets,
                  (SELECT COUNT(*) FROM event_articles ea WHERE ea.event_id = e.id) AS n_articles,
                  (SELECT COUNT(*) FROM claims c WHERE c.event_id = e.id) AS n_claims
           FROM events e WHERE e.status = 'active'
           ORDER BY COALESCE(e.last_published, '') DESC, e.id DESC LIMIT ? OFFSET ?""",
        [limit, offset],
    )
    items = tuple(
        EventSummary(
            id=int(r["id"]),
            label=r["label"],
            first_published=r["first_published"],
            last_published=r["last_published"],
            n_outlets=int(r["n_outlets"]),
            n_articles=int(r["n_articles"]),
            n_claims=int(r["n_claims"]),
        )
        for r in rows
    )
    total = _count(store, "SELECT COUNT(*) FROM events WHERE status = 'active'")
    return EventPage(items=items, total=total, limit=limit, offset=offset)


def _event_row(store: Store, event_id: int) -> dict[str, Any]:
    rows = list(store.db.query("SELECT * FROM events WHERE id = ?", [event_id]))
    if not rows:
        raise NotFoundError(f"no event {event_id}")
    return rows[0]


def event_detail(store: Store, event_id: int, *, limit: int = 50, offset: int = 0) -> EventDetail:
    """An event with its articles and claims (largest claims first, paginated)."""
    event = _event_row(store, event_id)
    articles = tuple(
        ArticleRef(
            id=int(r["id"]),
            outlet_id=str(r["outlet_id"]),
            title=r["title"],
            url=r["url"],
            published_at=r["published_at"],
        )
        for r in store.db.query(
            """SELECT a.id, a.outlet_id, a.title, a.url, a.published_at FROM event_articles ea
               JOIN articles a ON a.id = ea.article_id WHERE ea.event_id = ?
               ORDER BY a.outlet_id, a.published_at""",
            [event_id],
        )
    )
    claim_ids = [
        int(r[0])
        for r in store.db.execute(
            "SELECT id FROM claims WHERE event_id = ? ORDER BY n_outlets DESC, id LIMIT ? OFFSET ?",
            [event_id, limit, offset],
        ).fetchall()
    ]
    claims = claim_matches(store, claim_ids)
    return EventDetail(
        id=int(event["id"]),
        label=event["label"],
        status=str(event["status"]),
        first_published=event["first_published"],
        last_published=event["last_published"],
        outlets=tuple(dict.fromkeys(a.outlet_id for a in articles)),
        articles=articles,
        claims=tuple(claims[c] for c in claim_ids if c in claims),
        total_claims=_count(store, "SELECT COUNT(*) FROM claims WHERE event_id = ?", [event_id]),
        limit=limit,
        offset=offset,
    )


def claim_detail(store: Store, claim_id: int) -> ClaimDetail:
    """One claim with every outlet's sentence."""
    row = store.db.execute(
        "SELECT c.event_id, e.label FROM claims c JOIN events e ON e.id = c.event_id WHERE c.id = ?",
        [claim_id],
    ).fetchone()
    found = claim_matches(store, [claim_id])
    if row is None or claim_id not in found:
        raise NotFoundError(f"no claim {claim_id}")
    return ClaimDetail(event_id=int(row[0]), event_label=row[1], claim=found[claim_id])


# --------------------------------------------------------------------------------------------
# Outlets and runs
# --------------------------------------------------------------------------------------------


def _outlet_summaries(store: Store, where: str = "", params: list[Any] | None = None) -> list[OutletSummary]:
    last = store.db.execute("SELECT MAX(run_id) FROM fetch_log").fetchone()[0]
    last_counts: dict[str, tuple[int, int]] = {}
    if last is not None:
        for outlet, fetched, ok in store.db.execute(
            """SELECT outlet_id, COUNT(*), SUM(outcome IN ('ok', 'not_modified'))
               FROM fetch_log WHERE run_id = ? GROUP BY outlet_id""",
            [last],
        ).fetchall():
            last_counts[str(outlet)] = (int(fetched), int(ok or 0))
    article_counts = dict(
        store.db.execute(
            """SELECT outlet_id, COUNT(*) FROM articles a
               WHERE a.version = (SELECT MAX(b.version) FROM articles b WHERE b.url = a.url)
               GROUP BY outlet_id"""
        ).fetchall()
    )
    out = []
    for r in store.db.query(f"SELECT * FROM outlets {where} ORDER BY id", params or []):
        fetched_ok = last_counts.get(str(r["id"]))
        out.append(
            OutletSummary(
                id=str(r["id"]),
                name=str(r["name"]),
                homepage=r["homepage"],
                country=r["country"],
                language=r["language"],
                groups=tuple(str(g) for g in _loads(r["groups"], [])),
                articles=int(article_counts.get(r["id"], 0)),
                last_run_fetched=fetched_ok[0] if fetched_ok else None,
                last_run_ok=fetched_ok[1] if fetched_ok else None,
            )
        )
    return out


def list_outlets(store: Store) -> tuple[OutletSummary, ...]:
    """Every outlet with its article count and how the last run's fetches went."""
    return tuple(_outlet_summaries(store))


def outlet_detail(store: Store, outlet_id: str, *, runs: int = 30) -> OutletDetail:
    """An outlet's coverage health over its last ``runs`` runs and its label ledger."""
    found = _outlet_summaries(store, "WHERE id = ?", [outlet_id])
    if not found:
        raise NotFoundError(f"no outlet {outlet_id!r}")
    per_run: dict[int, Counter[str]] = defaultdict(Counter)
    for run_id, outcome, n in store.db.execute(
        """SELECT run_id, outcome, COUNT(*) FROM fetch_log WHERE outlet_id = ?
           AND run_id IN (SELECT DISTINCT run_id FROM fetch_log WHERE outlet_id = ?
                          ORDER BY run_id DESC LIMIT ?)
           GROUP BY run_id, outcome""",
        [outlet_id, outlet_id, runs],
    ).fetchall():
        per_run[int(run_id)][str(outcome)] = int(n)
    run_rows = {
        int(r["id"]): r
        for r in store.db.query(
            f"SELECT id, started_at, status FROM runs WHERE id IN ({','.join('?' * len(per_run)) or 'NULL'})",
            list(per_run),
        )
    }
    health = tuple(
        RunHealth(
            run_id=run_id,
            started_at=str(run_rows[run_id]["started_at"]) if run_id in run_rows else "",
            status=str(run_rows[run_id]["status"]) if run_id in run_rows else "unknown",
            outcomes=dict(sorted(counts.items())),
            fetched=sum(counts.values()),
            ok=counts.get("ok", 0) + counts.get("not_modified", 0),
        )
        for run_id, counts in sorted(per_run.items(), reverse=True)
    )
    ledger: Counter[tuple[str, str]] = Counter()
    for (labels,) in store.db.execute(
        """SELECT f.labels FROM framing f JOIN passages p ON p.id = f.passage_id
           JOIN articles a ON a.id = p.article_id WHERE a.outlet_id = ?""",
        [outlet_id],
    ).fetchall():
        for item in _loads(labels, []):
            if isinstance(item, dict) and item.get("term"):
                ledger[(str(item.get("concept") or ""), str(item["term"]))] += 1
    entries = tuple(
        LedgerEntry(concept=c, term=t, count=n)
        for (c, t), n in sorted(ledger.items(), key=lambda x: (x[0][0], -x[1]))
    )
    return OutletDetail(outlet=found[0], health=health, ledger=entries)


def list_runs(store: Store, *, limit: int = 20, offset: int = 0) -> RunPage:
    """Runs, newest first."""
    items = []
    for r in store.db.query("SELECT * FROM runs ORDER BY id DESC LIMIT ? OFFSET ?", [limit, offset]):
        timings = _loads(r["timings"], {})
        items.append(
            RunSummary(
                id=int(r["id"]),
                command=str(r["command"]),
                started_at=str(r["started_at"]),
                finished_at=r["finished_at"],
                status=str(r["status"]),
                counts=_loads(r["counts"], {}),
                timings={str(k): float(v) for k, v in timings.items() if isinstance(v, int | float)},
                failures=len(_loads(r["failures"], [])),
            )
        )
    total = _count(store, "SELECT COUNT(*) FROM runs")
    return RunPage(items=tuple(items), total=total, limit=limit, offset=offset)
