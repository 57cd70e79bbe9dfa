"""The web service in process: every endpoint, 404s, bounds, and hostile text never becoming markup."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from compare.embed import HashingEmbedder
from compare.errors import StoreError
from compare.service import create_app
from compare.store import Store

from .conftest import EVIL_OUTLET


@pytest.fixture
def client(store_path: Path) -> Iterator[TestClient]:
    # TestClient names its host "testserver"; the app answers only the names it is given
    app = create_app(store_path, embedder=HashingEmbedder(dim=128), allowed_hosts=["testserver"])
    with TestClient(app) as c:
        yield c


def test_query_endpoint_groups_by_event(client: TestClient) -> None:
    r = client.get("/api/query", params={"q": "Khankendi"})
    assert r.status_code == 200
    body = r.json()
    assert body["expansions"][0] == "Stepanakert"
    assert body["events"][0]["label"] == "Convoy on the Lachin road"
    outlets = {
        cell["outlet_id"]
        for hit in body["events"][0]["claims"]
        for cell in hit["claim"]["cells"]
        if cell["presence"] == "says"
    }
    assert {"azstate", "armnews"} <= outlets
    states = {o["id"]: o["state"] for o in body["events"][0]["outlets"]}
    assert states["azstate"] == "covers"
    assert body["vector_search"] == "exact"


def test_query_filters_are_repeatable_parameters(client: TestClient) -> None:
    r = client.get("/api/query", params=[("q", "convoy"), ("outlet", "wire"), ("outlet", "armnews")])
    matched = {o for e in r.json()["events"] for hit in e["claims"] for o in hit["matched_outlets"]}
    assert matched <= {"wire", "armnews"} and matched


def test_events_claims_outlets_runs(client: TestClient, store: Store) -> None:
    events = client.get("/api/events").json()
    assert events["total"] == 2 and len(events["items"]) == 2
    event_id = events["items"][0]["id"]
    event = client.get(f"/api/events/{event_id}").json()
    assert event["claims"] and event["articles"] and event["schema_version"] == "2.1"
    assert event["total_claims"] == len(event["claims"])
    claim_id = event["claims"][0]["id"]
    claim = client.get(f"/api/claims/{claim_id}").json()
    says = [c for c in claim["claim"]["cells"] if c["presence"] == "says"]
    assert claim["event_id"] == event_id and len(says) >= 3
    assert claim["claim"] == event["claims"][0]  # one view: the claim page shows the event's row
    outlets = client.get("/api/outlets").json()
    assert {o["id"] for o in outlets} == {"azstate", "armnews", "wire", "evil"}
    wire = client.get("/api/outlets/wire").json()
    assert wire["health"][0]["outcomes"] == {"timeout": 1} and wire["health"][0]["ok"] == 0
    az = client.get("/api/outlets/azstate").json()
    assert {"concept": "capital", "term": "Khankendi", "count": 1} in az["ledger"]
    runs = client.get("/api/runs").json()
    assert runs["total"] == 1 and runs["items"][0]["status"] == "partial"


@pytest.mark.parametrize(
    "url",
    [
        "/api/events/999",
        "/api/claims/999",
        "/api/outlets/nobody",
        "/events/999",
        "/claims/999",
        "/outlets/nobody",
    ],
)
def test_unknown_ids_are_404(client: TestClient, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 404
    if url.startswith("/api/"):
        assert r.json()["error"] == "not_found"


@pytest.mark.parametrize(
    "params",
    [
        {"q": ""},
        {"q": "x" * 301},
        {"q": "convoy", "limit": 0},
        {"q": "convoy", "limit": 51},
        {"q": "convoy", "offset": -1},
        {"q": "convoy", "offset": 100_001},
    ],
)
def test_query_sizes_are_bounded(client: TestClient, params: dict) -> None:
    assert client.get("/api/query", params=params).status_code == 422


@pytest.mark.parametrize("url", ["/api/events?limit=101", "/api/events?limit=0", "/api/runs?offset=-1"])
def test_pages_are_bounded(client: TestClient, url: str) -> None:
    assert client.get(url).status_code == 422


def test_pagination(client: TestClient) -> None:
    first = client.get("/api/events", params={"limit": 1}).json()
    second = client.get("/api/events", params={"limit": 1, "offset": 1}).json()
    assert first["total"] == second["total"] == 2
    assert first["items"][0]["id"] != second["items"][0]["id"]


def test_bad_since_is_refused_with_a_message(client: TestClient) -> None:
    assert client.get("/api/query", params={"q": "convoy", "since": "soon"}).status_code == 422
    r = client.get("/", params={"q": "convoy", "since": "soon"})
    assert r.status_code == 400 and "since=" in r.text
    dated = client.get("/api/query", params={"q": "football derby", "from_date": "2026-01-01"}).json()
    assert dated["total_events"] == 0 and dated["since"].startswith("2026-01-01")


HTML_PAGES = [
    "/",
    "/?q=convoy+note",
    "/?q=Khankendi&group=wire",
    "/events/1",
    "/events/2",
    "/claims/1",
    "/outlets",
    "/outlets/evil",
    "/runs",
]


@pytest.mark.parametrize("url", HTML_PAGES)
def test_hostile_text_never_becomes_markup(client: TestClient, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 200, r.text[:300]
    page = r.text
    assert "<script" not in page.lower()
    assert "<img" not in page.lower()
    assert "<b>Evil</b>" not in page
    assert r.headers["content-security-policy"].startswith("default-src 'none'")
    assert r.headers["x-content-type-options"] == "nosniff"


def test_hostile_text_is_shown_escaped(client: TestClient) -> None:
    page = client.get("/?q=convoy+note").text
    assert "&lt;script&gt;" in page
    assert "{{ 7*7 }}" in page  # the template engine did not evaluate it
    outlets = client.get("/outlets").text
    assert "&lt;b&gt;Evil&lt;/b&gt; &amp; Co" in outlets
    assert EVIL_OUTLET not in outlets


def test_only_http_links_are_links(client: TestClient, store_path: Path) -> None:
    with Store(store_path) as s:
        s._db.execute("UPDATE articles SET url = 'javascript:alert(1)' WHERE outlet_id = 'evil'")
        s._db.conn.commit()
    page = client.get("/?q=convoy+note").text
    assert 'href="javascript:' not in page


def test_search_page_shows_claims_side_by_side(client: TestClient) -> None:
    page = client.get("/", params={"q": "humanitarian convoy"}).text
    assert 'class="side"' in page
    assert page.count('class="card') >= 3
    assert 'href="/events/1"' in page


def test_openapi_lists_the_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = set(spec["paths"])
    assert {
        "/api/query",
        "/api/events",
        "/api/events/{event_id}",
        "/api/claims/{claim_id}",
        "/api/outlets",
        "/api/runs",
    } <= paths
    assert not any(p in paths for p in ("/", "/runs", "/events/{event_id}"))
    query = spec["paths"]["/api/query"]["get"]
    assert {"200", "400", "422"} <= set(query["responses"])


def test_missing_database_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError):
        create_app(tmp_path / "absent.db")


def test_asgi_transport_works_too(store_path: Path) -> None:
    app = create_app(store_path, embedder=HashingEmbedder(dim=128))

    async def fetch() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as c:
            return await c.get("/api/query", params={"q": "Stepanakert"})

    r = asyncio.run(fetch())
    assert r.status_code == 200 and r.json()["total_events"] >= 1


def test_event_page_links_resolve_inside_the_service(client: TestClient, store: Store) -> None:
    """The report's relative links (all events, provenance snapshots) work under /events/."""
    sha = "ab" * 32
    article_id = store._db.execute("SELECT id FROM articles ORDER BY id LIMIT 1").fetchone()[0]
    with store._db.atomic():
        store._db.execute(
            "INSERT INTO snapshots (sha256, url, final_url, status, fetched_at, bytes, body)"
            " VALUES (?, ?, ?, 200, '2023-07-29T00:00:00', 1, x'00')",
            [sha, "http://example.test/a", "http://example.test/a"],
        )
        store._db.execute("UPDATE articles SET snapshot_sha256 = ? WHERE id = ?", [sha, article_id])
    index = client.get("/events/index.html", follow_redirects=False)
    assert index.status_code == 308 and index.headers["location"] == "/"
    text = client.get(f"/events/snapshots/{sha}.txt")
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/plain")
    assert f"sha256: {sha}" in text.text and "<" not in text.text.split("\n", 1)[0]
    assert client.get(f"/events/snapshots/{'cd' * 32}.txt").status_code == 404
    assert client.get("/events/snapshots/not-a-hash.txt").status_code in (404, 422)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_api_docs_need_nothing_from_elsewhere(client: TestClient, page: str) -> None:
    r = client.get(page)
    assert r.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', r.text)
    assert assets and all(a.startswith("/") for a in assets), assets  # served here, not from a CDN
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    assert "cdn" not in r.text.lower()
    assert "'self'" in r.headers["content-security-policy"]
