"""Attribution: in whose voice does a sentence tell its content?

Five classes, decided over one sentence from its dependency parse (who says what:
:mod:`compare.framing.speakers`) and careful patterns for hedges, distancing words and unnamed
sources (docs/evaluation.md has the measured precision and recall):

* ``anonymous`` — an unnamed source: "sources said", "officials who asked not to be named",
  "a senior diplomat said", "people familiar with the matter";
* ``distancing`` — the outlet keeps the content at arm's length: "claimed", "alleged",
  "so-called", "purported", "insisted", "what it called", scare quotes ("eco-activists");
* ``hedged`` — the outlet itself is unsure: "reportedly", "may have", "is believed to";
* ``neutral`` — a named source with a neutral reporting verb: "said", "told", "according to";
* ``own_voice`` — an unattributed assertion.

A sentence that is mostly a quotation with no attribution of its own (the speaker was named in
the sentence before) is ``neutral`` with no speaker: it reports someone's words.

When several apply, the first in that list wins (``records.ATTRIBUTION_CLASSES``): an unnamed
source is the strongest fact a fact-checker needs, a named source the weakest. Cues inside a
direct quotation belong to the speaker, not to the outlet, and are ignored for the distancing and
hedged classes. Every decision keeps its cues (matched words with offsets).
"""

from __future__ import annotations

import re

from compare.framing.records import Attribution, AttributionClass, Cue
from compare.framing.speakers import Speech, find_speech
from compare.framing.text import Quote, find_quotes, inside
from compare.syntax import Parse
from compare.syntax import parse as parse_sentence

__all__ = ["Speech", "classify_attribution", "find_hedges", "find_speech"]

_ANON_CUES = re.compile(
    r"\bsources?\b(?!\s+of\b)|\banonymity\b|\banonymously\b|\bunnamed\b|\binsiders?\b"
    r"|\b(?:asked|declined|requested|wish|wished|want|wanted|wanting)\s+(?:not\s+)?to\s+be\s+"
    r"(?:named|identified)\b"
    r"|\bnot\s+authori[sz]ed\s+to\s+(?:speak|discuss|comment)\b"
    r"|\b(?:familiar|acquainted)\s+with\b|\bbriefed\s+on\b|\bwith\s+(?:direct\s+)?knowledge\s+of\b"
    r"|\b(?:people|person|persons|someone|several|officials?)\s+close\s+to\b"
    r"|\bon\s+background\b|\bcould\s+not\s+be\s+(?:named|identified)\b"
    r"|\bgave\s+only\s+(?:his|her|their)\s+first\s+name\b"
    r"|\b(?:did\s+not|didn't)\s+(?:want|wish)\s+to\s+(?:give|be)\b",
    re.IGNORECASE,
)

_DISTANCE_WORDS = re.compile(
    r"\bso-called\b|\balleged(?:ly)?\b|\bpurported(?:ly)?\b|\bsupposed(?:ly)?\b"
    r"|\bself-(?:proclaimed|styled|declared)\b|\bwithout\s+(?:providing\s+)?evidence\b"
    r"|\bwhat\s+(?:\w+\s+){0,3}(?:called|calls|described\s+as|describes\s+as|termed|dubbed)\b",
    re.IGNORECASE,
)

_HEDGES = re.compile(
    r"\breportedly\b|\ballegedly\b|\bmay\b|\bmight\b|\bcould\b|\bprobably\b"
    r"|(?<!\bthe\s)(?<!\bhis\s)(?<!\bher\s)(?<!\bits\s)(?<!\btheir\s)(?<!\ba\s)\blikely\b"
    r"|\bpossibly\b|\bunlikely\b|\bapparently\b|\bseemingly\b|\bpresumably\b|\bpurportedly\b"
    r"|\b(?:appears?|appeared|seems?|seemed)\s+to\b"
    r"|\b(?:is|are|was|were|be|been|being)\s+(?:widely\s+|now\s+|also\s+)?"
    r"(?:believed|thought|said|understood|rumou?red|reported|expected|suspected|feared)\s+to\b"
    r"|\b(?:it\s+(?:is|was|remains)\s+)?(?:unclear|not\s+known|not\s+clear)\b"
    r"|\bunconfirmed\b|\bit\s+was\s+reported\b|\bin\s+doubt\b",
)


def find_hedges(text: str, quotes: list[Quote] | None = None) -> tuple[Cue, ...]:
    """Hedging words used in the outlet's own voice (outside direct quotations)."""
    quotes = find_quotes(text) if quotes is None else quotes
    return tuple(
        Cue(m.start(), m.end(), m.group(), "hedge")
        for m in _HEDGES.finditer(text)
        if not inside(m.start(), m.end(), [q for q in quotes if q.n_words > 4])
    )


def _scare_quotes(text: str, quotes: list[Quote]) -> list[Cue]:
    """Short quotations of a lowercase phrase: the outlet holding a word at arm's length."""
    found = []
    for q in quotes:
        inner = q.inner.strip()
        if not inner or q.n_words > 4 or (inner[-1] in ",.!?;:" and q.n_words > 2):
            continue
        if inner[0].islower():
            found.append(Cue(q.start, q.end, text[q.start : q.end], "scare_quote"))
    return found


def classify_attribution(text: str, parse: Parse | None = None) -> Attribution:
    """The attribution class of one sentence, with its speaker and the cues that decided it.

    ``parse`` is the sentence's dependency parse (:func:`compare.syntax.parse` when omitted).
    """
    quotes = find_quotes(text)
    speech = find_speech(text, parse if parse is not None else parse_sentence(text), quotes)
    long_quotes = [q for q in quotes if q.n_words > 4]

    anon = [Cue(m.start(), m.end(), m.group(), "anonymous") for m in _ANON_CUES.finditer(text)]
    anon = [c for c in anon if not inside(c.start, c.end, long_quotes)]
    anon += [s.verb for s in speech if s.anonymous]
    named = next((s.speaker for s in speech if s.speaker and not s.anonymous), None)
    if anon:
        return _result("anonymous", None, anon)

    dist = [
        Cue(m.start(), m.end(), m.group(), "distancing")
        for m in _DISTANCE_WORDS.finditer(text)
        if not inside(m.start(), m.end(), long_quotes)
    ]
    dist += [s.verb for s in speech if s.kind == "dist"]
    # "Authorities called the protesters "hooligans"": the speaker's label, held at arm's length.
    dist += [
        s.verb
        for s in speech
        if s.kind == "name" and any(q.n_words <= 4 and (q.start, q.end) in s.content for q in quotes)
    ]
    if not any(sp.kind in ("say", "according") for sp in speech):
        # A short quotation beside "said" is the speaker's word, not the outlet's scare quote.
        dist += _scare_quotes(text, quotes)
    if dist:
        speaker = next((s.speaker for s in speech if s.kind in ("dist", "name") and s.speaker), named)
        return _result("distancing", speaker, dist)

    # Hedges inside reported speech ("X said the road could reopen") are the speaker's.
    reported = [r for s in speech for r in s.content]
    hedges = [
        c
        for c in find_hedges(text, quotes)
        if not any(a <= c.start and c.end <= b for a, b in reported)
        and not any(s.verb.start <= c.start < s.verb.end + 1 for s in speech)
    ]
    if hedges:
        return _result("hedged", named, hedges)
    if speech:
        return _result("neutral", named, [s.verb for s in speech])
    quoted = sum(q.end - q.start for q in quotes if q.n_words > 2)
    if quoted and quoted >= 0.6 * len(text.strip()):
        # A sentence made of a quotation: someone's words, reported (the speaker named elsewhere).
        return _result("neutral", None, [Cue(q.start, q.end, text[q.start : q.end], "quote") for q in quotes])
    return Attribution("own_voice")


def _result(label: AttributionClass, speaker: str | None, cues: list[Cue]) -> Attribution:
    unique = sorted({(c.start, c.end): c for c in cues}.values(), key=lambda c: c.start)
    return Attribution(label, speaker, tuple(unique))
