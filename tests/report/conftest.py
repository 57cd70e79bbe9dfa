"""Fixtures of the report tests (the store itself is built in report_fixture.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from report_fixture import Fixture, build_fixture


@pytest.fixture
def fx(tmp_path: Path) -> Iterator[Fixture]:
    fixture = build_fixture(tmp_path / "t.db")
    yield fixture
    fixture.store.close()
