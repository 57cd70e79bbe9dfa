"""The command group, its global options, and how errors become one line and an exit code.

Only this package (and the service) turns errors into messages and exit codes:
0 ok; 1 the run finished but some outlets failed; 2 bad usage or bad input; 3 nothing could be
done (another run holds the lock, or an internal error). Heavy modules are imported inside the
commands, so ``newscompare --help`` starts fast.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from compare import __version__
from compare.config import Settings, load_settings
from compare.durations import parse_duration
from compare.errors import CompareError, SourcesError
from compare.models import Sources

if TYPE_CHECKING:
    from rich.console import Console

    from compare.store import Store

__all__ = ["cli", "main", "parse_duration", "pass_settings"]

log = logging.getLogger("compare")

EXIT_OK, EXIT_PARTIAL, EXIT_BAD_INPUT, EXIT_NOTHING_DONE = 0, 1, 2, 3


#: Problems of a sources file listed one per line before the error; the rest are counted.
MAX_PROBLEMS_SHOWN = 20
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def _one_line(text: str, limit: int = 500) -> str:
    """``text`` on one line, without control characters (no terminal escapes), at most ``limit``."""
    flat = _CONTROL.sub(" ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"Error: {_one_line(message, 2000)}", err=True)
    sys.exit(code)


class _OneLineUsage(click.ClickException):
    """A usage error shown as one line (click would add the usage and a hint above it)."""

    exit_code = EXIT_BAD_INPUT

    def show(self, file: Any = None) -> None:
        click.echo(f"Error: {_one_line(self.message, 2000)}", err=True)


def _usage(exc: click.UsageError) -> _OneLineUsage:
    where = exc.ctx.command_path if exc.ctx is not None else "newscompare"
    return _OneLineUsage(f"{exc.format_message()} (see `{where} --help`)")


class _Group(click.Group):
    """A click group that turns every error into one line on stderr and an exit code."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:  # the group's own options
            raise _usage(exc) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:  # a command's arguments and options
            raise _usage(exc) from None
        except CompareError as exc:
            if isinstance(exc, SourcesError) and len(exc.problems) > 1:
                for problem in exc.problems[:MAX_PROBLEMS_SHOWN]:
                    click.echo(f"  {_one_line(str(problem))}", err=True)
                hidden = exc.total - MAX_PROBLEMS_SHOWN
                if hidden > 0:
                    last = exc.problems[-1]
                    note = f" ({last.message})" if last.line is None and not last.key else ""
                    click.echo(f"  … and {hidden} more problem{'s' * (hidden > 1)}{note}", err=True)
            if log.isEnabledFor(logging.DEBUG):
                log.debug("details", exc_info=True)
            _fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted; run the same command again to resume.", err=True)
            sys.exit(130)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort, SystemExit):
            raise
        except Exception as exc:  # a damaged database, or a bug; still one line for the user
            if log.isEnabledFor(logging.DEBUG):
                log.debug("internal error", exc_info=True)
            if isinstance(exc, sqlite3.DatabaseError):
                from compare.store import damaged_database

                settings = ctx.find_object(Settings)
                damage = damaged_database(settings.db if settings else "the database", exc)
                if damage is not None:
                    _fail(str(damage), EXIT_BAD_INPUT)
            _fail(
                f"internal error: {type(exc).__name__}: {exc} (run with -vv for the traceback)",
                EXIT_NOTHING_DONE,
            )


_HANDLER_NAME = "newscompare-cli"


def _configure_logging(verbose: int, quiet: bool) -> None:
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    root = logging.getLogger("compare")
    root.setLevel(level)
    if any(h.get_name() == _HANDLER_NAME for h in root.handlers):
        return
    handler: logging.Handler
    if sys.stderr.isatty():
        from rich.logging import RichHandler

        handler = RichHandler(show_path=False, markup=False, rich_tracebacks=False)
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.set_name(_HANDLER_NAME)
    root.addHandler(handler)


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
@click.option("-q", "--quiet", is_flag=True, help="Only errors and summaries (no progress).")
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


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="newscompare")


# ---------------------------------------------------------------------------------------------
# Helpers shared by the commands
# ---------------------------------------------------------------------------------------------


def load_sources_file(settings: Settings, file: str | None) -> Sources:
    from compare.sources import load_sources

    return load_sources(file or settings.sources)


#: Columns of output when it goes to a file or a pipe (a log, a cron mail): wide enough that tables
#: keep whole outlet names. ``COLUMNS`` overrides it.
PIPED_WIDTH = 160


def lazy_embedder(settings: Settings, languages: Iterable[str | None]) -> Any:
    """The configured embedder (loaded on its first uncached text) for outlets writing in
    ``languages``: the multilingual model when one of them is not English (Settings.embedding_for)."""
    from compare.pipeline import LazyEmbedder

    model, backend = settings.embedding_for(languages)
    return LazyEmbedder(model, backend=backend)


def store_languages(store: Store, sources: Sources | None = None) -> list[str | None]:
    """The languages of the store's outlets and of ``sources``' (what was and will be embedded)."""
    languages: list[str | None] = [o.language for o in store.outlets()]
    return languages + list(sources.languages if sources else ())


def quiet() -> bool:
    """True under ``newscompare -q``: no progress output, only errors and summaries."""
    ctx = click.get_current_context(silent=True)
    return bool(ctx is not None and ctx.find_root().params.get("quiet"))


def console() -> Console:
    """The console commands print to: a terminal's own width, or :data:`PIPED_WIDTH` when piped."""
    from rich.console import Console

    width = None
    if not sys.stdout.isatty():
        try:
            width = int(os.environ.get("COLUMNS") or PIPED_WIDTH)
        except ValueError:
            width = PIPED_WIDTH
    return Console(stderr=False, soft_wrap=False, width=width)


def database_exists(settings: Settings) -> bool:
    """True when ``settings.db`` names a database there is: a file, or a PostgreSQL database that
    answers."""
    from compare.store import store_exists

    return store_exists(settings.db)


def shown_db(settings: Settings) -> str:
    """``settings.db`` for a message: a PostgreSQL URL without its password."""
    from compare.store import redacted

    return redacted(settings.db)


def open_store(settings: Settings, *, read: bool = False) -> Store:
    """The store of ``settings.db``; ``read``: the command only reads, so a database on a read-only
    medium (or a read-only file) is opened read-only instead of refused."""
    from compare.store import Store

    path = Path(settings.db)
    if read and path.is_file():
        folder = path.parent if str(path.parent) else Path(".")
        if not (os.access(path, os.W_OK) and os.access(folder, os.W_OK)):
            return Store(path, read_only=True)
    return Store(settings.db)


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))
