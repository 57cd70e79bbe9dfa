"""The demo web serves the corpus like a small web of news sites, on loopback only.

The servers are started in-process on free ports; requests go through urllib with proxies
disabled, so nothing leaves 127.0.0.0/8.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request
import urllib.robotparser
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from html import unescape
from pathlib import Path
from typing import Any

import feedparser
import pytest
import yaml

from compare.demoweb import DemoWeb, load_corpus
from compare.demoweb.corpus import default_seeds_dir
from compare.demoweb.render import served_version
from compare.errors import CompareError, UsageError

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
MARKER = "Synthetic article for the newscompare demo"
JSONLD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def get(url: str, headers: Mapping[str, str] | None = None, method: str = "GET") -> Answer:
    assert url.startswith("http://127."), url
    request = urllib.request.Request(url, headers=dict(headers or {}), method=method)
    try:
        with OPENER.open(request, timeout=10) as response:
            return Answer(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, dict(exc.headers), exc.read())


@pytest.fixture(scope="module")
def web() -> Iterator[DemoWeb]:
    with DemoWeb() as running:
        yield running


def _feed_links(web: DemoWeb, outlet_id: str) -> list[str]:
    outlet = web.corpus.outlet(outlet_id)
    assert outlet is not None
    answer = get(web.base_url(outlet_id) + outlet.feed_path)
    parsed = feedparser.parse(answer.body)
    return [entry.link for entry in parsed.entries]


def test_seed_url_is_the_seed_report(web: DemoWeb) -> None:
    seed = web.corpus.seed_article
    assert seed is not None and seed.key == web.corpus.seed_meta["demo_article"]
    assert web.seed_url == web.url_for(seed.key)
    assert get(web.seed_url).status == 200


def test_each_outlet_has_its_own_loopback_address(web: DemoWeb) -> None:
    served = web.outlets
    assert [s.outlet_id for s in served] == [o.id for o in web.corpus.outlets]
    assert len({(s.host, s.port) for s in served}) == len(served)
    for s in served:
        assert s.host.startswith("127.0.0.")
        assert s.base_url == f"http://{s.host}:{s.port}"


def test_every_feed_parses_and_lists_every_article(web: DemoWeb) -> None:
    for outlet in web.corpus.outlets:
        if outlet.behaviour == "forbidden":
            continue
        answer = get(web.base_url(outlet.id) + outlet.feed_path)
        assert answer.status == 200
        assert answer.headers["Content-Type"].startswith(f"application/{outlet.feed_kind}+xml")
        parsed = feedparser.parse(answer.body)
        assert not parsed.bozo, (outlet.id, parsed.get("bozo_exception"))
        assert parsed.version.startswith(outlet.feed_kind)
        expected = {web.url_for(a.key) for a in web.corpus.articles_of(outlet.id)}
        assert {e.link for e in parsed.entries} == expected
        assert all(e.get("published_parsed") for e in parsed.entries)
        assert all(e.title for e in parsed.entries)


def test_sitemap_lists_the_articles_with_dates(web: DemoWeb) -> None:
    outlet = next(o for o in web.corpus.outlets if o.listed_feed == "sitemap")
    answer = get(web.feed_url(outlet.id))
    assert answer.status == 200
    root = ET.fromstring(answer.body)
    ns = {
        "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
        "n": "http://www.google.com/schemas/sitemap-news/0.9",
    }
    locs = [el.text for el in root.findall("s:url/s:loc", ns)]
    assert set(locs) == {web.url_for(a.key) for a in web.corpus.articles_of(outlet.id)}
    assert len(root.findall("s:url/n:news/n:publication_date", ns)) == len(locs)
    robots = get(web.base_url(outlet.id) + "/robots.txt").text
    assert f"Sitemap: {web.feed_url(outlet.id)}" in robots


def test_every_feed_link_is_served_or_a_deliberate_failure(web: DemoWeb) -> None:
    flags = {web.url_for(a.key): a.flags for a in web.corpus.articles}
    seen = {"ok": 0, "missing": 0, "broken": 0, "paywalled": 0}
    for outlet in web.corpus.outlets:
        if outlet.behaviour == "forbidden":
            continue
        for link in _feed_links(web, outlet.id):
            answer = get(link)
            if "missing" in flags[link]:
                assert answer.status == 404
                seen["missing"] += 1
            elif "broken" in flags[link]:
                assert answer.status == 500
                seen["broken"] += 1
            else:
                assert answer.status == 200, link
                assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
                assert MARKER in answer.text
                assert f'<link rel="canonical" href="{link}">' in answer.text
                seen["paywalled" if "paywalled" in flags[link] else "ok"] += 1
    assert seen["ok"] >= 38 and seen["missing"] and seen["broken"] and seen["paywalled"]


def test_the_other_trailing_slash_form_redirects(web: DemoWeb) -> None:
    url = web.url_for("armvoice-demo/convoy-second-day")
    assert url.endswith("/")
    no_redirects = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())
    try:
        no_redirects.open(url[:-1], timeout=10)
    except urllib.error.HTTPError as exc:
        assert exc.code == 301
        assert exc.headers["Location"] == url
    else:
        pytest.fail("no redirect")
    assert get(url[:-1]).status == 200  # urllib follows it


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def test_error_pages_also_carry_the_demo_marker(web: DemoWeb) -> None:
    answer = get(web.base_url("wire-demo") + "/no/such/page")
    assert answer.status == 404
    assert MARKER in answer.text


def test_paywalled_page_shows_only_a_teaser(web: DemoWeb) -> None:
    article = next(a for a in web.corpus.articles if "paywalled" in a.flags)
    answer = get(web.url_for(article.key))
    assert answer.status == 200
    blocks = article.version(1).blocks
    assert blocks[0].text in unescape(answer.text)
    assert blocks[-1].text not in unescape(answer.text)
    assert 'class="paywall"' in answer.text
    data = json.loads(JSONLD.search(answer.text).group(1))  # type: ignore[union-attr]
    assert data["isAccessibleForFree"] is False
    assert data["hasPart"]["cssSelector"] == ".paywall"


def test_json_ld_dates_and_authors_where_the_outlet_has_them(web: DemoWeb) -> None:
    article = web.corpus.article("wire-demo/convoy-halted")
    assert article is not None
    page = get(web.url_for(article.key)).text
    data = json.loads(JSONLD.search(page).group(1))  # type: ignore[union-attr]
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == article.version(1).title
    assert datetime.fromisoformat(data["datePublished"]) == article.published
    assert data["author"][0]["name"] == article.author
    assert data["publisher"]["url"] == web.base_url("wire-demo") + "/"


def test_date_only_in_time_tag_or_only_in_url(web: DemoWeb) -> None:
    by_style = {o.date_style: o for o in web.corpus.outlets if o.behaviour == "normal"}
    timed = web.corpus.articles_of(by_style["time"].id)[0]
    page = get(web.url_for(timed.key)).text
    assert f'<time datetime="{timed.published.isoformat()}">' in page
    assert "ld+json" not in page and "published_time" not in page
    dated_url = next(a for a in web.corpus.articles_of(by_style["url"].id) if not a.flags)
    url = web.url_for(dated_url.key)
    assert f"/{dated_url.published:%Y/%m/%d}/" in url
    page = get(url).text
    assert "<time" not in page and "published_time" not in page and "datePublished" not in page
    meta_only = web.corpus.articles_of(by_style["meta"].id)[0]
    page = get(web.url_for(meta_only.key)).text
    assert "article:published_time" in page and "ld+json" not in page


def test_etag_and_if_modified_since_give_304(web: DemoWeb) -> None:
    for url in (
        web.url_for("azstate-demo/mfa-rights-constitution"),
        web.feed_url("armvoice-demo"),
        web.base_url("wire-demo") + "/robots.txt",
    ):
        first = get(url)
        assert first.status == 200
        etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
        again = get(url, {"If-None-Match": etag})
        assert again.status == 304 and again.body == b""
        assert again.headers["ETag"] == etag
        assert get(url, {"If-None-Match": '"other"'}).status == 200
        assert get(url, {"If-Modified-Since": modified}).status == 304
        older = format_datetime(datetime(2023, 1, 1, tzinfo=UTC), usegmt=True)
        assert get(url, {"If-Modified-Since": older}).status == 200
        # If-None-Match wins over If-Modified-Since (RFC 9110).
        both = {"If-None-Match": '"other"', "If-Modified-Since": modified}
        assert get(url, both).status == 200


def test_head_answers_without_a_body(web: DemoWeb) -> None:
    url = web.url_for("wire-demo/niger-coup")
    answer = get(url, method="HEAD")
    assert answer.status == 200 and answer.body == b""
    assert int(answer.headers["Content-Length"]) == len(get(url).body)


def test_robots_txt_per_outlet(web: DemoWeb) -> None:
    disallowing = [o for o in web.corpus.outlets if o.robots_disallow]
    assert disallowing
    for outlet in web.corpus.outlets:
        if outlet.behaviour == "forbidden":
            continue
        robots = get(web.base_url(outlet.id) + "/robots.txt")
        assert robots.status == 200
        parser = urllib.robotparser.RobotFileParser()
        parser.parse(robots.text.splitlines())
        for article in web.corpus.articles_of(outlet.id):
            url = web.url_for(article.key)
            blocked = any(article.path(outlet).startswith(p) for p in outlet.robots_disallow)
            assert parser.can_fetch("newscompare", url) is not blocked, url
    opinion = web.url_for("armvoice-demo/blockade-is-a-choice")
    assert opinion in _feed_links(web, "armvoice-demo")
    assert get(opinion).status == 200  # the server serves it; only robots.txt says no


def test_forbidden_outlet_answers_403_to_everything(web: DemoWeb) -> None:
    outlet = next(o for o in web.corpus.outlets if o.behaviour == "forbidden")
    base = web.base_url(outlet.id)
    paths = [
        "/",
        "/robots.txt",
        outlet.feed_path,
        *(a.path(outlet) for a in web.corpus.articles_of(outlet.id)),
    ]
    for path in paths:
        answer = get(base + path)
        assert answer.status == 403, path
        assert "ETag" not in answer.headers


def test_version_switch_changes_the_edited_article() -> None:
    with DemoWeb() as web:
        article = next(a for a in web.corpus.articles if a.edited)
        url = web.url_for(article.key)
        first = get(url)
        feed_before = get(web.feed_url(article.outlet_id))
        web.set_version(2)
        second = get(url)
        assert first.status == second.status == 200
        assert first.headers["ETag"] != second.headers["ETag"]
        assert get(url, {"If-None-Match": first.headers["ETag"]}).status == 200
        new_paragraph = article.version(2).blocks[3].text
        assert new_paragraph not in unescape(first.text)
        assert new_paragraph in unescape(second.text)
        assert article.version(2).title in unescape(second.text)
        feed_after = get(web.feed_url(article.outlet_id))
        assert feed_after.headers["ETag"] != feed_before.headers["ETag"]
        other = web.url_for("wire-demo/convoy-halted")
        web.set_version(1)
        assert get(url).headers["ETag"] == first.headers["ETag"]
        assert get(other).status == 200
        with pytest.raises(UsageError):
            web.set_version(3)
    with DemoWeb(version=2) as web2:
        assert article.version(2).title in unescape(get(web2.url_for(article.key)).text)


def test_written_sources_file_points_at_the_running_servers(web: DemoWeb, tmp_path: Path) -> None:
    path = web.write_sources(tmp_path / "sub" / "sources.yaml", min_delay=0.25)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["version"] == 1
    assert data["defaults"]["min_delay"] == 0.25
    assert data["topics"][0]["id"] == "karabakh"
    assert ["Khankendi", "Stepanakert"] in data["topics"][0]["aliases"]
    assert [o["id"] for o in data["outlets"]] == [o.id for o in web.corpus.outlets]
    keys = {"id", "name", "homepage", "language", "country", "feeds", "groups", "ownership"}
    for entry in data["outlets"]:
        assert keys <= set(entry)
        assert re.fullmatch(r"[a-z0-9-]+", entry["id"])
        assert entry["homepage"] == web.base_url(entry["id"]) + "/"
        assert entry["ownership"]["type"] in {
            "state",
            "private",
            "public-broadcaster",
            "nonprofit",
            "cooperative",
            "unknown",
        }
        (feed,) = entry["feeds"]
        assert feed["kind"] in {"rss", "atom", "sitemap", "news-sitemap"}
        expected_status = 403 if entry["id"] == "closed-gazette-demo" else 200
        assert get(feed["url"]).status == expected_status
    assert any(o["feeds"][0]["kind"] == "sitemap" for o in data["outlets"])


def test_written_sources_file_loads_with_the_project_loader(web: DemoWeb, tmp_path: Path) -> None:
    import compare.sources as sources

    loaded = sources.load_sources(web.write_sources(tmp_path / "sources.yaml"))
    assert {o.id for o in loaded.outlets} == {o.id for o in web.corpus.outlets}
    # The demo lives on 127.0.0.x: each outlet allows private addresses, explicitly.
    assert all(o.allow_private_addresses for o in loaded.outlets)


def test_write_sources_needs_a_running_web(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        DemoWeb().write_sources(tmp_path / "s.yaml")


def test_article_text_is_escaped_once_and_json_ld_cannot_break_out(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(default_seeds_dir() / "demo", seeds / "demo")
    nasty = seeds / "demo" / "articles" / "wire-demo" / "nasty.md"
    nasty.write_text(
        "---\n"
        "title: 'Q&A: </script><script>alert(1)</script> \"quoted\" <b>'\n"
        'published: "2023-07-27T10:00:00+00:00"\n'
        "author: A & B (demo)\nsection: world\nevent: niger-coup\n---\n"
        "Fish & chips cost < 5 pounds; 3 > 2 and &amp; stays literal.\n",
        encoding="utf-8",
    )
    with DemoWeb(seeds) as web:
        page = get(web.url_for("wire-demo/nasty")).text
        feed = get(web.feed_url("wire-demo"))
    assert "<script>alert(1)" not in page
    assert "<b>" not in page
    assert "Fish &amp; chips cost &lt; 5 pounds; 3 &gt; 2 and &amp;amp; stays literal." in page
    blocks = JSONLD.findall(page)
    assert len(blocks) == 1
    data = json.loads(blocks[0])
    assert data["headline"] == 'Q&A: </script><script>alert(1)</script> "quoted" <b>'
    assert data["author"][0]["name"] == "A & B (demo)"
    parsed = feedparser.parse(feed.body)
    assert not parsed.bozo
    titles = [e.title for e in parsed.entries]
    assert 'Q&A: </script><script>alert(1)</script> "quoted" <b>' in titles


def test_verbatim_seed_text_replaces_the_team_written_report(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(default_seeds_dir(), seeds)
    text = "First verbatim paragraph of the seed.\n\nSecond verbatim paragraph.\n"
    (seeds / "seed" / "azernews-2023-07-29.txt").write_text(text, encoding="utf-8")
    corpus = load_corpus(seeds)
    seed = next(a for a in corpus.articles if a.seed)
    with DemoWeb(corpus=corpus) as web:
        page = get(web.url_for(seed.key)).text
    assert "<p>First verbatim paragraph of the seed.</p>" in page
    assert "<p>Second verbatim paragraph.</p>" in page
    assert seed.version(1).blocks[0].text not in unescape(page)
    assert seed.version(1).title in unescape(page)


def test_stop_releases_and_start_twice_is_refused() -> None:
    web = DemoWeb()
    web.start()
    try:
        with pytest.raises(UsageError):
            web.start()
        url = web.feed_url("wire-demo")
    finally:
        web.stop()
    web.stop()
    with pytest.raises(urllib.error.URLError):
        OPENER.open(url, timeout=2)


def test_command_line_serves_until_interrupted(tmp_path: Path) -> None:
    sources = tmp_path / "sources.yaml"
    process = subprocess.Popen(
        [sys.executable, "-m", "compare.demoweb", "serve", "--sources-out", str(sources)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("sources file:"):
                break
        feeds = [m.group(1) for line in lines if (m := re.search(r"feed (http://\S+)", line))]
        assert len(feeds) == len(load_corpus().outlets)
        statuses = [get(url).status for url in feeds]
        assert statuses.count(200) == len(feeds) - 1 and statuses.count(403) == 1
        assert yaml.safe_load(sources.read_text(encoding="utf-8"))["version"] == 1
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0
    assert "Traceback" not in stderr


def test_pages_have_furniture_around_the_article(web: DemoWeb) -> None:
    article = next(a for a in web.corpus.articles if a.comments and a.caption and not a.flags)
    page = unescape(get(web.url_for(article.key)).text)
    assert f"<figcaption>{article.caption}</figcaption>" in page
    assert all(c.text in page for c in article.comments)
    assert 'id="cookie-consent"' in page and 'class="breadcrumbs"' in page
    assert 'class="related"' in page and "<footer" in page
    classic = next(o for o in web.corpus.outlets if o.theme.layout == "classic")
    plain = next(a for a in web.corpus.articles_of(classic.id) if not a.flags)
    page = get(web.url_for(plain.key)).text
    assert 'class="most-read"' in page and "Advertisement" in page


def test_a_fixed_port_gives_stable_urls_and_a_clear_error_when_taken() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.2", 0))
        port = probe.getsockname()[1]
    with DemoWeb(port=port) as web:
        assert {s.port for s in web.outlets} == {port}
        assert web.base_url("azstate-demo") == f"http://127.0.0.2:{port}"
        with pytest.raises(CompareError, match="in use"):
            DemoWeb(port=port).start()
        assert get(web.feed_url("wire-demo")).status == 200


def _tokens(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", text.lower()))


@pytest.mark.slow
def test_project_fetcher_and_extractor_read_the_demo_web_as_expected(tmp_path: Path) -> None:
    """End to end through the real fetch and extract stages: outcomes as EXPECTED.yaml says."""
    import compare.extract as extract
    import compare.fetch.run as fetch_run
    import compare.sources as sources_module
    from compare.errors import ExtractError

    with DemoWeb() as web:
        sources = sources_module.load_sources(web.write_sources(tmp_path / "sources.yaml"))
        results: list[Any] = []
        fetch_run.fetch_sources(sources, on_result=results.append)
        by_url = {web.url_for(a.key): a for a in web.corpus.articles}
        feeds = {web.feed_url(o.id): o.id for o in web.corpus.outlets}
    outcomes: dict[str, str] = {}
    for result in results:
        if result.url in feeds and feeds[result.url] == "closed-gazette-demo":
            outcomes["closed-gazette-demo"] = str(result.outcome)
        article = by_url.get(result.url)
        if article is None:
            continue
        if not result.outcome.readable:
            outcomes[article.key] = str(result.outcome)
            continue
        try:
            page = extract.extract_page(result.snapshot, outlet_language="en")
        except ExtractError as exc:
            outcomes[article.key] = str(exc.outcome)
            continue
        outcomes[article.key] = "ok"
        served = served_version(web.corpus, article, 1)  # the verbatim seed text for the seed report
        gold, got = _tokens(served.text), _tokens(page.text)
        overlap = sum((gold & got).values())
        assert 2 * overlap / (sum(gold.values()) + sum(got.values())) > 0.95, article.key
        assert page.published_at is not None, article.key
        assert abs((page.published_at - article.published).total_seconds()) < 86400, article.key
    expected = {u["target"]: u["outcome"] for u in web.corpus.expected["unreadable"]}
    for key, outcome in expected.items():
        if key != "closed-gazette-demo" and web.corpus.article(key) is None:
            continue
        assert outcomes.get(key) == outcome, key
    readable = [a.key for a in web.corpus.articles if a.outlet_id != "closed-gazette-demo"]
    assert all(outcomes[k] == "ok" for k in readable if k not in expected)
