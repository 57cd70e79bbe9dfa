"""Frozen dataclasses that cross module boundaries.

Stages take and return these; dicts appear only at the storage and JSON edges. Sections are
grouped by the stage that produces them: sources, fetch, articles and passages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

__all__ = [
    "READABLE_OUTCOMES",
    "Article",
    "Discovered",
    "Feed",
    "FetchResult",
    "HostMemory",
    "Outcome",
    "Outlet",
    "OutletEdit",
    "Ownership",
    "Passage",
    "Politeness",
    "Snapshot",
    "Sources",
    "Topic",
    "UrlMemory",
]


# --------------------------------------------------------------------------------------------
# Sources (what sources.yaml describes)
# --------------------------------------------------------------------------------------------

FEED_KINDS = ("rss", "atom", "sitemap", "news-sitemap")


@dataclass(frozen=True)
class Feed:
    """A place to discover article URLs: an RSS/Atom feed or an XML sitemap."""

    url: str
    kind: str = "rss"
    section: str | None = None


@dataclass(frozen=True)
class Ownership:
    """Who owns an outlet, what kind of owner it is, and where that is documented."""

    owner: str
    type: str
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class Politeness:
    """How gently to fetch from one outlet. Defaults come from the ``defaults:`` block."""

    min_delay: float = 1.0
    max_concurrency: int = 2
    user_agent: str | None = None
    respect_robots: bool = True
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0
    max_pages_per_run: int = 200
    max_bytes: int = 5_000_000


@dataclass(frozen=True)
class Outlet:
    """One news outlet, as configured in sources.yaml."""

    id: str
    name: str
    homepage: str
    language: str
    country: str
    feeds: tuple[Feed, ...] = ()
    urls: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    ownership: Ownership | None = None
    politeness: Politeness = field(default_factory=Politeness)
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    paywall: bool = False
    active: bool = True
    verified: bool = True
    verified_on: str | None = None
    """The date (ISO) ``sources check --write`` last found a working feed, when it did."""
    notes: str | None = None
    allow_private_addresses: bool = False
    """Fetch from loopback, private and shared (CGNAT) addresses too (the demo web, an intranet)."""
    failed_feeds: tuple[Feed, ...] = ()
    """Configured feeds that ``sources check --write`` found failing: kept in the file, not read."""


@dataclass(frozen=True)
class OutletEdit:
    """What ``sources check --write`` changes in one outlet of a sources file."""

    outlet_id: str
    added: tuple[Feed, ...] = ()
    """Feeds found by discovery, appended to ``feeds``."""
    moved: tuple[tuple[str, str], ...] = ()
    """``(old, new)``: configured feed URLs that moved with a permanent redirect."""
    failed: tuple[tuple[str, str], ...] = ()
    """``(url, reason)``: configured feeds moved to ``failed_feeds``."""
    verified_on: str | None = None


@dataclass(frozen=True)
class Topic:
    """A watch-list for nightly reports and a query expansion for journalists."""

    id: str
    name: str
    queries: tuple[str, ...] = ()
    aliases: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class Sources:
    """A loaded, validated sources file."""

    path: str
    outlets: tuple[Outlet, ...]
    topics: tuple[Topic, ...] = ()
    defaults: Politeness = field(default_factory=Politeness)

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages the outlets write in, sorted (what the embedding model follows)."""
        return tuple(sorted({o.language for o in self.outlets if o.language}))

    def outlet(self, outlet_id: str) -> Outlet | None:
        """The outlet with this id, or ``None`` when there is none."""
        for outlet in self.outlets:
            if outlet.id == outlet_id:
                return outlet
        return None


# --------------------------------------------------------------------------------------------
# Fetch
# --------------------------------------------------------------------------------------------


class Outcome(StrEnum):
    """What happened to one URL in one run; stored in ``fetch_log.outcome``.

    The report keeps "not fetched" (every outcome but ``ok``/``not_modified``) apart from
    "fetched but the claim is not mentioned".
    """

    OK = "ok"
    NOT_MODIFIED = "not_modified"
    HTTP_ERROR = "http_error"
    BLOCKED = "blocked"
    PAYWALL = "paywall"
    TIMEOUT = "timeout"
    TOO_LARGE = "too_large"
    NOT_HTML = "not_html"
    REDIRECT_LOOP = "redirect_loop"
    ROBOTS_DISALLOWED = "robots_disallowed"
    DNS_ERROR = "dns_error"
    CONNECTION_ERROR = "connection_error"
    TLS_ERROR = "tls_error"
    INVALID_URL = "invalid_url"
    EXTRACT_EMPTY = "extract_empty"
    SKIPPED_FRESH = "skipped_fresh"
    BLOCKED_ADDRESS = "blocked_address"
    """The host is or resolves to a non-public address the outlet does not allow."""
    BACKED_OFF = "backed_off"
    """Not asked in this run: an earlier answer (404, 410, timeouts, 5xx, Retry-After) says wait."""
    NO_FEED = "no_feed"
    """The outlet's homepage was read for feed discovery, and no working feed was found."""

    @property
    def readable(self) -> bool:
        """True when the page's content is available to compare."""
        return self.value in READABLE_OUTCOMES


#: The fetch outcomes under which a page's content is available to compare: fetched now, unchanged
#: since the stored copy (304), or fetched so recently that it was not asked again. Every other
#: outcome leaves the page unread. The one definition: the store, the presence rule and the
#: service all use it.
READABLE_OUTCOMES = frozenset({"ok", "not_modified", "skipped_fresh"})


@dataclass(frozen=True)
class Discovered:
    """An article URL found in a feed, a sitemap or on the command line."""

    url: str
    outlet_id: str
    via: str
    title: str | None = None
    published: datetime | None = None


@dataclass(frozen=True)
class Snapshot:
    """The exact bytes fetched for one URL: every passage traces back to one of these."""

    sha256: str
    url: str
    final_url: str
    status: int
    headers: Mapping[str, str]
    fetched_at: datetime
    body: bytes
    content_type: str | None = None
    encoding: str | None = None


@dataclass(frozen=True)
class FetchResult:
    """The outcome of fetching one URL once (one ``fetch_log`` row, plus the snapshot if any)."""

    url: str
    outlet_id: str
    outcome: Outcome
    fetched_at: datetime
    http_status: int | None = None
    elapsed_ms: int | None = None
    bytes: int | None = None
    snapshot: Snapshot | None = None
    error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    attempts: int = 1
    kind: str = "article"
    """What the URL was fetched as: ``article``, ``feed`` or ``sitemap``."""
    retry_after: float | None = None
    """Seconds the server asked to wait (``Retry-After`` on a 429 or 503), when it said."""
    moved_to: str | None = None
    """Where the URL now lives, when every redirect it took was permanent (301 or 308)."""


@dataclass(frozen=True)
class UrlMemory:
    """What earlier runs learnt about one URL that failed: when it may be asked again.

    ``retry`` is True for transient failures (timeouts, lost connections, 429, 5xx) and for
    URLs a run had to leave for later: the URL stays queued until it is fetched. A URL that
    answered 404 or 410 has ``retry`` False: it is not asked again before ``not_before``, unless
    a feed lists it again after that.
    """

    url: str
    outlet_id: str
    host: str
    outcome: str
    failures: int
    not_before: datetime
    retry: bool
    since: datetime
    last_attempt: datetime
    http_status: int | None = None
    kind: str = "article"


@dataclass(frozen=True)
class HostMemory:
    """A host that failed as a whole (or asked to wait with Retry-After): not asked before ``not_before``."""

    host: str
    failures: int
    not_before: datetime
    reason: str
    last_failure: datetime


# --------------------------------------------------------------------------------------------
# Articles and passages
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Article:
    """One version of one article, as the later stages see it.

    ``id`` is a string so that stages work alike on store rows and on evaluation data.
    ``published_at`` is ``None`` when the date is unknown: a report says so rather than guess.
    """

    id: str
    outlet_id: str
    title: str | None
    text: str
    url: str | None = None
    published_at: datetime | None = None
    language: str | None = None
    reprint_of: str | None = None


PASSAGE_KINDS = ("title", "lead", "body", "quote", "caption", "heading", "list")


@dataclass(frozen=True)
class Passage:
    """One sentence of an article, with exact character offsets into the article's text.

    For every passage, ``article.text[start:end] == text`` (a title passage indexes the title).
    """

    article_id: str
    index: int
    start: int
    end: int
    text: str
    paragraph: int = 0
    kind: str = "body"


# --------------------------------------------------------------------------------------------
# Extraction and versions (produced by compare.extract and compare.versions)
# --------------------------------------------------------------------------------------------

DATE_SOURCES = ("jsonld", "meta", "time", "url", "text", "none")


@dataclass(frozen=True)
class ExtractedPage:
    """What extraction found in one snapshot: clean text plus the metadata a report needs.

    ``text`` is NFC-normalised with zero-width characters removed, so passage offsets taken on
    it stay valid; ``text_sha256`` hashes exactly that string. ``published_at`` is ``None`` when
    no trustworthy date was found (``published_source == "none"``): a report says "date unknown"
    rather than guess. Dates are never later than the fetch time. ``method`` names the path that
    produced the body (e.g. ``trafilatura``, ``trafilatura-recall``, ``jsonld``).
    """

    url: str
    canonical_url: str
    title: str | None
    text: str
    text_sha256: str
    method: str
    author: str | None = None
    published_at: datetime | None = None
    published_source: str = "none"
    date_reliable: bool = False
    updated_at: datetime | None = None
    site_name: str | None = None
    description: str | None = None
    language_declared: str | None = None
    language_page: str | None = None
    language_detected: str | None = None
    language_mismatch: bool = False
    truncated: bool = False


__all__ += ["Change", "ExtractedPage"]

CHANGE_OPS = ("insert", "delete", "replace")


@dataclass(frozen=True)
class Change:
    """One difference between two versions of an article's text.

    Offsets are character offsets: ``old_text == old[old_start:old_end]`` and
    ``new_text == new[new_start:new_end]``; an insert has an empty old span, a delete an empty
    new span.
    """

    op: str
    old_start: int
    old_end: int
    old_text: str
    new_start: int
    new_end: int
    new_text: str
