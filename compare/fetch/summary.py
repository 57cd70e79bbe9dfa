"""What a fetch run got, per outlet: counts the CLI prints and the exit code it derives.

:class:`Tally` accumulates :class:`~compare.models.FetchResult` records as they arrive;
:class:`FetchSummary` is the frozen end result. :func:`render_summary` makes the rich table the
``newscompare fetch`` command prints; :class:`ConsoleProgress` is a progress bar on a terminal
and plain lines when output is piped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from compare.models import FetchResult, Outcome

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

__all__ = [
    "ConsoleProgress",
    "FetchSummary",
    "OutletSummary",
    "Progress",
    "Tally",
    "discovery_lines",
    "render_summary",
]

_UNCHANGED = (Outcome.NOT_MODIFIED, Outcome.SKIPPED_FRESH)


@dataclass(frozen=True)
class OutletSummary:
    """One outlet's run: article counts, failures by outcome, and how its feeds fared."""

    outlet_id: str
    discovered: int = 0
    fetched: int = 0
    unchanged: int = 0
    deferred: int = 0
    failed: Mapping[str, int] = field(default_factory=dict)
    feeds: int = 0
    feeds_failed: Mapping[str, int] = field(default_factory=dict)
    discovery: str | None = None
    """Why feeds were discovered from the homepage in this run (``configured feeds failed``,
    ``no feeds configured``), when they were."""
    discovered_feeds: tuple[str, ...] = ()
    """The feeds discovery chose and read."""

    @property
    def failed_total(self) -> int:
        """Article URLs that could not be read, whatever the reason."""
        return sum(self.failed.values())

    @property
    def failed_entirely(self) -> bool:
        """Nothing of this outlet could be read in this run.

        With article URLs tried: none was fetched or unchanged. With none tried: every feed and
        sitemap failed. An outlet whose feeds answered but listed nothing new has not failed;
        one whose feeds are gone and for which discovery found none has.
        """
        if self.discovery and not self.discovered_feeds:
            return True  # no feed: whatever older pages were read again, no new story was seen
        articles = self.fetched + self.unchanged + self.failed_total
        if articles:
            return self.fetched + self.unchanged == 0
        return self.feeds > 0 and sum(self.feeds_failed.values()) == self.feeds


@dataclass(frozen=True)
class FetchSummary:
    """A whole run: one :class:`OutletSummary` per outlet, in sources-file order."""

    outlets: tuple[OutletSummary, ...]
    seconds: float = 0.0

    @property
    def any_outlet_failed(self) -> bool:
        """True when some outlet failed entirely (the CLI then exits with 1)."""
        return any(o.failed_entirely for o in self.outlets)

    @property
    def exit_code(self) -> int:
        """0 when every outlet got something, 1 when some outlet failed entirely."""
        return 1 if self.any_outlet_failed else 0

    def outlet(self, outlet_id: str) -> OutletSummary | None:
        """The summary of one outlet, or ``None`` when it was not part of the run."""
        return next((o for o in self.outlets if o.outlet_id == outlet_id), None)


class Tally:
    """Mutable counts for one outlet while a run is going on."""

    def __init__(self, outlet_id: str) -> None:
        self.outlet_id = outlet_id
        self.discovered = 0
        self.deferred = 0
        self.articles: Counter[Outcome] = Counter()
        self.feeds: Counter[Outcome] = Counter()
        self.discovery: str | None = None
        self.discovered_feeds: list[str] = []

    def add(self, result: FetchResult) -> None:
        """Count one finished URL."""
        (self.articles if result.kind == "article" else self.feeds)[result.outcome] += 1

    def freeze(self) -> OutletSummary:
        """The frozen summary of what was counted."""
        failed = {o.value: n for o, n in sorted(self.articles.items()) if not o.readable}
        feeds_failed = {o.value: n for o, n in sorted(self.feeds.items()) if not o.readable}
        return OutletSummary(
            outlet_id=self.outlet_id,
            discovered=self.discovered,
            fetched=self.articles[Outcome.OK],
            unchanged=sum(self.articles[o] for o in _UNCHANGED),
            deferred=self.deferred,
            failed=failed,
            feeds=sum(self.feeds.values()),
            feeds_failed=feeds_failed,
            discovery=self.discovery,
            discovered_feeds=tuple(self.discovered_feeds),
        )


def _failures(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{name} {n}" for name, n in sorted(counts.items(), key=lambda kv: -kv[1]))


def render_summary(summary: FetchSummary) -> Table:
    """A table with one row per outlet: discovered, fetched, unchanged, deferred, failed by outcome.

    Compact enough for an 80-column pipe: failed feeds share the failures column (``feeds:``).
    """
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    table = Table(
        title=f"Fetch summary ({summary.seconds:.1f} s)",
        box=box.SIMPLE_HEAD,
        caption="found: article URLs discovered · same: not modified or still fresh · "
        "later: over max_pages_per_run, left for the next run",
    )
    table.add_column("outlet", no_wrap=True)
    for name in ("found", "fetched", "same", "later"):
        table.add_column(name, justify="right")
    table.add_column("failed, by outcome", overflow="fold")
    for o in summary.outlets:
        mark = " [bold red](failed)[/]" if o.failed_entirely else ""
        failures = [_failures(o.failed)] if o.failed else []
        if o.feeds_failed:
            failures.append(f"feeds: {_failures(o.feeds_failed)}")
        if o.discovery:
            found = ", ".join(o.discovered_feeds) or "no feed"
            failures.append(escape(f"{o.discovery}: discovery read {found}"))
        table.add_row(
            o.outlet_id + mark,
            str(o.discovered),
            str(o.fetched),
            str(o.unchanged),
            str(o.deferred),
            "; ".join(failures) or "-",
        )
    return table


def discovery_lines(summary: FetchSummary) -> list[str]:
    """One line per outlet whose feeds were discovered from its homepage in this run, and a
    hint to keep what was found."""
    lines = []
    for o in summary.outlets:
        if o.discovery:
            found = ", ".join(o.discovered_feeds) or "no working feed; its new stories were not read"
            lines.append(f"Feed discovery for {o.outlet_id} ({o.discovery}): {found}")
    if any(o.discovered_feeds for o in summary.outlets):
        lines.append("To keep the feeds discovery found: newscompare sources check --write")
    return lines


class Progress(Protocol):
    """What the fetcher tells a progress display: more work found, one URL finished."""

    def add_total(self, n: int) -> None: ...

    def advance(self, result: FetchResult) -> None: ...


class ConsoleProgress:
    """A rich progress bar on a terminal; one plain line per finished URL when piped; nothing
    when ``quiet`` (``newscompare -q``: a cron job's mail holds the summary, not 10,000 lines).

    Use as a context manager around the run so the bar is cleaned up.
    """

    def __init__(self, console: Console, *, quiet: bool = False) -> None:
        self.console = console
        self.quiet = quiet
        self.total = 0
        self.done = 0
        self._bar: object | None = None
        self._task: object | None = None

    def __enter__(self) -> ConsoleProgress:
        if self.console.is_terminal and not self.quiet:
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as Bar

            bar = Bar(
                TextColumn("fetching"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            bar.start()
            self._task = bar.add_task("fetch", total=0)
            self._bar = bar
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()  # type: ignore[attr-defined]

    def add_total(self, n: int) -> None:
        self.total += n
        if self._bar is not None:
            self._bar.update(self._task, total=self.total)  # type: ignore[attr-defined]

    def advance(self, result: FetchResult) -> None:
        self.done += 1
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done)  # type: ignore[attr-defined]
        elif not self.quiet:
            status = result.http_status if result.http_status is not None else "-"
            self.console.print(
                f"{self.done}/{self.total} {result.outlet_id} {result.outcome.value} {status} {result.url}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
