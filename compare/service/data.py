"""What the web service shows, as frozen dataclasses (also its API's JSON shapes).

An event is shown as its :class:`~compare.view.EventView` (the same one the reports render); a
claim as its row of that view. Lists of events, outlets and runs come from the store's records.
Every function takes an open :class:`~compare.store.Store` and only reads. Unknown ids raise
:class:`~compare.errors.NotFoundError`; lists are paginated by ``limit``/``offset``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from compare.errors import NotFoundError
from compare.models import READABLE_OUTCOMES
from compare.store import Store
from compare.view import EventView, build_event_view
from compare.view.model import ClaimRow, OutletStatus

__all__ = [
    "ClaimDetail",
    "EventPage",
    "EventSummary",
    "LedgerEntry",
    "OutletDetail",
    "OutletSummary",
    "RunHealth",
    "RunPage",
    "RunSummary",
    "claim_detail",
    "event_view",
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
class ClaimDetail:
    """One claim: its row of the event's view (every outlet's cell) and the outlets' statuses."""

    event_id: int
    event_label: str | None
    claim: ClaimRow
    outlets: tuple[OutletStatus, ...]


@dataclass(frozen=True)
class RunHealth:
    """How one run went for one outlet: fetch outcomes counted."""

    run_id: int
    started_at: str
    status: str
    outcomes: dict[str, int]
    fetched: int
    ok: int
    discovery: str | None = None
    """Why the run discovered this outlet's feeds from its homepage (its configured feeds
    failed, or it has none), and what it found: ``None`` when it read the configured feeds."""


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


def list_events(store: Store, *, limit: int = 20, offset: int = 0) -> EventPage:
    """Active events, most recently published first."""
    items = tuple(
        EventSummary(
            id=e.event.id,
            label=e.event.label,
            first_published=e.event.first_published,
            last_published=e.event.last_published,
            n_outlets=e.n_outlets,
            n_articles=e.n_articles,
            n_claims=e.n_claims,
        )
        for e in store.event_summaries(order="recent", limit=limit, offset=offset)
    )
    return EventPage(items=items, total=store.count_events(), limit=limit, offset=offset)


def event_view(store: Store, event_id: int, *, limit: int | None = None, offset: int = 0) -> EventView:
    """The event's view, with one page of its claims when ``limit`` is given."""
    view = build_event_view(store, event_id)
    if limit is None:
        return view
    return replace(view, claims=view.claims[offset : offset + limit])


def claim_detail(store: Store, claim_id: int) -> ClaimDetail:
    """One claim with every outlet's cell, from its event's view."""
    claim = store.claim(claim_id)
    if claim is None:
        raise NotFoundError(f"no claim {claim_id}")
    if claim.status != "active":
        raise NotFoundError(
            f"claim {claim_id} no longer stands: its sentences now belong to other claims of event "
            f"{claim.event_id} (/events/{claim.event_id})"
        )
    view = build_event_view(store, claim.event_id, claim_ids={claim_id})
    row = view.claim(claim_id)
    if row is None:
        raise NotFoundError(f"no claim {claim_id}")
    return ClaimDetail(event_id=view.event.id, event_label=view.event.label, claim=row, outlets=view.outlets)


# --------------------------------------------------------------------------------------------
# Outlets and runs
# --------------------------------------------------------------------------------------------


def _outlet_summaries(store: Store, only: str | None = None) -> list[OutletSummary]:
    last = store.last_fetch_run_counts()
    articles = store.current_article_counts()
    outlets = [o for o in store.outlets() if only is None or o.id == only]
    return [
        OutletSummary(
            id=o.id,
            name=o.name,
            homepage=o.homepage,
            country=o.country,
            language=o.language,
            groups=o.groups,
            articles=articles.get(o.id, 0),
            last_run_fetched=last[o.id][0] if o.id in last else None,
            last_run_ok=last[o.id][1] if o.id in last else None,
        )
        for o in outlets
    ]


def list_outlets(store: Store) -> tuple[OutletSummary, ...]:
    """Every outlet with its article count and how the last run's fetches went."""
    return tuple(_outlet_summaries(store))


def _discovery(counts: Mapping[str, Any] | None, outlet_id: str) -> str | None:
    """``"<why>: <feeds found>"`` when the run discovered the outlet's feeds (run counts)."""
    fetch = (counts or {}).get("fetch")
    entry = fetch.get(outlet_id) if isinstance(fetch, Mapping) else None
    if not isinstance(entry, Mapping) or not entry.get("discovery"):
        return None
    found = ", ".join(str(u) for u in entry.get("discovered_feeds") or ()) or "no working feed"
    return f"{entry['discovery']}: {found}"


def outlet_detail(store: Store, outlet_id: str, *, runs: int = 30) -> OutletDetail:
    """An outlet's coverage health over its last ``runs`` runs and its label ledger."""
    found = _outlet_summaries(store, outlet_id)
    if not found:
        raise NotFoundError(f"no outlet {outlet_id!r}")
    per_run = store.outlet_run_outcomes(outlet_id, runs=runs)
    started, status, discovery = {}, {}, {}
    for run_id in per_run:
        record = store.run(run_id)
        started[run_id] = record.started_at if record else ""
        status[run_id] = record.status if record else "unknown"
        discovery[run_id] = _discovery(record.counts if record else None, outlet_id)
    health = tuple(
        RunHealth(
            run_id=run_id,
            started_at=started[run_id],
            status=status[run_id],
            outcomes=dict(sorted(counts.items())),
            fetched=sum(counts.values()),
            ok=sum(n for k, n in counts.items() if k in READABLE_OUTCOMES),
            discovery=discovery[run_id],
        )
        for run_id, counts in sorted(per_run.items(), reverse=True)
    )
    ledger = store.outlet_label_counts(outlet_id)
    entries = tuple(
        LedgerEntry(concept=c, term=t, count=n)
        for (c, t), n in sorted(ledger.items(), key=lambda x: (x[0][0], -x[1]))
    )
    return OutletDetail(outlet=found[0], health=health, ledger=entries)


def list_runs(store: Store, *, limit: int = 20, offset: int = 0) -> RunPage:
    """Runs, newest first."""
    items = tuple(
        RunSummary(
            id=r.id,
            command=r.command,
            started_at=r.started_at,
            finished_at=r.finished_at,
            status=r.status,
            counts=r.counts,
            timings=r.timings,
            failures=len(r.failures),
        )
        for r in store.runs(limit=limit, offset=offset)
    )
    return RunPage(items=items, total=store.count_runs(), limit=limit, offset=offset)
