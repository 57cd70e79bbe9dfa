"""The demo web: every demo outlet served from its own loopback address and port.

:class:`DemoWeb` starts one :class:`http.server.ThreadingHTTPServer` per outlet, on
``127.0.0.N`` (N from 2 upward; 127.0.0.1 where the system has only that loopback address) and a
port the system picks, each in a daemon thread. The servers behave like small news sites:

- ``/`` front page, ``/robots.txt``, the outlet's RSS or Atom feed, ``/sitemap.xml`` for the
  outlets that publish one, and one HTML page per article;
- conditional requests: a strong ``ETag`` (hash of the body) and ``Last-Modified`` on every
  200 answer; ``If-None-Match`` and, without it, ``If-Modified-Since`` give ``304``;
- the deliberate failures of the corpus: an outlet answering ``403`` to everything, a page
  answering ``500``, a feed entry whose page answers ``404``, a paywalled page (``200`` with a
  teaser) and a robots.txt that disallows a path the feed links to;
- :meth:`DemoWeb.set_version` switches the silently edited article to its second version.

Nothing here reaches beyond 127.0.0.0/8.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from compare.demoweb import render
from compare.demoweb.corpus import Corpus, DemoArticle, DemoOutlet, load_corpus
from compare.demoweb.sources_file import write_sources
from compare.errors import CompareError, UsageError

__all__ = ["DemoWeb", "ServedOutlet"]

log = logging.getLogger(__name__)

VERSIONS = (1, 2)
#: How often an idle server checks whether it should stop (seconds).
POLL_INTERVAL = 0.2


@dataclass(frozen=True)
class ServedOutlet:
    """Where one demo outlet is being served."""

    outlet_id: str
    base_url: str
    host: str
    port: int

    @property
    def homepage(self) -> str:
        """The outlet's front page URL (with the trailing slash)."""
        return self.base_url + "/"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Many outlets on one machine: never let a stale socket block the next test run.
    allow_reuse_address = True
    #: The URL this server answers at, set once it is bound (links are rendered with it).
    base_url = ""


class DemoWeb:
    """Serve the demo corpus as a small web of outlets on loopback addresses.

    Use it as a context manager (or call :meth:`start` and :meth:`stop`)::

        with DemoWeb() as web:
            sources = web.write_sources(tmp / "sources.yaml")
            web.set_version(2)
    """

    def __init__(
        self,
        seeds_dir: str | os.PathLike[str] | None = None,
        version: int = 1,
        *,
        corpus: Corpus | None = None,
        first_host: int = 2,
        port: int = 0,
    ) -> None:
        self.corpus = corpus if corpus is not None else load_corpus(seeds_dir)
        self._check_version(version)
        self._version = version
        self._first_host = first_host
        self._port = port
        self._servers: list[tuple[ServedOutlet, _Server, threading.Thread]] = []
        #: Outlets whose whole site answers ``503`` (a night it is down), set by tests.
        self.down: set[str] = set()

    # ---------------------------------------------------------------------------- lifecycle

    def __enter__(self) -> DemoWeb:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> DemoWeb:
        """Start one server per outlet; returns ``self``. Starting twice is an error."""
        if self._servers:
            raise UsageError("the demo web is already running")
        try:
            for index, outlet in enumerate(self.corpus.outlets):
                self._servers.append(self._serve(outlet, self._first_host + index, index))
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop every server and release its port (safe to call twice)."""
        for _, server, _ in self._servers:
            # shutdown() waits for the serve loop to notice; ask every loop at once.
            threading.Thread(target=server.shutdown, daemon=True).start()
        for _, server, thread in self._servers:
            thread.join(timeout=5)
            server.server_close()
        self._servers.clear()

    def _serve(
        self, outlet: DemoOutlet, last_octet: int, index: int
    ) -> tuple[ServedOutlet, _Server, threading.Thread]:
        handler = _handler_for(self, outlet)
        host = f"127.0.0.{last_octet}"
        try:
            server = _Server((host, self._port), handler)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise CompareError(
                    f"cannot start the demo web for {outlet.id}: {host}:{self._port} is in use"
                ) from exc
            # Some systems (macOS) route only 127.0.0.1: fall back to it, one port per outlet
            # (a fixed port becomes port + index, so URLs stay stable from run to run).
            log.debug("cannot bind %s, serving %s from 127.0.0.1", host, outlet.id)
            host = "127.0.0.1"
            try:
                server = _Server((host, self._port + index if self._port else 0), handler)
            except OSError as exc:
                raise CompareError(f"cannot start the demo web for {outlet.id}: {exc}") from exc
        port = int(server.server_address[1])
        served = ServedOutlet(outlet.id, f"http://{host}:{port}", host, port)
        server.base_url = served.base_url
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL},
            name=f"demoweb-{outlet.id}",
            daemon=True,
        )
        thread.start()
        log.debug("serving %s at %s", outlet.id, served.base_url)
        return served, server, thread

    # ---------------------------------------------------------------------------- queries

    @property
    def outlets(self) -> list[ServedOutlet]:
        """Where each outlet is served, in the order of ``outlets.yaml``."""
        return [served for served, _, _ in self._servers]

    @property
    def version(self) -> int:
        """Which version of the edited article is being served."""
        return self._version

    def base_url(self, outlet_id: str) -> str:
        """The base URL (no trailing slash) of a served outlet."""
        for served in self.outlets:
            if served.outlet_id == outlet_id:
                return served.base_url
        raise UsageError(f"no demo outlet {outlet_id!r} is being served")

    def url_for(self, key: str) -> str:
        """The URL of the article with this ``<outlet-id>/<slug>`` key."""
        article = self.corpus.article(key)
        outlet = self.corpus.outlet(key.split("/", 1)[0])
        if article is None or outlet is None:
            raise UsageError(f"no demo article {key!r}")
        return self.base_url(outlet.id) + article.path(outlet)

    @property
    def seed_url(self) -> str:
        """The URL of the seed report: the event it lands in is the demo's main event."""
        seed = self.corpus.seed_article
        if seed is None:
            raise UsageError("the demo corpus has no seed article")
        return self.url_for(seed.key)

    def feed_url(self, outlet_id: str) -> str:
        """The URL of the feed (or sitemap) the sources file lists for this outlet."""
        outlet = self.corpus.outlet(outlet_id)
        if outlet is None:
            raise UsageError(f"no demo outlet {outlet_id!r}")
        path = "/sitemap.xml" if outlet.listed_feed == "sitemap" else outlet.feed_path
        return self.base_url(outlet_id) + path

    # ---------------------------------------------------------------------------- changes

    def set_version(self, version: int) -> None:
        """Serve ``version`` of every edited article from now on (1 or 2)."""
        self._check_version(version)
        self._version = version
        log.info("demo web now serves version %d of edited articles", version)

    @staticmethod
    def _check_version(version: int) -> None:
        if version not in VERSIONS:
            raise UsageError(f"version must be one of {VERSIONS}, not {version!r}")

    def write_sources(
        self, path: str | os.PathLike[str], *, min_delay: float = 0.0, languages: Sequence[str] | None = None
    ) -> Path:
        """Write a ``sources.yaml`` pointing at the running servers; returns its path.

        ``languages`` lists only the outlets writing in them (``("en",)``: the English demo)."""
        if not self._servers:
            raise UsageError("start the demo web before writing its sources file")
        return write_sources(
            self.corpus,
            {s.outlet_id: s.base_url for s in self.outlets},
            path,
            min_delay=min_delay,
            languages=languages,
        )

    # ---------------------------------------------------------------------------- routing

    def resolve(self, outlet: DemoOutlet, base: str, path: str) -> tuple[int, render.Rendered]:
        """The status and resource this outlet answers for ``path`` (no conditional logic)."""
        corpus, number = self.corpus, self._version
        newest = render.render_robots(corpus, outlet, base, number).modified
        if outlet.id in self.down:
            message = "The site is down for maintenance. Please try again later."
            return 503, render.render_error(outlet, base, 503, "Service Unavailable", message, newest)
        if outlet.behaviour == "forbidden":
            message = "Access denied. Automated clients are not allowed on this demo site."
            return 403, render.render_error(outlet, base, 403, "Forbidden", message, newest)
        routes: dict[str, Callable[[Corpus, DemoOutlet, str, int], render.Rendered]] = {
            "/": render.render_home,
            "/robots.txt": render.render_robots,
            outlet.feed_path: render.render_feed,
        }
        if outlet.sitemap:
            routes["/sitemap.xml"] = render.render_sitemap
        if path in routes:
            return 200, routes[path](corpus, outlet, base, number)
        article = self._article_at(outlet, path)
        if article is None:
            # Like most sites, answer the other form of a trailing slash with a redirect.
            other = path[:-1] if path.endswith("/") else path + "/"
            moved = self._article_at(outlet, other)
            if moved is not None and "missing" not in moved.flags:
                page = render.render_error(
                    outlet, base, 301, "Moved Permanently", "This page has moved.", newest
                )
                return 301, replace(page, location=base + other)
        if article is None or "missing" in article.flags:
            message = "The page you asked for does not exist or has been moved."
            return 404, render.render_error(outlet, base, 404, "Not Found", message, newest)
        if "broken" in article.flags:
            message = "The server could not render this page. Please try again later."
            return 500, render.render_error(outlet, base, 500, "Internal Server Error", message, newest)
        return 200, render.render_article(corpus, outlet, article, base, number)

    def _article_at(self, outlet: DemoOutlet, path: str) -> DemoArticle | None:
        for article in self.corpus.articles_of(outlet.id):
            if article.path(outlet) == path:
                return article
        return None


def _http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:24] + '"'


def _not_modified(headers: Any, etag: str, modified: datetime) -> bool:
    """RFC 9110 §13.2.2: If-None-Match decides when present, else If-Modified-Since."""
    match = headers.get("If-None-Match")
    if match is not None:
        tags = [tag.strip().removeprefix("W/") for tag in match.split(",")]
        return "*" in tags or etag in tags
    since = headers.get("If-Modified-Since")
    if since:
        try:
            when = parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return modified.replace(microsecond=0) <= when
    return False


def _handler_for(web: DemoWeb, outlet: DemoOutlet) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = f"DemoWeb/{outlet.id}"
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._answer(send_body=True)

        def do_HEAD(self) -> None:
            self._answer(send_body=False)

        def _answer(self, *, send_body: bool) -> None:
            base = self.server.base_url if isinstance(self.server, _Server) else ""
            path = urlsplit(self.path).path or "/"
            status, resource = web.resolve(outlet, base, path)
            etag = _etag(resource.body)
            if status == 200 and _not_modified(self.headers, etag, resource.modified):
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", _http_date(resource.modified))
                self.end_headers()
                return
            self.send_response(status)
            self.send_header("Content-Type", resource.content_type)
            self.send_header("Content-Length", str(len(resource.body)))
            if resource.location:
                self.send_header("Location", resource.location)
            if status == 200:
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", _http_date(resource.modified))
                self.send_header("Cache-Control", "max-age=0, must-revalidate")
            self.end_headers()
            if send_body:
                self.wfile.write(resource.body)

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("%s %s", outlet.id, format % args)

    return Handler
