"""Bad input never crashes extraction: each case ends in an outcome, in bounded time."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from compare.errors import ExtractError
from compare.extract import MAX_HTML_CHARS, extract_page
from compare.models import Snapshot

FETCHED = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
PARAGRAPH = (
    "<p>The regional council approved the new water plan on Monday after a long debate, "
    "and officials said the first pipes would be laid in the spring of next year.</p>"
)


def snapshot(body: bytes, *, content_type: str | None = "text/html") -> Snapshot:
    headers = {"content-type": content_type} if content_type else {}
    return Snapshot(
        sha256="0" * 64,
        url="https://news.example/a",
        final_url="https://news.example/a",
        status=200,
        headers=headers,
        fetched_at=FETCHED,
        body=body,
        content_type=content_type,
    )


def article_html(body: str) -> bytes:
    return (
        f"<html><head><title>Water plan</title></head><body><article>{body}</article></body></html>".encode()
    )


@pytest.mark.parametrize(
    ("body", "content_type", "outcome"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "text/html", "not_html"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", None, "not_html"),
        (bytes(range(256)) * 8, None, "not_html"),
        (b"<html><body><p>hi</p></body></html>", "image/jpeg", "not_html"),
        (b"", "text/html", "extract_empty"),
        (b"   \n\t  ", "text/html", "extract_empty"),
        (b"<html><head></head><body></body></html>", "text/html", "extract_empty"),
        (b"<html><body><nav><a href='/'>Home</a></nav></body></html>", "text/html", "extract_empty"),
    ],
)
def test_bad_bodies_give_an_outcome(body: bytes, content_type: str | None, outcome: str) -> None:
    with pytest.raises(ExtractError) as info:
        extract_page(snapshot(body, content_type=content_type))
    assert info.value.outcome == outcome
    assert info.value.url == "https://news.example/a"


def test_invalid_utf8_is_replaced_not_fatal() -> None:
    body = article_html(PARAGRAPH * 6).replace(b"Monday", b"Mon\xff\xfeday")
    page = extract_page(snapshot(body, content_type="text/html; charset=utf-8"))
    assert "\ufffd" in page.text
    assert "water plan" in page.text


def test_latin1_page_is_decoded_from_meta_charset() -> None:
    html = "<html><head><meta charset='iso-8859-1'></head><body><article>"
    html += (
        "<p>Le conseil régional a approuvé le plan d'eau lundi après un long débat, et les "
        "responsables ont déclaré que les premiers tuyaux seraient posés au printemps.</p>"
    ) * 5
    html += "</article></body></html>"
    page = extract_page(snapshot(html.encode("latin-1"), content_type="text/html"))
    assert "régional" in page.text


def test_deeply_nested_page_does_not_crash() -> None:
    depth = 20_000
    body = b"<html><body>" + b"<div>" * depth + article_html(PARAGRAPH * 5) + b"</div>" * depth
    started = time.perf_counter()
    try:
        page = extract_page(snapshot(body))
    except ExtractError as exc:  # an outcome is fine; a crash or a hang is not
        assert exc.outcome in {"extract_empty", "not_html"}
    else:
        assert "water plan" in page.text
    assert time.perf_counter() - started < 30


def test_twenty_megabyte_page_is_cut_and_bounded() -> None:
    filler = b"<div class='related'><a href='/x'>Other story about something else</a></div>\n"
    body = article_html(PARAGRAPH * 8) + filler * (20_000_000 // len(filler))
    assert len(body) > 20_000_000
    started = time.perf_counter()
    page = extract_page(snapshot(body))
    elapsed = time.perf_counter() - started
    assert page.truncated
    assert "water plan" in page.text
    assert elapsed < 60, f"20 MB page took {elapsed:.1f} s"


def test_cap_is_documented_size() -> None:
    assert 500_000 <= MAX_HTML_CHARS <= 5_000_000


def test_page_in_unexpected_language_is_flagged_not_refused() -> None:
    text = (
        "<p>Hükumət kənd təsərrüfatı üçün əlavə vəsait ayırmağı qərara alıb və nazirlik yeni "
        "proqramın gələn ildən başlayacağını bildirib.</p>"
    ) * 5
    page = extract_page(snapshot(article_html(text)), outlet_language="en")
    assert page.language_detected == "az"
    assert page.language_declared == "en"
    assert page.language_mismatch
