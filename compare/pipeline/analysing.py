"""The analysis stages against the store: reprints, embeddings, events, claims, framing.

Each step reads dataclasses out of the store, calls a pure stage function and writes the answer
back in a transaction. Work is skipped when its inputs and parameters are unchanged: events are
re-aligned and re-framed only when their articles changed, vectors come from the cache.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from compare.embed import DEFAULT_MODEL
from compare.hashing import digest
from compare.models import Article, Passage, Sources
from compare.passages import NOT_CLAIM_KINDS
from compare.store import ClaimInput, Store

if TYPE_CHECKING:
    from compare.embed import Embedder
    from compare.events import EventState, Grouping
    from compare.framing.records import PassageFraming
    from compare.syntax import Parse

__all__ = ["AnalyseCounts", "analyse"]

log = logging.getLogger(__name__)


@dataclass
class AnalyseCounts:
    """What the analysis stages did in one run."""

    reprints: int = 0
    embedded_passages: int = 0
    grouped_articles: int = 0
    new_events: int = 0
    changed_events: int = 0
    event_changes: dict[str, int] = field(default_factory=dict)
    aligned_events: int = 0
    claims: int = 0
    framed_events: int = 0
    touched_event_ids: list[int] = field(default_factory=list)
    #: Where the passages were embedded (``cpu``, ``cuda``); ``None`` when nothing was.
    embed_device: str | None = None
    #: Processes that aligned and framed the changed events (this one and spawned workers).
    align_workers: int = 1

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("touched_event_ids")
        return out


# ---------------------------------------------------------------------------------------------
# Event state <-> JSON
# ---------------------------------------------------------------------------------------------


def _state_to_json(state: EventState, model: str | None = None) -> dict[str, Any]:
    centroid = None
    if state.centroid is not None:
        centroid = base64.b64encode(np.asarray(state.centroid, dtype=np.float32).tobytes()).decode()
    return {
        "id": state.id,
        "article_ids": list(state.article_ids),
        "centroid": centroid,
        "terms": dict(state.terms),
        "entities": dict(state.entities),
        "first_published": state.first_published.isoformat() if state.first_published else None,
        "last_published": state.last_published.isoformat() if state.last_published else None,
        "languages": list(state.languages),
        "model": model,  # the vector space of the centroid
    }


def _state_from_json(
    data: Mapping[str, Any], article_ids: Sequence[int], model: str | None = None
) -> EventState:
    """The stored state; its centroid is dropped when it was made by another model than ``model``
    (the outlets' languages switched the encoder: another vector space of the same size), so the
    event is found again by its words and names alone."""
    from compare.events import EventState

    centroid = None
    # States written before the model was recorded were made by the only default: MiniLM.
    other_space = model is not None and (data.get("model") or DEFAULT_MODEL) != model
    if data.get("centroid") and not other_space:
        centroid = np.frombuffer(base64.b64decode(data["centroid"]), dtype=np.float32).copy()
    return EventState(
        id=data["id"],
        article_ids=tuple(str(a) for a in article_ids),
        centroid=centroid,
        terms=data.get("terms") or {},
        entities=data.get("entities") or {},
        first_published=datetime.fromisoformat(data["first_published"])
        if data.get("first_published")
        else None,
        last_published=datetime.fromisoformat(data["last_published"]) if data.get("last_published") else None,
        languages=tuple(data.get("languages") or ()),
    )


# ---------------------------------------------------------------------------------------------
# Steps
# ---------------------------------------------------------------------------------------------


def _mark_reprints(store: Store, articles: Sequence[Article]) -> int:
    from compare.reprints import find_reprints

    found = find_reprints(articles)
    current = {int(a.id): (int(a.reprint_of) if a.reprint_of else None) for a in articles}
    wanted = {int(a.id): (int(found[a.id]) if a.id in found else None) for a in articles}
    changed = {aid: origin for aid, origin in wanted.items() if current.get(aid) != origin}
    if changed:
        store.set_reprints(changed)
    return sum(1 for v in wanted.values() if v is not None)


def _article_vectors(
    embedder: Embedder, articles: Sequence[Article], passages: Mapping[int, list[tuple[int, Passage]]]
) -> np.ndarray:
    """Per article, the grouping recipe's vector (compare.events.recipe: title + lead passages)."""
    from compare.events.recipe import article_vectors

    by_article = {str(aid): [p for _, p in rows] for aid, rows in passages.items()}
    return article_vectors(articles, by_article, embedder.embed)


def _group(
    store: Store,
    embedder: Embedder,
    new_articles: Sequence[Article],
    passages: Mapping[int, list[tuple[int, Passage]]],
    *,
    run_id: int | None,
    counts: AnalyseCounts,
) -> set[int]:
    """Attach new articles to events; returns the ids of events whose membership changed."""
    from compare.events import EventParams, group_events

    stored = store.event_states()
    model = getattr(embedder, "model_id", None)
    existing = [_state_from_json(r["state"], r["article_ids"], model) for r in stored if r["state"]]
    vectors = _article_vectors(embedder, new_articles, passages)
    params = EventParams.for_model(model)
    grouping: Grouping = group_events(new_articles, vectors, existing=existing, params=params)
    before = {r["key"]: set(r["article_ids"]) for r in stored}
    touched: set[int] = set()
    titles = {a.id: a.title for a in new_articles}
    rank = {a.id: k for k, a in enumerate(new_articles)}
    for state in grouping.events:
        members = [int(a) for a in state.article_ids]
        if before.get(state.id) == set(members):
            continue
        label = _label(store, state, grouping, titles, rank)
        event_id = store.save_event(
            key=state.id,
            label=label,
            state=_state_to_json(state, model),
            members={a: grouping.similarity.get(str(a)) for a in members},
            span=(
                state.first_published.isoformat() if state.first_published else None,
                state.last_published.isoformat() if state.last_published else None,
            ),
            run_id=run_id,
        )
        touched.add(event_id)
        if state.id in before:
            counts.changed_events += 1
        else:
            counts.new_events += 1
    live = {s.id for s in grouping.events}
    for key in set(before) - live:
        merged_into = next((c.event_id for c in grouping.changes if key in c.sources), None)
        store.retire_event(
            key, merged_into=store.event_id_for_key(merged_into) if merged_into else None, run_id=run_id
        )
    for change in grouping.changes:
        counts.event_changes[change.kind] = counts.event_changes.get(change.kind, 0) + 1
        store.record_event_change(
            run_id=run_id,
            kind=change.kind,
            event_id=store.event_id_for_key(change.event_id),
            other_event_id=store.event_id_for_key(change.sources[0]) if change.sources else None,
            details={
                "articles": list(change.article_ids),
                "sources": list(change.sources),
                "similarity": change.similarity,
            },
        )
    counts.grouped_articles += len(new_articles)
    return touched


def _stable_order(article: Article) -> tuple[bool, float, str, int]:
    """Oldest first, then by URL: an order two runs of the same night agree on. Row ids (the
    last resort) follow the order concurrent fetches landed in, and grouping breaks its ties by
    position, so ordering by id made the same night's events differ from run to run."""
    published = article.published_at
    if published is not None and published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    when = published.timestamp() if published is not None else 0.0
    return (published is None, when, article.url or "", int(article.id))


def _label(
    store: Store,
    state: EventState,
    grouping: Grouping,
    titles: Mapping[str, str | None],
    rank: Mapping[str, int],
) -> str | None:
    """The event's label: the title of its member most similar to the event (of equals, the
    first in the grouping's order: ``rank``, not the row id, which differs run to run)."""
    last = len(rank)
    best = max(
        state.article_ids, key=lambda a: (grouping.similarity.get(a, 0.0), -rank.get(a, last), -int(a))
    )
    if titles.get(best):
        return titles[best]
    article = store.article(int(best))
    return article.title if article else None


def _input_hash(fingerprints: Sequence[tuple[int, str, str, int | None]]) -> str:
    return digest([(str(aid), h, str(origin) if origin else None) for aid, _, h, origin in fingerprints])


def _changed_events(
    store: Store, params_hash: str, built: Mapping[int, tuple[str, str]]
) -> list[tuple[int, list[tuple[int, str, str, int | None]]]]:
    """The active events whose framing is missing or was built from other inputs, most outlets
    first, each with its articles' fingerprints."""
    every = store.active_event_fingerprints()
    changed = {
        event_id: prints for event_id, prints in every.items()
        if built.get(event_id) != (params_hash, _input_hash(prints))
    }  # fmt: skip
    if not changed:
        return []
    return [(e, changed[e]) for e in store.active_event_ids() if e in changed]


def _align_and_frame(
    store: Store,
    embedder: Embedder,
    event_id: int,
    *,
    run_id: int | None,
    lexicon: Callable[[], Any],
    counts: AnalyseCounts,
    fingerprints: Sequence[tuple[int, str, str, int | None]],
    hashes: tuple[str, str],
) -> None:
    params_hash, input_hash = hashes
    articles = store.current_articles(ids=[aid for aid, _, _, _ in fingerprints])
    by_id = {a.id: a for a in articles}
    with_rows = store.passages_of([int(a.id) for a in articles])
    # Aligned in the order of the articles' URLs, not of their row ids: ids follow
    # the order concurrent fetches landed in, and the alignment's ties follow its input order.
    order = sorted(with_rows, key=lambda aid: (by_id[str(aid)].url or "", aid))
    flat = [(pid, p) for aid in order for pid, p in with_rows[aid]]
    row_of = {(p.article_id, p.index): pid for pid, p in flat}
    # Subheadings and bylines state nothing: they are not aligned or framed as claims.
    passages = [p for _, p in flat if p.kind not in NOT_CLAIM_KINDS]
    from compare.align import align_event
    from compare.framing import analyse_event, to_dict
    from compare.syntax import encode_parse
    from compare.view import framing_digest

    vectors = embedder.embed([p.text for p in passages]) if passages else np.zeros((0, 1), dtype=np.float32)
    claims = align_event(
        passages,
        vectors,
        outlet_of={a.id: a.outlet_id for a in articles},
        reprint_of={a.id: a.reprint_of for a in articles if a.reprint_of},
        model_id=embedder.model_id,
        language_of={a.id: a.language for a in articles},
    )
    ids = store.save_claims(
        event_id,
        [
            ClaimInput(
                key=c.id,
                central_passage_id=row_of.get((c.central.article_id, c.central.passage_index)),
                members=tuple(
                    (row_of[(m.article_id, m.passage_index)], m.similarity, m.reprint) for m in c.members
                ),
            )
            for c in claims
        ],
        run_id=run_id,
    )
    counts.aligned_events += 1
    counts.claims += len(claims)
    stored_claims = [replace(c, id=str(ids[c.id])) for c in claims]
    grouped: dict[str, list[Passage]] = {}
    for p in passages:
        grouped.setdefault(p.article_id, []).append(p)
    known, parses = _known_framing(store, flat, params_hash)
    stored_parses = {k for k, v in parses.items() if v}
    framing = analyse_event(stored_claims, grouped, by_id, {}, lexicon=lexicon(), known=known, parses=parses)
    rows = {}
    for pf in framing.passages:
        key = (pf.article_id, pf.passage_index)
        pid = row_of.get(key)
        # A passage framed by an earlier run keeps its stored row, unless a parse was made for
        # it now: writing the same row again was a fifth of re-aligning a grown event.
        if pid is None or (known.get(key) is pf and (key in stored_parses or not parses.get(key))):
            continue
        data = to_dict(pf)
        parse = parses.get(key)
        stored_data = {**data, "parse": encode_parse(parse)} if parse else data
        rows[pid] = {
            "attribution": pf.attribution.label,
            "speaker": pf.attribution.speaker,
            "prominence": pf.prominence,
            "hedges": json.dumps(data["hedges"], ensure_ascii=False),
            "loaded": json.dumps(data["loaded"], ensure_ascii=False),
            "labels": json.dumps(data["labels"], ensure_ascii=False),
            "numbers": json.dumps(data["numbers"], ensure_ascii=False),
            "voices": json.dumps(data["voices"], ensure_ascii=False),
            "data": json.dumps(stored_data, ensure_ascii=False),
        }
    event_data = to_dict(framing)
    store.save_framing(
        event_id,
        passages=rows,
        event_data=event_data,
        params_hash=params_hash,
        input_hash=input_hash,
        run_id=run_id,
        digest=framing_digest(event_data),
    )
    counts.framed_events += 1


def _known_framing(
    store: Store, flat: Sequence[tuple[int, Passage]], params_hash: str
) -> tuple[dict[tuple[str, int], PassageFraming], dict[tuple[str, int], Parse]]:
    """The framing and the parses an earlier run stored for these passages with the same
    parameters: an article already framed is not framed or parsed again when its event grows."""
    from compare.framing.records import PassageFraming, from_dict
    from compare.syntax import decode_parse

    stored = store.framing_data([pid for pid, _ in flat], params_hash=params_hash)
    known: dict[tuple[str, int], PassageFraming] = {}
    parses: dict[tuple[str, int], Parse] = {}
    for pid, p in flat:
        if pid not in stored:
            continue
        key = (p.article_id, p.index)
        try:
            known[key] = from_dict(PassageFraming, stored[pid])
            if stored[pid].get("parse"):
                parses[key] = decode_parse(p.text, stored[pid]["parse"])
        except (TypeError, ValueError, KeyError, AttributeError):
            log.debug("stored framing of passage %s cannot be read: framing it again", pid)
            known.pop(key, None)
    return known, parses


def analyse(
    store: Store,
    sources: Sources | None,
    *,
    run_id: int | None,
    embedder: Embedder,
    new_article_ids: Sequence[int],
    lexicon: Any = None,
    workers: int = 1,
) -> AnalyseCounts:
    """Reprints, events, claims and framing for what changed; returns the counts.

    With ``workers`` above one and an embedder that says how to load it again (``spec``), the
    changed events are aligned and framed by that many processes at once (this one and spawned
    ones, each claiming events one by one as ``newscompare process`` workers do).
    """
    from compare.embed import CachedEmbedder

    counts = AnalyseCounts()
    cached = CachedEmbedder(embedder, store)
    # One decision over every new article: with several workers sharing a night, one at a time.
    with store.exclusive("group"):
        if new_article_ids:  # reprints change only when articles do
            counts.reprints = _mark_reprints(store, store.current_articles())
        touched: set[int] = set(store.carry_versions_into_events(new_article_ids))
        ungrouped = sorted(store.ungrouped_current_articles(), key=_stable_order)
        if ungrouped:
            passages = store.passages_of([int(a.id) for a in ungrouped])
            touched |= _group(store, cached, ungrouped, passages, run_id=run_id, counts=counts)

    spec: tuple[str | None, str | None] | None = getattr(embedder, "spec", None)
    extra = 0
    if spec is not None and workers > 1:  # a worker costs a second or two to start: only for work
        pending = _changed_events(store, _params_hash(cached), store.event_framing_hashes())
        extra = max(0, min(workers, len(pending)) - 1)
    if extra and spec is not None:
        counts.align_workers = 1 + extra
        _frame_with_workers(
            store, cached, run_id=run_id, counts=counts, lexicon=lexicon, spec=spec, extra=extra
        )  # fmt: skip
    else:
        frame_changed_events(store, cached, run_id=run_id, counts=counts, lexicon=lexicon)
    _digest_old_framing(store)
    counts.touched_event_ids = sorted(touched)
    counts.embedded_passages += getattr(cached, "embedded", 0)  # the workers' are counted already
    if counts.embedded_passages:
        counts.embed_device = str(getattr(embedder, "device", None) or "cpu")
    return counts


def _digest_old_framing(store: Store) -> None:
    """Store the index's digest of every event framing stored before there were digests (once
    per event: a framing saved since carries its digest)."""
    from compare.view import framing_digest

    for event_id in store.events_without_framing_digest():
        answer = store.event_framing([event_id]).get(event_id)
        store.set_event_framing_digest(event_id, framing_digest(answer))


def _params_hash(cached: Embedder) -> str:
    return digest(["align-frame-v6", getattr(cached, "model_id", "?")])


def frame_changed_events(
    store: Store, cached: Embedder, *, run_id: int | None, counts: AnalyseCounts, lexicon: Any = None
) -> None:
    """Align and frame every active event whose inputs changed, claiming each (another worker
    may hold it). Events whose framing inputs changed for another reason (a reprint found) are
    caught by the input hash."""
    from compare.framing import load_lexicons

    loaded: list[Any] = [lexicon] if lexicon is not None else []

    def get_lexicon() -> Any:
        if not loaded:  # parsing the lexicons costs seconds: only when an event is re-framed
            loaded.append(load_lexicons())
        return loaded[0]

    # Decide from fingerprints alone (no text, no passages), for every event in two queries,
    # which events changed. Presence of the outlets without articles in an event is the event
    # view's to decide, from the fetch log: nothing the framing stage stores depends on it.
    params_hash = _params_hash(cached)
    built = store.event_framing_hashes()
    for event_id, fingerprints in _changed_events(store, params_hash, built):
        hashes = (params_hash, _input_hash(fingerprints))
        with store.claim_event(event_id) as mine:
            # another worker holds it, or framed it since the list was read
            if not mine or store.event_framing_hash(event_id) == hashes:
                continue
            _align_and_frame(
                store, cached, event_id, run_id=run_id, lexicon=get_lexicon, counts=counts,
                fingerprints=fingerprints, hashes=hashes,
            )  # fmt: skip


#: Counts the alignment and framing workers add up.
_WORKER_COUNTS = ("aligned_events", "claims", "framed_events", "embedded_passages")


def _frame_with_workers(
    store: Store, cached: Embedder, *, run_id: int | None, counts: AnalyseCounts, lexicon: Any,
    spec: tuple[str | None, str | None], extra: int,
) -> None:  # fmt: skip
    """:func:`frame_changed_events` in this process and ``extra`` spawned ones at once."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    try:
        pool = ProcessPoolExecutor(extra, mp_context=multiprocessing.get_context("spawn"))
        futures = [pool.submit(_frame_in_worker, store.path, run_id, spec) for _ in range(extra)]
    except (OSError, RuntimeError) as exc:
        log.warning("alignment workers could not start (%s): aligning in this process alone", exc)
        frame_changed_events(store, cached, run_id=run_id, counts=counts, lexicon=lexicon)
        return
    with pool:
        frame_changed_events(store, cached, run_id=run_id, counts=counts, lexicon=lexicon)
        for future in futures:
            try:
                done = future.result()
            except BrokenProcessPool as exc:  # its events' leases are free again: take them here
                log.warning("an alignment worker failed (%s): finishing its events here", exc)
                frame_changed_events(store, cached, run_id=run_id, counts=counts, lexicon=lexicon)
                continue
            for name in _WORKER_COUNTS:
                setattr(counts, name, getattr(counts, name) + done.get(name, 0))


def _frame_in_worker(db: str, run_id: int | None, spec: tuple[str | None, str | None]) -> dict[str, int]:
    """A spawned worker: its own store handle and embedder, the same loop; returns its counts."""
    from compare.embed import CachedEmbedder
    from compare.pipeline.runner import LazyEmbedder

    model, backend = spec
    counts = AnalyseCounts()
    with Store(db, migrate=False) as store:
        cached = CachedEmbedder(LazyEmbedder(model, backend=backend), store)
        frame_changed_events(store, cached, run_id=run_id, counts=counts)
        counts.embedded_passages = getattr(cached, "embedded", 0)
    return {name: int(getattr(counts, name)) for name in _WORKER_COUNTS}
