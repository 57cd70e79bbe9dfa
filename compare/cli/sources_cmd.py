"""``newscompare sources …``: check sources files."""

from __future__ import annotations

from dataclasses import asdict

import click

from compare.cli.base import _Group, cli, echo_json, load_sources_file, pass_settings
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
            "yes" if o.verified else "no",
        )
    Console(width=max(120, Console().width)).print(table)
