"""Wording: a word-level diff between an outlet's sentence and the claim's central sentence.

The diff exposes what a reader compares by eye: substitutions ("checkpoint" → "blockade"),
insertions (words only this outlet has) and deletions (words it leaves out). Words are compared
case-insensitively; offsets point back into both sentences so a report can highlight them.
:func:`substitutions` keeps the short replacements that are candidate *labels* — the same thing
named differently — for the event's label ledger.
"""

from __future__ import annotations

from difflib import SequenceMatcher

from compare.framing.lexicon import STOPWORDS, _stem
from compare.framing.records import Cue, DiffOp, LoadedTerm
from compare.framing.text import Word, words
from compare.syntax import Parse, Token

__all__ = ["differing_terms", "naming_substitutions", "substitutions", "word_diff"]


def _span(text: str, ws: list[Word], i: int, j: int) -> tuple[str, int, int]:
    if i >= j:
        at = ws[i].start if i < len(ws) else len(text)
        return "", at, at
    return text[ws[i].start : ws[j - 1].end], ws[i].start, ws[j - 1].end


def word_diff(central: str, other: str) -> tuple[DiffOp, ...]:
    """The diff from ``central`` (a) to ``other`` (b), word by word, equal runs included."""
    wa, wb = words(central), words(other)
    matcher = SequenceMatcher(None, [w.lower for w in wa], [w.lower for w in wb], autojunk=False)
    ops = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        a, a_start, a_end = _span(central, wa, i1, i2)
        b, b_start, b_end = _span(other, wb, j1, j2)
        ops.append(DiffOp(tag, a, b, a_start, a_end, b_start, b_end))
    return tuple(ops)


def substitutions(ops: tuple[DiffOp, ...], *, max_words: int = 3) -> list[tuple[str, str]]:
    """Short replacements of content words: ``(central's words, other's words)`` pairs.

    Replacements longer than ``max_words`` on either side are rewrites, not labels; pairs with a
    side made only of function words, or with a number, are left out.
    """
    pairs = []
    for op in ops:
        if op.op != "replace":
            continue
        a_words, b_words = words(op.a), words(op.b)
        if not a_words or not b_words or len(a_words) > max_words or len(b_words) > max_words:
            continue
        if all(w.lower in STOPWORDS for w in a_words) or all(w.lower in STOPWORDS for w in b_words):
            continue
        if any(w.text[0].isdigit() for w in a_words + b_words):
            continue
        if [_stem(w.lower) for w in a_words] == [_stem(w.lower) for w in b_words]:
            continue  # the same words, inflected differently
        pairs.append((op.a, op.b))
    return pairs


def differing_terms(
    ops: tuple[DiffOp, ...], loaded: tuple[LoadedTerm, ...], *, max_words: int = 3
) -> tuple[LoadedTerm, ...]:
    """Wording this outlet chose where the central sentence says something else.

    ``loaded`` are the outlet sentence's loaded terms (from the lexicons); those inside a
    replaced or inserted stretch come back with source ``diff:<lexicon>``. Short substitutions
    (at most ``max_words`` words a side, content words) come back with source ``diff``, weight
    0.3 and the central sentence's words as the note, whether or not a lexicon lists them.
    """
    out: list[LoadedTerm] = []
    changed = [op for op in ops if op.op in ("replace", "insert")]
    for term in loaded:
        if any(op.b_start <= term.cue.start and term.cue.end <= op.b_end for op in changed):
            out.append(LoadedTerm(term.term, term.cue, f"diff:{term.source}", term.weight, term.note))
    pairs = set(substitutions(ops, max_words=max_words))
    for op in changed:
        if op.op != "replace" or (op.a, op.b) not in pairs:
            continue
        if any(op.b_start <= t.cue.start and t.cue.end <= op.b_end for t in out):
            continue
        cue = Cue(op.b_start, op.b_end, op.b, "diff")
        out.append(LoadedTerm(op.b.lower(), cue, "diff", 0.3, f"instead of: {op.a}"))
    out.sort(key=lambda t: t.cue.start)
    return tuple(out)


#: Nouns of time and of sentence structure that differ between outlets without naming anything.
_NOT_NAMES = frozenset(
    """day week month year today yesterday tomorrow monday tuesday wednesday thursday friday
    saturday sunday morning evening night weekend time statement report""".split()  # noqa: SIM905
)
_NAME_POS = frozenset({"NOUN", "PROPN", "ADJ"})


def _tokens_in(parse: Parse, start: int, end: int) -> list[Token]:
    return [t for t in parse if t.idx < end and start < t.end and t.pos != "PUNCT"]


def _is_name(toks: list[Token]) -> bool:
    """A noun phrase of content words ending in a noun: "Artsakh", "Armenian population"."""
    if not toks or any(t.pos not in _NAME_POS for t in toks) or toks[-1].pos not in ("NOUN", "PROPN"):
        return False
    return not any(t.lemma in _NOT_NAMES for t in toks)


def naming_substitutions(
    ops: tuple[DiffOp, ...], central: Parse, other: Parse, *, max_words: int = 3
) -> list[tuple[str, str]]:
    """Substitutions where two outlets name the same thing differently (for the label ledger).

    Of the :func:`substitutions`, only those where both sides are whole noun phrases (nouns,
    proper nouns and adjectives ending in a noun; no dates, verbs, pronouns or determiners) and
    neither side's words occur elsewhere in the other sentence: "Foreign Ministry" against
    "Ministry of Foreign Affairs" is a reordering, "this week" against "on Saturday" a date.
    """
    kept = set(substitutions(ops, max_words=max_words))
    a_words = {w.lower for op in ops for w in words(op.a)}
    b_words = {w.lower for op in ops for w in words(op.b)}
    pairs = []
    for op in ops:
        if op.op != "replace" or (op.a, op.b) not in kept:
            continue
        a_toks = _tokens_in(central, op.a_start, op.a_end)
        b_toks = _tokens_in(other, op.b_start, op.b_end)
        if not (_is_name(a_toks) and _is_name(b_toks)):
            continue
        if any(w.lower in b_words for w in words(op.a)) or any(w.lower in a_words for w in words(op.b)):
            continue
        if {_stem(w.lower) for w in words(op.a)} & {_stem(w.lower) for w in words(op.b)}:
            continue  # "Armenians" / "Armenian leadership": one name narrowed, not renamed
        pairs.append((op.a, op.b))
    return pairs
