"""The ``newscompare`` command line: a thin click shell over the pipeline, the reports and the store.

Only this module (and the service) turns errors into messages and exit codes:
0 ok; 1 the run finished but some outlets failed; 2 bad usage or bad input; 3 nothing could be
done (another run holds the lock, or an internal error). Heavy modules are imported inside the
commands, so ``newscompare --help`` starts fast.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from compare import __version__
from compare.config import Settings, find_shared_data, load_settings
from compare.errors import CompareError, SourcesError

__all__ = ["main"]

log = logging.getLogger("compare")

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_PARTIAL, EXIT_BAD_INPUT, EXIT_NOTHING_DONE = 0, 1, 2, 3


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


class _Group(click.Group):
    """A click group that turns every error into one line on stderr and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CompareError as exc:
            if isinstance(exc, SourcesError) and len(exc.problems) > 1:
                for problem in exc.problems:
                    click.echo(f"  {problem}", err=True)
            if log.isEnabledFor(logging.DEBUG):
                log.debug("details", exc_info=True)
            _fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted; run the same command again to resume.", err=True)
            sys.exit(130)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort, SystemExit):
            raise
        except Exception as exc:  # pragma: no cover - a bug; still one line for the user
            if log.isEnabledFor(logging.DEBUG):
                log.debug("internal error", exc_info=True)
            _fail(
                f"internal error: {type(exc).__name__}: {exc} (run with -vv for the traceback)",
                EXIT_NOTHING_DONE,
            )


def _configure_logging(verbose: int, quiet: bool) -> None:
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    root = logging.getLogger("compare")
    root.setLevel(level)
    if any(getattr(h, "_newscompare", False) for h in root.handlers):
        return
    handler: logging.Handler
    if sys.stderr.isatty():
        from rich.logging import RichHandler

        handler = RichHandler(show_path=False, markup=False, rich_tracebacks=False)
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler._newscompare = True  # type: ignore[attr-defined]
    root.addHandler(handler)


def settings_of(ctx: click.Context) -> Settings:
    settings = ctx.find_object(Settings)
    if settings is None:  # pragma: no cover - the group always sets it
        raise click.UsageError("settings are missing")
    return settings


pass_settings = click.make_pass_decorator(Settings)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "db",
    metavar="PATH",
    envvar="NEWSCOMPARE_DB",
    help="Database file (default ./newscompare.db; env NEWSCOMPARE_DB).",
)
@click.option(
    "--config",
    "config_file",
    metavar="FILE",
    help="Settings file (TOML); default ./newscompare.toml, then ~/.config/newscompare/config.toml.",
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.version_option(__version__, prog_name="newscompare")
@click.pass_context
def cli(ctx: click.Context, db: str | None, config_file: str | None, verbose: int, quiet: bool) -> None:
    """Compare how different outlets tell the same story, claim by claim.

    \b
    Example:
        newscompare demo --out reports/
    """
    _configure_logging(verbose, quiet)
    ctx.obj = load_settings({"db": db}, config_file=config_file)


# ---------------------------------------------------------------------------------------------
# sources
# ---------------------------------------------------------------------------------------------


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
    from compare.sources import load_sources

    loaded = load_sources(file or settings.sources)
    if as_json:
        from dataclasses import asdict

        click.echo(json.dumps([asdict(o) for o in loaded.outlets], indent=2, ensure_ascii=False))
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


# ---------------------------------------------------------------------------------------------
# demo
# ---------------------------------------------------------------------------------------------


@cli.command()
@click.option("--out", "out", metavar="DIR", help="Where to write the reports (default reports/).")
@pass_settings
def demo(settings: Settings, out: str | None) -> None:
    """Serve the seeds demo web on 127.0.0.1, run the whole pipeline on it and write the report.

    \b
    Example:
        newscompare demo --out reports/
    """
    _fail(
        "the demo pipeline is not built yet (issue 8); `python -m compare.demoweb serve` "
        "serves the demo outlets meanwhile",
        EXIT_NOTHING_DONE,
    )


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="newscompare")


def _shared_data_default(settings: Settings, sub: str) -> Path | None:
    root = find_shared_data(settings)
    return root / sub if root else None
