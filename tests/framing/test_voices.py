"""Voices: one name per speaker, and whose words are whose."""

from __future__ import annotations

from compare.framing.records import Cue, Voice
from compare.framing.speakers import find_speech
from compare.framing.text import find_quotes
from compare.framing.voices import UNNAMED, find_voices, resolve_voices, voice_of
from compare.syntax import parse


def _voice(name: str) -> Voice:
    return Voice(name, "indirect", Cue(0, 4, "said", "say"))


def test_the_ministry_takes_the_name_given_earlier() -> None:
    article = [
        (_voice("Azerbaijan's Foreign Ministry"),),
        (_voice("The ministry"),),
        (_voice("the ministry"),),
    ]
    resolved = resolve_voices(article)
    assert [v[0].name for v in resolved] == ["Azerbaijan's Foreign Ministry"] * 3
    assert resolved[1][0].mention == "The ministry"


def test_no_resolution_when_two_fit_or_none_came_before() -> None:
    two = [
        (_voice("Armenia's Foreign Ministry"),),
        (_voice("Azerbaijan's Foreign Ministry"),),
        (_voice("the ministry"),),
    ]
    assert resolve_voices(two)[2][0].name == "the ministry"
    first = [(_voice("The ministry"),), (_voice("the ministry"),)]
    assert [v[0].name for v in resolve_voices(first)] == ["the ministry", "the ministry"]


def test_voices_of_one_sentence() -> None:
    text = '"The road is open," said Hikmet Hajiyev, an aide to the president.'
    (voice,) = find_voices(text)
    assert (voice.name, voice.mode) == ("Hikmet Hajiyev", "direct")
    (unnamed,) = find_voices("A senior diplomat said the resolution would fail.")
    assert unnamed.name == UNNAMED and unnamed.anonymous


def test_reported_speech_is_the_speakers() -> None:
    text = "Azerbaijan said the convoy was a provocation, and the road stayed shut."
    quotes = find_quotes(text)
    speech = find_speech(text, parse(text), quotes)
    start = text.index("provocation")
    assert voice_of(start, start + len("provocation"), quotes, speech) == (True, "Azerbaijan")
    outside = text.index("shut")
    assert voice_of(outside, outside + 4, quotes, speech) == (False, None)


def test_a_scare_quote_is_not_the_outlets_word() -> None:
    text = 'The "eco-activists" blocked the road.'
    quotes = find_quotes(text)
    start = text.index("eco")
    assert voice_of(start, start + 12, quotes, find_speech(text, parse(text), quotes)) == (True, None)


def test_a_mention_resolves_to_a_name_that_has_its_word() -> None:
    article = [(_voice("the Ministry of Foreign Affairs"),), (_voice("The ministry"),)]
    assert resolve_voices(article)[1][0].name == "the Ministry of Foreign Affairs"
