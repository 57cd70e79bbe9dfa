#!/usr/bin/env python3
"""Build a labelled attribution file from BASIL sentences (real news), outside the repository.

BASIL (``framing/basil-dev.jsonl``) marks bias spans, some inside quotations with the speaker's
entity (``quote``, ``speaker``). This script picks the sentences that carry such spans, and a
seeded sample of sentences with other spans, and writes them as ``newscompare eval attribution``
lines: ``{"text", "speaker", "class", "key"}``. BASIL text may not be copied into the repository,
so the output goes to stdout (redirect it to /tmp); the hand labels live in the repository as
keys and character offsets only (``tests/fixtures/attribution/basil-dev-labels.jsonl``:
``{"key": "<article id>:<sentence>", "class", "speaker": [start, end] | null}``).

    python scripts/make_attribution_set.py ../shared/data/framing/basil-dev.jsonl \
        --labels tests/fixtures/attribution/basil-dev-labels.jsonl > /tmp/attribution-basil.jsonl
    newscompare eval attribution /tmp/attribution-basil.jsonl

The second sample (``basil-dev-blind-labels.jsonl``, labelled after the rules were written and
scored once, never tuned on) is drawn with ``--seed 15 --quoted 50 --other 30 --exclude`` the
first one's labels.

Without ``--labels`` every picked sentence is written with ``class`` and ``speaker`` null, to be
labelled by hand (``--draft`` prints them numbered for that).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any


def pick(
    path: Path, *, quoted: int, other: int, seed: int, exclude: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    """Sentences with quotation spans (up to ``quoted``) and others (``other``), in a seeded order,
    leaving out the keys in ``exclude`` (a sample labelled before)."""
    with_quote: dict[str, str] = {}
    without: dict[str, str] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            for article in json.loads(line)["articles"]:
                sentences = [s for para in article["paragraphs"] for s in para]
                for span in article.get("spans") or ():
                    k = int(span["sentence"])
                    if k < 0 or k >= len(sentences):
                        continue
                    key = f"{article['id']}:{k}"
                    (with_quote if span.get("quote") else without)[key] = sentences[k]
    for key in with_quote:
        without.pop(key, None)
    rng = random.Random(seed)
    a, b = sorted(set(with_quote) - exclude), sorted(set(without) - exclude)
    rng.shuffle(a)
    rng.shuffle(b)
    rows = [{"key": k, "text": with_quote[k]} for k in a[:quoted]]
    rows += [{"key": k, "text": without[k]} for k in b[:other]]
    rows.sort(key=lambda r: r["key"])
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("basil", type=Path, help="path to basil-dev.jsonl")
    parser.add_argument("--labels", type=Path, help="hand labels: key, class, speaker offsets")
    parser.add_argument("--quoted", type=int, default=130, help="sentences with quotation spans")
    parser.add_argument("--other", type=int, default=70, help="sentences with other spans")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--draft", action="store_true", help="print numbered sentences to label")
    parser.add_argument("--exclude", type=Path, help="a labels file whose sentences to leave out")
    args = parser.parse_args(argv)

    exclude: frozenset[str] = frozenset()
    if args.exclude:
        with args.exclude.open(encoding="utf-8") as fh:
            exclude = frozenset(json.loads(line)["key"] for line in fh if line.strip())
    rows = pick(args.basil, quoted=args.quoted, other=args.other, seed=args.seed, exclude=exclude)
    labels: dict[str, dict[str, Any]] = {}
    if args.labels:
        with args.labels.open(encoding="utf-8") as fh:
            labels = {r["key"]: r for r in map(json.loads, filter(str.strip, fh))}
    written = 0
    for number, row in enumerate(rows):
        if args.draft:
            print(f"{number}\t{row['key']}\t{row['text']}")
            continue
        label = labels.get(row["key"])
        if args.labels and label is None:
            continue
        speaker = None
        if label and label.get("speaker"):
            start, end = label["speaker"]
            speaker = row["text"][start:end]
        out = {"text": row["text"], "speaker": speaker, "class": label["class"] if label else None}
        print(json.dumps({**out, "key": row["key"]}, ensure_ascii=False))
        written += 1
    if not args.draft:
        print(f"{written} sentences", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
