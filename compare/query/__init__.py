"""Journalists' topic query: text in, matching events out, each claim told by every outlet (L6).

``compare.query.query(store, "Lachin corridor")`` returns a :class:`QueryResult`: the events whose
passages match (SQLite FTS5 BM25 and vector similarity, fused), and for each its best-matching
claims — the rows of each event's :class:`~compare.view.EventView`, so the answer shows every
outlet exactly as the report and the web page do. Alias sets expand the
query, so "Khankendi" finds "Stepanakert". Pieces:

* :mod:`compare.query.retrieve` — expansion, retrieval, fusion, the vector index beside the store;
* :mod:`compare.query.group` — grouping by event and claim, with references into each event's view;
* :mod:`compare.query.render` — :func:`render_query_table` (rich), :func:`render_query_markdown`,
  :func:`render_query_json` (``schema: newscompare.query/1``).

The module itself is callable, so ``import compare; compare.query(store, "Lachin corridor")`` works
(``compare/__init__.py`` imports this package lazily, on first use).
"""

from __future__ import annotations

import sys
import types
from typing import Any

from compare.query._model import ClaimHit, EventMatch, Expansion, LooseSentence, QueryResult
from compare.query.render import (
    JSON_SCHEMA,
    render_query_json,
    render_query_markdown,
    render_query_table,
    result_to_dict,
)
from compare.query.retrieve import (
    MAX_LIMIT,
    MAX_QUERY_CHARS,
    alias_sets,
    expand_query,
    query,
)

__all__ = [
    "JSON_SCHEMA",
    "MAX_LIMIT",
    "MAX_QUERY_CHARS",
    "ClaimHit",
    "EventMatch",
    "Expansion",
    "LooseSentence",
    "QueryResult",
    "alias_sets",
    "expand_query",
    "query",
    "render_query_json",
    "render_query_markdown",
    "render_query_table",
    "result_to_dict",
]


class _CallableModule(types.ModuleType):
    """Lets ``compare.query(...)`` call :func:`query` although ``compare.query`` is this package."""

    def __call__(self, *args: Any, **kwargs: Any) -> QueryResult:
        return query(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
