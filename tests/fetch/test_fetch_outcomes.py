"""Every fetch_log outcome, against real sockets: scripted hosts on 127.0.0.2-4."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import socket
from http.server import BaseHTTPRequestHandler

import pytest
from fetch_web import (
    LoopbackWeb,
    endless,
    gzipped,
    html,
    redirect,
    send,
    slow_drip,
    status,
    truncated,
)

from compare.fetch import Clients, Conditional, Fetcher, FetcherOptions, RetryPolicy
from compare.fetch.client import ClientOptions
from compare.models import FetchResult, Outcome, Politeness

UA = "newscompare-test/0.1 (+https://example.org/contact)"
PAGE = "<html><head><title>Corridor</title></head><body><p>The road reopened.</p></body></html>"
FAST = Politeness(min_delay=0.0, max_concurrency=4, connect_timeout=2.0, read_timeout=2.0,
                  total_timeout=5.0, max_bytes=200_000)
NO_RETRY = RetryPolicy(max_retries=0)


def fetch(
    url: str,
    politeness: Politeness = FAST,
    *,
    retry: RetryPolicy = NO_RETRY,
    conditional: Conditional | None = None,
    kind: str = "article",
) -> FetchResult:
    async def main() -> FetchResult:
        options = ClientOptions(user_agent=UA, connect_timeout=politeness.connect_timeout,
                                read_timeout=politeness.read_timeout)
        async with Clients(options) as clients:
            fetcher = Fetcher(clients, FetcherOptions(user_agent=UA, retry=retry))
            # The scripted web is on 127.0.0.x: allowed explicitly, as an outlet would.
            return await fetcher.fetch(url, outlet_id="t", politeness=politeness, kind=kind,
                                       conditional=conditional, allow_private=True)

    return asyncio.run(main())


def test_ok_carries_a_snapshot(loopback: LoopbackWeb) -> None:
    url = loopback.route(0, "/story", html(PAGE, headers={"ETag": '"e1"'}))
    result = fetch(url + "?utm_source=x#top")  # fetched as its canonical URL
    assert loopback.hits[-1].path == "/story"
    assert result.outcome is Outcome.OK
    assert (result.http_status, result.bytes, result.etag) == (200, len(PAGE), '"e1"')
    snap = result.snapshot
    assert snap is not None
    assert snap.body == PAGE.encode()
    assert snap.sha256 == hashlib.sha256(PAGE.encode()).hexdigest()
    assert snap.headers["content-type"] == "text/html; charset=utf-8"
    assert (snap.status, snap.encoding) == (200, "utf-8")
    assert result.elapsed_ms is not None and result.elapsed_ms >= 0
    assert loopback.hits[-1].headers["User-Agent"] == UA


def test_gzip_body_is_stored_decompressed(loopback: LoopbackWeb) -> None:
    url = loopback.route(0, "/gz", gzipped(PAGE.encode()))
    result = fetch(url)
    assert result.outcome is Outcome.OK
    assert result.snapshot is not None and result.snapshot.body == PAGE.encode()
    assert result.snapshot.headers["content-encoding"] == "gzip"


def test_wrong_charset_header_is_overruled(loopback: LoopbackWeb) -> None:
    body = '<html><head><meta charset="windows-1251"></head><body>Степанакерт</body></html>'
    url = loopback.route(0, "/cp1251", html(body.encode("cp1251")))  # header says utf-8
    result = fetch(url)
    assert result.outcome is Outcome.OK
    assert result.snapshot is not None and result.snapshot.encoding == "cp1251"


def test_not_modified(loopback: LoopbackWeb) -> None:
    def conditional(req: BaseHTTPRequestHandler) -> None:
        if req.headers.get("If-None-Match") == '"v2"':
            send(req, b"", status=304, headers={"ETag": '"v2"'})
        else:
            send(req, PAGE.encode(), headers={"ETag": '"v2"'})

    url = loopback.route(0, "/cond", conditional)
    result = fetch(url, conditional=Conditional(etag='"v2"'))
    assert (result.outcome, result.http_status, result.snapshot) == (Outcome.NOT_MODIFIED, 304, None)
    assert fetch(url).outcome is Outcome.OK


@pytest.mark.parametrize(
    ("code", "outcome"),
    [(404, Outcome.HTTP_ERROR), (410, Outcome.HTTP_ERROR), (500, Outcome.HTTP_ERROR),
     (403, Outcome.BLOCKED), (401, Outcome.PAYWALL), (402, Outcome.PAYWALL),
     (451, Outcome.PAYWALL)],
)
def test_status_codes(loopback: LoopbackWeb, code: int, outcome: Outcome) -> None:
    result = fetch(loopback.route(0, f"/s{code}", status(code)))
    assert (result.outcome, result.http_status, result.snapshot) == (outcome, code, None)


def test_retried_503_ends_as_http_error(loopback: LoopbackWeb) -> None:
    url = loopback.route(0, "/busy", status(503, headers={"Retry-After": "0"}))
    result = fetch(url, retry=RetryPolicy(max_retries=2, backoff=0.01))
    assert (result.outcome, result.attempts) == (Outcome.HTTP_ERROR, 3)
    assert loopback.count(0, "/busy") == 3


def test_challenge_pages_are_blocked(loopback: LoopbackWeb) -> None:
    challenge = ("<html><head><title>Just a moment...</title></head><body>"
                 "<script src='/cdn-cgi/challenge-platform/h/b/orchestrate'></script></body></html>")
    assert fetch(loopback.route(0, "/c200", html(challenge))).outcome is Outcome.BLOCKED
    url = loopback.route(0, "/c503", status(503, headers={"cf-mitigated": "challenge"}))
    result = fetch(url, retry=RetryPolicy(max_retries=2, backoff=0.01))
    assert (result.outcome, result.attempts) == (Outcome.BLOCKED, 1)  # no point retrying


def test_slow_drip_body_hits_the_total_timeout(loopback: LoopbackWeb) -> None:
    url = loopback.route(0, "/drip", slow_drip(chunks=100, pause=0.05))
    slow = Politeness(min_delay=0, read_timeout=1.0, total_timeout=0.6, max_bytes=200_000)
    result = fetch(url, slow)
    assert result.outcome is Outcome.TIMEOUT
    assert result.elapsed_ms is not None and result.elapsed_ms < 3000
    assert "total timeout" in (result.error or "")


def test_read_timeout(loopback: LoopbackWeb) -> None:
    url = loopback.route(0, "/stall", slow_drip(chunks=2, pause=1.5))
    result = fetch(url, Politeness(min_delay=0, read_timeout=0.3, total_timeout=5.0))
    assert result.outcome is Outcome.TIMEOUT


def test_declared_length_over_the_cap(loopback: LoopbackWeb) -> None:
    url = loopback.route(0, "/big", html("x" * 5000))
    result = fetch(url, Politeness(min_delay=0, max_bytes=1000))
    assert (result.outcome, result.http_status, result.snapshot) == (Outcome.TOO_LARGE, 200, None)


def test_endless_body_stopped_while_streaming(loopback: LoopbackWeb) -> None:
    url = loopback.route(0, "/endless", endless())
    result = fetch(url, Politeness(min_delay=0, max_bytes=300_000, total_timeout=10.0))
    assert result.outcome is Outcome.TOO_LARGE
    assert "body over 300000 bytes" in (result.error or "")


def test_gzip_bomb_is_capped_on_decompressed_size(loopback: LoopbackWeb) -> None:
    url = loopback.route(0, "/bomb", gzipped(b"<html>" + b"a" * 2_000_000))
    result = fetch(url, Politeness(min_delay=0, max_bytes=100_000))
    assert result.outcome is Outcome.TOO_LARGE


@pytest.mark.parametrize("content_type", ["application/pdf", "image/png", "application/json"])
def test_not_html(loopback: LoopbackWeb, content_type: str) -> None:
    url = loopback.route(0, "/file", html(b"%PDF-1.7 ...", content_type=content_type))
    result = fetch(url)
    assert (result.outcome, result.snapshot) == (Outcome.NOT_HTML, None)


def test_missing_content_type_is_sniffed(loopback: LoopbackWeb) -> None:
    assert fetch(loopback.route(0, "/nt", html(PAGE, content_type=None))).outcome is Outcome.OK
    binary = loopback.route(0, "/bin", html(b"\x89PNG\r\n\x1a\n....", content_type=None))
    assert fetch(binary).outcome is Outcome.NOT_HTML


def test_feeds_are_not_held_to_html(loopback: LoopbackWeb) -> None:
    url = loopback.route(0, "/feed", html(b"<rss/>", content_type="application/rss+xml"))
    result = fetch(url, kind="feed")
    assert (result.outcome, result.kind) == (Outcome.OK, "feed")


def test_redirect_across_hosts_is_followed(loopback: LoopbackWeb) -> None:
    target = loopback.route(1, "/new", html(PAGE))
    url = loopback.route(0, "/old", redirect(target, 301))
    result = fetch(url)
    assert result.outcome is Outcome.OK
    assert result.url == url
    assert result.snapshot is not None and result.snapshot.final_url == target


def test_redirect_loop(loopback: LoopbackWeb) -> None:
    loopback.route(0, "/r1", redirect("/r2"))
    loopback.route(0, "/r2", redirect(loopback.url(1, "/r3")))
    loopback.route(1, "/r3", redirect(loopback.url(0, "/r1?utm_source=loop")))
    result = fetch(loopback.url(0, "/r1"))
    assert result.outcome is Outcome.REDIRECT_LOOP
    assert loopback.count(0, "/r1") == 1


def test_too_many_redirects(loopback: LoopbackWeb) -> None:
    for i in range(15):
        loopback.route(0, f"/hop{i}", redirect(f"/hop{i + 1}"))
    result = fetch(loopback.url(0, "/hop0"))
    assert result.outcome is Outcome.REDIRECT_LOOP
    assert "more than 10 redirects" in (result.error or "")


def test_redirect_off_the_web_is_invalid(loopback: LoopbackWeb) -> None:
    url = loopback.route(0, "/ftp", redirect("ftp://127.0.0.2/file"))
    assert fetch(url).outcome is Outcome.INVALID_URL


def test_robots_disallowed_and_checked_on_redirect_hops(loopback: LoopbackWeb) -> None:
    loopback.route(1, "/robots.txt", html("User-agent: *\nDisallow: /private\n",
                                          content_type="text/plain"))
    private = loopback.route(1, "/private/a", html(PAGE))
    assert fetch(private).outcome is Outcome.ROBOTS_DISALLOWED
    hop = loopback.route(0, "/to-private", redirect(private))
    assert fetch(hop).outcome is Outcome.ROBOTS_DISALLOWED
    assert loopback.count(1, "/private/a") == 0


def test_connection_refused(loopback: LoopbackWeb) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.2", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    url = f"http://127.0.0.2:{port}/x"
    # robots.txt is the first thing asked; a host that cannot be reached is reported as such
    result = fetch(url, retry=RetryPolicy(max_retries=1, backoff=0.01))
    assert result.outcome is Outcome.CONNECTION_ERROR
    assert "robots.txt unreachable" in (result.error or "")
    no_robots = Politeness(min_delay=0, respect_robots=False)
    result = fetch(url, no_robots, retry=RetryPolicy(max_retries=1, backoff=0.01))
    assert (result.outcome, result.attempts) == (Outcome.CONNECTION_ERROR, 2)


def test_truncated_body_is_a_connection_error(loopback: LoopbackWeb) -> None:
    url = loopback.route(0, "/cut", truncated(declared=10_000, sent=b"<html><body>only the st"))
    result = fetch(url)
    assert result.outcome is Outcome.CONNECTION_ERROR
    assert result.snapshot is None


def test_tls_error_against_a_plain_http_server(loopback: LoopbackWeb) -> None:
    loopback.route(0, "/x", html(PAGE))
    url = loopback.url(0, "/x").replace("http://", "https://")
    result = fetch(url, Politeness(min_delay=0, respect_robots=False, connect_timeout=2.0))
    assert result.outcome is Outcome.TLS_ERROR


@pytest.mark.parametrize("url", ["ftp://127.0.0.2/x", "http://", "not a url", "http://a b/"])
def test_invalid_url(url: str) -> None:
    result = fetch(url)
    assert (result.outcome, result.attempts) == (Outcome.INVALID_URL, 0)


def test_gzipped_sitemap_kept_as_sent(loopback: LoopbackWeb) -> None:
    data = gzip.compress(b"<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'/>")
    url = loopback.route(0, "/sitemap.xml.gz", html(data, content_type="application/gzip"))
    result = fetch(url, kind="feed")
    assert result.outcome is Outcome.OK
    assert result.snapshot is not None and result.snapshot.body == data
