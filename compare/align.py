"""Claim alignment: inside one event, which passages of different articles make the same claim.

:func:`pair_scores` scores passage pairs with a logistic mix of signals, calibrated on the shared
dev data (ECB+ alignment and STS headlines; docs/evaluation.md, "Alignment"):

- MiniLM cosine of the two passages;
- TF-IDF cosine, with IDF fitted on the event's own passages (so words every outlet uses for the
  event weigh little, and the specific ones — names, places, figures — weigh much);
- agreement of named entities, and of numbers (shared figure vs. disagreeing figures);
- how central each passage is to the event (cosine to the mean of all its passages) and how early
  it comes in its article: lead sentences state the event itself, later ones background.

:func:`align_event` then clusters the passages into :class:`Claim` values by constrained
average-link clustering: two clusters join only when no article would then hold more than
``max_per_article`` passages and their average score is at least ``threshold``. Every passage ends
in exactly one claim; an unmatched one is a single-outlet claim (``unique``). A passage that is
near-verbatim the same as one in the article it reprints (``reprint_of``), or as one of another
outlet (wire copy), is flagged ``reprint`` and does not count as independent coverage.

Title passages (kind ``"title"``) are aligned like any other passage when the caller includes them;
the pipeline includes them, so a claim made only in a headline is still compared.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from compare.models import Passage
from compare.wordlists import NOT_NAMES

__all__ = [
    "AlignParams",
    "Claim",
    "ClaimMember",
    "PairFeatures",
    "align_event",
    "pair_features",
    "pair_scores",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AlignParams:
    """Coefficients of the pair score and the clustering thresholds.

    The score is ``sigmoid(intercept + Σ w·feature)``. Measured on the dev data
    (docs/evaluation.md, "Alignment"): a logistic regression over all seven features did no
    better in event-grouped cross-validation on ecbplus-dev (AUC 0.712) than a plain mix of
    cosine and TF-IDF, and entities, numbers, centrality and position each added nothing, so
    their weights are 0 (kept as knobs). The mix 0.4·cosine + 0.6·TF-IDF balances ECB+ (where
    TF-IDF ranks better) and STS headlines (where cosine does); the scale 10 and intercept -5
    put the score's midpoint at a mix of 0.5, the best same-claim threshold on STS (score >= 3.5)
    once in-event IDF is taken into account.
    """

    intercept: float = -5.0
    w_cosine: float = 4.0
    w_lexical: float = 6.0
    w_entities: float = 0.0
    w_numbers_shared: float = 0.0
    w_numbers_conflict: float = 0.0
    w_centrality: float = 0.0
    w_position: float = 0.0
    threshold: float = 0.3  # average pair score needed for two clusters to join (see docs)
    max_per_article: int = 1  # passages of one article allowed in one claim
    repeat_threshold: float = 0.9  # ...unless the extra passage repeats one already in the claim
    reprint_cosine: float = 0.97  # near-verbatim: cosine at least this
    reprint_lexical: float = 0.9  # ...and TF-IDF cosine at least this
    neighbours: int = 3  # candidate links kept per passage and other article


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
# Pair features
# --------------------------------------------------------------------------------------------

_NAME = re.compile(r"(?<![\w])[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)*")
_NUMBER = re.compile(r"(?<![\w.])\d[\d,.]*")
_COMMON = NOT_NAMES
_NUMBER_WORDS = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
}


def _names(text: str) -> frozenset[str]:
    out = set()
    for match in _NAME.finditer(text):
        for word in match.group(0).split():
            word = word.strip("'’-")
            if word not in _COMMON and len(word) > 1:
                out.add(word.lower())
    return frozenset(out)


def _numbers(text: str) -> frozenset[str]:
    found = {m.group(0).rstrip(".,").replace(",", "") for m in _NUMBER.finditer(text)}
    lower = text.lower()
    found |= {digit for word, digit in _NUMBER_WORDS.items() if re.search(rf"\b{word}\b", lower)}
    return frozenset(n for n in found if n)


@dataclass(frozen=True)
class PairFeatures:
    """Per-passage features of one event, from which any pair's features are read."""

    vectors: np.ndarray
    lexical: Any  # scipy.sparse.csr_matrix, L2-normalised TF-IDF rows
    names: tuple[frozenset[str], ...]
    numbers: tuple[frozenset[str], ...]
    centrality: np.ndarray
    position: np.ndarray


def pair_features(texts: Sequence[str], vectors: np.ndarray, positions: Sequence[int]) -> PairFeatures:
    """Features of one event's passages; IDF is fitted on these texts only."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.shape[0] != len(texts):
        raise ValueError(f"{vectors.shape[0]} vectors for {len(texts)} passages")
    try:
        lexical = (
            TfidfVectorizer(sublinear_tf=True, stop_words="english", dtype=np.float32)
            .fit_transform(texts)
            .tocsr()
        )
    except ValueError:  # only stop words or empty texts
        from scipy.sparse import csr_matrix

        lexical = csr_matrix((len(texts), 1), dtype=np.float32)
    mean = vectors.mean(axis=0) if len(texts) else np.zeros(vectors.shape[1], dtype=np.float32)
    norm = float(np.linalg.norm(mean))
    centrality = vectors @ (mean / norm) if norm else np.zeros(len(texts), dtype=np.float32)
    return PairFeatures(
        vectors=vectors,
        lexical=lexical,
        names=tuple(_names(t) for t in texts),
        numbers=tuple(_numbers(t) for t in texts),
        centrality=np.asarray(centrality, dtype=np.float32),
        position=np.log1p(np.asarray(positions, dtype=np.float32)),
    )


FEATURE_NAMES = (
    "cosine",
    "lexical",
    "entities",
    "numbers_shared",
    "numbers_conflict",
    "centrality",
    "position",
)


def _indicator(sets: Sequence[frozenset[str]]) -> Any:
    """A sparse 0/1 matrix with one row per set and one column per distinct member."""
    from scipy.sparse import csr_matrix

    column: dict[str, int] = {}
    rows, cols = [], []
    for row, members in enumerate(sets):
        for member in members:
            rows.append(row)
            cols.append(column.setdefault(member, len(column)))
    data = np.ones(len(rows), dtype=np.float32)
    return csr_matrix((data, (rows, cols)), shape=(len(sets), max(1, len(column))))


def _overlap(
    sets: Sequence[frozenset[str]], rows: np.ndarray, cols: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sizes of the intersection and of each side for every pair, vectorised."""
    matrix = _indicator(sets)
    inter = np.asarray(matrix[rows].multiply(matrix[cols]).sum(axis=1)).ravel()
    size = np.array([len(x) for x in sets], dtype=np.float32)
    return inter, size[rows], size[cols]


def feature_matrix(features: PairFeatures, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """The raw feature vector (FEATURE_NAMES order) of each pair ``(rows[k], cols[k])``."""
    vec = features.vectors
    out = np.zeros((len(rows), len(FEATURE_NAMES)), dtype=np.float32)
    if not len(rows):
        return out
    out[:, 0] = np.einsum("ij,ij->i", vec[rows], vec[cols])
    lex = features.lexical
    out[:, 1] = np.asarray(lex[rows].multiply(lex[cols]).sum(axis=1)).ravel()
    inter, size_a, size_b = _overlap(features.names, rows, cols)
    union = size_a + size_b - inter
    out[:, 2] = np.where(union > 0, inter / np.maximum(union, 1.0), 0.0)
    inter, size_a, size_b = _overlap(features.numbers, rows, cols)
    both = (size_a > 0) & (size_b > 0)
    out[:, 3] = both & (inter > 0)
    out[:, 4] = both & (inter == 0)
    out[:, 5] = np.minimum(features.centrality[rows], features.centrality[cols])
    out[:, 6] = features.position[rows] + features.position[cols]
    return out


def _coefficients(params: AlignParams) -> np.ndarray:
    return np.array(
        [
            params.w_cosine,
            params.w_lexical,
            params.w_entities,
            params.w_numbers_shared,
            params.w_numbers_conflict,
            params.w_centrality,
            params.w_position,
        ],
        dtype=np.float32,
    )


def pair_scores(
    features: PairFeatures, rows: np.ndarray, cols: np.ndarray, *, params: AlignParams | None = None
) -> np.ndarray:
    """Probability-like scores (0–1) that passages ``rows[k]`` and ``cols[k]`` make one claim."""
    params = params or AlignParams()
    logits = feature_matrix(features, rows, cols) @ _coefficients(params) + params.intercept
    scores: np.ndarray = (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)
    return scores


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
) -> list[Claim]:
    """Cluster one event's passages into claims.

    ``vectors[i]`` is the unit vector of ``passages[i]``; ``outlet_of`` maps article id to outlet
    id; ``reprint_of`` maps an article id to the article it reprints, when known. Passages of the
    same article are never linked unless one repeats another (``repeat_threshold``). Claims are
    returned largest first, ties by first passage; ids are content hashes of their members.
    """
    params = params or AlignParams()
    n = len(passages)
    if n == 0:
        return []
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.shape[0] != n:
        raise ValueError(f"{vectors.shape[0]} vectors for {n} passages")
    features = pair_features([p.text for p in passages], vectors, [p.index for p in passages])
    articles = [p.article_id for p in passages]
    article_index = {a: k for k, a in enumerate(dict.fromkeys(articles))}
    art = np.array([article_index[a] for a in articles])
    score = _score_matrix(features, art, params)
    labels = _constrained_average_link(score, art, params)
    reprints = _reprint_flags(passages, features, outlet_of, reprint_of or {}, labels, params)
    groups: dict[int, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        groups[label].append(index)
    claims = []
    for members in groups.values():
        claims.append(_make_claim(members, passages, score, reprints, outlet_of))
    claims.sort(key=lambda c: (-len(c.members), _first(c, passages)))
    logger.debug("aligned %d passages into %d claims", n, len(claims))
    return claims


def _first(claim: Claim, passages: Sequence[Passage]) -> int:
    order = {(p.article_id, p.index): k for k, p in enumerate(passages)}
    return min(order[(m.article_id, m.passage_index)] for m in claim.members)


def _score_matrix(features: PairFeatures, art: np.ndarray, params: AlignParams) -> np.ndarray:
    """Dense pair scores; only the ``neighbours`` best cosines per passage and article count."""
    n = len(art)
    cosine = features.vectors @ features.vectors.T
    keep = np.zeros((n, n), dtype=bool)
    for a in np.unique(art):
        cols = np.flatnonzero(art == a)
        k = min(params.neighbours, len(cols))
        top = np.argpartition(-cosine[:, cols], k - 1, axis=1)[:, :k]
        keep[np.arange(n)[:, None], cols[top]] = True
    keep |= keep.T
    np.fill_diagonal(keep, False)
    rows, cols = np.nonzero(np.triu(keep))
    score = np.zeros((n, n), dtype=np.float32)
    if len(rows):
        values = pair_scores(features, rows, cols, params=params)
        score[rows, cols] = values
        score[cols, rows] = values
    return score


def _constrained_average_link(score: np.ndarray, art: np.ndarray, params: AlignParams) -> list[int]:
    """Greedy average-link merging under the one-passage-per-article constraint.

    Candidate links are taken best first; two clusters join when the average score between them
    reaches ``threshold`` and no article would hold more than ``max_per_article`` passages (unless
    the extra passages repeat each other). A running matrix of score sums between clusters makes
    each check O(1) and each merge O(n).
    """
    n = len(art)
    n_articles = int(art.max()) + 1
    label = np.arange(n)
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    counts = np.zeros((n, n_articles), dtype=np.int32)
    counts[np.arange(n), art] = 1
    sums = score.astype(np.float64)
    rows, cols = np.nonzero(np.triu(score >= params.threshold, k=1))
    order = np.argsort(-score[rows, cols], kind="stable")
    for k in order:
        a, b = int(label[rows[k]]), int(label[cols[k]])
        if a == b:
            continue
        ma, mb = members[a], members[b]
        if sums[a, b] / (len(ma) * len(mb)) < params.threshold:
            continue
        joint = counts[a] + counts[b]
        if joint.max() > params.max_per_article:
            same = art[ma][:, None] == art[mb][None, :]
            repeats = score[np.ix_(ma, mb)][same]
            if not len(repeats) or float(repeats.min()) < params.repeat_threshold:
                continue
        keep, gone = (a, b) if a < b else (b, a)
        members[keep] = sorted(ma + mb)
        counts[keep] = joint
        sums[keep, :] += sums[gone, :]
        sums[:, keep] += sums[:, gone]
        label[members[gone]] = keep
        del members[gone]
    return [int(x) for x in label]


def _reprint_flags(
    passages: Sequence[Passage],
    features: PairFeatures,
    outlet_of: Mapping[str, str],
    reprint_of: Mapping[str, str],
    labels: Sequence[int],
    params: AlignParams,
) -> list[bool]:
    """Flag passages that copy, near-verbatim, a passage of the article they reprint (or wire
    copy across outlets): the later copy in input order is the reprint."""
    flags = [False] * len(passages)
    groups: dict[int, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        groups[label].append(index)
    lex = features.lexical
    for members in groups.values():
        if len(members) < 2:
            continue
        cosines = features.vectors[members] @ features.vectors[members].T
        lexicals = (lex[members] @ lex[members].T).toarray()
        for pos, j in enumerate(members):
            aj = passages[j].article_id
            for other, i in enumerate(members[:pos]):
                ai = passages[i].article_id
                if ai == aj:
                    continue
                declared = reprint_of.get(aj) == ai or reprint_of.get(ai) == aj
                cosine = float(cosines[other, pos])
                lexical = float(lexicals[other, pos])
                verbatim = cosine >= params.reprint_cosine and lexical >= params.reprint_lexical
                if (declared and cosine >= params.reprint_cosine - 0.05) or verbatim:
                    copy = i if reprint_of.get(ai) == aj else j
                    if outlet_of.get(ai) != outlet_of.get(aj) or declared:
                        flags[copy] = True
    return flags


def _make_claim(
    members: Sequence[int],
    passages: Sequence[Passage],
    score: np.ndarray,
    reprints: Sequence[bool],
    outlet_of: Mapping[str, str],
) -> Claim:
    if len(members) == 1:
        similarity = [1.0]
    else:
        block = score[np.ix_(members, members)]
        similarity = [float((block[k].sum()) / (len(members) - 1)) for k in range(len(members))]
    built = [
        ClaimMember(
            passages[i].article_id,
            passages[i].index,
            round(sim, 4) if not math.isnan(sim) else 0.0,
            reprint=reprints[i],
        )
        for i, sim in zip(members, similarity, strict=True)
    ]
    central = max(range(len(built)), key=lambda k: (similarity[k], -k))
    outlets = tuple(outlet_of.get(m.article_id, m.article_id) for m in built)
    key = [(m.article_id, m.passage_index) for m in built]
    return Claim(_claim_id(key), tuple(built), built[central], outlets)
