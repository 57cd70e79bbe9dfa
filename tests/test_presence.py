"""Presence you can trust: says / omits / not read, decided once, on a store built through its API.

The fixture outlet "mixed" has readable pages on every story and three that failed — one
disallowed by robots.txt, one 404, one paywalled — each listed in its feed under a title about
one story. It must be "not read" only for the event each failed page could be about, and "omits"
for the others; the claim matrix and the Outlets table must never disagree.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from compare.evaluate.seeds import presence_disagreements
from compare.models import Discovered, FetchResult, Outcome, Passage, Snapshot
from compare.store import ClaimInput, PageState, Store
from compare.view import build_event_view
from compare.view.presence import EventWindow, could_belong, event_vocabulary

WHEN = datetime(2026, 11, 20, 9, tzinfo=UTC)

# story key -> (title, sentence)
STORIES = {
    "convoy": (
        "Aid convoy reaches Stepanakert through the Lachin corridor",
        "An aid convoy reached Stepanakert.",
    ),
    "mines": ("Landmine kills two deminers near Kalbajar", "A landmine killed two deminers near Kalbajar."),
    "talks": ("Foreign ministers meet in Brussels for peace talks", "Foreign ministers met in Brussels."),
    "quake": ("Earthquake shakes northern Iran overnight", "An earthquake shook northern Iran."),
    "budget": ("Parliament passes the state budget", "Parliament passed the budget."),
}
FAILED = {  # the mixed outlet's pages that could not be read, each about one story
    "convoy": Outcome.ROBOTS_DISALLOWED,
    "mines": Outcome.HTTP_ERROR,
    "talks": Outcome.PAYWALL,
}


def _page(store: Store, run_id: int, outlet: str, url: str, title: str, text: str) -> int:
    body = f"<html><title>{title}</title><body><p>{text}</p></body></html>".encode()
    snap = Snapshot(hashlib.sha256(body).hexdigest(), url, url, 200, {}, WHEN, body)
    store.record_fetch(run_id, FetchResult(url, outlet, Outcome.OK, WHEN, 200, 1, len(body), snap))
    saved = store.save_article(
        outlet_id=outlet, url=url, text=text, snapshot_sha256=snap.sha256, run_id=run_id,
        fields={"title": title, "published_at": WHEN.isoformat()},
    )  # fmt: skip
    store.save_passages(saved.id, [Passage(str(saved.id), 0, 0, len(text), text)])
    return saved.id


def _build(path: Path) -> tuple[Store, dict[str, int]]:
    store = Store(path)
    for outlet in ("wire", "agency", "mixed", "silent"):
        store.ensure_outlet(outlet, name=outlet.title())
    store.ensure_outlet("never", name="Never Fetched")
    run_id = store.start_run("run", {})
    events: dict[str, int] = {}
    for key, (title, sentence) in STORIES.items():
        members = {}
        for outlet in ("wire", "agency"):
            members[_page(store, run_id, outlet, f"https://{outlet}.test/{key}", title, sentence)] = 0.9
        if key == "quake":  # the mixed outlet covers one story itself
            members[_page(store, run_id, "mixed", "https://mixed.test/quake", title, sentence)] = 0.9
        event_id = store.save_event(
            key=key, label=title, state={}, members=members, span=(WHEN.isoformat(), WHEN.isoformat()),
            run_id=run_id,
        )  # fmt: skip
        passages = store.passages(p.id for a in members for p in store.article_passages(a))
        store.save_claims(
            event_id, [ClaimInput("c", next(iter(passages)), tuple((p, 1.0, False) for p in passages))],
            run_id=run_id,
        )  # fmt: skip
        events[key] = event_id
    # the mixed outlet: a readable page on another day's story, and three failed pages whose
    # feed entries said what they were about
    _page(store, run_id, "mixed", "https://mixed.test/markets", "Markets close higher", "Markets rose.")
    entries = []
    for key, outcome in FAILED.items():
        url = f"https://mixed.test/{key}-story"
        entries.append(Discovered(url, "mixed", "https://mixed.test/feed", STORIES[key][0], WHEN))
        store.record_fetch(run_id, FetchResult(url, "mixed", outcome, WHEN, http_status=404))
    store.record_discovered(entries)
    # the silent outlet: read the same days, about something else entirely
    _page(store, run_id, "silent", "https://silent.test/weather", "Weather", "Rain is expected.")
    store.finish_run(run_id, status="ok")
    return store, events


@pytest.fixture
def built(tmp_path: Path) -> tuple[Store, dict[str, int]]:
    return _build(tmp_path / "p.db")


def test_a_failed_page_makes_its_outlet_unread_only_for_its_own_event(
    built: tuple[Store, dict[str, int]],
) -> None:
    store, events = built
    seen = {}
    for key, event_id in events.items():
        view = build_event_view(store, event_id)
        mixed = view.outlet("mixed")
        assert mixed is not None
        seen[key] = (mixed.state, mixed.reason, [p.url for p in mixed.unread_pages])
        assert presence_disagreements(view) == 0
    assert seen == {
        "convoy": ("not_read", "robots_disallowed", ["https://mixed.test/convoy-story"]),
        "mines": ("not_read", "http_error", ["https://mixed.test/mines-story"]),
        "talks": ("not_read", "paywall", ["https://mixed.test/talks-story"]),
        "budget": ("omits", None, []),  # read those days, no failed page could be about it
        "quake": ("covers", None, []),
    }


def test_every_state_and_every_cell_agree(built: tuple[Store, dict[str, int]]) -> None:
    store, events = built
    view = build_event_view(store, events["convoy"])
    states = {o.id: (o.state, o.reason) for o in view.outlets}
    assert states == {
        "wire": ("covers", None),
        "agency": ("covers", None),
        "mixed": ("not_read", "robots_disallowed"),
        "silent": ("omits", None),
        "never": ("not_read", "not_fetched"),
    }
    (claim,) = view.claims
    cells = {c.outlet_id: (c.presence, c.reason) for c in claim.cells}
    assert cells == {
        "wire": ("says", None),
        "agency": ("says", None),
        "mixed": ("not_read", "robots_disallowed"),
        "silent": ("omits", None),
        "never": ("not_read", "not_fetched"),
    }


def test_an_outlet_read_only_on_other_days_is_not_read_for_these() -> None:
    status = build_state(outcomes={"ok": 3}, read_in_window=False)
    assert (status.state, status.reason) == ("not_read", "outside_window")
    assert build_state(outcomes={"timeout": 2, "http_error": 1}, read_in_window=False).reason == "timeout"


def build_state(*, outcomes: dict[str, int], read_in_window: bool):  # type: ignore[no-untyped-def]
    from compare.store import OutletRecord
    from compare.view.presence import outlet_state

    return outlet_state(
        OutletRecord("x", "X"), n_articles=0, tied_pages=(), read_in_window=read_in_window, outcomes=outcomes
    )


def test_what_a_page_could_belong_to() -> None:
    vocabulary = event_vocabulary(
        ["Aid convoy reaches Stepanakert", "Convoy stopped at the Lachin checkpoint"]
    )
    window = EventWindow.around("2026-11-20", "2026-11-21")
    assert window is not None

    def page(url: str, title: str | None = None, published: str | None = None) -> PageState:
        return PageState(url, "o", "blocked", "2026-11-22T00:00:00+00:00", 1, title, published)

    assert could_belong(page("https://o.test/x", "Convoy reaches Stepanakert"), vocabulary, window)
    assert could_belong(page("https://o.test/news/aid-convoy-stepanakert"), vocabulary, window)
    assert could_belong(page("https://o.test/article/123456"), vocabulary, window)  # nothing to judge by
    assert not could_belong(page("https://o.test/x", "Markets close higher"), vocabulary, window)
    late = page("https://o.test/x", "Convoy reaches Stepanakert", "2027-01-05T00:00:00+00:00")
    assert not could_belong(late, vocabulary, window)  # another time
    assert could_belong(page("https://o.test/x", "Stepanakert"), vocabulary, window)  # one word, shared



def test_an_outlet_whose_feeds_all_failed_tonight_is_not_read_for_tonights_news(tmp_path: Path) -> None:
    """On a second night the silent outlet's feed answers 503 (its site is down) while the wire
    adds an article to the budget story: for the budget story the silent outlet is "not read"
    with that failure, never "omits", though its page of those days was read on night 1. For the
    stories with no news tonight it keeps what night 1 said; the mixed outlet, whose feed loaded
    tonight, still omits the budget story."""
    store, events = _build(tmp_path / "p.db")
    run_id = store.start_run("run", {})
    for outlet, outcome, status in (("silent", Outcome.HTTP_ERROR, 503), ("mixed", Outcome.OK, 200)):
        feed = f"https://{outlet}.test/feed"
        store.record_fetch(run_id, FetchResult(feed, outlet, outcome, WHEN, http_status=status, kind="feed"))
    title, sentence = STORIES["budget"]
    added = _page(store, run_id, "wire", "https://wire.test/budget-2", title, sentence + " Debate went on.")
    members = {a.id: 0.9 for a in store.event_articles(events["budget"])} | {added: 0.9}
    store.save_event(
        key="budget", label=title, state={}, members=members, span=(WHEN.isoformat(), WHEN.isoformat()),
        run_id=run_id,
    )  # fmt: skip
    store.finish_run(run_id, status="partial")
    states = {}
    for key in ("budget", "talks", "convoy"):
        view = build_event_view(store, events[key])
        states[key] = {o.id: (o.state, o.reason) for o in view.outlets if o.id in ("silent", "mixed")}
        assert presence_disagreements(view) == 0
    assert states["budget"] == {"silent": ("not_read", "http_error"), "mixed": ("omits", None)}
    assert states["talks"]["silent"] == states["convoy"]["silent"] == ("omits", None)  # no news tonight
