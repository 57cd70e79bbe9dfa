"""Grouping matched passages by event and claim, and reading each claim's sentences side by side."""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from compare.query._model import ClaimMatch, EventMatch, Label, OutletSentence
from compare.store import Store

__all__ = ["CANDIDATES", "claim_matches", "group_events", "sentences"]

#: Candidates taken from each ranked list before fusion.
CANDIDATES = 200


# --------------------------------------------------------------------------------------------
# Grouping: passages -> claims -> events
# --------------------------------------------------------------------------------------------


def _in(ids: Iterable[int]) -> tuple[str, list[int]]:
    values = [int(i) for i in ids]
    return ",".join("?" * len(values)) or "NULL", values


def _labels(raw: Any) -> tuple[Label, ...]:
    out: dict[Label, None] = {}
    for item in raw or ():
        if isinstance(item, Mapping) and item.get("term"):
            out.setdefault(Label(str(item.get("concept") or ""), str(item["term"])), None)
        elif isinstance(item, str):
            out.setdefault(Label("", item), None)
    return tuple(out)


def _loaded(raw: Any) -> tuple[str, ...]:
    terms = (item.get("term") if isinstance(item, Mapping) else item for item in raw or ())
    return tuple(dict.fromkeys(str(t) for t in terms if t))


def _json(value: Any, default: Any) -> Any:
    if not value:
        return default
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return default


def sentences(store: Store, passage_ids: Iterable[int]) -> dict[int, OutletSentence]:
    """Each passage with its article, outlet and framing row, as :class:`OutletSentence`."""
    marks, values = _in(passage_ids)
    out: dict[int, OutletSentence] = {}
    rows = store.db.query(
        f"""SELECT p.id AS pid, p.text, p.article_id, a.outlet_id, COALESCE(o.name, a.outlet_id) AS name,
                   a.title, a.url, a.published_at, f.attribution, f.speaker, f.prominence,
                   f.labels, f.loaded, f.data
            FROM passages p JOIN articles a ON a.id = p.article_id
            LEFT JOIN outlets o ON o.id = a.outlet_id
            LEFT JOIN framing f ON f.passage_id = p.id
            WHERE p.id IN ({marks})""",
        values,
    )
    for r in rows:
        # The columns carry what is shown; the full record (``data``) is read only when they are empty.
        data = _json(r["data"], {}) if r["attribution"] is None and r["data"] else {}
        data = data if isinstance(data, Mapping) else {}
        labels = _labels(_json(r["labels"], []) or data.get("labels"))
        loaded = _loaded(_json(r["loaded"], []) or data.get("loaded"))
        raw_attribution = data.get("attribution")
        attribution: Mapping[str, Any] = raw_attribution if isinstance(raw_attribution, Mapping) else {}
        out[int(r["pid"])] = OutletSentence(
            outlet_id=str(r["outlet_id"]),
            outlet_name=str(r["name"]),
            passage_id=int(r["pid"]),
            article_id=int(r["article_id"]),
            text=str(r["text"]),
            title=r["title"],
            url=r["url"],
            published_at=r["published_at"],
            attribution=r["attribution"] or attribution.get("label"),
            speaker=r["speaker"] or attribution.get("speaker"),
            prominence=r["prominence"] or data.get("prominence"),
            labels=labels,
            loaded=loaded,
        )
    return out


def _event_outlets(store: Store, event_ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
    marks, values = _in(event_ids)
    out: dict[int, dict[str, None]] = defaultdict(dict)
    for event_id, outlet in store.db.execute(
        f"""SELECT ea.event_id, a.outlet_id FROM event_articles ea JOIN articles a ON a.id = ea.article_id
            WHERE ea.event_id IN ({marks}) ORDER BY a.outlet_id""",
        values,
    ).fetchall():
        out[int(event_id)].setdefault(str(outlet), None)
    return {k: tuple(v) for k, v in out.items()}


def claim_matches(
    store: Store,
    claim_ids: Iterable[int],
    *,
    scores: Mapping[int, float] | None = None,
    similarity: Mapping[int, float] | None = None,
) -> dict[int, ClaimMatch]:
    """Claims with every outlet's sentence side by side (and the covering outlets that omit them).

    ``scores`` and ``similarity`` (by passage id) mark which sentences matched a query.
    """
    scores, similarity = scores or {}, similarity or {}
    marks, values = _in(claim_ids)
    claims = {
        int(r["id"]): r
        for r in store.db.query(
            f"SELECT id, event_id, n_outlets, is_unique FROM claims WHERE id IN ({marks})", values
        )
    }
    members: dict[int, list[int]] = defaultdict(list)
    for claim_id, passage_id in store.db.execute(
        f"""SELECT claim_id, passage_id FROM claim_passages WHERE claim_id IN ({marks})
            ORDER BY claim_id, COALESCE(similarity, 0) DESC, passage_id""",
        values,
    ).fetchall():
        members[int(claim_id)].append(int(passage_id))
    said_by = sentences(store, {p for ps in members.values() for p in ps})
    covering = _event_outlets(store, {int(c["event_id"]) for c in claims.values()})
    out = {}
    for cid, claim in claims.items():
        said = [_marked(said_by[p], scores, similarity) for p in members.get(cid, []) if p in said_by]
        said.sort(key=lambda s: (s.outlet_id, -s.score))
        present = {s.outlet_id for s in said}
        out[cid] = ClaimMatch(
            id=cid,
            score=max((s.score for s in said), default=0.0),
            sentences=tuple(said),
            absent=tuple(o for o in covering.get(int(claim["event_id"]), ()) if o not in present),
            n_outlets=int(claim["n_outlets"] or len(present)),
            is_unique=bool(claim["is_unique"]),
        )
    return out


def _marked(
    s: OutletSentence, scores: Mapping[int, float], similarity: Mapping[int, float]
) -> OutletSentence:
    if s.passage_id not in scores:
        return s
    sim = similarity.get(s.passage_id)
    return dataclasses.replace(
        s, matched=True, score=round(scores[s.passage_id], 6), similarity=round(sim, 4) if sim else None
    )


#: How much a claim's rank grows per extra outlet carrying it (side by side is the point).
OUTLET_BOOST = 0.1


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
    marks, values = _in(ranked)
    claim_of: dict[int, tuple[int, int]] = {}
    breadth: dict[int, int] = {}
    for pid, cid, eid, n_outlets in store.db.execute(
        f"""SELECT cp.passage_id, c.id, c.event_id, c.n_outlets FROM claim_passages cp
            JOIN claims c ON c.id = cp.claim_id
            JOIN events e ON e.id = c.event_id AND e.status = 'active'
            WHERE cp.passage_id IN ({marks}) ORDER BY cp.passage_id, c.id""",
        values,
    ).fetchall():
        claim_of.setdefault(int(pid), (int(cid), int(eid)))
        breadth[int(cid)] = max(1, int(n_outlets or 1))
    event_of: dict[int, int] = {}
    for pid, eid in store.db.execute(
        f"""SELECT p.id, ea.event_id FROM passages p JOIN event_articles ea ON ea.article_id = p.article_id
            JOIN events e ON e.id = ea.event_id AND e.status = 'active'
            WHERE p.id IN ({marks}) ORDER BY p.id, COALESCE(ea.similarity, 0) DESC""",
        values,
    ).fetchall():
        event_of.setdefault(int(pid), int(eid))

    by_event: dict[int | None, list[int]] = defaultdict(list)
    for pid in ranked:
        eid = claim_of[pid][1] if pid in claim_of else event_of.get(pid)
        by_event[eid].append(pid)

    def event_score(pids: list[int]) -> float:
        return sum(sorted((scores[p] for p in pids), reverse=True)[:3])

    ordered = sorted(by_event, key=lambda e: (-event_score(by_event[e]), e is None, e or 0))
    order = ordered[offset : offset + limit]
    meta = {
        int(r["id"]): r
        for r in store.db.query(
            "SELECT id, label, first_published, last_published FROM events WHERE id IN "
            f"({_in(e for e in order if e is not None)[0]})",
            [e for e in order if e is not None],
        )
    }
    wanted_claims: set[int] = set()
    unclaimed: set[int] = set()
    picks: dict[int | None, list[tuple[str, int]]] = {}
    for eid in order:
        seen: dict[tuple[str, int], float] = {}
        for pid in by_event[eid]:
            key = ("claim", claim_of[pid][0]) if pid in claim_of else ("passage", pid)
            boost = 1.0 + OUTLET_BOOST * (breadth.get(key[1], 1) - 1) if key[0] == "claim" else 1.0
            seen[key] = max(seen.get(key, 0.0), scores[pid] * boost)
        best = sorted(seen, key=lambda k: -seen[k])[:claims_per_event]
        picks[eid] = best
        wanted_claims.update(k[1] for k in best if k[0] == "claim")
        unclaimed.update(k[1] for k in best if k[0] == "passage")
    claims = claim_matches(store, wanted_claims, scores=scores, similarity=similarity)
    loose = sentences(store, unclaimed)
    covering = _event_outlets(store, [e for e in order if e is not None])

    out = []
    for eid in order:
        items = []
        for kind, ident in picks[eid]:
            if kind == "claim" and ident in claims:
                items.append(claims[ident])
            elif kind == "passage" and ident in loose:
                s = _marked(loose[ident], scores, similarity)
                others = (
                    tuple(o for o in covering.get(eid, ()) if o != s.outlet_id) if eid is not None else ()
                )
                items.append(
                    ClaimMatch(id=None, score=s.score, sentences=(s,), absent=others, is_unique=True)
                )
        row = meta.get(eid) if eid is not None else None
        outlets = covering.get(eid, ()) if eid is not None else ()
        if eid is None:
            outlets = tuple(dict.fromkeys(s.outlet_id for c in items for s in c.sentences))
        out.append(
            EventMatch(
                id=eid,
                label=row["label"] if row else None,
                score=round(event_score(by_event[eid]), 6),
                first_published=row["first_published"] if row else None,
                last_published=row["last_published"] if row else None,
                outlets=outlets,
                claims=tuple(items),
                n_matches=len(by_event[eid]),
            )
        )
    return out, len(ordered)
