"""Event grouping on small hand-made batches: batch mode, incremental mode, recorded changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from compare.embed import HashingEmbedder
from compare.events import EventParams, EventState, group_events
from compare.models import Article

DAY = datetime(2026, 11, 20, tzinfo=UTC)

QUAKE = [
    (
        "Earthquake kills 12 in northern Chile",
        "A magnitude 6.1 earthquake struck Arica in "
        "northern Chile on Tuesday, killing 12 people, officials said.",
    ),
    (
        "Chile quake: 12 dead in Arica",
        "At least 12 people died when a 6.1 magnitude earthquake "
        "hit Arica, Chile, officials said on Tuesday.",
    ),
    (
        "Deadly earthquake hits Arica",
        "Twelve people were killed in Arica after an earthquake of magnitude 6.1 shook northern Chile.",
    ),
]
STRIKE = [
    (
        "Rail workers strike in France",
        "French rail workers at SNCF walked out on Monday over pension reform, halting trains across France.",
    ),
    (
        "SNCF strike halts French trains",
        "Trains across France stopped as SNCF rail workers began a strike against the pension reform.",
    ),
]
BANK = [
    (
        "ECB holds interest rates",
        "The European Central Bank kept interest rates unchanged on "
        "Thursday, Christine Lagarde said in Frankfurt.",
    ),
    (
        "Lagarde: ECB leaves rates unchanged",
        "Christine Lagarde said the European Central Bank "
        "would leave interest rates unchanged, speaking in Frankfurt on Thursday.",
    ),
]


def _articles(
    stories: list[tuple[str, str]], prefix: str, day: datetime = DAY, start: int = 0
) -> list[Article]:
    return [
        Article(f"{prefix}{k}", f"outlet{k}", title, text, published_at=day + timedelta(hours=k))
        for k, (title, text) in enumerate(stories, start=start)
    ]


def _vectors(articles: list[Article]) -> np.ndarray:
    return HashingEmbedder(dim=512).embed([f"{a.title}. {a.text}" for a in articles])


def _partition(assignments: dict[str, str] | object) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for article_id, event in assignments.items():  # type: ignore[attr-defined]
        groups.setdefault(event, set()).add(article_id)
    return {frozenset(g) for g in groups.values()}


def test_batch_grouping_separates_events() -> None:
    articles = _articles(QUAKE, "q") + _articles(STRIKE, "s") + _articles(BANK, "b")
    grouping = group_events(articles, _vectors(articles))
    assert _partition(grouping.assignments) == {
        frozenset({"q0", "q1", "q2"}),
        frozenset({"s0", "s1"}),
        frozenset({"b0", "b1"}),
    }
    assert len(grouping.new_events) == 3
    assert {c.kind for c in grouping.changes} == {"new"}
    assert all(0.0 < s <= 1.0 for s in grouping.similarity.values())


def test_grouping_works_without_vectors() -> None:
    articles = _articles(QUAKE, "q") + _articles(STRIKE, "s")
    grouping = group_events(articles, None)
    assert _partition(grouping.assignments) == {frozenset({"q0", "q1", "q2"}), frozenset({"s0", "s1"})}


def test_deterministic() -> None:
    articles = _articles(QUAKE, "q") + _articles(BANK, "b")
    first = group_events(articles, _vectors(articles))
    second = group_events(articles, _vectors(articles))
    assert first.assignments == second.assignments
    assert first.changes == second.changes


def test_time_window_keeps_same_words_apart() -> None:
    early = _articles(QUAKE[:2], "old", DAY - timedelta(days=60))
    late = _articles(QUAKE[2:], "new", DAY)
    articles = early + late
    grouping = group_events(articles, _vectors(articles), params=EventParams(window_days=7))
    assert grouping.assignments["old0"] == grouping.assignments["old1"]
    assert grouping.assignments["new0"] != grouping.assignments["old0"]


def _state_of(articles: list[Article]) -> EventState:
    grouping = group_events(articles, _vectors(articles))
    (state,) = grouping.events
    return state


def test_incremental_attach_and_open() -> None:
    quake_state = _state_of(_articles(QUAKE[:2], "q"))
    bank_state = _state_of(_articles(BANK[:1], "b"))
    new = _articles(QUAKE[2:], "q", DAY + timedelta(days=1), start=2) + _articles(STRIKE, "s")
    grouping = group_events(new, _vectors(new), existing=[quake_state, bank_state])
    assert grouping.assignments["q2"] == quake_state.id
    assert grouping.assignments["s0"] == grouping.assignments["s1"]
    assert grouping.assignments["s0"] not in {quake_state.id, bank_state.id}
    kinds = {(c.kind, c.event_id) for c in grouping.changes}
    assert ("grow", quake_state.id) in kinds
    assert ("new", grouping.assignments["s0"]) in kinds
    grown = {s.id: s for s in grouping.events}[quake_state.id]
    assert grown.article_ids == ("q0", "q1", "q2")
    assert bank_state.id in {s.id for s in grouping.events}  # untouched events are kept


def test_merge_of_existing_events_is_recorded() -> None:
    quake = _articles(QUAKE, "q")
    first, second = _state_of(quake[:1]), _state_of(quake[1:2])
    assert first.id != second.id
    new = quake[2:]
    params = EventParams(merge_threshold=0.2, attach_threshold=0.2)
    grouping = group_events(new, _vectors(new), existing=[first, second], params=params)
    merges = [c for c in grouping.changes if c.kind == "merge"]
    assert len(merges) == 1
    target = merges[0].event_id
    assert set(merges[0].sources) | {target} == {first.id, second.id}
    assert {s.id for s in grouping.events} == {target}
    assert set({s.id: s for s in grouping.events}[target].article_ids) == {"q0", "q1", "q2"}


def test_split_of_existing_event_is_recorded() -> None:
    wrong = _articles(QUAKE[:1], "q") + _articles(STRIKE[:1], "s")
    state = EventState(id="ev-wrong", article_ids=("q0", "s0"))
    articles = _articles(QUAKE, "q") + _articles(STRIKE, "s")
    grouping = group_events(articles, _vectors(articles), existing=[state])
    splits = [c for c in grouping.changes if c.kind == "split"]
    assert len(splits) == 1 and splits[0].event_id == "ev-wrong"
    assert len(set(grouping.assignments[a.id] for a in wrong)) == 2


def test_empty_batch_keeps_states() -> None:
    state = _state_of(_articles(BANK, "b"))
    grouping = group_events([], None, existing=[state])
    assert grouping.events == (state,) and grouping.changes == ()


def test_duplicate_ids_are_refused() -> None:
    article = _articles(BANK, "b")[0]
    with pytest.raises(ValueError, match="unique"):
        group_events([article, article], None)
