"""``newscompare report`` and ``newscompare compare``: read an event's report, or make one."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from compare.cli.base import (
    cli,
    console,
    database_exists,
    lazy_embedder,
    load_sources_file,
    open_store,
    pass_settings,
    shown_db,
    store_languages,
)
from compare.config import Settings
from compare.errors import CompareError, NotFoundError, UsageError
from compare.models import Sources

if TYPE_CHECKING:
    from compare.store import Store

FORMATS = ("html", "md", "json", "csv")
#: A file given to ``compare`` larger than this is no article.
MAX_INPUT_BYTES = 20 * 1024 * 1024


#: The largest id SQLite can store; anything beyond names no event.
MAX_ID = 2**63 - 1


def _render(store: Store, event_id: int, fmt: str) -> str:
    from compare.report import render_report
    from compare.view import build_event_view

    if not 1 <= event_id <= MAX_ID:
        raise UsageError(f"event {event_id} does not exist (ids are whole numbers from 1)")
    # A report read on its own (a file, or standard output) is one file: it links to nothing a
    # bundle would have written beside it.
    return render_report(build_event_view(store, event_id), format=fmt, standalone=True)


def _emit(text: str, out: str | None) -> None:
    if out:
        path = Path(out)
        if path.is_dir():
            raise UsageError(f"--out {out} is a folder; give a file name")
        from compare.files import write_atomic

        try:
            write_atomic(path, text)
        except OSError as exc:
            raise CompareError(f"cannot write {path}: {exc.strerror or exc}") from None
        console().print(f"Wrote {path.resolve()}")
    else:
        click.echo(text)


@cli.command()
@click.argument("event_id", required=False, type=int, metavar="[EVENT_ID]")
@click.option("--latest", is_flag=True, help="The most recently updated event.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="md", show_default=True)
@click.option("--out", "out", metavar="PATH", help="Write to this file instead of standard output.")
@pass_settings
def report(settings: Settings, event_id: int | None, latest: bool, fmt: str, out: str | None) -> None:
    """Show the comparison report of one event: claim matrix, wordings side by side, labels, numbers.

    \b
    Example:
        newscompare report --latest --format html --out karabakh.html
    """
    from compare.view import latest_event_id

    if (event_id is None) == (not latest):
        raise UsageError("give an EVENT_ID or --latest (not both)")
    if not database_exists(settings):
        raise UsageError(
            f"no database at {shown_db(settings)}; run `newscompare run` or `newscompare demo` first"
        )
    with open_store(settings, read=True) as store:
        if latest:
            event_id = latest_event_id(store)
            if event_id is None:
                raise NotFoundError("the store has no events yet; run `newscompare process` first")
        assert event_id is not None
        _emit(_render(store, event_id, fmt), out)


@cli.command("compare")
@click.argument("inputs", nargs=-1, required=True, metavar="FILE_OR_URL...")
@click.option(
    "--sources", "sources_file", metavar="FILE",
    help="Sources file whose outlets the inputs are compared with (none unless given).",
)  # fmt: skip
@click.option(
    "--outlet", "outlet_id", metavar="ID",
    help="Outlet that published the given files (a slug: lower-case letters, digits and dashes).",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="md", show_default=True)
@click.option("--out", "out", metavar="PATH", help="Write the report to this file.")
@pass_settings
def compare_cmd(
    settings: Settings,
    inputs: tuple[str, ...],
    sources_file: str | None,
    outlet_id: str | None,
    fmt: str,
    out: str | None,
) -> None:
    """Compare given articles (HTML or text files, or URLs) with the coverage in the store.

    Each input is stored and processed like a fetched page; the report of the event it joins is
    printed, beside every other outlet's coverage of that event already in the store.

    \b
    Example:
        newscompare compare seeds/seed/azernews-2023-07-29.txt
    """
    from compare.pipeline import compare_inputs, run_lifecycle

    # Only a sources file named here: one lying in the working folder would add its outlets to the
    # comparison unasked.
    sources = load_sources_file(settings, sources_file) if sources_file else None
    _check_inputs(inputs, outlet_id, sources)  # before anything is stored
    with run_lifecycle(settings.db, "compare", {"inputs": list(inputs), "outlet": outlet_id}) as active:
        store = active.store
        event_ids = compare_inputs(
            store,
            active.run_id,
            sources,
            list(inputs),
            settings=settings,
            outlet_id=outlet_id,
            embedder=lazy_embedder(settings, store_languages(store, sources)),
        )
        if not event_ids:
            raise CompareError(_why_nothing(store, active.run_id, inputs))
        for event_id in event_ids:
            _emit(_render(store, event_id, fmt), out)


def _check_inputs(inputs: tuple[str, ...], outlet_id: str | None, sources: Sources | None) -> None:
    """Refuse, before anything is stored, inputs that cannot be articles."""
    from compare.errors import FetchError
    from compare.extract import looks_binary
    from compare.sources import SLUG
    from compare.urls import canonicalize_url

    if outlet_id is not None and not SLUG.match(outlet_id):
        raise UsageError(f"--outlet {outlet_id!r} is not an outlet id (lower-case letters, digits and "
                         "dashes, as in sources.yaml)")
    if outlet_id is not None and sources is not None and sources.outlet(outlet_id) is None:
        raise UsageError(f"unknown outlet id {outlet_id!r} (not in {sources.path})")
    for item in inputs:
        if item.lower().startswith(("http://", "https://")):
            try:
                canonicalize_url(item)
            except FetchError as exc:
                raise UsageError(exc.message) from None
            continue
        path = Path(item)
        if not path.exists():
            raise UsageError(f"{item}: no such file (and not an http(s) URL)")
        if not path.is_file():
            raise UsageError(f"{item}: not a regular file")
        size = path.stat().st_size
        if size == 0:
            raise UsageError(f"{item}: the file is empty")
        if size > MAX_INPUT_BYTES:
            raise UsageError(f"{item}: larger than {MAX_INPUT_BYTES // 2**20} MB; not an article")
        with open(path, "rb") as handle:
            head = handle.read(4096)
        if not head.strip():
            raise UsageError(f"{item}: the file holds only white space")
        if looks_binary(head):
            raise UsageError(f"{item}: a binary file, not an article (HTML or text)")


def _why_nothing(store: Store, run_id: int, inputs: tuple[str, ...]) -> str:
    """One line: why no input became an article (each input's outcome, from the fetch log)."""
    rows = store.fetch_log(run_id)
    reasons = [f"{r['url']}: {r['outcome']}" + (f" ({r['error']})" if r["error"] else "")
               for r in rows]
    shown = "; ".join(reasons[:3]) + (f"; and {len(reasons) - 3} more" if len(reasons) > 3 else "")
    return f"no input could be read as an article, nothing to compare: {shown or ', '.join(inputs)}"
