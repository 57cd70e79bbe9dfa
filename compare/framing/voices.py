"""Voices: who is quoted (direct speech) or cited (indirect speech) in a sentence.

Built on the reporting constructions that :mod:`compare.framing.attribution` finds: a named
speaker with a quotation is a direct voice, a named speaker with "said that" / "according to" an
indirect one. Unnamed sources are kept too, flagged ``anonymous``, so a report can count how much
of an outlet's story rests on people it does not name.
"""

from __future__ import annotations

from compare.framing.records import Voice
from compare.framing.speakers import find_speech
from compare.framing.text import find_quotes
from compare.syntax import Parse
from compare.syntax import parse as parse_sentence

__all__ = ["find_voices"]


def find_voices(text: str, parse: Parse | None = None) -> tuple[Voice, ...]:
    """The voices of one sentence, in order, without repeating a speaker."""
    quotes = find_quotes(text)
    voices: list[Voice] = []
    seen: set[str] = set()
    for speech in find_speech(text, parse if parse is not None else parse_sentence(text), quotes):
        if speech.anonymous:
            name = "(unnamed source)"
        elif speech.speaker:
            name = speech.speaker
        else:
            continue
        key = name.lower()
        if key in seen:
            continue
        seen.add(key)
        voices.append(Voice(name, "direct" if speech.direct else "indirect", speech.verb, speech.anonymous))
    return tuple(voices)
