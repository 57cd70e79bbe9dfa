"""Headless Chromium against the running service: type a query, open an event, see the claims.

Uses the system's Chromium only (``scripts/install_browser``; never ``playwright install``) and
skips with a reason when it is absent, unless ``NEWSCOMPARE_REQUIRE_BROWSER`` is set. The page
must run no script at all: hostile text in the store stays text, and no dialog ever opens.
Set ``NEWSCOMPARE_SEARCH_SCREENSHOT=path.png`` to keep a screenshot of the search page
(docs/search-screenshot.png is made that way).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from compare.embed import HashingEmbedder
from compare.service import create_app

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(store_path: Path) -> Iterator[str]:
    import uvicorn

    port = _free_port()
    app = create_app(store_path, embedder=HashingEmbedder(dim=128))
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not srv.started:
        if time.monotonic() > deadline:
            pytest.fail("the service did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


def test_search_then_event_in_chromium(server: str, browser: Any, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(server) else outside.append(r.url))

    page.goto(server + "/", wait_until="load")
    page.fill("#q", "Khankendi convoy")
    page.click("#go")
    page.wait_for_selector("article.event")
    first = page.locator("article.event").first
    cards = first.locator(".side").first.locator(".card")
    outlets = {cards.nth(i).get_attribute("data-outlet") for i in range(cards.count())}
    assert {"azstate", "armnews", "wire"} <= outlets  # one claim, several outlets, side by side
    assert "Stepanakert" in first.inner_text() and "Khankendi" in first.inner_text()
    assert "<script>" in page.inner_text("body")  # the hostile sentence shows as text
    shot = Path(os.environ.get("NEWSCOMPARE_SEARCH_SCREENSHOT") or tmp_path / "search.png")
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 10_000

    first.locator("a.event-link").click()
    page.wait_for_load_state("load")
    assert "/events/" in page.url
    # the event page is the event's report: its side-by-side section has one row per outlet
    claim = page.locator("#side-by-side ~ .claim, #side-by-side .claim").first
    claim.wait_for()
    text = " ".join(claim.inner_text().split())
    for outlet in ("AzState Daily", "ArmNews", "Wire Service"):
        assert outlet in text
    assert "A humanitarian convoy travelled along the Lachin road to Khankendi on Monday" in text
    assert dialogs == [] and outside == []


def test_api_docs_render_offline_in_chromium(server: str, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(server) else outside.append(r.url))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{server}/docs", wait_until="networkidle")
        page.wait_for_selector(".opblock-summary-path", timeout=15_000)  # Swagger UI drew the API
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        assert any("/api/query" in p for p in paths), paths
        assert outside == [] and errors == []
    finally:
        page.close()
