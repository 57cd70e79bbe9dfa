"""Markdown escaping: the one way store text is made inert in Markdown (layer L0).

Fetched text decides what a report or a topic page prints, so it must never become markup: no
HTML, no emphasis, no links, no table breaks, and no line that starts a list or a heading
("1. Ceasefire…" stays a sentence).
"""

from __future__ import annotations

import re

__all__ = ["md"]

_INLINE = re.compile(r"([\\`*_{}\[\]()|~!#])")
#: An ampersand that would start an HTML entity ("&amp;", "&#60;"); a plain one ("Q&A") is left be.
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_BLOCK_START = re.compile(r"^(\s*)([-+>=]|\d+[.)])")


def md(text: object) -> str:
    """``text`` as inert Markdown on one line (safe in a paragraph, a heading and a table cell)."""
    s = " ".join(str(text).split())
    s = _ENTITY.sub("&amp;", s).replace("<", "&lt;").replace(">", "&gt;")
    s = _INLINE.sub(r"\\\1", s)
    return _BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2), s)
