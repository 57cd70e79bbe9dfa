"""The FastAPI application: HTML pages and a read-only JSON API over one newscompare database.

Pages (Jinja2, autoescaped, no scripts, a strict Content-Security-Policy and a Host check, by
:class:`~compare.service.security.SecurityMiddleware`):
``/`` search, ``/events/{id}`` the event's report, ``/claims/{id}``, ``/outlets``,
``/outlets/{id}`` (coverage health across runs, label ledger), ``/runs``.
API (OpenAPI at ``/openapi.json``, docs at ``/docs``): ``/api/query``, ``/api/events``,
``/api/events/{id}``, ``/api/claims/{id}``, ``/api/outlets``, ``/api/outlets/{id}``, ``/api/runs``.

Nothing here writes to the database. Each request opens its own connection (SQLite in WAL mode
lets a nightly run write meanwhile). Query sizes and pages are bounded.

(No ``from __future__ import annotations`` here: FastAPI reads the endpoint annotations at run
time, and the store dependency is local to :func:`create_app`.)
"""

import datetime
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, BeforeValidator

from compare import __version__
from compare.embed import Embedder
from compare.errors import CompareError, NotFoundError, StoreError, UsageError
from compare.query import MAX_LIMIT, MAX_QUERY_CHARS, QueryResult, query
from compare.service import data
from compare.service.pages import render_page
from compare.service.security import LOOPBACK_NAMES, SecurityMiddleware
from compare.store import Store, is_postgres, redacted, store_exists
from compare.view import EventView

__all__ = ["create_app"]

logger = logging.getLogger(__name__)

MAX_PAGE = 100
MAX_OFFSET = 100_000
MAX_FILTERS = 20


class ErrorBody(BaseModel):
    """The body of every 4xx answer of the API."""

    error: str
    detail: str


_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Bad parameters (e.g. an unreadable `since`)"},
    404: {"model": ErrorBody, "description": "No such event, claim, outlet or run"},
}

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Items per page")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip")]
Text = Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS, description="What to look for")]
Since = Annotated[
    str | None,
    Query(
        pattern=r"^([0-9]{1,4}(mo|[mhdwy])|all)$",
        description="Only what was published in the last 90m, 12h, 30d, 2w, 6mo or 1y; "
        "'all' (the default) for everything",
    ),
]
def _iso_date(value: object) -> object:
    """A date only as ISO 8601 writes it (pydantic would also take "0" as 1970-01-01)."""
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


FromDate = Annotated[
    datetime.date | None,
    BeforeValidator(_iso_date),
    Query(description="Only what was published on or after this date (YYYY-MM-DD)"),
]
RowId = Annotated[int, PathParam(ge=1, le=2**62, description="A row id")]
Outlets = Annotated[list[str], Query(max_length=MAX_FILTERS, description="Outlet ids (repeat)")]
Groups = Annotated[list[str], Query(max_length=MAX_FILTERS, description="Perspective groups (repeat)")]


class _PageCache:
    """Rendered pages by (what, store revision): a page is built once per change of the store."""

    def __init__(self, *, maxsize: int) -> None:
        self._pages: OrderedDict[tuple[object, ...], str] = OrderedDict()
        self._maxsize = maxsize
        self._lock = threading.Lock()

    def get(self, key: tuple[object, ...]) -> str | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: tuple[object, ...], page: str) -> str:
        with self._lock:
            self._pages[key] = page
            while len(self._pages) > self._maxsize:
                self._pages.popitem(last=False)
        return page


def _check_filters(values: Sequence[str]) -> tuple[str, ...]:
    if any(len(v) > 100 for v in values):
        raise UsageError("a filter value is longer than 100 characters")
    return tuple(v for v in values if v)


def create_app(
    db_path: str | Path,
    *,
    embedder: Embedder | None = None,
    aliases: Sequence[Sequence[str]] | None = None,
    allowed_hosts: Sequence[str] = LOOPBACK_NAMES,
) -> FastAPI:
    """The web app over the database at ``db_path`` (which must exist).

    ``allowed_hosts``: the ``Host`` names it answers (others get 400; see
    :mod:`compare.service.security`); the loopback names by default.

    ``embedder`` embeds queries (default: :func:`compare.embed.load_embedder`, loaded on the first
    query of a store holding vectors); ``aliases`` the alias sets for query expansion (default:
    the bundled lexicons; the CLI adds the sources file's topics with
    :func:`compare.query.alias_sets`).
    """
    path = str(db_path)  # a file, or a postgresql:// URL
    if not (store_exists(path) if is_postgres(path) else Path(path).is_file()):
        shown = redacted(path)
        raise StoreError(f"no database at {shown}: run `newscompare run` (or `demo`) first", path=shown)
    with Store(path, read_only=True) as probe:
        tables = probe.tables()
    if not {"events", "claims", "passages_fts"} <= tables:
        shown = redacted(path)
        raise StoreError(f"{shown} is not a newscompare database (or predates its schema)", path=shown)

    # FastAPI's own /docs and /redoc load Swagger UI and ReDoc from a CDN; fastapi-offline serves
    # the same pages from files it ships, so the API docs work on a machine without internet.
    app = FastAPIOffline(
        title="newscompare",
        version=__version__,
        description="Read-only API over a newscompare database: topic queries, events, claims, "
        "outlets and runs. Every list is paginated; query sizes are bounded.",
    )
    app.state.embedder = embedder
    app.state.aliases = aliases

    def store() -> Iterator[Store]:
        s = Store(path, read_only=True)
        try:
            yield s
        finally:
            s.close()

    Db = Annotated[Store, Depends(store)]

    @app.exception_handler(CompareError)
    async def _compare_error(request: Request, exc: CompareError) -> Response:
        status = 404 if isinstance(exc, NotFoundError) else 400
        if not request.url.path.startswith("/api/"):
            html = render_page("error.html", status=status, message=str(exc))
            return HTMLResponse(html, status_code=status)
        kind = "not_found" if status == 404 else "bad_request"
        return JSONResponse({"error": kind, "detail": str(exc)}, status_code=status)

    # Host check, CSP and security headers, damaged-database answers: compare.service.security
    app.add_middleware(SecurityMiddleware, allowed_hosts=allowed_hosts, database=str(path))

    def run_query(
        s: Store,
        q: str,
        since: str | None,
        from_date: datetime.date | None,
        outlet: list[str],
        group: list[str],
        limit: int,
        offset: int,
    ) -> QueryResult:
        cutoff: str | datetime.datetime | None = since or None
        if from_date is not None:
            cutoff = datetime.datetime.combine(from_date, datetime.time(), tzinfo=datetime.UTC)
        return query(
            s,
            q,
            since=cutoff,
            outlets=_check_filters(outlet),
            groups=_check_filters(group),
            limit=min(limit, MAX_LIMIT),
            offset=offset,
            embedder=app.state.embedder,
            aliases=app.state.aliases,
        )

    # ---- JSON API ---------------------------------------------------------------------------

    @app.get("/api/query", response_model=QueryResult, responses=_ERRORS, tags=["query"])
    def api_query(
        s: Db,
        q: Text,
        since: Since = None,
        from_date: FromDate = None,
        outlet: Outlets = [],  # noqa: B006 - FastAPI copies defaults
        group: Groups = [],  # noqa: B006
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 10,
        offset: Offset = 0,
    ) -> QueryResult:
        """Events matching a topic, each with its best-matching claims told by every outlet.

        ``since`` is relative (``30d``); ``from_date`` absolute; when both are given, ``from_date`` wins.
        """
        return run_query(s, q, since, from_date, outlet, group, limit, offset)

    @app.get("/api/events", response_model=data.EventPage, tags=["events"])
    def api_events(s: Db, limit: Limit = 20, offset: Offset = 0) -> data.EventPage:
        """Active events, most recent first."""
        return data.list_events(s, limit=limit, offset=offset)

    @app.get("/api/events/{event_id}", response_model=EventView, responses=_ERRORS, tags=["events"])
    def api_event(s: Db, event_id: RowId, limit: Limit = 50, offset: Offset = 0) -> EventView:
        """One event as every report shows it: outlets (covers / omits / not read, and why), its
        claims with every outlet's cell (one page of them; ``total_claims`` says how many),
        the label ledger, numbers, voices and what changed since the last run."""
        return data.event_view(s, event_id, limit=limit, offset=offset)

    @app.get("/api/claims/{claim_id}", response_model=data.ClaimDetail, responses=_ERRORS, tags=["events"])
    def api_claim(s: Db, claim_id: RowId) -> data.ClaimDetail:
        """One claim: every outlet's cell (its sentence, attribution and labels, or why not)."""
        return data.claim_detail(s, claim_id)

    @app.get("/api/outlets", response_model=tuple[data.OutletSummary, ...], tags=["outlets"])
    def api_outlets(s: Db) -> tuple[data.OutletSummary, ...]:
        """Every outlet with its article count and its last run's fetch health."""
        return data.list_outlets(s)

    @app.get(
        "/api/outlets/{outlet_id}", response_model=data.OutletDetail, responses=_ERRORS, tags=["outlets"]
    )
    def api_outlet(s: Db, outlet_id: Annotated[str, PathParam(max_length=200)]) -> data.OutletDetail:
        """An outlet's coverage health across runs and its label ledger."""
        return data.outlet_detail(s, outlet_id)

    @app.get("/api/runs", response_model=data.RunPage, tags=["runs"])
    def api_runs(s: Db, limit: Limit = 20, offset: Offset = 0) -> data.RunPage:
        """Runs, newest first."""
        return data.list_runs(s, limit=limit, offset=offset)

    # ---- HTML pages -------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page_search(
        s: Db,
        q: Annotated[str, Query(max_length=MAX_QUERY_CHARS)] = "",
        since: Annotated[str | None, Query(max_length=20)] = None,
        outlet: Outlets = [],  # noqa: B006
        group: Groups = [],  # noqa: B006
        offset: Offset = 0,
    ) -> str:
        result = run_query(s, q, since, None, outlet, group, 10, offset) if q.strip() else None
        outlets = data.list_outlets(s)
        groups = sorted({g for o in outlets for g in o.groups})
        return render_page(
            "search.html",
            q=q,
            since=since or "",
            chosen_outlets=set(outlet),
            chosen_groups=set(group),
            outlets=outlets,
            groups=groups,
            result=result,
            events=None if result else data.list_events(s, limit=10),
        )

    # The event page is the report's self-contained HTML, whose links are relative to the
    # report bundle: "index.html" (all events) and "snapshots/<sha256>.txt" (provenance).
    @app.get("/events/index.html", include_in_schema=False)
    def page_event_index() -> Response:
        return RedirectResponse("/", status_code=308)

    @app.get("/events/snapshots/{sha256}.txt", response_class=PlainTextResponse, include_in_schema=False)
    def page_snapshot(s: Db, sha256: Annotated[str, PathParam(pattern="^[0-9a-f]{64}$")]) -> str:
        from compare.report.bundle import snapshot_file

        text = snapshot_file(s, sha256)
        if text is None:
            raise NotFoundError(f"no stored article text for snapshot {sha256}")
        return text

    pages = _PageCache(maxsize=64)

    @app.get("/events/{event_id}", response_class=HTMLResponse, include_in_schema=False)
    def page_event(s: Db, event_id: RowId) -> str:
        from compare.report import render_html

        key = (event_id, s.revision())
        page = pages.get(key)
        if page is None:
            page = pages.put(key, render_html(data.event_view(s, event_id)))
        return page

    @app.get("/claims/{claim_id}", response_class=HTMLResponse, include_in_schema=False)
    def page_claim(s: Db, claim_id: RowId) -> str:
        return render_page("claim.html", detail=data.claim_detail(s, claim_id))

    @app.get("/outlets", response_class=HTMLResponse, include_in_schema=False)
    def page_outlets(s: Db) -> str:
        return render_page("outlets.html", outlets=data.list_outlets(s))

    @app.get("/outlets/{outlet_id}", response_class=HTMLResponse, include_in_schema=False)
    def page_outlet(s: Db, outlet_id: str) -> str:
        return render_page("outlet.html", detail=data.outlet_detail(s, outlet_id))

    @app.get("/runs", response_class=HTMLResponse, include_in_schema=False)
    def page_runs(s: Db, offset: Offset = 0) -> str:
        return render_page("runs.html", page=data.list_runs(s, limit=50, offset=offset))

    return app
