"""``newscompare query`` and ``newscompare serve``: journalists' questions, on the command line
and in a browser."""

from __future__ import annotations

import ipaddress
import re
import socket
from pathlib import Path

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
from compare.durations import DEFAULT_QUERY_SINCE
from compare.errors import UsageError
from compare.models import Sources


def _sources_if_any(settings: Settings, sources_file: str | None) -> Sources | None:
    path = Path(sources_file or settings.sources)
    if sources_file or path.exists():
        return load_sources_file(settings, str(path))
    return None


def _need_db(settings: Settings) -> None:
    if not database_exists(settings):
        raise UsageError(
            f"no database at {shown_db(settings)}; run `newscompare run` or `newscompare demo` first"
        )


@cli.command()
@click.argument("text")
@click.option(
    "--since",
    default=DEFAULT_QUERY_SINCE,
    show_default=True,
    metavar="AGE",
    help="Only articles this recent (90m, 12h, 30d, 6mo, a date), or all.",
)
@click.option("--outlet", "outlets", multiple=True, metavar="ID", help="Only this outlet (repeatable).")
@click.option(
    "--group",
    "groups",
    multiple=True,
    metavar="TAG",
    help="Only outlets with this perspective tag (repeatable).",
)
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 50), help="Events to show.")
@click.option(
    "--format", "fmt", type=click.Choice(("table", "md", "json")), default="table", show_default=True
)
@click.option(
    "--sources", "sources_file", metavar="FILE", help="Sources file whose topic aliases expand the query."
)
@pass_settings
def query(
    settings: Settings,
    text: str,
    since: str,
    outlets: tuple[str, ...],
    groups: tuple[str, ...],
    limit: int,
    fmt: str,
    sources_file: str | None,
) -> None:
    """Find the events about a topic and show each outlet's framing of the matching claims.

    Alias sets expand the query: "Khankendi" also finds "Stepanakert". The whole store is searched
    unless `--since` narrows it (the web page and the API default to the same).

    \b
    Example:
        newscompare query "Lachin corridor" --since 30d --group state-aligned --format md
    """
    from compare.query import (
        alias_sets,
        render_query_json,
        render_query_markdown,
        render_query_table,
    )
    from compare.query import query as run_query

    _need_db(settings)
    aliases = alias_sets(_sources_if_any(settings, sources_file))
    with open_store(settings, read=True) as store:
        result = run_query(
            store,
            text,
            since=since,
            outlets=outlets,
            groups=groups,
            limit=limit,
            embedder=lazy_embedder(settings, store_languages(store)),
            aliases=aliases,
        )
    if fmt == "json":
        click.echo(render_query_json(result))
    elif fmt == "md":
        click.echo(render_query_markdown(result))
    else:
        console().print(render_query_table(result))


_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$", re.IGNORECASE)


def _check_listen_address(host: str, port: int) -> str:
    """The address to listen on (``[::1]`` as ``::1``); an address that is no address
    (``127.0.0.300``) or that cannot be bound is a usage error, in one line."""
    literal = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        ipaddress.ip_address(literal)
    except ValueError:
        labels = literal.rstrip(".").split(".")
        numeric = re.fullmatch(r"(0x[0-9a-f]*|[0-9]+)", labels[-1], re.IGNORECASE) is not None
        if numeric or not all(_HOST_LABEL.match(x) for x in labels):
            raise UsageError(f"--host {host!r} is neither an IP address (dotted, as 127.0.0.1) "
                             "nor a host name") from None
    try:
        infos = socket.getaddrinfo(literal, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:
        raise UsageError(f"--host {host!r} cannot be resolved: {exc}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return literal


@cli.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default)."
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--allow-host", "allow_hosts", multiple=True, metavar="NAME", envvar="NEWSCOMPARE_ALLOW_HOSTS",
    help="Also answer requests naming this host (repeatable; env NEWSCOMPARE_ALLOW_HOSTS, spaces "
    "between names). By default only the --host address and the loopback names are answered.",
)
@click.option(
    "--sources", "sources_file", metavar="FILE", help="Sources file whose topic aliases expand queries."
)
@pass_settings
def serve(
    settings: Settings, host: str, port: int, allow_hosts: tuple[str, ...], sources_file: str | None
) -> None:
    """Serve the search page, event reports and the JSON API (OpenAPI at /openapi.json), read-only.

    Every page carries a Content-Security-Policy, and requests whose Host header names another
    site (DNS rebinding) are refused; behind a reverse proxy, name its host with --allow-host.

    \b
    Example:
        newscompare --db newscompare-demo.db serve --port 8000 --allow-host news.example.org
    """
    from compare.query import alias_sets
    from compare.service import serve as run_server

    _need_db(settings)
    host = _check_listen_address(host, port)
    aliases = alias_sets(_sources_if_any(settings, sources_file))
    shown = f"[{host}]" if ":" in host else host
    with open_store(settings, read=True) as store:
        embedder = lazy_embedder(settings, store_languages(store))
    console().print(f"Serving {shown_db(settings)} on http://{shown}:{port}/ (Ctrl-C to stop)")
    run_server(settings.db, host, port, embedder=embedder, aliases=aliases, allow_hosts=allow_hosts)
