"""``newscompare fetch | process | run | demo``: the stages and the whole nightly job."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from compare.cli.base import (
    EXIT_PARTIAL,
    cli,
    console,
    database_exists,
    lazy_embedder,
    load_sources_file,
    open_store,
    parse_duration,
    pass_settings,
    quiet,
    store_languages,
)
from compare.config import Settings

if TYPE_CHECKING:
    from rich.console import Console

    from compare.pipeline import RunResult

DEMO_PORT = 18765
DEMO_DB = "newscompare-demo.db"


@cli.command()
@click.option("--sources", "sources_file", metavar="FILE", help="Sources file (default sources.yaml).")
@click.option("--outlet", "outlet_ids", multiple=True, metavar="ID", help="Only this outlet (repeatable).")
@click.option(
    "--shard", metavar="K/N", help="Only the K-th of N shards of the outlets, by a stable hash of each host."
)
@click.argument("urls", nargs=-1, metavar="[URL]...")
@pass_settings
def fetch(
    settings: Settings,
    sources_file: str | None,
    outlet_ids: tuple[str, ...],
    shard: str | None,
    urls: tuple[str, ...],
) -> None:
    """Discover and fetch coverage into the store, politely; exit 1 if an outlet failed entirely.

    URLs given as arguments are fetched too (their outlet is found by host name). With --shard,
    N workers (on as many machines, against one PostgreSQL database) fetch one night together:
    every outlet of a host falls in one shard, so one worker keeps each host's politeness.

    \b
    Example:
        newscompare fetch --outlet tass --outlet armenpress
        newscompare --db postgresql://nc@db/newscompare fetch --shard 2/3
    """
    from compare.fetch import ConsoleProgress, discovery_lines, render_summary
    from compare.pipeline import fetch_into_store, run_lifecycle
    from compare.sources import outlets_in_shard, parse_shard

    sources = load_sources_file(settings, sources_file)
    out = console()
    params: dict[str, object] = {"sources": sources.path, "outlets": list(outlet_ids), "urls": list(urls)}
    scope = None
    if shard is not None:
        index, count = parse_shard(shard)
        mine = outlets_in_shard(sources, index, count)
        outlet_ids = tuple(o for o in outlet_ids if o in mine) if outlet_ids else tuple(mine)
        params["shard"], scope = f"{index}/{count}", f"fetch shard {index} of {count}"
        if not outlet_ids:
            out.print(f"Shard {index}/{count} holds no outlet of {sources.path}; nothing to fetch.")
            return
    with run_lifecycle(settings.db, "fetch", params, shared=shard is not None, scope=scope) as active:
        with ConsoleProgress(out, quiet=quiet()) as progress:
            summary = fetch_into_store(
                active.store, sources, run_id=active.run_id, settings=settings,
                outlet_ids=outlet_ids or None, urls=urls, progress=progress,
            )  # fmt: skip
        failed = active.failures = [o.outlet_id for o in summary.outlets if o.failed_entirely]
        active.status = "partial" if failed else "ok"
    out.print(render_summary(summary))
    for line in discovery_lines(summary):
        out.print(line, highlight=False, markup=False, soft_wrap=True)
    if summary.exit_code:
        out.print(f"Some outlets could not be read at all: {', '.join(failed)}")
    sys.exit(summary.exit_code)


@cli.command()
@click.option("--sources", "sources_file", metavar="FILE", help="Sources file, for outlet languages.")
@pass_settings
def process(settings: Settings, sources_file: str | None) -> None:
    """Run extraction, passages, events, alignment and framing over everything new in the store.

    Several process workers (on several machines against one PostgreSQL database) may run at
    once: each claims the pages and events it works on, and together they store what one would.

    \b
    Example:
        newscompare process
    """
    from compare.pipeline import RunResult, process_store, run_lifecycle

    sources = None
    path = Path(sources_file or settings.sources)
    if sources_file or path.exists():
        sources = load_sources_file(settings, str(path))
    # Several process workers (on several machines) may share one night: each claims its work.
    params = {"sources": str(path) if sources else None}
    with run_lifecycle(settings.db, "process", params, shared=True) as active:
        result = RunResult(run_id=active.run_id, timings=active.timings)
        with _StepProgress(console(), "extracting") as progress:
            result.extract, result.analysis = process_store(
                active.store, sources, run_id=active.run_id,
                embedder=lazy_embedder(settings, store_languages(active.store, sources)), result=result,
                on_step=progress.step,
            )  # fmt: skip
        result.status = "ok"
        active.counts = result.counts()
    _print_summary(result)


@cli.command()
@click.option("--sources", "sources_file", metavar="FILE", help="Sources file (default sources.yaml).")
@click.option("--outlet", "outlet_ids", multiple=True, metavar="ID", help="Only this outlet (repeatable).")
@click.option(
    "--since", default=None, metavar="AGE", help="Report events touched within this window (default 2d)."
)
@click.option("--out", "out", metavar="DIR", help="Where to write the reports (default reports/).")
@pass_settings
def run(
    settings: Settings,
    sources_file: str | None,
    outlet_ids: tuple[str, ...],
    since: str | None,
    out: str | None,
) -> None:
    """The nightly job: discover, fetch, process and write reports; exit 1 if an outlet failed.

    A second run while one is going exits 3. A killed run resumes where it stopped.

    \b
    Example:
        newscompare run --sources sources.yaml --since 2d --out /var/lib/newscompare/reports
    """
    from compare.fetch import ConsoleProgress
    from compare.pipeline import run_pipeline

    window = parse_duration(since or settings.since)  # None: "all", every active event
    sources = load_sources_file(settings, sources_file)
    with ConsoleProgress(console(), quiet=quiet()) as progress:
        result = run_pipeline(
            settings,
            sources,
            command="run",
            out_dir=Path(out or settings.out),
            outlet_ids=outlet_ids or None,
            progress=progress,
            since=window,
        )
    if result.topics:
        console().print(f"Topic reports: {', '.join(str(p) for p in result.topics)}")
    _print_summary(result)


@cli.command()
@click.option("--out", "out", metavar="DIR", help="Where to write the reports (default reports/).")
@click.option(
    "--version", "version", type=click.IntRange(1, 2), default=None,
    help="Which version of the edited demo article to serve (default: 1, then 2 on the next demo run).",
)  # fmt: skip
@click.pass_context
def demo(ctx: click.Context, out: str | None, version: int | None) -> None:
    """Serve the seeds demo web on 127.0.0.x, run the whole pipeline on it and write the report.

    The demo keeps its own database (newscompare-demo.db unless --db is given). A second demo run
    serves the silently edited article, which the report shows under "changed since the last run".

    \b
    Example:
        newscompare demo --out reports/
    """
    from dataclasses import replace

    from compare.demoweb import DemoWeb
    from compare.pipeline import run_pipeline
    from compare.sources import load_sources

    settings: Settings = ctx.obj
    explicit_db = ctx.find_root().params.get("db")
    if not explicit_db:
        settings = replace(settings, db=DEMO_DB)
    # The demo plays two nights in a row: the second run asks every page again (conditionally).
    settings = replace(settings, fresh_for_hours=0)
    if version is None:
        version = 2 if _previous_demo(settings) else 1
    out_dir = Path(out or settings.out)
    out_console = console()
    out_console.print(
        f"Demo web: serving the seed corpus (edited article version {version}) on 127.0.0.x:{DEMO_PORT}"
    )
    with DemoWeb(version=version, port=DEMO_PORT) as web, tempfile.TemporaryDirectory() as tmp:
        sources = load_sources(web.write_sources(Path(tmp) / "sources.yaml"))
        seed_url = web.seed_url
        result = run_pipeline(
            settings, sources, command="demo", out_dir=out_dir,
            parameters={"demo_version": version, "seed_urls": [seed_url]},
        )  # fmt: skip
    _print_summary(result, exit_on_failure=False)  # the demo's unreadable outlets are deliberate
    if result.index:
        out_console.print(f"Report index: {result.index.resolve()}")
    if result.topics:
        out_console.print(f"Topic reports: {', '.join(str(p) for p in result.topics)}")
    main_report = _seed_report(settings, seed_url, out_dir)
    if main_report:
        out_console.print(f"The seed article's event: {main_report.resolve()}")


class _StepProgress:
    """A progress bar on a terminal; a plain line per tenth of the work when piped."""

    def __init__(self, out: Console, label: str) -> None:
        self.out, self.label = out, label
        self._bar: Any = None
        self._task: Any = None
        self._shown = -1

    def __enter__(self) -> _StepProgress:
        if self.out.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self._bar = Progress(TextColumn(self.label), BarColumn(), MofNCompleteColumn(),
                                 console=self.out, transient=True)  # fmt: skip
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=None)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def step(self, done: int, total: int) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=done, total=total)
        elif total and (tenth := done * 10 // total) != self._shown:
            self._shown = tenth
            self.out.print(f"{self.label} {done}/{total}", highlight=False)


def _previous_demo(settings: Settings) -> bool:
    if not database_exists(settings):
        return False
    with open_store(settings) as store:
        return store.last_run(command="demo") is not None


def _seed_report(settings: Settings, seed_url: str, out_dir: Path) -> Path | None:
    """The HTML report of the event the seed article landed in, when it was written."""
    with open_store(settings) as store:
        event_id = store.event_of_url(seed_url)
    path = out_dir / f"event-{event_id}.html" if event_id is not None else None
    return path if path and path.exists() else None


def _print_summary(result: RunResult, *, exit_on_failure: bool = True) -> None:
    from rich.table import Table

    from compare.fetch import discovery_lines

    out = console()
    table = Table(title=f"run {result.run_id}: {result.status}")
    table.add_column("stage")
    table.add_column("seconds", justify="right")
    table.add_column("what happened")
    notes: dict[str, str] = {}
    if result.fetch:
        fetched = sum(o.fetched for o in result.fetch.outlets)
        unchanged = sum(o.unchanged for o in result.fetch.outlets)
        failed = sum(o.failed_total for o in result.fetch.outlets)
        notes["fetch"] = (
            f"{len(result.fetch.outlets)} outlets: {fetched} fetched, {unchanged} unchanged, {failed} failed"
        )
    if result.extract:
        e = result.extract
        notes["extract"] = (
            f"{e.new} new articles, {e.new_version} new versions, {e.unchanged} unchanged, "
            f"{sum(e.failed.values())} not extracted"
        )
    if result.analysis:
        a = result.analysis
        notes["analyse"] = (
            f"{a.new_events} new events, {a.changed_events} changed; {a.claims} claims in "
            f"{a.aligned_events} re-aligned events; {a.embedded_passages} passages embedded"
            + (f" on {a.embed_device}" if a.embed_device else "")
        )
    if result.reports:
        notes["report"] = f"{len(result.reports)} event reports"
    if out.is_terminal:
        for stage, seconds in result.timings.items():
            table.add_row(stage, f"{seconds:.2f}", notes.get(stage, ""))
        out.print(table)
    else:  # a log or a cron mail: one plain line per stage
        out.print(f"run {result.run_id}: {result.status}", highlight=False)
        for stage, seconds in result.timings.items():
            out.print(f"{stage}: {seconds:.2f} s; {notes.get(stage, '')}".rstrip("; "), highlight=False)
    if result.fetch:
        for line in discovery_lines(result.fetch):
            out.print(line, highlight=False, markup=False, soft_wrap=True)
    if result.failed_outlets:
        out.print(f"Outlets that could not be read at all: {', '.join(result.failed_outlets)}")
    if result.exit_code and exit_on_failure:
        sys.exit(EXIT_PARTIAL)
