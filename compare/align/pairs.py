"""The same-claim decision for a pair of passages, without looking at the rest of the event.

Features of a pair (:data:`PAIR_FEATURES`), all context-free so that a pair scores the same in an
event, in ``newscompare eval pairs`` and in a test:

- ``cosine`` of the two unit vectors (the pipeline's encoder);
- ``words``: Dice overlap of content words (lower case, function words out, a crude stem), and
  ``cover``, the share of the shorter passage's content words found in the longer one (a headline
  against the sentence it condenses);
- ``chars``: cosine of character 3-gram counts (morphology and spelling: truck/trucks,
  Karabakh/Karabagh);
- ``names`` agreement (Jaccard of capitalised names) and ``names_conflict`` (both name someone or
  somewhere, and no name is shared: a different place is a different event);
- ``numbers_shared`` / ``numbers_conflict`` (a different casualty figure is the same claim told
  differently, so a conflict is learnt, not assumed to mean "different");
- ``length`` ratio (log of the longer over the shorter, in words).

:class:`PairScorer` turns them into a probability with a small model trained by
``scripts/train_pair_scorer.py`` (weights in ``pair_scorer.json`` beside this module; figures in
docs/evaluation.md, "Pair decision"). The same-claim decision is ``probability >= threshold``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from compare.wordlists import MORE_FUNCTION_WORDS, NOT_NAMES

__all__ = [
    "CROSS_LANGUAGE",
    "PAIR_FEATURES",
    "PairScorer",
    "TextSignals",
    "cross_language_scorer",
    "default_scorer",
    "pair_feature_matrix",
    "pair_probabilities",
    "text_signals",
]

PAIR_FEATURES = (
    "cosine",
    "words",
    "cover",
    "chars",
    "names",
    "names_conflict",
    "numbers_shared",
    "numbers_conflict",
    "length",
)

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
_NAME = re.compile(r"(?<![\w])[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)*")
_NUMBER = re.compile(r"(?<![\w.])\d[\d,.]*")
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
    "dozen": "12",
    "hundred": "100",
}
_NUMBER_WORD = re.compile(r"\b(?:" + "|".join(_NUMBER_WORDS) + r")\b")
_SUFFIXES = ("ings", "ing", "ies", "ied", "ed", "es", "s", "ly")


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


@dataclass(frozen=True)
class TextSignals:
    """What the pair features read of a list of passages, as sparse rows (one per passage)."""

    words: Any  # scipy.sparse.csr_matrix, 0/1 per content-word stem
    chars: Any  # L2-normalised character 3-gram counts
    names: Any  # 0/1 per name stem
    numbers: Any  # 0/1 per figure
    lengths: np.ndarray  # words per passage (at least 1)

    def __len__(self) -> int:
        return int(self.lengths.shape[0])


def _names(text: str) -> set[str]:
    out = set()
    for match in _NAME.finditer(text):
        for word in match.group(0).split():
            word = word.strip("'’-")
            if word not in NOT_NAMES and len(word) > 1:
                out.add(_stem(word.lower()))
    return out


def _numbers(text: str, lower: str) -> set[str]:
    found = {m.group(0).rstrip(".,").replace(",", "") for m in _NUMBER.finditer(text)}
    found |= {_NUMBER_WORDS[m.group(0)] for m in _NUMBER_WORD.finditer(lower)}
    return {n for n in found if n}


def _indicator(sets: Sequence[set[str]]) -> Any:
    from scipy.sparse import csr_matrix

    column: dict[str, int] = {}
    rows, cols = [], []
    for row, members in enumerate(sets):
        for member in members:
            rows.append(row)
            cols.append(column.setdefault(member, len(column)))
    data = np.ones(len(rows), dtype=np.float32)
    return csr_matrix((data, (rows, cols)), shape=(len(sets), max(1, len(column))))


def text_signals(texts: Sequence[str]) -> TextSignals:
    """The signals of :func:`pair_feature_matrix` for ``texts`` (computed once per event)."""
    from scipy.sparse import csr_matrix, diags

    words, names, numbers, squeezed, lengths = [], [], [], [], []
    for text in texts:
        lower = text.lower()
        tokens = _WORD.findall(lower)
        words.append({_stem(t) for t in tokens if t not in MORE_FUNCTION_WORDS and len(t) > 1})
        names.append(_names(text))
        numbers.append(_numbers(text, lower))
        squeezed.append(" ".join(tokens))
        lengths.append(max(1, len(tokens)))
    from sklearn.feature_extraction.text import CountVectorizer

    try:
        chars = (
            CountVectorizer(analyzer="char", ngram_range=(3, 3), lowercase=False, dtype=np.float32)
            .fit_transform(squeezed)
            .tocsr()
        )
    except ValueError:  # no text has three characters
        chars = csr_matrix((len(texts), 1), dtype=np.float32)
    norms = np.sqrt(np.asarray(chars.multiply(chars).sum(axis=1)).ravel())
    chars = (diags(1.0 / np.where(norms > 0, norms, 1.0)) @ chars).tocsr()
    return TextSignals(
        _indicator(words), chars, _indicator(names), _indicator(numbers), np.asarray(lengths, np.float32)
    )


#: Up to this many passages, pair products come from one dense n × n product per signal (a few
#: sparse matrix products); beyond it, row by row (an evaluation file of 10,000 sentences).
DENSE_PASSAGES = 2500


def rowwise(matrix: Any, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``matrix[rows[k]] · matrix[cols[k]]`` for every k."""
    if matrix.shape[0] <= DENSE_PASSAGES and len(rows) > matrix.shape[0]:
        dense = (matrix @ matrix.T).toarray()
        return np.asarray(dense[rows, cols], dtype=np.float32)
    return np.asarray(matrix[rows].multiply(matrix[cols]).sum(axis=1), dtype=np.float32).ravel()


def _sizes(matrix: Any) -> np.ndarray:
    sizes: np.ndarray = np.diff(matrix.indptr).astype(np.float32)
    return sizes


def pair_feature_matrix(
    signals: TextSignals, vectors: np.ndarray, rows: np.ndarray, cols: np.ndarray
) -> np.ndarray:
    """The :data:`PAIR_FEATURES` of each pair ``(rows[k], cols[k])`` of passages, vectorised."""
    out = np.zeros((len(rows), len(PAIR_FEATURES)), dtype=np.float32)
    if not len(rows):
        return out
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    out[:, 0] = np.einsum("ij,ij->i", vectors[rows], vectors[cols])
    shared = rowwise(signals.words, rows, cols)
    size = _sizes(signals.words)
    total = size[rows] + size[cols]
    smaller = np.minimum(size[rows], size[cols])
    out[:, 1] = np.where(total > 0, 2.0 * shared / np.maximum(total, 1.0), 0.0)
    out[:, 2] = np.where(smaller > 0, shared / np.maximum(smaller, 1.0), 0.0)
    out[:, 3] = rowwise(signals.chars, rows, cols)
    inter = rowwise(signals.names, rows, cols)
    size = _sizes(signals.names)
    union = size[rows] + size[cols] - inter
    out[:, 4] = np.where(union > 0, inter / np.maximum(union, 1.0), 0.0)
    out[:, 5] = (size[rows] > 0) & (size[cols] > 0) & (inter == 0)
    inter = rowwise(signals.numbers, rows, cols)
    size = _sizes(signals.numbers)
    both = (size[rows] > 0) & (size[cols] > 0)
    out[:, 6] = both & (inter > 0)
    out[:, 7] = both & (inter == 0)
    out[:, 8] = np.abs(np.log(signals.lengths[rows] / signals.lengths[cols]))
    return out


@dataclass(frozen=True, eq=False)
class PairScorer:
    """A trained same-claim scorer: standardised features, one hidden layer, a sigmoid.

    ``hidden`` may be empty (a logistic regression). ``model_id`` names the encoder whose cosines
    the weights were trained on; ``threshold`` is the same-claim decision.
    """

    model_id: str
    mean: np.ndarray
    scale: np.ndarray
    hidden_weights: np.ndarray  # (features, hidden) or (features, 0)
    hidden_bias: np.ndarray
    out_weights: np.ndarray  # (hidden,) or (features,)
    out_bias: float
    threshold: float
    meta: dict[str, Any]

    def probability(self, features: np.ndarray) -> np.ndarray:
        x = (np.asarray(features, dtype=np.float64) - self.mean) / self.scale
        if self.hidden_weights.shape[1]:
            x = np.maximum(x @ self.hidden_weights + self.hidden_bias, 0.0)
        logits = x @ self.out_weights + self.out_bias
        result: np.ndarray = (1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))).astype(np.float32)
        return result

    def to_json(self) -> dict[str, Any]:
        return {
            "model_id": self.model_id,
            "features": list(PAIR_FEATURES),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "hidden_weights": self.hidden_weights.tolist(),
            "hidden_bias": self.hidden_bias.tolist(),
            "out_weights": self.out_weights.tolist(),
            "out_bias": self.out_bias,
            "threshold": self.threshold,
            "meta": self.meta,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PairScorer:
        if list(data.get("features", [])) != list(PAIR_FEATURES):
            raise ValueError("pair scorer weights were trained on other features")
        n = len(PAIR_FEATURES)
        hidden = np.asarray(data["hidden_weights"], dtype=np.float64).reshape(n, -1)
        return cls(
            model_id=str(data["model_id"]),
            mean=np.asarray(data["mean"], dtype=np.float64),
            scale=np.asarray(data["scale"], dtype=np.float64),
            hidden_weights=hidden,
            hidden_bias=np.asarray(data["hidden_bias"], dtype=np.float64),
            out_weights=np.asarray(data["out_weights"], dtype=np.float64),
            out_bias=float(data["out_bias"]),
            threshold=float(data["threshold"]),
            meta=dict(data.get("meta") or {}),
        )


WEIGHTS = Path(__file__).with_name("pair_scorer.json")


@lru_cache(maxsize=4)
def _load(path: str) -> dict[str, PairScorer]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return {key: PairScorer.from_json(value) for key, value in data["scorers"].items()}


def _untrained(model_id: str) -> PairScorer:
    """For an encoder without trained weights (the hashing embedder of the tests, a local model
    folder): the mean of cosine and word overlap, centred on 0.5. Not calibrated on any data."""
    n = len(PAIR_FEATURES)
    weights = np.zeros(n)
    weights[PAIR_FEATURES.index("cosine")] = 4.0
    weights[PAIR_FEATURES.index("words")] = 4.0
    return PairScorer(
        model_id=model_id,
        mean=np.zeros(n),
        scale=np.ones(n),
        hidden_weights=np.zeros((n, 0)),
        hidden_bias=np.zeros(0),
        out_weights=weights,
        out_bias=-4.0,
        threshold=0.5,
        meta={"trained": False},
    )


def default_scorer(model_id: str) -> PairScorer:
    """The shipped scorer trained on ``model_id``'s cosines, or an untrained stand-in."""
    if WEIGHTS.is_file():
        found = _load(str(WEIGHTS)).get(model_id)
        if found is not None:
            return found
    return _untrained(model_id)


#: Suffix of the key under which a scorer trained on translated pairs of ``model_id`` is stored.
CROSS_LANGUAGE = "|cross-language"


def cross_language_scorer(model_id: str) -> PairScorer | None:
    """The scorer for pairs of two languages trained on ``model_id``'s cosines, if shipped."""
    if WEIGHTS.is_file():
        return _load(str(WEIGHTS)).get(model_id + CROSS_LANGUAGE)
    return None


def pair_probabilities(
    signals: TextSignals,
    vectors: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    *,
    scorer: PairScorer,
) -> np.ndarray:
    """The scorer's same-claim probability of each pair ``(rows[k], cols[k])``."""
    return scorer.probability(pair_feature_matrix(signals, vectors, rows, cols))
