"""Retrieval for the topic query: expansion, FTS5 BM25 + vector search, rank fusion.

``query(store, "Lachin corridor")`` answers "which events match, and how does each outlet put
it?" in three steps:

1. **retrieve** passages two ways and fuse the rankings (reciprocal rank fusion, RRF):
   SQLite FTS5 BM25 over passage text and article titles, and cosine similarity of the query's
   vector against the passages' vectors (:class:`compare.store.VectorIndex`, exact below
   a size, IVF above, kept beside the database and synced incrementally by passage id);
2. **expand** the query with alias sets — the names outlets use for one thing, from the bundled
   topic lexicons (``compare/lexicons``) plus the sources file's ``topics[].aliases`` — so
   "Khankendi" also finds "Stepanakert". Expanded terms count half as much as the user's own;
3. **group** the matched passages by event and by aligned claim, and answer with each event's
   own view of those claims (:mod:`compare.view`): every outlet's sentence, attribution and
   labels, and for the others whether they omit it or could not be read.

Filters (``since``, ``outlets``, perspective ``groups``) apply inside retrieval, so a narrow
filter still finds its matches. Only current article versions are searched.

Grouping into events and claims is :mod:`compare.query.group`; output is :mod:`compare.query.render`.
"""

from __future__ import annotations

import logging
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from compare.durations import since_cutoff
from compare.embed import Embedder
from compare.errors import CompareError, UsageError
from compare.models import Sources
from compare.query._model import Expansion, QueryResult
from compare.query.group import CANDIDATES, group_events
from compare.store import Hits, SearchFilter, Store
from compare.wordlists import FUNCTION_WORDS

__all__ = [
    "MAX_LIMIT",
    "MAX_QUERY_CHARS",
    "alias_sets",
    "expand_query",
    "query",
]

logger = logging.getLogger(__name__)

MAX_QUERY_CHARS = 300
MAX_LIMIT = 50
#: RRF constant: a rank r contributes weight / (RRF_K + r).
RRF_K = 60
#: Weight of the lists built from alias expansions (the user's own words weigh 1).
EXPANSION_WEIGHT = 0.5
#: A filter letting more passages through than this is applied after the vector search.
BROAD_FILTER = 50_000
#: Vector hits below this cosine are noise for MiniLM (unrelated sentences score 0.0-0.2).
MIN_SIMILARITY = 0.25
#: The same for multilingual-e5-small, whose cosines are compressed: two sentences of one
#: ntrex-dev document that do not translate each other score a median of 0.79 (95th percentile
#: 0.85), unrelated ones about 0.75; a translation 0.90 (docs/evaluation.md, "Across languages").
MIN_SIMILARITY_E5 = 0.80


def min_similarity_for(model_id: str | None) -> float:
    """The cosine below which a vector hit of ``model_id``'s encoder is noise."""
    return MIN_SIMILARITY_E5 if model_id and "multilingual-e5" in model_id else MIN_SIMILARITY
_MAX_VARIANTS = 4
_WORD = re.compile(r"\w+", re.UNICODE)
_STOP = FUNCTION_WORDS


# --------------------------------------------------------------------------------------------
# Parsing and expansion
# --------------------------------------------------------------------------------------------

def _norm(term: str) -> str:
    return " ".join(w.lower() for w in _WORD.findall(term))


@lru_cache(maxsize=1)
def _bundled_aliases() -> tuple[tuple[str, ...], ...]:
    """Alias sets of the lexicons shipped in ``compare/lexicons``.

    Only files holding ``concepts:`` are parsed: the loaded-term lists are large (the BABE-derived
    one takes most of a second to read) and a query needs none of them.
    """
    from importlib import resources

    from compare.framing.lexicon import load_lexicons

    folder = resources.files("compare") / "lexicons"
    paths = []
    for entry in folder.iterdir():
        if entry.name.endswith(".yaml") and re.search(r"(?m)^concepts:", entry.read_text(encoding="utf-8")):
            paths.append(Path(str(entry)))
    try:
        return tuple(a.terms for a in load_lexicons(sorted(paths)).aliases) if paths else ()
    except CompareError as exc:
        logger.warning("query: bundled lexicons unreadable (%s); no alias expansion from them", exc)
        return ()


def alias_sets(sources: Sources | None = None) -> tuple[tuple[str, ...], ...]:
    """The alias sets a query expands with: bundled lexicons plus ``sources.topics[].aliases``."""
    out = list(_bundled_aliases())
    if sources is not None:
        for topic in sources.topics:
            out.extend(tuple(a) for a in topic.aliases)
    return tuple(out)


def expand_query(text: str, aliases: Iterable[Sequence[str]]) -> Expansion:
    """The query's content words, plus every other name of each alias set the query mentions."""
    words = [w for w in _WORD.findall(text)]
    terms = tuple(dict.fromkeys(w.lower() for w in words if w.lower() not in _STOP))
    padded = f" {_norm(text)} "
    added: dict[str, None] = {}
    variants: dict[str, None] = {}
    for alias_set in aliases:
        names = [(t, _norm(t)) for t in alias_set if _norm(t)]
        hit = next(((t, n) for t, n in sorted(names, key=lambda x: -len(x[1])) if f" {n} " in padded), None)
        if hit is None:
            continue
        for other, other_norm in names:
            if other_norm != hit[1] and other_norm not in padded:
                added.setdefault(other, None)
                if len(variants) < _MAX_VARIANTS:
                    variants.setdefault(padded.replace(f" {hit[1]} ", f" {other_norm} ", 1).strip(), None)
    return Expansion(terms, tuple(added), tuple(variants))


def _fts(phrases: Iterable[str]) -> str | None:
    """An FTS5 MATCH string OR-ing quoted phrases (quotes doubled: no FTS syntax gets through)."""
    quoted = []
    for phrase in phrases:
        tokens = _WORD.findall(phrase)
        if tokens:
            quoted.append('"' + " ".join(tokens).replace('"', '""') + '"')
    return " OR ".join(dict.fromkeys(quoted)) or None


# --------------------------------------------------------------------------------------------
# Retrieval
# --------------------------------------------------------------------------------------------


def _vector_lists(
    store: Store, embedder: Embedder, texts: Sequence[str], *, where: SearchFilter, min_similarity: float
) -> tuple[list[list[int]], dict[int, float], str]:
    index = store.passage_index(embedder.model_id)
    if index is None:
        return [], {}, "none"
    queries = embedder.embed(list(texts))
    if queries.shape[1] != index.dim:
        logger.warning("query: embedder dim %d != index dim %d; vectors skipped", queries.shape[1], index.dim)
        return [], {}, "none"
    among = store.passages_passing(where) if where.narrows else None
    if among is not None and len(among) > BROAD_FILTER:
        # A broad filter: search everything and keep what passes (cheaper than an exhaustive
        # search over most of the index); the over-fetch keeps enough candidates.
        allowed = set(among)
        hits = []
        for found in index.search(queries, CANDIDATES * 10):
            kept = [(i, sc) for i, sc in zip(found.ids, found.scores, strict=True) if i in allowed]
            hits.append(Hits(tuple(i for i, _ in kept), tuple(sc for _, sc in kept)))
    else:
        hits = index.search(queries, CANDIDATES, among=among)
    lists: list[list[int]] = []
    best: dict[int, float] = {}
    for found in hits:
        ranked = [pid for pid, s in zip(found.ids, found.scores, strict=True) if s >= min_similarity]
        lists.append(ranked)
        for pid, s in zip(found.ids, found.scores, strict=True):
            best[pid] = max(best.get(pid, -1.0), s)
    return lists, best, index.kind


def query(
    store: Store,
    text: str,
    *,
    since: str | datetime | timedelta | None = None,
    outlets: Sequence[str] = (),
    groups: Sequence[str] = (),
    limit: int = 10,
    offset: int = 0,
    embedder: Embedder | None = None,
    aliases: Iterable[Sequence[str]] | None = None,
    claims_per_event: int = 5,
    min_similarity: float | None = None,
    use_vectors: bool = True,
) -> QueryResult:
    """Events matching ``text``, best first, each with its best-matching claims side by side.

    ``embedder`` defaults to :func:`compare.embed.load_embedder` (loaded only when the store holds
    vectors); ``aliases`` to :func:`alias_sets` without a sources file; ``min_similarity`` to the
    encoder's noise level (:func:`min_similarity_for`). ``limit`` is at most
    :data:`MAX_LIMIT` events; ``offset`` pages through them. :class:`UsageError` on an empty or
    over-long query.
    """
    started = time.perf_counter()
    text = (text or "").strip()
    if not text:
        raise UsageError("the query is empty")
    if len(text) > MAX_QUERY_CHARS:
        raise UsageError(f"the query is longer than {MAX_QUERY_CHARS} characters")
    if not 1 <= limit <= MAX_LIMIT:
        raise UsageError(f"limit must be between 1 and {MAX_LIMIT}")
    if offset < 0:
        raise UsageError("offset must not be negative")
    cutoff = since_cutoff(since)
    outlets, groups = tuple(dict.fromkeys(outlets)), tuple(dict.fromkeys(groups))
    expansion = expand_query(text, alias_sets() if aliases is None else aliases)
    where = SearchFilter(since=cutoff, outlets=outlets, groups=groups)

    lists: list[tuple[float, list[int]]] = []
    own = _fts(expansion.terms)
    if own:
        lists.append((1.0, store.search_passages(own, where, limit=CANDIDATES)))
    extra = _fts(expansion.added)
    if extra:
        lists.append((EXPANSION_WEIGHT, store.search_passages(extra, where, limit=CANDIDATES)))
    title_lists = [(1.0, store.search_titles(own, where, limit=CANDIDATES))] if own else []
    if extra:
        title_lists.append((EXPANSION_WEIGHT, store.search_titles(extra, where, limit=CANDIDATES)))

    similarity: dict[int, float] = {}
    kind, model = "none", None
    if use_vectors and (embedder is not None or store.has_vectors()):
        if embedder is None:
            from compare.embed import load_embedder

            embedder = load_embedder()
        model = embedder.model_id
        texts = [text, *expansion.variants]
        floor = min_similarity_for(model) if min_similarity is None else min_similarity
        vlists, similarity, kind = _vector_lists(store, embedder, texts, where=where, min_similarity=floor)
        if vlists:
            keep = store.keep_passing({p for v in vlists for p in v}, where)
            for i, ranked in enumerate(vlists):
                lists.append((1.0 if i == 0 else EXPANSION_WEIGHT, [p for p in ranked if p in keep]))

    scores: dict[int, float] = defaultdict(float)
    for weight, ranked in lists:
        for rank, pid in enumerate(ranked):
            scores[pid] += weight / (RRF_K + rank + 1)
    article_bonus: dict[int, float] = defaultdict(float)
    for weight, ranked in title_lists:
        for rank, aid in enumerate(ranked):
            article_bonus[aid] += weight / (RRF_K + rank + 1)
    if article_bonus:
        passage_article = store.articles_of_passages(list(scores))
        for pid, aid in passage_article.items():
            scores[pid] += article_bonus.get(aid, 0.0)
        covered = set(passage_article.values())
        for aid, pid in store.lead_passages([a for a in article_bonus if a not in covered]).items():
            scores[pid] += article_bonus[aid]

    page, total = group_events(
        store, dict(scores), similarity, claims_per_event=claims_per_event, offset=offset, limit=limit
    )
    return QueryResult(
        query=text,
        terms=expansion.terms,
        expansions=expansion.added,
        since=cutoff.isoformat(timespec="seconds") if cutoff else None,
        outlets=outlets,
        groups=groups,
        events=tuple(page),
        total_events=total,
        offset=offset,
        limit=limit,
        vector_search=kind,
        model=model,
        seconds=round(time.perf_counter() - started, 4),
    )
