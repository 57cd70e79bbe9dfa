"""Retrieval for the topic query: expansion, FTS5 BM25 + vector search, rank fusion.

``query(store, "Lachin corridor")`` answers "which events match, and how does each outlet put
it?" in three steps:

1. **retrieve** passages two ways and fuse the rankings (reciprocal rank fusion, RRF):
   SQLite FTS5 BM25 over passage text and article titles, and cosine similarity of the query's
   vector against the passages' vectors (:class:`compare.vectorindex.VectorIndex`, exact below
   a size, IVF above, kept beside the database and synced incrementally by passage id);
2. **expand** the query with alias sets — the names outlets use for one thing, from the bundled
   topic lexicons (``compare/lexicons``) plus the sources file's ``topics[].aliases`` — so
   "Khankendi" also finds "Stepanakert". Expanded terms count half as much as the user's own;
3. **group** the matched passages by event and by aligned claim, and show for every claim each
   outlet's sentence with its attribution and labels side by side, plus the outlets that cover
   the event but leave the claim out.

Filters (``since``, ``outlets``, perspective ``groups``) apply inside retrieval, so a narrow
filter still finds its matches. Only current article versions are searched.

Grouping into events and claims is :mod:`compare.query.group`; output is :mod:`compare.query.render`.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from compare.embed import Embedder
from compare.errors import CompareError, UsageError
from compare.files import write_atomic
from compare.models import Sources
from compare.query._model import Expansion, QueryResult
from compare.query.group import CANDIDATES, group_events
from compare.store import Store
from compare.vectorindex import ANN_THRESHOLD, Hits, VectorIndex
from compare.wordlists import FUNCTION_WORDS

__all__ = [
    "MAX_LIMIT",
    "MAX_QUERY_CHARS",
    "alias_sets",
    "expand_query",
    "parse_since",
    "query",
    "refresh_index",
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
_MAX_VARIANTS = 4
_WORD = re.compile(r"\w+", re.UNICODE)
_STOP = FUNCTION_WORDS


# --------------------------------------------------------------------------------------------
# Parsing and expansion
# --------------------------------------------------------------------------------------------

_SINCE = re.compile(r"^\s*(\d+)\s*([hdwmy])\s*$", re.IGNORECASE)
_UNITS = {"h": 1 / 24, "d": 1, "w": 7, "m": 30, "y": 365}


def parse_since(value: str | datetime | timedelta | None, *, now: datetime | None = None) -> datetime | None:
    """``"30d"``, ``"12h"``, ``"2w"``, ``"6m"``, ``"1y"``, an ISO date or a datetime -> a UTC cutoff."""
    if value is None or value == "":
        return None
    now = now or datetime.now(UTC)
    if isinstance(value, timedelta):
        return _minus(now, value)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    match = _SINCE.match(value)
    if match:
        return _minus(now, timedelta(days=int(match.group(1)) * _UNITS[match.group(2).lower()]))
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(f"cannot read since={value!r}: use 30d, 12h, 2w, 6m, 1y or a date") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _minus(now: datetime, delta: timedelta) -> datetime:
    """``now - delta``, or the earliest datetime when that falls before year 1."""
    try:
        return now - delta
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC)


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
# The vector index beside the store
# --------------------------------------------------------------------------------------------

_INDEXES: dict[tuple[str, str], tuple[tuple[int, ...], VectorIndex]] = {}
_INDEX_LOCK = threading.Lock()


def _index_prefix(store: Store, model_id: str) -> Path | None:
    if store.path == ":memory:":
        return None
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", model_id)
    return Path(f"{store.path}.vectors") / slug


def _signature(store: Store, model_id: str) -> tuple[int, ...]:
    """What changes when passages or vectors are added: the highest row ids (O(1) lookups).

    Re-extracted articles get new passage rows, so an edit moves it too. A passage deleted without
    any insertion is noticed at the next insertion; meanwhile its id is dropped when hits are
    joined back to the passages table.
    """
    top = store.db.execute("SELECT COALESCE(MAX(id), 0) FROM passages").fetchone()[0]
    emb = store.db.execute("SELECT COALESCE(MAX(rowid), 0) FROM embeddings").fetchone()[0]
    return (int(top), int(emb))


def _vectors_for(
    store: Store, model_id: str, ids: Sequence[int] | None, *, expect: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Passage ids and their vectors (all of the model's, or those of ``ids``).

    Rows are copied into one preallocated array in batches (``expect`` rows sized up front), so
    a million vectors cost their own 1.5 GB and not two or three times that in Python bytes.
    """
    sql = """SELECT p.id, e.dim, e.vector FROM passages p
             JOIN embeddings e ON e.text_hash = p.text_hash AND e.model = ?"""
    cursors = []
    if ids is None:
        cursors.append(store.db.execute(sql, [model_id]))
    else:
        expect = len(ids)
        for i in range(0, len(ids), 500):
            chunk = list(ids[i : i + 500])
            marks = ",".join("?" * len(chunk))
            cursors.append(store.db.execute(f"{sql} WHERE p.id IN ({marks})", [model_id, *chunk]))
    id_array = np.zeros(max(expect, 1), dtype=np.int64)
    matrix: np.ndarray | None = None
    n = 0
    for cursor in cursors:
        while batch := cursor.fetchmany(20_000):
            dim = int(batch[0][1])
            if matrix is None:
                matrix = np.zeros((max(expect, len(batch)), dim), dtype=np.float32)
            if n + len(batch) > matrix.shape[0]:  # the store grew meanwhile
                grow = max(n + len(batch), 2 * matrix.shape[0])
                matrix = np.resize(matrix, (grow, dim))
                id_array = np.resize(id_array, grow)
            id_array[n : n + len(batch)] = [r[0] for r in batch]
            matrix[n : n + len(batch)] = np.frombuffer(
                b"".join(r[2] for r in batch), dtype=np.float32
            ).reshape(len(batch), dim)
            n += len(batch)
    if matrix is None:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
    return id_array[:n], matrix[:n]


def refresh_index(store: Store, model_id: str, *, threshold: int = ANN_THRESHOLD) -> VectorIndex | None:
    """The vector index of ``model_id``'s passage vectors, brought up to date with the store.

    Loaded from beside the database when present (``<db>.vectors/``), then synced by passage id:
    new passages added, deleted ones removed; rebuilt when it outgrew its mode. Saved back when
    the folder is writable (a read-only service keeps its copy in memory). ``None`` when the store
    holds no vectors of that model. The pipeline may call this after embedding to keep the first
    query fast.
    """
    # In-memory stores have no path to tell them apart: key them by their connection.
    key = (store.path if store.path != ":memory:" else f":memory:{id(store.db.conn)}", model_id)
    with _INDEX_LOCK:
        signature = _signature(store, model_id)
        cached = _INDEXES.get(key)
        if cached is not None and cached[0] == signature:
            return cached[1]
        prefix = _index_prefix(store, model_id)
        index = cached[1] if cached is not None else None
        if index is None and prefix is not None and Path(f"{prefix}.json").exists():
            try:
                index = VectorIndex.load(prefix)
                stored = json.loads(Path(f"{prefix}.sync.json").read_text(encoding="utf-8"))
                if tuple(stored.get("signature", ())) == signature:
                    _INDEXES[key] = (signature, index)
                    return index
            except (CompareError, OSError, ValueError) as exc:
                logger.warning("vector index %s unusable (%s); rebuilding it from the store", prefix, exc)
                index = None
        changed = _sync(store, model_id, index, threshold=threshold)
        if changed is None:
            _INDEXES.pop(key, None)
            return None
        index = changed
        _INDEXES[key] = (signature, index)
        if prefix is not None:
            try:
                index.save(prefix)
                write_atomic(f"{prefix}.sync.json", json.dumps({"signature": signature}))
            except (CompareError, OSError) as exc:
                logger.info("vector index kept in memory only: %s", exc)
        return index


def _sync(store: Store, model_id: str, index: VectorIndex | None, *, threshold: int) -> VectorIndex | None:
    wanted = np.fromiter(
        (
            r[0]
            for r in store.db.execute(
                """SELECT p.id FROM passages p
                   JOIN embeddings e ON e.text_hash = p.text_hash AND e.model = ?""",
                [model_id],
            )
        ),
        dtype=np.int64,
    )
    if wanted.size == 0:
        return None
    if index is not None:
        held = index.ids()
        index.remove(held[~np.isin(held, wanted)])
        missing = wanted[~np.isin(wanted, held)]
        if missing.size:
            ids, matrix = _vectors_for(store, model_id, missing.tolist())
            if matrix.shape[1] == index.dim:
                index.add(ids, matrix)
            else:
                index = None
        if index is not None and not index.stale:
            logger.debug("vector index synced: %d passages", len(index))
            return index
    ids, matrix = _vectors_for(store, model_id, None, expect=int(wanted.size))
    del wanted
    logger.info("vector index: building over %d passages", ids.size)
    return VectorIndex.build(ids, matrix, threshold=threshold)


# --------------------------------------------------------------------------------------------
# Retrieval
# --------------------------------------------------------------------------------------------


def _filters(since: datetime | None, outlets: Sequence[str], groups: Sequence[str]) -> tuple[str, list[Any]]:
    """SQL conditions over ``a`` (articles) and ``o`` (outlets) for the query's filters."""
    sql = " AND a.version = (SELECT MAX(b.version) FROM articles b WHERE b.url = a.url)"
    params: list[Any] = []
    if since is not None:
        sql += " AND COALESCE(a.published_at, a.first_seen) >= ?"
        params.append(since.astimezone(UTC).isoformat(timespec="seconds")[:19])
    if outlets:
        sql += f" AND a.outlet_id IN ({','.join('?' * len(outlets))})"
        params += list(outlets)
    if groups:
        marks = ",".join("?" * len(groups))
        sql += f" AND EXISTS (SELECT 1 FROM json_each(o.groups) g WHERE g.value IN ({marks}))"
        params += list(groups)
    return sql, params


def _fts_passages(store: Store, match: str, where: str, params: list[Any], *, filtered: bool) -> list[int]:
    """Passage ids matching ``match``, best BM25 first, current versions passing the filters.

    Unfiltered, the FTS5 ranking runs alone and only its best rows are joined and checked (a
    frequent word can match most of the store); with filters, every match is joined first so a
    narrow filter keeps all of its matches.
    """
    if filtered:
        rows = store.db.execute(
            f"""SELECT p.id FROM passages_fts
                JOIN passages p ON p.id = passages_fts.rowid
                JOIN articles a ON a.id = p.article_id
                JOIN outlets o ON o.id = a.outlet_id
                WHERE passages_fts MATCH ? {where}
                ORDER BY bm25(passages_fts) LIMIT ?""",
            [match, *params, CANDIDATES],
        ).fetchall()
        return [int(r[0]) for r in rows]
    rows = store.db.execute(
        f"""SELECT m.id FROM (
                SELECT rowid AS id, bm25(passages_fts) AS score FROM passages_fts
                WHERE passages_fts MATCH ? ORDER BY score LIMIT ?) m
            JOIN passages p ON p.id = m.id
            JOIN articles a ON a.id = p.article_id
            JOIN outlets o ON o.id = a.outlet_id
            WHERE 1 = 1 {where} ORDER BY m.score LIMIT ?""",
        [match, CANDIDATES * 2, *params, CANDIDATES],
    ).fetchall()
    return [int(r[0]) for r in rows]


def _fts_titles(store: Store, match: str, where: str, params: list[Any]) -> list[int]:
    """Article ids whose title matches, best first."""
    rows = store.db.execute(
        f"""SELECT a.id FROM articles_fts
            JOIN articles a ON a.id = articles_fts.rowid
            JOIN outlets o ON o.id = a.outlet_id
            WHERE articles_fts MATCH ? {where}
            ORDER BY bm25(articles_fts) LIMIT ?""",
        [match, *params, CANDIDATES],
    ).fetchall()
    return [int(r[0]) for r in rows]


def _allowed_passages(store: Store, where: str, params: list[Any]) -> list[int]:
    rows = store.db.execute(
        f"""SELECT p.id FROM passages p JOIN articles a ON a.id = p.article_id
            JOIN outlets o ON o.id = a.outlet_id WHERE 1 = 1 {where}""",
        params,
    ).fetchall()
    return [int(r[0]) for r in rows]


def _store_has_vectors(store: Store) -> bool:
    return store.db.execute("SELECT 1 FROM embeddings LIMIT 1").fetchone() is not None


def _vector_lists(
    store: Store,
    embedder: Embedder,
    texts: Sequence[str],
    *,
    filtered: bool,
    where: str,
    params: list[Any],
    min_similarity: float,
) -> tuple[list[list[int]], dict[int, float], str]:
    index = refresh_index(store, embedder.model_id)
    if index is None:
        return [], {}, "none"
    queries = embedder.embed(list(texts))
    if queries.shape[1] != index.dim:
        logger.warning("query: embedder dim %d != index dim %d; vectors skipped", queries.shape[1], index.dim)
        return [], {}, "none"
    among = _allowed_passages(store, where, params) if filtered else None
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


def _current_only(store: Store, ids: Iterable[int], where: str, params: list[Any]) -> set[int]:
    wanted = list(dict.fromkeys(ids))
    keep: set[int] = set()
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        rows = store.db.execute(
            f"""SELECT p.id FROM passages p JOIN articles a ON a.id = p.article_id
                JOIN outlets o ON o.id = a.outlet_id
                WHERE p.id IN ({",".join("?" * len(chunk))}) {where}""",
            [*chunk, *params],
        ).fetchall()
        keep.update(int(r[0]) for r in rows)
    return keep


def _lead_passages(store: Store, article_ids: Sequence[int]) -> dict[int, int]:
    if not article_ids:
        return {}
    rows = store.db.execute(
        f"""SELECT article_id, id FROM passages WHERE article_id IN ({",".join("?" * len(article_ids))})
            AND idx = (SELECT MIN(idx) FROM passages q WHERE q.article_id = passages.article_id)""",
        list(article_ids),
    ).fetchall()
    return {int(a): int(p) for a, p in rows}


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
    min_similarity: float = MIN_SIMILARITY,
    use_vectors: bool = True,
) -> QueryResult:
    """Events matching ``text``, best first, each with its best-matching claims side by side.

    ``embedder`` defaults to :func:`compare.embed.load_embedder` (loaded only when the store holds
    vectors); ``aliases`` to :func:`alias_sets` without a sources file. ``limit`` is at most
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
    cutoff = parse_since(since)
    outlets, groups = tuple(dict.fromkeys(outlets)), tuple(dict.fromkeys(groups))
    expansion = expand_query(text, alias_sets() if aliases is None else aliases)
    where, params = _filters(cutoff, outlets, groups)
    filtered = bool(cutoff or outlets or groups)

    lists: list[tuple[float, list[int]]] = []
    own = _fts(expansion.terms)
    if own:
        lists.append((1.0, _fts_passages(store, own, where, params, filtered=filtered)))
    extra = _fts(expansion.added)
    if extra:
        lists.append((EXPANSION_WEIGHT, _fts_passages(store, extra, where, params, filtered=filtered)))
    title_lists = [(1.0, _fts_titles(store, own, where, params))] if own else []
    if extra:
        title_lists.append((EXPANSION_WEIGHT, _fts_titles(store, extra, where, params)))

    similarity: dict[int, float] = {}
    kind, model = "none", None
    if use_vectors and (embedder is not None or _store_has_vectors(store)):
        if embedder is None:
            from compare.embed import load_embedder

            embedder = load_embedder()
        model = embedder.model_id
        texts = [text, *expansion.variants]
        vlists, similarity, kind = _vector_lists(
            store,
            embedder,
            texts,
            filtered=filtered,
            where=where,
            params=params,
            min_similarity=min_similarity,
        )
        if vlists:
            keep = _current_only(store, {p for v in vlists for p in v}, where, params)
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
        passage_article = _articles_of(store, list(scores))
        for pid, aid in passage_article.items():
            scores[pid] += article_bonus.get(aid, 0.0)
        covered = set(passage_article.values())
        for aid, pid in _lead_passages(store, [a for a in article_bonus if a not in covered]).items():
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


def _articles_of(store: Store, passage_ids: Sequence[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for i in range(0, len(passage_ids), 500):
        chunk = list(passage_ids[i : i + 500])
        rows = store.db.execute(
            f"SELECT id, article_id FROM passages WHERE id IN ({','.join('?' * len(chunk))})", chunk
        ).fetchall()
        out.update({int(p): int(a) for p, a in rows})
    return out
