"""Which of an outlet's feeds to read: each probed feed's verdict, and the ones chosen.

A feed is *usable* when it answered, parsed, lists at least one item, is not a comments feed
and is not in another language than the outlet's. Usable feeds are ranked by:

1. kind: RSS/Atom feeds and news sitemaps before full sitemaps (which list every page the site
   ever had, newest or not);
2. language: the outlet's declared language before a feed that does not say;
3. recency of the newest item: within :data:`FRESH_DAYS` days, then within :data:`STALE_DAYS`,
   then older (a feed left behind by a redesign often still answers, years out of date);
4. where it came from: the outlet's own configuration, then a link the site gives, then
   robots.txt, then a guessed path;
5. item count.

The choice (:attr:`Finding.chosen`) is the best RSS/Atom feed and the best news sitemap, or
the best full sitemap when there is neither. A feed reached through permanent redirects
(301/308) is chosen at the address it moved to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from compare.models import Discovered, FetchResult

__all__ = ["FRESH_DAYS", "STALE_DAYS", "FeedCandidate", "FeedProbe", "Finding", "feed_is_missing",
           "rank"]

#: A newest item at most this many days old makes a feed fresh.
FRESH_DAYS = 3
#: A newest item older than this makes a feed stale.
STALE_DAYS = 30
#: Feed failures that say the feed is not (or no longer) where the file says, so that looking
#: elsewhere may help. A host that is down, blocks us or is struggling (5xx, 429, timeouts) is
#: not asked for more, and its feed is not given up.
_MISSING = frozenset({"not_html", "redirect_loop", "invalid_url", "robots_disallowed"})
_ORIGINS = {"configured": 3, "link": 2, "robots": 1, "guess": 0}
_FEED_KINDS = ("rss", "atom")


@dataclass(frozen=True)
class FeedCandidate:
    """A URL that may be a feed, and why it is tried."""

    url: str
    origin: str
    """``configured`` (sources file), ``link`` (the site's pages), ``robots`` (a ``Sitemap:``
    line), ``guess`` (a common CMS path)."""
    title: str | None = None
    language: str | None = None
    """What the link said (``hreflang``) or the linking page's ``<html lang>``."""
    kind: str | None = None
    """The configured kind, for configured feeds."""
    section: str | None = None


@dataclass(frozen=True)
class FeedProbe:
    """One candidate, fetched and read."""

    candidate: FeedCandidate
    outcome: str
    http_status: int | None = None
    moved_to: str | None = None
    error: str | None = None
    kind: str | None = None
    """What it turned out to be: ``rss``, ``atom``, ``news-sitemap``, ``sitemap``."""
    items: int = 0
    newest: datetime | None = None
    language: str | None = None
    title: str | None = None
    index: bool = False
    """A sitemap index (its first children were read)."""
    articles: tuple[Discovered, ...] = ()
    results: tuple[FetchResult, ...] = ()
    """The fetch results of the probe: the feed's own, then a sitemap index's children."""
    verdict: str = ""
    chosen: bool = False

    @property
    def url(self) -> str:
        """Where the feed lives: the address a permanent redirect moved it to, else the URL tried."""
        return self.moved_to or self.candidate.url

    @property
    def comments(self) -> bool:
        """A comments feed (WordPress ``/comments/feed/``, "Comments for …", ``#comment-`` links)."""
        path = self.url.lower()
        title = (self.title or self.candidate.title or "").lower()
        if "/comments/" in path or "comments/feed" in path or title.startswith("comments"):
            return True
        if " comments feed" in title or "comments for" in title:
            return True
        links = [a.url for a in self.articles]
        return bool(links) and sum("#comment" in u for u in links) * 2 > len(links)

    @property
    def works(self) -> bool:
        return self.outcome == "ok" and self.kind is not None and self.items > 0


@dataclass(frozen=True)
class Finding:
    """Every probe of one outlet, with verdicts, and the feeds chosen to read."""

    outlet_id: str = ""
    probes: tuple[FeedProbe, ...] = ()
    discovered: bool = True
    """Discovery ran (False: a configured feed worked, nothing else was asked)."""
    home: FetchResult | None = None
    """The homepage's fetch, when it was read."""

    @property
    def chosen(self) -> tuple[FeedProbe, ...]:
        return tuple(p for p in self.probes if p.chosen)

    @property
    def found_feed(self) -> bool:
        """Some RSS/Atom feed or news sitemap is chosen (discovery can stop looking)."""
        return any(p.kind in (*_FEED_KINDS, "news-sitemap") for p in self.chosen)

    @property
    def ok(self) -> bool:
        return bool(self.chosen)


def feed_is_missing(outcome: str, status: int | None) -> bool:
    """The feed is not where it was looked for: a 4xx (but 429), HTML instead of a feed, a
    redirect loop, a bad URL, or robots.txt disallowing it."""
    if outcome == "http_error":
        return status is not None and 400 <= status < 500 and status != 429
    return outcome in _MISSING


def _primary(language: str | None) -> str | None:
    if not language:
        return None
    return language.replace("_", "-").split("-")[0].strip().lower() or None


def _age_rank(newest: datetime | None, now: datetime) -> int:
    if newest is None:
        return 1
    age = now - newest
    if age <= timedelta(days=FRESH_DAYS):
        return 3
    return 2 if age <= timedelta(days=STALE_DAYS) else 0


def _verdict(probe: FeedProbe, declared: str, now: datetime) -> tuple[str, bool]:
    """The probe's verdict and whether it is usable."""
    if probe.outcome != "ok":
        status = f" {probe.http_status}" if probe.http_status else ""
        return f"failed: {probe.outcome}{status}", False
    if probe.kind is None:
        return "not a feed", False
    if probe.items == 0:
        return "empty", False
    if probe.comments:
        return "comments feed", False
    seen = _primary(probe.language)
    if seen is not None and seen != _primary(declared):
        return f"other language ({seen})", False
    if probe.newest is not None and now - probe.newest > timedelta(days=STALE_DAYS):
        return f"stale (newest {probe.newest.date().isoformat()})", True
    return "works", True


def _score(probe: FeedProbe, declared: str, now: datetime) -> tuple[int, ...]:
    kind = 2 if probe.kind in (*_FEED_KINDS, "news-sitemap") else 1
    language = 1 if _primary(probe.language) == _primary(declared) else 0
    return (kind, language, _age_rank(probe.newest, now), _ORIGINS.get(probe.candidate.origin, 0),
            probe.items)


def rank(probes: Sequence[FeedProbe], declared: str, *, now: datetime) -> Finding:
    """Verdicts for every probe, and the choice (see the module docstring)."""
    judged: list[FeedProbe] = []
    usable: list[tuple[tuple[int, ...], int]] = []
    seen_urls: dict[str, int] = {}
    for i, probe in enumerate(probes):
        verdict, ok = _verdict(probe, declared, now)
        if ok and probe.url in seen_urls:  # /feed and /feed/ landing on one feed
            verdict, ok = f"same feed as #{seen_urls[probe.url] + 1}", False
        if ok:
            seen_urls[probe.url] = i
            usable.append((_score(probe, declared, now), i))
            if probe.moved_to:
                verdict = f"{verdict}, moved (301) to {probe.moved_to}"
        judged.append(replace(probe, verdict=verdict, chosen=False))
    usable.sort(key=lambda pair: pair[0], reverse=True)
    chosen: list[int] = []
    for kinds in (_FEED_KINDS, ("news-sitemap",)):
        best = next((i for _, i in usable if judged[i].kind in kinds), None)
        if best is not None:
            chosen.append(best)
    if not chosen and usable:
        chosen.append(usable[0][1])
    for i in chosen:
        judged[i] = replace(judged[i], chosen=True)
    return Finding(probes=tuple(judged))
