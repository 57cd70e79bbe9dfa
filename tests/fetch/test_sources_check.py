"""``sources check`` and the nightly fallback to feed discovery, on the loopback CMS web.

The end-to-end story of issue 19: a sources file with homepages only → ``sources check --write``
finds a working feed for the outlets → the next ``run`` reads them.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from cms_web import SITES, CmsWeb

from compare.cli import cli
from compare.fetch import fetch_sources
from compare.models import FetchResult, Outcome
from compare.sources import load_sources


def _env(tmp_path: Path) -> dict[str, str]:
    return {"NEWSCOMPARE_DB": str(tmp_path / "n.db"), "NEWSCOMPARE_EMBED_BACKEND": "hashing",
            "COLUMNS": "200"}


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_homepages_only_then_check_write_then_run_reads_them(cms_web: CmsWeb,
                                                            tmp_path: Path) -> None:
    path = _write(tmp_path, cms_web.sources_yaml())
    before = path.read_text(encoding="utf-8")
    runner = CliRunner()
    checked = runner.invoke(cli, ["sources", "check", str(path), "--write"], env=_env(tmp_path))
    assert checked.exit_code == 1, checked.output  # quiet-gazette has no feed at all
    assert "6 of 7 outlets have a working feed" in checked.output
    assert "No working feed: quiet-gazette" in checked.output
    after = path.read_text(encoding="utf-8")
    # Comments and everything that was there are kept; only lines were added.
    old_lines = before.splitlines()
    assert [ln for ln in after.splitlines() if ln in old_lines] == old_lines
    sources = load_sources(path)
    feeds = {o.id: [f.url.removeprefix(cms_web.base(o.id)) for f in o.feeds] for o in sources.outlets}
    assert feeds == {
        "harbour-post": ["/feed/"], "valley-courier": ["/rss.xml"],
        "capital-wire": ["/sitemap-news.xml"], "river-times": ["/feeds/latest.xml"],
        "plains-daily": ["/sitemap_index.xml"], "border-herald": ["/en/rss"], "quiet-gazette": [],
    }
    kinds = {o.id: [f.kind for f in o.feeds] for o in sources.outlets}
    assert kinds["capital-wire"] == ["news-sitemap"] and kinds["plains-daily"] == ["sitemap"]
    assert {o.id for o in sources.outlets if o.verified_on} == set(SITES) - {"quiet-gazette"}

    ran = runner.invoke(cli, ["run", "--sources", str(path), "--out", str(tmp_path / "r")],
                        env=_env(tmp_path))
    assert ran.exit_code == 1, ran.output  # quiet-gazette again, through discovery
    assert "Feed discovery for quiet-gazette (no feeds configured): no working feed" in ran.output
    db = sqlite3.connect(tmp_path / "n.db")
    read = dict(db.execute("SELECT outlet_id, COUNT(*) FROM articles GROUP BY outlet_id"))
    db.close()
    assert read == {site: 3 for site in SITES if site != "quiet-gazette"}


def test_check_json_and_outlet_selection(cms_web: CmsWeb, tmp_path: Path) -> None:
    path = _write(tmp_path, cms_web.sources_yaml())
    result = CliRunner().invoke(cli, ["sources", "check", str(path), "--outlet", "border-herald",
                                      "--json"], env=_env(tmp_path))
    assert result.exit_code == 0, result.output
    (outlet,) = json.loads(result.output)
    assert outlet["outlet"] == "border-herald" and outlet["ok"] is True
    verdicts = {f["url"].rsplit("/", 2)[-2] + "/" + f["url"].rsplit("/", 1)[-1]: f["verdict"]
                for f in outlet["feeds"]}
    assert verdicts == {"ru/feed.atom": "other language (ru)", "en/rss": "works"}
    assert path.read_text(encoding="utf-8") == cms_web.sources_yaml()  # no --write, no change


def test_write_keeps_a_failing_configured_feed_and_rewrites_a_moved_one(
    cms_web: CmsWeb, tmp_path: Path
) -> None:
    harbour, river = cms_web.base("harbour-post"), cms_web.base("river-times")
    text = cms_web.sources_yaml(feeds={
        "harbour-post": [harbour + "/old-feed.rss"],           # gone: 404
        "river-times": [river + "/rss/news.xml"],               # moved with a 301
    })
    path = _write(tmp_path, text)
    result = CliRunner().invoke(cli, ["sources", "check", str(path), "--outlet", "harbour-post",
                                      "--outlet", "river-times", "--write"], env=_env(tmp_path))
    assert result.exit_code == 0, result.output
    sources = load_sources(path)
    harbour_post, river_times = sources.outlet("harbour-post"), sources.outlet("river-times")
    assert harbour_post is not None and river_times is not None
    assert [f.url for f in harbour_post.feeds] == [harbour + "/feed/"]
    assert [f.url for f in harbour_post.failed_feeds] == [harbour + "/old-feed.rss"]
    written = path.read_text(encoding="utf-8")
    assert 'reason: "' in written and ": http_error 404" in written
    assert [f.url for f in river_times.feeds] == [river + "/feeds/latest.xml"]
    assert f"# moved from {river}/rss/news.xml (permanent redirect)" in written
    # The outlets not checked are untouched.
    untouched = [ln for ln in text.splitlines() if "quiet-gazette" in ln or "Quiet" in ln]
    assert all(ln in written.splitlines() for ln in untouched)
    assert "verified" not in written.split("- id: quiet-gazette")[1]


@pytest.mark.parametrize("args", [["--outlet", "nope"], ["missing.yaml"]])
def test_bad_input_is_one_line(tmp_path: Path, args: list[str]) -> None:
    path = _write(tmp_path, "version: 1\noutlets: []\n")
    argv = ["sources", "check", *(args if args[0] == "missing.yaml" else [str(path), *args])]
    result = CliRunner().invoke(cli, argv, env=_env(tmp_path))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


# -- the nightly fallback ---------------------------------------------------------------------


def _run(cms_web: CmsWeb, tmp_path: Path, text: str) -> tuple[list[FetchResult], object]:
    rows: list[FetchResult] = []
    sources = load_sources(_write(tmp_path, text))
    summary = fetch_sources(sources, on_result=rows.append)
    return rows, summary


def test_a_run_whose_configured_feed_is_gone_falls_back_to_discovery(
    cms_web: CmsWeb, tmp_path: Path
) -> None:
    harbour = cms_web.base("harbour-post")
    text = cms_web.sources_yaml(feeds={site: [cms_web.base(site) + "/gone.rss"] for site in SITES})
    rows, summary = _run(cms_web, tmp_path, text)
    harbour_post = summary.outlet("harbour-post")  # type: ignore[attr-defined]
    assert harbour_post.discovery == "configured feeds failed"
    assert harbour_post.discovered_feeds == (harbour + "/feed/",)
    assert harbour_post.fetched == 3 and not harbour_post.failed_entirely
    mine = [(r.kind, r.url.removeprefix(harbour), r.outcome) for r in rows
            if r.outlet_id == "harbour-post"]
    assert ("feed", "/gone.rss", Outcome.HTTP_ERROR) in mine
    assert ("feed", "/feed/", Outcome.OK) in mine
    assert not any(path == "/comments/feed/" for _, path, _ in mine)  # probed, not kept
    quiet = summary.outlet("quiet-gazette")  # type: ignore[attr-defined]
    assert quiet.failed_entirely and quiet.discovered_feeds == ()
    page = [r for r in rows if r.outlet_id == "quiet-gazette" and r.kind == "page"]
    assert [(p.outcome, p.snapshot) for p in page] == [(Outcome.NO_FEED, None)]
    assert [o.outlet_id for o in summary.outlets if o.failed_entirely] == ["quiet-gazette"]  # type: ignore[attr-defined]


def test_a_struggling_host_is_not_asked_for_more(cms_web: CmsWeb, tmp_path: Path) -> None:
    from fetch_web import status

    cms_web.web.route(0, "/busy.rss", status(503))
    text = cms_web.sources_yaml(feeds={"harbour-post": [cms_web.base("harbour-post") + "/busy.rss"]})
    rows, summary = _run(cms_web, tmp_path, text)
    assert summary.outlet("harbour-post").discovery is None  # type: ignore[attr-defined]
    assert "/" not in cms_web.hits("harbour-post")  # the homepage was not asked
    assert [(r.kind, r.http_status) for r in rows if r.outlet_id == "harbour-post"] == [("feed", 503)]


def test_a_fallback_night_that_finds_nothing_leaves_the_outlet_not_read(
    cms_web: CmsWeb, tmp_path: Path
) -> None:
    from dataclasses import replace

    from compare.config import Settings
    from compare.embed import HashingEmbedder
    from compare.pipeline import run_pipeline
    from compare.service.data import outlet_detail
    from compare.store import Store
    from compare.view import build_event_view

    settings = replace(Settings(), db=str(tmp_path / "n.db"), embed_backend="hashing")
    sources = load_sources(_write(tmp_path, cms_web.sources_yaml()))
    result = run_pipeline(settings, sources, embedder=HashingEmbedder())
    assert result.failed_outlets == ["quiet-gazette"]
    counts = result.counts()["fetch"]
    assert counts["harbour-post"]["discovery"] == "no feeds configured"
    assert counts["quiet-gazette"]["discovered_feeds"] == []
    with Store(settings.db) as store:
        events = store.active_event_ids()
        assert events
        for event_id in events:
            view = build_event_view(store, event_id)
            quiet = next(o for o in view.outlets if o.id == "quiet-gazette")
            assert (quiet.state, quiet.reason) == ("not_read", "no_feed")
            harbour = next(o for o in view.outlets if o.id == "harbour-post")
            assert harbour.state != "not_read"  # read through discovery: covers or omits
        health = outlet_detail(store, "quiet-gazette").health
        assert health[0].outcomes == {"no_feed": 1}
        assert health[0].discovery == "no feeds configured: no working feed"
        assert outlet_detail(store, "harbour-post").health[0].discovery == (
            f"no feeds configured: {cms_web.base('harbour-post')}/feed/")


def test_a_night_whose_feeds_are_gone_never_says_the_outlet_omits_that_nights_news(
    cms_web: CmsWeb, tmp_path: Path
) -> None:
    """Night 1 reads harbour-post through discovery; on night 2 its feeds are gone (its old
    articles are still re-read), and a new story breaks elsewhere: harbour-post is "not read"
    for it, with the reason, not "omits"."""
    from dataclasses import replace

    from cms_web import Item, article_page, homepage, rss
    from fetch_web import html, status

    from compare.config import Settings
    from compare.embed import HashingEmbedder
    from compare.pipeline import run_pipeline
    from compare.store import Store
    from compare.view import build_event_view

    settings = replace(Settings(), db=str(tmp_path / "n.db"), embed_backend="hashing",
                       fresh_for_hours=0)
    sources = load_sources(_write(tmp_path, cms_web.sources_yaml()))
    run_pipeline(settings, sources, embedder=HashingEmbedder())
    cms_web.web.route(0, "/", html(homepage("Harbour Post")))  # the feed links are gone
    cms_web.web.route(0, "/feed/", status(404))
    title = "Flood barrier opens on the river delta"
    text = ("Engineers opened the new flood barrier on the river delta on Wednesday after six "
            "years of work, the regional government said, and residents of three villages were "
            "told the evacuation plan would be revised before the spring floods.")
    for index, site, feed in ((1, "valley-courier", "/rss.xml"), (3, "river-times", "/feeds/latest.xml")):
        base = cms_web.web.base(index)
        item = Item("/flood-barrier", title, cms_web.now.replace(microsecond=0), text)
        cms_web.web.route(index, item.path, html(article_page(item, site)))
        cms_web.web.route(index, feed, html(rss(site, base + "/", [(base + item.path, title,
                                                                     item.published)]),
                                            content_type="application/rss+xml"))
    second = run_pipeline(settings, sources, embedder=HashingEmbedder())
    assert "harbour-post" in second.failed_outlets
    with Store(settings.db) as store:
        states = {}
        for event_id in store.active_event_ids():
            view = build_event_view(store, event_id)
            harbour = next(o for o in view.outlets if o.id == "harbour-post")
            states[view.event.label] = (harbour.state, harbour.reason)
    flood = [s for label, s in states.items() if "Flood" in label]
    assert flood == [("not_read", "no_feed")]
    assert sum(s == ("covers", None) for s in states.values()) == 3  # last night's stories
