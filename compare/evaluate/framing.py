"""``newscompare eval framing``: the framing stage scored on BASIL, and loaded terms on BABE.

BASIL (``framing/basil-dev.jsonl``) marks, per article, spans of *lexical* bias (loaded words)
and *informational* bias (content chosen to sway). Three figures:

* ``lexical_span_recall`` — share of lexical spans overlapped by a flagged term (a loaded term
  from the lexicons, or a distancing cue such as "so-called" or a scare quote);
* ``token_flag_rate`` — share of all word tokens that are flagged (the price of that recall);
* ``informational_enrichment`` — the rate of informational spans in sentences the alignment
  marks unique to one outlet, divided by their rate in the other sentences.

Sentences come from the file (the title is sentence -1). Alignment uses
``compare.align.align_event`` over each event's three articles, with the configured embedder.

:func:`evaluate_babe` scores loaded-term flags word by word against BABE's marked words. A
lexicon derived from BABE scores optimistically on BABE, so it is built from the even lines and
scored on the odd ones (``split="odd"``).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from compare.errors import EvalError
from compare.framing.attribution import classify_attribution
from compare.framing.lexicon import Lexicon, derive_loaded_terms, find_loaded, load_lexicons
from compare.framing.lexicon import LoadedEntry as _Entry
from compare.framing.records import ATTRIBUTION_CLASSES, Cue
from compare.framing.text import words
from compare.models import Passage

__all__ = [
    "BasilArticle",
    "evaluate_attribution",
    "evaluate_babe",
    "evaluate_framing",
    "flag_cues",
    "load_basil",
]

log = logging.getLogger(__name__)

#: Loaded-term weight below which a term is not flagged (tuned on basil-dev, see the docs).
DEFAULT_MIN_WEIGHT = 0.5


@dataclass(frozen=True)
class BasilArticle:
    """One BASIL article: its sentences (title first, as index -1) and gold spans."""

    id: str
    outlet: str
    title: str
    sentences: tuple[str, ...]
    spans: tuple[Mapping[str, Any], ...]

    def sentence(self, index: int) -> str:
        return self.title if index == -1 else self.sentences[index]


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    try:
        fh = path.open(encoding="utf-8")
    except OSError as exc:
        raise EvalError(f"cannot read: {exc.strerror or exc}", path=str(path)) from exc
    with fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise EvalError(f"line {number}: not JSON ({exc.msg})", path=str(path)) from exc


def load_basil(path: Path) -> list[list[BasilArticle]]:
    """The events of a BASIL-format file, each a list of articles."""
    events = []
    for row in _lines(path):
        try:
            event = [
                BasilArticle(
                    str(a["id"]),
                    str(a.get("outlet") or a["id"]),
                    str(a.get("title") or ""),
                    tuple(s for para in a["paragraphs"] for s in para),
                    tuple(a.get("spans") or ()),
                )
                for a in row["articles"]
            ]
        except (KeyError, TypeError) as exc:
            raise EvalError(f"event {row.get('event')!r}: missing field {exc}", path=str(path)) from exc
        events.append(event)
    if not events:
        raise EvalError("no events", path=str(path))
    return events


def flag_cues(text: str, lexicon: Lexicon, *, min_weight: float = DEFAULT_MIN_WEIGHT) -> list[Cue]:
    """The spans the framing stage flags as loaded wording in one sentence."""
    cues = [t.cue for t in find_loaded(text, lexicon) if t.weight >= min_weight]
    attribution = classify_attribution(text)
    cues += [c for c in attribution.cues if c.kind in ("distancing", "scare_quote")]
    return cues


def _overlaps(cues: Sequence[Cue], start: int, end: int) -> bool:
    return any(c.start < end and start < c.end for c in cues)


def _unique_flags(
    event: Sequence[BasilArticle], vectors: Mapping[str, np.ndarray], align: Callable[..., Any]
) -> dict[tuple[str, int], bool]:
    """(article id, sentence index) → True when the alignment puts it in no cross-outlet claim."""
    passages: list[Passage] = []
    rows: list[np.ndarray] = []
    for article in event:
        # Passage indices count from 0 at the title, as the pipeline numbers them.
        for k in range(-1, len(article.sentences)):
            text = article.sentence(k)
            kind = "title" if k < 0 else "body"
            passages.append(Passage(article.id, k + 1, 0, len(text), text, kind=kind))
            rows.append(vectors[article.id][k + 1])
    outlet_of = {a.id: a.outlet for a in event}
    claims = align(passages, np.vstack(rows), outlet_of=outlet_of)
    unique = {(p.article_id, p.index - 1): True for p in passages}
    for claim in claims:
        outlets = {outlet_of[m.article_id] for m in claim.members}
        if len(outlets) > 1:
            for m in claim.members:
                unique[(m.article_id, m.passage_index - 1)] = False
    return unique


def evaluate_framing(
    path: Path,
    *,
    embedder: Any = None,
    lexicon: Lexicon | None = None,
    min_weight: float = DEFAULT_MIN_WEIGHT,
    align: Callable[..., Any] | None = None,
    informational: bool = True,
) -> dict[str, Any]:
    """Score the framing stage on a BASIL-format file; see the module docstring for the keys.

    ``informational=False`` skips the alignment (and the embedder): the lexical figures only,
    with ``informational_enrichment`` left out.
    """
    started = time.perf_counter()
    events = load_basil(path)
    lexicon = lexicon if lexicon is not None else load_lexicons()

    lex_total = lex_hit = tokens = flagged_tokens = 0
    for event in events:
        for article in event:
            cues_of = {}
            for k in range(-1, len(article.sentences)):
                text = article.sentence(k)
                cues = flag_cues(text, lexicon, min_weight=min_weight)
                cues_of[k] = cues
                for w in words(text):
                    tokens += 1
                    flagged_tokens += _overlaps(cues, w.start, w.end)
            for span in article.spans:
                if span.get("bias") != "lex":
                    continue
                lex_total += 1
                k = int(span["sentence"])
                lex_hit += k in cues_of and _overlaps(cues_of[k], int(span["start"]), int(span["end"]))

    result: dict[str, Any] = {
        "lexical_span_recall": round(lex_hit / lex_total, 4) if lex_total else 0.0,
        "token_flag_rate": round(flagged_tokens / tokens, 4) if tokens else 0.0,
    }
    if informational:
        enrichment, unique_share = _enrichment(events, embedder=embedder, align=align)
        result["informational_enrichment"] = enrichment
        result["unique_sentence_share"] = unique_share
    return {
        **result,
        "lexical_spans": lex_total,
        "n": sum(len(e) for e in events),
        "events": len(events),
        "seconds": round(time.perf_counter() - started, 2),
    }


def _enrichment(
    events: Sequence[Sequence[BasilArticle]], *, embedder: Any, align: Callable[..., Any] | None
) -> tuple[float, float]:
    if align is None:
        try:
            from compare.align import align_event
        except ImportError as exc:  # the alignment stage is not installed
            raise EvalError(f"informational enrichment needs compare.align ({exc})") from exc
        align = align_event
    if embedder is None:
        from compare.embed import load_embedder

        embedder = load_embedder()
    counts = {True: [0, 0], False: [0, 0]}  # unique? -> [sentences, sentences with an inf span]
    for event in events:
        vectors = {a.id: embedder.embed([a.title, *a.sentences]) for a in event}
        unique = _unique_flags(event, vectors, align)
        informational = {(a.id, int(s["sentence"])) for a in event for s in a.spans if s.get("bias") == "inf"}
        for key, is_unique in unique.items():
            counts[is_unique][0] += 1
            counts[is_unique][1] += key in informational
    rate_unique = counts[True][1] / counts[True][0] if counts[True][0] else 0.0
    rate_shared = counts[False][1] / counts[False][0] if counts[False][0] else 0.0
    total = counts[True][0] + counts[False][0]
    share = round(counts[True][0] / total, 4) if total else 0.0
    if rate_shared == 0:
        return (0.0 if rate_unique == 0 else float("inf")), share
    return round(rate_unique / rate_shared, 4), share


# --------------------------------------------------------------------------------------------
# BABE: loaded terms, word by word
# --------------------------------------------------------------------------------------------


def evaluate_babe(
    path: Path,
    *,
    lexicon: Lexicon | None = None,
    split: str = "odd",
    build_from: str | None = "even",
    min_weight: float = DEFAULT_MIN_WEIGHT,
    min_count: int = 2,
    min_rate: float = 0.2,
) -> dict[str, Any]:
    """Word-level precision/recall of loaded-term flags against BABE's marked words.

    With ``build_from`` (``even``/``odd``/``all``) a BABE lexicon is derived from those lines and
    added to ``lexicon`` (default: the curated lexicons only, without the shipped BABE list);
    scoring runs on the ``split`` lines (``odd``, ``even`` or ``all``).
    """
    started = time.perf_counter()
    rows = list(_lines(path))
    pick = {"all": slice(None), "even": slice(0, None, 2), "odd": slice(1, None, 2)}
    if split not in pick or (build_from is not None and build_from not in pick):
        raise EvalError(f"split must be one of {sorted(pick)}", path=str(path))
    if lexicon is None:
        lexicon = load_lexicons().only_loaded(sources=("loaded",))
    if build_from is not None:
        derived = derive_loaded_terms(rows[pick[build_from]], min_count=min_count, min_rate=min_rate)
        lexicon = lexicon.merged(
            Lexicon(loaded=tuple(_Entry(w, "babe", float(s["marked_rate"])) for w, s in derived.items()))
        )
    true_pos = predicted = gold = 0
    for row in rows[pick[split]]:
        text = str(row.get("text", ""))
        cues = [t.cue for t in find_loaded(text, lexicon) if t.weight >= min_weight]
        flagged = {w.lower for w in words(text) if _overlaps(cues, w.start, w.end)}
        marked = {str(w).lower() for w in row.get("biased_words") or ()}
        true_pos += len(flagged & marked)
        predicted += len(flagged)
        gold += len(marked)
    precision = true_pos / predicted if predicted else 0.0
    recall = true_pos / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "word_precision": round(precision, 4),
        "word_recall": round(recall, 4),
        "word_f1": round(f1, 4),
        "n": len(rows[pick[split]]),
        "seconds": round(time.perf_counter() - started, 2),
    }


# --------------------------------------------------------------------------------------------
# Attribution: the labelled set in tests/fixtures/attribution.jsonl
# --------------------------------------------------------------------------------------------


def _same_speaker(gold: str, predicted: str | None) -> bool:
    if predicted is None:
        return False
    a, b = gold.lower().removeprefix("the "), predicted.lower().removeprefix("the ")
    return a in b or b in a


def evaluate_attribution(path: Path, *, part: str = "all") -> dict[str, Any]:
    """Per-class precision/recall, confusion matrix and speaker accuracy on a labelled set.

    ``path`` holds ``{"text", "label", "speaker"}`` lines; ``part`` is ``all``, ``tuning``
    (lines whose 0-based number is not 3 mod 4) or ``held_out`` (every 4th line).
    """
    started = time.perf_counter()
    rows = list(_lines(path))
    if part == "tuning":
        rows = [r for i, r in enumerate(rows) if i % 4 != 3]
    elif part == "held_out":
        rows = [r for i, r in enumerate(rows) if i % 4 == 3]
    elif part != "all":
        raise EvalError(f"part must be all, tuning or held_out, not {part!r}", path=str(path))
    classes = list(ATTRIBUTION_CLASSES)
    matrix = {g: dict.fromkeys(classes, 0) for g in classes}
    speakers = speakers_right = 0
    for row in rows:
        result = classify_attribution(str(row["text"]))
        matrix[str(row["label"])][result.label] += 1
        if row.get("speaker") and row["label"] == result.label:
            speakers += 1
            speakers_right += _same_speaker(str(row["speaker"]), result.speaker)
    per_class = {}
    for c in classes:
        tp = matrix[c][c]
        predicted = sum(matrix[g][c] for g in classes)
        gold = sum(matrix[c].values())
        per_class[c] = {
            "precision": round(tp / predicted, 4) if predicted else 0.0,
            "recall": round(tp / gold, 4) if gold else 0.0,
            "n": gold,
        }
    correct = sum(matrix[c][c] for c in classes)
    return {
        "accuracy": round(correct / len(rows), 4) if rows else 0.0,
        "per_class": per_class,
        "confusion": matrix,
        "speaker_accuracy": round(speakers_right / speakers, 4) if speakers else 0.0,
        "n": len(rows),
        "seconds": round(time.perf_counter() - started, 3),
    }
