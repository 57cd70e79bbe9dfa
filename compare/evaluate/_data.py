"""Loaders for the shared evaluation formats (events, alignment, similarity JSON Lines).

Each loader reads one file of ``shared/data/README.md`` and returns frozen dataclasses or plain
tuples, raising :class:`~compare.errors.EvalError` with the path for a missing or malformed file.
The gold labels (``event``) are kept apart from the articles so that grouping never sees them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from compare.embed import Embedder
from compare.errors import EvalError
from compare.models import Article, Passage

__all__ = [
    "AlignArticle",
    "AlignEvent",
    "CrosslingualDoc",
    "EventsData",
    "article_passages",
    "article_vectors",
    "load_align",
    "load_crosslingual",
    "load_events",
    "load_similarity",
]


def _lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    if not path.is_file():
        raise EvalError("no such file", path=str(path))
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise EvalError(f"line {number}: not JSON ({exc.msg})", path=str(path)) from exc
            if not isinstance(record, dict):
                raise EvalError(f"line {number}: expected an object", path=str(path))
            yield number, record


@dataclass(frozen=True)
class EventsData:
    """An events file: the articles (without labels) and, aligned with them, the gold events."""

    articles: tuple[Article, ...]
    gold: tuple[str, ...]


def load_events(path: Path) -> EventsData:
    """Read an ``events/*.jsonl`` file; ``event`` goes to ``gold`` only."""
    articles: list[Article] = []
    gold: list[str] = []
    seen: set[str] = set()
    for number, record in _lines(path):
        try:
            published = record.get("published")
            when = datetime.strptime(published, "%Y-%m-%d").replace(tzinfo=UTC) if published else None
            # Ids must be unique for grouping; basil-dev repeats the placeholder id "empty".
            article_id = str(record["id"])
            if article_id in seen:
                article_id = f"{article_id}#line{number}"
            seen.add(article_id)
            articles.append(
                Article(
                    id=article_id,
                    outlet_id=str(record.get("outlet") or f"outlet-{number}"),
                    title=record.get("title") or None,
                    text=str(record.get("text") or ""),
                    published_at=when,
                )
            )
            gold.append(str(record["event"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise EvalError(f"line {number}: bad event record ({exc})", path=str(path)) from exc
    if not articles:
        raise EvalError("no records", path=str(path))
    return EventsData(tuple(articles), tuple(gold))


@dataclass(frozen=True)
class AlignArticle:
    id: str
    outlet: str
    sentences: tuple[str, ...]


@dataclass(frozen=True)
class AlignEvent:
    """One alignment event: articles, candidate sentences per article and the gold pairs."""

    event: str
    articles: tuple[AlignArticle, ...]
    candidates: dict[str, tuple[int, ...]]
    pairs: frozenset[tuple[str, int, str, int]]


def load_align(path: Path) -> list[AlignEvent]:
    """Read an ``alignment/*.jsonl`` file (pairs stored in both directions for lookup)."""
    events = []
    for number, record in _lines(path):
        try:
            articles = tuple(
                AlignArticle(
                    str(a["id"]),
                    str(a.get("outlet") or a["id"]),
                    tuple(str(s) for s in a["sentences"]),
                )
                for a in record["articles"]
            )
            candidates = {str(k): tuple(int(i) for i in v) for k, v in record["candidates"].items()}
            pairs: set[tuple[str, int, str, int]] = set()
            for a, i, b, j in record["pairs"]:
                pairs.add((str(a), int(i), str(b), int(j)))
                pairs.add((str(b), int(j), str(a), int(i)))
            events.append(AlignEvent(str(record["event"]), articles, candidates, frozenset(pairs)))
        except (KeyError, TypeError, ValueError) as exc:
            raise EvalError(f"line {number}: bad alignment record ({exc})", path=str(path)) from exc
    if not events:
        raise EvalError("no records", path=str(path))
    return events


@dataclass(frozen=True)
class CrosslingualDoc:
    """One translated document: ``sentences[lang][i]`` translates ``sentences["en"][i]``."""

    doc: str
    sentences: dict[str, tuple[str, ...]]


def load_crosslingual(path: Path) -> list[CrosslingualDoc]:
    """Read a ``crosslingual/*.jsonl`` file; every language of a document has as many sentences
    as its English side (they are translations, sentence by sentence)."""
    docs = []
    for number, record in _lines(path):
        try:
            sentences = {
                str(lang): tuple(str(s) for s in items) for lang, items in dict(record["sentences"]).items()
            }
            doc = CrosslingualDoc(str(record["doc"]), sentences)
        except (KeyError, TypeError, ValueError) as exc:
            raise EvalError(f"line {number}: bad document record ({exc})", path=str(path)) from exc
        english = sentences.get("en")
        if not english:
            raise EvalError(f"line {number}: no English sentences", path=str(path))
        uneven = sorted(lang for lang, items in sentences.items() if len(items) != len(english))
        if uneven:
            raise EvalError(
                f"line {number}: {uneven[0]} has {len(sentences[uneven[0]])} sentences, "
                f"English {len(english)}",
                path=str(path),
            )
        docs.append(doc)
    if not docs:
        raise EvalError("no records", path=str(path))
    return docs


def load_similarity(path: Path) -> list[tuple[str, str, float]]:
    """Read a ``similarity/*.jsonl`` file as (a, b, score 0-5) triples."""
    out = []
    for number, record in _lines(path):
        try:
            out.append((str(record["a"]), str(record["b"]), float(record["score"])))
        except (KeyError, TypeError, ValueError) as exc:
            raise EvalError(f"line {number}: bad pair ({exc})", path=str(path)) from exc
    return out


def article_passages(articles: Sequence[Article]) -> dict[str, list[Passage]]:
    """Each article split as the pipeline splits it (:func:`compare.passages.split_passages`)."""
    from compare.passages import split_passages

    return {a.id: split_passages(a.id, a.text, title=a.title) for a in articles}


def article_vectors(articles: Sequence[Article], embedder: Embedder) -> np.ndarray:
    """One unit vector per article, by the pipeline's own recipe (:mod:`compare.events.recipe`):
    the same passages, the same choice of title and lead, the same mean."""
    from compare.events.recipe import article_vectors as recipe

    return recipe(articles, article_passages(articles), embedder.embed)
