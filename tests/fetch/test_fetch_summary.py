"""Summaries (what the CLI prints and its exit code) and the per-origin clients."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx

from compare.fetch import Clients, FetchSummary, OutletSummary, render_summary
from compare.fetch.client import ClientOptions
from compare.fetch.summary import Tally
from compare.models import FetchResult, Outcome


def result(outcome: Outcome, kind: str = "article") -> FetchResult:
    return FetchResult(url="https://e.test/x", outlet_id="e", outcome=outcome,
                       fetched_at=datetime(2026, 11, 29, tzinfo=UTC), kind=kind)


def tally(*results: FetchResult) -> OutletSummary:
    counts = Tally("e")
    for r in results:
        counts.add(r)
    return counts.freeze()


def test_counts_by_outcome() -> None:
    summary = tally(result(Outcome.OK), result(Outcome.OK), result(Outcome.NOT_MODIFIED),
                    result(Outcome.SKIPPED_FRESH), result(Outcome.TIMEOUT),
                    result(Outcome.PAYWALL), result(Outcome.PAYWALL),
                    result(Outcome.OK, "feed"), result(Outcome.HTTP_ERROR, "sitemap"))
    assert (summary.fetched, summary.unchanged) == (2, 2)
    assert summary.failed == {"paywall": 2, "timeout": 1}
    assert (summary.feeds, summary.feeds_failed) == (2, {"http_error": 1})
    assert not summary.failed_entirely


def test_failed_entirely() -> None:
    assert tally(result(Outcome.BLOCKED, "feed")).failed_entirely
    assert tally(result(Outcome.TIMEOUT), result(Outcome.DNS_ERROR)).failed_entirely
    # feeds fine but every article unreadable: nothing could be read, the outlet failed
    assert tally(result(Outcome.OK, "feed"), result(Outcome.PAYWALL)).failed_entirely
    assert not tally(result(Outcome.OK, "feed"), result(Outcome.PAYWALL),
                     result(Outcome.OK)).failed_entirely
    # nothing new to fetch is not a failure; neither is an outlet with nothing configured
    assert not tally(result(Outcome.NOT_MODIFIED, "feed")).failed_entirely
    assert not tally().failed_entirely
    assert not tally(result(Outcome.BLOCKED, "feed"), result(Outcome.SKIPPED_FRESH)).failed_entirely


def test_exit_code_and_table() -> None:
    from rich.console import Console

    good = OutletSummary("good", discovered=3, fetched=3)
    bad = OutletSummary("bad", feeds=1, feeds_failed={"dns_error": 1})
    summary = FetchSummary((good, bad), seconds=1.5)
    assert (summary.any_outlet_failed, summary.exit_code) == (True, 1)
    assert FetchSummary((good,)).exit_code == 0
    assert summary.outlet("bad") is bad and summary.outlet("nope") is None
    console = Console(width=160, record=True)
    console.print(render_summary(summary))
    text = console.export_text()
    assert "bad (failed)" in text and "dns_error 1" in text and "good" in text


def test_one_client_per_origin() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200)

    async def main() -> tuple[int, int, bool]:
        clients = Clients(ClientOptions(user_agent="t/1"), transport=httpx.MockTransport(handler))
        async with clients:
            a = clients.get("https://a.test/1")
            assert clients.get("https://a.test/2?x") is a
            b = clients.get("https://a.test:8443/1")
            clients.get("http://a.test/1")
            await a.get("https://a.test/1")
            count = len(clients)
        return count, len(clients), a.is_closed and b.is_closed

    assert asyncio.run(main()) == (3, 0, True)
    assert seen == ["https://a.test/1"]
