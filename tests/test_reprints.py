"""Reprints across outlets, duplicates within one, and what changed between versions."""

from __future__ import annotations

from datetime import UTC, datetime

from compare.models import Article
from compare.reprints import containment, find_duplicates, find_reprints, shingles
from compare.versions import changed_share, is_new_version, text_diff

WIRE = (
    "The central bank raised its main interest rate by half a percentage point on Thursday, "
    "the third increase this year, saying inflation remained well above its target. The "
    "governor told reporters that further moves would depend on prices for food and fuel, "
    "which rose sharply after the harvest failed in the south of the country. Analysts had "
    "expected a smaller step. Banks said mortgage rates would follow within days."
)
OTHER = (
    "Thousands of people marched through the capital on Saturday to protest against plans to "
    "close three regional hospitals, and organisers said more rallies would follow next month "
    "if the health ministry did not change course before the budget vote."
)
STORY_SAME_EVENT = (
    "Borrowing costs went up again on Thursday. In a move economists had partly anticipated, "
    "policymakers lifted the key rate for a third time in 2026, pointing to stubborn inflation "
    "driven by food and fuel after a poor harvest in southern regions."
)


def art(id_: str, outlet: str, text: str, day: int | None = None) -> Article:
    published = datetime(2026, 11, day, tzinfo=UTC) if day else None
    return Article(id=id_, outlet_id=outlet, title=None, text=text, published_at=published)


def test_reprint_maps_to_earliest_copy() -> None:
    articles = [
        art("b", "outlet-b", "From our wire service. " + WIRE, day=3),
        art("a", "outlet-a", WIRE, day=2),
        art("c", "outlet-c", WIRE.split(" Analysts")[0], day=4),  # trimmed copy
        art("d", "outlet-d", OTHER, day=1),
        art("e", "outlet-e", STORY_SAME_EVENT, day=1),  # same event, own words: independent
    ]
    assert find_reprints(articles) == {"b": "a", "c": "a"}


def test_unknown_dates_count_as_latest_and_ties_break_by_id() -> None:
    assert find_reprints([art("z", "o1", WIRE, day=5), art("y", "o2", WIRE)]) == {"y": "z"}
    assert find_reprints([art("z", "o1", WIRE), art("y", "o2", WIRE)]) == {"z": "y"}


def test_same_outlet_copies_are_not_reprints_but_duplicates() -> None:
    articles = [art("a1", "o", WIRE, day=2), art("a2", "o", WIRE.upper() + " ", day=3)]
    assert find_reprints(articles) == {}
    assert find_duplicates(articles) == {"a2": "a1"}
    assert find_duplicates([art("a1", "o", WIRE), art("b1", "p", WIRE)]) == {}


def test_heavily_rewritten_text_is_not_a_reprint() -> None:
    words = WIRE.split()
    rewritten = " ".join(w if i % 3 else "quite" for i, w in enumerate(words))
    assert find_reprints([art("a", "o1", WIRE, day=1), art("b", "o2", rewritten, day=2)]) == {}


def test_short_texts_are_never_copies() -> None:
    assert find_reprints([art("a", "o1", "Breaking news."), art("b", "o2", "Breaking news.")]) == {}


def test_containment_and_shingles() -> None:
    full, part = shingles(WIRE), shingles(" ".join(WIRE.split()[:30]))
    assert containment(part, full) == 1.0
    assert containment(shingles(OTHER), full) == 0.0
    assert containment(set(), full) == 0.0
    assert shingles("Ə ə Ş!") == shingles("ə Ə ş")


def test_text_diff_offsets_and_ops() -> None:
    old = "The mayor said ten people were hurt. Police arrived later."
    new = "The mayor said twelve people were hurt. Police arrived later. An inquiry opened."
    changes = text_diff(old, new)
    assert [c.op for c in changes] == ["replace", "insert"]
    for change in changes:
        assert old[change.old_start : change.old_end] == change.old_text
        assert new[change.new_start : change.new_end] == change.new_text
    assert (changes[0].old_text, changes[0].new_text) == ("ten", "twelve")
    assert changes[1].new_text == "An inquiry opened."
    assert changes[1].old_start == changes[1].old_end == len(old)


def test_text_diff_delete_and_unchanged() -> None:
    old = "One. Two sentences here. Three."
    changes = text_diff(old, "One. Three.")
    assert [(c.op, c.old_text, c.new_text) for c in changes] == [("delete", "Two sentences here.", "")]
    assert text_diff(old, old) == ()
    assert text_diff(old, "One.  Two sentences here.\n\nThree.") == ()


def test_versions_decision_and_share() -> None:
    assert is_new_version(None, "abc")
    assert is_new_version("abc", "abd")
    assert not is_new_version("abc", "abc")
    assert changed_share("a b c d", "a b c d") == 0.0
    assert changed_share("a b c d", "w x y z") == 1.0
    assert 0.0 < changed_share("a b c d", "a b c e") < 0.5
