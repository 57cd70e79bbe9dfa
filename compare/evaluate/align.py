"""``newscompare eval align FILE.jsonl``: how well the pair score separates same-claim pairs.

Reads an ``alignment/*.jsonl`` file. For every event, the candidate sentences of different
articles form pairs; gold ``pairs`` are positives, the other candidate pairs negatives (77% of
pairs are positive in ECB+, so a thresholded F1 means little). Reported: ROC-AUC and precision
at recall 0.8 of the pipeline's link score (:func:`compare.align.link_scores`: the pair
probability plus the in-event margin evidence), beside baselines scored in the same run: the
pair probability alone, plain TF-IDF cosine (IDF over the event's sentences) and plain
embedding cosine.

The link score sees every sentence of the event, as the pipeline does, but never the gold pairs.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from compare.align import AlignParams, default_scorer, event_pairs, link_scores
from compare.embed import Embedder, HashingEmbedder
from compare.evaluate._data import AlignEvent, load_align

__all__ = ["ScoredPairs", "collect_pairs", "evaluate_align", "precision_at_recall", "roc_auc"]


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (ties count one half), without scikit-learn."""
    labels = np.asarray(labels, dtype=bool)
    scores = np.asarray(scores, dtype=np.float64)
    positives, negatives = int(labels.sum()), int((~labels).sum())
    if not positives or not negatives:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores), dtype=np.float64)
    sorted_scores = scores[order]
    start = 0
    while start < len(scores):
        end = start
        while end + 1 < len(scores) and sorted_scores[end + 1] == sorted_scores[start]:
            end += 1
        ranks[order[start : end + 1]] = (start + end) / 2.0 + 1.0
        start = end + 1
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def precision_at_recall(labels: np.ndarray, scores: np.ndarray, recall: float = 0.8) -> float:
    """The best precision at any threshold whose recall is at least ``recall``."""
    labels = np.asarray(labels, dtype=bool)
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="mergesort")
    hits = np.cumsum(labels[order])
    total = int(labels.sum())
    if not total:
        return float("nan")
    recalls = hits / total
    precisions = hits / np.arange(1, len(order) + 1)
    ok = recalls >= recall
    return float(precisions[ok].max()) if ok.any() else 0.0


@dataclass(frozen=True)
class ScoredPairs:
    """Every cross-article candidate pair of an alignment file, with the scores to compare."""

    labels: np.ndarray
    link: np.ndarray  # the pipeline's link score (probability + in-event evidence)
    probability: np.ndarray  # the context-free pair probability alone
    cosine: np.ndarray
    tfidf: np.ndarray  # TF-IDF cosine, IDF over the event's sentences
    event: np.ndarray  # event number of each pair


def _tfidf(texts: list[str], rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer

    try:
        matrix = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(texts).tocsr()
    except ValueError:  # only stop words
        return np.zeros(len(rows))
    return np.asarray(matrix[rows].multiply(matrix[cols]).sum(axis=1)).ravel()


def collect_pairs(
    events: list[AlignEvent], embedder: Embedder, *, params: AlignParams | None = None
) -> ScoredPairs:
    """Score every cross-article candidate pair; the scores see every sentence of the event
    (the margin compares against the other article's sentences), never the gold pairs."""
    params = params or AlignParams()
    scorer = default_scorer(embedder.model_id)
    parts: dict[str, list[np.ndarray]] = defaultdict(list)
    for number, event in enumerate(events):
        texts: list[str] = []
        where: dict[tuple[str, int], int] = {}
        article: list[int] = []
        for k, item in enumerate(event.articles):
            for index, sentence in enumerate(item.sentences):
                where[(item.id, index)] = len(texts)
                texts.append(sentence)
                article.append(k)
        rows, cols, gold = [], [], []
        ids = [a.id for a in event.articles]
        for x, a in enumerate(ids):
            for b in ids[x + 1 :]:
                for i in event.candidates.get(a, ()):
                    for j in event.candidates.get(b, ()):
                        rows.append(where[(a, i)])
                        cols.append(where[(b, j)])
                        gold.append((a, i, b, j) in event.pairs)
        if not rows:
            continue
        r, c = np.array(rows), np.array(cols)
        prepared = event_pairs(texts, embedder.embed(texts), article, params=params)
        parts["labels"].append(np.array(gold, dtype=bool))
        parts["link"].append(link_scores(prepared, r, c, scorer=scorer, params=params))
        parts["probability"].append(link_scores(prepared, r, c, scorer=scorer, params=_PROBABILITY_ONLY))
        parts["cosine"].append(prepared.cosine[r, c])
        parts["tfidf"].append(_tfidf(texts, r, c))
        parts["event"].append(np.full(len(rows), number))
    fields = ("labels", "link", "probability", "cosine", "tfidf", "event")
    return ScoredPairs(
        **{name: np.concatenate(parts[name]) if parts[name] else np.zeros(0) for name in fields}
    )


_PROBABILITY_ONLY = AlignParams(w_margin=0.0, w_mutual=0.0, w_lexical=0.0)


def _scores(labels: np.ndarray, values: np.ndarray) -> dict[str, float]:
    return {
        "auc": round(roc_auc(labels, values), 4),
        "precision_at_recall_0_8": round(precision_at_recall(labels, values), 4),
    }


def evaluate_align(
    path: Path, *, embedder: Embedder | None = None, params: AlignParams | None = None
) -> dict[str, Any]:
    """Score the alignment's link score on one alignment file (``embedder=None``: hashing)."""
    started = time.perf_counter()
    events = load_align(Path(path))
    embedder = embedder or HashingEmbedder()
    pairs = collect_pairs(events, embedder, params=params)
    result: dict[str, Any] = {
        **_scores(pairs.labels, pairs.link),
        "n": len(pairs.labels),
        "positives": int(pairs.labels.sum()),
        "events": len(events),
        "model": embedder.model_id,
        "baselines": {
            "pair_probability": _scores(pairs.labels, pairs.probability),
            "tfidf_cosine": _scores(pairs.labels, pairs.tfidf),
            "embedding_cosine": _scores(pairs.labels, pairs.cosine),
        },
    }
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result
