"""The language detector on the team's samples (az, hy, ru, ka, en, tr) and its edges."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compare.language import detect_language, languages_differ, normalise_language

SAMPLES = json.loads((Path(__file__).parent / "fixtures" / "pages" / "language_samples.json").read_text())
CASES = [(code, text) for code, texts in SAMPLES.items() if not code.startswith("_") for text in texts]


@pytest.mark.parametrize(("code", "text"), CASES)
def test_detects_team_samples(code: str, text: str) -> None:
    assert detect_language(text) == code


def test_too_little_text_is_unknown() -> None:
    assert detect_language("") is None
    assert detect_language("OK 123 — 4.5") is None


@pytest.mark.parametrize(
    ("tag", "code"),
    [
        ("en-US", "en"),
        ("hy_AM", "hy"),
        ("AZ", "az"),
        ("ru", "ru"),
        ("", None),
        (None, None),
        ("*", None),
        ("und", None),
        ("x-default", None),
        ("aze", "az"),
        ("utf-8", None),
        ("nb-NO", "no"),
        ("zh-Hans-CN", "zh"),
        ("es-419", "es"),
        ("arm", "hy"),
    ],
)
def test_normalise_language(tag: str | None, code: str | None) -> None:
    assert normalise_language(tag) == code


def test_languages_differ_ignores_unknowns() -> None:
    assert not languages_differ("az", None, "az-Latn")
    assert languages_differ("az", "ru", None)
    assert not languages_differ(None, None, None)
