"""What of an article the grouping reads: its title and lead passages, and their mean vector.

One recipe for the pipeline and for ``newscompare eval events``, so the quality floors measure
what the product runs. The passages are those of :func:`compare.passages.split_passages` (the
pipeline stores them; the evaluation splits the shared data's texts with the same function).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from compare.models import Article, Passage

__all__ = ["LEAD_PASSAGES", "article_vectors", "grouping_passages"]

#: Body passages after the title that make an article's vector (measured on the dev splits,
#: docs/evaluation.md "Event grouping").
LEAD_PASSAGES = 5
_FALLBACK_CHARS = 500


def grouping_passages(article: Article, passages: Sequence[Passage]) -> list[Passage]:
    """The title passage and the first :data:`LEAD_PASSAGES` body passages of ``article``.

    An article without passages (no text survived extraction) is read by its first characters.
    """
    chosen = [p for p in passages if p.kind == "title"]
    chosen += [p for p in passages if p.kind != "title"][:LEAD_PASSAGES]
    if not chosen:
        head = article.text[:_FALLBACK_CHARS] or (article.title or " ")
        chosen = [Passage(article.id, 0, 0, len(head), head)]
    return chosen


def article_vectors(
    articles: Sequence[Article],
    passages: Mapping[str, Sequence[Passage]],
    embed: Callable[[Sequence[str]], np.ndarray],
) -> np.ndarray:
    """One unit vector per article: the normalised mean of its grouping passages' vectors.

    ``passages`` maps article id to its passages in reading order; ``embed`` returns unit rows
    (an :class:`compare.embed.Embedder`'s ``embed``, cached or not).
    """
    texts: list[str] = []
    spans: list[tuple[int, int]] = []
    for article in articles:
        chosen = grouping_passages(article, passages.get(article.id, ()))
        spans.append((len(texts), len(texts) + len(chosen)))
        texts += [p.text for p in chosen]
    if not texts:
        return np.zeros((0, 1), dtype=np.float32)
    vectors = np.asarray(embed(texts), dtype=np.float32)
    out = np.stack([vectors[a:b].mean(axis=0) for a, b in spans]).astype(np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    result: np.ndarray = (out / np.where(norms == 0, 1, norms)).astype(np.float32)
    return result
