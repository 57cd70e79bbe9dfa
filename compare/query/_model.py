"""The answer of a query, as frozen dataclasses (events -> claims -> one sentence per outlet)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ClaimMatch", "EventMatch", "Expansion", "Label", "OutletSentence", "QueryResult"]


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Label:
    """A name from an alias set that a sentence uses (concept ``capital``, term ``Khankendi``)."""

    concept: str
    term: str


@dataclass(frozen=True)
class OutletSentence:
    """One outlet's sentence for a claim, with how it frames it."""

    outlet_id: str
    outlet_name: str
    passage_id: int
    article_id: int
    text: str
    title: str | None = None
    url: str | None = None
    published_at: str | None = None
    attribution: str | None = None
    speaker: str | None = None
    prominence: str | None = None
    labels: tuple[Label, ...] = ()
    loaded: tuple[str, ...] = ()
    similarity: float | None = None
    matched: bool = False
    score: float = 0.0


@dataclass(frozen=True)
class ClaimMatch:
    """A claim (aligned passages across outlets) that matched; ``id`` is None for a passage that
    belongs to no claim. ``absent`` lists outlets covering the event without this claim."""

    id: int | None
    score: float
    sentences: tuple[OutletSentence, ...]
    absent: tuple[str, ...] = ()
    n_outlets: int = 1
    is_unique: bool = False


@dataclass(frozen=True)
class EventMatch:
    """An event with matching passages; ``id`` is None for articles not grouped into an event."""

    id: int | None
    label: str | None
    score: float
    first_published: str | None
    last_published: str | None
    outlets: tuple[str, ...]
    claims: tuple[ClaimMatch, ...]
    n_matches: int


@dataclass(frozen=True)
class QueryResult:
    """The answer to one query: events best first, with what was searched and how."""

    query: str
    terms: tuple[str, ...]
    expansions: tuple[str, ...]
    since: str | None
    outlets: tuple[str, ...]
    groups: tuple[str, ...]
    events: tuple[EventMatch, ...]
    total_events: int
    offset: int
    limit: int
    vector_search: str
    model: str | None
    seconds: float


@dataclass(frozen=True)
class Expansion:
    """A query's words and the alias terms it adds (each added term names the matched one)."""

    terms: tuple[str, ...]
    added: tuple[str, ...]
    variants: tuple[str, ...]
