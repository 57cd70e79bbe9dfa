"""Word diffs as :class:`~compare.view.model.DiffSegment` runs that cover both texts.

The framing stage's :class:`~compare.framing.records.DiffOp` spans start and end on words, so
the spaces and punctuation between two ops belong to neither. Here those gaps become ``equal``
segments, so that joining the ``a`` sides gives the reference text back and joining the ``b``
sides gives the other text back — a renderer can print the whole sentence with the changes
marked, without offsets arithmetic.
"""

from __future__ import annotations

from collections.abc import Sequence

from compare.framing.records import DiffOp
from compare.framing.wording import word_diff
from compare.view.model import DiffSegment

__all__ = ["condense", "segments", "text_diff"]


def segments(a_text: str, b_text: str, ops: Sequence[DiffOp]) -> tuple[DiffSegment, ...]:
    """Turn the ops of a word diff from ``a_text`` to ``b_text`` into gap-free segments.

    Ops whose offsets do not fit the texts (a diff stored for another version of a sentence)
    are recomputed from the texts rather than trusted.
    """
    if not _fits(a_text, b_text, ops):
        ops = word_diff(a_text, b_text)
    out: list[DiffSegment] = []
    a_at = b_at = 0
    for op in sorted(ops, key=lambda o: (o.b_start, o.a_start)):
        gap_a, gap_b = a_text[a_at : op.a_start], b_text[b_at : op.b_start]
        if gap_a or gap_b:
            _push(out, DiffSegment("equal", gap_a, gap_b))
        _push(out, DiffSegment(op.op, a_text[op.a_start : op.a_end], b_text[op.b_start : op.b_end]))
        a_at, b_at = max(a_at, op.a_end), max(b_at, op.b_end)
    if a_at < len(a_text) or b_at < len(b_text):
        _push(out, DiffSegment("equal", a_text[a_at:], b_text[b_at:]))
    return tuple(out)


def text_diff(before: str, after: str) -> tuple[DiffSegment, ...]:
    """The word diff of two whole texts (two versions of an article), gap-free."""
    return segments(before, after, word_diff(before, after))


def condense(diff: Sequence[DiffSegment], *, context: int = 12) -> tuple[DiffSegment, ...]:
    """Shorten long ``equal`` runs to ``context`` words on each side of a change, joined by ``…``.

    For showing an edited article: the reader needs the changed words and enough of their
    surroundings to find them, not the whole text twice.
    """
    out: list[DiffSegment] = []
    last = len(diff) - 1
    for i, seg in enumerate(diff):
        if seg.op != "equal":
            out.append(seg)
            continue
        words = seg.b.split(" ")
        keep_head = context if i > 0 else 0
        keep_tail = context if i < last else 0
        if len(words) <= keep_head + keep_tail + 1:
            out.append(seg)
            continue
        head = " ".join(words[:keep_head])
        tail = " ".join(words[len(words) - keep_tail :]) if keep_tail else ""
        short = " ".join(part for part in (head, "…", tail) if part)
        out.append(DiffSegment("equal", short, short))
    return tuple(out)


def _fits(a_text: str, b_text: str, ops: Sequence[DiffOp]) -> bool:
    if not ops:
        return not a_text and not b_text
    for op in ops:
        if not (0 <= op.a_start <= op.a_end <= len(a_text) and 0 <= op.b_start <= op.b_end <= len(b_text)):
            return False
        if a_text[op.a_start : op.a_end] != op.a or b_text[op.b_start : op.b_end] != op.b:
            return False
    return True


def _push(out: list[DiffSegment], seg: DiffSegment) -> None:
    """Append, merging with the previous segment when both are ``equal``."""
    if out and seg.op == "equal" and out[-1].op == "equal":
        prev = out[-1]
        out[-1] = DiffSegment("equal", prev.a + seg.a, prev.b + seg.b)
    else:
        out.append(seg)
