"""Presence: does an outlet say a claim, omit it, or could we not read it? Decided here, once.

The rule, per event and outlet (:func:`outlet_state`):

1. the outlet has an article in the event → ``covers``;
2. else, a page of the outlet that *could belong to the event* could not be read → ``not_read``,
   with that page's fetch outcome as the reason. A page could belong to the event when its feed
   or sitemap entry's date (if it gave one) falls in the event's window and its title and URL
   words share enough with the event's titles (:func:`could_belong`) — what we knew of the page
   before it failed;
3. else, the event has news of the run being reported and that run could learn of no new
   article of the outlet — every feed, sitemap or homepage fetch of it failed (a site down for
   the night: ``http_error``, ``timeout`` …) or feed discovery found no feed (``no_feed``: its
   feeds are gone) → ``not_read``, with that outcome: the run could not see the outlet's new
   stories, whatever older pages of it fall in the event's dates;
4. else, the outlet was read for the event's dates (it has an article published in the window)
   → ``omits``;
5. else → ``not_read``: ``outside_window`` when it was read but not for these dates, the most
   frequent failed outcome of its latest run when nothing of it was read, ``not_fetched`` when no
   fetch of it is recorded.

A cell (:func:`cell_presence`) is ``says`` when the outlet carries the claim; otherwise it is the
outlet's state: ``omits`` for an outlet that covers the event or omits it, ``not_read`` (with the
same reason) for one that could not be read. So the Outlets table and the claim matrix can never
disagree: the cell is derived from the row.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote, urlsplit

from compare.models import READABLE_OUTCOMES
from compare.store import OutletRecord, PageState
from compare.view.model import (
    OUTLET_COVERS,
    PRESENCE_NOT_READ,
    PRESENCE_OMITS,
    PRESENCE_SAYS,
    OutletStatus,
    UnreadPage,
)
from compare.wordlists import FUNCTION_WORDS

__all__ = [
    "WINDOW_DAYS",
    "EventWindow",
    "cell_presence",
    "could_belong",
    "event_vocabulary",
    "outlet_state",
    "page_words",
]

#: Days added before and after an event's publication span to make its window.
WINDOW_DAYS = 3
#: Words of URLs that say nothing about a story.
_URL_NOISE = frozenset(
    [
        "www",
        "com",
        "org",
        "net",
        "html",
        "htm",
        "php",
        "aspx",
        "amp",
        "index",
        "news",
        "article",
        "articles",
        "story",
        "stories",
        "post",
        "posts",
        "en",
        "ru",
        "az",
        "hy",
        "world",
        "politics",
        "region",
        "regional",
        "latest",
        "live",
        "today",
        "section",
        "category",
        "tag",
        "page",
        "print",
        "view",
        "item",
    ]
)
_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)


@dataclass(frozen=True)
class EventWindow:
    """The span of dates an event's coverage falls in (ISO strings, comparable as text)."""

    start: str
    end: str

    @classmethod
    def around(cls, first: str | None, last: str | None, *, days: int = WINDOW_DAYS) -> EventWindow | None:
        """``[first - days, last + days]``; ``None`` when the event has no dates at all."""
        if not (first or last):
            return None
        lo = _parse(first or last or "")
        hi = _parse(last or first or "")
        if lo is None or hi is None:
            return None
        return cls(_iso(lo - timedelta(days=days)), _iso(hi + timedelta(days=days)))

    def holds(self, when: str | None) -> bool:
        parsed = _parse(when) if when else None
        return parsed is None or self.start <= _iso(parsed) <= self.end


def _parse(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds")


def _words(text: str | None) -> set[str]:
    return {w.lower() for w in _WORD.findall(text or "")} - FUNCTION_WORDS


def event_vocabulary(texts: Iterable[str | None]) -> frozenset[str]:
    """The content words of an event's label and titles: what a page about it would share."""
    out: set[str] = set()
    for text in texts:
        out |= _words(text)
    return frozenset(out)


def page_words(page: PageState) -> set[str]:
    """The content words a page was known by before it was read: its entry's title, its URL path."""
    try:
        path = unquote(urlsplit(page.url).path)
    except ValueError:
        path = ""
    return _words(page.title) | (_words(re.sub(r"[-_/.+]", " ", path)) - _URL_NOISE)


def could_belong(page: PageState, vocabulary: frozenset[str], window: EventWindow | None) -> bool:
    """Whether an unread page could be part of the event.

    Its entry's date, when it gave one, must fall in the window. Then its words decide: two
    shared content words (one when the page is known by at most two), or no words at all — a page
    known only by a number could be about anything of those days, so it counts.
    """
    if window is not None and page.published and not window.holds(page.published):
        return False
    words = page_words(page)
    if not words:
        return True
    shared = len(words & vocabulary)
    return shared >= 2 or (shared >= 1 and len(words) <= 2)


def outlet_state(
    outlet: OutletRecord,
    *,
    n_articles: int,
    tied_pages: Sequence[PageState],
    read_in_window: bool,
    outcomes: Mapping[str, int],
    feeds_lost: str | None = None,
) -> OutletStatus:
    """Where one outlet stands for one event (the rule in this module's docstring)."""
    unread = tuple(UnreadPage(p.url, p.outcome, p.title, p.published) for p in tied_pages)
    reason: str | None = None
    if n_articles:
        state = OUTLET_COVERS
    elif tied_pages:
        state = PRESENCE_NOT_READ
        reason = _most_common(p.outcome for p in tied_pages)
    elif feeds_lost:
        state = PRESENCE_NOT_READ
        reason = feeds_lost
    elif read_in_window:
        state = PRESENCE_OMITS
    else:
        state = PRESENCE_NOT_READ
        failed = {k: v for k, v in outcomes.items() if k not in READABLE_OUTCOMES}
        if any(k in READABLE_OUTCOMES for k in outcomes):
            reason = "outside_window"
        elif failed:
            reason = _most_common(k for k, v in failed.items() for _ in range(v))
        else:
            reason = "not_fetched"
    return OutletStatus(
        id=outlet.id,
        name=outlet.name,
        state=state,
        reason=reason,
        n_articles=n_articles,
        groups=outlet.groups,
        owner=outlet.owner,
        fetch_outcomes=tuple(sorted(outcomes.items(), key=lambda kv: (-kv[1], kv[0]))),
        unread_pages=unread,
    )


def _most_common(values: Iterable[str]) -> str:
    counts = Counter(values)
    return max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0]


def cell_presence(status: OutletStatus, *, carries: bool) -> tuple[str, str | None]:
    """``(presence, reason)`` of one claim × outlet cell, from the outlet's state for the event."""
    if carries:
        return PRESENCE_SAYS, None
    if status.state == PRESENCE_NOT_READ:
        return PRESENCE_NOT_READ, status.reason
    return PRESENCE_OMITS, None
