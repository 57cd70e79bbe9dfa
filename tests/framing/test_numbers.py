"""Figures, units and what they count."""

from __future__ import annotations

import pytest

from compare.framing.numbers import compatible, describe, extract_numbers


def _one(text: str) -> tuple[float, str | None, str, bool]:
    (n,) = extract_numbers(text)
    assert text[n.cue.start : n.cue.end] == n.cue.text
    return n.value, n.unit, n.counts, n.approximate


def test_people_with_approximation() -> None:
    assert _one("More than 100,000 people left the region.") == (100000.0, "people", "people", True)


def test_casualties_from_a_death_word() -> None:
    assert _one("At least 200 people were killed.")[2:] == ("casualties", True)


def test_money_percent_and_scale() -> None:
    values = [(n.value, n.counts) for n in extract_numbers("It gave $11.5 million, a 12 percent rise.")]
    assert values == [(11_500_000.0, "money"), (12.0, "percent")]


def test_word_numbers_and_vehicles() -> None:
    assert _one("Hundreds of trucks waited at the border.") == (200.0, "trucks", "vehicles", True)


def test_years_and_dates_are_not_figures() -> None:
    assert extract_numbers("The war of 2020 ended on 10 November.") == ()
    assert [n.counts for n in extract_numbers("In May 2023, three soldiers died.")] == ["casualties"]


def test_small_counts_after_of_ranges_and_durations() -> None:
    values = [(n.value, n.counts) for n in extract_numbers("A convoy of 19 trucks carrying 400 tonnes.")]
    assert values == [(19.0, "vehicles"), (400.0, "tonnes")]
    low, high = extract_numbers("It carried between 360 and 400 tonnes of aid.")
    assert (low.value, low.unit, high.value, high.unit) == (360.0, "tonnes", 400.0, "tonnes")
    (months,) = extract_numbers("The road has been closed for more than seven months.")
    assert (months.value, months.unit, months.approximate) == (210.0, "days", True)
    assert extract_numbers("Peacekeepers came after the 2020 ceasefire.") == ()


@pytest.mark.parametrize(
    ("a", "b", "agree"),
    [
        ("More than 300 people were killed.", "Nearly 300 people were killed.", False),
        ("19 trucks crossed.", "20 trucks crossed.", False),
        ("About 360 tonnes of aid arrived.", "400 tonnes of aid arrived.", False),
        ("Two soldiers died.", "2 soldiers died.", True),
        ("About 360 tonnes of aid arrived.", "360 tonnes of aid arrived.", True),
        ("At least 300 people fled.", "300 people fled.", True),
        ("More than 300 people fled.", "300 people fled.", False),
        ("Up to 50 families left.", "40 families left.", False),
        ("19 trucks crossed.", "Nearly 20 trucks crossed.", False),
        ("About 19,000 people were evacuated.", "Some 20,000 people were evacuated.", False),
        ("Hundreds of trucks waited.", "300 trucks waited.", True),
    ],
)
def test_qualifiers_bound_the_figure(a: str, b: str, agree: bool) -> None:
    (x,), (y,) = extract_numbers(a), extract_numbers(b)
    assert compatible(x, y) is agree
    assert compatible(y, x) is agree


def test_the_qualifier_is_kept_and_described() -> None:
    (n,) = extract_numbers("Nearly 300 people were killed.")
    assert n.qualifier == "nearly" and n.approximate
    assert describe(n) == "nearly 300 people"
    (m,) = extract_numbers("Over 1,200 homes were damaged.")
    assert (m.qualifier, m.value, m.counts) == ("over", 1200.0, "people")
