"""Language centres: the part of a multilingual vector that says which language a text is in.

In multilingual-e5-small every text's vector leans towards its language's mean direction (two
unrelated Russian articles score higher than an English article and its own Russian translation
would if that lean were larger), which is why its cosines are compressed. Subtracting the mean
vector of the article's language and renormalising leaves what the text is about: on ntrex-dev
(documents' mean vectors), a document and its translations score 0.55–0.90, different documents
-0.25–0.40 (docs/evaluation.md, "Across languages").

The centres ship in ``language_centres.json`` beside this module, per encoder, written by
``scripts/calibrate_language_centres.py`` (the mean unit sentence vector of each language's
sentences in a translated corpus). A language without a centre gets the mean of the others.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

__all__ = ["CENTRES", "centre_vectors", "language_centres"]

CENTRES = Path(__file__).with_name("language_centres.json")


@lru_cache(maxsize=4)
def _load(path: str) -> dict[str, dict[str, np.ndarray]]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return {
        model: {lang: np.asarray(vector, dtype=np.float32) for lang, vector in entry["centres"].items()}
        for model, entry in data["models"].items()
    }


def language_centres(model_id: str) -> dict[str, np.ndarray] | None:
    """The shipped centre of each language for ``model_id``'s vectors (None: none shipped)."""
    if not CENTRES.is_file():
        return None
    return _load(str(CENTRES)).get(model_id)


def centre_vectors(
    vectors: np.ndarray, languages: Sequence[str | None], centres: dict[str, np.ndarray]
) -> np.ndarray:
    """``vectors`` minus their language's centre (the mean centre when it has none), unit rows."""
    fallback: np.ndarray = np.mean(np.stack(list(centres.values())), axis=0)
    out = np.asarray(vectors, dtype=np.float32)
    if not len(languages):
        return out
    keys = [(lang or "").split("-")[0].lower() for lang in languages]
    out = out - np.stack([centres.get(key, fallback) for key in keys])
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    result: np.ndarray = (out / np.where(norms == 0, 1.0, norms)).astype(np.float32)
    return result
