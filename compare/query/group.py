"""Grouping matched passages by event and claim, answered with references into each event's view."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from compare.query._model import ClaimHit, EventMatch, LooseSentence
from compare.store import Store
from compare.view import PRESENCE_SAYS, PresenceContext, build_event_view
from compare.view.model import ClaimRow

__all__ = ["CANDIDATES", "OUTLET_BOOST", "group_events"]

#: Candidates taken from each ranked list before fusion.
CANDIDATES = 200
#: How much a claim's rank grows per extra outlet carrying it (side by side is the point).
OUTLET_BOOST = 0.1


def _event_score(scores: Mapping[int, float], pids: list[int]) -> float:
    return sum(sorted((scores[p] for p in pids), reverse=True)[:3])


def _matched_outlets(
    claim: ClaimRow, passages: Mapping[int, tuple[int, int]], pids: list[int]
) -> tuple[str, ...]:
    """Outlets whose sentence in the claim is one of the matched passages."""
    wanted = {passages[p] for p in pids if p in passages}
    return tuple(
        c.outlet_id
        for c in claim.cells
        if c.presence == PRESENCE_SAYS
        and c.provenance is not None
        and (c.provenance.article_id, c.provenance.passage_index) in wanted
    )


def group_events(
    store: Store,
    scores: Mapping[int, float],
    similarity: Mapping[int, float],
    *,
    claims_per_event: int,
    offset: int = 0,
    limit: int = 10,
) -> tuple[list[EventMatch], int]:
    """Events of the matched passages, best first: one page of them, and how many there are.

    An event scores the sum of its three best passage scores; within it, a claim ranks by its
    best passage score, raised by :data:`OUTLET_BOOST` per extra outlet that carries it.
    """
    if not scores:
        return [], 0
    ranked = sorted(scores, key=lambda p: -scores[p])[: CANDIDATES * 2]
    claim_of = store.claims_of_passages(ranked)
    unclaimed = [p for p in ranked if p not in claim_of]
    records = store.passages(unclaimed)
    event_of_article = store.events_of_articles(r.article_id for r in records.values())
    by_event: dict[int | None, list[int]] = defaultdict(list)
    for pid in ranked:
        if pid in claim_of:
            by_event[claim_of[pid][1]].append(pid)
        else:
            record = records.get(pid)
            by_event[event_of_article.get(record.article_id) if record else None].append(pid)
    ordered = sorted(by_event, key=lambda e: (-_event_score(scores, by_event[e]), e is None, e or 0))
    matches = _Matches(
        scores=scores,
        similarity=similarity,
        claim_of=claim_of,
        located={pid: (p.article_id, p.index) for pid, p in store.passages(ranked).items()},
        context=PresenceContext.load(store),
    )
    out = [
        _event_match(store, eid, by_event[eid], matches, claims_per_event=claims_per_event)
        for eid in ordered[offset : offset + limit]
    ]
    return out, len(ordered)


@dataclass(frozen=True)
class _Matches:
    """What one query matched: passage scores and similarities, the claim (and event) of each
    passage, where each passage sits in its article, and the presence inputs of the store."""

    scores: Mapping[int, float]
    similarity: Mapping[int, float]
    claim_of: Mapping[int, tuple[int, int, int]]
    located: Mapping[int, tuple[int, int]]
    context: PresenceContext


def _event_match(
    store: Store, eid: int | None, pids: list[int], m: _Matches, *, claims_per_event: int
) -> EventMatch:
    scores, similarity, claim_of = m.scores, m.similarity, m.claim_of
    best: dict[int, float] = {}
    hits: dict[int, list[int]] = defaultdict(list)
    for pid in pids:
        if pid in claim_of:
            cid, _, breadth = claim_of[pid]
            best[cid] = max(best.get(cid, 0.0), scores[pid] * (1.0 + OUTLET_BOOST * (breadth - 1)))
            hits[cid].append(pid)
    picked = sorted(best, key=lambda c: (-best[c], c))[:claims_per_event]
    loose = tuple(_loose(store, [p for p in pids if p not in claim_of], m))[:claims_per_event]
    if eid is None:
        return EventMatch(
            id=None, label=None, score=round(_event_score(scores, pids), 6), first_published=None,
            last_published=None, outlets=(), claims=(), n_matches=len(pids), loose=loose,
        )  # fmt: skip
    view = build_event_view(store, eid, claim_ids=set(picked), context=m.context)
    rows = {c.id: c for c in view.claims}
    claims = tuple(
        ClaimHit(
            claim=rows[cid],
            score=round(best[cid], 6),
            matched_outlets=_matched_outlets(rows[cid], m.located, hits[cid]),
            similarity=round(max(similarity.get(p, 0.0) for p in hits[cid]), 4) or None,
        )
        for cid in picked
        if cid in rows
    )
    return EventMatch(
        id=eid,
        label=view.event.label,
        score=round(_event_score(scores, pids), 6),
        first_published=view.event.first_published,
        last_published=view.event.last_published,
        outlets=view.outlets,
        claims=claims,
        n_matches=len(pids),
        total_claims=view.total_claims,
        loose=loose,
    )


def _loose(store: Store, pids: list[int], m: _Matches) -> list[LooseSentence]:
    records = store.passages(pids)
    outlets = {a.id: a.outlet_id for a in store.articles(r.article_id for r in records.values()).values()}
    out = []
    for pid in pids:
        r = records.get(pid)
        if r is None:
            continue
        sim = m.similarity.get(pid)
        outlet = outlets.get(r.article_id, "?")
        score = round(m.scores[pid], 6)
        out.append(LooseSentence(pid, r.article_id, outlet, r.text, score, round(sim, 4) if sim else None))
    return out
