"""Speakers: who says what in a sentence, read from its dependency parse.

A reporting verb ("said", "told", "claimed", "according to" ...) outside quotation marks makes a
:class:`Speech`: its speaker is the verb's subject (climbing through "and says", ", saying",
"went on to say" to the clause that has one) as a clean noun phrase — relative clauses, roles in
apposition ("Hakan Fidan, Turkey's foreign minister") and party tags ("(D-Conn.)") left out, and
a name in apposition preferred to a role ("Turkey's foreign minister, Hakan Fidan" → Hakan
Fidan). Its ``content`` is what the speaker says: the reported clause and the quotations beside
the verb, as character ranges, so loaded words there can be charged to the speaker.

Pure functions over :class:`compare.syntax.Token` tuples; the parse comes from
:mod:`compare.syntax`. Precision matters more than recall: a verb of saying that reports no
content ("told the story", "said nothing") is not speech.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from compare.framing.records import Cue
from compare.framing.text import Quote, inside
from compare.syntax import Parse, Token

__all__ = ["Speech", "find_speech", "is_anonymous"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Verbs that report speech whatever follows them (unless their object is "nothing").
_SAY = _words("say add state testify recall accuse deny tweet")
# Verbs that report speech only with a reported clause or a quotation.
_SAY_THAT = _words(
    "tell announce confirm report note write explain warn argue estimate acknowledge declare "
    "reply predict reveal indicate suggest vow pledge promise continue concede admit complain "
    "respond counter post charge urge"
)
# Verbs that name or judge something in the speaker's words: speech only beside a quotation.
_NAMING = _words("call describe label dub brand term criticize criticise hail dismiss rate")
# Verbs of saying that keep the content at arm's length.
_DISTANCE = _words("claim allege insist maintain assert contend")
_NOT_SPOKEN = _words("nothing little goodbye sorry")
_PRONOUNS = _words("he she they it we i you this that who which one")
_RELATIVE = _words("who which that")
# Children of the speaker's head that are not part of the speaker's name.
_DROP = _words("relcl acl appos parataxis advcl")
_EDGE = re.compile(r"^[\s,;:\"“”'‘’(\-–—]+|[\s,;:\"“”'‘’(\-–—]+$")
_LEADING_CC = re.compile(r"^(?:and|but|or|also)\s+", re.IGNORECASE)
_CLIMB = _words("conj xcomp advcl pcomp prep pobj advmod relcl npadvmod")
# Verbs whose infinitive complement is not said: "refused to say", "declined to comment".
_NOT_SAYING = _words("refuse decline fail hesitate want plan")
_DATELINE = re.compile(r"^[A-Z][A-Z .,'/-]+\s*(?:\([^)]*\))?\s*[-–—]+\s*")
_CONTENT_DEPS = _words("ccomp xcomp dobj parataxis oprd attr dative")

# Unnamed sources, by their words.
_ANON_CUES = re.compile(
    r"\bsources?\b(?!\s+of\b)|\banonymity\b|\banonymously\b|\bunnamed\b|\binsiders?\b"
    r"|\b(?:familiar|acquainted)\s+with\b|\bbriefed\s+on\b|\bwith\s+(?:direct\s+)?knowledge\s+of\b"
    r"|\bclose\s+to\b",
    re.IGNORECASE,
)
_ROLE_LEMMAS = _words(
    "official diplomat source insider aide person people witness executive employee resident "
    "commander doctor analyst officer member staffer adviser advisor negotiator lawmaker engineer "
    "critic observer expert activist protester protestor villager soldier worker"
)
_INDEFINITE = _words("a an one two three four several some many other unnamed")
_DEFINITE = _words("the his her its their our this that these those")
# Words that leave a group of officials unnamed ("senior officials"; "Greek officials" name a
# government, as the seeds' labels have it).
_NAMELESS = _words(
    "western senior top local military government security intelligence police fire state federal "
    "regional city provincial"
)


@dataclass(frozen=True)
class Speech:
    """A reporting construction found in a sentence: who speaks, with which verb, saying what."""

    speaker: str | None
    verb: Cue
    kind: str  # "say" (neutral), "dist" (distancing verb), "name" ("called it X"), "according"
    anonymous: bool
    direct: bool
    content: tuple[tuple[int, int], ...] = ()


def _children(parse: Parse, tok: Token) -> list[Token]:
    return [t for t in parse if t.head == tok.i and t.i != tok.i]


def _subtree(parse: Parse, tok: Token, drop: frozenset[str] = frozenset()) -> list[Token]:
    out = [tok]
    for child in _children(parse, tok):
        if child.dep in drop:
            continue
        out += _subtree(parse, child)
    return out


def _span(parse: Parse, toks: Sequence[Token]) -> tuple[int, int]:
    return min(t.idx for t in toks), max(t.end for t in toks)


def _noun_phrase(text: str, parse: Parse, head: Token, verb: Token | None = None) -> str | None:
    """The speaker's name: the subject's words without clauses, roles in apposition or tags."""
    appos = [c for c in _children(parse, head) if c.dep == "appos"]
    if head.pos != "PROPN" and appos and appos[0].pos == "PROPN":
        head = appos[0]
    toks = sorted(_subtree(parse, head, _DROP), key=lambda t: t.i)
    keep = {
        t.i
        for t in toks
        if not (t.pos == "PUNCT" and t.text in ',;:()[]"“”—–') and (verb is None or t.i != verb.i)
    }
    lo = hi = head.i
    while lo - 1 in keep:
        lo -= 1
    while hi + 1 in keep:
        hi += 1
    # A bracketed tag after the name ("Sen. Richard Blumenthal (D-Conn.)") is cut off.
    while hi > head.i and parse[hi].text in ")]":
        hi -= 1
    words = text[parse[lo].idx : parse[hi].end]
    cut = re.search(r"\s*[(\[]", words)
    if cut and cut.start() > 0:
        words = words[: cut.start()]
    words = _LEADING_CC.sub("", _EDGE.sub("", _DATELINE.sub("", words)))
    return words or None


def is_anonymous(parse: Parse, head: Token, name: str) -> bool:
    """An unnamed source: "a senior diplomat", "officials", "residents", "sources close to".

    A group named by its country or body ("Greek officials", "EU officials") is a named source,
    as is anyone speaking "for" a named body ("a spokesman for the airline").
    """
    if _ANON_CUES.search(name):
        return True
    if head.lemma not in _ROLE_LEMMAS or re.search(r"\bfor\s+(?:the\s+)?[A-Z]", name):
        return False
    words = name.split()
    first = words[0].lower()
    if first in _INDEFINITE:
        return True
    plural = head.text.lower().endswith("s") or head.lemma == "people"
    if not plural or first in _DEFINITE:
        return False
    return not any(
        w[:1].isupper() and w.lower().strip(".,") not in _NAMELESS and w != head.text for w in words
    )


def _subject(parse: Parse, verb: Token) -> Token | None:
    """The subject of a verb, climbing through coordinated, participial and prepositional links.

    Never out of a reported clause (``ccomp``): its subject is someone else.
    """
    current = verb
    if verb.dep == "compound" and parse[verb.head].pos == "PROPN":
        return parse[verb.head]  # "Added Gibbs: ..."
    for _ in range(6):
        subjects = [c for c in _children(parse, current) if c.dep in ("nsubj", "nsubjpass")]
        if subjects:
            # The subject nearest the verb ("BAKU (Wire) - Azerbaijan said": Azerbaijan).
            before = [c for c in subjects if c.i < current.i]
            subject = before[-1] if before else subjects[0]
            if subject.lemma in _RELATIVE and current.dep == "relcl":
                return parse[current.head]
            return subject
        if current.dep not in _CLIMB or current.head == current.i:
            return None
        if current.dep == "relcl":
            return parse[current.head]
        current = parse[current.head]
    return None


def _reports(parse: Parse, verb: Token, quotes: list[Quote]) -> bool:
    """Whether a verb of saying reports content here (a clause, a quotation, a colon)."""
    kids = _children(parse, verb)
    has_clause = any(c.dep in ("ccomp", "parataxis") for c in kids) or (
        verb.dep in ("ccomp", "parataxis") and verb.head < verb.i
    )
    span = _span(parse, _subtree(parse, verb))
    has_quote = any(q.start >= span[0] - 2 and q.end <= span[1] + 2 for q in quotes) or any(
        abs(q.end - verb.idx) < 40 or abs(verb.end - q.start) < 40 for q in quotes if q.n_words > 2
    )
    colon = any(c.text == ":" for c in kids)
    lemma = verb.lemma
    if lemma in _SAY:
        return not any(c.dep == "dobj" and c.lemma in _NOT_SPOKEN for c in kids) and verb.dep != "amod"
    if lemma in _NAMING:
        return any(q.start >= span[0] and q.end <= span[1] + 2 for q in quotes)
    if lemma in _DISTANCE:
        return has_clause or has_quote or any(c.dep in ("xcomp", "dobj") for c in kids)
    return has_clause or has_quote or colon


def _content(parse: Parse, verb: Token, quotes: list[Quote], subject: Token | None) -> list[tuple[int, int]]:
    ranges = []
    for child in _children(parse, verb):
        if child.dep in _CONTENT_DEPS:
            ranges.append(_span(parse, _subtree(parse, child)))
    if verb.dep in ("ccomp", "parataxis") and verb.head < verb.i:
        ranges.append(_span(parse, [t for t in _subtree(parse, parse[verb.head]) if t.i < verb.i]))
    span = _span(parse, _subtree(parse, verb))
    speaker_span = _span(parse, _subtree(parse, subject)) if subject is not None else (-1, -1)
    for q in quotes:
        if inside(q.start, q.end, [Quote(speaker_span[0], speaker_span[1], "")]):
            continue
        if (
            (span[0] - 2 <= q.start and q.end <= span[1] + 2)
            or abs(q.end - verb.idx) < 40
            or abs(verb.end - q.start) < 40
        ):
            ranges.append((q.start, q.end))
    return ranges


def _is_reporting_verb(parse: Parse, tok: Token) -> bool:
    lemma = tok.lemma
    if not (lemma in _SAY or lemma in _SAY_THAT or lemma in _NAMING or lemma in _DISTANCE):
        return False
    kids = _children(parse, tok)
    if tok.dep == "compound":  # "Added Gibbs: ..." opens a sentence; "the State Department" does not
        return (
            lemma in _SAY
            and parse[tok.head].pos == "PROPN"
            and (tok.i == 0 or parse[tok.i - 1].pos == "PUNCT")
        )
    # A verb tagged as a noun ("The letter states that ...") counts as the root of a clause with
    # a subject and a reported clause.
    noun_verb = (
        tok.dep == "ROOT" and any(c.dep == "ccomp" for c in kids) and any(c.dep == "nsubj" for c in kids)
    )
    if tok.pos not in ("VERB", "AUX") and not noun_verb:
        return False
    if tok.dep in ("acl", "amod"):
        return False
    return not (tok.dep == "xcomp" and parse[tok.head].lemma in _NOT_SAYING)


def find_speech(text: str, parse: Parse, quotes: list[Quote]) -> list[Speech]:
    """Reporting constructions of a sentence, outside quotations, in order."""
    found: list[Speech] = []
    for tok in parse:
        if (
            tok.text.lower() == "according"
            and tok.i + 1 < len(parse)
            and parse[tok.i + 1].text.lower() == "to"
        ):
            if inside(tok.idx, tok.end, quotes):
                continue
            objects = [c for c in _children(parse, parse[tok.i + 1]) if c.dep == "pobj"]
            if not objects:
                continue
            name = _noun_phrase(text, parse, objects[0])
            anonymous = name is not None and is_anonymous(parse, objects[0], name)
            cue = Cue(tok.idx, parse[tok.i + 1].end, text[tok.idx : parse[tok.i + 1].end], "say")
            source_end = max(t.i for t in _subtree(parse, objects[0]))
            rest = [t for t in parse if t.i > source_end and t.dep != "punct"]
            content: tuple[tuple[int, int], ...] = (
                ((rest[0].idx, len(text)),) if rest and rest[0].idx > cue.end else ()
            )
            head = parse[tok.head]
            before = [t for t in _subtree(parse, head) if t.i < tok.i]
            if head.i != tok.i and before:
                content += (_span(parse, before),)
            found.append(Speech(None if anonymous else name, cue, "according", anonymous, False, content))
            continue
        if not _is_reporting_verb(parse, tok) or inside(tok.idx, tok.end, quotes):
            continue
        if not _reports(parse, tok, quotes):
            continue
        lemma = tok.lemma
        subject = _subject(parse, tok)
        speaker: str | None = None
        anonymous = False
        if subject is not None and subject.dep == "nsubjpass" and lemma in _SAY:
            continue  # "is said to be": a hedge, not a speaker
        if subject is not None and subject.lemma not in _PRONOUNS and subject.pos != "PRON":
            speaker = _noun_phrase(text, parse, subject, tok)
            anonymous = speaker is not None and is_anonymous(parse, subject, speaker)
        elif subject is None and lemma in _NAMING | _SAY_THAT and not quotes:
            continue
        kind = "dist" if lemma in _DISTANCE else "name" if lemma in _NAMING else "say"
        reported = tuple(_content(parse, tok, quotes, subject))
        direct = any(q.n_words > 2 and (q.start, q.end) in reported for q in quotes)
        cue = Cue(tok.idx, tok.end, tok.text, kind)
        found.append(Speech(None if anonymous else speaker, cue, kind, anonymous, direct, reported))
    found.sort(key=lambda s: s.verb.start)
    # Speech reported inside someone's reported speech ("the ICRC said, confirming what residents
    # had reported") is that speaker's account, not the outlet's attribution.
    named = [s for s in found if s.speaker and not s.anonymous and s.kind != "according"]

    def nested(s: Speech) -> bool:
        inner = (s.verb.start, s.verb.end)
        return any(o is not s and any(a <= inner[0] and inner[1] <= b for a, b in o.content) for o in named)

    return [s for s in found if not nested(s)]
