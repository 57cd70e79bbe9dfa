"""``newscompare sources …``: validate sources files; check (and fix) their feeds."""

from __future__ import annotations

import sys
from dataclasses import asdict

import click

from compare.cli.base import (
    EXIT_PARTIAL,
    _Group,
    cli,
    console,
    echo_json,
    load_sources_file,
    pass_settings,
)
from compare.config import Settings


@cli.group(cls=_Group)
def sources() -> None:
    """Work with sources files (the outlets to watch and the topics to report on).

    \b
    Example:
        newscompare sources validate sources.yaml
    """


@sources.command("validate")
@click.argument("file", required=False, metavar="[FILE]")
@click.option("--json", "as_json", is_flag=True, help="Print the outlets as JSON.")
@pass_settings
def sources_validate(settings: Settings, file: str | None, as_json: bool) -> None:
    """Check a sources file and list its outlets; every problem is reported at once (exit 2).

    \b
    Example:
        newscompare sources validate sources.yaml
    """
    loaded = load_sources_file(settings, file)
    if as_json:
        echo_json([asdict(o) for o in loaded.outlets])
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{loaded.path}: {len(loaded.outlets)} outlets, {len(loaded.topics)} topics")
    for column in ("id", "name", "lang", "country", "feeds", "groups", "checked"):
        table.add_column(column)
    for o in loaded.outlets:
        table.add_row(
            o.id,
            o.name,
            o.language,
            o.country,
            ", ".join(f.kind for f in o.feeds) or "-",
            ", ".join(o.groups) or "-",
            o.verified_on or ("yes" if o.verified else "no"),
        )
    Console(width=max(120, Console().width)).print(table)


@sources.command("check")
@click.argument("file", required=False, metavar="[FILE]")
@click.option("--outlet", "outlet_ids", multiple=True, metavar="ID",
              help="Only this outlet (repeatable; inactive outlets too).")
@click.option("--write", is_flag=True,
              help="Update FILE in place: working feeds added, moved ones rewritten, failing "
                   "ones moved to failed_feeds, verified set to today; comments and order kept.")
@click.option("--json", "as_json", is_flag=True, help="Print each outlet's check as JSON.")
@pass_settings
def sources_check(
    settings: Settings, file: str | None, outlet_ids: tuple[str, ...], write: bool, as_json: bool
) -> None:
    """Probe each outlet's feeds, discover feeds from its homepage, and say which work.

    Per outlet, a table of each configured and discovered feed: status, item count, newest
    item, language seen vs declared, verdict. Discovery looks where a careful person would
    (feed links on the homepage and its sections, robots.txt sitemaps, common CMS paths),
    politely and under the address policy. Exit 1 when some outlet has no working feed.

    \b
    Example:
        newscompare sources check sources.yaml --outlet apa --write
    """
    from datetime import UTC, datetime

    from compare.errors import UsageError
    from compare.fetch.checking import check_outlets, finding_json, plan_edit, render_check

    loaded = load_sources_file(settings, file)
    path = file or settings.sources
    unknown = [i for i in outlet_ids if loaded.outlet(i) is None]
    if unknown:
        known = ", ".join(o.id for o in loaded.outlets) or "(none)"
        raise UsageError(f"unknown outlet id(s): {', '.join(unknown)}; known: {known}")
    chosen = ([o for o in loaded.outlets if o.id in outlet_ids] if outlet_ids
              else [o for o in loaded.outlets if o.active])
    findings = check_outlets(loaded, chosen, user_agent=settings.user_agent)
    today = datetime.now(UTC).date().isoformat()
    edits = [e for e in (plan_edit(f, today=today) for f in findings) if e is not None]
    failed = [f.outlet_id for f in findings if not f.ok]
    if write and edits:
        from compare.sources_writer import write_edits

        write_edits(path, edits)
    if as_json:
        echo_json([finding_json(f, o) for f, o in zip(findings, chosen, strict=True)])
    else:
        out = console()
        for finding, outlet in zip(findings, chosen, strict=True):
            out.print(render_check(finding, outlet))
        working = len(findings) - len(failed)
        out.print(f"{working} of {len(findings)} outlets have a working feed.", highlight=False)
        if failed:
            out.print(f"No working feed: {', '.join(failed)}"
                      + (" (left as they were in the file)" if write else ""), highlight=False)
        if write:
            out.print(f"{path}: {len(edits)} outlets updated." if edits
                      else f"{path}: nothing to change.", highlight=False)
    if failed:
        sys.exit(EXIT_PARTIAL)
