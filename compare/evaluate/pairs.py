"""``newscompare eval pairs FILE.jsonl``: the same-claim decision on sentence pairs.

Reads a ``similarity/*.jsonl`` file: ``{"a", "b", "label"}`` with label 0/1 (MRPC), or
``{"a", "b", "score"}`` with a similarity of 0-5 (STS). Each pair is scored by the pipeline's own
pair decision (:func:`compare.align.pairs.pair_probabilities` with the shipped scorer of the
encoder in use) and decided at the scorer's threshold, as the alignment decides. Reported:
``auc`` of the probability, ``f1`` / ``precision`` / ``recall`` of the decision, ``spearman``
with the gold score (when scores are given), ``n`` and ``seconds``. With scores only, a pair
counts as the same claim when its score is at least :data:`SAME_CLAIM_SCORE` (3.5: between
"roughly equivalent, some important information differs" and "mostly equivalent").
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from compare.align.pairs import default_scorer, pair_probabilities, text_signals
from compare.embed import Embedder, HashingEmbedder
from compare.errors import EvalError
from compare.evaluate._data import _lines
from compare.evaluate.align import roc_auc

__all__ = [
    "SAME_CLAIM_SCORE",
    "SentencePair",
    "best_f1_threshold",
    "evaluate_pairs",
    "f1_at",
    "load_pairs",
    "spearman",
]

SAME_CLAIM_SCORE = 3.5


@dataclass(frozen=True)
class SentencePair:
    """One pair; ``label`` is 0/1 or ``None``; ``score`` is 0-5 or ``None`` (one is given)."""

    a: str
    b: str
    label: int | None
    score: float | None

    @property
    def same(self) -> bool:
        if self.label is not None:
            return bool(self.label)
        return self.score is not None and self.score >= SAME_CLAIM_SCORE


def load_pairs(path: Path) -> list[SentencePair]:
    """Read a similarity file; every line needs ``a``, ``b`` and ``label`` or ``score``."""
    out = []
    for number, record in _lines(Path(path)):
        try:
            a, b = record["a"], record["b"]
            if not isinstance(a, str) or not isinstance(b, str):
                raise TypeError("a and b must be strings")
            label = record.get("label")
            score = record.get("score")
            if label is None and score is None:
                raise KeyError("label or score")
            if label is not None and int(label) not in (0, 1):
                raise ValueError(f"label {label!r} is not 0 or 1")
            if score is not None and not 0.0 <= float(score) <= 5.0:
                raise ValueError(f"score {score!r} is not within 0-5")
            out.append(
                SentencePair(
                    a, b, None if label is None else int(label), None if score is None else float(score)
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise EvalError(f"line {number}: bad pair ({exc})", path=str(path)) from exc
    if not out:
        raise EvalError("no records", path=str(path))
    return out


def f1_at(gold: np.ndarray, scores: np.ndarray, threshold: float) -> float:
    """F1 of deciding ``scores >= threshold`` against the boolean ``gold``."""
    decided = np.asarray(scores) >= threshold
    gold = np.asarray(gold, dtype=bool)
    true_positive = int((decided & gold).sum())
    denominator = int(decided.sum()) + int(gold.sum())
    return 2.0 * true_positive / denominator if denominator else 0.0


def best_f1_threshold(gold: np.ndarray, scores: np.ndarray) -> float:
    """The threshold (one of the scores) at which the decision's F1 is highest."""
    gold = np.asarray(gold, dtype=bool)
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="mergesort")
    hits = np.cumsum(gold[order])
    f1 = 2.0 * hits / (np.arange(1, len(order) + 1) + max(1, int(gold.sum())))
    return float(np.asarray(scores)[order][int(f1.argmax())])


def spearman(gold: np.ndarray, scores: np.ndarray) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(gold, scores)[0])


def evaluate_pairs(path: Path, *, embedder: Embedder | None = None) -> dict[str, Any]:
    """Score the pipeline's same-claim decision on one pairs file (``embedder=None``: hashing)."""
    started = time.perf_counter()
    pairs = load_pairs(Path(path))
    embedder = embedder or HashingEmbedder()
    texts = list(dict.fromkeys([p.a for p in pairs] + [p.b for p in pairs]))
    index = {text: k for k, text in enumerate(texts)}
    vectors = embedder.embed(texts)
    rows = np.array([index[p.a] for p in pairs])
    cols = np.array([index[p.b] for p in pairs])
    scorer = default_scorer(embedder.model_id)
    probability = pair_probabilities(text_signals(texts), vectors, rows, cols, scorer=scorer)
    gold = np.array([p.same for p in pairs], dtype=bool)
    decided = probability >= scorer.threshold
    hits = int((decided & gold).sum())
    result: dict[str, Any] = {
        "auc": round(roc_auc(gold, probability), 4),
        "f1": round(f1_at(gold, probability, scorer.threshold), 4),
        "precision": round(hits / int(decided.sum()), 4) if decided.any() else 0.0,
        "recall": round(hits / int(gold.sum()), 4) if gold.any() else 0.0,
    }
    scored = [k for k, p in enumerate(pairs) if p.score is not None]
    if scored:
        gold_scores = np.array([pairs[k].score for k in scored], dtype=np.float64)
        result["spearman"] = round(spearman(gold_scores, probability[scored]), 4)
    result.update(
        n=len(pairs),
        positives=int(gold.sum()),
        threshold=scorer.threshold,
        trained=bool(scorer.meta.get("trained", True)),
        model=embedder.model_id,
        seconds=round(time.perf_counter() - started, 2),
    )
    return result
