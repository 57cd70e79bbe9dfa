"""A nightly run keeps the pages of events whose view did not change, and only those.

On the demo web with the hashing embedder: a kept page must be what a fresh render would give
but for the run stamp; an event that changed (a silent edit) or whose presence changed (an
outlet that failed tonight) is written again; a lost page or an unreadable record is rewritten.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from compare.config import Settings
from compare.demoweb import DemoWeb
from compare.embed import HashingEmbedder
from compare.pipeline import run_pipeline
from compare.report import render_json
from compare.report.manifest import MANIFEST_NAME
from compare.sources import load_sources
from compare.store import Store
from compare.view import PresenceContext, build_event_view

_STAMP = ("run", "generated_at")


@pytest.fixture
def web() -> Iterator[DemoWeb]:
    with DemoWeb(version=1) as demo:
        yield demo


def _settings(tmp_path: Path) -> Settings:
    return replace(Settings(), db=str(tmp_path / "k.db"), embed_backend="hashing", fresh_for_hours=0)


def _pages(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.glob("event-*.*"))}


def _unstamped(text: str | bytes) -> dict[str, object]:
    """The view but its stamp: the run it is of, when it was made, the outlets' fetch counts of
    their latest run and, when nothing changed since, which earlier run it compared with (a first
    run's page: there was none)."""
    data = json.loads(text)
    for outlet in data["outlets"]:
        outlet["fetch_outcomes"] = None
    changes = data["changes"]
    if not changes["notes"] and (changes["since_run"] is None or not changes["new_event"]):
        data["changes"] = None
    return {k: v for k, v in data.items() if k not in _STAMP}


def _assert_pages_match_fresh_views(db: str, out: Path) -> None:
    """Every event page on disk is what the latest run's view renders, the stamp aside."""
    with Store(db, read_only=True) as store:
        context = PresenceContext.load(store)
        for event_id in store.active_event_ids():
            fresh = render_json(build_event_view(store, event_id, context=context))
            on_disk = (out / f"event-{event_id}.json").read_text(encoding="utf-8")
            assert _unstamped(on_disk) == _unstamped(fresh), f"event {event_id}'s kept page is stale"


def _index_entries(out: Path) -> dict[int, dict[str, object]]:
    return {e["event_id"]: e for e in json.loads((out / "index.json").read_text(encoding="utf-8"))["entries"]}


def test_quiet_nights_keep_pages_and_changes_rewrite_them(web: DemoWeb, tmp_path: Path) -> None:
    settings, out = _settings(tmp_path), tmp_path / "reports"
    sources = load_sources(web.write_sources(tmp_path / "sources.yaml"))
    embedder = HashingEmbedder()
    first = run_pipeline(settings, sources, out_dir=out, embedder=embedder)
    after_first = _pages(out)
    for night in range(2):  # nothing new, twice
        quiet = run_pipeline(settings, sources, out_dir=out, embedder=embedder)
        assert _pages(out) == after_first  # not one byte rewritten
        entries = _index_entries(out)
        assert entries and all(e["page_run"] == first.run_id for e in entries.values())
        assert f"page of run {first.run_id}" in (out / "index.html").read_text(encoding="utf-8")
        assert len(quiet.reports) == len(entries) and quiet.run_id == first.run_id + 1 + night
        _assert_pages_match_fresh_views(settings.db, out)

    web.set_version(2)  # one outlet edits one article at the same URL
    run_pipeline(settings, sources, out_dir=out, embedder=embedder)
    after_edit = _pages(out)
    rewritten = {n.split(".")[0] for n in after_edit if after_edit[n] != after_first.get(n)}
    entries = _index_entries(out)
    changed = {f"event-{i}" for i, e in entries.items() if e["changes"] or e["new"]}
    assert changed and changed <= rewritten  # every event that changed was written again
    assert any(e["page_run"] == first.run_id for e in entries.values())  # and others were kept
    _assert_pages_match_fresh_views(settings.db, out)


def test_an_outlet_down_tonight_rewrites_the_events_it_is_expected_in(web: DemoWeb, tmp_path: Path) -> None:
    settings, out = _settings(tmp_path), tmp_path / "reports"
    sources = load_sources(web.write_sources(tmp_path / "sources.yaml"))
    embedder = HashingEmbedder()
    run_pipeline(settings, sources, out_dir=out, embedder=embedder)
    run_pipeline(settings, sources, out_dir=out, embedder=embedder)
    before = _pages(out)
    web.down = {"eurocast-demo"}  # every page of one outlet answers 503 tonight
    run_pipeline(settings, sources, out_dir=out, embedder=embedder)
    after = _pages(out)
    assert any(after[n] != before[n] for n in before if n.endswith(".json"))
    _assert_pages_match_fresh_views(settings.db, out)


def test_a_lost_page_or_an_unreadable_record_is_written_again(web: DemoWeb, tmp_path: Path) -> None:
    settings, out = _settings(tmp_path), tmp_path / "reports"
    sources = load_sources(web.write_sources(tmp_path / "sources.yaml"))
    embedder = HashingEmbedder()
    run_pipeline(settings, sources, out_dir=out, embedder=embedder)
    run_pipeline(settings, sources, out_dir=out, embedder=embedder)
    lost = sorted(out.glob("event-*.md"))[0]
    lost.unlink()
    run_pipeline(settings, sources, out_dir=out, embedder=embedder)
    assert lost.is_file()
    (out / MANIFEST_NAME).write_text("{not json", encoding="utf-8")
    stamp = {p.name: p.stat().st_mtime_ns for p in out.glob("event-*.html")}
    last = run_pipeline(settings, sources, out_dir=out, embedder=embedder)
    assert all(p.stat().st_mtime_ns != stamp[p.name] for p in out.glob("event-*.html"))
    assert all(e["page_run"] is None for e in _index_entries(out).values())
    assert json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))["format"] == 1
    assert last.status in ("ok", "partial")
