"""A nightly run keeps the pages of events whose view did not change, and only those.

On the demo web with the hashing embedder: a kept page must be the report of the run that wrote
it, and show nothing of the event that tonight's view would show otherwise; an event that
changed (a silent edit) or whose presence changed (an outlet down tonight) is written again; a
lost page or an unreadable record is written again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from compare.config import Settings
from compare.demoweb import DemoWeb
from compare.embed import HashingEmbedder
from compare.pipeline import run_pipeline, write_reports
from compare.report import render_json
from compare.report.manifest import MANIFEST_NAME
from compare.sources import Sources, load_sources
from compare.store import Store
from compare.view import PresenceContext, build_event_view


@pytest.fixture
def web() -> Iterator[DemoWeb]:
    with DemoWeb(version=1) as demo:
        yield demo


def _settings(tmp_path: Path) -> Settings:
    return replace(Settings(), db=str(tmp_path / "k.db"), embed_backend="hashing", fresh_for_hours=0)


def _pages(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.glob("event-*.*"))}


def _without(text: str | bytes, *fields: str) -> dict[str, Any]:
    data = json.loads(text)
    if data.get("run"):  # a run's pages are written before it records its end
        data["run"]["finished_at"] = None
    if "fetch_outcomes" in fields:
        for outlet in data["outlets"]:
            outlet.pop("fetch_outcomes")
    if "is_new" in fields:
        for claim in data["claims"]:
            claim.pop("is_new")
    return {k: v for k, v in data.items() if k not in fields}


def _assert_pages_are_their_runs_reports(db: str, out: Path) -> None:
    """Every event page on disk is the report of the run that wrote it (the index says which),
    and nothing it shows of the event differs from tonight's view: only what belongs to a run
    (the run, the time, the outlets' fetch counts, what changed in that run) may."""
    page_runs = {e: r for e, r in ((i, x["page_run"]) for i, x in _index_entries(out).items())}
    with Store(db, read_only=True) as store:
        tonight = PresenceContext.load(store)
        assert tonight.run is not None
        for event_id in store.active_event_ids():
            on_disk = (out / f"event-{event_id}.json").read_text(encoding="utf-8")
            run = store.run(page_runs.get(event_id) or tonight.run.id)
            then_context = PresenceContext.load(store, run=run)
            then = render_json(build_event_view(store, event_id, context=then_context))
            assert _without(on_disk, "generated_at") == _without(then, "generated_at"), event_id
            now = render_json(build_event_view(store, event_id, context=tonight))
            stamp = ("run", "generated_at", "changes", "fetch_outcomes", "is_new")
            assert _without(on_disk, *stamp) == _without(now, *stamp), f"event {event_id}: a stale page"


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
        _assert_pages_are_their_runs_reports(settings.db, out)

    web.set_version(2)  # one outlet edits one article at the same URL
    run_pipeline(settings, sources, out_dir=out, embedder=embedder)
    after_edit = _pages(out)
    rewritten = {n.split(".")[0] for n in after_edit if after_edit[n] != after_first.get(n)}
    entries = _index_entries(out)
    changed = {f"event-{i}" for i, e in entries.items() if e["changes"] or e["new"]}
    assert changed and changed <= rewritten  # every event that changed was written again
    assert any(e["page_run"] == first.run_id for e in entries.values())  # and others were kept
    _assert_pages_are_their_runs_reports(settings.db, out)

    # The night after, nothing new: the edited event's page stays the report of the edit's run.
    run_pipeline(settings, sources, out_dir=out, embedder=embedder)
    assert _pages(out) == after_edit
    assert not any(e["changes"] or e["new"] for e in _index_entries(out).values())
    _assert_pages_are_their_runs_reports(settings.db, out)


def _two_nights(web: DemoWeb, tmp_path: Path) -> tuple[Settings, Sources, Path, HashingEmbedder]:
    """Two nights of the demo web into a fresh store and reports folder (the second keeps pages)."""
    settings, out = _settings(tmp_path), tmp_path / "reports"
    sources = load_sources(web.write_sources(tmp_path / "sources.yaml"))
    embedder = HashingEmbedder()
    run_pipeline(settings, sources, out_dir=out, embedder=embedder)
    run_pipeline(settings, sources, out_dir=out, embedder=embedder)
    return settings, sources, out, embedder


def test_an_outlet_down_tonight_rewrites_the_events_it_is_expected_in(web: DemoWeb, tmp_path: Path) -> None:
    settings, sources, out, embedder = _two_nights(web, tmp_path)
    before = _pages(out)
    web.down = {"eurocast-demo"}  # every page of one outlet answers 503 tonight
    run_pipeline(settings, sources, out_dir=out, embedder=embedder)
    after = _pages(out)
    assert any(after[n] != before[n] for n in before if n.endswith(".json"))
    _assert_pages_are_their_runs_reports(settings.db, out)


def test_a_lost_page_or_an_unreadable_record_is_written_again(web: DemoWeb, tmp_path: Path) -> None:
    settings, sources, out, embedder = _two_nights(web, tmp_path)
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


def test_pages_written_by_worker_processes_are_the_same(
    web: DemoWeb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two report workers (spawned processes reading the store) write the same pages as the
    run's own process; a pool that cannot start falls back to writing them in-process."""
    import compare.pipeline.reporting as reporting

    settings = _settings(tmp_path)
    sources = load_sources(web.write_sources(tmp_path / "s.yaml"))
    run = run_pipeline(settings, sources, embedder=HashingEmbedder())
    monkeypatch.setattr(reporting, "_PARALLEL_FROM", 2)

    def pages(folder: Path) -> dict[str, dict[str, Any]]:
        return {p.name: _without(p.read_text("utf-8"), "generated_at") for p in folder.glob("event-*.json")}

    with Store(settings.db) as store:
        one, _ = write_reports(store, tmp_path / "one", run_id=run.run_id, reuse=False, workers=1)
        two, _ = write_reports(store, tmp_path / "two", run_id=run.run_id, reuse=False, workers=2)
        assert one and [p.name for p in one] == [p.name for p in two]
        assert pages(tmp_path / "one") == pages(tmp_path / "two")
        assert sorted(p.name for p in (tmp_path / "one" / "snapshots").iterdir()) == sorted(
            p.name for p in (tmp_path / "two" / "snapshots").iterdir()
        )

        class Broken:
            def __init__(self, *args: object, **kwargs: object) -> None:
                raise reporting.BrokenProcessPool("no worker could start")

        monkeypatch.setattr(reporting, "ProcessPoolExecutor", Broken)
        write_reports(store, tmp_path / "three", run_id=run.run_id, reuse=False, workers=2)
        assert pages(tmp_path / "three") == pages(tmp_path / "one")


@pytest.mark.parametrize("changed", ["markdown.py", "glance.py", "report.html"])
def test_a_change_to_a_page_writer_is_a_new_renderer(changed: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from compare.report import manifest

    before = manifest._renderer.__wrapped__()
    real = Path.read_bytes

    def edited(self: Path) -> bytes:
        return real(self) + (b"\n# edited\n" if self.name == changed else b"")

    monkeypatch.setattr(Path, "read_bytes", edited)
    assert manifest._renderer.__wrapped__() != before
