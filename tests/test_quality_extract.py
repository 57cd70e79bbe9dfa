"""Quality floor: extraction on the shared fundus pages must not fall below what we measured.

Measured 2026-11-29 (docs/evaluation.md, "Extraction"): token F1 0.942, title exact 0.834 on all
247 pages. The floors sit a little under; lowering one is a reviewed change, never a quiet one.
The data is read in place from ``$NEWSCOMPARE_SHARED_DATA`` or ``<repo>/../shared/data``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from compare.errors import EvalError
from compare.evaluate.extract import evaluate_extract, token_scores

F1_FLOOR = 0.93
TITLE_FLOOR = 0.80


def shared_data() -> Path:
    configured = os.environ.get("NEWSCOMPARE_SHARED_DATA")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[1].parent / "shared" / "data"


FUNDUS = shared_data() / "extraction" / "fundus"


@pytest.mark.slow
@pytest.mark.skipif(not FUNDUS.is_dir(), reason=f"shared evaluation data not found at {FUNDUS}")
def test_extraction_floor_on_fundus() -> None:
    result = evaluate_extract(FUNDUS, baseline=False)
    assert result["n"] == 247
    assert result["token_f1"] >= F1_FLOOR, result
    assert result["title_exact"] >= TITLE_FLOOR, result


def test_token_scores() -> None:
    assert token_scores("a b c", "a b c") == (1.0, 1.0, 1.0)
    assert token_scores("", "a b") == (0.0, 0.0, 0.0)
    precision, recall, f1 = token_scores("a b x y", "a b")
    assert (precision, recall) == (0.5, 1.0) and abs(f1 - 2 / 3) < 1e-9
    assert token_scores("中国", "中 国")[2] == 1.0


def test_missing_or_malformed_folder(tmp_path: Path) -> None:
    with pytest.raises(EvalError):
        evaluate_extract(tmp_path / "absent")
    with pytest.raises(EvalError):
        evaluate_extract(tmp_path)
    (tmp_path / "pages").mkdir()
    (tmp_path / "gold.jsonl").write_text("not json\n", encoding="utf-8")
    with pytest.raises(EvalError):
        evaluate_extract(tmp_path)


def test_small_folder_scores_ours_and_baseline(tmp_path: Path) -> None:
    import gzip
    import json

    text = " ".join(f"Sentence number {n} of the council story, with enough words." for n in range(12))
    html = f"<html><head><title>Council</title></head><body><article><p>{text}</p></article></body></html>"
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "p1.html.gz").write_bytes(gzip.compress(html.encode()))
    gold = {"id": "p1", "url": "https://news.example/p1", "title": "Council", "text": text}
    (tmp_path / "gold.jsonl").write_text(json.dumps(gold) + "\n", encoding="utf-8")
    result = evaluate_extract(tmp_path)
    assert result["n"] == 1 and result["token_f1"] > 0.95 and result["title_exact"] == 1.0
    assert set(result["baseline"]) >= {"token_f1", "token_precision", "token_recall", "title_exact"}
