"""Whether an event's view would show something new: a key of everything its view is built from.

A nightly run writes the pages of every active event. Most events did not change since the last
night, and building and rendering their views again is most of a quiet night's cost. The key of an
event digests what :func:`~compare.view.build.build_event_view` reads — the event row, its
articles (id, version, snapshot, reprint link, runs), its claims (id, outlets, central passage,
runs), the framing stage's hashes, every outlet's presence state for the event (so a failed fetch
or a new article in the event's dates changes it), and whether anything changed since the run the
view compares with — and leaves out only the stamp: the run the view is of, when it was
generated, each outlet's fetch counts in its latest run (what presence makes of them is in
the key) and, for an event that did not change since, which earlier run "changed since" compares
with. Two equal keys mean two views that differ only in that stamp.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, replace

from compare.store import ArticleRecord, ClaimRecord, Store
from compare.view.build import PresenceContext, outlet_statuses
from compare.view.model import SCHEMA_VERSION

__all__ = ["PageKeys"]


class PageKeys:
    """The keys of many events' views of one run, sharing what is read once per run."""

    def __init__(self, store: Store, context: PresenceContext) -> None:
        self._store = store
        self._context = context
        run = context.run
        self._since = store.previous_run(run.id) if run is not None else None
        self._changed = store.events_changed_after(self._since.id) if self._since is not None else set()
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
        # An event that changed after the run its view compares with shows those changes; one
        # that did not shows none (or, written by the first run, that there was nothing to
        # compare with), whichever that run was: its page stays.
        changed = self._since is not None and event_id in self._changed
        since: object = self._since.id if changed and self._since is not None else "unchanged"
        parts = {
            "schema": SCHEMA_VERSION,
            "event": asdict(event),
            "since": since,
            "framing": self._framing.get(event_id),
            "articles": [_article_row(a) for a in articles],
            "claims": [_claim_row(c) for c in claims],
            # The counts of an outlet's fetches in its latest run are part of the stamp: they change
            # every night; what presence decides from them (state, reason, pages) is in the key.
            "outlets": [asdict(replace(o, fetch_outcomes=())) for o in outlets],
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
