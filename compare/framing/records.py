"""The framing stage's results, as frozen dataclasses that serialise to plain JSON.

Three levels, from small to large:

* :class:`PassageFraming` — what one sentence of one article does: its attribution, hedges,
  loaded words, labels, numbers, voices and its place in the article;
* :class:`ClaimOutletFraming` — how one outlet tells (or leaves out) one aligned claim;
* :class:`EventFraming` — all of those for one event, plus the :class:`LabelLedger` and the
  :class:`NumberDisagreement` list gathered across the event.

Every flag keeps its *reason*: the matched words with character offsets into the passage text
(:class:`Cue`), so a reader can check each label. ``to_dict`` / ``from_dict`` give the JSON shape
the store keeps in ``framing`` rows; ``from_dict(to_dict(x)) == x`` holds for every record here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from compare.plain import plain

__all__ = [
    "ATTRIBUTION_CLASSES",
    "PRESENCE_SAYS",
    "Attribution",
    "ClaimOutletFraming",
    "Cue",
    "DiffOp",
    "EventFraming",
    "LabelLedger",
    "LabelTerm",
    "LoadedTerm",
    "Number",
    "NumberDisagreement",
    "PassageFraming",
    "Voice",
    "from_dict",
    "to_dict",
]

#: The attribution classes, in the order of precedence used when a sentence has several cues.
ATTRIBUTION_CLASSES = ("anonymous", "distancing", "hedged", "neutral", "own_voice")

AttributionClass = Literal["own_voice", "neutral", "distancing", "anonymous", "hedged"]
Prominence = Literal["title", "lead", "body"]

#: Presence value of an outlet that carries the claim. Others: ``"omits"`` (the outlet's coverage
#: was read and does not carry it) or the fetch outcome that kept it from being read
#: (``"blocked"``, ``"paywall"``, ``"timeout"``, ... or ``"not_fetched"`` when nothing is known).
PRESENCE_SAYS = "says"


@dataclass(frozen=True)
class Cue:
    """Matched words that justify a flag: ``text == passage_text[start:end]``."""

    start: int
    end: int
    text: str
    kind: str = ""


@dataclass(frozen=True)
class Attribution:
    """In whose voice a sentence tells its content, with the speaker when one is named."""

    label: AttributionClass
    speaker: str | None = None
    cues: tuple[Cue, ...] = ()


@dataclass(frozen=True)
class LoadedTerm:
    """A word or phrase that carries a judgement. ``source`` names the lexicon (or ``diff``)."""

    term: str
    cue: Cue
    source: str
    weight: float = 1.0
    note: str | None = None
    #: True when the words are someone else's: inside a quotation or reported speech.
    quoted: bool = False
    #: Whose words they are when ``quoted`` and the sentence names the speaker.
    speaker: str | None = None


@dataclass(frozen=True)
class LabelTerm:
    """A name from an alias set: ``concept`` is the set, ``term`` the form this text uses."""

    concept: str
    term: str
    cue: Cue
    topic: str | None = None
    #: True when the name is someone else's: inside a quotation or reported speech.
    quoted: bool = False
    #: Whose words they are when ``quoted`` and the sentence names the speaker.
    speaker: str | None = None


@dataclass(frozen=True)
class Number:
    """A figure with its unit and what it counts (``people``, ``casualties``, ``days`` ...)."""

    value: float
    unit: str | None
    counts: str
    cue: Cue
    approximate: bool = False
    #: The words that bound the figure: "more than", "nearly", "about", "at least", "up to" ...
    qualifier: str | None = None


@dataclass(frozen=True)
class Voice:
    """Someone quoted (``direct``) or cited (``indirect``) in a sentence."""

    name: str
    mode: Literal["direct", "indirect"]
    cue: Cue
    anonymous: bool = False
    #: The words of the sentence when ``name`` was resolved to a speaker named earlier in the
    #: article ("the ministry" → "Azerbaijan's Foreign Ministry"); None when they are the name.
    mention: str | None = None


@dataclass(frozen=True)
class PassageFraming:
    """Every framing signal of one passage (one sentence, or the title)."""

    article_id: str
    passage_index: int
    outlet_id: str
    text: str
    prominence: Prominence
    attribution: Attribution
    hedges: tuple[Cue, ...] = ()
    loaded: tuple[LoadedTerm, ...] = ()
    labels: tuple[LabelTerm, ...] = ()
    numbers: tuple[Number, ...] = ()
    voices: tuple[Voice, ...] = ()
    #: The language of the article (ISO 639-1), when known.
    language: str | None = None


@dataclass(frozen=True)
class DiffOp:
    """One step of a word-level diff from the central sentence (``a``) to this outlet's (``b``).

    ``op`` is ``equal``, ``replace`` (a substitution such as checkpoint → blockade), ``insert``
    (words only this outlet has) or ``delete`` (words of the central sentence it leaves out).
    Offsets are character offsets into each sentence; an empty side has ``start == end``.
    """

    op: Literal["equal", "replace", "insert", "delete"]
    a: str
    b: str
    a_start: int
    a_end: int
    b_start: int
    b_end: int


@dataclass(frozen=True)
class ClaimOutletFraming:
    """How one outlet tells one claim, or why it does not.

    ``presence`` is ``"says"``, ``"omits"``, or the outcome that kept the outlet unread. Only
    ``"says"`` rows carry a passage; ``diff`` is empty for the central passage itself.
    ``differing`` lists the words this outlet put where the central sentence has other words
    (source ``diff``, the central's words in ``note``), and the lexicon's loaded terms that fall
    in such a changed stretch (source ``diff:`` + lexicon): the wording choices to look at.
    """

    claim_id: str
    outlet_id: str
    presence: str
    article_id: str | None = None
    passage_index: int | None = None
    similarity: float | None = None
    reprint: bool = False
    central: bool = False
    diff: tuple[DiffOp, ...] = ()
    passage: PassageFraming | None = None
    differing: tuple[LoadedTerm, ...] = ()


@dataclass(frozen=True)
class LabelLedger:
    """Which outlet names each concept how, and how often: concept → outlet → term → count.

    Concepts from the lexicons keep their name; concepts found only because aligned sentences
    differ are named ``~`` + the central sentence's word (e.g. ``~checkpoint``). ``entries`` counts
    every use; ``quoted`` counts those inside quotations or reported speech again, so a reader
    can tell the outlet's own names from the names it reports.
    """

    entries: Mapping[str, Mapping[str, Mapping[str, int]]]
    #: The same shape for the uses of ``entries`` that sit inside quotations or reported speech:
    #: the speaker's words, not the outlet's (its own voice is ``entries`` minus these).
    quoted: Mapping[str, Mapping[str, Mapping[str, int]]] = dataclasses.field(default_factory=dict)

    def terms(self, concept: str) -> dict[str, dict[str, int]]:
        """The outlet → term → count table of one concept (empty when it never occurred)."""
        return {outlet: dict(terms) for outlet, terms in self.entries.get(concept, {}).items()}


@dataclass(frozen=True)
class NumberDisagreement:
    """Outlets that give different figures for the same thing in the same claim."""

    claim_id: str
    counts: str
    unit: str | None
    values: Mapping[str, tuple[float, ...]]
    #: outlet → its figures as written with their qualifiers ("more than 300", "nearly 300"), so a
    #: reader sees why equal values can disagree.
    figures: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class EventFraming:
    """The framing stage's whole answer for one event."""

    passages: tuple[PassageFraming, ...]
    claims: tuple[ClaimOutletFraming, ...]
    ledger: LabelLedger
    disagreements: tuple[NumberDisagreement, ...]
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    #: outlet → voice name → {"direct": n, "indirect": n}: who each outlet quotes or cites.
    voices: Mapping[str, Mapping[str, Mapping[str, int]]] = dataclasses.field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# JSON edge
# --------------------------------------------------------------------------------------------

T = TypeVar("T")


def to_dict(record: Any) -> dict[str, Any]:
    """A JSON-ready dict of any record of this module (tuples become lists)."""
    if not dataclasses.is_dataclass(record) or isinstance(record, type):
        raise TypeError(f"not a framing record: {record!r}")
    out: dict[str, Any] = plain(record)
    return out


def from_dict(cls: type[T], data: Mapping[str, Any]) -> T:
    """Rebuild a record of type ``cls`` from :func:`to_dict` output (or its JSON round trip)."""
    return _build(cls, data)  # type: ignore[no-any-return]


_NESTED: dict[str, dict[str, Any]] = {}


def _nested() -> dict[str, dict[str, Any]]:
    """Field name → (kind, class) for fields holding records, computed once."""
    if not _NESTED:
        _NESTED.update(
            {
                "Attribution": {"cues": (tuple, Cue)},
                "LoadedTerm": {"cue": (None, Cue)},
                "LabelTerm": {"cue": (None, Cue)},
                "Number": {"cue": (None, Cue)},
                "Voice": {"cue": (None, Cue)},
                "PassageFraming": {
                    "attribution": (None, Attribution),
                    "hedges": (tuple, Cue),
                    "loaded": (tuple, LoadedTerm),
                    "labels": (tuple, LabelTerm),
                    "numbers": (tuple, Number),
                    "voices": (tuple, Voice),
                },
                "ClaimOutletFraming": {
                    "diff": (tuple, DiffOp),
                    "passage": (None, PassageFraming),
                    "differing": (tuple, LoadedTerm),
                },
                "EventFraming": {
                    "passages": (tuple, PassageFraming),
                    "claims": (tuple, ClaimOutletFraming),
                    "ledger": (None, LabelLedger),
                    "disagreements": (tuple, NumberDisagreement),
                },
            }
        )
    return _NESTED


def _build(cls: Any, data: Mapping[str, Any]) -> Any:
    nested = _nested().get(cls.__name__, {})
    kwargs: dict[str, Any] = {}
    for field in dataclasses.fields(cls):
        if field.name not in data:
            continue
        value = data[field.name]
        if field.name in nested:
            kind, sub = nested[field.name]
            if value is None:
                kwargs[field.name] = None
            elif kind is tuple:
                kwargs[field.name] = tuple(_build(sub, item) for item in value)
            else:
                kwargs[field.name] = _build(sub, value)
        elif cls is NumberDisagreement and field.name in ("values", "figures"):
            kwargs[field.name] = {k: tuple(v) for k, v in value.items()}
        elif isinstance(value, list):
            kwargs[field.name] = tuple(value)
        else:
            kwargs[field.name] = value
    return cls(**kwargs)
