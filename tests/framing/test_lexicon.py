"""Lexicon loading and matching: alias sets and loaded terms, with offsets."""

from __future__ import annotations

from pathlib import Path

import pytest

from compare.errors import ConfigError
from compare.framing.lexicon import derive_loaded_terms, find_labels, find_loaded, load_lexicons


def test_shipped_lexicons_load() -> None:
    lexicon = load_lexicons()
    concepts = {a.concept for a in lexicon.aliases}
    assert {"capital", "region", "lachin_road", "local_armed_forces"} <= concepts
    assert {"loaded", "karabakh"} <= set(lexicon.sources)


def test_extra_lexicon_folders_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "mine.yaml").write_text("terms:\n  zealotry: {marked_rate: 1.0}\n", encoding="utf-8")
    monkeypatch.setenv("NEWSCOMPARE_LEXICONS", str(tmp_path))
    assert [t.term for t in find_loaded("Such zealotry.", load_lexicons())] == ["zealotry"]


def test_labels_longest_first_with_offsets() -> None:
    text = "Convoys on the Lachin corridor to Khankendi, which Armenians call Stepanakert."
    labels = find_labels(text, load_lexicons())
    assert [(lt.concept, lt.term) for lt in labels] == [
        ("lachin_road", "Lachin corridor"),
        ("capital", "Khankendi"),
        ("capital", "Stepanakert"),
    ]
    for lt in labels:
        assert text[lt.cue.start : lt.cue.end] == lt.cue.text


def test_loaded_terms_curated_note_wins() -> None:
    text = "The regime slammed the protesters."
    found = {t.term: t for t in find_loaded(text, load_lexicons())}
    assert found["regime"].source == "loaded"
    assert found["slammed"].note


def test_bad_lexicon_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.yaml"):
        load_lexicons([bad])


def test_derive_loaded_terms_counts_and_filters() -> None:
    rows = [
        {"text": "A bizarre and radical plan.", "label": "Biased", "biased_words": ["bizarre", "the"]},
        {"text": "Another bizarre idea.", "label": "Biased", "biased_words": ["bizarre"]},
        {"text": "A radical change, the bizarre way.", "label": "Non-biased", "biased_words": []},
    ]
    terms = derive_loaded_terms(rows, min_count=2, min_rate=0.2)
    assert list(terms) == ["bizarre"]
    assert terms["bizarre"]["count"] == 2
    assert terms["bizarre"]["present"] == 3
    assert terms["bizarre"]["biased_share"] == round(2 / 3, 3)


def test_reported_false_positives_are_gone() -> None:
    """Issue 14: "internally" (internally displaced), "fuel" (a noun), "illegals" (not in the text)."""
    lexicon = load_lexicons()
    text = "Internally displaced people lack food and fuel; illegal armed formations left."
    assert [t.term for t in find_loaded(text, lexicon)] == []
    assert [t.term for t in find_loaded("Protests fuelled the crisis.", lexicon)] == ["fuelled"]


def test_patterns_match_under_every_prefix_length() -> None:
    """The ``*`` patterns are looked up by their first characters: a pattern whose first word is
    shorter than that index (``Ar*``), one whose first word is exact, and a multi-word one all
    match, inflected, in the patterns' order."""
    from compare.framing.lexicon import AliasSet, Lexicon

    lexicon = Lexicon(
        aliases=(
            AliasSet("short", ("Ar",), patterns=(("ar*", "Ar-name"),)),
            AliasSet("road", ("Лачинский коридор",), patterns=(("лачинск* коридор*", "Лачинский коридор"),)),
            AliasSet("exact", ("Goris",), patterns=(("goris", "Goris"),)),
        )
    )
    text = "Arrivals on the Лачинском коридоре near Goris."
    found = [(t.concept, t.term, t.cue.text) for t in find_labels(text, lexicon)]
    assert found == [
        ("short", "Ar-name", "Arrivals"),
        ("road", "Лачинский коридор", "Лачинском коридоре"),
        ("exact", "Goris", "Goris"),
    ]
