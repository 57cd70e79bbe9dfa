"""The fetch stage against the store: discover + fetch, each result written as it arrives."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from compare.config import Settings
from compare.models import FetchResult, Sources
from compare.store import Store

if TYPE_CHECKING:
    import httpx

    from compare.fetch import Conditional, FetchSummary, Progress

__all__ = ["fetch_into_store"]

log = logging.getLogger(__name__)


def fetch_into_store(
    store: Store,
    sources: Sources,
    *,
    run_id: int,
    settings: Settings,
    outlet_ids: Sequence[str] | None = None,
    urls: Sequence[str] = (),
    transport: httpx.AsyncBaseTransport | None = None,
    progress: Progress | None = None,
    now: Callable[[], datetime] | None = None,
) -> FetchSummary:
    """Fetch what the sources list into the store; a killed run loses at most the URLs in flight.

    What earlier nights learnt (404s, timeouts, 5xx, Retry-After: ``fetch_state`` and
    ``host_state``) is loaded first and written back as each result arrives. ``now`` is the
    clock of the run (a benchmark plays the next night by passing tomorrow).
    """
    from compare.fetch import fetch_sources
    from compare.fetch.memory import FetchMemory

    clock = now or (lambda: datetime.now(UTC))
    store.sync_outlets(sources)
    memory = FetchMemory(*store.fetch_memory(now=clock()))

    def remember() -> None:
        changes = memory.drain()
        if changes:
            store.save_fetch_memory(changes.urls, changes.hosts)

    def known(url: str) -> Conditional | None:
        return _conditional(store, url)

    def on_result(result: FetchResult) -> None:
        if sources.outlet(result.outlet_id) is None:
            store.ensure_outlet(result.outlet_id)
        store.record_fetch(run_id, result)
        remember()

    chosen = list(outlet_ids) if outlet_ids else None
    extra = list(urls)
    if settings.recheck_days > 0 and not (urls and not outlet_ids):
        # Silent edits do not show in feeds: look again (conditionally, so an unchanged page
        # costs a 304) at the articles first seen in the last few days, once they are no longer
        # fresh. Naming the outlets keeps their feeds in the run.
        ids = chosen or [o.id for o in sources.outlets if o.active]
        cutoff = (clock() - timedelta(days=settings.recheck_days)).isoformat(timespec="seconds")
        extra += [u for u in store.recent_article_urls(since=cutoff, outlet_ids=ids) if u not in extra]
        chosen = ids
    summary = fetch_sources(
        sources,
        outlet_ids=chosen,
        extra_urls=extra,
        known=known,
        fresh_for=timedelta(hours=settings.fresh_for_hours),
        on_result=on_result,
        on_discovered=store.record_discovered,
        user_agent=settings.user_agent,
        transport=transport,
        progress=progress,
        memory=memory,
        now=clock,
    )
    remember()  # URLs queued without a result of their own (left for the next run)
    return summary


def _conditional(store: Store, url: str) -> Conditional | None:
    """What the store holds of ``url`` for a conditional GET (validators and age), if anything."""
    from compare.fetch import Conditional

    last = store.last_good_fetch(url)
    if last is None:
        return None
    return Conditional(etag=last.etag, last_modified=last.last_modified,
                       fetched_at=datetime.fromisoformat(last.fetched_at))
