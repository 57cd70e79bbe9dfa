"""Framing in Russian, Azerbaijani and Armenian: attribution by cue words, figures as those
languages write them, and names across scripts in the label ledger."""

from __future__ import annotations

import pytest

from compare.framing.cues import classify_by_cues
from compare.framing.event import analyse_passage
from compare.framing.lexicon import load_lexicons
from compare.framing.numbers import compatible, extract_numbers
from compare.models import Passage


@pytest.mark.parametrize(
    ("language", "text", "expected", "cue"),
    [
        ("ru", "Министр заявил, что колонна не пройдёт.", "neutral", "заявил"),
        ("ru", "Баку утверждает, что груз был провокацией.", "distancing", "утверждает"),
        ("ru", "Так называемые экоактивисты перекрыли дорогу.", "distancing", "Так называемые"),
        ("ru", "По некоторым данным, колонна повернула назад.", "hedged", "По некоторым данным"),
        ("ru", "Источники в правительстве сообщили о переговорах.", "anonymous", "Источники"),
        ("ru", "Колонна из 19 грузовиков стоит у КПП.", "own_voice", None),
        ("ru", "Власти назвали активистов «экологами».", "distancing", "«экологами»"),
        ("az", "Nazir bildirib ki, yük keçməyəcək.", "neutral", "bildirib"),
        ("az", "İrəvan iddia edir ki, yol bağlıdır.", "distancing", "iddia edir"),
        ("az", "Sözdə humanitar yük sərhədə gətirilib.", "distancing", "Sözdə"),
        ("az", "Ehtimal ki, karvan geri qayıdacaq.", "hedged", "Ehtimal"),
        ("az", "Mənbələr danışıqlar barədə məlumat verib.", "anonymous", "Mənbələr"),
        ("hy", "Նախարարը հայտարարել է, որ բեռը կանցնի։", "neutral", "հայտարարել"),
        ("hy", "Բաքուն պնդում է, որ ճանապարհը բաց է։", "distancing", "պնդում"),
        ("hy", "Այսպես կոչված էկոակտիվիստները փակել են ճանապարհը։", "distancing", "Այսպես կոչված"),
        ("hy", "Հավանաբար շարասյունը կվերադառնա։", "hedged", "Հավանաբար"),
        ("hy", "Աղբյուրները հայտնել են բանակցությունների մասին։", "anonymous", "Աղբյուրները"),
    ],
)
def test_attribution_by_cue_words(language: str, text: str, expected: str, cue: str | None) -> None:
    result = classify_by_cues(text, language)
    assert result.label == expected, result
    if cue is not None:
        assert cue in [c.text for c in result.cues]
        assert all(text[c.start : c.end] == c.text for c in result.cues)


def test_a_cue_inside_a_long_quotation_is_the_speakers() -> None:
    text = "Министр сказал: «так называемые активисты должны уйти с дороги немедленно»."
    assert classify_by_cues(text, "ru").label == "neutral"


def test_non_english_passages_skip_the_english_parser() -> None:
    passage = Passage("a", 1, 0, 60, "Баку утверждает, что в Степанакерте нет блокады.")
    framed = analyse_passage(passage, outlet_id="ru", lexicon=load_lexicons(), language="ru")
    assert framed.attribution.label == "distancing" and framed.language == "ru"
    assert {(t.concept, t.term) for t in framed.labels} == {
        ("capital", "Степанакерт"),
        ("road_closure", "блокада"),
    }


@pytest.mark.parametrize(
    ("language", "text", "value", "counts", "qualifier"),
    [
        ("ru", "Более 1 500 человек покинули город.", 1500, "people", "более"),
        ("ru", "Ущерб оценили в 1,5 тыс. долларов.", 1500, "money", None),
        ("ru", "В колонне 19 грузовиков.", 19, "vehicles", None),
        ("ru", "Около 400 тонн груза.", 400, "tonnes", "около"),
        ("ru", "Погибли не менее 200 человек.", 200, "casualties", "не менее"),
        ("az", "Karvanda 19 yük maşını var.", 19, "vehicles", None),
        ("az", "100-dən çox nəfər toplaşıb.", 100, "people", "dən çox"),
        ("az", "Təxminən 1,5 min sakin.", 1500, "people", "təxminən"),
        ("hy", "Ավելի քան 100 000 մարդ լքել է տարածաշրջանը։", 100000, "people", "ավելի քան"),
        ("hy", "Շարասյունում 19 բեռնատար կա։", 19, "vehicles", None),
    ],
)
def test_figures_as_the_language_writes_them(
    language: str, text: str, value: float, counts: str, qualifier: str | None
) -> None:
    (number,) = extract_numbers(text, language=language)
    assert (number.value, number.counts, number.qualifier) == (value, counts, qualifier)
    assert text[number.cue.start : number.cue.end] == number.cue.text


def test_dates_and_years_are_not_figures_in_any_language() -> None:
    assert extract_numbers("Это случилось 19 сентября 2023 года.", language="ru") == ()
    assert extract_numbers("Bu, 2023-cü ilin 19 sentyabrında baş verib.", language="az") == ()
    assert extract_numbers("Դա տեղի է ունեցել 2023 թվականի սեպտեմբերի 19-ին։", language="hy") == ()


def test_figures_compare_across_languages() -> None:
    (ru,) = extract_numbers("Более 100 000 человек", language="ru")
    (en,) = extract_numbers("more than 100,000 people")
    (hy,) = extract_numbers("մոտ 90 000 մարդ", language="hy")
    assert compatible(ru, en) and not compatible(ru, hy)
    # English reading is unchanged: a comma is a thousands separator there.
    assert extract_numbers("1,500 people")[0].value == 1500


@pytest.mark.parametrize(
    ("text", "concept", "name"),
    [
        ("В Степанакерте прошёл митинг.", "capital", "Степанакерт"),
        ("Колонна подошла к Ханкенди.", "capital", "Ханкенди"),
        ("Xankəndidə mitinq keçirilib.", "capital", "Xankəndi"),
        ("Ստեփանակերտում հանրահավաք է եղել։", "capital", "Ստեփանակերտ"),
        ("Грузовики стоят у Лачинского коридора.", "lachin_road", "Лачинский коридор"),
        ("Yük Laçın yolu ilə gəlmədi.", "lachin_road", "Laçın yolu"),
        ("Բեռը կանգնել է Լաչինի միջանցքում։", "lachin_road", "Լաչինի միջանցք"),
        ("The convoy reached the Lachin corridor.", "lachin_road", "Lachin corridor"),
    ],
)
def test_names_across_scripts_and_endings(text: str, concept: str, name: str) -> None:
    from compare.framing.lexicon import find_labels

    found = [(t.concept, t.term) for t in find_labels(text, load_lexicons())]
    assert (concept, name) in found


def test_pattern_terms_need_a_name(tmp_path: object) -> None:
    from pathlib import Path

    from compare.errors import ConfigError

    folder = Path(str(tmp_path))
    bad = folder / "bad.yaml"
    bad.write_text("concepts:\n  x:\n    terms: [{match: [abc*]}]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="needs a name"):
        load_lexicons([bad])
