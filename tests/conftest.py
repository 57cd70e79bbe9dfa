"""Shared fixtures. Tests never reach the internet: fixture sites are served on 127.0.0.x."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from backends import fresh_postgres_database

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _no_name_lookups(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fetcher's address policy never resolves a real name in a test.

    Loopback literals (127.0.0.x) need no lookup; a test that fetches a name passes a stub
    resolver (``fetch_web.public_resolver``). Any other name fails as a DNS error would.
    """
    from compare.fetch import address

    async def refuse(host: str, port: int) -> list[str]:
        raise address.Unresolvable(f"{host}: tests resolve no names (pass a resolver stub)")

    monkeypatch.setattr(address, "system_resolver", refuse)


@pytest.fixture
def repo() -> Path:
    return REPO


SHARED_DATA = Path(os.environ.get("NEWSCOMPARE_SHARED_DATA") or REPO.parent / "shared" / "data")


def require_shared_data(path: Path = SHARED_DATA) -> Path:
    """``path`` under the shared evaluation data, or a skip on a developer's machine without it.

    In CI (``CI`` set, as the CI runner does) or with ``NEWSCOMPARE_REQUIRE_SHARED_DATA`` the
    missing data is a failure: a quality floor that silently skips guards nothing.
    """
    if path.exists():
        return path
    reason = f"shared evaluation data not found at {path}"
    if os.environ.get("CI") or os.environ.get("NEWSCOMPARE_REQUIRE_SHARED_DATA"):
        pytest.fail(f"{reason}, and CI / NEWSCOMPARE_REQUIRE_SHARED_DATA is set")
    pytest.skip(reason)


@pytest.fixture
def shared_data() -> Path:
    """The shared evaluation data (../shared/data beside the checkout, or NEWSCOMPARE_SHARED_DATA)."""
    return require_shared_data(SHARED_DATA)


@pytest.fixture(scope="session")
def shared_file() -> Callable[..., Path]:
    """``shared_file("events", "ecbplus-dev.jsonl")``: one file of the shared data, required in CI."""

    def find(*parts: str) -> Path:
        return require_shared_data(SHARED_DATA.joinpath(*parts))

    return find


CHROMIUM = os.environ.get("NEWSCOMPARE_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium tries to reach Google at start-up.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def _browser_missing(reason: str) -> None:
    if os.environ.get("NEWSCOMPARE_REQUIRE_BROWSER"):  # CI installs it: a skip would hide a gap
        pytest.fail(f"{reason}, and NEWSCOMPARE_REQUIRE_BROWSER is set")
    pytest.skip(f"{reason}: run scripts/install_browser")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright; never a downloaded browser.

    Module scope, not session: Playwright's sync API keeps an event loop running in this thread
    while it is open, and later tests that call ``asyncio.run`` would fail.
    """
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        _browser_missing(f"no Chromium at {CHROMIUM}")
    try:
        from playwright import sync_api
    except ImportError:
        _browser_missing("playwright is not installed")
    with sync_api.sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


# -- the store's two backends ----------------------------------------------------------------------

@pytest.fixture(params=["sqlite", "postgresql"])
def db_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Where a test's store lives: a SQLite file, then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield str(tmp_path / "n.db")
        return
    with fresh_postgres_database() as url:
        yield url
