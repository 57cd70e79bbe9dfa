"""Voices: who is quoted (direct speech) or cited (indirect speech), and whose words are whose.

Built on the reporting constructions of :mod:`compare.framing.speakers`: a named speaker with a
quotation is a direct voice, a named speaker with "said that" / "according to" an indirect one.
Unnamed sources are kept too, as ``(unnamed source)``, so a report can count how much of an
outlet's story rests on people it does not name.

:func:`voice_of` tells whether words of a sentence are the outlet's or a speaker's (inside a
quotation or a reported clause), so loaded words and labels are charged to whoever used them.
:func:`resolve_voices` names each speaker once per article: case and a leading "the" do not make
two voices, and "the ministry" becomes the ministry the article named before, when only one fits.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from compare.framing.records import Voice
from compare.framing.speakers import Speech, find_speech
from compare.framing.text import Quote, find_quotes
from compare.syntax import Parse
from compare.syntax import parse as parse_sentence

__all__ = ["UNNAMED", "find_voices", "resolve_voices", "voice_key", "voice_of"]

#: The name under which unnamed sources are counted.
UNNAMED = "(unnamed source)"

_THE = re.compile(r"^the\s+", re.IGNORECASE)
_TITLES = re.compile(r"^(?:mr|mrs|ms|dr|prof|sen|rep|gov|gen|president|minister)\.?\s+", re.IGNORECASE)


def find_voices(
    text: str, parse: Parse | None = None, speech: Sequence[Speech] | None = None
) -> tuple[Voice, ...]:
    """The voices of one sentence, in order, without repeating a speaker."""
    if speech is None:
        speech = find_speech(text, parse if parse is not None else parse_sentence(text), find_quotes(text))
    voices: list[Voice] = []
    seen: set[str] = set()
    for item in speech:
        if item.anonymous:
            name = UNNAMED
        elif item.speaker:
            name = item.speaker
        else:
            continue
        key = voice_key(name)
        if key in seen:
            continue
        seen.add(key)
        voices.append(Voice(name, "direct" if item.direct else "indirect", item.verb, item.anonymous))
    return tuple(voices)


def voice_of(
    start: int, end: int, quotes: Sequence[Quote], speech: Sequence[Speech]
) -> tuple[bool, str | None]:
    """``(quoted, speaker)`` for the words ``start:end`` of a sentence.

    ``quoted`` is True inside a quotation or a reported clause; ``speaker`` names whose words
    they are when the sentence says (``(unnamed source)`` for an unnamed one), else None.
    """
    for item in speech:
        if any(a <= start and end <= b for a, b in item.content):
            return True, UNNAMED if item.anonymous else item.speaker
    for quote in quotes:
        if quote.start <= start and end <= quote.end:
            direct = next((s for s in speech if (quote.start, quote.end) in s.content), None)
            if direct is None:
                return True, None
            return True, UNNAMED if direct.anonymous else direct.speaker
    return False, None


def voice_key(name: str) -> str:
    """The key under which two spellings of one speaker meet ("The ministry" = "the ministry")."""
    return " ".join(_THE.sub("", name.strip()).lower().replace("’", "'").split())


def _display(name: str) -> str:
    """ "The ministry" at the start of a sentence is "the ministry" anywhere else."""
    words = name.split(maxsplit=2)
    if len(words) > 1 and words[0] == "The" and words[1][:1].islower():
        return "the " + name[4:]
    return name


def resolve_voices(voices_in_order: Sequence[tuple[Voice, ...]]) -> list[tuple[Voice, ...]]:
    """One article's voices, sentence by sentence, each speaker under one name.

    A short definite mention ("the ministry", "the Foreign Ministry", "Mr. Aliyev") takes the
    name of the one fuller speaker named earlier in the article that has its last word; with
    none or several candidates the mention stays as written. Spellings that differ only in case
    or a leading "the" take the first spelling.
    """
    named: list[str] = []  # fuller names, in the order the article gives them
    first_spelling: dict[str, str] = {}
    out = []
    for voices in voices_in_order:
        resolved = []
        for voice in voices:
            if voice.anonymous:
                resolved.append(voice)
                continue
            key = voice_key(voice.name)
            words = key.split()
            short = len(words) <= 2 and (
                _THE.match(voice.name) is not None or _TITLES.match(voice.name) is not None or len(words) == 1
            )
            target = None
            if short:
                candidates = {
                    first_spelling[voice_key(n)]
                    for n in named
                    if voice_key(n) != key
                    and words[-1] in voice_key(n).split()
                    and len(voice_key(n).split()) > len(words)
                }
                if len(candidates) == 1:
                    target = candidates.pop()
            if target is not None:
                resolved.append(dataclasses.replace(voice, name=target, mention=voice.name))
                continue
            spelling = first_spelling.setdefault(key, _display(voice.name))
            if len(words) > 1:
                named.append(spelling)
            resolved.append(
                voice
                if spelling == voice.name
                else dataclasses.replace(voice, name=spelling, mention=voice.name)
            )
        out.append(tuple(resolved))
    return out
