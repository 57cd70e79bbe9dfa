"""Event grouping: which articles report the same event.

A pure function over :class:`~compare.models.Article` values and their vectors. Two articles are
compared by a mix of signals measured on the shared dev data (docs/evaluation.md, "Event
grouping"):

- **lexical**: TF-IDF cosine of title (counted twice) + lead, fitted on the batch;
- **semantic**: cosine of the article vectors (mean of title + lead passage vectors);
- **entities and numbers**: overlap of capitalised names and figures in title + lead;
- **time**: articles published more than ``window_days`` apart are never linked.

Grouping is average-link agglomerative clustering on that similarity, run inside blocks (the
connected components of a sparse nearest-neighbour graph), so that 10,000 new articles cost
about ``n·k`` similarities, not ``n²``.

**Incremental**: ``existing`` holds the states of events already in the store (centroids, not
their articles). New clusters are attached to the existing event they resemble most, or open a new
event. A new cluster that resembles two existing events links them, which is recorded as a
:class:`EventChange` of kind ``merge``. When the caller also passes articles of existing events
(a re-grouping), an old event whose articles now fall into different clusters is recorded as a
``split``. Nothing changes silently: every new, grown, merged or split event has a change record.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

import numpy as np

from compare.events.similarity import (
    ArticleFeatures,
    EventParams,
    _cluster,
    _weights,
    _within_pairs,
    article_features,
    pair_similarity,
    pairwise_similarity,
    semantic_term,
)
from compare.models import Article

__all__ = [
    "EventChange",
    "EventParams",
    "EventState",
    "Grouping",
    "article_features",
    "group_events",
    "pair_similarity",
    "pairwise_similarity",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EventState:
    """What the store keeps about an event to attach new articles without re-reading it.

    ``centroid`` is the *mean* (not normalised) of the member articles' unit vectors, so its dot
    product with an article vector is the article's average cosine with the members — what
    average-link clustering uses. ``terms`` is the mean TF-IDF profile, ``entities`` counts names
    and numbers over the members.
    """

    id: str
    article_ids: tuple[str, ...]
    centroid: np.ndarray | None = None
    terms: Mapping[str, float] = field(default_factory=dict)
    entities: Mapping[str, int] = field(default_factory=dict)
    first_published: datetime | None = None
    last_published: datetime | None = None
    languages: tuple[str, ...] = ()  # the languages of the members (empty: not known)

    @property
    def size(self) -> int:
        return len(self.article_ids)


@dataclass(frozen=True)
class EventChange:
    """One recorded change: ``new``, ``grow``, ``merge`` (``sources`` folded into ``event_id``)
    or ``split`` (``event_id`` lost ``article_ids`` to the events in ``sources``)."""

    kind: str
    event_id: str
    article_ids: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    similarity: float | None = None


@dataclass(frozen=True)
class Grouping:
    """The result: each article's event and similarity to it, updated states and the changes."""

    assignments: Mapping[str, str]
    similarity: Mapping[str, float]
    events: tuple[EventState, ...]
    new_events: tuple[str, ...]
    changes: tuple[EventChange, ...]

    def clusters(self) -> dict[str, list[str]]:
        """Event id -> article ids, in input order."""
        out: dict[str, list[str]] = defaultdict(list)
        for article_id, event_id in self.assignments.items():
            out[event_id].append(article_id)
        return dict(out)


# --------------------------------------------------------------------------------------------
# Event states
# --------------------------------------------------------------------------------------------


def _event_id(article_ids: Sequence[str]) -> str:
    digest = hashlib.sha256("\n".join(sorted(article_ids)).encode("utf-8")).hexdigest()
    return f"ev-{digest[:12]}"


def _state_for(
    event_id: str,
    members: Sequence[int],
    articles: Sequence[Article],
    features: ArticleFeatures,
    params: EventParams,
    previous: EventState | None = None,
) -> EventState:
    ids = tuple(articles[i].id for i in members)
    total = len(members) + (previous.size if previous else 0)
    centroid = None
    if features.semantic is not None:
        summed = features.semantic[list(members)].sum(axis=0)
        if previous is not None and previous.centroid is not None:
            summed = summed + previous.centroid * previous.size
        centroid = (summed / total).astype(np.float32)
    # Sum the members' TF-IDF rows over their non-zero columns only: the vocabulary grows with
    # the stored events, so a dense profile per event would make a run quadratic in the store.
    rows = features.lexical[list(members)].tocoo()
    columns, where = np.unique(rows.col, return_inverse=True)
    weights = np.bincount(where, weights=rows.data, minlength=len(columns))
    terms: dict[str, float] = {}
    for k in np.argsort(-weights, kind="stable")[: params.state_terms]:
        if weights[k] > 0:
            terms[features.vocabulary[int(columns[k])]] = float(weights[k])
    if previous is not None:
        for term, weight in previous.terms.items():
            terms[term] = terms.get(term, 0.0) + weight * previous.size
    terms = {t: w / total for t, w in sorted(terms.items(), key=lambda kv: -kv[1])}
    terms = dict(list(terms.items())[: params.state_terms])
    entities: Counter[str] = Counter(previous.entities if previous else {})
    for i in members:
        entities.update(features.entities[i])
    dates: list[datetime] = [d for i in members if (d := articles[i].published_at) is not None]
    if previous is not None:
        dates += [d for d in (previous.first_published, previous.last_published) if d]
    return EventState(
        id=event_id,
        article_ids=(previous.article_ids if previous else ()) + ids,
        centroid=centroid,
        terms=terms,
        entities=dict(entities),
        first_published=min(dates) if dates else None,
        last_published=max(dates) if dates else None,
        languages=_languages(previous, [articles[i] for i in members]),
    )


def _languages(previous: EventState | None, members: Sequence[Article]) -> tuple[str, ...]:
    known = {a.language for a in members if a.language}
    return tuple(sorted(known | set(previous.languages if previous else ())))


def _recent_states(
    states: Sequence[EventState], articles: Sequence[Article], params: EventParams
) -> list[EventState]:
    """The states whose publication span reaches into the batch's time window (all of them
    when the batch has no dates): older events cannot receive these articles."""
    dates = [a.published_at for a in articles if a.published_at]
    if not dates:
        return list(states)
    earliest = min(dates).timestamp() / 86400.0 - params.window_days
    return [
        s for s in states if s.last_published is None or s.last_published.timestamp() / 86400.0 >= earliest
    ]


class _StateIndex:
    """Existing event states prepared for fast candidate search.

    Centroids are stacked into one matrix, lexical profiles into one sparse matrix over the
    batch vocabulary, and an inverted index maps each term to the states using it. Only states
    recent states are passed in (:func:`_recent_states`), so the cost of a nightly run grows with
    the recent events, not with the whole store.
    """

    def __init__(self, states: Sequence[EventState], features: ArticleFeatures, params: EventParams) -> None:
        from scipy.sparse import csr_matrix, diags

        self.states = list(states)
        self.params = params
        self.features = features
        column = {term: col for col, term in enumerate(features.vocabulary)}
        rows, cols, data = [], [], []
        self.postings: dict[int, list[int]] = defaultdict(list)
        for index, state in enumerate(self.states):
            for term, weight in state.terms.items():
                col = column.get(term)
                if col is not None:
                    rows.append(index)
                    cols.append(col)
                    data.append(weight)
                    self.postings[col].append(index)
        profiles = csr_matrix(
            (np.asarray(data, dtype=np.float32), (rows, cols)),
            shape=(len(self.states), len(features.vocabulary)),
        )
        norms = np.sqrt(np.asarray(profiles.multiply(profiles).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        self.profiles = (diags(1.0 / norms) @ profiles).tocsr()
        self.with_centroid = [i for i, s in enumerate(self.states) if s.centroid is not None]
        self.centroids = (
            np.stack([self.states[i].centroid for i in self.with_centroid]).astype(np.float32)  # type: ignore[misc]
            if self.with_centroid and features.semantic is not None
            else None
        )
        self.common = [
            frozenset(e for e, count in s.entities.items() if count * 2 >= s.size) for s in self.states
        ]
        self.common_sizes = np.array([len(c) for c in self.common], dtype=np.float32)
        self.centroid_matrix: np.ndarray | None = None
        if features.semantic is not None:
            self.centroid_matrix = np.zeros((len(self.states), features.semantic.shape[1]), dtype=np.float32)
            for index in self.with_centroid:
                self.centroid_matrix[index] = self.states[index].centroid
        spans = [
            (s.first_published.timestamp() / 86400.0, s.last_published.timestamp() / 86400.0)
            if s.first_published and s.last_published
            else (-np.inf, np.inf)
            for s in self.states
        ]
        self.lo = np.array([lo for lo, _ in spans]) - params.window_days
        self.hi = np.array([hi for _, hi in spans]) + params.window_days

    def candidates(self, clusters: Sequence[Sequence[int]], limit: int) -> list[list[int]]:
        """For each cluster, the indices of the states worth scoring: nearest centroids plus
        the states sharing most of the cluster's strongest terms."""
        out: list[set[int]] = [set() for _ in clusters]
        if not self.states:
            return [[] for _ in clusters]
        features = self.features
        if self.centroids is not None and features.semantic is not None:
            means = np.stack([features.semantic[list(m)].mean(axis=0) for m in clusters])
            k = min(limit, len(self.with_centroid))
            for start in range(0, len(clusters), 1024):
                sims = means[start : start + 1024] @ self.centroids.T
                top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
                for local, picks in enumerate(top):
                    out[start + local].update(self.with_centroid[int(i)] for i in picks)
        lexical = features.lexical
        for number, members in enumerate(clusters):
            votes: Counter[int] = Counter()
            for row in members:
                lo, hi = lexical.indptr[row], lexical.indptr[row + 1]
                cols, weights = lexical.indices[lo:hi], lexical.data[lo:hi]
                for col in cols[np.argsort(-weights)[:8]]:
                    postings = self.postings.get(int(col), ())
                    if len(postings) <= 200:  # a term shared by hundreds of events says little
                        votes.update(postings)
            out[number].update(i for i, _ in votes.most_common(limit))
        return [sorted(picked) for picked in out]

    def scores(self, clusters: Sequence[Sequence[int]], picks: Sequence[Sequence[int]]) -> list[np.ndarray]:
        """For each cluster, the average similarity of its articles to each of its picked
        states — computed for all (article, state) pairs at once, then averaged per cluster."""
        from scipy.sparse import csr_matrix

        features, params = self.features, self.params
        w_lex, w_sem, w_ent = _weights(params, features.semantic is not None)
        art: list[int] = []
        state: list[int] = []
        for members, chosen in zip(clusters, picks, strict=True):
            for member in members:
                art.extend([member] * len(chosen))
                state.extend(chosen)
        a = np.asarray(art, dtype=np.int64)
        t = np.asarray(state, dtype=np.int64)
        if not len(a):
            return [np.zeros(0, dtype=np.float32) for _ in clusters]
        score = w_lex * np.asarray(features.lexical[a].multiply(self.profiles[t]).sum(axis=1)).ravel()
        semantic = None
        if features.semantic is not None and self.centroid_matrix is not None:
            dots = np.einsum("ij,ij->i", features.semantic[a], self.centroid_matrix[t])
            semantic = semantic_term(dots, params)
            score = score + w_sem * semantic
        if w_ent:
            columns = features.entity_columns
            rows, cols = [], []
            for index, common in enumerate(self.common):
                for entity in common:
                    col = columns.get(entity)
                    if col is not None:
                        rows.append(index)
                        cols.append(col)
            shape = (len(self.states), features.entity_matrix.shape[1])
            states_matrix = csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=shape)
            inter = np.asarray(features.entity_matrix[a].multiply(states_matrix[t]).sum(axis=1)).ravel()
            union = features.entity_sizes[a] + self.common_sizes[t] - inter
            score = score + w_ent * np.where(union > 0, inter / np.maximum(union, 1.0), 0.0)
        if semantic is not None and features.languages is not None:
            # An article in a language none of the event's members is written in: only the
            # vectors can tell (states stored before languages were recorded say nothing).
            foreign = np.array(
                [
                    lang >= 0 and bool(self.states[j].languages)
                    and features.language_names[lang] not in self.states[j].languages
                    for lang, j in zip(features.languages[a].tolist(), t.tolist(), strict=True)
                ],
                dtype=bool,
            )
            score = np.where(foreign, params.cross_language * semantic, score)
        with np.errstate(invalid="ignore"):
            outside = (features.days[a] < self.lo[t]) | (features.days[a] > self.hi[t])
        score = np.where(outside, 0.0, score)
        out: list[np.ndarray] = []
        position = 0
        for members, chosen in zip(clusters, picks, strict=True):
            count = len(members) * len(chosen)
            block = score[position : position + count].reshape(len(members), len(chosen))
            out.append(block.mean(axis=0) if count else np.zeros(len(chosen), dtype=np.float32))
            position += count
        return out


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def group_events(
    articles: Sequence[Article],
    vectors: np.ndarray | None = None,
    *,
    existing: Sequence[EventState] = (),
    params: EventParams | None = None,
) -> Grouping:
    """Group ``articles`` into events, attaching them to ``existing`` events where they belong.

    ``vectors[i]`` is the unit vector of ``articles[i]`` (mean of its title and lead passage
    vectors; ``None`` groups on lexical and entity signals only). Articles already listed in an
    existing state are re-grouped, and a state whose articles end up apart is recorded as split.
    Deterministic: same input, same events and ids.
    """
    params = params or EventParams()
    if not articles:
        return Grouping({}, {}, tuple(existing), (), ())
    if len({a.id for a in articles}) != len(articles):
        raise ValueError("group_events needs unique article ids")
    recent = _recent_states(existing, articles, params)
    state_docs = [" ".join(s.terms) for s in recent]
    features = article_features(articles, vectors, params=params, extra_documents=state_docs)
    clusters = _cluster(features, len(articles), params)
    owner_of = {aid: s.id for s in existing for aid in s.article_ids}
    by_id = {s.id: s for s in existing}
    regrouped = {a.id for a in articles if a.id in owner_of}
    # States as they were, minus the articles being re-grouped (their old membership is kept to
    # detect splits and to keep event ids stable).
    remaining = {s.id: tuple(a for a in s.article_ids if a not in regrouped) for s in existing}
    assignments: dict[str, str] = {}
    changes: list[EventChange] = []
    touched: dict[str, list[int]] = defaultdict(list)
    merged_into: dict[str, str] = {}
    index = _StateIndex(
        [s for s in recent if remaining[s.id] and (s.centroid is not None or s.terms)],
        features,
        params,
    )
    fresh = [
        number
        for number, members in enumerate(clusters)
        if not any(articles[i].id in owner_of for i in members)
    ]
    picks_of = dict(
        zip(fresh, index.candidates([clusters[k] for k in fresh], params.neighbours), strict=True)
    )
    scores_of = dict(
        zip(
            fresh,
            index.scores([clusters[k] for k in fresh], [picks_of[k] for k in fresh]),
            strict=True,
        )
    )
    # An old event id stays with the cluster holding most of its re-grouped articles.
    heir: dict[str, tuple[int, int]] = {}
    for number, members in enumerate(clusters):
        held = Counter(owner_of[articles[i].id] for i in members if articles[i].id in owner_of)
        for owner, count in held.items():
            if owner not in heir or count > heir[owner][0]:
                heir[owner] = (count, number)
    for number, members in enumerate(clusters):
        ids = [articles[i].id for i in members]
        held = Counter(owner_of[a] for a in ids if a in owner_of)
        previous_owners = Counter({o: c for o, c in held.items() if heir[o][1] == number})
        target: str | None = None
        best = 0.0
        if previous_owners:
            target = previous_owners.most_common(1)[0][0]
            best = 1.0
        elif picks_of.get(number):
            picks = picks_of[number]
            scores = scores_of[number]
            order = np.argsort(-scores, kind="stable")
            best = float(scores[order[0]])
            if best >= params.attach_threshold:
                target = index.states[picks[int(order[0])]].id
                for other in order[1:]:
                    if float(scores[other]) < params.merge_threshold:
                        break
                    source = index.states[picks[int(other)]].id
                    if source != target and source not in merged_into:
                        merged_into[source] = target
        if target is None:
            target = _event_id(ids)
            changes.append(EventChange("new", target, tuple(ids)))
        elif target in by_id and not previous_owners:
            changes.append(EventChange("grow", target, tuple(ids), similarity=best))
        for i in members:
            assignments[articles[i].id] = target
        touched[target].extend(members)
    # Splits: an old event whose re-grouped articles now sit in more than one event.
    for state in existing:
        regrouped_ids = [a for a in state.article_ids if a in regrouped]
        now = Counter(assignments[a] for a in regrouped_ids)
        others = tuple(sorted(e for e in now if e != state.id))
        if others:
            lost = tuple(a for a in regrouped_ids if assignments[a] != state.id)
            changes.append(EventChange("split", state.id, lost, sources=others))
    # Merges: fold source events into their targets, re-pointing assignments.
    for source, target in sorted(merged_into.items()):
        while target in merged_into:
            target = merged_into[target]
        moved = tuple(remaining.get(source, ()))
        changes.append(EventChange("merge", target, moved, sources=(source,)))
        for aid, event in list(assignments.items()):
            if event == source:
                assignments[aid] = target
    similarity = _member_similarity(assignments, articles, features, params)
    events = _updated_states(existing, touched, merged_into, remaining, articles, features, params)
    new_ids = tuple(c.event_id for c in changes if c.kind == "new")
    logger.info(
        "grouped %d articles: %d new events, %d grown, %d merges, %d splits",
        len(articles),
        len(new_ids),
        sum(1 for c in changes if c.kind == "grow"),
        sum(1 for c in changes if c.kind == "merge"),
        sum(1 for c in changes if c.kind == "split"),
    )
    return Grouping(assignments, similarity, events, new_ids, tuple(changes))


def _member_similarity(
    assignments: Mapping[str, str],
    articles: Sequence[Article],
    features: ArticleFeatures,
    params: EventParams,
) -> dict[str, float]:
    """Each article's average similarity to the other batch members of its event (1.0 alone)."""
    groups: dict[str, list[int]] = defaultdict(list)
    for index, article in enumerate(articles):
        groups[assignments[article.id]].append(index)
    members = list(groups.values())
    left, right, _owner = _within_pairs(members)
    values = pair_similarity(features, left, right, params=params)
    totals = np.bincount(left, weights=values, minlength=len(articles))
    sizes = np.zeros(len(articles))
    for group in members:
        sizes[group] = len(group)
    out: dict[str, float] = {}
    for index, article in enumerate(articles):
        if sizes[index] <= 1:
            out[article.id] = 1.0
        else:
            out[article.id] = round(float(totals[index] / (sizes[index] - 1)), 4)
    return out


def _updated_states(
    existing: Sequence[EventState],
    touched: Mapping[str, list[int]],
    merged_into: Mapping[str, str],
    remaining: Mapping[str, tuple[str, ...]],
    articles: Sequence[Article],
    features: ArticleFeatures,
    params: EventParams,
) -> tuple[EventState, ...]:
    by_id = {s.id: s for s in existing}
    out: dict[str, EventState] = {}
    for event_id, members in touched.items():
        previous = by_id.get(event_id)
        if previous is not None:
            kept = remaining[event_id]
            previous = replace(previous, article_ids=kept) if kept else None
        out[event_id] = _state_for(event_id, members, articles, features, params, previous)
    for source, target in merged_into.items():
        state = by_id[source]
        final = target
        while final in merged_into:
            final = merged_into[final]
        base = out.get(final) or by_id[final]
        out[final] = _combine(base, state)
    for state in existing:
        if state.id not in out and state.id not in merged_into and remaining[state.id]:
            out[state.id] = replace(state, article_ids=remaining[state.id])
    return tuple(out[k] for k in sorted(out))


def _combine(a: EventState, b: EventState) -> EventState:
    total = a.size + b.size
    centroid = None
    if a.centroid is not None and b.centroid is not None:
        centroid = ((a.centroid * a.size + b.centroid * b.size) / total).astype(np.float32)
    terms: dict[str, float] = defaultdict(float)
    for state in (a, b):
        for term, weight in state.terms.items():
            terms[term] += weight * state.size / total
    entities: Counter[str] = Counter(a.entities)
    entities.update(b.entities)
    firsts = [d for d in (a.first_published, b.first_published) if d]
    lasts = [d for d in (a.last_published, b.last_published) if d]
    return EventState(
        id=a.id,
        article_ids=a.article_ids + b.article_ids,
        centroid=centroid,
        terms=dict(terms),
        entities=dict(entities),
        first_published=min(firsts) if firsts else None,
        last_published=max(lasts) if lasts else None,
    )
