"""Sentence passages: exact offsets, kinds, abbreviations, decimals, quotes, az/hy/ru."""

from __future__ import annotations

import itertools

import pytest

from compare.extract import normalise_text
from compare.models import Passage
from compare.passages import MAX_PASSAGE_CHARS, NOT_CLAIM_KINDS, split_passages


def body_texts(passages: list[Passage]) -> list[str]:
    return [p.text for p in passages if p.kind != "title"]


def assert_exact(text: str, passages: list[Passage]) -> None:
    for passage in passages:
        if passage.kind != "title":
            assert text[passage.start : passage.end] == passage.text
            assert passage.text == passage.text.strip() and passage.text
    body = [p for p in passages if p.kind != "title"]
    assert all(a.end <= b.start for a, b in itertools.pairwise(body))
    assert [p.index for p in passages] == list(range(len(passages)))


def test_abbreviations_and_decimals_do_not_split() -> None:
    text = (
        "Mr. Smith met Gen. Lee in the U.S. capital on Jan. 5. Inflation rose 2.5 percent "
        "to $3.2 billion. Dr. J. K. Rowling was not there."
    )
    passages = split_passages("a", text)
    assert body_texts(passages) == [
        "Mr. Smith met Gen. Lee in the U.S. capital on Jan. 5.",
        "Inflation rose 2.5 percent to $3.2 billion.",
        "Dr. J. K. Rowling was not there.",
    ]
    assert_exact(text, passages)


def test_quote_spanning_sentences_stays_with_its_attribution() -> None:
    text = (
        'The minister spoke at noon. "We are ready. Everything goes to plan," he said. '
        '"Nobody will be left behind." Then he left.'
    )
    got = body_texts(split_passages("a", text))
    assert got == [
        "The minister spoke at noon.",
        '"We are ready. Everything goes to plan," he said.',
        '"Nobody will be left behind."',
        "Then he left.",
    ]


def test_kinds_title_lead_quote_heading_list() -> None:
    text = normalise_text(
        "First sentence here. Second one here. Third one here.\n"
        "Fourth sentence is body.\n"
        "What happens next\n"
        "“This is a quotation that goes on,” said the mayor.\n"
        "- the first item of a list\n"
        "1. a numbered item"
    )
    passages = split_passages("a", text, title="  A headline  ")
    kinds = [(p.kind, p.text) for p in passages]
    assert kinds[0] == ("title", "A headline")
    assert passages[0].paragraph == -1
    assert "  A headline  "[passages[0].start : passages[0].end] == "A headline"
    assert [k for k, _ in kinds[1:4]] == ["lead", "lead", "lead"]
    assert ("body", "Fourth sentence is body.") in kinds
    assert ("heading", "What happens next") in kinds
    assert ("quote", "“This is a quotation that goes on,” said the mayor.") in kinds
    assert ("list", "- the first item of a list") in kinds
    assert ("list", "1. a numbered item") in kinds
    assert_exact(text, passages)


def test_paragraph_index_follows_blank_lines() -> None:
    text = "One. Two.\n\nThree.\n\nFour. Five."
    assert [p.paragraph for p in split_passages("a", text)] == [0, 0, 1, 2, 2]


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        (
            "az",
            "Nazir Bakıda çıxış edib. O bildirib ki, inflyasiya 2,5 faiz artıb. "
            "„Biz hazırıq. Hər şey plan üzrə gedir“, deyə o əlavə edib. Gen. Əliyev də iştirak edib.",
            [
                "Nazir Bakıda çıxış edib.",
                "O bildirib ki, inflyasiya 2,5 faiz artıb.",
                "„Biz hazırıq. Hər şey plan üzrə gedir“, deyə o əlavə edib.",
                "Gen. Əliyev də iştirak edib.",
            ],
        ),
        (
            "hy",
            "Նախարարը ելույթ ունեցավ Երևանում։ Նա ասաց, որ գնաճը աճել է 2.5 տոկոսով։ "
            "«Մենք պատրաստ ենք։ Ամեն ինչ ընթանում է ըստ ծրագրի»,- ավելացրեց նա։ Ինչո՞ւ հիմա։",
            [
                "Նախարարը ելույթ ունեցավ Երևանում։",
                "Նա ասաց, որ գնաճը աճել է 2.5 տոկոսով։",
                "«Մենք պատրաստ ենք։ Ամեն ինչ ընթանում է ըստ ծրագրի»,- ավելացրեց նա։",
                "Ինչո՞ւ հիմա։",
            ],
        ),
        (
            "ru",
            "Министр выступил в Москве. Он сказал, что инфляция выросла на 2,5 процента. "
            "«Мы готовы. Всё идёт по плану», — добавил он. Т. е. всё в порядке.",
            [
                "Министр выступил в Москве.",
                "Он сказал, что инфляция выросла на 2,5 процента.",
                "«Мы готовы. Всё идёт по плану», — добавил он.",
                "Т. е. всё в порядке.",
            ],
        ),
    ],
)
def test_az_hy_ru_splitting(language: str, text: str, expected: list[str]) -> None:
    passages = split_passages("a", text, language=language)
    assert body_texts(passages) == expected
    assert_exact(text, passages)


def test_unknown_language_code_still_splits() -> None:
    assert len(split_passages("a", "One thing. Another thing.", language="zz")) == 2


def test_over_long_sentence_is_cut() -> None:
    text = " ".join(["word"] * 1000)
    passages = split_passages("a", text)
    assert len(passages) > 1
    assert all(len(p.text) <= MAX_PASSAGE_CHARS for p in passages)
    assert_exact(text, passages)


def test_empty_text_gives_no_body_passages() -> None:
    assert split_passages("a", "") == []
    assert [p.kind for p in split_passages("a", "  \n\n ", title="T")] == ["title"]


def test_bylines_and_subheadings_are_not_claims() -> None:
    text = "By Anna Petrosyan and Tural Mammadov\n\nThe road was closed.\n\nReintegration\n\nTalks went on."
    kinds = {p.text: p.kind for p in split_passages("a", text)}
    assert kinds["By Anna Petrosyan and Tural Mammadov"] == "byline"
    assert kinds["Reintegration"] == "heading"
    assert {"byline", "heading"} <= NOT_CLAIM_KINDS
    assert kinds["The road was closed."] not in NOT_CLAIM_KINDS
