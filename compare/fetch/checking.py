"""``newscompare sources check``: probe each outlet's feeds, discover more, and say what to keep.

:func:`check_outlets` reads every outlet's configured feeds and, when none of them is a working
article feed, discovers more (:class:`~compare.fetch.finding.Finder`), all outlets at once, each
host politely and under the address policy. :func:`plan_edit` turns one outlet's
:class:`~compare.fetch.ranking.Finding` into the :class:`~compare.models.OutletEdit` that
``--write`` applies; :func:`render_check` and :func:`finding_json` show it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from compare.config import DEFAULT_USER_AGENT
from compare.fetch.address import Resolver
from compare.fetch.client import ClientOptions, Clients
from compare.fetch.fetcher import Fetcher, FetcherOptions
from compare.fetch.finding import Finder
from compare.fetch.ranking import FeedCandidate, FeedProbe, Finding, feed_is_missing
from compare.models import Feed, Outlet, OutletEdit, Sources

if TYPE_CHECKING:
    import httpx
    from rich.table import Table

__all__ = ["check_outlets", "finding_json", "plan_edit", "render_check"]


async def acheck_outlets(
    sources: Sources,
    outlets: Sequence[Outlet],
    *,
    user_agent: str = DEFAULT_USER_AGENT,
    transport: httpx.AsyncBaseTransport | None = None,
    resolver: Resolver | None = None,
    now: Callable[[], datetime] | None = None,
) -> list[Finding]:
    """The async form of :func:`check_outlets`."""
    options = ClientOptions(user_agent=user_agent, connect_timeout=sources.defaults.connect_timeout,
                            read_timeout=sources.defaults.read_timeout)
    async with Clients(options, transport=transport, resolver=resolver) as clients:
        fetcher = Fetcher(clients, FetcherOptions(user_agent=user_agent),
                          now=now or (lambda: datetime.now(UTC)))
        finder = Finder(fetcher, now=now)

        async def one(outlet: Outlet) -> Finding:
            configured = [FeedCandidate(f.url, origin="configured", kind=f.kind, section=f.section)
                          for f in outlet.feeds]
            return await finder.find(outlet, configured=configured)

        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(one(o)) for o in outlets]
    return [t.result() for t in tasks]


def check_outlets(
    sources: Sources,
    outlets: Sequence[Outlet],
    *,
    user_agent: str = DEFAULT_USER_AGENT,
    transport: httpx.AsyncBaseTransport | None = None,
    resolver: Resolver | None = None,
    now: Callable[[], datetime] | None = None,
) -> list[Finding]:
    """One :class:`Finding` per outlet, in order: its configured feeds probed, then (when none
    is a working article feed) discovery. Never raises for what a site did."""
    return asyncio.run(acheck_outlets(sources, outlets, user_agent=user_agent,
                                      transport=transport, resolver=resolver, now=now))


def _kind(probe: FeedProbe) -> str:
    return probe.kind if probe.kind in ("rss", "atom", "sitemap", "news-sitemap") else "rss"


def plan_edit(finding: Finding, *, today: str) -> OutletEdit | None:
    """What ``--write`` changes for one outlet; ``None`` when nothing works (left as it was).

    A configured feed that works but moved permanently gets its new address. One that is gone
    (4xx, HTML instead of a feed, a redirect loop, robots.txt) moves to ``failed_feeds``; one
    that failed in a way that may pass (timeouts, 5xx) or answered with nothing usable
    (empty, comments, another language) stays. Discovered feeds that were chosen are added.
    """
    if not finding.ok:
        return None
    configured = [p for p in finding.probes if p.candidate.origin == "configured"]
    moved = tuple((p.candidate.url, p.moved_to) for p in configured
                  if p.moved_to and p.works and p.moved_to != p.candidate.url)
    failed = tuple((p.candidate.url, f"{today}: {p.outcome}"
                    + (f" {p.http_status}" if p.http_status and p.outcome == "http_error" else ""))
                   for p in configured if feed_is_missing(p.outcome, p.http_status))
    kept = {p.url for p in configured}
    added = tuple(Feed(url=p.url, kind=_kind(p)) for p in finding.chosen
                  if p.candidate.origin != "configured" and p.url not in kept)
    return OutletEdit(finding.outlet_id, added=added, moved=moved, failed=failed,
                      verified_on=today)


def _date(when: datetime | None) -> str:
    return when.strftime("%Y-%m-%d %H:%M") if when else "-"


def render_check(finding: Finding, outlet: Outlet) -> Table:
    """One outlet's table: each feed tried, its status, items, newest item, language, verdict."""
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    state = "[green]working feed[/]" if finding.ok else "[bold red]no working feed[/]"
    table = Table(title=f"{escape(outlet.id)} ({escape(outlet.name)}): {state}",
                  box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("feed", overflow="fold")
    table.add_column("from")
    table.add_column("status")
    table.add_column("items", justify="right")
    table.add_column("newest")
    table.add_column("lang seen/declared")
    table.add_column("verdict", overflow="fold")
    for i, probe in enumerate(finding.probes, start=1):
        status = probe.outcome + (f" {probe.http_status}" if probe.http_status else "")
        kind = f" ({probe.kind})" if probe.kind else ""
        verdict = ("[bold]use[/] · " if probe.chosen else "") + escape(probe.verdict)
        table.add_row(str(i), escape(probe.candidate.url) + kind, probe.candidate.origin,
                      escape(status), str(probe.items) if probe.kind else "-",
                      _date(probe.newest), f"{escape(probe.language or '?')}/{outlet.language}",
                      verdict)
    if not finding.probes:
        table.add_row("-", escape(outlet.homepage or "(no homepage)"), "homepage",
                      escape(finding.home.outcome.value if finding.home else "-"), "-", "-", "-",
                      "nothing to try")
    return table


def finding_json(finding: Finding, outlet: Outlet) -> dict[str, Any]:
    """One outlet's check as a JSON object (``sources check --json``)."""
    return {
        "outlet": outlet.id,
        "language": outlet.language,
        "ok": finding.ok,
        "discovered": finding.discovered,
        "homepage": finding.home.outcome.value if finding.home else None,
        "feeds": [
            {
                "url": p.candidate.url,
                "use_url": p.url,
                "origin": p.candidate.origin,
                "outcome": p.outcome,
                "http_status": p.http_status,
                "kind": p.kind,
                "items": p.items,
                "newest": p.newest.isoformat() if p.newest else None,
                "language": p.language,
                "moved_to": p.moved_to,
                "verdict": p.verdict,
                "chosen": p.chosen,
            }
            for p in finding.probes
        ],
    }
