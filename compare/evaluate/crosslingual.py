"""``newscompare eval crosslingual FILE.jsonl``: one story told in several languages.

Reads a ``crosslingual/*.jsonl`` file (NTREX-128 in the shared data: English news documents and
their sentence-by-sentence translations). Three figures:

- **retrieval P@1** per language against English: for each English sentence, is its translation
  the nearest (by the encoder's cosine) of all that language's sentences in the file?
- **events across languages**: every language edition is served as an outlet of its own
  (``ntrex-en``, ``ntrex-ru`` …), each document in each language is one article (first sentence
  the headline), and all articles are grouped at once with the pipeline's
  :func:`compare.events.group_events`; B-cubed against the document (the gold event).
- **translated pairs in one claim**: inside each predicted event the pipeline's
  :func:`compare.align.align_event` clusters the passages into claims; a translated pair is
  sentence ``i`` of a document in two languages, and the figure is the share of such pairs
  (every pair of languages) that end in one claim. A pair whose articles the grouping put in
  different events counts as missed; ``pairs_in_one_claim_gold_events`` is the same share with
  the alignment run on the gold events, to tell the two stages' losses apart.

The given sentences are the passages (sentence splitting is scored elsewhere); articles carry
their language, as the pipeline's articles do. The gold document is never shown to either stage.
"""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from compare.align import AlignParams, align_event
from compare.embed import Embedder
from compare.evaluate._data import CrosslingualDoc, load_crosslingual
from compare.evaluate.events import bcubed
from compare.events import EventParams, group_events
from compare.events.recipe import article_vectors
from compare.models import Article, Passage

__all__ = ["evaluate_crosslingual", "retrieval_p_at_1", "translated_pairs_together"]

PIVOT = "en"


def _edition(doc: CrosslingualDoc, lang: str) -> tuple[Article, list[Passage]]:
    """Document ``doc`` in ``lang`` as an article of the outlet ``ntrex-<lang>``, with its
    sentences as passages (index ``i`` is sentence ``i``; sentence 0 is the headline)."""
    sentences = doc.sentences[lang]
    article_id = f"{doc.doc}/{lang}"
    title = sentences[0]
    passages = [Passage(article_id, 0, 0, len(title), title, kind="title")]
    parts: list[str] = []
    offset = 0
    for index, sentence in enumerate(sentences[1:], start=1):
        passages.append(Passage(article_id, index, offset, offset + len(sentence), sentence, paragraph=index))
        parts.append(sentence)
        offset += len(sentence) + 1
    article = Article(article_id, f"ntrex-{lang}", title, "\n".join(parts), language=lang)
    return article, passages


def retrieval_p_at_1(source: np.ndarray, target: np.ndarray) -> float:
    """Share of rows of ``source`` whose nearest row of ``target`` (by dot product) is the row
    with the same index."""
    if not len(source):
        return float("nan")
    nearest = np.argmax(source @ target.T, axis=1)
    return float(np.mean(nearest == np.arange(len(source))))


def translated_pairs_together(
    docs: Sequence[CrosslingualDoc], claim_of: Mapping[tuple[str, int], str], languages: Sequence[str]
) -> dict[str, float]:
    """Share of translated pairs in one claim, over all pairs of ``languages`` and per pair.

    ``claim_of`` maps ``(article id, sentence index)`` to a claim key (absent: in no claim)."""
    hits: dict[str, int] = defaultdict(int)
    totals: dict[str, int] = defaultdict(int)
    for doc in docs:
        for a, b in itertools.combinations(languages, 2):
            key = f"{a}-{b}"
            for index in range(len(doc.sentences[PIVOT])):
                left = claim_of.get((f"{doc.doc}/{a}", index))
                right = claim_of.get((f"{doc.doc}/{b}", index))
                totals[key] += 1
                hits[key] += int(left is not None and left == right)
    out = {key: hits[key] / totals[key] for key in totals if totals[key]}
    total = sum(totals.values())
    out["all"] = sum(hits.values()) / total if total else float("nan")
    return out


def _align_groups(
    groups: Mapping[str, Sequence[str]],
    passages: Mapping[str, Sequence[Passage]],
    vectors: Mapping[tuple[str, int], np.ndarray],
    outlet_of: Mapping[str, str],
    *,
    embedder: Embedder,
    params: AlignParams | None,
) -> dict[tuple[str, int], str]:
    """Align the passages of each group of articles; ``(article, index) -> claim id``."""
    claim_of: dict[tuple[str, int], str] = {}
    for group, members in groups.items():
        chosen = [p for article_id in members for p in passages[article_id]]
        if not chosen:
            continue
        matrix = np.stack([vectors[(p.article_id, p.index)] for p in chosen])
        claims = align_event(
            chosen,
            matrix,
            outlet_of={a: outlet_of[a] for a in members},
            language_of={a: a.rsplit("/", 1)[1] for a in members},
            model_id=embedder.model_id,
            params=params,
        )
        for claim in claims:
            for member in claim.members:
                claim_of[(member.article_id, member.passage_index)] = f"{group}:{claim.id}"
    return claim_of


def evaluate_crosslingual(
    path: Path,
    *,
    embedder: Embedder,
    languages: Sequence[str] | None = None,
    event_params: EventParams | None = None,
    align_params: AlignParams | None = None,
) -> dict[str, Any]:
    """Score retrieval, events and claims across the languages of one crosslingual file.

    ``languages`` defaults to every language present in all documents (English first).
    ``event_params`` defaults to the grouping's parameters for the embedder's model.
    """
    started = time.perf_counter()
    docs = load_crosslingual(Path(path))
    common = set.intersection(*(set(d.sentences) for d in docs))
    langs = list(languages) if languages else [PIVOT, *sorted(common - {PIVOT})]
    if PIVOT not in langs or not set(langs) <= common:
        raise ValueError(f"languages must include {PIVOT!r} and be present in every document")
    articles: list[Article] = []
    passages: dict[str, list[Passage]] = {}
    gold: list[str] = []
    for doc in docs:
        for lang in langs:
            article, rows = _edition(doc, lang)
            articles.append(article)
            passages[article.id] = rows
            gold.append(doc.doc)
    flat = [p for a in articles for p in passages[a.id]]
    matrix = np.asarray(embedder.embed([p.text for p in flat]), dtype=np.float32)
    vectors = {(p.article_id, p.index): matrix[k] for k, p in enumerate(flat)}
    result: dict[str, Any] = {"model": embedder.model_id, "languages": langs}

    by_lang = {
        lang: np.stack(
            [vectors[(f"{d.doc}/{lang}", i)] for d in docs for i in range(len(d.sentences[PIVOT]))]
        )
        for lang in langs
    }
    for lang in langs[1:]:
        result[f"p_at_1_{lang}"] = round(retrieval_p_at_1(by_lang[PIVOT], by_lang[lang]), 4)

    params = event_params or EventParams.for_model(embedder.model_id)
    doc_vectors = article_vectors(articles, passages, lambda texts: _lookup(texts, flat, matrix))
    grouping = group_events(articles, doc_vectors, params=params)
    predicted = [grouping.assignments[a.id] for a in articles]
    result.update({k: round(v, 4) for k, v in bcubed(predicted, gold).items()})
    result["n_pred"] = len(set(predicted))
    result["n_gold"] = len(docs)

    outlet_of = {a.id: a.outlet_id for a in articles}
    pred_groups: dict[str, list[str]] = defaultdict(list)
    for article, event in zip(articles, predicted, strict=True):
        pred_groups[event].append(article.id)
    together = translated_pairs_together(
        docs,
        _align_groups(pred_groups, passages, vectors, outlet_of, embedder=embedder, params=align_params),
        langs,
    )
    result["pairs_in_one_claim"] = round(together.pop("all"), 4)
    gold_groups = {d.doc: [f"{d.doc}/{lang}" for lang in langs] for d in docs}
    on_gold = translated_pairs_together(
        docs,
        _align_groups(gold_groups, passages, vectors, outlet_of, embedder=embedder, params=align_params),
        langs,
    )
    result["pairs_in_one_claim_gold_events"] = round(on_gold.pop("all"), 4)
    result.update({f"pairs_{key.replace('-', '_')}": round(v, 4) for key, v in together.items()})
    result["n"] = len(docs)
    result["sentences"] = len(by_lang[PIVOT])
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


def _lookup(texts: Sequence[str], flat: Sequence[Passage], matrix: np.ndarray) -> np.ndarray:
    """Vectors of ``texts`` from the already embedded passages (each text embedded once)."""
    index = {p.text: k for k, p in enumerate(flat)}
    return matrix[[index[t] for t in texts]]
