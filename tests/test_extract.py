"""Extraction on the team's fixture pages: body, title, dates, languages, paywalls."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from compare.charset import decode_body
from compare.errors import ExtractError
from compare.extract import (
    choose_dates,
    extract_html,
    extract_page,
    normalise_text,
    read_metadata,
    strip_site_name,
)
from compare.models import Snapshot

PAGES = Path(__file__).parent / "fixtures" / "pages"
FETCHED = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
BODY = "".join(
    f"<p>In paragraph {n}, the regional council approved part {n} of the new water plan on "
    f"Monday after a long debate, and officials said the pipes for district {n} would be laid "
    "in the spring of next year.</p>"
    for n in range(1, 8)
)


def snapshot(name_or_body: str | bytes, *, url: str = "https://news.example/story") -> Snapshot:
    body = (PAGES / name_or_body).read_bytes() if isinstance(name_or_body, str) else name_or_body
    return Snapshot(
        sha256="0" * 64,
        url=url,
        final_url=url,
        status=200,
        headers={"content-type": "text/html; charset=utf-8"},
        fetched_at=FETCHED,
        body=body,
    )


@pytest.mark.parametrize(
    ("name", "language", "must_keep", "title"),
    [
        ("az-news.html", "az", "120,5 milyon manat", "Bakıda yeni metro stansiyası açılıb"),
        ("hy-news.html", "hy", "2.5 միլիարդ դրամ", "Երևանում բացվել է նոր գրադարան"),
        ("ru-news.html", "ru", "3,7 млрд рублей", "В Казани открылся новый мост"),
    ],
)
def test_fixture_pages_keep_the_body_and_drop_boilerplate(
    name: str, language: str, must_keep: str, title: str
) -> None:
    page = extract_page(snapshot(name), outlet_language=language)
    assert must_keep in page.text
    assert page.title == title
    assert not page.text.startswith(title), "the title is stored apart, not repeated in the body"
    for boilerplate in ("©", "oxucu123", "ընթերցող", "Иван", "Əsas səhifə", "Главная"):
        assert boilerplate not in page.text
    assert page.language_detected == language
    assert page.language_page == language
    assert not page.language_mismatch
    assert page.published_at is not None and page.published_at <= FETCHED
    assert page.date_reliable
    assert len(page.text_sha256) == 64


def test_fixture_metadata_sources() -> None:
    az = extract_page(snapshot("az-news.html"))
    assert az.published_source == "jsonld"  # JSON-LD (10:30+04) beats the meta tag (08:00+04)
    assert az.published_at == datetime(2026, 11, 20, 6, 30, tzinfo=UTC)
    assert az.updated_at == datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    assert az.author == "Leyla Məmmədova"
    assert az.site_name == "Xəbər Portalı"
    assert az.canonical_url == "https://xeber.example/az/xeberler/2026/11/20/metro-stansiyasi"
    assert az.method.startswith("trafilatura")
    hy = extract_page(snapshot("hy-news.html"))
    assert hy.published_source == "meta"
    assert hy.author == "Արամ Պետրոսյան"
    ru = extract_page(snapshot("ru-news.html"))
    assert ru.published_source == "time"
    assert ru.published_at == datetime(2026, 11, 15, 11, 0, tzinfo=UTC)
    assert ru.canonical_url == "https://news.example/story"


def test_language_mismatch_is_flagged() -> None:
    page = extract_page(snapshot("ru-news.html"), outlet_language="hy")
    assert (page.language_declared, page.language_page, page.language_detected) == ("hy", "ru", "ru")
    assert page.language_mismatch


def test_paywalled_teaser_is_an_outcome_not_an_article() -> None:
    with pytest.raises(ExtractError) as info:
        extract_page(snapshot("en-paywall.html"))
    assert info.value.outcome == "paywall"


def test_long_article_marked_not_free_is_still_an_article() -> None:
    html = (
        '<html><head><script type="application/ld+json">{"@type": "NewsArticle", '
        '"headline": "Water plan", "isAccessibleForFree": "False"}</script></head>'
        f"<body><article>{BODY * 2}</article></body></html>"
    )
    page = extract_page(snapshot(html.encode()))
    assert "water plan" in page.text


def test_paywall_marker_on_short_page() -> None:
    html = (
        "<html><body><article><p>The council met late on Tuesday to argue about the budget "
        "for next year and the new bus lines.</p><div class='paywall'>Subscribe to continue "
        "reading</div></article></body></html>"
    )
    with pytest.raises(ExtractError) as info:
        extract_page(snapshot(html.encode()))
    assert info.value.outcome == "paywall"


def test_jsonld_article_body_rescues_an_empty_page() -> None:
    article_body = " ".join(["The mayor opened the new library on Friday morning."] * 12)
    html = (
        '<html><head><script type="application/ld+json">'
        + json.dumps({"@type": "NewsArticle", "headline": "Library", "articleBody": article_body})
        + "</script></head><body><div id='app'></div></body></html>"
    )
    page = extract_page(snapshot(html.encode()))
    assert page.method == "jsonld-articlebody"
    assert page.text == article_body
    assert page.title == "Library"


def page_with(head: str, body: str = BODY, url: str = "https://news.example/story") -> datetime | None:
    html = f"<html><head>{head}</head><body><article>{body}</article></body></html>"
    return extract_html(html, url=url, fetched_at=FETCHED).published_at


JSONLD = '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "%s"}</script>'
META = '<meta property="article:published_time" content="%s">'
TIME = '<time datetime="%s">x</time>'


def test_date_order_of_trust() -> None:
    jsonld, meta, time_ = "2026-01-03T00:00:00Z", "2026-01-02T00:00:00Z", "2026-01-01T00:00:00Z"
    url = "https://news.example/2025/12/31/story"
    both = JSONLD % jsonld + META % meta
    assert page_with(both, TIME % time_ + BODY, url) == datetime(2026, 1, 3, tzinfo=UTC)
    assert page_with(META % meta, TIME % time_ + BODY, url) == datetime(2026, 1, 2, tzinfo=UTC)
    assert page_with("", TIME % time_ + BODY, url) == datetime(2026, 1, 1, tzinfo=UTC)
    assert page_with("", BODY, url) == datetime(2025, 12, 31, tzinfo=UTC)


def test_date_after_fetch_is_never_used() -> None:
    future = JSONLD % "2027-05-01T00:00:00Z"
    result = extract_html(
        f"<html><head>{future}{META % '2026-11-01T10:00:00+02:00'}</head>"
        f"<body><article>{BODY}</article></body></html>",
        url="https://news.example/story",
        fetched_at=FETCHED,
    )
    assert result.published_at == datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    assert result.published_source == "meta"
    only_future = extract_html(
        f"<html><head>{future}</head><body><article>{BODY}</article></body></html>",
        url="https://news.example/story",
        fetched_at=FETCHED,
    )
    assert only_future.published_at is None or only_future.published_at <= FETCHED


def test_unknown_date_is_none_with_source_none() -> None:
    html = f"<html><head><title>t</title></head><body><article>{BODY}</article></body></html>"
    page = extract_html(html, url="https://news.example/story", fetched_at=FETCHED)
    assert page.published_at is None
    assert page.published_source == "none"
    assert not page.date_reliable


def test_url_and_text_dates_are_not_reliable() -> None:
    html = f"<html><body><article>{BODY}</article></body></html>"
    page = extract_html(html, url="https://news.example/2024/03/05/story", fetched_at=FETCHED)
    assert page.published_source == "url"
    assert not page.date_reliable


def test_choose_dates_drops_an_update_before_publication() -> None:
    from lxml import html as lxml_html

    tree = lxml_html.document_fromstring(
        '<html><head><script type="application/ld+json">{"@type": "NewsArticle", '
        '"datePublished": "2026-02-02", "dateModified": "2026-02-01"}</script></head><body>x</body></html>'
    )
    published, source, reliable, updated = choose_dates(
        read_metadata(tree), url="https://news.example/x", html="", fetched_at=FETCHED
    )
    assert (published, source, reliable, updated) == (datetime(2026, 2, 2, tzinfo=UTC), "jsonld", True, None)


def test_normalise_text_nfc_zero_width_and_paragraphs() -> None:
    raw = "Bakı\u200b şəhəri\r\n\n\n  e\u0301te\u0301\u00ad  ok \nnext"
    assert normalise_text(raw) == "Bakı şəhəri\n\nété ok\n\nnext"


@pytest.mark.parametrize(
    ("title", "site", "expected"),
    [
        ("Water plan approved - The Daily", "The Daily", "Water plan approved"),
        ("Water plan approved | the daily", "The Daily", "Water plan approved"),
        ("Water plan approved", "The Daily", "Water plan approved"),
        ("The Daily", "The Daily", "The Daily"),
        ("Why The Daily", "The Daily", "Why The Daily"),
        (None, "The Daily", None),
        ("Water plan", None, "Water plan"),
    ],
)
def test_strip_site_name(title: str | None, site: str | None, expected: str | None) -> None:
    assert strip_site_name(title, site) == expected


def test_entities_in_metadata_are_unescaped_and_site_suffix_dropped() -> None:
    html = (
        "<html><head><meta property='og:site_name' content='Golem.de'>"
        "<meta property='og:title' content='Samsung soll Ger&amp;auml;te zerst&amp;ouml;ren - Golem.de'>"
        f"</head><body><article>{BODY}</article></body></html>"
    )
    page = extract_html(html, url="https://news.example/story", fetched_at=FETCHED)
    assert page.title == "Samsung soll Geräte zerstören"


def test_valid_utf8_wins_over_a_wrong_declaration() -> None:
    raw = "<html><head><meta charset='iso-8859-1'></head><body>sanción 促进</body></html>".encode()
    assert "sanción 促进" in decode_body(raw, "text/html; charset=iso-8859-1").text
    latin = "<p>sanción</p>".encode("latin-1")
    assert "sanción" in decode_body(latin, "text/html; charset=iso-8859-1").text
