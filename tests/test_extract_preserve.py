"""Text is preserved: odd bytes and odd trees lose only what is not text, never the article.

Each case states the outcome (an article, not ``extract_empty`` or ``not_html``) and the text kept.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from compare.charset import decode_body
from compare.extract import extract_html, extract_page, flatten_deep
from compare.models import Snapshot
from compare.service import pages
from compare.urls import safe_url

FETCHED = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
SENTENCES = [
    f"Paragraph {i}: the council met on day {i} and agreed to open the road to traffic again soon."
    for i in range(12)
]


def page(body: str, *, head: str = "") -> str:
    return (f"<html><head>{head}<title>Road</title></head><body><article><h1>Road</h1>"
            f"{body}</article></body></html>")


def paragraphs(sentences: list[str]) -> str:
    return "".join(f"<p>{s}</p>" for s in sentences)


def snapshot(body: bytes, content_type: str = "text/html") -> Snapshot:
    return Snapshot(sha256="0" * 64, url="https://news.example/a?utm_source=rss&id=3",
                    final_url="https://news.example/a?utm_source=rss&id=3", status=200,
                    headers={"content-type": content_type}, fetched_at=FETCHED, body=body,
                    content_type=content_type)


@pytest.mark.parametrize("char", ["\x01", "\x1b", "\ufffe", "\uffff", "\x00", "\x7f", "\x9b"])
def test_a_control_character_is_dropped_and_the_article_kept(char: str) -> None:
    text = paragraphs(SENTENCES[:3]).replace("council", f"coun{char}cil", 1)
    extracted = extract_html(page(text).replace("<title>Road", f"<title>Ro{char}ad"),
                             url="https://news.example/a", fetched_at=FETCHED)
    for sentence in SENTENCES[:3]:
        assert sentence in extracted.text
    assert char not in extracted.text and char not in (extracted.title or "")
    assert extracted.title == "Road"


def test_a_nul_in_the_first_2_kb_is_no_reason_to_call_a_page_binary() -> None:
    body = page(paragraphs(SENTENCES[:4])).replace("<article>", "<article>\x00").encode()
    extracted = extract_page(snapshot(body, "text/html; charset=utf-8"))
    assert all(s in extracted.text for s in SENTENCES[:4])


def test_a_few_invalid_bytes_keep_the_declared_utf8_and_every_accent() -> None:
    accented = [f"{s} Bakıda sanción, Ереван, Şuşa." for s in SENTENCES[:6]]
    html = page(paragraphs(accented), head='<meta charset="utf-8">').encode("utf-8")
    damaged = html.replace("Ереван".encode(), b"\xd0\x95\xd1\x80\xd0\xb5\xff" + "ван".encode(), 1)
    decoded = decode_body(damaged, "text/html; charset=utf-8")
    assert (decoded.encoding, decoded.source, decoded.replaced) == ("utf-8", "header", 1)
    extracted = extract_page(snapshot(damaged, "text/html; charset=utf-8"))
    assert "Bakıda sanción" in extracted.text and "Şuşa" in extracted.text
    assert "Ере\ufffdван" in extracted.text
    assert extracted.text.count("Ереван") == 5  # the other five, intact


def test_a_single_byte_page_mislabelled_utf8_is_still_detected() -> None:
    words = "Le café de la mairie a été rénové; les élèves déjà là écrivent à l'école. " * 20
    body = page(f"<p>{words}</p>").encode("cp1252")
    decoded = decode_body(body, "text/html; charset=utf-8")
    assert "café" in decoded.text and "\ufffd" not in decoded.text


def test_a_10000_deep_tree_keeps_its_text() -> None:
    deep = "<div>" * 10_000 + paragraphs(SENTENCES[2:10]) + "</div>" * 10_000
    html = page(paragraphs(SENTENCES[:2]) + deep + paragraphs(SENTENCES[10:]))
    extracted = extract_html(html, url="https://news.example/a", fetched_at=FETCHED)
    assert all(s in extracted.text for s in SENTENCES)


def test_flatten_deep_unwraps_below_the_limit_and_keeps_the_rest() -> None:
    html = "<b>a</b>" + "<div><span>" * 3 + "<br>x<img src=y>" + "</span></div>" * 3 + "<p>z</p>"
    assert flatten_deep(html, 2) == "<b>a</b><div><span><br>x<img src=y></span></div><p>z</p>"
    assert flatten_deep(html, 100) == html
    assert flatten_deep("<script>if (a<b) {}</script>" + "<i>" * 5, 1) == "<script>if (a<b) {}</script><i>"


def test_the_stored_url_is_spelled_as_the_fetcher_spells_it() -> None:
    body = page(paragraphs(SENTENCES[:4])).encode()
    assert extract_page(snapshot(body)).canonical_url == "https://news.example/a?id=3"
    declared = page(paragraphs(SENTENCES[:4]),
                    head='<link rel="canonical" href="/story/7?utm_medium=x&amp;fbclid=1#top">').encode()
    assert extract_page(snapshot(declared)).canonical_url == "https://news.example/story/7"


def test_one_safe_url_for_reports_and_pages() -> None:
    from compare.report import labels

    assert labels.safe_url is safe_url
    assert safe_url("javascript:alert(1)") is None and safe_url(None) is None and safe_url(3) is None
    assert safe_url('https://e.com/a"b)c') == "https://e.com/a%22b%29c"
    assert pages._environment().filters["safe_url"] is safe_url
