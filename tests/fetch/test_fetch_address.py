"""The address policy: non-public hosts refused everywhere a URL can come from; pinned connections.

Every test here runs against ``httpx.MockTransport`` or httpcore's mock network backend with a
stub resolver: no request is ever sent to any of the addresses named below.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable, Sequence
from typing import Any

import httpcore
import httpx
import pytest
from fetch_web import PUBLIC_ADDRESS, public_resolver

from compare.fetch import Clients, Fetcher, FetcherOptions, RetryPolicy, fetch_sources
from compare.fetch.address import (
    AddressBook,
    AddressRefused,
    address_problem,
    numeric_host,
)
from compare.fetch.client import ClientOptions, pinned_transport
from compare.models import Feed, FetchResult, Outcome, Outlet, Politeness, Sources

UA = "newscompare-test/0.1 (+https://example.org/contact)"
PAGE = b"<html><head><title>t</title></head><body><p>text</p></body></html>"
HTML = {"content-type": "text/html; charset=utf-8"}
POLITE = Politeness(min_delay=0)

# (URL, what the refusal says): every spelling of a non-public host we know of.
ATTACKS = [
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://10.0.0.1/", "private"),
    ("http://172.16.5.4/", "private"),
    ("http://192.168.1.1/admin", "private"),
    ("http://100.64.0.1/", "shared"),
    ("http://100.127.255.254/", "shared"),
    ("http://127.0.0.1/", "loopback"),
    ("http://127.8.9.10:8080/", "loopback"),
    ("http://localhost/", "loopback name"),
    ("http://LOCALHOST./", "loopback name"),
    ("http://api.localhost/", "loopback name"),
    ("http://[::1]/", "loopback"),
    ("http://[fe80::1]/", "link-local"),
    ("http://[fc00::1]/", "private"),
    ("http://[fec0::1]/", "private"),
    ("http://[::ffff:127.0.0.1]/", "loopback"),
    ("http://[::ffff:a9fe:a9fe]/", "link-local"),
    ("http://[64:ff9b::7f00:1]/", "loopback"),
    ("http://[2002:7f00:1::]/", "loopback"),
    ("http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "tunnelled"),
    ("http://2130706433/", "loopback"),
    ("http://0x7f000001/", "loopback"),
    ("http://0x7f.0.0.1/", "loopback"),
    ("http://0177.0.0.1/", "loopback"),
    ("http://017700000001/", "loopback"),
    ("http://127.1/", "loopback"),
    ("http://0/", "unspecified"),
    ("http://0.0.0.0/", "unspecified"),
    ("http://[::]/", "unspecified"),
    ("http://224.0.0.1/", "multicast"),
    ("http://[ff02::1]/", "multicast"),
    ("http://240.0.0.1/", "reserved"),
    ("http://255.255.255.255/", "reserved"),
    ("http://1.2.3.999/", "neither a host name nor an IPv4 address"),
]


class Web:
    """A MockTransport handler that answers by URL and records every request it receives."""

    def __init__(self, routes: dict[str, Callable[[httpx.Request], httpx.Response]] | None = None):
        self.routes = routes or {}
        self.requests: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(str(request.url))
        route = self.routes.get(str(request.url))
        return route(request) if route else httpx.Response(404)


def resolver_of(table: dict[str, Sequence[str]], calls: list[str] | None = None) -> Any:
    async def resolve(host: str, port: int) -> Sequence[str]:
        if calls is not None:
            calls.append(host)
        return table.get(host, [PUBLIC_ADDRESS])

    return resolve


def fetch_all(
    web: Web, urls: Sequence[str], *, allow_private: bool = False, resolver: Any = public_resolver,
    politeness: Politeness = POLITE,
) -> list[FetchResult]:
    async def main() -> list[FetchResult]:
        async with Clients(ClientOptions(user_agent=UA), transport=httpx.MockTransport(web),
                           resolver=resolver) as clients:
            fetcher = Fetcher(clients, FetcherOptions(user_agent=UA, retry=RetryPolicy(max_retries=0)))
            return [await fetcher.fetch(u, outlet_id="o", politeness=politeness,
                                        allow_private=allow_private) for u in urls]

    return asyncio.run(main())


@pytest.mark.parametrize(("url", "why"), ATTACKS, ids=[a[0] for a in ATTACKS])
def test_non_public_hosts_are_refused_before_any_request(url: str, why: str) -> None:
    web = Web()
    (result,) = fetch_all(web, [url])
    assert result.outcome is Outcome.BLOCKED_ADDRESS, result.error
    assert why in (result.error or "")
    assert result.snapshot is None
    assert web.requests == []  # not even robots.txt


@pytest.mark.parametrize("answers", [["10.1.2.3"], ["127.0.0.1"], [PUBLIC_ADDRESS, "192.168.0.7"],
                                     ["::ffff:169.254.169.254"], ["fd00::5"]])
def test_names_resolving_to_non_public_addresses_are_refused(answers: list[str]) -> None:
    web = Web()
    (result,) = fetch_all(web, ["https://intranet.example/x"],
                          resolver=resolver_of({"intranet.example": answers}))
    assert result.outcome is Outcome.BLOCKED_ADDRESS
    assert "intranet.example resolves to" in (result.error or "")
    assert web.requests == []


def test_a_public_host_is_fetched() -> None:
    web = Web({"https://news.example/a": lambda r: httpx.Response(200, content=PAGE, headers=HTML)})
    (result,) = fetch_all(web, ["https://news.example/a"])
    assert result.outcome is Outcome.OK
    assert web.requests == ["https://news.example/robots.txt", "https://news.example/a"]


@pytest.mark.parametrize("target", ["http://169.254.169.254/latest/meta-data/",
                                    "http://[::ffff:127.0.0.1]:8080/admin", "http://localhost/"])
def test_a_redirect_to_a_non_public_host_is_refused(target: str) -> None:
    web = Web({"https://news.example/a": lambda r: httpx.Response(302, headers={"location": target})})
    (result,) = fetch_all(web, ["https://news.example/a"])
    assert result.outcome is Outcome.BLOCKED_ADDRESS
    assert web.requests == ["https://news.example/robots.txt", "https://news.example/a"]


def test_a_robots_txt_redirect_to_a_non_public_host_is_not_followed() -> None:
    web = Web({
        "https://news.example/robots.txt":
            lambda r: httpx.Response(301, headers={"location": "http://10.0.0.8/robots.txt"}),
        "https://news.example/a": lambda r: httpx.Response(200, content=PAGE, headers=HTML),
    })
    (result,) = fetch_all(web, ["https://news.example/a"])
    assert not any("10.0.0.8" in u for u in web.requests)
    assert result.outcome is Outcome.BLOCKED_ADDRESS  # robots.txt unreachable: the host is not read
    assert result.snapshot is None


def _rss(*links: str) -> bytes:
    items = "".join(f"<item><title>t</title><link>{link}</link></item>" for link in links)
    rss = f'<?xml version="1.0"?><rss version="2.0"><channel><title>f</title>{items}</channel></rss>'
    return rss.encode()


def _sitemap_index(*children: str) -> bytes:
    body = "".join(f"<sitemap><loc>{c}</loc></sitemap>" for c in children)
    return f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</sitemapindex>'.encode()


def _outlet(feed: str, *, allow_private: bool = False, kind: str = "rss") -> Outlet:
    return Outlet(id="o", name="O", homepage="https://news.example/", language="en", country="AZ",
                  feeds=(Feed(feed, kind=kind),), politeness=POLITE,
                  allow_private_addresses=allow_private)


def test_feed_entries_and_sitemap_children_on_non_public_hosts_are_refused() -> None:
    feed = "https://news.example/feed.xml"
    index = "https://news.example/sitemap.xml"
    evil = ["http://169.254.169.254/latest/meta-data/", "http://2130706433/x", "http://[::1]/y",
            "https://news.example/fine"]
    web = Web({
        feed: lambda r: httpx.Response(200, content=_rss(*evil),
                                       headers={"content-type": "application/rss+xml"}),
        index: lambda r: httpx.Response(200, content=_sitemap_index("http://192.168.0.1/sm.xml"),
                                        headers={"content-type": "application/xml"}),
        "https://news.example/fine": lambda r: httpx.Response(200, content=PAGE, headers=HTML),
    })
    outlet = Outlet(id="o", name="O", homepage="https://news.example/", language="en", country="AZ",
                    feeds=(Feed(feed), Feed(index, kind="sitemap")), politeness=POLITE)
    results: list[FetchResult] = []
    fetch_sources(Sources(path="t", outlets=(outlet,), defaults=POLITE), on_result=results.append,
                  transport=httpx.MockTransport(web), resolver=public_resolver)
    outcomes = {r.url: r.outcome for r in results}
    assert outcomes["https://news.example/fine"] is Outcome.OK
    for url in evil[:3]:
        assert outcomes[url] is Outcome.BLOCKED_ADDRESS
    assert outcomes["http://192.168.0.1/sm.xml"] is Outcome.BLOCKED_ADDRESS
    assert web.requests and all(u.startswith("https://news.example/") for u in web.requests)


def test_an_outlet_that_allows_private_addresses_reaches_loopback_but_never_link_local() -> None:
    page = lambda r: httpx.Response(200, content=PAGE, headers=HTML)  # noqa: E731
    web = Web({"http://127.0.0.5:8000/a": page, "http://10.1.1.1/b": page})
    allowed = fetch_all(web, ["http://127.0.0.5:8000/a", "http://10.1.1.1/b", "http://localhost:9/c",
                              "http://169.254.169.254/", "http://224.0.0.1/", "http://0.0.0.0/"],
                        allow_private=True, resolver=resolver_of({"localhost": ["127.0.0.1"]}))
    assert [r.outcome for r in allowed] == [Outcome.OK, Outcome.OK, Outcome.HTTP_ERROR,
                                            Outcome.BLOCKED_ADDRESS, Outcome.BLOCKED_ADDRESS,
                                            Outcome.BLOCKED_ADDRESS]


def test_each_host_is_resolved_once_per_run_whatever_it_answers_later() -> None:
    calls: list[str] = []
    answers = iter([[PUBLIC_ADDRESS], ["127.0.0.1"]])  # a rebinding name: public, then loopback

    async def rebinding(host: str, port: int) -> Sequence[str]:
        calls.append(host)
        return next(answers)

    page = lambda r: httpx.Response(200, content=PAGE, headers=HTML)  # noqa: E731
    web = Web({"https://rebind.example/a": page, "https://rebind.example/b": page})
    results = fetch_all(web, ["https://rebind.example/a", "https://rebind.example/b"], resolver=rebinding)
    assert [r.outcome for r in results] == [Outcome.OK, Outcome.OK]
    assert calls == ["rebind.example"]


class RecordingStream(httpcore.AsyncMockStream):
    def __init__(self, buffer: list[bytes], log: dict[str, Any]) -> None:
        super().__init__(buffer)
        self.log = log

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.log.setdefault("written", b"")
        self.log["written"] += buffer

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        self.log["sni"] = server_hostname
        return self


class RecordingBackend(httpcore.AsyncMockBackend):
    """httpcore's mock network: records where it was asked to connect, answers one response."""

    def __init__(self) -> None:
        super().__init__([b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"])
        self.log: dict[str, Any] = {"connects": []}

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None, socket_options: Any = None) -> Any:
        self.log["connects"].append((host, port))
        return RecordingStream(list(self._buffer), self.log)


def test_the_connection_goes_to_the_checked_address_with_the_host_name_kept() -> None:
    book = AddressBook(resolver_of({"news.example": [PUBLIC_ADDRESS]}))
    backend = RecordingBackend()

    async def main() -> httpx.Response:
        await book.check("news.example", 443)
        transport = pinned_transport(book, ClientOptions(user_agent=UA), backend=backend)
        async with httpx.AsyncClient(transport=transport) as client:
            return await client.get("https://news.example/story?id=1")

    response = asyncio.run(main())
    assert response.text == "ok"
    assert backend.log["connects"] == [(PUBLIC_ADDRESS, 443)]
    assert backend.log["sni"] == "news.example"  # TLS names the host, not the address
    assert b"Host: news.example\r\n" in backend.log["written"]
    assert backend.log["written"].startswith(b"GET /story?id=1 HTTP/1.1")


def test_the_transport_refuses_a_host_that_was_never_checked() -> None:
    book = AddressBook(public_resolver)
    backend = RecordingBackend()

    async def main() -> None:
        transport = pinned_transport(book, ClientOptions(user_agent=UA), backend=backend)
        async with httpx.AsyncClient(transport=transport) as client:
            await client.get("https://unchecked.example/")

    with pytest.raises(AddressRefused, match="not checked"):
        asyncio.run(main())
    assert backend.log["connects"] == []


@pytest.mark.parametrize(("host", "address"), [
    ("2130706433", "127.0.0.1"), ("0x7f000001", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"),
    ("127.1", "127.0.0.1"), ("127.0.1", "127.0.0.1"), ("0x7f.1", "127.0.0.1"),
    ("3232235777", "192.168.1.1"), ("[::1]", "::1"), ("8.8.8.8", "8.8.8.8"),
    ("0", "0.0.0.0"), ("example.com", None), ("1.example", None), ("xn--80ak6aa92e.com", None),
])
def test_numeric_host_reads_every_spelling(host: str, address: str | None) -> None:
    found = numeric_host(host)
    assert (str(found) if found is not None else None) == address


def test_address_problem_names_the_kind_and_allows_only_what_it_may() -> None:
    assert address_problem("8.8.8.8") is None
    assert address_problem("2606:4700::1111") is None
    assert address_problem("127.0.0.1") == "127.0.0.1 is a loopback address"
    assert address_problem("100.64.0.1") == "100.64.0.1 is a shared address"
    assert address_problem("127.0.0.1", allow_private=True) is None
    assert address_problem("10.0.0.1", allow_private=True) is None
    assert address_problem("169.254.169.254", allow_private=True) == "169.254.169.254 is a link-local address"
    assert address_problem("ff02::1", allow_private=True) == "ff02::1 is a multicast address"
