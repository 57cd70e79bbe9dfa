"""The framing stage's entry point: every signal for every passage, claim and outlet of an event.

:func:`analyse_event` takes the aligned claims of one event (from ``compare.align``), the
passages and articles they point into, and what is known about each expected outlet's
readability, and returns an :class:`~compare.framing.records.EventFraming`:

* one :class:`PassageFraming` per passage (attribution, hedges, loaded terms, labels, numbers,
  voices, prominence);
* one :class:`ClaimOutletFraming` per claim × outlet: ``says`` (with the outlet's passage and a
  word diff against the claim's central sentence), ``omits`` (the outlet was read and does not
  carry it), or the fetch outcome that kept it unread — an outlet that was blocked or paywalled is
  never reported as omitting anything;
* the event's :class:`LabelLedger` and :class:`NumberDisagreement` list.

Pure function over dataclasses: no store, no model.
"""

from __future__ import annotations

import itertools
import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Protocol, TypeVar

from compare.framing.attribution import classify_attribution
from compare.framing.cues import CUE_LANGUAGES, classify_by_cues
from compare.framing.lexicon import Lexicon, find_labels, find_loaded, load_lexicons
from compare.framing.numbers import compatible, describe, extract_numbers
from compare.framing.records import (
    PRESENCE_SAYS,
    ClaimOutletFraming,
    EventFraming,
    LabelLedger,
    LabelTerm,
    LoadedTerm,
    Number,
    NumberDisagreement,
    PassageFraming,
    Prominence,
)
from compare.framing.speakers import find_speech
from compare.framing.text import find_quotes
from compare.framing.voices import find_voices, resolve_voices, voice_key, voice_of
from compare.framing.wording import differing_terms, naming_substitutions, word_diff
from compare.models import Article, Passage
from compare.syntax import Parse, parse_many
from compare.syntax import parse as parse_sentence

__all__ = [
    "READABLE_OUTCOMES",
    "ClaimLike",
    "ClaimMemberLike",
    "FramingParams",
    "analyse_event",
    "analyse_passage",
    "prominence_of",
]

log = logging.getLogger(__name__)

T = TypeVar("T", LoadedTerm, LabelTerm)

#: What figures count, for which the unit does not matter ("19 trucks" vs "20 lorries").
_BY_COUNT_ONLY = frozenset(
    {"people", "casualties", "soldiers", "vehicles", "positions", "days", "percent", "tonnes"}
)

#: Fetch outcomes under which an outlet's coverage counts as read.
READABLE_OUTCOMES = frozenset({"ok", "not_modified", "skipped_fresh"})


class ClaimMemberLike(Protocol):
    """What the framing stage needs of ``compare.align.ClaimMember``."""

    @property
    def article_id(self) -> str: ...
    @property
    def passage_index(self) -> int: ...
    @property
    def similarity(self) -> float: ...
    @property
    def reprint(self) -> bool: ...


class ClaimLike(Protocol):
    """What the framing stage needs of ``compare.align.Claim``."""

    @property
    def id(self) -> str: ...
    @property
    def members(self) -> Sequence[ClaimMemberLike]: ...
    @property
    def central(self) -> ClaimMemberLike: ...


@dataclass(frozen=True)
class FramingParams:
    """Options of the framing stage (stored with its results: same params, same output)."""

    lead_sentences: int = 3
    min_loaded_weight: float = 0.5
    label_max_words: int = 3
    version: int = 1


def prominence_of(passages: Sequence[Passage], *, lead_sentences: int = 3) -> dict[int, Prominence]:
    """Passage index → ``title``, ``lead`` (first ``lead_sentences`` sentences) or ``body``."""
    out: dict[int, Prominence] = {}
    rank = 0
    for passage in sorted(passages, key=lambda p: p.index):
        if passage.kind == "title":
            out[passage.index] = "title"
            continue
        out[passage.index] = "lead" if rank < lead_sentences else "body"
        rank += 1
    return out


def analyse_passage(
    passage: Passage,
    *,
    outlet_id: str,
    lexicon: Lexicon,
    prominence: Prominence = "body",
    min_loaded_weight: float = 0.5,
    parse: Parse | None = None,
    language: str | None = None,
) -> PassageFraming:
    """Every framing signal of one passage.

    Loaded terms and labels inside a quotation or reported speech are marked ``quoted`` with the
    speaker whose words they are. ``parse`` is the passage's dependency parse (made when omitted).
    A passage in a language the English parser cannot read (``language`` in
    :data:`~compare.framing.cues.CUE_LANGUAGES`) is classed by cue words instead, without a parse.
    """
    text = passage.text
    by_cues = parsed_language(language) is None
    if by_cues:
        parse = ()
    parse = parse if parse is not None else parse_sentence(text)
    quotes = find_quotes(text)
    speech = find_speech(text, parse, quotes)
    attribution = (
        classify_by_cues(text, language) if by_cues and language else classify_attribution(text, parse)
    )
    hedges = tuple(c for c in attribution.cues if c.kind == "hedge")

    def whose(term: T) -> T:
        quoted, speaker = voice_of(term.cue.start, term.cue.end, quotes, speech)
        return replace(term, quoted=quoted, speaker=speaker) if quoted else term

    loaded = tuple(whose(t) for t in find_loaded(text, lexicon) if t.weight >= min_loaded_weight)
    return PassageFraming(
        article_id=passage.article_id,
        passage_index=passage.index,
        outlet_id=outlet_id,
        text=text,
        prominence=prominence,
        attribution=attribution,
        hedges=hedges,
        loaded=loaded,
        labels=tuple(whose(t) for t in find_labels(text, lexicon)),
        numbers=extract_numbers(text, language=language),
        voices=find_voices(text, parse, speech),
        language=language,
    )


def parsed_language(language: str | None) -> str | None:
    """``"en"`` when a passage of ``language`` goes to the English parser (English, or a language
    without cue words), ``None`` when it is classed by cue words."""
    key = (language or "en").split("-")[0].lower()
    return None if key in CUE_LANGUAGES else "en"


def _same_language(a: PassageFraming, b: PassageFraming) -> bool:
    """Word diffs and naming substitutions compare two sentences of one language only."""
    return a.language is None or b.language is None or a.language == b.language


def frame_passages(
    passages: Mapping[str, Sequence[Passage]],
    articles: Mapping[str, Article],
    *,
    lexicon: Lexicon,
    params: FramingParams,
    known: Mapping[tuple[str, int], PassageFraming] | None = None,
    parses: dict[tuple[str, int], Parse],
) -> dict[tuple[str, int], PassageFraming]:
    """Every passage's framing, by ``(article id, passage index)``.

    An article whose every passage is in ``known`` (framed by an earlier run with the same
    parameters: an article's passages are framed from that article alone) keeps that framing.
    ``parses`` is read first and receives every parse made.
    """
    known = known or {}
    todo = {
        article_id: ps for article_id, ps in passages.items()
        if not all((article_id, p.index) in known for p in ps)
    }  # fmt: skip
    framed = {(a, p.index): known[(a, p.index)] for a, ps in passages.items() if a not in todo for p in ps}
    every = [
        p for a, ps in todo.items() if parsed_language(articles[a].language)
        for p in ps if (p.article_id, p.index) not in parses
    ]  # fmt: skip
    for ps in todo.values():
        for p in ps:
            parses.setdefault((p.article_id, p.index), ())
    parses.update(
        zip(((p.article_id, p.index) for p in every), parse_many([p.text for p in every]), strict=True)
    )
    for article_id, article_passages in todo.items():
        article = articles[article_id]
        prominence = prominence_of(article_passages, lead_sentences=params.lead_sentences)
        in_order = sorted(article_passages, key=lambda p: p.index)
        for passage in in_order:
            framed[(article_id, passage.index)] = analyse_passage(
                passage,
                outlet_id=article.outlet_id,
                lexicon=lexicon,
                prominence=prominence[passage.index],
                min_loaded_weight=params.min_loaded_weight,
                parse=parses[(article_id, passage.index)],
                language=article.language,
            )
        keys = [(article_id, p.index) for p in in_order]
        for key, resolved in zip(keys, resolve_voices([framed[k].voices for k in keys]), strict=True):
            framed[key] = replace(framed[key], voices=resolved)
    return framed


def _parse_compared(
    claims: Sequence[ClaimLike],
    framed: Mapping[tuple[str, int], PassageFraming],
    parses: dict[tuple[str, int], Parse],
) -> None:
    """Add to ``parses`` the passages of claims of two passages or more that are not parsed yet
    (framed by an earlier run that kept no parse): the naming comparison reads their parts of
    speech."""
    wanted = []
    for claim in claims:
        keys = [(m.article_id, m.passage_index) for m in claim.members]
        if len(keys) < 2:
            continue
        keys.append((claim.central.article_id, claim.central.passage_index))
        wanted += [k for k in keys if k in framed and k not in parses]
    todo = list(dict.fromkeys(wanted))
    parses.update(dict.fromkeys(todo, ()))
    english = [k for k in todo if parsed_language(framed[k].language)]
    parses.update(zip(english, parse_many([framed[k].text for k in english]), strict=True))


def analyse_event(
    claims: Sequence[ClaimLike],
    passages: Mapping[str, Sequence[Passage]],
    articles: Mapping[str, Article],
    readable: Mapping[str, str],
    *,
    lexicon: Lexicon | None = None,
    params: FramingParams | None = None,
    known: Mapping[tuple[str, int], PassageFraming] | None = None,
    parses: dict[tuple[str, int], Parse] | None = None,
) -> EventFraming:
    """The framing of one event: per passage, per claim × outlet, and the event's ledgers.

    ``readable`` maps every outlet expected in the event to ``"ok"`` or the fetch outcome that
    kept it unread (``"blocked"``, ``"paywall"`` ...); outlets with articles here and no entry
    count as read. ``known`` is the stored framing of passages an earlier run framed with the
    same parameters (see :func:`frame_passages`). ``parses``, by ``(article id, passage index)``,
    are the dependency parses already made (stored by an earlier run); it receives every parse
    made here, so the caller can keep them.
    """
    params = params or FramingParams()
    lexicon = lexicon if lexicon is not None else load_lexicons()
    parses = parses if parses is not None else {}
    framed = frame_passages(passages, articles, lexicon=lexicon, params=params, known=known, parses=parses)
    _parse_compared(claims, framed, parses)

    outlets = dict(readable)
    for article in articles.values():
        outlets.setdefault(article.outlet_id, "ok")

    rows: list[ClaimOutletFraming] = []
    ledger: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    quoted_ledger: dict[str, dict[str, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int))
    )
    for pf in framed.values():
        for label in pf.labels:
            ledger[label.concept][pf.outlet_id][label.term] += 1
            if label.quoted:
                quoted_ledger[label.concept][pf.outlet_id][label.term] += 1
    disagreements: list[NumberDisagreement] = []

    for claim in claims:
        central_key = (claim.central.article_id, claim.central.passage_index)
        central = framed.get(central_key)
        if central is None:
            log.warning("claim %s: central passage %s is not among the passages", claim.id, central_key)
            continue
        best: dict[str, ClaimMemberLike] = {}
        for member in claim.members:
            if (member.article_id, member.passage_index) not in framed:
                continue
            outlet = articles[member.article_id].outlet_id
            current = best.get(outlet)
            is_central = (member.article_id, member.passage_index) == central_key
            if (
                current is None
                or is_central
                or (
                    (current.article_id, current.passage_index) != central_key
                    and _rank(member, framed) > _rank(current, framed)
                )
            ):
                best[outlet] = member
        for outlet in sorted(outlets):
            chosen = best.get(outlet)
            if chosen is None:
                state = outlets[outlet]
                presence = "omits" if state in READABLE_OUTCOMES else state
                rows.append(ClaimOutletFraming(claim.id, outlet, presence))
                continue
            member = chosen
            pf = framed[(member.article_id, member.passage_index)]
            is_central = (member.article_id, member.passage_index) == central_key
            diff = () if is_central or not _same_language(central, pf) else word_diff(central.text, pf.text)
            rows.append(
                ClaimOutletFraming(
                    claim.id,
                    outlet,
                    PRESENCE_SAYS,
                    article_id=member.article_id,
                    passage_index=member.passage_index,
                    similarity=float(member.similarity),
                    reprint=bool(member.reprint),
                    central=is_central,
                    diff=diff,
                    passage=pf,
                    differing=differing_terms(diff, pf.loaded, max_words=params.label_max_words)
                    if diff
                    else (),
                )
            )
            if diff and not member.reprint:
                _ledger_from_diff(
                    ledger,
                    naming_substitutions(
                        diff,
                        parses[central_key],
                        parses[(member.article_id, member.passage_index)],
                        max_words=params.label_max_words,
                    ),
                    central,
                    pf,
                    lexicon,
                )
        disagreements.extend(_number_disagreements(claim.id, best, framed))

    frozen_ledger = LabelLedger(
        {c: {o: dict(t) for o, t in per.items()} for c, per in sorted(ledger.items())},
        {c: {o: dict(t) for o, t in per.items()} for c, per in sorted(quoted_ledger.items())},
    )
    voices: dict[str, dict[str, dict[str, int]]] = {}
    for pf in framed.values():
        for voice in pf.voices:
            per_outlet = voices.setdefault(pf.outlet_id, {})
            # One entry per speaker across the outlet's articles, under its first spelling.
            name = next((n for n in per_outlet if voice_key(n) == voice_key(voice.name)), voice.name)
            tally = per_outlet.setdefault(name, {"direct": 0, "indirect": 0})
            tally[voice.mode] += 1
    return EventFraming(
        voices={o: dict(sorted(v.items())) for o, v in sorted(voices.items())},
        passages=tuple(framed[k] for k in sorted(framed)),
        claims=tuple(rows),
        ledger=frozen_ledger,
        disagreements=tuple(disagreements),
        params=asdict(params),
    )


def _rank(member: ClaimMemberLike, framed: Mapping[tuple[str, int], PassageFraming]) -> tuple[bool, float]:
    """Which of an outlet's passages in a claim speaks for it: a body passage (it states the
    claim in full) before its headline, then the most similar."""
    pf = framed[(member.article_id, member.passage_index)]
    return (pf.prominence != "title", float(member.similarity))


def _ledger_from_diff(
    ledger: dict[str, dict[str, dict[str, int]]],
    pairs: Sequence[tuple[str, str]],
    central: PassageFraming,
    other: PassageFraming,
    lexicon: Lexicon,
) -> None:
    """Add the naming differences between two aligned sentences as discovered label pairs."""
    for a, b in pairs:
        set_a, set_b = lexicon.alias_set(a), lexicon.alias_set(b)
        if set_a is not None and set_a == set_b:
            continue  # already counted under the lexicon's concept
        concept = "~" + a.lower()
        ledger[concept][central.outlet_id][a] += 1
        ledger[concept][other.outlet_id][b] += 1


def _number_disagreements(
    claim_id: str,
    best: Mapping[str, ClaimMemberLike],
    framed: Mapping[tuple[str, int], PassageFraming],
) -> list[NumberDisagreement]:
    """Figures for the same thing (what they count, and unit) that cannot all be true.

    Two outlets disagree when a figure of one is compatible with no figure of the other
    (:func:`~compare.framing.numbers.compatible`): "19" and "20 trucks", "about 360" and "400
    tonnes", "more than 300" and "nearly 300"; "two" and "2" agree.
    """
    by_key: dict[tuple[str, str | None], dict[str, list[Number]]] = defaultdict(lambda: defaultdict(list))
    for outlet, member in best.items():
        pf = framed[(member.article_id, member.passage_index)]
        for number in pf.numbers:
            unit = None if number.counts in _BY_COUNT_ONLY else number.unit
            if number.counts == "other" and unit is None:
                continue
            by_key[(number.counts, unit)][outlet].append(number)
    out = []
    for (counts, unit), per_outlet in sorted(by_key.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        if len(per_outlet) < 2:
            continue
        figures = list(per_outlet.values())
        if all(_agree(a, b) for a, b in itertools.combinations(figures, 2)):
            continue
        out.append(
            NumberDisagreement(
                claim_id,
                counts,
                unit,
                {o: tuple(sorted({n.value for n in ns})) for o, ns in sorted(per_outlet.items())},
                {o: tuple(dict.fromkeys(describe(n) for n in ns)) for o, ns in sorted(per_outlet.items())},
            )
        )
    return out


def _agree(a: Sequence[Number], b: Sequence[Number]) -> bool:
    """Each figure of one outlet fits some figure of the other, both ways."""
    fits_b = all(any(compatible(x, y) for y in b) for x in a)
    return fits_b and all(any(compatible(y, x) for x in a) for y in b)
