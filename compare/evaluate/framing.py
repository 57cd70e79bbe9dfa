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

import functools
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
from compare.framing.records import Cue
from compare.framing.text import words
from compare.models import Passage
from compare.syntax import Parse, parse_many

__all__ = [
    "BasilArticle",
    "evaluate_babe",
    "evaluate_framing",
    "flag_cues",
    "load_basil",
]

log = logging.getLogger(__name__)

#: Loaded-term weight below which a term is not flagged (tuned on basil-dev, see the docs).
DEFAULT_MIN_WEIGHT = 0.5
#: The lexicon whose weights are a model's scores (``scripts/build_loaded_model.py``).
MODEL_SOURCE = "loaded_model"


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


def flag_cues(
    text: str, lexicon: Lexicon, *, min_weight: float = DEFAULT_MIN_WEIGHT, parse: Parse | None = None
) -> list[Cue]:
    """The spans the framing stage flags as loaded wording in one sentence."""
    return [c for c, w in weighted_cues(text, lexicon, parse=parse) if w >= min_weight]


def weighted_cues(text: str, lexicon: Lexicon, *, parse: Parse | None = None) -> list[tuple[Cue, float]]:
    """Every loaded term and distancing cue of a sentence with the weight that gates it.

    Words of the model-scored lexicon (``loaded_model.yaml``) carry their score, which the
    threshold gates; every other loaded term counts as 1.0 when its weight reaches
    :data:`DEFAULT_MIN_WEIGHT` (0.0 otherwise), and so do distancing cues ("so-called", scare
    quotes, a speaker's quoted label).
    """
    cues = [
        (t.cue, t.weight if t.source == MODEL_SOURCE else float(t.weight >= DEFAULT_MIN_WEIGHT))
        for t in find_loaded(text, lexicon)
    ]
    attribution = classify_attribution(text, parse)
    cues += [(c, 1.0) for c in attribution.cues if c.kind in ("distancing", "scare_quote", "name", "dist")]
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
    folds: int = 0,
    flag_budget: float = 0.028,
) -> dict[str, Any]:
    """Score the framing stage on a BASIL-format file; see the module docstring for the keys.

    ``informational=False`` skips the alignment (and the embedder): the lexical figures only,
    with ``informational_enrichment`` left out. With ``folds``, the weight threshold is also
    chosen by cross-validation over events (:func:`_cross_validated`): ``cv_*`` keys.
    """
    started = time.perf_counter()
    events = load_basil(path)
    lexicon = lexicon if lexicon is not None else load_lexicons()

    tables = [_lexical_table(event, lexicon) for event in events]
    lex_total = sum(len(t.spans) for t in tables)
    result: dict[str, Any] = _lexical_scores(tables, min_weight)
    if folds:
        result.update(_cross_validated(tables, folds=folds, budget=flag_budget))
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


@dataclass(frozen=True)
class _LexicalTable:
    """One event, reduced to what the lexical scores need: per token and per gold span, the
    highest weight of a flag that covers it (``-1`` when none does)."""

    tokens: np.ndarray
    spans: np.ndarray


def _lexical_table(event: Sequence[BasilArticle], lexicon: Lexicon) -> _LexicalTable:
    texts = [(a, k, a.sentence(k)) for a in event for k in range(-1, len(a.sentences))]
    parses = parse_many([t for _, _, t in texts])
    token_weights: list[float] = []
    best: dict[tuple[str, int], list[tuple[Cue, float]]] = {}
    for (article, k, text), parse in zip(texts, parses, strict=True):
        cues = weighted_cues(text, lexicon, parse=parse)
        best[(article.id, k)] = cues
        for w in words(text):
            token_weights.append(
                max((wt for c, wt in cues if c.start < w.end and w.start < c.end), default=-1.0)
            )
    span_weights = [
        max(
            (
                wt
                for c, wt in best.get((a.id, int(s["sentence"])), [])
                if c.start < int(s["end"]) and int(s["start"]) < c.end
            ),
            default=-1.0,
        )
        for a in event
        for s in a.spans
        if s.get("bias") == "lex"
    ]
    return _LexicalTable(np.array(token_weights, dtype=float), np.array(span_weights, dtype=float))


def _lexical_scores(tables: Sequence[_LexicalTable], min_weight: float) -> dict[str, float]:
    tokens = np.concatenate([t.tokens for t in tables]) if tables else np.zeros(0)
    spans = np.concatenate([t.spans for t in tables]) if tables else np.zeros(0)
    return {
        "lexical_span_recall": round(float((spans >= min_weight).mean()), 4) if spans.size else 0.0,
        "token_flag_rate": round(float((tokens >= min_weight).mean()), 4) if tokens.size else 0.0,
    }


#: Weight thresholds the cross-validation chooses among.
THRESHOLDS = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0)


def _cross_validated(tables: Sequence[_LexicalTable], *, folds: int, budget: float) -> dict[str, Any]:
    """Choose the weight threshold on the other folds' events, score it on each fold's own.

    Events go to folds by position (event ``i`` in fold ``i % folds``). On the training events the
    threshold with the highest lexical recall at most ``budget`` of tokens flagged wins (the
    highest threshold when none fits); the figures are those of the held-out folds, pooled.
    """
    chosen = []
    held_tokens: list[np.ndarray] = []
    held_spans: list[np.ndarray] = []
    for fold in range(folds):
        train = [t for i, t in enumerate(tables) if i % folds != fold]
        test = [t for i, t in enumerate(tables) if i % folds == fold]
        fitting = [(_lexical_scores(train, th), th) for th in THRESHOLDS]
        within = [(s["lexical_span_recall"], -th) for s, th in fitting if s["token_flag_rate"] <= budget]
        threshold = -max(within)[1] if within else THRESHOLDS[-1]
        chosen.append(threshold)
        held_tokens += [t.tokens >= threshold for t in test]
        held_spans += [t.spans >= threshold for t in test]
    spans = np.concatenate(held_spans)
    tokens = np.concatenate(held_tokens)
    return {
        "cv_lexical_span_recall": round(float(spans.mean()), 4) if spans.size else 0.0,
        "cv_token_flag_rate": round(float(tokens.mean()), 4) if tokens.size else 0.0,
        "cv_thresholds": chosen,
        "cv_folds": folds,
    }


def _enrichment(
    events: Sequence[Sequence[BasilArticle]], *, embedder: Any, align: Callable[..., Any] | None
) -> tuple[float, float]:
    if embedder is None:
        from compare.embed import load_embedder

        embedder = load_embedder()
    if align is None:
        try:
            from compare.align import align_event
        except ImportError as exc:  # the alignment stage is not installed
            raise EvalError(f"informational enrichment needs compare.align ({exc})") from exc
        # The pair scorer trained on this encoder, as the pipeline picks it.
        align = functools.partial(align_event, model_id=getattr(embedder, "model_id", None))
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
