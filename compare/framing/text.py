"""Small text helpers shared by the framing signals: words with offsets, and quotations.

Kept dependency-free on purpose: every signal works on one sentence at a time and needs only
word boundaries and the spans between quotation marks.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

__all__ = ["Quote", "Word", "find_quotes", "inside", "words"]

_WORD = re.compile(r"[0-9]+(?:[.,][0-9]+)*%?|[^\W\d_]+(?:[-'’][^\W\d_]+)*", re.UNICODE)

_OPEN = {"“": "”", '"': '"', "«": "»", "„": "“"}


@dataclass(frozen=True)
class Word:
    """One word of a sentence and where it is."""

    text: str
    start: int
    end: int

    @property
    def lower(self) -> str:
        return self.text.lower()


@dataclass(frozen=True)
class Quote:
    """Text between a pair of quotation marks; ``start``/``end`` include the marks."""

    start: int
    end: int
    inner: str

    @property
    def n_words(self) -> int:
        return len(_WORD.findall(self.inner))


def words(text: str) -> list[Word]:
    """The words (letters, digits with separators, hyphenated compounds) of ``text``."""
    return list(_words(text))


@functools.lru_cache(maxsize=16384)
def _words(text: str) -> tuple[Word, ...]:
    # The same sentences are split again and again while an event is framed (a claim's central
    # sentence against each member, each diff's stretches by three signals): split each once.
    return tuple(Word(m.group(), m.start(), m.end()) for m in _WORD.finditer(text))


def find_quotes(text: str) -> list[Quote]:
    """Quoted stretches of ``text``. Straight double quotes pair up left to right.

    An unclosed quotation mark (a quote continued in the next sentence) runs to the end of the
    sentence, which is how news copy writes multi-sentence quotes.
    """
    quotes: list[Quote] = []
    i = 0
    # A quotation continued from the previous sentence: its closing mark comes first, right
    # after punctuation (`... balance," he said.`), with an odd number of straight quotes.
    first = text.find('"')
    if first > 0 and text.count('"') % 2 == 1 and text[first - 1] in ",.!?…'’":
        quotes.append(Quote(0, first + 1, text[:first]))
        i = first + 1
    curly = text.find("”")
    opening = text.find("“")
    if not quotes and curly > 0 and (opening < 0 or curly < opening):
        quotes.append(Quote(0, curly + 1, text[:curly]))
        i = curly + 1
    while i < len(text):
        ch = text[i]
        if ch in _OPEN:
            close = _OPEN[ch]
            j = text.find(close, i + 1)
            if j < 0:
                quotes.append(Quote(i, len(text), text[i + 1 :]))
                break
            quotes.append(Quote(i, j + 1, text[i + 1 : j]))
            i = j + 1
            continue
        i += 1
    return quotes


def inside(start: int, end: int, quotes: list[Quote]) -> bool:
    """True when the span ``start:end`` lies within one of ``quotes``."""
    return any(q.start <= start and end <= q.end for q in quotes)
