"""Build the :class:`~compare.view.model.RunIndex`: the run's events, ordered for a reader.

Order: most outlets first (the widely covered stories), then most disagreement, where
disagreement = claim cells an outlet that was read leaves out + number disagreements + claims
told at a distance ("claimed", "so-called", scare quotes). Omissions are counted with the same
presence rule as the event views (:mod:`compare.view.presence`), so the index and the events agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from compare.errors import NotFoundError
from compare.store import Store
from compare.view.build import PresenceContext, outlet_statuses, run_info
from compare.view.model import PRESENCE_SAYS, SCHEMA_VERSION, IndexEntry, RunIndex

__all__ = ["build_index"]


def build_index(
    store: Store,
    *,
    run_id: int | None = None,
    now: datetime | None = None,
    context: PresenceContext | None = None,
) -> RunIndex:
    """The index of run ``run_id`` (default: the latest finished run): every active event that
    existed by then, flagged ``new`` or ``updated`` when that run created or changed it."""
    run = store.run(run_id) if run_id is not None else store.current_run()
    if run_id is not None and run is None:
        raise NotFoundError(f"run {run_id} does not exist")
    context = context or PresenceContext.load(store, run=run)
    summaries = store.event_summaries(created_by=run.id if run_id is not None and run else None)
    framings = store.event_framing(s.event.id for s in summaries)
    entries = []
    for summary in summaries:
        event = summary.event
        outlets = outlet_statuses(store, context, event, store.event_articles(event.id))
        read = {o.id for o in outlets if o.read}
        omissions = sum(len(read - set(c.outlets)) for c in store.claims_of(event.id))
        numbers, distancing = _framing_counts(framings.get(event.id))
        new = run is not None and event.created_run == run.id
        entries.append(
            IndexEntry(
                event_id=event.id,
                label=event.label,
                first_published=event.first_published,
                last_published=event.last_published,
                n_outlets=summary.n_outlets,
                n_articles=summary.n_articles,
                n_claims=summary.n_claims,
                omissions=omissions,
                number_disagreements=numbers,
                distancing=distancing,
                disagreement=omissions + numbers + distancing,
                new=new,
                updated=not new and run is not None and event.updated_run == run.id,
            )
        )
    entries.sort(key=lambda e: (-e.n_outlets, -e.disagreement, -e.n_claims, e.event_id))
    return RunIndex(
        schema_version=SCHEMA_VERSION,
        generated_at=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
        run=run_info(run),
        entries=tuple(entries),
    )


def _framing_counts(data: Mapping[str, Any] | None) -> tuple[int, int]:
    """Number disagreements and distancing cells of a stored EventFraming.

    Read from the JSON directly: rebuilding every record of every event only to count two things
    costs seconds on a large store.
    """
    if not isinstance(data, Mapping):
        return 0, 0
    try:
        distancing = sum(
            1
            for c in data.get("claims") or []
            if c.get("presence") == PRESENCE_SAYS
            and ((c.get("passage") or {}).get("attribution") or {}).get("label") == "distancing"
        )
        return len(data.get("disagreements") or []), distancing
    except (AttributeError, TypeError):
        return 0, 0
