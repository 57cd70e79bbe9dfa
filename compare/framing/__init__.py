"""Framing analysis: for every claim and outlet, how it is told (layer L4).

Pure functions over ``compare.models`` dataclasses and the alignment's claims; no store, no
model. The entry point is :func:`analyse_event`; each signal lives in its own module:

* :mod:`~compare.framing.attribution` — own voice / neutral / distancing / anonymous / hedged;
* :mod:`~compare.framing.lexicon` — alias sets and loaded terms (``compare/lexicons/*.yaml``);
* :mod:`~compare.framing.numbers` — figures, units and what they count;
* :mod:`~compare.framing.voices` — who is quoted or cited;
* :mod:`~compare.framing.wording` — word-level diffs against a claim's central sentence;
* :mod:`~compare.framing.event` — presence, prominence, the label ledger, number disagreements;
* :mod:`~compare.framing.records` — the frozen result dataclasses and their JSON form.
"""

from __future__ import annotations

from compare.framing.attribution import classify_attribution
from compare.framing.event import FramingParams, analyse_event, analyse_passage
from compare.framing.lexicon import Lexicon, find_labels, find_loaded, load_lexicons
from compare.framing.numbers import extract_numbers
from compare.framing.records import (
    Attribution,
    ClaimOutletFraming,
    Cue,
    DiffOp,
    EventFraming,
    LabelLedger,
    LabelTerm,
    LoadedTerm,
    Number,
    NumberDisagreement,
    PassageFraming,
    Voice,
    from_dict,
    to_dict,
)
from compare.framing.voices import find_voices
from compare.framing.wording import word_diff

__all__ = [
    "Attribution",
    "ClaimOutletFraming",
    "Cue",
    "DiffOp",
    "EventFraming",
    "FramingParams",
    "LabelLedger",
    "LabelTerm",
    "Lexicon",
    "LoadedTerm",
    "Number",
    "NumberDisagreement",
    "PassageFraming",
    "Voice",
    "analyse_event",
    "analyse_passage",
    "classify_attribution",
    "extract_numbers",
    "find_labels",
    "find_loaded",
    "find_voices",
    "from_dict",
    "load_lexicons",
    "to_dict",
    "word_diff",
]
