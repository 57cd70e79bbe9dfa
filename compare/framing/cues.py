"""Attribution by cue words, for languages the English dependency parser cannot read.

Russian, Azerbaijani and Armenian sentences are classed by the same five classes and the same
precedence as English ones (:mod:`compare.framing.attribution`), from word patterns alone:
unnamed sources (источники, mənbələr, աղբյուրները), distancing (так называемый, утверждает,
якобы; sözdə, guya, iddia edir; այսպես կոչված, իբր, պնդում է), hedges (по некоторым данным,
возможно; ehtimal ki, ola bilər; հավանաբար, հնարավոր է) and neutral reporting verbs (заявил,
сообщил, по словам; bildirib, deyib, qeyd edib; հայտարարել է, նշել է, ըստ). Scare quotes
(«…» around a short lower-case phrase) count as distancing in every language. Cues inside a long
quotation are the speaker's and ignored, as in English. No speaker is named: without a parse,
who speaks is not read (the cue that decided is kept, with its offsets).

The word lists were written by the newscompare developers; the demo corpus's native-language
articles exercise them (tests/framing/test_cues.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from compare.framing.records import Attribution, AttributionClass, Cue
from compare.framing.text import Quote, find_quotes, inside

__all__ = ["CUE_LANGUAGES", "classify_by_cues", "hedges_by_cues"]


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


@dataclass(frozen=True)
class _Cues:
    anonymous: re.Pattern[str]
    distancing: re.Pattern[str]
    hedges: re.Pattern[str]
    says: re.Pattern[str]


_W = r"[^\W\d_]*"  # the rest of an inflected word

CUES: dict[str, _Cues] = {
    "ru": _Cues(
        anonymous=_any(
            rf"\bисточник{_W}",
            rf"\bпожелавш{_W}\s+остаться\s+неизвестн{_W}",
            r"\bна\s+условиях\s+анонимности\b",
            rf"\bненазванн{_W}",
            rf"\bанонимн{_W}",
        ),
        distancing=_any(
            rf"\bтак\s+называем{_W}",
            r"\bякобы\b",
            rf"\bутвержда{_W}",
            rf"\bсамопровозглаш[её]нн{_W}",
            rf"\bмним{_W}",
            r"\bбез\s+(?:каких-либо\s+)?доказательств\b",
            rf"\bголословн{_W}",
            rf"\bпресловут{_W}",
        ),
        hedges=_any(
            r"\bпо\s+некоторым\s+данным\b",
            r"\bпо\s+неподтвержд[её]нным\s+данным\b",
            r"\bпредположительно\b",
            r"\bвозможно\b",
            r"\bвероятно\b",
            r"\bпо-видимому\b",
            r"\bвидимо\b",
            r"\bкак\s+сообщается\b",
            r"\bпо\s+сообщениям\b",
            r"\bне\s+исключено\b",
            r"\bсудя\s+по\s+всему\b",
            r"\bмо(?:жет|гут|гл[аио]?|г)\b",
        ),
        says=_any(
            rf"\bзаяви{_W}",
            rf"\bсообщи{_W}",
            rf"\bсказа{_W}",
            rf"\bотмети{_W}",
            rf"\bподчеркну{_W}",
            rf"\bрассказа{_W}",
            rf"\bзаявлени{_W}",
            r"\bпо\s+словам\b",
            r"\bпо\s+данным\b",
            r"\bсогласно\b",
            r"\bговорится\b",
        ),
    ),
    "az": _Cues(
        anonymous=_any(
            rf"\bmənbə{_W}",
            rf"\badının\s+çəkilməsini\s+istəməyən{_W}",
            rf"\banonim{_W}",
        ),
        distancing=_any(
            r"\bsözdə\b",
            r"\bguya\b",
            rf"\biddia\s+(?:ed|et){_W}",
            r"\biddia(?:sı|ları|sına|larına)?\b",
            rf"\bözünü\s+{_W}\s+adlandıran\b",
            r"\bsübutsuz\b",
        ),
        hedges=_any(
            rf"\behtimal{_W}",
            r"\bbəlkə\b",
            rf"\bola\s+bilər{_W}",
            r"\bgörünür\b",
            r"\bməlumata\s+görə\b",
            r"\bbildirilir\b",
            r"\bdeyilir\b",
        ),
        says=_any(
            rf"\bbildir{_W}",
            r"\bdeyib\b",
            r"\bdedi\b",
            rf"\bqeyd\s+ed{_W}",
            rf"\bvurğula{_W}",
            rf"\baçıqla{_W}",
            rf"\bbəyan{_W}",
            rf"\bsəsləndir{_W}",
            r"\bsözlərinə\s+görə\b",
            rf"\bməlumat{_W}\s+ver{_W}",
        ),
    ),
    "hy": _Cues(
        anonymous=_any(
            rf"\bաղբյուր{_W}",
            rf"\bանանուն{_W}",
            rf"\bչցանկացած{_W}",
        ),
        distancing=_any(
            r"\bայսպես\s+կոչված\b",
            r"\bիբր(?:և)?\b",
            rf"\bպնդ{_W}",
            rf"\bինքնահռչակ{_W}",
            r"\bառանց\s+ապացույցների\b",
        ),
        hedges=_any(
            r"\bհավանաբար\b",
            r"\bգուցե\b",
            r"\bկարող\s+(?:է|են)\b",
            r"\bհնարավոր\s+է\b",
            r"\bըստ\s+որոշ\s+տվյալների\b",
            r"\bհաղորդվում\s+է\b",
            r"\bըստ\s+երևույթին\b",
        ),
        says=_any(
            rf"\bհայտարար{_W}",
            r"\bասել\s+է\b",
            r"\bասաց\b",
            r"\bնշել\s+(?:է|են)\b",
            r"\bնշեց\b",
            r"\bհայտնել\s+(?:է|են)\b",
            r"\bհայտնեց\b",
            r"\bշեշտել\s+(?:է|են)\b",
            r"\bըստ\b",
        ),
    ),
}
#: Languages classed by :func:`classify_by_cues` (others fall back to the English patterns).
CUE_LANGUAGES = frozenset(CUES)


def _cues(pattern: re.Pattern[str], text: str, kind: str, long_quotes: list[Quote]) -> list[Cue]:
    return [
        Cue(m.start(), m.end(), m.group(), kind)
        for m in pattern.finditer(text)
        if not inside(m.start(), m.end(), long_quotes)
    ]


def hedges_by_cues(text: str, language: str, quotes: list[Quote] | None = None) -> tuple[Cue, ...]:
    """Hedging words of ``language`` in the outlet's own voice (outside long quotations)."""
    quotes = find_quotes(text) if quotes is None else quotes
    long_quotes = [q for q in quotes if q.n_words > 4]
    return tuple(_cues(CUES[language].hedges, text, "hedge", long_quotes))


def _scare_quotes(text: str, quotes: list[Quote]) -> list[Cue]:
    found = []
    for q in quotes:
        inner = q.inner.strip()
        if inner and q.n_words <= 4 and inner[0].islower() and not (inner[-1] in ",.!?;:" and q.n_words > 2):
            found.append(Cue(q.start, q.end, text[q.start : q.end], "scare_quote"))
    return found


def classify_by_cues(text: str, language: str) -> Attribution:
    """The attribution class of one sentence of ``language`` (one of :data:`CUE_LANGUAGES`)."""
    cues = CUES[language]
    quotes = find_quotes(text)
    long_quotes = [q for q in quotes if q.n_words > 4]
    anonymous = _cues(cues.anonymous, text, "anonymous", long_quotes)
    if anonymous:
        return _result("anonymous", anonymous)
    says = _cues(cues.says, text, "say", long_quotes)
    distancing = _cues(cues.distancing, text, "distancing", long_quotes)
    if not says:  # a short quotation beside "said" is the speaker's word, not a scare quote
        distancing += _scare_quotes(text, quotes)
    if distancing:
        return _result("distancing", distancing)
    hedges = list(hedges_by_cues(text, language, quotes))
    if hedges:
        return _result("hedged", hedges)
    if says:
        return _result("neutral", says)
    quoted = sum(q.end - q.start for q in quotes if q.n_words > 2)
    if quoted and quoted >= 0.6 * len(text.strip()):
        return _result("neutral", [Cue(q.start, q.end, text[q.start : q.end], "quote") for q in quotes])
    return Attribution("own_voice")


def _result(label: AttributionClass, cues: list[Cue]) -> Attribution:
    unique = sorted({(c.start, c.end): c for c in cues}.values(), key=lambda c: c.start)
    return Attribution(label, None, tuple(unique))
