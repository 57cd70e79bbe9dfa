"""``newscompare eval events FILE.jsonl``: B-cubed scores of the event grouping.

Reads an ``events/*.jsonl`` file, groups all its articles at once with
:func:`compare.events.group_events` (never looking at the gold ``event``), and scores the result
with B-cubed precision, recall and F1. The two reference baselines of issue 6 are scored in the
same run under ``baselines``: TF-IDF + average link, and the mean-vector MiniLM cosine with
average link (their thresholds are the ones tuned on the dev splits, as ours are).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from compare.embed import Embedder
from compare.evaluate._data import article_vectors, load_events
from compare.events import EventParams, group_events

__all__ = ["bcubed", "evaluate_events"]

#: Thresholds of the baselines, tuned on the dev splits (scripts in docs/evaluation.md).
TFIDF_BASELINE_THRESHOLD = 0.20
VECTOR_BASELINE_THRESHOLD = 0.60


def bcubed(predicted: Sequence[str], gold: Sequence[str]) -> dict[str, float]:
    """B-cubed precision, recall and F1 of a predicted clustering against the gold one."""
    if len(predicted) != len(gold):
        raise ValueError("predicted and gold labels differ in length")
    by_pred: dict[str, list[int]] = defaultdict(list)
    by_gold: dict[str, list[int]] = defaultdict(list)
    for index, (p, g) in enumerate(zip(predicted, gold, strict=True)):
        by_pred[p].append(index)
        by_gold[g].append(index)
    precision = recall = 0.0
    for index, (p, g) in enumerate(zip(predicted, gold, strict=True)):
        same = sum(1 for other in by_pred[p] if gold[other] == g)
        precision += same / len(by_pred[p])
        recall += same / len(by_gold[g])
        del index
    n = len(gold) or 1
    precision, recall = precision / n, recall / n
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"bcubed_precision": precision, "bcubed_recall": recall, "bcubed_f1": f1}


def _average_link_labels(sim: np.ndarray, threshold: float) -> list[str]:
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    if sim.shape[0] == 1:
        return ["0"]
    distance = np.clip(1.0 - (sim + sim.T) / 2.0, 0.0, None)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="average")
    return [str(x) for x in fcluster(tree, t=1.0 - threshold, criterion="distance")]


def tfidf_baseline(texts: Sequence[str], threshold: float = TFIDF_BASELINE_THRESHOLD) -> list[str]:
    """The reference baseline: TF-IDF of title + text, cosine, average link."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    matrix = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)
    return _average_link_labels((matrix @ matrix.T).toarray(), threshold)


def _rounded(scores: dict[str, float], labels: Sequence[str]) -> dict[str, Any]:
    out: dict[str, Any] = {k: round(v, 4) for k, v in scores.items()}
    out["n_pred"] = len(set(labels))
    return out


def evaluate_events(
    path: Path,
    *,
    embedder: Embedder | None = None,
    params: EventParams | None = None,
    baselines: bool = True,
) -> dict[str, Any]:
    """Score event grouping on one events file; ``embedder=None`` groups without vectors."""
    started = time.perf_counter()
    data = load_events(Path(path))
    vectors = article_vectors(data.articles, embedder) if embedder is not None else None
    grouping = group_events(data.articles, vectors, params=params)
    predicted = [grouping.assignments[a.id] for a in data.articles]
    result: dict[str, Any] = _rounded(bcubed(predicted, data.gold), predicted)
    result.update(
        n_gold=len(set(data.gold)),
        n=len(data.articles),
        model=embedder.model_id if embedder is not None else None,
    )
    if baselines:
        texts = [f"{a.title or ''} {a.text}" for a in data.articles]
        labels = tfidf_baseline(texts)
        result["baselines"] = {"tfidf_average_link": _rounded(bcubed(labels, data.gold), labels)}
        if vectors is not None:
            labels = _average_link_labels(vectors @ vectors.T, VECTOR_BASELINE_THRESHOLD)
            result["baselines"]["embedding_mean_average_link"] = _rounded(bcubed(labels, data.gold), labels)
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result
