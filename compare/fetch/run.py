"""One fetch run over a sources file: discover, then fetch, outlet by outlet, all at once.

This is the API the pipeline calls (:func:`fetch_sources`). It knows nothing of the store:
``known`` tells it what the store holds for a URL, ``on_result`` receives every finished URL as
soon as it finishes, so a run killed at any moment loses at most the URLs in flight, and a rerun
skips what is fresh and sends conditional GETs for the rest.

Feeds and sitemaps are parsed in worker threads (at most two at once), each under
:attr:`FetchPlan.parse_timeout`, so a huge feed never stalls the event loop that carries every
other outlet's requests. A sitemap URL is read at most once per run, so an index that lists
itself (or two indexes that list each other) costs one request, not a tree of them.

A feed's or sitemap's own result is handed over only after every article discovered from it has
been handed over. Otherwise a kill between the two would leave the feed's new ETag stored, and the
next run's ``304 Not Modified`` would hide the articles that were never fetched.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from urllib.parse import urlsplit

import httpx

from compare.config import DEFAULT_USER_AGENT
from compare.errors import FetchError, UsageError
from compare.fetch.address import Resolver
from compare.fetch.client import ClientOptions, Clients
from compare.fetch.discover import parse_feed, parse_sitemap, select, sniff_feed_kind
from compare.fetch.fetcher import Conditional, Fetcher, FetcherOptions
from compare.fetch.finding import Finder
from compare.fetch.memory import FetchMemory
from compare.fetch.politeness import Clock, RetryPolicy, Sleep
from compare.fetch.ranking import feed_is_missing
from compare.fetch.summary import FetchSummary, Progress, Tally
from compare.models import Discovered, FetchResult, Outcome, Outlet, Sources
from compare.urls import canonicalize_url

__all__ = ["ADHOC_OUTLET", "FetchPlan", "afetch_sources", "fetch_sources"]

logger = logging.getLogger(__name__)

ADHOC_OUTLET = "adhoc"

Known = Callable[[str], Conditional | None]
_Parsed = TypeVar("_Parsed")
OnResult = Callable[[FetchResult], None]
#: Called with the article URLs chosen from an outlet's feeds and sitemaps (with what each entry
#: said: title, date) before they are fetched, so a page that then fails can still be placed.
OnDiscovered = Callable[[Sequence[Discovered]], None]


@dataclass(frozen=True)
class FetchPlan:
    """Run-wide settings of a fetch run; per-outlet ones come from each outlet's politeness."""

    user_agent: str = DEFAULT_USER_AGENT
    fresh_for: timedelta = timedelta(hours=12)
    max_concurrency: int = 16
    max_redirects: int = 10
    max_crawl_delay: float = 60.0
    max_sitemap_depth: int = 2
    max_child_sitemaps: int = 10
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    verify_tls: bool = True
    parse_timeout: float = 30.0
    """Seconds a feed or sitemap may take to parse before it is given up (outcome ``timeout``)."""


def _bare_host(url: str) -> str:
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:  # "http://[::1": the fetcher reports it as invalid_url
        return ""
    return host[4:] if host.startswith("www.") else host


class _HostIndex:
    """Which outlet a URL belongs to: by its host (``www.`` ignored), or a parent domain's."""

    def __init__(self, outlets: Sequence[Outlet]) -> None:
        self._by_host: dict[str, Outlet] = {}
        for outlet in outlets:
            for url in (outlet.homepage, *(f.url for f in outlet.feeds)):
                host = _bare_host(url)
                if host:
                    self._by_host.setdefault(host, outlet)

    def find(self, url: str) -> Outlet | None:
        labels = _bare_host(url).split(".")
        for i in range(len(labels)):  # news.example.com, then example.com, then com
            outlet = self._by_host.get(".".join(labels[i:]))
            if outlet is not None:
                return outlet
        return None


def _adhoc(sources: Sources) -> Outlet:
    return Outlet(id=ADHOC_OUTLET, name="URLs given on the command line", homepage="",
                  language="und", country="", politeness=sources.defaults)


class _Run:
    """The state of one run: the fetcher, the callbacks and the tallies."""

    def __init__(
        self,
        fetcher: Fetcher,
        plan: FetchPlan,
        *,
        known: Known | None,
        on_result: OnResult | None,
        progress: Progress | None,
        now: Callable[[], datetime],
        memory: FetchMemory | None = None,
        on_discovered: OnDiscovered | None = None,
    ) -> None:
        self.fetcher = fetcher
        self.plan = plan
        self.known = known
        self.on_result = on_result
        self.on_discovered = on_discovered
        self.progress = progress
        self.now = now
        self.memory = memory or FetchMemory()
        self.memory.start_run()
        self.seen: set[str] = set()
        self.tallies: dict[str, Tally] = {}
        self.feeds_read: set[str] = set()
        self._parsing = asyncio.Semaphore(2)
        fetcher.refuse = lambda url: self.memory.host_refusal(url, self.now())
        fetcher.failed_attempt = lambda url, outcome, status, whole: self.memory.note_failure(
            url, outcome, status, self.now(), whole_host=whole)

    def emit(self, result: FetchResult) -> None:
        self.memory.learn(result, self.now())
        self.tallies[result.outlet_id].add(result)
        if self.on_result is not None:
            self.on_result(result)
        if self.progress is not None:
            self.progress.advance(result)

    def _known(self, url: str) -> Conditional | None:
        return self.known(url) if self.known is not None else None

    async def parse(self, parser: Callable[..., _Parsed], body: bytes, *, url: str,
                    outlet_id: str) -> _Parsed:
        """``parser(body)`` in a worker thread, under the plan's time limit."""
        async with self._parsing:
            work = asyncio.to_thread(parser, body, url=url, outlet_id=outlet_id)
            try:
                return await asyncio.wait_for(work, timeout=self.plan.parse_timeout)
            except TimeoutError:
                raise FetchError(f"parsing took over {self.plan.parse_timeout:g}s", url=url,
                                 outlet=outlet_id, outcome=Outcome.TIMEOUT.value) from None

    async def discover(
        self, outlet: Outlet, feed_url: str, depth: int, held: list[FetchResult]
    ) -> list[Discovered]:
        """Fetch and parse one feed or sitemap (and a sitemap index's children)."""
        try:
            key = canonicalize_url(feed_url)
        except FetchError:
            key = feed_url  # the fetcher reports it as invalid_url
        if key in self.feeds_read:
            logger.info("%s: %s already read in this run", outlet.id, feed_url)
            return []
        self.feeds_read.add(key)
        refusal = self.memory.url_refusal(key, self.now())
        if refusal is not None:
            held.append(self.not_asked(key, outlet, refusal, kind="feed"))
            return []
        result = await self.fetcher.fetch(feed_url, outlet_id=outlet.id,
                                          politeness=outlet.politeness, kind="feed",
                                          conditional=self._known(feed_url),
                                          allow_private=outlet.allow_private_addresses,
                                          max_retries=self.retries(key))
        found: list[Discovered] = []
        if result.outcome is Outcome.OK and result.snapshot is not None:
            body = result.snapshot.body
            try:
                if sniff_feed_kind(body) == "sitemap":
                    page = await self.parse(parse_sitemap, body, url=feed_url, outlet_id=outlet.id)
                    result = replace(result, kind="sitemap")
                    found.extend(page.articles)
                    if depth < self.plan.max_sitemap_depth:
                        children = [c for c in page.sitemaps if c not in self.feeds_read]
                        if len(children) < len(page.sitemaps):
                            logger.info("%s: %s lists sitemaps already read (a cycle); "
                                        "each is read once", outlet.id, feed_url)
                        children = children[: self.plan.max_child_sitemaps]
                        self.progress_add(len(children))
                        for child in children:
                            found.extend(await self.discover(outlet, child, depth + 1, held))
                else:
                    found.extend(await self.parse(parse_feed, body, url=feed_url,
                                                  outlet_id=outlet.id))
            except FetchError as exc:
                result = replace(result, outcome=Outcome(exc.outcome or "not_html"),
                                 error=exc.message)
        held.append(result)
        return found

    async def fall_back(self, outlet: Outlet, held: list[FetchResult]) -> list[Discovered]:
        """Find the outlet's feeds from its homepage (its configured ones failed, or it has
        none) and read the chosen ones: their results join ``held``, their articles are returned.

        The probes that were not chosen leave no ``fetch_log`` row (a guessed ``/rss`` that
        answers 404 says nothing of the outlet). When nothing was chosen, the homepage leaves
        one (``kind`` ``page``): its own failure, or ``no_feed``; never a readable outcome,
        so the outlet is "not read" that night, not "omits".
        """
        tally = self.tallies[outlet.id]
        tally.discovery = "configured feeds failed" if outlet.feeds else "no feeds configured"
        finder = Finder(self.fetcher, parse=self.parse, now=self.now)
        finding = await finder.find(outlet, skip=self.feeds_read)
        found: list[Discovered] = []
        for probe in finding.chosen:
            self.progress_add(len(probe.results))
            held.extend(probe.results)
            found.extend(probe.articles)
            self.feeds_read.update(r.url for r in probe.results)
            tally.discovered_feeds.append(probe.url)
        home = finding.home
        if not finding.chosen and home is not None:  # a row that says discovery ran, in vain
            outcome = Outcome.NO_FEED if home.outcome.readable else home.outcome
            self.progress_add(1)
            held.append(replace(home, kind="page", outcome=outcome, snapshot=None,
                                error=home.error or "no working feed found on the homepage"))
        logger.info("%s: %s; discovery found %s", outlet.id, tally.discovery,
                    ", ".join(tally.discovered_feeds) or "no feed")
        return found

    def progress_add(self, n: int) -> None:
        if self.progress is not None and n:
            self.progress.add_total(n)

    async def outlet(self, outlet: Outlet, extra: Sequence[str], *, discover: bool) -> None:
        """Fetch ``extra`` URLs of one outlet, and (``discover``) everything its feeds list."""
        held: list[FetchResult] = []
        found: list[Discovered] = []
        feeds = outlet.feeds if discover else ()
        self.progress_add(len(feeds))
        for feed in feeds:
            found.extend(await self.discover(outlet, feed.url, 0, held))
        if discover and _needs_discovery(outlet, held):
            found.extend(await self.fall_back(outlet, held))
        for url in (*(outlet.urls if discover else ()), *extra):
            try:
                found.append(Discovered(canonicalize_url(url), outlet.id, via="sources"))
            except FetchError as exc:
                self.progress_add(1)
                self.emit(FetchResult(url=url, outlet_id=outlet.id, outcome=Outcome.INVALID_URL,
                                      fetched_at=self.now(), error=exc.message, attempts=0))
        if discover:  # what earlier runs could not fetch, whether a feed still lists it or not
            found.extend(Discovered(u, outlet.id, via="memory")
                         for u in self.memory.due(outlet.id, self.now()))
        todo = self.todo(outlet, select(found, outlet, seen=self.seen))
        self.progress_add(len(todo))

        async def one(url: str, conditional: Conditional | None) -> None:
            self.emit(await self.fetcher.fetch(url, outlet_id=outlet.id,
                                               politeness=outlet.politeness,
                                               conditional=conditional,
                                               allow_private=outlet.allow_private_addresses,
                                               max_retries=self.retries(url)))

        async with asyncio.TaskGroup() as group:
            for url, conditional in todo:
                group.create_task(one(url, conditional))
        for result in held:
            self.emit(result)

    def todo(
        self, outlet: Outlet, chosen: Sequence[Discovered]
    ) -> list[tuple[str, Conditional | None]]:
        """The URLs to request: fresh ones and those earlier answers hold back are emitted as
        such, the rest cut to ``max_pages_per_run`` (the cut ones stay queued for later)."""
        tally = self.tallies[outlet.id]
        tally.discovered = len(chosen)
        if self.on_discovered is not None and chosen:
            self.on_discovered(chosen)
        todo: list[tuple[str, Conditional | None]] = []
        for item in chosen:
            conditional = self._known(item.url)
            fetched_at = conditional.fetched_at if conditional else None
            if fetched_at is not None and self.now() - fetched_at < self.plan.fresh_for:
                self.progress_add(1)
                self.emit(FetchResult(url=item.url, outlet_id=outlet.id,
                                      outcome=Outcome.SKIPPED_FRESH, fetched_at=self.now(),
                                      attempts=0))
                continue
            refusal = self.memory.url_refusal(item.url, self.now())
            if refusal is not None:
                self.progress_add(1)
                self.emit(self.not_asked(item.url, outlet, refusal))
                continue
            todo.append((item.url, conditional))
        limit = outlet.politeness.max_pages_per_run
        tally.deferred = max(0, len(todo) - limit)
        if tally.deferred:
            logger.info("%s: %d URLs left for the next run (max_pages_per_run %d)", outlet.id,
                        tally.deferred, limit)
            for url, _ in todo[limit:]:
                self.memory.queue(url, outlet.id, self.now(), reason="deferred")
        return todo[:limit]

    def not_asked(self, url: str, outlet: Outlet, why: str, *, kind: str = "article") -> FetchResult:
        """The result of a URL that earlier answers say not to ask in this run."""
        return FetchResult(url=url, outlet_id=outlet.id, outcome=Outcome.BACKED_OFF,
                           fetched_at=self.now(), error=why, attempts=0, kind=kind)

    def retries(self, url: str) -> int | None:
        """No retries within the night for a URL that already failed on an earlier one."""
        return 0 if self.memory.failed_before(url) else None


def _needs_discovery(outlet: Outlet, held: Sequence[FetchResult]) -> bool:
    """Every configured feed failed, some because it is not where the file says; or the
    outlet has only a homepage."""
    if not outlet.homepage:
        return False
    if outlet.feeds:
        return not any(r.outcome.readable for r in held) and any(
            feed_is_missing(r.outcome.value, r.http_status) for r in held)
    return not outlet.urls


def _first_leaf(group: BaseExceptionGroup[BaseException]) -> BaseException:
    first = group.exceptions[0]
    return _first_leaf(first) if isinstance(first, BaseExceptionGroup) else first


def _choose_outlets(
    sources: Sources, outlet_ids: Iterable[str] | None, extra_urls: Sequence[str]
) -> tuple[list[Outlet], set[str], dict[str, list[str]]]:
    """The outlets of the run, those whose feeds are read, and the given URLs of each."""
    if outlet_ids is not None:
        ids = list(dict.fromkeys(outlet_ids))
        unknown = [i for i in ids if sources.outlet(i) is None]
        if unknown:
            known_ids = ", ".join(o.id for o in sources.outlets) or "(none)"
            raise UsageError(f"unknown outlet id(s): {', '.join(unknown)}; known: {known_ids}")
        chosen = [o for o in sources.outlets if o.id in ids]
    elif extra_urls:
        chosen = []  # URLs alone: fetch just those, no discovery
    else:
        chosen = [o for o in sources.outlets if o.active]
    discover = {o.id for o in chosen}
    extra: dict[str, list[str]] = {}
    adhoc = _adhoc(sources)
    by_id = {o.id: o for o in chosen}
    index = _HostIndex(sources.outlets)
    for url in extra_urls:
        owner = index.find(url) or adhoc
        if owner.id not in by_id:
            by_id[owner.id] = owner
            chosen.append(owner)
        extra.setdefault(owner.id, []).append(url)
    return chosen, discover, extra


async def afetch_sources(
    sources: Sources,
    *,
    outlet_ids: Iterable[str] | None = None,
    extra_urls: Sequence[str] = (),
    known: Known | None = None,
    on_result: OnResult | None = None,
    plan: FetchPlan | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    resolver: Resolver | None = None,
    memory: FetchMemory | None = None,
    clock: Clock | None = None,
    sleep: Sleep | None = None,
    rand: Callable[[], float] | None = None,
    now: Callable[[], datetime] | None = None,
    progress: Progress | None = None,
    on_discovered: OnDiscovered | None = None,
) -> FetchSummary:
    """The async form of :func:`fetch_sources`, for callers already inside an event loop."""
    plan = plan or FetchPlan()
    chosen, discover, extra = _choose_outlets(sources, outlet_ids, extra_urls)
    clock = clock or time.monotonic
    now = now or (lambda: datetime.now(UTC))
    started = clock()
    client_options = ClientOptions(
        user_agent=plan.user_agent,
        connect_timeout=sources.defaults.connect_timeout,
        read_timeout=sources.defaults.read_timeout,
        verify_tls=plan.verify_tls,
    )
    options = FetcherOptions(user_agent=plan.user_agent, max_concurrency=plan.max_concurrency,
                             max_redirects=plan.max_redirects,
                             max_crawl_delay=plan.max_crawl_delay, retry=plan.retry)
    async with Clients(client_options, transport=transport, resolver=resolver) as clients:
        fetcher = Fetcher(clients, options, clock=clock, sleep=sleep or asyncio.sleep,
                          rand=rand or random.random, now=now)
        run = _Run(fetcher, plan, known=known, on_result=on_result, progress=progress, now=now,
                   memory=memory, on_discovered=on_discovered)
        for outlet in chosen:
            run.tallies[outlet.id] = Tally(outlet.id)
        try:
            async with asyncio.TaskGroup() as group:
                for outlet in chosen:
                    group.create_task(run.outlet(outlet, extra.get(outlet.id, ()),
                                                 discover=outlet.id in discover))
        except BaseExceptionGroup as errors:
            # Per-URL failures never get here; this is the caller's on_result (e.g. the store)
            # failing. Re-raise it as itself, not wrapped, so the CLI can report it.
            raise _first_leaf(errors) from errors
    outlets = tuple(run.tallies[o.id].freeze() for o in chosen)
    return FetchSummary(outlets, seconds=clock() - started)


def fetch_sources(
    sources: Sources,
    *,
    outlet_ids: Iterable[str] | None = None,
    extra_urls: Sequence[str] = (),
    known: Known | None = None,
    fresh_for: timedelta | None = None,
    on_result: OnResult | None = None,
    plan: FetchPlan | None = None,
    user_agent: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    resolver: Resolver | None = None,
    memory: FetchMemory | None = None,
    clock: Clock | None = None,
    sleep: Sleep | None = None,
    rand: Callable[[], float] | None = None,
    now: Callable[[], datetime] | None = None,
    progress: Progress | None = None,
    on_discovered: OnDiscovered | None = None,
) -> FetchSummary:
    """Discover and fetch the coverage of the outlets in ``sources``; see the module docstring.

    ``outlet_ids`` limits the run to those outlets (an unknown id raises
    :class:`~compare.errors.UsageError`); with only ``extra_urls`` given, just those URLs are
    fetched, each under the outlet whose host it is on, or the ``adhoc`` outlet. ``known(url)``
    returns what the store has for a URL: a URL fetched less than ``fresh_for`` ago is skipped
    (outcome ``skipped_fresh``), an older one is fetched with a conditional GET.
    ``on_result`` is called in the event-loop thread with each finished URL; an exception it
    raises stops the run and propagates. ``on_discovered`` receives each outlet's chosen article
    URLs (with their feed entries' titles and dates) before they are fetched. Per-URL failures
    never raise: they are outcomes.
    ``resolver`` resolves host names for the address policy (the system's by default; tests
    pass a stub with ``transport``, so no name is ever looked up for real). ``memory`` is what
    earlier runs learnt (:class:`~compare.fetch.memory.FetchMemory`): URLs and hosts backing
    off are not asked (outcome ``backed_off``), queued URLs that are due are added; it is
    updated with every result, and the caller persists what it ``drain()``s.
    """
    plan = plan or FetchPlan()
    if fresh_for is not None:
        plan = replace(plan, fresh_for=fresh_for)
    if user_agent is not None:
        plan = replace(plan, user_agent=user_agent)
    return asyncio.run(
        afetch_sources(sources, outlet_ids=outlet_ids, extra_urls=extra_urls, known=known,
                       on_result=on_result, plan=plan, transport=transport, resolver=resolver,
                       memory=memory, clock=clock, sleep=sleep, rand=rand, now=now,
                       progress=progress, on_discovered=on_discovered)
    )

