"""Extraction and passage benchmarks: time per page, the cost of huge pages, demo round trip.

    python scripts/bench_extract.py fundus [--data ../shared/data] [--limit N]
    python scripts/bench_extract.py huge
    python scripts/bench_extract.py demo

``fundus``: ours vs trafilatura's default ``extract()`` per page on the shared fundus pages,
medians and 90th percentiles, measured in one run, interleaved page by page (the machine is
noisy). ``huge``: time for a ~20 MB page with and without the input cap. ``demo``: every
article page of the demo corpus rendered by compare.demoweb, extracted and split into passages;
checks ``text[start:end] == passage.text`` for every passage and compares the extracted text with
the corpus text.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from compare import extract as extract_module
from compare.errors import ExtractError
from compare.evaluate.extract import token_scores
from compare.extract import baseline_extract, decode_html, extract_html, extract_page
from compare.models import Snapshot
from compare.passages import split_passages

FETCHED = datetime(2100, 1, 1, tzinfo=UTC)


def _quantiles(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[int(0.9 * (len(ordered) - 1))]
    return f"median {1000 * statistics.median(ordered):.0f} ms, p90 {1000 * p90:.0f} ms"


def bench_fundus(data: Path, limit: int | None) -> None:
    folder = data / "extraction" / "fundus"
    rows = [json.loads(line) for line in (folder / "gold.jsonl").open(encoding="utf-8")][:limit]
    ours, theirs, passages_s, ratios = [], [], [], []
    for row in rows:
        html = decode_html(gzip.decompress((folder / "pages" / f"{row['id']}.html.gz").read_bytes()))
        started = time.perf_counter()
        try:
            page = extract_html(html, url=row["url"], fetched_at=FETCHED)
        except ExtractError:
            page = None
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        baseline_extract(html, url=row["url"])
        theirs.append(time.perf_counter() - started)
        ratios.append(ours[-1] / theirs[-1])
        if page is not None:
            started = time.perf_counter()
            split_passages("x", page.text, title=page.title, language=page.language_detected)
            passages_s.append(time.perf_counter() - started)
    print(f"pages: {len(rows)}")
    print(f"ours (extract_html, all fallbacks and metadata): {_quantiles(ours)}")
    print(f"trafilatura default extract() + metadata call:   {_quantiles(theirs)}")
    print(f"ratio ours/default per page: median {statistics.median(ratios):.2f}")
    print(f"split_passages per article: {_quantiles(passages_s)}")


def bench_huge() -> None:
    paragraph = (
        "<p>The regional council approved the new water plan on Monday after a long debate, "
        "and officials said the first pipes would be laid in the spring of next year.</p>"
    )
    filler = "<div class='related'><a href='/x'>Other story about something else</a></div>\n"
    html = "<html><body><article>" + paragraph * 8 + "</article>"
    html += filler * (20_000_000 // len(filler)) + "</body></html>"
    print(f"page: {len(html) / 1e6:.1f} M characters")
    for cap in (extract_module.MAX_HTML_CHARS, 5_000_000, len(html) + 1):
        extract_module.MAX_HTML_CHARS = cap
        started = time.perf_counter()
        try:
            page = extract_html(html, url="https://news.example/a", fetched_at=FETCHED)
            result = f"{len(page.text)} chars, truncated={page.truncated}"
        except ExtractError as exc:
            result = f"outcome {exc.outcome}"
        print(f"cap {cap / 1e6:5.1f} M: {time.perf_counter() - started:6.2f} s  ({result})")


def bench_demo() -> None:
    from compare.demoweb.corpus import load_corpus
    from compare.demoweb.render import render_article

    corpus = load_corpus()
    checked = exact = pages = 0
    outcomes: dict[str, int] = {}
    f1s = []
    for article in corpus.articles:
        outlet = corpus.outlet(article.outlet_id)
        if outlet is None or "missing" in article.flags:
            continue
        base = f"http://{outlet.id}.demo.test"
        for number in sorted({v.number for v in article.versions}):
            rendered = render_article(corpus, outlet, article, base, number)
            snapshot = Snapshot(
                sha256="-",
                url=base + article.path(outlet),
                final_url=base + article.path(outlet),
                status=200,
                headers={"content-type": rendered.content_type},
                fetched_at=datetime(2023, 8, 1, tzinfo=UTC),
                body=rendered.body,
                content_type=rendered.content_type,
            )
            pages += 1
            try:
                page = extract_page(snapshot, outlet_language=outlet.language)
            except ExtractError as exc:
                outcomes[str(exc.outcome)] = outcomes.get(str(exc.outcome), 0) + 1
                continue
            outcomes["ok"] = outcomes.get("ok", 0) + 1
            f1s.append(token_scores(page.text, article.version(number).text)[2])
            for passage in split_passages(
                article.key, page.text, title=page.title, language=page.language_detected
            ):
                checked += 1
                source = page.title or "" if passage.kind == "title" else page.text
                exact += source[passage.start : passage.end] == passage.text
    print(f"demo pages: {pages}, outcomes: {outcomes}")
    print(f"passages checked: {checked}, exact round trips: {exact}")
    print(f"body token F1 vs corpus text: mean {statistics.mean(f1s):.3f}, min {min(f1s):.3f}")
    if exact != checked:
        sys.exit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=["fundus", "huge", "demo"])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    if args.what == "fundus":
        bench_fundus(args.data, args.limit)
    elif args.what == "huge":
        bench_huge()
    else:
        bench_demo()


if __name__ == "__main__":
    main()
