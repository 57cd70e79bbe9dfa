"""``newscompare eval align FILE.jsonl``: how well the pair score separates same-claim pairs.

Reads an ``alignment/*.jsonl`` file. For every event, the candidate sentences of different
articles form pairs; gold ``pairs`` are positives, the other candidate pairs negatives (77% of
pairs are positive in ECB+, so a thresholded F1 means little). Reported: ROC-AUC of
:func:`compare.align.pair_scores` and precision at recall 0.8, beside two baselines scored in the
same run: plain TF-IDF cosine (IDF over the event's sentences) and plain embedding cosine.

The pair score sees every sentence of the event (centrality, position), as the pipeline does,
but never the gold pairs.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from compare.align import FEATURE_NAMES, AlignParams, feature_matrix, pair_features
from compare.embed import Embedder, HashingEmbedder
from compare.evaluate._data import AlignEvent, load_align

__all__ = ["collect_pairs", "evaluate_align", "precision_at_recall", "roc_auc"]


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


def collect_pairs(
    events: list[AlignEvent], embedder: Embedder
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Features, labels, event number and plain cosine of every cross-article candidate pair."""
    blocks, labels, groups, cosines = [], [], [], []
    for number, event in enumerate(events):
        texts: list[str] = []
        where: dict[tuple[str, int], int] = {}
        positions: list[int] = []
        for article in event.articles:
            for index, sentence in enumerate(article.sentences):
                where[(article.id, index)] = len(texts)
                texts.append(sentence)
                positions.append(index)
        if not texts:
            continue
        vectors = embedder.embed(texts)
        features = pair_features(texts, vectors, positions)
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
        blocks.append(feature_matrix(features, r, c))
        labels.append(np.array(gold, dtype=bool))
        groups.append(np.full(len(rows), number))
        cosines.append(np.einsum("ij,ij->i", vectors[r], vectors[c]))
    if not blocks:
        return (np.zeros((0, len(FEATURE_NAMES))), np.zeros(0, bool), np.zeros(0), np.zeros(0))
    return (
        np.concatenate(blocks),
        np.concatenate(labels),
        np.concatenate(groups),
        np.concatenate(cosines),
    )


def evaluate_align(
    path: Path, *, embedder: Embedder | None = None, params: AlignParams | None = None
) -> dict[str, Any]:
    """Score the alignment pair score on one alignment file (``embedder=None``: hashing)."""
    started = time.perf_counter()
    params = params or AlignParams()
    events = load_align(Path(path))
    embedder = embedder or HashingEmbedder()
    features, labels, _groups, _cos = collect_pairs(events, embedder)
    coefficients = np.array([getattr(params, f"w_{name}") for name in FEATURE_NAMES], dtype=np.float64)
    # The logit of compare.align.pair_scores: monotone in the score, so the same AUC.
    scores = features @ coefficients + params.intercept
    result: dict[str, Any] = {
        "auc": round(roc_auc(labels, scores), 4),
        "precision_at_recall_0_8": round(precision_at_recall(labels, scores), 4),
        "n": len(labels),
        "positives": int(labels.sum()),
        "events": len(events),
        "model": embedder.model_id,
        "baselines": {
            "tfidf_cosine": {
                "auc": round(roc_auc(labels, features[:, 1]), 4),
                "precision_at_recall_0_8": round(precision_at_recall(labels, features[:, 1]), 4),
            },
            "embedding_cosine": {
                "auc": round(roc_auc(labels, features[:, 0]), 4),
                "precision_at_recall_0_8": round(precision_at_recall(labels, features[:, 0]), 4),
            },
        },
    }
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result
