"""Quality floors of the framing stage on the shared development data (docs/evaluation.md).

Floors sit a little below the measured figures; lowering one is a reviewed change. Skipped with a
reason when the shared data is absent (NEWSCOMPARE_SHARED_DATA, else ../shared/data).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from compare.evaluate.attribution import evaluate_attribution
from compare.evaluate.framing import evaluate_babe, evaluate_framing

REPO = Path(__file__).resolve().parent.parent


def _file(shared_data: Path, name: str) -> Path:
    path = shared_data / "framing" / name
    if not path.is_file():
        pytest.skip(f"{path} not found")
    return path


def test_basil_dev_lexical_floor(shared_data: Path) -> None:
    """The shipped lexicons, with the BABE-trained word scores (loaded_model.yaml). Measured
    2026-12-01: 0.661 at token_flag_rate 0.0273; 5-fold cross-validated by event 0.655 at 0.0269
    (before #14: 0.555 at 0.0163)."""
    result = evaluate_framing(_file(shared_data, "basil-dev.jsonl"), informational=False, folds=5)
    assert result["lexical_spans"] == 319
    assert result["lexical_span_recall"] >= 0.64
    assert result["token_flag_rate"] <= 0.029
    assert result["cv_lexical_span_recall"] >= 0.63
    assert result["cv_token_flag_rate"] <= 0.029


def test_basil_dev_lexical_floor_with_a_babe_lexicon(shared_data: Path, tmp_path: Path) -> None:
    """With the BABE-derived word list a user can build (scripts/build_loaded_lexicon.py, AGPL
    data, not shipped) in place of the shipped model-scored list. Measured 2026-11-29: 0.649 at
    token_flag_rate 0.0265; MEASURED_BABE below for today's matching."""
    import subprocess
    import sys

    from compare.framing import load_lexicons
    from compare.framing.lexicon import _bundled

    script = Path(__file__).resolve().parents[1] / "scripts" / "build_loaded_lexicon.py"
    out = tmp_path / "babe.yaml"
    subprocess.run(
        [sys.executable, str(script), str(_file(shared_data, "babe-sg2.jsonl")), "--out", str(out),
         "--lines", "all", "--min-count", "1", "--min-rate", "0.2"],
        check=True, capture_output=True,
    )  # fmt: skip
    lexicon = load_lexicons([p for p in _bundled() if p.stem != "loaded_model"] + [out])
    result = evaluate_framing(_file(shared_data, "basil-dev.jsonl"), informational=False, lexicon=lexicon)
    assert result["lexical_span_recall"] >= MEASURED_BABE[0] - 0.02
    assert result["token_flag_rate"] <= MEASURED_BABE[1] + 0.004


@pytest.mark.model
@pytest.mark.slow
def test_basil_dev_informational_floor(shared_data: Path) -> None:
    """Alignment with compare.align and the shipped MiniLM model; see docs for the figure."""
    result = evaluate_framing(_file(shared_data, "basil-dev.jsonl"))
    assert result["informational_enrichment"] >= INFORMATIONAL_FLOOR


def test_babe_held_out_floor(shared_data: Path) -> None:
    """BABE lexicon built from even lines, scored on odd lines: measured word F1 0.340."""
    result = evaluate_babe(_file(shared_data, "babe-sg2.jsonl"), split="odd", build_from="even")
    assert result["word_f1"] >= 0.31
    assert result["word_precision"] >= 0.32


def test_attribution_floors_on_the_team_sets() -> None:
    """tests/fixtures/attribution/: team.jsonl (171 sentences, written before the parser-based
    rules; measured 2026-12-01 0.982 class accuracy, speaker F1 0.981) and first.jsonl (330, the
    patterns' original set: 0.994, 0.899)."""
    team = evaluate_attribution(REPO / "tests" / "fixtures" / "attribution" / "team.jsonl")
    assert team["n"] == 171
    assert team["class_accuracy"] >= 0.95
    assert team["speaker_f1"] >= 0.93
    for label in ("anonymous", "distancing", "hedged", "neutral", "own_voice"):
        assert team[f"f1_{label}"] >= 0.9, label
    first = evaluate_attribution(REPO / "tests" / "fixtures" / "attribution" / "first.jsonl")
    assert first["class_accuracy"] >= 0.97
    assert first["speaker_f1"] >= 0.86


@pytest.mark.parametrize(
    ("labels", "extra", "accuracy", "speaker"),
    [
        # Measured 2026-12-01: 0.930 and 0.898 (200 sentences; the rules were tuned on them).
        ("basil-dev-labels.jsonl", [], 0.91, 0.87),
        # Measured 2026-12-01: 0.9375 and 0.799 (80 sentences, labelled after the rules; one
        # bug fixed after reading its errors: 0.743 before).
        (
            "basil-dev-blind-labels.jsonl",
            ["--seed", "15", "--quoted", "50", "--other", "30", "--exclude", "basil-dev-labels.jsonl"],
            0.91,
            0.77,
        ),
    ],
)
def test_attribution_floors_on_basil_sentences(
    shared_data: Path, tmp_path: Path, labels: str, extra: list[str], accuracy: float, speaker: float
) -> None:
    """Real news: BASIL sentences with hand labels kept as offsets (scripts/make_attribution_set.py)."""
    import subprocess
    import sys

    folder = REPO / "tests" / "fixtures" / "attribution"
    extra = [str(folder / e) if e.endswith(".jsonl") else e for e in extra]
    out = tmp_path / "attribution.jsonl"
    built = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "make_attribution_set.py"),
         str(_file(shared_data, "basil-dev.jsonl")), "--labels", str(folder / labels), *extra],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    out.write_text(built.stdout, encoding="utf-8")
    result = evaluate_attribution(out)
    assert result["n"] == len((folder / labels).read_text(encoding="utf-8").splitlines())
    assert result["class_accuracy"] >= accuracy
    assert result["speaker_f1"] >= speaker


#: Measured 2026-12-01: recall and token flag rate with the user-built BABE list (see above).
MEASURED_BABE = (0.633, 0.0261)

#: Measured 2026-11-29 with compare.align + MiniLM (onnx backend): 0.902. Below 1: see docs.
INFORMATIONAL_FLOOR = 0.8
