#!/usr/bin/env python3
"""Derive a loaded-term lexicon from the BABE corpus (``babe-sg2.jsonl``).

Writes the words annotators marked as biased, with their counts, to a lexicon file; no sentence
of the corpus is written. BABE is AGPL-3.0 data, so the derived list is not shipped with
newscompare: build it into a folder of your own and name that folder in NEWSCOMPARE_LEXICONS,
and the framing stage reads it beside the shipped lexicons. Usage::

    python scripts/build_loaded_lexicon.py ../shared/data/framing/babe-sg2.jsonl \
        --out ~/.local/share/newscompare/lexicons/babe.yaml --min-count 1 [--lines even]
    export NEWSCOMPARE_LEXICONS=~/.local/share/newscompare/lexicons

``--lines even`` builds from the even lines only (0, 2, 4 ...), leaving the odd lines to score
the lexicon on sentences it was not built from (``compare.evaluate.framing.evaluate_babe``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from compare.framing.lexicon import derive_loaded_terms

HEADER = """\
# Loaded terms derived from BABE (Spinde et al., "Neural Media Bias Detection Using Distant
# Supervision With BABE", Findings of EMNLP 2021), file babe-sg2.jsonl: the words annotators
# marked as biased, with counts. Only single words and counts are kept, never sentences.
# Licence: the BABE data is AGPL-3.0; this derived word list is distributed under the same terms.
# Built by: python scripts/build_loaded_lexicon.py {source} --lines {lines}
#   --min-count {min_count} --min-rate {min_rate}
# count: sentences where the word was marked; present: sentences containing it;
# marked_rate: count / present (used as the weight); biased_share: share of those sentences
# labelled Biased.
topic: null
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("babe", type=Path, help="path to babe-sg2.jsonl")
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        help="where to write it: a folder of your own named in NEWSCOMPARE_LEXICONS (never the package)",
    )
    parser.add_argument("--lines", choices=("all", "even", "odd"), default="all")
    parser.add_argument("--min-count", type=int, default=2)
    parser.add_argument("--min-rate", type=float, default=0.2)
    args = parser.parse_args(argv)

    with args.babe.open(encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    if args.lines != "all":
        rows = rows[args.lines == "odd" :: 2]
    terms = derive_loaded_terms(rows, min_count=args.min_count, min_rate=args.min_rate)

    lines = [
        HEADER.format(
            source=args.babe.name,
            lines=args.lines,
            min_count=args.min_count,
            min_rate=args.min_rate,
        ),
        "terms:",
    ]
    for word, stats in terms.items():
        fields = ", ".join(f"{k}: {v}" for k, v in stats.items())
        lines.append(f"  {json.dumps(word, ensure_ascii=False)}: {{{fields}}}")
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(terms)} terms from {len(rows)} sentences -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
