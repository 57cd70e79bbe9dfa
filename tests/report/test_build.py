"""Building the EventView from the store: outlets and presence, the claim matrix, changes, the index."""

from __future__ import annotations

from pathlib import Path

import pytest
from report_fixture import ALPHA_V1, ALPHA_V2, SCRIPT, Fixture, build_fixture

from compare.errors import NotFoundError
from compare.pipeline.analysing import _digest_old_framing
from compare.view import build_event_view, build_index, framing_digest, latest_event_id
from compare.view.diff import condense, segments, text_diff
from compare.view.model import ClaimCell, EventView


def _cells(report: EventView, claim_id: int) -> dict[str, ClaimCell]:
    claim = next(c for c in report.claims if c.id == claim_id)
    return {cell.outlet_id: cell for cell in claim.cells}


def test_outlets_covering_and_why_not(fx: Fixture) -> None:
    report = build_event_view(fx.store, fx.event_id)
    covering = {o.id for o in report.covering}
    assert covering == {"alpha", "beta", "eta"}
    states = {o.id: (o.state, o.reason) for o in report.not_covering}
    # gamma's feed loaded but every article page was blocked: not read, never "omits"
    assert states == {
        "gamma": ("not_read", "blocked"),
        "delta": ("not_read", "paywall"),
        "epsilon": ("omits", None),
        "zeta": ("not_read", "not_fetched"),
    }
    assert [o.covering for o in report.outlets] == sorted((o.covering for o in report.outlets), reverse=True)
    assert report.outlet("gamma") is not None and dict(report.outlet("gamma").fetch_outcomes) == {
        "blocked": 2
    }


def test_claim_matrix_presence_and_badges(fx: Fixture) -> None:
    report = build_event_view(fx.store, fx.event_id)
    assert [c.id for c in report.claims] == [fx.claims["A"], fx.claims["B"]]
    for claim in report.claims:
        assert [cell.outlet_id for cell in claim.cells] == [o.id for o in report.outlets]
    a = _cells(report, fx.claims["A"])
    assert a["alpha"].presence == "says" and a["alpha"].central and a["alpha"].diff == ()
    assert a["beta"].presence == "says" and a["beta"].attribution == "distancing"
    assert a["eta"].reprint
    assert (a["gamma"].presence, a["gamma"].reason) == ("not_read", "blocked") and a["gamma"].sentence is None
    assert (a["delta"].presence, a["delta"].reason) == ("not_read", "paywall")
    assert a["epsilon"].presence == "omits" and a["epsilon"].reason is None
    assert (a["zeta"].presence, a["zeta"].reason) == ("not_read", "not_fetched")
    b = _cells(report, fx.claims["B"])
    assert b["alpha"].presence == "omits" and b["beta"].presence == "says"
    assert [(u.claim_id, u.outlet_id) for u in report.unique_claims] == [(fx.claims["B"], "beta")]


def test_says_cells_carry_provenance_that_points_at_the_text(fx: Fixture) -> None:
    report = build_event_view(fx.store, fx.event_id)
    for claim in report.claims:
        for cell in claim.cells:
            if cell.presence != "says":
                continue
            p = cell.provenance
            assert p is not None and p.snapshot_sha256 and len(p.snapshot_sha256) == 64
            article = fx.store.article(p.article_id)
            assert article is not None and article.text[p.start : p.end] == cell.sentence


def test_diff_segments_rebuild_both_sentences(fx: Fixture) -> None:
    report = build_event_view(fx.store, fx.event_id)
    claim = next(c for c in report.claims if c.id == fx.claims["A"])
    beta = next(cell for cell in claim.cells if cell.outlet_id == "beta")
    assert "".join(s.a for s in beta.diff) == claim.central_sentence
    assert "".join(s.b for s in beta.diff) == beta.sentence
    assert any(s.op == "replace" and "Khankendi" in s.b for s in beta.diff)


def test_changes_since_the_previous_run(fx: Fixture) -> None:
    report = build_event_view(fx.store, fx.event_id)
    ch = report.changes
    assert ch.since_run is not None and ch.since_run.id == fx.runs[0]
    assert not ch.new_event
    assert ch.new_outlets == ("eta",)
    assert ch.new_claims == (fx.claims["B"],)
    notes = {n.kind: n.text for n in ch.notes}
    assert "Eta" in notes["new_outlet"] and "now covers this event" in notes["new_outlet"]
    assert notes["new_claim"].startswith(f"New claim {fx.claims['B']} “Witnesses described a blockade")
    assert "carried by Beta" in notes["new_claim"]
    assert "now carries claim" in notes["outlet_added"]
    assert "changed its article at the same URL (version 2)" in notes["edited"]
    (edit,) = ch.edited
    assert edit.outlet_id == "alpha" and edit.version == 2
    assert edit.before == ALPHA_V1 and edit.after == ALPHA_V2
    changed = [s for s in edit.diff if s.op != "equal"]
    assert any(s.op == "replace" and s.a == "at noon" and s.b == "late in the evening" for s in changed)
    assert any(SCRIPT.strip("<>") in s.b for s in changed)


def test_since_run_given_explicitly(fx: Fixture) -> None:
    report = build_event_view(fx.store, fx.event_id, since_run=fx.runs[1])
    assert report.changes.empty
    with pytest.raises(NotFoundError):
        build_event_view(fx.store, fx.event_id, since_run=999)


def test_first_run_has_nothing_to_compare_with(tmp_path: Path) -> None:
    fixture = build_fixture(tmp_path / "one.db")
    fixture.store._db.execute("UPDATE runs SET finished_at = NULL WHERE id = ?", [fixture.runs[0]])
    report = build_event_view(fixture.store, fixture.event_id)
    assert report.changes.since_run is None and report.changes.new_event


def test_unknown_event_is_not_found(fx: Fixture) -> None:
    with pytest.raises(NotFoundError, match="event 4242"):
        build_event_view(fx.store, 4242)


def test_latest_event_id(fx: Fixture, tmp_path: Path) -> None:
    assert latest_event_id(fx.store) == fx.event_id  # both updated in run 2; the later publication wins
    from compare.store import Store

    with Store(tmp_path / "empty.db") as empty:
        assert latest_event_id(empty) is None


def test_ledger_numbers_voices_reprints(fx: Fixture) -> None:
    report = build_event_view(fx.store, fx.event_id)
    capital = next(c for c in report.ledger if c.concept == "capital")
    assert capital.disagree and {(t.outlet_id, t.term) for t in capital.terms} >= {
        ("alpha", "Stepanakert"),
        ("beta", "Khankendi"),
    }
    (numbers,) = report.numbers
    assert {v.outlet_id: v.values for v in numbers.values}["beta"] == (150.0,)
    assert {v.outlet_id for v in report.voices} == {"alpha", "beta", "eta"}
    (group,) = report.reprints
    assert group.origin.id == fx.articles["a2"] and [c.id for c in group.copies] == [fx.articles["e"]]


def test_without_event_framing_the_report_still_stands(tmp_path: Path) -> None:
    fixture = build_fixture(tmp_path / "nf.db", with_event_framing=False)
    report = build_event_view(fixture.store, fixture.event_id)
    a = _cells(report, fixture.claims["A"])
    assert a["beta"].presence == "says" and a["beta"].diff  # diffed by the builder itself
    assert a["gamma"].presence == "not_read" and a["epsilon"].presence == "omits"
    assert report.ledger == () and report.numbers == ()


def test_index_orders_by_outlets_then_disagreement(fx: Fixture) -> None:
    index = build_index(fx.store)
    assert [e.event_id for e in index.entries] == [fx.event_id, fx.other_event_id]
    top = index.entries[0]
    assert top.n_outlets == 3 and top.number_disagreements == 1 and top.distancing == 1
    # claim A is the one shared claim: epsilon (read) leaves it out; beta tells it at a distance and
    # with another figure, so it is told differently
    assert top.shared_claims == 1 and top.omissions == 1 and top.disagreement == 1
    assert top.changes and "1 new claim" in top.changes and any("edited" in c for c in top.changes)
    assert [(f.outlet_id, f.entirely) for f in index.failed_outlets] == [("delta", True), ("gamma", False)]
    assert [e.event_id for e in index.changed] == [fx.other_event_id, fx.event_id]
    assert top.updated and not top.new
    assert index.entries[1].new
    older = build_index(fx.store, run_id=fx.runs[0])
    assert [e.event_id for e in older.entries] == [fx.event_id]
    with pytest.raises(NotFoundError):
        build_index(fx.store, run_id=77)


def test_condense_keeps_changes_and_shortens_context() -> None:
    before = " ".join(f"w{i}" for i in range(200))
    after = before.replace("w100", "CHANGED")
    full = text_diff(before, after)
    assert "".join(s.a for s in full) == before and "".join(s.b for s in full) == after
    short = condense(full, context=5)
    assert [s for s in short if s.op != "equal"] == [s for s in full if s.op != "equal"]
    assert sum(len(s.b) for s in short) < len(after) / 5
    assert "…" in short[0].b and "w99" in short[0].b


def test_segments_recompute_a_stale_diff() -> None:
    from compare.framing.records import DiffOp

    stale = (DiffOp("equal", "nothing", "nothing", 0, 7, 0, 7),)
    segs = segments("the cat sat", "the dog sat", stale)
    assert "".join(s.b for s in segs) == "the dog sat"
    assert [s.op for s in segs if s.op != "equal"] == ["replace"]


def test_every_cell_agrees_with_its_outlet_row(fx: Fixture) -> None:
    from compare.evaluate.seeds import presence_disagreements

    report = build_event_view(fx.store, fx.event_id)
    assert presence_disagreements(report) == 0
    for claim in report.claims:
        for cell in claim.cells:
            status = report.outlet(cell.outlet_id)
            assert status is not None
            if cell.presence == "not_read":
                assert status.state == "not_read" and cell.reason == status.reason
            elif cell.presence == "omits":
                assert status.state in ("covers", "omits")


def test_a_selection_of_claims(fx: Fixture) -> None:
    report = build_event_view(fx.store, fx.event_id, claim_ids={fx.claims["B"]})
    assert [c.id for c in report.claims] == [fx.claims["B"]] and report.total_claims == 2


def test_the_index_counts_from_the_framing_digest_what_the_whole_answer_gives(fx: Fixture) -> None:
    """The fixture stores its framing answer without a digest (as a store of before the digest
    would): the index then digests the whole answer. Stored, the digest is what the index reads."""
    before = build_index(fx.store)
    answer = fx.store.event_framing([fx.event_id])[fx.event_id]
    assert fx.store.event_framing_digest(fx.event_id) is None
    digest = framing_digest(answer)
    assert digest["numbers"] == 1 and digest["distancing"] == 1 and digest["figures"]

    assert fx.store.events_without_framing_digest() == [fx.event_id]
    _digest_old_framing(fx.store)  # what a run does with framing stored before digests
    assert fx.store.events_without_framing_digest() == []
    assert fx.store.event_framing_digest(fx.event_id) == digest
    assert build_index(fx.store).entries == before.entries
    fx.store.set_event_framing_digest(fx.event_id, {**digest, "numbers": 7})  # the digest is read
    assert build_index(fx.store).entries[0].number_disagreements == 7
    # a digest of another format is made again from the whole answer
    fx.store.set_event_framing_digest(fx.event_id, {**digest, "format": 0, "numbers": 7})
    assert build_index(fx.store).entries == before.entries
