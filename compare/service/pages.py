"""Rendering the service's HTML pages with Jinja2 (autoescape on: store text never becomes markup).

Article URLs only become links when they are http(s) (:func:`compare.urls.safe_url`, the same
check the reports use); everything else is printed as text.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2

from compare.report.glance import when
from compare.urls import safe_url

__all__ = ["render_page"]

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _query_string(params: dict[str, Any]) -> str:
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        if value is None or value == "":
            continue
        if isinstance(value, list | tuple | set | frozenset):
            pairs += [(key, str(v)) for v in sorted(value)]
        else:
            pairs.append((key, str(value)))
    return urlencode(pairs)


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["safe_url"] = safe_url
    env.filters["day"] = lambda value: when(str(value)[:10]) if value else ""
    env.filters["when"] = when
    env.globals["query_string"] = _query_string
    return env


def render_page(name: str, **context: Any) -> str:
    """The page ``templates/<name>`` rendered with ``context``."""
    return _environment().get_template(name).render(**context)
