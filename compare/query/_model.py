"""The answer of a query, as frozen dataclasses: events, each with references into its view.

A matched claim is the event view's own :class:`~compare.view.ClaimRow` (the same cells, the same
presence as the report and the web page), with how well it matched and which outlets' sentences
matched. Passages of articles outside any claim are listed as :class:`LooseSentence`.
"""

from __future__ import annotations

from dataclasses import dataclass

from compare.view.model import ClaimRow, OutletStatus

__all__ = ["ClaimHit", "EventMatch", "Expansion", "LooseSentence", "QueryResult"]


@dataclass(frozen=True)
class ClaimHit:
    """A claim that matched: its row of the event view, its score, the outlets whose sentence matched."""

    claim: ClaimRow
    score: float
    matched_outlets: tuple[str, ...] = ()
    similarity: float | None = None


@dataclass(frozen=True)
class LooseSentence:
    """A matching passage that belongs to no claim (its article is in no event yet, or was not
    aligned)."""

    passage_id: int
    article_id: int
    outlet_id: str
    text: str
    score: float
    similarity: float | None = None


@dataclass(frozen=True)
class EventMatch:
    """An event with matching passages; ``id`` is None for articles not grouped into an event.

    ``outlets`` are the event view's outlet statuses (covers / omits / not read, and why).
    """

    id: int | None
    label: str | None
    score: float
    first_published: str | None
    last_published: str | None
    outlets: tuple[OutletStatus, ...]
    claims: tuple[ClaimHit, ...]
    n_matches: int
    total_claims: int = 0
    loose: tuple[LooseSentence, ...] = ()


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
