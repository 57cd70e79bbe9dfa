"""What changed between two versions of one article (a silent edit, an update, a correction).

When the same canonical URL comes back with a different ``text_sha256``, the pipeline stores
a new article version linked to the previous one and keeps :func:`text_diff`'s changes for
the report ("the outlet removed this sentence overnight"). Unchanged text only updates
``last_seen``; :func:`is_new_version` is that decision, in one place.

The diff is word-level (difflib over whitespace-separated words, no junk heuristic) and
reports character offsets into both texts, so the report can highlight the exact spans.
"""

from __future__ import annotations

import difflib
import re

from compare.models import Change

__all__ = ["changed_share", "is_new_version", "text_diff"]

_WORD = re.compile(r"\S+")


def is_new_version(previous_sha256: str | None, current_sha256: str) -> bool:
    """True when the text differs from the previous version's (or there was none)."""
    return previous_sha256 != current_sha256


def text_diff(old: str, new: str) -> tuple[Change, ...]:
    """The word-level changes that turn ``old`` into ``new``, with character offsets.

    Each change covers a run of whole words. An empty tuple means the texts have the same
    words (whitespace may still differ).
    """
    old_words = [(m.start(), m.end()) for m in _WORD.finditer(old)]
    new_words = [(m.start(), m.end()) for m in _WORD.finditer(new)]
    matcher = difflib.SequenceMatcher(
        None,
        [old[a:b] for a, b in old_words],
        [new[a:b] for a, b in new_words],
        autojunk=False,
    )
    changes: list[Change] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        old_start, old_end = _span(old_words, i1, i2, len(old))
        new_start, new_end = _span(new_words, j1, j2, len(new))
        changes.append(
            Change(
                op=op,
                old_start=old_start,
                old_end=old_end,
                old_text=old[old_start:old_end],
                new_start=new_start,
                new_end=new_end,
                new_text=new[new_start:new_end],
            )
        )
    return tuple(changes)


def _span(words: list[tuple[int, int]], first: int, last: int, length: int) -> tuple[int, int]:
    """Character span of ``words[first:last]``; an empty range is a point before ``first``."""
    if first < last:
        return words[first][0], words[last - 1][1]
    point = words[first][0] if first < len(words) else length
    return point, point


def changed_share(old: str, new: str) -> float:
    """Share of words changed between two versions, 0.0 (same words) to 1.0 (all new)."""
    old_words = old.split()
    new_words = new.split()
    if not old_words and not new_words:
        return 0.0
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    return 1.0 - matcher.ratio()
