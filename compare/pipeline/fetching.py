"""The fetch stage against the store: discover + fetch, each result written as it arrives."""

from __future__ import annotations

import logging
from collections.abc import Sequence
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
) -> FetchSummary:
    """Fetch what the sources list into the store; a killed run loses at most the URLs in flight."""
    from compare.fetch import Conditional, fetch_sources

    store.sync_outlets(sources)

    def known(url: str) -> Conditional | None:
        last = store.last_good_fetch(url)
        if last is None:
            return None
        return Conditional(
            etag=last.etag,
            last_modified=last.last_modified,
            fetched_at=datetime.fromisoformat(last.fetched_at),
        )

    def on_result(result: FetchResult) -> None:
        if sources.outlet(result.outlet_id) is None:
            store.ensure_outlet(result.outlet_id)
        store.record_fetch(run_id, result)

    chosen = list(outlet_ids) if outlet_ids else None
    extra = list(urls)
    if settings.recheck_days > 0 and not (urls and not outlet_ids):
        # Silent edits do not show in feeds: look again (conditionally, so an unchanged page
        # costs a 304) at the articles first seen in the last few days, once they are no longer
        # fresh. Naming the outlets keeps their feeds in the run.
        ids = chosen or [o.id for o in sources.outlets if o.active]
        cutoff = (datetime.now(UTC) - timedelta(days=settings.recheck_days)).isoformat(timespec="seconds")
        extra += [u for u in store.recent_article_urls(since=cutoff, outlet_ids=ids) if u not in extra]
        chosen = ids
    return fetch_sources(
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
    )
