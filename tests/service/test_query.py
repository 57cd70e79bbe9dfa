"""The topic query: expansion, filters, grouping, the vector index beside the store, renderers."""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console

import compare
import compare.query as cq
from compare.durations import since_cutoff
from compare.embed import HashingEmbedder
from compare.errors import UsageError
from compare.hashing import text_hash
from compare.models import Passage
from compare.store import Store

from .conftest import HOSTILE


@dataclass(frozen=True)
class Said:
    """One outlet's sentence in a query answer: a says cell of a matched claim, or a loose one."""

    outlet_id: str
    text: str
    matched: bool
    similarity: float | None = None


def sentences_of(result: cq.QueryResult) -> list[Said]:
    out = []
    for event in result.events:
        for hit in event.claims:
            for cell in hit.claim.cells:
                if cell.presence == "says":
                    matched = cell.outlet_id in hit.matched_outlets
                    out.append(Said(cell.outlet_id, cell.sentence or "", matched, hit.similarity))
        out += [Said(s.outlet_id, s.text, True, s.similarity) for s in event.loose]
    return out


def test_expansion_adds_the_other_names_of_an_alias_set() -> None:
    exp = cq.expand_query("the road to Khankendi", [("Khankendi", "Stepanakert"), ("Shusha", "Shushi")])
    assert exp.terms == ("road", "khankendi")
    assert exp.added == ("Stepanakert",)
    assert exp.variants == ("the road to stepanakert",)
    assert cq.expand_query("Lachin corridor", [("Lachin corridor", "Lachin road")]).added == ("Lachin road",)
    assert cq.expand_query("corridor", [("Lachin corridor", "Lachin road")]).added == ()


def test_khankendi_finds_stepanakert_by_words_alone(store: Store) -> None:
    result = cq.query(store, "Khankendi", use_vectors=False)
    texts = [s.text for s in sentences_of(result) if s.matched]
    assert any("Stepanakert" in t and "Khankendi" not in t for t in texts)
    assert any("Khankendi" in t for t in texts)
    assert "Stepanakert" in result.expansions
    assert result.vector_search == "none"


def test_without_the_alias_set_stepanakert_is_not_found(store: Store) -> None:
    result = cq.query(store, "Khankendi", use_vectors=False, aliases=[])
    assert all("Stepanakert" not in s.text for s in sentences_of(result) if s.matched)


def test_claims_come_side_by_side_with_attribution_labels_and_absent_outlets(store: Store, ids: dict) -> None:
    result = cq.query(store, "humanitarian convoy, shelves empty", use_vectors=False)
    top = result.events[0]
    assert top.label == "Convoy on the Lachin road"
    said = [[c for c in hit.claim.cells if c.presence == "says"] for hit in top.claims]
    claim = next(cells for cells in said if len(cells) > 1)
    by_outlet = {c.outlet_id: c for c in claim}
    assert {"azstate", "armnews", "wire", "evil"} <= set(by_outlet)
    assert by_outlet["azstate"].attribution == "neutral" and by_outlet["azstate"].speaker == "officials"
    assert "capital: Khankendi" in by_outlet["azstate"].labels
    assert by_outlet["armnews"].attribution == "hedged"
    unique = next(hit.claim for hit in top.claims if hit.claim.is_unique)
    others = {c.outlet_id: c.presence for c in unique.cells if c.presence != "says"}
    # every other outlet is in the cells: read ones omit it; the wire (its page timed out) too,
    # since it covers the event; none is dropped for having failed a fetch
    carriers = {c.outlet_id for c in unique.cells if c.presence == "says"}
    assert set(others) == {o.id for o in top.outlets} - carriers
    assert set(others.values()) <= {"omits", "not_read"}


def test_vectors_are_used_and_the_index_is_kept_beside_the_store(store: Store, store_path: Path) -> None:
    embedder = HashingEmbedder(dim=128)
    result = cq.query(store, "convoy to Stepanakert", embedder=embedder, min_similarity=0.0)
    assert result.vector_search == "exact" and result.model == embedder.model_id
    assert any(s.similarity is not None for s in sentences_of(result))
    folder = Path(f"{store_path}.vectors")
    assert any(folder.glob("*.npz")) and any(folder.glob("*.json"))


def test_index_follows_new_passages_incrementally(store: Store) -> None:
    embedder = HashingEmbedder(dim=128)
    index = store.passage_index(embedder.model_id)
    assert index is not None
    before = len(index)
    saved = store.save_article(
        outlet_id="wire",
        url="https://wire.test/new",
        text="Snow closed the mountain pass near Kalbajar.",
        snapshot_sha256=None,
        run_id=None,
        fields={"title": "Snow", "published_at": "2026-11-22T00:00:00+00:00"},
    )
    text = "Snow closed the mountain pass near Kalbajar."
    store.save_passages(saved.id, [Passage(str(saved.id), 0, 0, len(text), text)])
    store.put_many(embedder.model_id, {text_hash(text): embedder.embed([text])[0]})
    again = store.passage_index(embedder.model_id)
    assert again is index and len(again) == before + 1
    result = cq.query(store, "mountain pass snow", embedder=embedder)
    assert result.events and result.events[0].id is None  # an article in no event yet
    assert "Kalbajar" in result.events[0].loose[0].text


def test_filters_by_outlet_group_and_date(store: Store) -> None:
    only_wire = cq.query(store, "convoy", outlets=["wire"], use_vectors=False)
    assert {s.outlet_id for s in sentences_of(only_wire) if s.matched} == {"wire"}
    state = cq.query(store, "convoy", groups=["state-aligned"], use_vectors=False)
    assert {s.outlet_id for s in sentences_of(state) if s.matched} == {"azstate"}
    football_old = cq.query(store, "football derby", use_vectors=False)
    assert football_old.total_events == 1
    now = datetime(2026, 11, 29, tzinfo=UTC)
    recent = cq.query(store, "football derby", since=now - timedelta(days=30), use_vectors=False)
    assert recent.total_events == 0


def test_since_parsing() -> None:
    now = datetime(2026, 11, 29, tzinfo=UTC)
    assert since_cutoff("30d", now=now) == now - timedelta(days=30)
    assert since_cutoff("12h", now=now) == now - timedelta(hours=12)
    assert since_cutoff("90m", now=now) == now - timedelta(minutes=90)  # minutes, as everywhere
    assert since_cutoff("6mo", now=now) == now - timedelta(days=180)
    assert since_cutoff("2026-11-01", now=now) == datetime(2026, 11, 1, tzinfo=UTC)
    assert since_cutoff(None) is None and since_cutoff("all") is None
    with pytest.raises(UsageError):
        since_cutoff("yesterday-ish")


@pytest.mark.parametrize(
    ("text", "kwargs"),
    [
        ("", {}),
        ("   ", {}),
        ("x" * 301, {}),
        ("convoy", {"limit": 0}),
        ("convoy", {"limit": 51}),
        ("convoy", {"offset": -1}),
    ],
)
def test_bad_queries_are_refused(store: Store, text: str, kwargs: dict) -> None:
    with pytest.raises(UsageError):
        cq.query(store, text, use_vectors=False, **kwargs)


def test_fts_syntax_in_the_query_is_just_text(store: Store) -> None:
    for text in ['"unbalanced', "convoy OR", "NEAR(a b)", "col:convoy", "*", "a AND -b ^c"]:
        cq.query(store, text, use_vectors=False)


def test_pagination_of_events(store: Store) -> None:
    everything = cq.query(store, "convoy football derby", use_vectors=False)
    assert everything.total_events == 2
    second = cq.query(store, "convoy football derby", use_vectors=False, limit=1, offset=1)
    assert len(second.events) == 1 and second.events[0].id == everything.events[1].id


def test_the_package_is_callable(store: Store) -> None:
    assert compare.query(store, "convoy", use_vectors=False).total_events >= 1  # type: ignore[operator]


def test_json_rendering_round_trips(store: Store) -> None:
    result = cq.query(store, "Khankendi convoy", use_vectors=False)
    data = json.loads(cq.render_query_json(result))
    assert data["schema"] == cq.JSON_SCHEMA
    assert data["events"][0]["claims"][0]["claim"]["cells"][0]["outlet_id"]
    assert data["events"][0]["outlets"][0]["state"] in ("covers", "omits", "not_read")
    assert data["total_events"] == result.total_events


def test_markdown_never_carries_markup(store: Store) -> None:
    result = cq.query(store, "convoy note", use_vectors=False)
    text = cq.render_query_markdown(result)
    assert "Convoy note" in text
    assert "<script>" not in text and "<img" not in text and "<b>" not in text
    assert "&lt;script&gt;" in text
    # a pipe in a sentence does not open a new table cell
    rows = [line for line in text.splitlines() if "Convoy note" in line]
    assert rows and all(len(re.findall(r"(?<!\\)\|", line)) == 5 for line in rows)


def test_terminal_table_does_not_interpret_rich_markup(store: Store) -> None:
    result = cq.query(store, "convoy note", use_vectors=False)
    buffer = io.StringIO()
    Console(file=buffer, width=400, color_system=None).print(cq.render_query_table(result))
    out = buffer.getvalue()
    assert "[bold red]boom[/]" in out
    assert HOSTILE.split("|")[0].strip()[:20] in out


@pytest.mark.parametrize("broad", [False, True])
def test_vector_search_respects_filters(store: Store, monkeypatch: pytest.MonkeyPatch, broad: bool) -> None:
    if broad:  # the filter is applied after an unfiltered search
        monkeypatch.setattr(cq.retrieve, "BROAD_FILTER", 0)
    result = cq.query(
        store,
        "flour and medicine trucks",
        outlets=["wire"],
        embedder=HashingEmbedder(dim=128),
        min_similarity=0.0,
    )
    matched = [s for s in sentences_of(result) if s.matched]
    assert matched and {s.outlet_id for s in matched} == {"wire"}
    assert any(s.similarity is not None for s in matched)


def test_in_memory_stores_do_not_share_an_index() -> None:
    embedder = HashingEmbedder(dim=128)
    with Store(":memory:") as one, Store(":memory:") as two:
        for s, text in ((one, "Alpha beta gamma."), (two, "Delta epsilon zeta.")):
            s.ensure_outlet("o", name="O")
            saved = s.save_article(
                outlet_id="o",
                url="https://o.test/1",
                text=text,
                snapshot_sha256=None,
                run_id=None,
                fields={"title": "T"},
            )
            s.save_passages(saved.id, [Passage(str(saved.id), 0, 0, len(text), text)])
            s.put_many(embedder.model_id, {text_hash(text): embedder.embed([text])[0]})
        first = one.passage_index(embedder.model_id)
        second = two.passage_index(embedder.model_id)
        assert first is not None and second is not None and first is not second
