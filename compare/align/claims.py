"""Claims: inside one event, the passages of different articles that make the same claim.

:func:`align_event` scores candidate pairs of one event's passages and clusters them into
:class:`Claim` values (docs/evaluation.md, "Alignment"):

1. **Candidates**: for every passage and every other article, the ``neighbours`` passages of that
   article nearest by cosine.
2. **Pair probability**: the context-free same-claim decision of :mod:`compare.align.pairs` (a
   small scorer trained on MRPC and STS over cosine, word, character, name and number agreement).
3. **In-event evidence**, as in bitext mining: the *margin* of the pair's cosine over the mean
   cosine of each side's ``margin_k`` nearest passages in the other's article (a true match
   stands out among the other article's sentences, a loose topical one does not), and whether the
   two are each other's nearest passage in the other's article (*mutual*), and the TF-IDF cosine
   with IDF over the event's own passages (words every outlet uses for the event weigh little;
   names, places and figures much). The link score is the probability plus ``w_margin·margin``
   plus ``w_mutual·mutual`` plus ``w_lexical·tfidf``, not clipped. (The ratio margin of bitext
   mining explodes on small cosines; the difference stays bounded.)
4. **Clustering**: constrained average link. Two clusters join when the average link over their
   cross-article pairs reaches the decision threshold and no article would then hold more than
   ``max_per_article`` body passages (an article's headline may sit beside one body passage of
   it: a headline and its lead usually state the same claim; other passages of one article join
   only when they repeat each other, ``repeat_threshold``).

Every passage ends in exactly one claim; an unmatched one is a single-outlet claim (``unique``).
A passage that copies, near-verbatim, one of the article it reprints (``reprint_of``), or of
another outlet (wire copy), is flagged ``reprint`` and does not count as independent coverage.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from compare.align.pairs import (
    PairScorer,
    TextSignals,
    cross_language_scorer,
    default_scorer,
    pair_feature_matrix,
    rowwise,
    text_signals,
)
from compare.models import Passage

__all__ = [
    "AlignParams",
    "Claim",
    "ClaimMember",
    "EventPairs",
    "align_event",
    "event_pairs",
    "link_scores",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AlignParams:
    """The in-event part of the alignment; the pair scorer brings its own threshold.

    Defaults measured on ecbplus-dev and the demo corpus (docs/evaluation.md, "Alignment").
    """

    threshold: float | None = None  # link that starts a join; None: the scorer's threshold
    average: float | None = 0.5  # average cross-article link two clusters need; None: threshold
    w_margin: float = 2.0  # weight of the margin (cosine minus the sides' nearest) in the link
    w_mutual: float = 0.1  # bonus of a mutual nearest pair
    w_lexical: float = 1.5  # weight of the TF-IDF cosine with IDF over the event's own passages
    margin_k: int = 3  # neighbours in the other article that the margin compares against
    neighbours: int = 3  # candidate links kept per passage and other article
    max_per_article: int = 1  # body passages of one article allowed in one claim
    title_joins_body: bool = True  # an article's headline may sit beside one of its body passages
    repeat_threshold: float = 0.9  # cosine at which an extra passage of an article repeats one
    reprint_cosine: float = 0.97  # near-verbatim: cosine at least this
    reprint_chars: float = 0.9  # ...and character 3-gram cosine at least this


@dataclass(frozen=True)
class ClaimMember:
    """One passage in a claim, with its average score against the claim's other members."""

    article_id: str
    passage_index: int
    similarity: float
    reprint: bool = False


@dataclass(frozen=True)
class Claim:
    """Passages of different articles that make the same claim; ``central`` is the most typical."""

    id: str
    members: tuple[ClaimMember, ...]
    central: ClaimMember
    outlets: tuple[str, ...] = ()

    @property
    def unique(self) -> bool:
        """True when only one outlet carries the claim (reprints are not independent coverage)."""
        independent = {o for o, m in zip(self.outlets, self.members, strict=False) if not m.reprint}
        return len(independent or set(self.outlets)) <= 1


# --------------------------------------------------------------------------------------------
# Scores inside an event
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventPairs:
    """One event's passages prepared for scoring: vectors, text signals, article of each."""

    vectors: np.ndarray
    signals: TextSignals
    article: np.ndarray  # article number of each passage
    title: np.ndarray  # bool: the passage is a headline
    cosine: np.ndarray  # dense (n, n) cosine matrix
    near: np.ndarray  # (n, articles): mean cosine of each passage's margin_k nearest in each article
    best: np.ndarray  # (n, articles): the best cosine of each passage in each article
    lexical: Any = None  # L2-normalised TF-IDF rows, IDF over the event (None: not asked for)
    language: np.ndarray | None = None  # language number of each passage, -1 unknown (None: one language)


def event_pairs(
    texts: Sequence[str],
    vectors: np.ndarray,
    article: Sequence[int] | np.ndarray,
    *,
    titles: Sequence[bool] | None = None,
    params: AlignParams | None = None,
    languages: Sequence[str | None] | None = None,
) -> EventPairs:
    """Prepare one event (``article[i]`` numbers the article of passage ``i``, from 0;
    ``languages[i]`` is the language of passage ``i``, when known)."""
    params = params or AlignParams()
    vectors = np.asarray(vectors, dtype=np.float32)
    art = np.asarray(article, dtype=np.int64)
    cosine = vectors @ vectors.T
    n_articles = int(art.max()) + 1 if len(art) else 0
    near = np.zeros((len(art), n_articles), dtype=np.float32)
    best = np.zeros((len(art), n_articles), dtype=np.float32)
    for a in range(n_articles):
        cols = np.flatnonzero(art == a)
        if not len(cols):
            continue
        block = cosine[:, cols]
        k = min(params.margin_k, len(cols))
        top = -np.partition(-block, k - 1, axis=1)[:, :k]
        near[:, a] = top.mean(axis=1)
        best[:, a] = block.max(axis=1)
    flags = np.zeros(len(art), dtype=bool) if titles is None else np.asarray(titles, dtype=bool)
    lexical = _event_tfidf(texts) if params.w_lexical else None
    language = None
    if languages is not None and len({lang for lang in languages if lang}) > 1:
        numbers: dict[str, int] = {}
        language = np.array([numbers.setdefault(x, len(numbers)) if x else -1 for x in languages], np.int64)
    return EventPairs(vectors, text_signals(texts), art, flags, cosine, near, best, lexical, language)


def _event_tfidf(texts: Sequence[str]) -> Any:
    """TF-IDF rows with IDF fitted on the event's own passages: the words every outlet uses for
    the event weigh little, the specific ones (names, places, figures) much."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    try:
        vectoriser = TfidfVectorizer(sublinear_tf=True, stop_words="english", dtype=np.float32)
        return vectoriser.fit_transform(texts).tocsr()
    except ValueError:  # only stop words
        from scipy.sparse import csr_matrix

        return csr_matrix((len(texts), 1), dtype=np.float32)


def link_scores(
    event: EventPairs,
    rows: np.ndarray,
    cols: np.ndarray,
    *,
    scorer: PairScorer,
    params: AlignParams | None = None,
) -> np.ndarray:
    """The link score of each pair ``(rows[k], cols[k])``: probability plus in-event evidence."""
    params = params or AlignParams()
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    features = pair_feature_matrix(event.signals, event.vectors, rows, cols)
    probability = scorer.probability(features)
    if event.language is not None and len(rows):
        left, right = event.language[rows], event.language[cols]
        cross = (left != right) & (left >= 0) & (right >= 0)
        if cross.any():
            # Words, characters and names of two languages are not comparable: such pairs are
            # scored by the scorer trained on translations (compare.align.pairs).
            other = cross_language_scorer(scorer.model_id)
            if other is not None:
                probability = np.where(cross, other.probability(features), probability)
    score = probability.astype(np.float64)
    if params.w_margin or params.w_mutual:
        cosine = event.cosine[rows, cols]
        a_rows, a_cols = event.article[rows], event.article[cols]
        if params.w_margin:
            near = (event.near[rows, a_cols] + event.near[cols, a_rows]) / 2.0
            score += params.w_margin * (cosine - near)
        if params.w_mutual:
            mutual = (cosine >= event.best[rows, a_cols] - 1e-6) & (cosine >= event.best[cols, a_rows] - 1e-6)
            score += params.w_mutual * mutual
    if params.w_lexical and event.lexical is not None:
        score += params.w_lexical * rowwise(event.lexical, rows, cols)
    # Not clipped: ties at 0 or 1 would blur the ranking (the report clips what it shows).
    result: np.ndarray = score.astype(np.float32)
    return result


# --------------------------------------------------------------------------------------------
# Clustering
# --------------------------------------------------------------------------------------------


def _claim_id(members: Sequence[tuple[str, int]]) -> str:
    key = "\n".join(f"{a}:{i}" for a, i in sorted(members))
    return f"cl-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:12]}"


def align_event(
    passages: Sequence[Passage],
    vectors: np.ndarray,
    *,
    outlet_of: Mapping[str, str],
    reprint_of: Mapping[str, str] | None = None,
    params: AlignParams | None = None,
    model_id: str | None = None,
    scorer: PairScorer | None = None,
    language_of: Mapping[str, str | None] | None = None,
) -> list[Claim]:
    """Cluster one event's passages into claims.

    ``vectors[i]`` is the unit vector of ``passages[i]``; ``model_id`` names their encoder and
    picks the pair scorer trained on it (``scorer`` overrides it; without either, an untrained
    stand-in). ``outlet_of`` maps article id to outlet id; ``reprint_of`` maps an article id to
    the article it reprints, when known; ``language_of`` maps an article id to its language
    (pairs of two languages are scored by the cross-language scorer). Claims are returned
    largest first, ties by first passage; ids are content hashes of their members.
    """
    params = params or AlignParams()
    n = len(passages)
    if n == 0:
        return []
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.shape[0] != n:
        raise ValueError(f"{vectors.shape[0]} vectors for {n} passages")
    scorer = scorer or default_scorer(model_id or "")
    threshold = scorer.threshold if params.threshold is None else params.threshold
    articles = [p.article_id for p in passages]
    article_index = {a: k for k, a in enumerate(dict.fromkeys(articles))}
    art = np.array([article_index[a] for a in articles])
    event = event_pairs(
        [p.text for p in passages],
        vectors,
        art,
        titles=[p.kind == "title" for p in passages],
        params=params,
        languages=[language_of.get(a) for a in articles] if language_of else None,
    )
    score = _score_matrix(event, scorer, params)
    average = threshold if params.average is None else params.average
    labels = _constrained_average_link(score, event, threshold, average, params)
    reprints = _reprint_flags(passages, event, outlet_of, reprint_of or {}, labels, params)
    groups: dict[int, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        groups[label].append(index)
    english = [_is_english((language_of or {}).get(p.article_id)) for p in passages]
    claims = [
        _make_claim(members, passages, score, art, reprints, outlet_of, english)
        for members in groups.values()
    ]
    claims.sort(key=lambda c: (-len(c.members), _first(c, passages)))
    logger.debug("aligned %d passages into %d claims", n, len(claims))
    return claims


def _first(claim: Claim, passages: Sequence[Passage]) -> int:
    order = {(p.article_id, p.index): k for k, p in enumerate(passages)}
    return min(order[(m.article_id, m.passage_index)] for m in claim.members)


def _candidates(event: EventPairs, params: AlignParams) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``i < j`` of different articles where one is among the other's ``neighbours``
    nearest passages of its article."""
    n = len(event.article)
    cosine = event.cosine
    keep = np.zeros((n, n), dtype=bool)
    for a in np.unique(event.article):
        cols = np.flatnonzero(event.article == a)
        k = min(params.neighbours, len(cols))
        top = np.argpartition(-cosine[:, cols], k - 1, axis=1)[:, :k]
        keep[np.arange(n)[:, None], cols[top]] = True
    keep |= keep.T
    keep &= event.article[:, None] != event.article[None, :]
    rows, cols = np.nonzero(np.triu(keep, k=1))
    return rows, cols


def _score_matrix(event: EventPairs, scorer: PairScorer, params: AlignParams) -> np.ndarray:
    """Dense link scores over the candidate pairs (0 elsewhere)."""
    n = len(event.article)
    rows, cols = _candidates(event, params)
    score = np.zeros((n, n), dtype=np.float32)
    if len(rows):
        values = link_scores(event, rows, cols, scorer=scorer, params=params)
        score[rows, cols] = values
        score[cols, rows] = values
    return score


def _constrained_average_link(
    score: np.ndarray, event: EventPairs, threshold: float, average: float, params: AlignParams
) -> list[int]:
    """Greedy average-link merging under the per-article constraint.

    Candidate links of at least ``threshold`` are taken best first; two clusters join when the
    average link over their cross-article pairs reaches ``average`` and no article would hold more than
    ``max_per_article`` body passages and one headline (unless the extra passages repeat each
    other). Running matrices of link sums and per-article counts make each check O(articles)
    and each merge O(n).
    """
    art = event.article
    n = len(art)
    n_articles = int(art.max()) + 1
    # Slots: a headline counts apart from its article's body passages when it may join one.
    slot = art * 2 + (event.title if params.title_joins_body else 0)
    label = np.arange(n)
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    per_article = np.zeros((n, n_articles), dtype=np.int32)
    per_article[np.arange(n), art] = 1
    per_slot = np.zeros((n, n_articles * 2), dtype=np.int32)
    per_slot[np.arange(n), slot] = 1
    sums = score.astype(np.float64)
    rows, cols = np.nonzero(np.triu(score >= threshold, k=1))
    order = np.argsort(-score[rows, cols], kind="stable")
    # Whether two clusters may join depends on their members alone: a pair of clusters refused
    # once is refused again until one of them grows. In a large event many candidate links
    # join the same two clusters, and checking each again was most of the loop.
    version = [0] * n
    refused: set[tuple[int, int, int, int]] = set()
    for k in order:
        a, b = int(label[rows[k]]), int(label[cols[k]])
        if a == b:
            continue
        if a > b:
            a, b = b, a
        seen = (a, version[a], b, version[b])
        if seen in refused:
            continue
        ma, mb = members[a], members[b]
        cross = len(ma) * len(mb) - int(per_article[a] @ per_article[b])
        if cross <= 0 or sums[a, b] / cross < average:
            refused.add(seen)
            continue
        joint = per_slot[a] + per_slot[b]
        if joint.max() > params.max_per_article:
            ia, ib = np.asarray(ma), np.asarray(mb)  # the cross block, indexed directly (np.ix_ costs more)
            same = slot[ia][:, None] == slot[ib][None, :]
            repeats = event.cosine[ia[:, None], ib][same]
            if not len(repeats) or float(repeats.min()) < params.repeat_threshold:
                refused.add(seen)
                continue
        keep, gone = a, b
        version[keep] += 1
        members[keep] = sorted(ma + mb)
        per_article[keep] += per_article[gone]
        per_slot[keep] = joint
        sums[keep, :] += sums[gone, :]
        sums[:, keep] += sums[:, gone]
        label[members[gone]] = keep
        del members[gone]
    return [int(x) for x in label]


def _reprint_flags(
    passages: Sequence[Passage],
    event: EventPairs,
    outlet_of: Mapping[str, str],
    reprint_of: Mapping[str, str],
    labels: Sequence[int],
    params: AlignParams,
) -> list[bool]:
    """Flag passages that copy, near-verbatim, a passage of the article they reprint (or wire
    copy across outlets): the later copy in input order is the reprint.

    Only pairs of one claim, of different articles and with a cosine near the reprint bar are
    looked at closely (a few per event), so the check costs one pass over the cosine matrix.
    """
    flags = [False] * len(passages)
    label = np.asarray(labels)
    close = np.triu(event.cosine >= params.reprint_cosine - 0.05, k=1)
    close &= label[:, None] == label[None, :]
    close &= event.article[:, None] != event.article[None, :]
    rows, cols = np.nonzero(close)
    if not len(rows):
        return flags
    lexical = rowwise(event.signals.chars, rows, cols)
    for i, j, chars in zip(rows.tolist(), cols.tolist(), lexical.tolist(), strict=True):
        ai, aj = passages[i].article_id, passages[j].article_id
        declared = reprint_of.get(aj) == ai or reprint_of.get(ai) == aj
        verbatim = float(event.cosine[i, j]) >= params.reprint_cosine and chars >= params.reprint_chars
        if declared or verbatim:
            copy = i if reprint_of.get(ai) == aj else j
            if outlet_of.get(ai) != outlet_of.get(aj) or declared:
                flags[copy] = True
    return flags


def _is_english(language: str | None) -> bool:
    return language is None or language.split("-")[0].lower() == "en"


def _make_claim(
    members: Sequence[int],
    passages: Sequence[Passage],
    score: np.ndarray,
    art: np.ndarray,
    reprints: Sequence[bool],
    outlet_of: Mapping[str, str],
    english: Sequence[bool],
) -> Claim:
    if len(members) == 1:
        similarity = [1.0]
    else:
        block = score[np.ix_(members, members)]
        other = art[members][:, None] != art[members][None, :]
        counts = other.sum(axis=1)
        similarity = [
            float(block[k][other[k]].sum() / counts[k]) if counts[k] else 1.0 for k in range(len(members))
        ]
    built = [
        ClaimMember(
            passages[i].article_id,
            passages[i].index,
            round(min(1.0, max(0.0, sim)), 4) if not math.isnan(sim) else 0.0,
            reprint=reprints[i],
        )
        for i, sim in zip(members, similarity, strict=True)
    ]
    # The claim is shown in English when one of its sentences is (the others are read beside it),
    # and by a body passage when it has one (a headline states it in short).
    central = max(
        range(len(built)),
        key=lambda k: (english[members[k]], passages[members[k]].kind != "title", similarity[k], -k),
    )
    outlets = tuple(outlet_of.get(m.article_id, m.article_id) for m in built)
    key = [(m.article_id, m.passage_index) for m in built]
    return Claim(_claim_id(key), tuple(built), built[central], outlets)
