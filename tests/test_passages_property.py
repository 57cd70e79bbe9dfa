"""Property test: passages index any normalised text exactly (hypothesis)."""

from __future__ import annotations

import itertools
import unicodedata

import pytest

pytest.importorskip("hypothesis", reason="hypothesis is a test dependency (pyproject [test])")

from hypothesis import given, settings
from hypothesis import strategies as st

from compare.extract import normalise_text
from compare.models import Passage
from compare.passages import split_passages


def assert_exact(text: str, passages: list[Passage]) -> None:
    body = [p for p in passages if p.kind != "title"]
    for passage in body:
        assert text[passage.start : passage.end] == passage.text
        assert passage.text == passage.text.strip() and passage.text
    assert all(a.end <= b.start for a, b in itertools.pairwise(body))


_ALPHABET = st.sampled_from(
    list("abcdefgh ABC.,;!?\"«»„“”'—-\n0123456789") + list("əƏşğ") + list("աբգդ։՞") + list("абвгд")
)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=400))
def test_round_trip_on_any_normalised_text(raw: str) -> None:
    text = normalise_text(raw)
    passages = split_passages("x", text)
    assert_exact(text, passages)
    assert unicodedata.is_normalized("NFC", text)
    # nothing but whitespace is lost between passages
    covered = "".join(p.text for p in passages)
    assert "".join(covered.split()) == "".join(text.split())
