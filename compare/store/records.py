"""What the store hands out: frozen dataclasses, one per thing a caller asks for by name.

Callers never see rows or column names. JSON columns arrive decoded; timestamps stay the ISO 8601
strings they are stored as (UTC), so a caller compares and prints them without parsing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ArticleRecord",
    "ClaimChange",
    "ClaimMemberRecord",
    "ClaimRecord",
    "EventChange",
    "EventRecord",
    "EventSummary",
    "FramingRecord",
    "OutletRecord",
    "PageState",
    "PageToExtract",
    "PassageRecord",
    "RunRecord",
    "SnapshotInfo",
]


@dataclass(frozen=True)
class RunRecord:
    """One run: what it was asked, how it ended, its timings and counts."""

    id: int
    command: str
    started_at: str
    finished_at: str | None
    status: str
    parameters: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)
    failures: tuple[Any, ...] = ()
    pid: int | None = None


@dataclass(frozen=True)
class OutletRecord:
    """One outlet as stored (from the sources file, or made up for an ad-hoc URL)."""

    id: str
    name: str
    homepage: str | None = None
    language: str | None = None
    country: str | None = None
    groups: tuple[str, ...] = ()
    owner: str | None = None
    ownership: dict[str, Any] | None = None
    paywall: bool = False
    active: bool = True
    verified: bool = True


@dataclass(frozen=True)
class SnapshotInfo:
    """A stored snapshot's metadata (the body stays in the database until asked for)."""

    sha256: str
    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    content_type: str | None
    encoding: str | None
    fetched_at: str
    bytes: int


@dataclass(frozen=True)
class PageState:
    """The latest attempt at one article URL, with what its feed or sitemap entry said of it.

    ``title`` and ``published`` come from discovery, before the page was fetched: they are what
    ties a page that could not be read to the events it may belong to.
    """

    url: str
    outlet_id: str
    outcome: str
    fetched_at: str
    run_id: int
    title: str | None = None
    published: str | None = None


@dataclass(frozen=True)
class PageToExtract:
    """An article page fetched whole: the fetch that got it and the snapshot it is in."""

    fetch_id: int
    outlet_id: str
    url: str
    snapshot_sha256: str
    fetched_at: str


@dataclass(frozen=True)
class ArticleRecord:
    """One version of one article, with the fetch time of the snapshot it was extracted from."""

    id: int
    outlet_id: str
    url: str
    version: int
    title: str | None
    text: str
    published_at: str | None
    first_seen: str
    run_id: int | None
    snapshot_sha256: str | None
    snapshot_fetched_at: str | None = None
    previous_id: int | None = None
    reprint_of: int | None = None
    fetched_url: str | None = None
    language: str | None = None
    linked_run: int | None = None
    """The run that put the article in the event it was read for (``None`` outside an event)."""
    event_similarity: float | None = None


@dataclass(frozen=True)
class PassageRecord:
    """One stored passage (a sentence with its offsets into the article's text)."""

    id: int
    article_id: int
    index: int
    start: int
    end: int
    kind: str
    text: str
    text_hash: str


@dataclass(frozen=True)
class EventRecord:
    """One event: the grouping stage's key beside the id URLs use, and its time span."""

    id: int
    key: str | None
    label: str | None
    first_published: str | None
    last_published: str | None
    status: str
    merged_into: int | None
    created_run: int | None
    updated_run: int | None


@dataclass(frozen=True)
class EventSummary:
    """An event with the counts lists are ordered by."""

    event: EventRecord
    n_outlets: int
    n_articles: int
    n_claims: int


@dataclass(frozen=True)
class EventChange:
    """One thing the grouping stage did to an event in a run (new, attach, merge, retitle ...)."""

    run_id: int | None
    kind: str
    event_id: int | None
    other_event_id: int | None
    details: dict[str, Any]
    at: str


@dataclass(frozen=True)
class ClaimRecord:
    """One aligned claim. Its id survives re-alignment while its members substantially persist."""

    id: int
    event_id: int
    key: str
    status: str
    central_passage_id: int | None
    n_outlets: int
    is_unique: bool
    created_run: int | None
    updated_run: int | None
    outlets: tuple[str, ...] = ()
    """The outlets carrying it when it was last aligned (kept for a retired claim too)."""


@dataclass(frozen=True)
class ClaimMemberRecord:
    """A passage aligned to a claim, with its article and outlet."""

    claim_id: int
    passage: PassageRecord
    outlet_id: str
    similarity: float | None
    reprint: bool


@dataclass(frozen=True)
class ClaimChange:
    """What a run changed about one claim: ``new``, ``outlet_added``, ``outlet_dropped``,
    ``retired`` (its members went elsewhere), ``reworded`` (an edit changed a member's text)."""

    run_id: int | None
    event_id: int
    claim_id: int
    kind: str
    outlet_id: str | None = None


@dataclass(frozen=True)
class FramingRecord:
    """The framing stage's row for one passage: the columns, and the full record as JSON data."""

    passage_id: int
    attribution: str | None
    speaker: str | None
    prominence: str | None
    data: dict[str, Any]
    labels: tuple[dict[str, Any], ...] = ()
    """The alias-set names the passage uses (``concept``, ``term``), as the ``labels`` column holds."""
