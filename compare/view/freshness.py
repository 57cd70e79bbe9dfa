"""Whether an event's view would show something new: a key of everything its view is built from.

A nightly run writes the pages of every active event. Most events did not change since the last
night, and building and rendering their views again is most of a quiet night's cost. The key of an
event digests what :func:`~compare.view.build.build_event_view` reads of the event itself — the
event row, its articles (id, version, snapshot, reprint link, runs), its claims (id, outlets,
central passage, runs), the framing stage's hashes — and every outlet's presence state for the
event (so a page of it that could not be read, or an article of another outlet read in its
dates, changes it). It leaves out what belongs to the run a view is of: the run, when the view
was generated, each outlet's fetch counts in its latest run (what presence makes of them is in
the key), and what changed in that run. Two equal keys mean that nothing the event's page shows
of the event changed: the page of an earlier run is still its page, as the report of that run.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict

from compare.plain import plain
from compare.store import ArticleRecord, ClaimRecord, Store
from compare.view.build import PresenceContext, outlet_statuses
from compare.view.model import SCHEMA_VERSION

__all__ = ["PageKeys"]


class PageKeys:
    """The keys of many events' views of one run, sharing what is read once per run."""

    def __init__(self, store: Store, context: PresenceContext) -> None:
        self._store = store
        self._context = context
        self._framing = store.event_framing_hashes()

    def key(self, event_id: int) -> str | None:
        """The key of event ``event_id``'s view; ``None`` when the event does not exist."""
        store = self._store
        event = store.event(event_id)
        if event is None:
            return None
        articles = store.event_articles(event_id)
        outlets = outlet_statuses(store, self._context, event, articles)
        claims = store.claims_of(event_id)
        parts = {
            "schema": SCHEMA_VERSION,
            "event": asdict(event),
            "framing": self._framing.get(event_id),
            "articles": [_article_row(a) for a in articles],
            "claims": [_claim_row(c) for c in claims],
            # The counts of an outlet's fetches in its latest run are part of the stamp: they change
            # every night; what presence decides from them (state, reason, pages) is in the key.
            "outlets": [{**plain(o), "fetch_outcomes": []} for o in outlets],
        }
        text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def _article_row(a: ArticleRecord) -> tuple[object, ...]:
    """What the view shows of an article, its text aside (a new text is a new version)."""
    return (
        a.id, a.version, a.title, a.url, a.published_at, a.snapshot_sha256, a.snapshot_fetched_at,
        a.reprint_of, a.previous_id, a.run_id, a.linked_run, a.outlet_id, a.language, a.event_similarity,
    )  # fmt: skip


def _claim_row(c: ClaimRecord) -> tuple[object, ...]:
    return (
        c.id, c.status, c.outlets, c.central_passage_id, c.n_outlets, c.is_unique, c.created_run,
        c.updated_run,
    )  # fmt: skip
