"""Language detection from text: the one adapter around py3langid.

Why py3langid and not lingua: measured on the team-written az/hy/ru/ka/en/tr samples in
``tests/fixtures/pages/language_samples.json`` (see docs/evaluation.md, "Extraction"), both
label every full sentence correctly, but lingua's high-accuracy mode loads a model per language
lazily (about a minute and 1 GB of memory to see six languages on this machine), and its
low-accuracy mode mislabels short snippets (az as nl). py3langid knows Azerbaijani, Armenian,
Georgian and Russian, loads once in about 3 s and about 130 MB, and answers in well under a
millisecond.

The detector is loaded lazily on the first call, so importing this module is cheap.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

__all__ = ["detect_language", "languages_differ", "normalise_language"]

logger = logging.getLogger(__name__)

#: Below this many letters a guess is not worth recording.
MIN_LETTERS = 20
#: Below this normalised probability the detector abstains (returns ``None``).
MIN_CONFIDENCE = 0.5
#: Only the start of a long text is read: language does not change halfway through an article
#: often enough to pay for reading all of it.
MAX_CHARS = 4000

_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
#: A BCP 47-ish tag: a 2–3 letter language, then subtags of 2–8 letters/digits or 3 digits.
#: ``"utf-8"`` (a charset in a language field, seen on real pages) does not match.
_TAG = re.compile(r"^\s*([A-Za-z]{2,3})(?:[-_](?:[A-Za-z0-9]{2,8}|\d{3}))*\s*$")

#: Codes pages use for a language the detector names otherwise: ISO 639-2/3 codes for the
#: languages we cover most, and Norwegian Bokmål.
_ALIASES = {
    "aze": "az", "hye": "hy", "arm": "hy", "rus": "ru", "kat": "ka", "geo": "ka", "eng": "en",
    "tur": "tr", "deu": "de", "ger": "de", "fra": "fr", "fre": "fr", "ukr": "uk", "fas": "fa",
    "per": "fa", "spa": "es", "ara": "ar", "zho": "zh", "chi": "zh",
    # the detector says "no" for Norwegian Bokmål, which pages declare as "nb"
    "nb": "no", "nob": "no",
}  # fmt: skip

_lock = threading.Lock()
_identifier: Any = None


def _get_identifier() -> Any:
    """Build py3langid's identifier once, with probabilities normalised so a threshold works."""
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        return _identifier


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of the language ``text`` is written in, or ``None`` when unsure.

    ``None`` means "too little text or no confident answer", never an error: a page with a
    few words of navigation should not be labelled with a made-up language.
    """
    sample = text[:MAX_CHARS]
    if len(_LETTER.findall(sample)) < MIN_LETTERS:
        return None
    language, confidence = _get_identifier().classify(sample)
    if confidence < MIN_CONFIDENCE:
        logger.debug("language unsure: %s at %.2f", language, confidence)
        return None
    return str(language)


def normalise_language(tag: str | None) -> str | None:
    """The primary subtag of a language tag, lower-cased: ``"en-US"`` → ``"en"``.

    Returns ``None`` for a missing or unusable tag (``""``, ``"*"``, ``"x-default"``).
    """
    if not tag:
        return None
    match = _TAG.match(tag)
    if not match:
        return None
    code = match.group(1).lower()
    if code in {"und", "mul", "zxx"}:
        return None
    return _ALIASES.get(code, code)


def languages_differ(*codes: str | None) -> bool:
    """True when at least two of the known (non-``None``) languages disagree."""
    known = {normalise_language(code) for code in codes} - {None}
    return len(known) > 1
