"""``newscompare eval attribution``: attribution classes and speakers on a labelled set.

The file holds JSON Lines ``{"text": sentence, "speaker": str | null, "class": one of
own_voice, neutral, distancing, hedged, anonymous}`` (``label`` is read where ``class`` is
missing). Each sentence goes through :func:`compare.framing.attribution.classify_attribution`
on its own, as the framing stage sees it. Figures:

* ``class_accuracy`` and, per class, precision, recall and F1 (``f1_<class>`` at the top level);
* ``speaker_f1`` — token F1 of the speaker found against the given one, averaged over the
  sentences where either side names a speaker (``null`` means none: a speaker found where none is
  given scores 0, and so does a missed one); ``speaker_f1_all`` averages over every sentence,
  counting "none" against "none" as 1. Tokens are compared as SQuAD does: lower case, no
  punctuation, no articles (a, an, the);
* ``n`` and ``seconds``.

Conventions of the labelled sets (docs/evaluation.md): an unnamed source has no speaker; a
pronoun ("she said") is no named speaker either; a sentence wholly inside a quotation is
``neutral`` (the outlet reports someone's words) even when the speaker is named elsewhere.
"""

from __future__ import annotations

import re
import string
import time
from collections import Counter
from pathlib import Path
from typing import Any

from compare.errors import EvalError
from compare.evaluate._data import _lines
from compare.framing.attribution import classify_attribution
from compare.framing.records import ATTRIBUTION_CLASSES
from compare.syntax import parse_many

__all__ = ["evaluate_attribution", "read_labelled", "speaker_token_f1"]

_ARTICLES = re.compile(r"\b(?:a|an|the)\b")
_PUNCTUATION = str.maketrans({c: " " for c in string.punctuation + "“”‘’"})


def _tokens(text: str | None) -> list[str]:
    if not text:
        return []
    return _ARTICLES.sub(
        " ", text.lower().replace("’s", "").replace("'s", "").translate(_PUNCTUATION)
    ).split()


def speaker_token_f1(gold: str | None, predicted: str | None) -> float:
    """Token F1 of two speakers; both ``None`` (or empty) count as agreeing."""
    a, b = _tokens(gold), _tokens(predicted)
    if not a or not b:
        return float(not a and not b)
    common = sum((Counter(a) & Counter(b)).values())
    if not common:
        return 0.0
    precision, recall = common / len(b), common / len(a)
    return 2 * precision * recall / (precision + recall)


def read_labelled(path: Path) -> list[dict[str, Any]]:
    """The rows of a labelled attribution file, checked; an :class:`EvalError` names a bad line."""
    rows = []
    for number, row in _lines(path):
        label = row.get("class", row.get("label"))
        if not isinstance(row.get("text"), str) or label not in ATTRIBUTION_CLASSES:
            raise EvalError(
                f'line {number}: needs "text" and a "class" among {", ".join(ATTRIBUTION_CLASSES)}',
                path=str(path),
            )
        speaker = row.get("speaker")
        if speaker is not None and not isinstance(speaker, str):
            raise EvalError(f'line {number}: "speaker" is a string or null', path=str(path))
        rows.append({"text": row["text"], "class": label, "speaker": speaker or None})
    if not rows:
        raise EvalError("no labelled sentences", path=str(path))
    return rows


def evaluate_attribution(path: Path, *, errors: bool = False) -> dict[str, Any]:
    """Score attribution on a labelled file; see the module docstring for the keys.

    With ``errors``, the result also lists the sentences got wrong (class or speaker F1 < 1).
    """
    rows = read_labelled(path)
    parse_many(["Warm-up."])  # the parser loads once; ``seconds`` times the scoring itself
    started = time.perf_counter()
    classes = list(ATTRIBUTION_CLASSES)
    matrix = {g: dict.fromkeys(classes, 0) for g in classes}
    speaker_scores: list[float] = []
    all_scores: list[float] = []
    wrong = []
    parses = parse_many([row["text"] for row in rows])
    for row, parse in zip(rows, parses, strict=True):
        result = classify_attribution(row["text"], parse)
        matrix[row["class"]][result.label] += 1
        score = speaker_token_f1(row["speaker"], result.speaker)
        all_scores.append(score)
        if row["speaker"] or result.speaker:
            speaker_scores.append(score)
        if errors and (result.label != row["class"] or score < 1):
            wrong.append({**row, "found_class": result.label, "found_speaker": result.speaker})
    seconds = time.perf_counter() - started
    out: dict[str, Any] = {
        "class_accuracy": round(sum(matrix[c][c] for c in classes) / len(rows), 4),
        "speaker_f1": round(sum(speaker_scores) / len(speaker_scores), 4) if speaker_scores else 1.0,
        "speaker_f1_all": round(sum(all_scores) / len(all_scores), 4),
    }
    per_class = {}
    for c in classes:
        tp = matrix[c][c]
        predicted = sum(matrix[g][c] for g in classes)
        gold = sum(matrix[c].values())
        precision = tp / predicted if predicted else 0.0
        recall = tp / gold if gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[c] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "n": gold,
        }
        out[f"f1_{c}"] = round(f1, 4)
    out.update(
        {
            "per_class": per_class,
            "confusion": matrix,
            "speaker_n": len(speaker_scores),
            "n": len(rows),
            "seconds": round(seconds, 3),
        }
    )
    if errors:
        out["errors"] = wrong
    return out
