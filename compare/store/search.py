"""Full-text search (FTS5, BM25) over passages and titles, and the query's filters.

Only current article versions are searched. A filter (:class:`SearchFilter`) narrows by
publication time, outlet and perspective group inside the search, so a narrow filter still finds
all of its matches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database

from compare.store.articles import CURRENT_VERSION

__all__ = ["SearchFilter", "SearchMixin"]


@dataclass(frozen=True)
class SearchFilter:
    """What a search is restricted to (nothing: everything current)."""

    since: datetime | None = None
    outlets: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()

    @property
    def narrows(self) -> bool:
        return bool(self.since or self.outlets or self.groups)

    def sql(self, dialect: str = "sqlite") -> tuple[str, list[Any]]:
        """Conditions over ``a`` (articles) and ``o`` (outlets)."""
        sql = f" AND {CURRENT_VERSION}"
        params: list[Any] = []
        if self.since is not None:
            sql += " AND COALESCE(a.published_at, a.first_seen) >= ?"
            params.append(self.since.astimezone(UTC).isoformat(timespec="seconds")[:19])
        if self.outlets:
            sql += f" AND a.outlet_id IN ({','.join('?' * len(self.outlets))})"
            params += list(self.outlets)
        if self.groups:
            marks = ",".join("?" * len(self.groups))
            each = "json_each(o.groups) g"
            if dialect == "postgresql":
                each = "json_array_elements_text(o.groups::json) g(value)"
            sql += f" AND EXISTS (SELECT 1 FROM {each} WHERE g.value IN ({marks}))"
            params += list(self.groups)
        return sql, params


_PHRASE = re.compile(r'"((?:[^"]|"")*)"')


def _tsquery(match: str) -> tuple[str, list[str]]:
    """An FTS5 string of OR-ed quoted phrases (what the query builds) as a PostgreSQL tsquery."""
    phrases = [p.replace('""', '"') for p in _PHRASE.findall(match)] or [match]
    return "(" + " || ".join("phraseto_tsquery('simple', ?)" for _ in phrases) + ")", phrases


class SearchMixin:
    _db: Database
    dialect: str

    def _pg_search(self, table: str, column: str, match: str, where: SearchFilter, limit: int) -> list[int]:
        """Full-text search on PostgreSQL: the tsvector expression the GIN index was built on."""
        cond, params = where.sql(self.dialect)
        query, phrases = _tsquery(match)
        # the expressions the GIN indexes of migration 0002 were built on
        vector = f"to_tsvector('simple', {column})"
        if table == "a":
            vector = f"to_tsvector('simple', COALESCE({column}, ''))"
        joins = "passages p JOIN articles a ON a.id = p.article_id" if table == "p" else "articles a"
        rows = self._db.execute(
            f"""SELECT {table}.id FROM {joins} JOIN outlets o ON o.id = a.outlet_id
                WHERE {vector} @@ {query} {cond}
                ORDER BY ts_rank({vector}, {query}) DESC, {table}.id LIMIT ?""",
            [*phrases, *params, *phrases, limit],
        ).fetchall()
        return [int(r[0]) for r in rows]

    def search_passages(self, match: str, where: SearchFilter, *, limit: int) -> list[int]:
        """Passage ids matching the FTS5 expression ``match``, best BM25 first.

        Unfiltered, the FTS5 ranking runs alone and only its best rows are joined and checked (a
        frequent word can match most of the store); with filters, every match is joined first so a
        narrow filter keeps all of its matches.
        """
        if self.dialect == "postgresql":
            return self._pg_search("p", "p.text", match, where, limit)
        cond, params = where.sql(self.dialect)
        if where.narrows:
            rows = self._db.execute(
                f"""SELECT p.id FROM passages_fts
                    JOIN passages p ON p.id = passages_fts.rowid
                    JOIN articles a ON a.id = p.article_id
                    JOIN outlets o ON o.id = a.outlet_id
                    WHERE passages_fts MATCH ? {cond}
                    ORDER BY bm25(passages_fts) LIMIT ?""",
                [match, *params, limit],
            ).fetchall()
            return [int(r[0]) for r in rows]
        rows = self._db.execute(
            f"""SELECT m.id FROM (
                    SELECT rowid AS id, bm25(passages_fts) AS score FROM passages_fts
                    WHERE passages_fts MATCH ? ORDER BY score LIMIT ?) m
                JOIN passages p ON p.id = m.id
                JOIN articles a ON a.id = p.article_id
                JOIN outlets o ON o.id = a.outlet_id
                WHERE 1 = 1 {cond} ORDER BY m.score LIMIT ?""",
            [match, limit * 2, *params, limit],
        ).fetchall()
        return [int(r[0]) for r in rows]

    def search_titles(self, match: str, where: SearchFilter, *, limit: int) -> list[int]:
        """Article ids whose title matches, best first."""
        if self.dialect == "postgresql":
            return self._pg_search("a", "a.title", match, where, limit)
        cond, params = where.sql(self.dialect)
        rows = self._db.execute(
            f"""SELECT a.id FROM articles_fts
                JOIN articles a ON a.id = articles_fts.rowid
                JOIN outlets o ON o.id = a.outlet_id
                WHERE articles_fts MATCH ? {cond}
                ORDER BY bm25(articles_fts) LIMIT ?""",
            [match, *params, limit],
        ).fetchall()
        return [int(r[0]) for r in rows]

    def passages_passing(self, where: SearchFilter) -> list[int]:
        """Every passage id that passes the filter."""
        cond, params = where.sql(self.dialect)
        rows = self._db.execute(
            f"""SELECT p.id FROM passages p JOIN articles a ON a.id = p.article_id
                JOIN outlets o ON o.id = a.outlet_id WHERE 1 = 1 {cond}""",
            params,
        ).fetchall()
        return [int(r[0]) for r in rows]

    def keep_passing(self, ids: Iterable[int], where: SearchFilter) -> set[int]:
        """The passages among ``ids`` that pass the filter (current versions only)."""
        cond, params = where.sql(self.dialect)
        wanted = list(dict.fromkeys(int(i) for i in ids))
        keep: set[int] = set()
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            rows = self._db.execute(
                f"""SELECT p.id FROM passages p JOIN articles a ON a.id = p.article_id
                    JOIN outlets o ON o.id = a.outlet_id
                    WHERE p.id IN ({",".join("?" * len(chunk))}) {cond}""",
                [*chunk, *params],
            ).fetchall()
            keep.update(int(r[0]) for r in rows)
        return keep

    def lead_passages(self, article_ids: Sequence[int]) -> dict[int, int]:
        """Article id -> id of its first passage."""
        if not article_ids:
            return {}
        rows = self._db.execute(
            f"""SELECT article_id, id FROM passages WHERE article_id IN ({",".join("?" * len(article_ids))})
                AND idx = (SELECT MIN(idx) FROM passages q WHERE q.article_id = passages.article_id)""",
            list(article_ids),
        ).fetchall()
        return {int(a): int(p) for a, p in rows}

    def articles_of_passages(self, passage_ids: Sequence[int]) -> dict[int, int]:
        """Passage id -> article id."""
        out: dict[int, int] = {}
        for i in range(0, len(passage_ids), 500):
            chunk = list(passage_ids[i : i + 500])
            rows = self._db.execute(
                f"SELECT id, article_id FROM passages WHERE id IN ({','.join('?' * len(chunk))})", chunk
            ).fetchall()
            out.update({int(p): int(a) for p, a in rows})
        return out
