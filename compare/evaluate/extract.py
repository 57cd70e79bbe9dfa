"""Score extraction against gold text: ``newscompare eval extract DIR``.

``DIR`` holds ``pages/<id>.html.gz`` and ``gold.jsonl`` with ``{"id", "url", "title", "text"}``
per line (the format of ``../shared/data/README.md``). For every page, the body our extraction
produces is compared with the gold body as bags of lower-cased word tokens: precision, recall
and F1 per page, averaged over pages (a page we fail on scores 0; Chinese and Japanese
characters count one token each). ``title_exact`` is the share of pages whose extracted title
equals the gold title after whitespace normalisation.

trafilatura's default ``extract()`` call is scored on the same pages, side by side
(``baseline``), so the report shows what our extra steps add.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
import statistics
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from compare.charset import decode_body
from compare.errors import EvalError, ExtractError
from compare.extract import baseline_extract, extract_html

__all__ = ["evaluate_extract", "token_scores"]

logger = logging.getLogger(__name__)

#: Chinese characters and Japanese kana count one token each (those scripts put no spaces
#: between words); every other run of letters and digits is one token.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+", re.UNICODE)
#: Gold pages are old; any fetch time after them works. Fixed so results do not drift by date.
_FETCHED_AT = datetime(2100, 1, 1, tzinfo=UTC)


def _tokens(text: str | None) -> Counter[str]:
    return Counter(_WORD.findall(unicodedata.normalize("NFC", text or "").lower()))


def token_scores(predicted: str | None, gold: str) -> tuple[float, float, float]:
    """``(precision, recall, f1)`` of ``predicted`` against ``gold`` as bags of word tokens.

    An empty prediction scores 0 on all three.
    """
    pred, ref = _tokens(predicted), _tokens(gold)
    if not pred or not ref:
        return 0.0, 0.0, 0.0
    overlap = sum((pred & ref).values())
    precision = overlap / sum(pred.values())
    recall = overlap / sum(ref.values())
    f1 = 2 * precision * recall / (precision + recall) if overlap else 0.0
    return precision, recall, f1


def _same_title(predicted: str | None, gold: str | None) -> bool:
    if not gold:
        return False
    return _squash(predicted) == _squash(gold)


def _squash(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def _load_gold(path: Path) -> list[dict[str, Any]]:
    if not path.is_dir():
        raise EvalError("not a folder", path=str(path))
    gold_file = path / "gold.jsonl"
    if not gold_file.is_file() or not (path / "pages").is_dir():
        raise EvalError("expected gold.jsonl and pages/ inside", path=str(path))
    rows = []
    with gold_file.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise EvalError(f"line {number}: not JSON ({exc})", path=str(gold_file)) from exc
            if not isinstance(row, dict) or not {"id", "text"} <= row.keys():
                raise EvalError(f"line {number}: needs 'id' and 'text'", path=str(gold_file))
            rows.append(row)
    if not rows:
        raise EvalError("no gold rows", path=str(gold_file))
    return rows


def _summary(scores: list[tuple[float, float, float, bool]], seconds: list[float]) -> dict[str, Any]:
    n = len(scores)
    return {
        "token_precision": round(sum(s[0] for s in scores) / n, 4),
        "token_recall": round(sum(s[1] for s in scores) / n, 4),
        "token_f1": round(sum(s[2] for s in scores) / n, 4),
        "title_exact": round(sum(s[3] for s in scores) / n, 4),
        "n": n,
        "seconds": round(sum(seconds), 2),
        "median_ms_per_page": round(1000 * statistics.median(seconds), 1) if seconds else 0.0,
    }


def evaluate_extract(
    path: Path,
    *,
    limit: int | None = None,
    baseline: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Score our extraction (and trafilatura's default, as ``baseline``) on a gold folder.

    Returns ``{token_f1, token_precision, token_recall, title_exact, n, seconds, failures,
    baseline: {same keys}}``; ``failures`` counts pages by outcome where we produced no article.
    Raises :class:`EvalError` when the folder or its files are missing or malformed.
    """
    rows = _load_gold(Path(path))
    if limit is not None:
        rows = rows[:limit]
    ours: list[tuple[float, float, float, bool]] = []
    theirs: list[tuple[float, float, float, bool]] = []
    failures: Counter[str] = Counter()
    ours_seconds: list[float] = []
    theirs_seconds: list[float] = []
    for number, row in enumerate(rows, 1):
        page = Path(path) / "pages" / f"{row['id']}.html.gz"
        try:
            raw = gzip.decompress(page.read_bytes())
        except (OSError, EOFError) as exc:
            raise EvalError(f"cannot read page: {exc}", path=str(page)) from exc
        html = decode_body(raw).text
        url = row.get("url") or f"https://example.invalid/{row['id']}"
        started = time.perf_counter()
        try:
            result = extract_html(html, url=url, fetched_at=_FETCHED_AT)
            text, title = result.text, result.title
        except ExtractError as exc:
            failures[exc.outcome or "error"] += 1
            logger.info("%s: %s (%s)", row["id"], exc.outcome, exc)
            text, title = "", None
        ours_seconds.append(time.perf_counter() - started)
        ours.append((*token_scores(text, row["text"]), _same_title(title, row.get("title"))))
        if baseline:
            started = time.perf_counter()
            base_text, base_title = baseline_extract(html, url=url)
            theirs_seconds.append(time.perf_counter() - started)
            theirs.append((*token_scores(base_text, row["text"]), _same_title(base_title, row.get("title"))))
        if progress is not None:
            progress(number, len(rows))
    result_dict = _summary(ours, ours_seconds)
    result_dict["failures"] = dict(failures)
    if baseline:
        result_dict["baseline"] = _summary(theirs, theirs_seconds)
    return result_dict
