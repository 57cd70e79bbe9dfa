"""Extraction and passage benchmarks: time per page, the cost of huge pages, demo round trip.

    python scripts/bench_extract.py fundus [--data ../shared/data] [--limit N]
    python scripts/bench_extract.py huge
    python scripts/bench_extract.py demo
    python scripts/bench_extract.py splitters [--data ../shared/data]
    python scripts/bench_extract.py languages
    python scripts/bench_extract.py reprints [--data ../shared/data]

``fundus``: ours vs trafilatura's default ``extract()`` per page on the shared fundus pages,
medians and 90th percentiles, measured in one run, interleaved page by page (the machine is
noisy). ``huge``: time for a ~20 MB page with and without the input cap. ``demo``: every
article page of the demo corpus rendered by compare.demoweb, extracted and split into passages;
checks ``text[start:end] == passage.text`` for every passage and compares the extracted text with
the corpus text. ``splitters``: sentence boundary precision/recall/F1 and exact-sentence share of
our splitter and the candidates that are installed (pysbd, syntok, blingfire, sentencex, a
regex) on the BASIL framing paragraphs and the ECB+ alignment sentences, each paragraph joined
with spaces and split again. ``languages``: py3langid vs lingua on the team's samples, full
texts and their first 25 characters, with load time and memory (each in a fresh process).
``reprints``: shingle containment between different ECB+ documents of one event (same story,
mostly independent reports) against synthetic copies of 200 documents (trimmed, with a local
intro, sentences dropped, 10% / 20% of words replaced, half rewritten), then find_reprints end
to end on all documents plus 100 copies.
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
from typing import Any

from compare import extract as extract_module
from compare.charset import decode_body
from compare.errors import ExtractError
from compare.evaluate.extract import token_scores
from compare.extract import extract_html, extract_page
from compare.models import Snapshot
from compare.passages import split_passages

FETCHED = datetime(2100, 1, 1, tzinfo=UTC)


def _quantiles(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[int(0.9 * (len(ordered) - 1))]
    return f"median {1000 * statistics.median(ordered):.0f} ms, p90 {1000 * p90:.0f} ms"


def bench_fundus(data: Path, limit: int | None) -> None:
    from trafilatura import extract as trafilatura_extract

    folder = data / "extraction" / "fundus"
    rows = [json.loads(line) for line in (folder / "gold.jsonl").open(encoding="utf-8")][:limit]
    ours, theirs, passages_s, ratios = [], [], [], []
    sources: dict[str, int] = {}
    mismatches: list[str] = []
    for row in rows:
        html = decode_body(gzip.decompress((folder / "pages" / f"{row['id']}.html.gz").read_bytes())).text
        started = time.perf_counter()
        try:
            page = extract_html(html, url=row["url"], fetched_at=FETCHED)
        except ExtractError:
            page = None
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        trafilatura_extract(html, url=row["url"])  # the default call alone, no metadata
        theirs.append(time.perf_counter() - started)
        ratios.append(ours[-1] / theirs[-1])
        if page is not None:
            sources[page.published_source] = sources.get(page.published_source, 0) + 1
            if page.language_mismatch:
                mismatches.append(f"{row['id']} ({page.language_page} vs {page.language_detected})")
            started = time.perf_counter()
            split_passages("x", page.text, title=page.title, language=page.language_detected)
            passages_s.append(time.perf_counter() - started)
    print(f"pages: {len(rows)}")
    print(f"ours (extract_html, all fallbacks and metadata): {_quantiles(ours)}")
    print(f"trafilatura default extract() alone:             {_quantiles(theirs)}")
    print(f"ratio ours/default per page: median {statistics.median(ratios):.2f}")
    print(f"split_passages per article: {_quantiles(passages_s)}")
    print(f"publication date found in: {sources}")
    print(f"page language vs detected language differ on {len(mismatches)}: {', '.join(mismatches)}")


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
    dates: dict[str, int] = {}
    right_dates = 0
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
            if number == article.versions[0].number:
                dates[page.published_source] = dates.get(page.published_source, 0) + 1
                right_dates += page.published_at is not None and (
                    page.published_at.date() == article.published.astimezone(UTC).date()
                )
            f1s.append(token_scores(page.text, article.version(number).text)[2])
            for passage in split_passages(
                article.key, page.text, title=page.title, language=page.language_detected
            ):
                checked += 1
                source = page.title or "" if passage.kind == "title" else page.text
                exact += source[passage.start : passage.end] == passage.text
    print(f"demo pages: {pages}, outcomes: {outcomes}")
    print(f"publication day right: {right_dates}/{sum(dates.values())} articles; sources {dates}")
    print(f"passages checked: {checked}, exact round trips: {exact}")
    print(f"body token F1 vs corpus text: mean {statistics.mean(f1s):.3f}, min {min(f1s):.3f}")
    if exact != checked:
        sys.exit(1)


def _gold_paragraphs(data: Path) -> dict[str, list[list[str]]]:
    basil, ecb = [], []
    for line in (data / "framing" / "basil-dev.jsonl").open(encoding="utf-8"):
        for article in json.loads(line)["articles"]:
            for paragraph in article["paragraphs"]:
                sentences = [s.strip() for s in paragraph if s.strip()]
                if sentences:
                    basil.append(sentences)
    for line in (data / "alignment" / "ecbplus-dev.jsonl").open(encoding="utf-8"):
        for article in json.loads(line)["articles"]:
            sentences = [s.strip() for s in article["sentences"] if s.strip()]
            if sentences:
                ecb.append(sentences)
    return {"basil-dev": basil, "ecbplus-dev": ecb}


def _splitters() -> dict[str, Any]:
    import re

    from compare.passages import split_sentences

    found: dict[str, Any] = {
        "ours (sentencex + repairs)": lambda t: [t[a:b] for a, b, _ in split_sentences(t)]
    }
    pattern = re.compile(r"(?<=[.!?…։])[\"”»')\]]*\s+(?=[\"“«(\[]?[A-ZА-ЯЁԱ-Ֆ0-9])")
    found["regex"] = lambda t: pattern.split(t)
    try:
        import sentencex

        found["sentencex"] = lambda t: list(sentencex.segment("en", t))
    except ImportError:
        pass
    try:
        import pysbd

        segmenter = pysbd.Segmenter(language="en", clean=False)
        found["pysbd"] = segmenter.segment
    except ImportError:
        pass
    try:
        from syntok import segmenter as syntok_segmenter

        found["syntok"] = lambda t: [
            "".join(tok.spacing + tok.value for tok in s) for p in syntok_segmenter.process(t) for s in p
        ]
    except ImportError:
        pass
    try:
        import blingfire

        found["blingfire"] = lambda t: blingfire.text_to_sentences(t).split("\n")
    except ImportError:
        pass
    return found


def _boundaries(sentences: list[str]) -> set[int]:
    """Sentence ends as counts of non-space characters, so spacing differences do not matter."""
    ends, count = set(), 0
    for sentence in sentences[:-1]:
        count += len("".join(sentence.split()))
        ends.add(count)
    return ends


_SCRIPTS = {  # the team's az/hy/ru texts of tests/test_passages.py, with their sentence counts
    "az": (
        "Nazir Bakıda çıxış edib. O bildirib ki, inflyasiya 2,5 faiz artıb. "
        "„Biz hazırıq. Hər şey plan üzrə gedir“, deyə o əlavə edib. Gen. Əliyev də iştirak edib.",
        4,
    ),
    "hy": (
        "Նախարարը ելույթ ունեցավ Երևանում։ Նա ասաց, որ գնաճը աճել է 2.5 տոկոսով։ "
        "«Մենք պատրաստ ենք։ Ամեն ինչ ընթանում է ըստ ծրագրի»,- ավելացրեց նա։ Ինչո՞ւ հիմա։",
        4,
    ),
    "ru": (
        "Министр выступил в Москве. Он сказал, что инфляция выросла на 2,5 процента. "
        "«Мы готовы. Всё идёт по плану», — добавил он. Т. е. всё в порядке.",
        4,
    ),
}


def bench_splitters(data: Path) -> None:
    print("team's az / hy / ru texts: sentences found (expected 4 each)")
    for splitter, split in _splitters().items():
        counts = []
        for text, _expected in _SCRIPTS.values():
            try:
                counts.append(str(len([s for s in split(text) if s.strip()])))
            except Exception as exc:  # pysbd refuses unknown languages only with its own lang
                counts.append(type(exc).__name__)
        print(f"  {splitter:28s} {' / '.join(counts)}")
    for name, paragraphs in _gold_paragraphs(data).items():
        chars = sum(len(" ".join(p)) for p in paragraphs)
        print(f"{name}: {len(paragraphs)} paragraphs, {sum(map(len, paragraphs))} sentences")
        for splitter, split in _splitters().items():
            tp = fp = fn = exact = 0
            started = time.perf_counter()
            predictions = [[s.strip() for s in split(" ".join(p)) if s.strip()] for p in paragraphs]
            seconds = time.perf_counter() - started
            for gold, predicted in zip(paragraphs, predictions, strict=True):
                g, p = _boundaries(gold), _boundaries(predicted)
                tp, fp, fn = tp + len(g & p), fp + len(p - g), fn + len(g - p)
                exact += len(set(gold) & set(predicted))
            precision, recall = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
            f1 = 2 * precision * recall / max(precision + recall, 1e-9)
            if splitter.startswith("ours"):
                in_quotes = _misses_in_quotes(paragraphs, predictions)
            print(
                f"  {splitter:28s} boundary P {precision:.3f} R {recall:.3f} F1 {f1:.3f}  "
                f"exact sentences {exact / sum(map(len, paragraphs)):.3f}  "
                f"{chars / seconds / 1e3:,.0f} k chars/s"
            )
        print(f"  ours: missed gold boundaries inside or at the end of a quotation: {in_quotes}")


def _misses_in_quotes(paragraphs: list[list[str]], predictions: list[list[str]]) -> str:
    """How many of our missed boundaries sit in a quotation (kept whole on purpose)."""
    missed = quoted = 0
    for gold, predicted in zip(paragraphs, predictions, strict=True):
        found = _boundaries(predicted)
        count, before = 0, ""
        for sentence in gold[:-1]:
            count += len("".join(sentence.split()))
            before += sentence
            if count not in found:
                missed += 1
                open_curly = before.count("“") > before.count("”")
                open_straight = before.count('"') % 2 == 1
                quoted += open_curly or open_straight or sentence.endswith(("”", '"'))
    return f"{quoted} of {missed}"


_LANGUAGE_PROBE = """
import json, resource, sys, time
samples = json.load(open(sys.argv[2], encoding="utf-8"))
items = [(k, t) for k, v in samples.items() if not k.startswith("_") for t in v]
started = time.perf_counter()
if sys.argv[1] == "py3langid":
    from py3langid.langid import MODEL_FILE, LanguageIdentifier
    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    detect = lambda t: ident.classify(t)[0]
else:
    from lingua import LanguageDetectorBuilder
    builder = LanguageDetectorBuilder.from_all_languages()
    if sys.argv[1] == "lingua-low":
        builder = builder.with_low_accuracy_mode()
    detector = builder.build()
    def detect(t):
        found = detector.detect_language_of(t)
        return found.iso_code_639_1.name.lower() if found else None
full = sum(detect(t) == k for k, t in items)
short = sum(detect(t[:25]) == k for k, t in items)
seconds = time.perf_counter() - started
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{sys.argv[1]:11s} full {full}/{len(items)}  first 25 chars {short}/{len(items)}  "
      f"load + {2 * len(items)} calls {seconds:.1f} s  peak RSS {rss:.0f} MB")
"""


def bench_languages() -> None:
    import subprocess

    samples = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "pages" / "language_samples.json"
    for name in ("py3langid", "lingua-low", "lingua"):
        subprocess.run([sys.executable, "-c", _LANGUAGE_PROBE, name, str(samples)], check=False)


def _edit(text: str, kind: str, rng: Any) -> str:
    words = text.split()
    fillers = ["the", "a", "new", "said", "officials", "reported"]
    if kind == "trimmed 60%":
        return " ".join(words[: int(len(words) * 0.6)])
    if kind == "local intro+outro":
        return (
            f"LOCAL DESK: residents were told to stay indoors tonight. {text} Officials declined to comment."
        )
    if kind.startswith("words replaced"):
        share = 0.1 if "10" in kind else 0.2
        return " ".join(w if rng.random() > share else rng.choice(fillers) for w in words)
    if kind == "30% sentences dropped":
        return ". ".join(p for p in text.split(". ") if rng.random() > 0.3)
    half = len(words) // 2
    return " ".join(words[:half]) + " In other news, " + " ".join(rng.sample(words, half))


def bench_reprints(data: Path) -> None:
    import random

    from compare.models import Article
    from compare.reprints import CONTAINMENT, containment, find_reprints, shingles

    rng = random.Random(5)
    docs = [json.loads(line) for line in (data / "events" / "ecbplus-dev.jsonl").open(encoding="utf-8")]
    docs = [d for d in docs if len(d["text"].split()) >= 60]
    sets = {d["id"]: shingles(d["text"]) for d in docs}
    events: dict[str, list[str]] = {}
    for d in docs:
        events.setdefault(d["event"], []).append(d["id"])
    negatives = [
        containment(sets[ids[i]], sets[ids[j]])
        for ids in events.values()
        for i in range(len(ids))
        for j in range(i + 1, len(ids))
    ]
    at = sum(x >= CONTAINMENT for x in negatives)
    print(
        f"same-event ECB+ pairs: {len(negatives)}, containment >= {CONTAINMENT}: {at} "
        f"({at / len(negatives):.1%}), >= 0.95: {sum(x >= 0.95 for x in negatives)}"
    )
    sample = rng.sample(docs, 200)
    kinds = ["trimmed 60%", "local intro+outro", "30% sentences dropped", "words replaced 10%",
             "words replaced 20%", "half rewritten"]  # fmt: skip
    for kind in kinds:
        scores = [containment(sets[d["id"]], shingles(_edit(d["text"], kind, rng))) for d in sample]
        found = sum(x >= CONTAINMENT for x in scores)
        print(f"  copies, {kind:22s} median {statistics.median(scores):.2f}  found {found}/200")
    stamp = datetime(2020, 1, 1, tzinfo=UTC)
    articles = [Article(d["id"], f"o{i}", None, d["text"], published_at=stamp) for i, d in enumerate(docs)]
    later = datetime(2020, 1, 2, tzinfo=UTC)
    copies = [
        Article(
            f"copy-{d['id']}",
            "copier",
            None,
            _edit(d["text"], rng.choice(kinds[:4]), rng),
            published_at=later,
        )
        for d in sample[:100]
    ]
    started = time.perf_counter()
    result = find_reprints(articles + copies)
    seconds = time.perf_counter() - started
    hits = sum(result.get(c.id) == c.id.removeprefix("copy-") for c in copies)
    marked = sum(c.id in result for c in copies)
    among = sum(1 for key in result if not key.startswith("copy-"))
    print(
        f"find_reprints on {len(articles) + len(copies)} articles: {seconds:.2f} s; "
        f"copies marked as reprints {marked}/100, traced to their own source {hits}/100; "
        f"ECB+ documents marked as reprints of each other {among}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=["fundus", "huge", "demo", "splitters", "languages", "reprints"])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    if args.what == "fundus":
        bench_fundus(args.data, args.limit)
    elif args.what == "huge":
        bench_huge()
    elif args.what == "splitters":
        bench_splitters(args.data)
    elif args.what == "languages":
        bench_languages()
    elif args.what == "reprints":
        bench_reprints(args.data)
    else:
        bench_demo()


if __name__ == "__main__":
    main()
