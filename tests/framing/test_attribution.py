"""Attribution classes and speakers, on hand-picked cases and on the labelled set."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from compare.framing.attribution import classify_attribution
from compare.framing.records import ATTRIBUTION_CLASSES

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "attribution" / "first.jsonl"


def _rows() -> list[dict[str, object]]:
    with FIXTURE.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.mark.parametrize(
    ("text", "label", "speaker"),
    [
        ("Azerbaijani forces launched an offensive on Tuesday.", "own_voice", None),
        ("Police said nothing about the motive.", "own_voice", None),
        ("The mayor announced the plan at a news conference.", "own_voice", None),
        ("The governor announced that schools would stay closed.", "neutral", "The governor"),
        ("“We lost everything,” said Maria Lopez, a farmer.", "neutral", "Maria Lopez"),
        ("In a statement, the ministry said the road was open.", "neutral", "the ministry"),
        ("According to the UN refugee agency, 100,000 people fled.", "neutral", "the UN refugee agency"),
        ("Baku claimed that the road was open.", "distancing", "Baku"),
        ("The so-called eco-activists blocked the road.", "distancing", None),
        # The speaker's label, quoted: held at arm's length, and the words stay the speaker's.
        ('Authorities called the protesters "hooligans".', "distancing", "Authorities"),
        ('The protesters, "hooligans" to state media, blocked the road.', "distancing", None),
        ("Sources said the talks had broken down.", "anonymous", None),
        ("A senior diplomat said the resolution would fail.", "anonymous", None),
        (
            "A spokesman for the airline said all passengers were rebooked.",
            "neutral",
            "A spokesman for the airline",
        ),
        ("The convoy was reportedly turned back.", "hedged", None),
        ("The fire may have been caused by a heater.", "hedged", None),
        ("The journalist is believed to be held in a military prison.", "hedged", None),
    ],
)
def test_cases(text: str, label: str, speaker: str | None) -> None:
    result = classify_attribution(text)
    assert result.label == label, result
    if speaker is not None:
        assert result.speaker == speaker
    if label != "own_voice":
        assert result.cues, "every class but own voice keeps the words that decided it"
        for cue in result.cues:
            assert text[cue.start : cue.end] == cue.text


def test_quoted_hedge_belongs_to_the_speaker() -> None:
    text = '"The army may have lost control of the town," the minister told reporters.'
    assert classify_attribution(text).label == "neutral"


def test_labelled_set_shape() -> None:
    rows = _rows()
    assert len(rows) >= 300
    counts = Counter(str(r["label"]) for r in rows)
    assert set(counts) == set(ATTRIBUTION_CLASSES)
    assert min(counts.values()) >= 50
    assert len({r["text"] for r in rows}) == len(rows), "no duplicate sentences"


@pytest.mark.parametrize("part", ["tuning", "held_out"])
def test_labelled_set_accuracy_floor(part: str) -> None:
    """Floors below the measured figures (docs/evaluation.md): tuning 1.00, held-out 0.99."""
    rows = [r for i, r in enumerate(_rows()) if (i % 4 == 3) == (part == "held_out")]
    correct = sum(classify_attribution(str(r["text"])).label == r["label"] for r in rows)
    assert correct / len(rows) >= 0.93


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("Moscow has repeatedly said it will not withdraw its troops.", "Moscow"),
        ("Baku disputes the figure and says fewer than 50,000 people live there.", "Baku"),
        (
            "Azerbaijan's Foreign Ministry on Saturday said the road was open.",
            "Azerbaijan's Foreign Ministry",
        ),
        ("Turkey's foreign minister, Hakan Fidan, said Ankara supported the talks.", "Hakan Fidan"),
        ('"We are ready," Sen. Richard Blumenthal (D-Conn.) said.', "Sen. Richard Blumenthal"),
        ("Mr. Boehner facetiously said that the bills would help.", "Mr. Boehner"),
        ("BAKU, July 29 (Global Wire) - Azerbaijan said on Saturday it would act.", "Azerbaijan"),
        ('Added Gibbs: "I think you would have to ask somebody."', "Gibbs"),
    ],
)
def test_speakers_are_clean_noun_phrases(text: str, speaker: str) -> None:
    assert classify_attribution(text).speaker == speaker


def test_a_sentence_that_is_a_quotation_is_reported_speech() -> None:
    result = classify_attribution("“We don’t like him. We don’t want him. We reject his visit.”")
    assert (result.label, result.speaker) == ("neutral", None)
    continued = classify_attribution("We have seen nastiness, divisiveness, ugliness.”")
    assert continued.label == "neutral"


def test_group_named_by_its_government_is_not_anonymous() -> None:
    assert classify_attribution("Greek officials said 19,000 people were evacuated.").label == "neutral"
    assert classify_attribution("Senior officials said the plan was shelved.").label == "anonymous"
    assert classify_attribution("A Western diplomat in Baku said the offer was final.").label == "anonymous"
