"""Shared fixtures. Tests never reach the internet: fixture sites are served on 127.0.0.x."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture
def shared_data() -> Path:
    """The shared evaluation data (../shared/data beside the checkout, or NEWSCOMPARE_SHARED_DATA)."""
    env = os.environ.get("NEWSCOMPARE_SHARED_DATA")
    path = Path(env) if env else REPO.parent / "shared" / "data"
    if not path.is_dir():
        pytest.skip(f"shared evaluation data not found at {path}")
    return path
