"""Attribution: in whose voice does a sentence tell its content?

Five classes, decided by careful patterns over one sentence (no parser; see docs/evaluation.md
for why and for the measured precision and recall):

* ``anonymous`` — an unnamed source: "sources said", "officials who asked not to be named",
  "a senior diplomat said", "people familiar with the matter";
* ``distancing`` — the outlet keeps the content at arm's length: "claimed", "alleged",
  "so-called", "purported", "insisted", "what it called", scare quotes ("eco-activists");
* ``hedged`` — the outlet itself is unsure: "reportedly", "may have", "is believed to";
* ``neutral`` — a named source with a neutral reporting verb: "said", "told", "according to";
* ``own_voice`` — an unattributed assertion.

When several apply, the first in that list wins (``records.ATTRIBUTION_CLASSES``): an unnamed
source is the strongest fact a fact-checker needs, a named source the weakest. Cues inside a
direct quotation belong to the speaker, not to the outlet, and are ignored for the distancing and
hedged classes. Every decision keeps its cues (matched words with offsets).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from compare.framing.records import Attribution, AttributionClass, Cue
from compare.framing.text import Quote, find_quotes, inside

__all__ = ["Speech", "classify_attribution", "find_hedges", "find_speech"]

# Verbs that report speech neutrally whatever follows them.
_SAY = (
    r"said|says|say|told|tells|tell|stated|states|recalled|added|adds|testified|"
    r"accused|accuses|denied|denies"
)
# Participles that hang reported speech on the sentence's subject (", saying that ...").
_PARTICIPLE = re.compile(
    r",\s+(?:saying|adding|arguing|calling|accusing|denying|telling|noting|stating|warning)\b"
)
_DETERMINER_BEFORE = re.compile(
    r"\b(?:the|a|an|this|that|these|those|his|her|its|their|our|such|whose)\s+$", re.IGNORECASE
)
# Verbs that report speech only when a clause or a quotation follows ("announced the plan" is a
# fact, "announced that schools would close" is attributed).
_SAY_THAT = (
    r"announced|announces|confirmed|confirms|reported|reports|noted|notes|wrote|writes|"
    r"explained|explains|warned|warns|argued|argues|estimated|estimates|acknowledged|"
    r"declared|replied|predicted|revealed|indicated|suggested|vowed|pledged|promised|continued|"
    r"conceded|admitted|complained|responded|countered|wrote"
)
_DISTANCE_VERB = (
    r"claim|claims|claimed|claiming|allege|alleges|alleged|alleging|insist|insists|insisted|"
    r"maintain|maintains|maintained|assert|asserts|asserted|contend|contends|contended"
)

_VERB_RE = re.compile(rf"\b(?:(?P<say>{_SAY})|(?P<that>{_SAY_THAT})|(?P<dist>{_DISTANCE_VERB}))\b")
_ACCORDING = re.compile(r"\baccording to\s+(?P<who>[^,.;:]+)", re.IGNORECASE)

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

# Role nouns that, without a name or an organisation, make a speaker anonymous.
_ROLES = (
    r"officials?|diplomats?|sources?|insiders?|aides?|person|people|witness|witnesses|"
    r"executives?|employees?|residents?|commanders?|doctors?|analysts?|officers?|members?|"
    r"staffers?|advisers?|advisors?|negotiators?|lawmakers?|engineers?"
)
_INDEFINITE = re.compile(
    rf"^(?:a|an|one|two|three|four|several|some|many|other|unnamed)\b.*\b(?:{_ROLES})\b",
    re.IGNORECASE,
)
_BARE_PLURAL = re.compile(
    r"^(?:(?:senior|top|local|military|government|security|intelligence|western|"
    r"european|us|u\.s\.|eu|un|russian|american|israeli|iranian|armenian|azerbaijani|"
    r"ukrainian|turkish|chinese|french|british|german)\s+)*"
    r"(?:officials|diplomats|sources|insiders|witnesses|aides)\b",
    re.IGNORECASE,
)
_NATIONALITY = {
    "us", "u.s.", "eu", "un", "western", "european", "russian", "american", "british", "french",
    "german", "israeli", "iranian", "armenian", "azerbaijani", "ukrainian", "turkish", "chinese",
    "arab", "nato", "senior", "a", "an", "one", "two", "three", "several", "some",
}  # fmt: skip
_PRONOUNS = {"he", "she", "they", "it", "we", "i", "you", "this", "that", "who"}
_LEADING = re.compile(
    r"^(?:in|on|at|after|before|during|speaking|asked|earlier|later|meanwhile|however|"
    r"separately|instead|writing|addressing|but|and|also|yesterday|today|on\s+\w+day|"
    r"with|as|while|when|although|though|because|if|since|after|until|once)\b",
    re.IGNORECASE,
)
_NOT_SPEECH_AFTER = re.compile(r"^\s+(?:nothing|little|no\s|goodbye|sorry)", re.IGNORECASE)
_SENTENCE_END = re.compile(
    r"^\s*(?:on\s+\w+|in\s+a\s+statement|late\s+on\s+\w+|yesterday|today)?\s*[.!?\"”’]*\s*$",
    re.IGNORECASE,
)
# "GENEVA, July 25 (Global Wire) - " and "BAKU (Reuters) — " before the first sentence.
_DATELINE = re.compile(r"^[A-Z][A-Z .'/-]+(?:,\s*[^()\-–—]{0,40})?\s*(?:\([^)]*\))?\s*[-–—]+\s+")
# The sentence's subject, up to its first finite verb, for ", saying ..." constructions.
_SUBJECT = re.compile(
    r"^(?:(?:and|but)\s+)?(?P<who>(?:[\w'’.-]+\s+){0,7}?[\w'’.-]+?)\s+"
    r"(?:has|have|had|is|are|was|were|will|would|\w+ed)\b"
)
_INVERTED = re.compile(r"^\s+(?P<who>[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,4})")


@dataclass(frozen=True)
class Speech:
    """A reporting construction found in a sentence: who speaks, with which verb."""

    speaker: str | None
    verb: Cue
    kind: str  # "say" (neutral), "dist" (distancing verb), "according"
    anonymous: bool
    direct: bool


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


def _clean_speaker(raw: str) -> tuple[str | None, bool]:
    """The named speaker in a subject phrase, and whether the phrase is an unnamed source."""
    parts = [p.strip() for p in re.split(r",", raw) if p.strip()]
    while len(parts) > 1 and _LEADING.match(parts[0]):
        parts.pop(0)
    if not parts:
        return None, False
    if _LEADING.match(parts[0]):
        return None, False
    who = re.sub(r"^(?:and|but|also)\s+", "", parts[0], flags=re.IGNORECASE).strip(" \"“”'")
    who = re.sub(r"\s+(?:also|then|later|previously|has|had|have)$", "", who)
    if not who or who.split()[0].lower() in _PRONOUNS or len(who.split()) > 12:
        return None, False
    anonymous = False
    if _BARE_PLURAL.match(who) or _INDEFINITE.match(who):
        named_org = " for " in f" {who.lower()} " or any(
            w[:1].isupper() and w.lower() not in _NATIONALITY for w in who.split()[1:]
        )
        anonymous = not named_org
    return who, anonymous


def find_speech(text: str, quotes: list[Quote] | None = None) -> list[Speech]:
    """Reporting constructions of a sentence, outside quotations, in order."""
    quotes = find_quotes(text) if quotes is None else quotes
    found: list[Speech] = []
    for m in _ACCORDING.finditer(text):
        who = m.group("who").strip()
        anonymous = bool(_ANON_CUES.search(who)) or bool(_INDEFINITE.match(who) or _BARE_PLURAL.match(who))
        cue = Cue(m.start(), m.start() + len("according to"), text[m.start() : m.start() + 12])
        found.append(Speech(None if anonymous else who, cue, "according", anonymous, False))
    for m in _VERB_RE.finditer(text):
        if inside(m.start(), m.end(), quotes):
            continue
        after = text[m.end() :]
        quote_before = any(
            q.end <= m.start() and "." not in text[q.end : m.start()] and m.start() - q.end < 60
            for q in quotes
            if q.n_words > 2
        )
        if m.group("that") and not quote_before and not re.match(r"^\s*(?:,\s*)?(?:that\b|[\"“:])", after):
            continue
        if m.group("say") and _NOT_SPEECH_AFTER.match(after):
            continue
        if m.group("dist") and _DETERMINER_BEFORE.search(text[: m.start()]):
            continue  # "the claim", "his claims": a noun, not a verb of saying
        before = text[: m.start()]
        # The clause starts after the last closing quotation (",” she said") or at the start.
        start = 0
        for q in quotes:
            if q.end <= m.start():
                start = max(start, q.end)
        for mark in re.finditer(r"[;:]|\s[—–]\s", before):
            if not inside(mark.start(), mark.end(), quotes):
                start = max(start, mark.end())
        subject = before[start:].strip().strip(",")
        dateline = _DATELINE.match(subject)
        if dateline:
            subject = subject[dateline.end() :]
        if (_SENTENCE_END.match(after) or after.startswith(",")) and "," in subject:
            # "..., officials said." — the speaker is the phrase right before the verb.
            subject = subject.rsplit(",", 1)[1].strip()
        direct = any(q.end <= m.start() and q.n_words > 4 for q in quotes) or bool(
            re.match(r"^\s*(?:,\s*)?[\"“:]", after)
        )
        speaker: str | None
        if subject:
            speaker, anonymous = _clean_speaker(subject)
            if speaker is None and subject.split()[-1].lower() not in _PRONOUNS:
                continue
        else:
            inv = _INVERTED.match(after)
            speaker, anonymous = (inv.group("who"), False) if inv else (None, False)
            if speaker is None and not direct:
                continue
        kind = "dist" if m.group("dist") else "say"
        if speaker and kind == "say" and re.search(r"\b(?:that|which|who)\b", speaker):
            continue
        cue = Cue(m.start(), m.end(), m.group(), kind)
        found.append(Speech(speaker, cue, kind, anonymous, direct))
    found.sort(key=lambda s: s.verb.start)
    return found


def classify_attribution(text: str) -> Attribution:
    """The attribution class of one sentence, with its speaker and the cues that decided it."""
    quotes = find_quotes(text)
    speech = find_speech(text, quotes)
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
    # A distancing verb counts even where no speaker could be parsed ("..., claiming that").
    dist += [
        Cue(m.start(), m.end(), m.group(), "dist")
        for m in _VERB_RE.finditer(text)
        if m.group("dist")
        and not inside(m.start(), m.end(), quotes)
        and not _DETERMINER_BEFORE.search(text[: m.start()])
    ]
    if not any(sp.kind == "say" for sp in speech):
        # A short quotation beside "said" is the speaker's word, not the outlet's scare quote.
        dist += _scare_quotes(text, quotes)
    if dist:
        speaker = next((s.speaker for s in speech if s.kind == "dist" and s.speaker), named)
        return _result("distancing", speaker, dist)

    # Hedges inside reported speech ("X said the road could reopen") are the speaker's.
    reported_from = min(
        [s.verb.end for s in speech if s.kind == "say"]
        + [m.end() for m in _PARTICIPLE.finditer(text)]
        + [len(text)]
    )
    hedges = [c for c in find_hedges(text, quotes) if c.start < reported_from]
    if hedges:
        return _result("hedged", named, hedges)
    participles = [Cue(m.start(), m.end(), m.group(), "say") for m in _PARTICIPLE.finditer(text)]
    if participles and named is None:
        dateline = _DATELINE.match(text)
        body = text[dateline.end() :] if dateline else text
        subject = _SUBJECT.match(body)
        if subject:
            named, unnamed = _clean_speaker(subject.group("who"))
            if unnamed:
                return _result("anonymous", None, participles)
    if speech or participles:
        return _result("neutral", named, [s.verb for s in speech] + participles)
    return Attribution("own_voice")


def _result(label: AttributionClass, speaker: str | None, cues: list[Cue]) -> Attribution:
    unique = sorted({(c.start, c.end): c for c in cues}.values(), key=lambda c: c.start)
    return Attribution(label, speaker, tuple(unique))
