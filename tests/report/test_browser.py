"""The HTML report in a real browser: headless Debian Chromium driven by Playwright.

Only the system's ``/usr/bin/chromium`` is used (``scripts/install_browser`` installs it); the
test never downloads a browser. It opens the written bundle from disk, checks that the claim
matrix and the side-by-side sections are visible, that no hostile text ran (no dialog, no
script element, no image), and takes a full-page screenshot. With
``NEWSCOMPARE_UPDATE_SCREENSHOT=1`` it also refreshes ``docs/report-screenshot.png`` from the
same fixture without the hostile strings.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from report_fixture import build_fixture

from compare.report import write_report_bundle
from compare.view import build_event_view

pytestmark = pytest.mark.browser

DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "report-screenshot.png"


def _open(browser, html: Path):  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1280, "height": 900}, java_script_enabled=True)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(html.as_uri(), wait_until="load")
    return page, dialogs, requests


def test_report_renders_in_chromium(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fixture = build_fixture(tmp_path / "b.db")
    report = build_event_view(fixture.store, fixture.event_id)
    bundle = write_report_bundle(fixture.store, report, tmp_path / "out")
    page, dialogs, requests = _open(browser, bundle.html)
    try:
        matrix = page.locator("#glance table.grid")
        assert matrix.is_visible()
        rows = matrix.locator("tbody tr")
        assert rows.count() == len(report.claims)
        assert page.locator("#side-by-side").is_visible()
        assert page.locator(f"#claim-{fixture.claims['A']}").is_visible()
        unread = page.locator("#glance td.g-unread").first
        assert unread.is_visible() and unread.inner_text() == "×"  # a letter, not colour alone
        assert "not read: blocked" in page.locator("#outlets").inner_text()
        # a grid cell links to the outlet's sentence in the side-by-side
        page.locator("#glance td.g a").first.click()
        target = page.evaluate("location.hash")
        assert target.startswith("#c") and page.locator(target).is_visible()
        assert page.locator("#timeline svg").is_visible()
        assert page.locator("#side-by-side ins").first.is_visible()
        # hostile text stays text: no script ran, no element was injected, nothing was fetched
        assert dialogs == []
        assert page.locator("script").count() == 0 and page.locator("img").count() == 0
        assert "<script>alert(1)</script>" in page.locator("#outlets").inner_text()
        assert all(url.startswith("file://") for url in requests), requests
        shot = tmp_path / "report.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        # print layout: the navigation goes, the matrix stays
        page.emulate_media(media="print")
        assert not page.locator("nav.toc").is_visible() and matrix.is_visible()
        page.emulate_media(media="screen")
        # the provenance link opens the stored text
        page.locator("#provenance a[href^='snapshots/']").first.click()
        page.wait_for_load_state()
        assert "sha256:" in page.locator("body").inner_text()
    finally:
        page.close()
        fixture.store.close()


def test_index_renders_in_chromium(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fixture = build_fixture(tmp_path / "i.db")
    report = build_event_view(fixture.store, fixture.event_id)
    bundle = write_report_bundle(fixture.store, report, tmp_path / "out")
    page, dialogs, _ = _open(browser, bundle.index_html)
    try:
        assert page.locator("#events tbody tr").count() == 2
        page.locator(f"#events a[href='event-{fixture.event_id}.html']").click()
        page.wait_for_load_state()
        assert page.locator("#glance").is_visible()
        assert dialogs == []
    finally:
        page.close()
        fixture.store.close()


@pytest.mark.skipif(
    not os.environ.get("NEWSCOMPARE_UPDATE_SCREENSHOT"), reason="set NEWSCOMPARE_UPDATE_SCREENSHOT=1"
)
def test_refresh_docs_screenshot(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fixture = build_fixture(tmp_path / "s.db", hostile=False)
    report = build_event_view(fixture.store, fixture.event_id)
    bundle = write_report_bundle(fixture.store, report, tmp_path / "out")
    page, _, _ = _open(browser, bundle.html)
    try:
        page.set_viewport_size({"width": 1200, "height": 1400})
        shot = tmp_path / "shot.png"
        page.screenshot(path=str(shot), full_page=False)
        shutil.copyfile(shot, DOCS_SCREENSHOT)
    finally:
        page.close()
        fixture.store.close()
