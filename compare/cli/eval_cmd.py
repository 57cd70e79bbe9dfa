"""``newscompare eval extract|events|align|pairs|framing|crosslingual``: quality on the shared
evaluation formats."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from compare.cli.base import _Group, cli, console, echo_json, pass_settings
from compare.config import Settings, find_shared_data
from compare.errors import EvalError

DEFAULTS = {
    "extract": "extraction/fundus",
    "events": "events/ecbplus-dev.jsonl",
    "align": "alignment/ecbplus-dev.jsonl",
    "pairs": "similarity/sts-headlines-dev.jsonl",
    "framing": "framing/basil-dev.jsonl",
    "crosslingual": "crosslingual/ntrex-dev.jsonl",
}


def _data_path(settings: Settings, kind: str, given: str | None) -> Path:
    if given:
        path = Path(given)
    else:
        root = find_shared_data(settings)
        if root is None:
            raise EvalError(
                f"no DATA given and no shared data folder found; pass a file in the {kind} format"
            )
        path = root / DEFAULTS[kind]
    if not path.exists():
        raise EvalError("no such file or folder", path=str(path))
    return path


def _embedder(settings: Settings, backend: str | None, languages: tuple[str, ...] = ()) -> Any:
    from compare.embed import load_embedder

    if backend:
        return load_embedder(settings.model, backend=backend)
    model, chosen = settings.embedding_for(languages)
    return load_embedder(model, backend=chosen)


def _show(metrics: dict[str, Any], *, as_json: bool, title: str) -> None:
    if as_json:
        echo_json(metrics)
        return
    from rich.table import Table

    table = Table(title=title)
    table.add_column("metric")
    table.add_column("ours", justify="right")
    baselines = metrics.get("baselines") or {}
    if "baseline" in metrics and isinstance(metrics["baseline"], dict):
        baselines = {"trafilatura default": metrics["baseline"], **baselines}
    for name in baselines:
        table.add_column(name, justify="right")
    for key, value in metrics.items():
        if key in ("baselines", "baseline") or isinstance(value, dict | list):
            continue
        row = [key, _fmt(value)]
        row += [_fmt(b.get(key, "")) if isinstance(b, dict) else "" for b in baselines.values()]
        table.add_row(*row)
    console().print(table)


def _fmt(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


@cli.group("eval", cls=_Group)
def eval_group() -> None:
    """Measure the quality of a stage on data in the shared evaluation formats.

    DATA defaults to the development split in ../shared/data when that folder exists.

    \b
    Example:
        newscompare eval events ../shared/data/events/allsides-val.jsonl --json
    """


def _command(kind: str, runner: Callable[[Path, Settings, str | None], dict[str, Any]], doc: str) -> None:
    @eval_group.command(kind, help=doc)
    @click.argument("data", required=False, metavar="[DATA]")
    @click.option("--json", "as_json", is_flag=True, help="Print one JSON object of metrics.")
    @click.option(
        "--backend", default=None, metavar="NAME", help="Embedding backend (auto, torch, onnx, hashing …)."
    )
    @pass_settings
    def command(settings: Settings, data: str | None, as_json: bool, backend: str | None) -> None:
        path = _data_path(settings, kind, data)
        _show(runner(path, settings, backend), as_json=as_json, title=f"eval {kind}: {path}")


def _extract(path: Path, settings: Settings, backend: str | None) -> dict[str, Any]:
    from compare.evaluate.extract import evaluate_extract

    return evaluate_extract(path)


def _events(path: Path, settings: Settings, backend: str | None) -> dict[str, Any]:
    from compare.evaluate.events import evaluate_events

    return evaluate_events(path, embedder=_embedder(settings, backend))


def _align(path: Path, settings: Settings, backend: str | None) -> dict[str, Any]:
    from compare.evaluate.align import evaluate_align

    return evaluate_align(path, embedder=_embedder(settings, backend))


def _pairs(path: Path, settings: Settings, backend: str | None) -> dict[str, Any]:
    from compare.evaluate.pairs import evaluate_pairs

    return evaluate_pairs(path, embedder=_embedder(settings, backend))


def _crosslingual(path: Path, settings: Settings, backend: str | None) -> dict[str, Any]:
    from compare.evaluate._data import load_crosslingual
    from compare.evaluate.crosslingual import evaluate_crosslingual

    languages = tuple(sorted({lang for doc in load_crosslingual(path) for lang in doc.sentences}))
    return evaluate_crosslingual(path, embedder=_embedder(settings, backend, languages))


_command(
    "extract",
    _extract,
    """Score extraction on a folder of pages/<id>.html.gz + gold.jsonl (token F1, exact titles),
    beside trafilatura's default call.

    \b
    Example:
        newscompare eval extract ../shared/data/extraction/fundus --json
    """,
)
_command(
    "events",
    _events,
    """Score event grouping on an events JSONL file (B-cubed precision, recall, F1).

    \b
    Example:
        newscompare eval events ../shared/data/events/ecbplus-dev.jsonl
    """,
)
_command(
    "align",
    _align,
    """Score claim alignment on an alignment JSONL file (ROC-AUC, precision at recall 0.8).

    \b
    Example:
        newscompare eval align ../shared/data/alignment/ecbplus-dev.jsonl
    """,
)
_command(
    "crosslingual",
    _crosslingual,
    """Score one story across languages on a crosslingual JSONL file (translated documents):
    translation retrieval P@1 of each language against English; with each language edition as
    an outlet, event B-cubed F1 across languages and the share of translated sentence pairs the
    alignment puts in one claim. The file's languages pick the multilingual model unless
    --backend or the settings say otherwise.

    \b
    Example:
        newscompare eval crosslingual ../shared/data/crosslingual/ntrex-dev.jsonl --json
    """,
)
_command(
    "pairs",
    _pairs,
    """Score the same-claim decision on sentence pairs: {"a", "b", "label"} with label 0/1, or
    {"a", "b", "score"} with a similarity of 0-5 (AUC; F1, precision, recall at the decision
    the alignment uses; Spearman when scores are given).

    \b
    Example:
        newscompare eval pairs ../shared/data/similarity/mrpc-train.jsonl --json
    """,
)


@eval_group.command("framing")
@click.argument("data", required=False, metavar="[DATA]")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object of metrics.")
@click.option(
    "--backend", default=None, metavar="NAME", help="Embedding backend (auto, torch, onnx, hashing …)."
)
@click.option(
    "--folds",
    type=click.IntRange(0, 20),
    default=0,
    help="Also choose the loaded-word threshold by cross-validation over events (cv_* figures).",
)
@click.option("--lexical-only", is_flag=True, help="Skip the alignment: no informational enrichment.")
@pass_settings
def framing_command(
    settings: Settings, data: str | None, as_json: bool, backend: str | None, folds: int, lexical_only: bool
) -> None:
    """Score framing on a BASIL-format file (lexical span recall, token flag rate, enrichment).

    \b
    Example:
        newscompare eval framing ../shared/data/framing/basil-dev.jsonl --folds 5 --lexical-only --json
    """
    from compare.evaluate.framing import evaluate_framing

    path = _data_path(settings, "framing", data)
    embedder = None if lexical_only else _embedder(settings, backend)
    metrics = evaluate_framing(path, embedder=embedder, informational=not lexical_only, folds=folds)
    _show(metrics, as_json=as_json, title=f"eval framing: {path}")


@eval_group.command("attribution")
@click.argument("data", metavar="FILE")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object of metrics.")
@click.option("--errors", is_flag=True, help="Also list the sentences got wrong (with --json).")
@pass_settings
def attribution_command(settings: Settings, data: str, as_json: bool, errors: bool) -> None:
    """Score attribution on a labelled JSON Lines file: {"text", "speaker", "class"} per line.

    Prints class_accuracy, per-class F1, speaker_f1 (token F1 of the speaker found; null = none),
    n and seconds. The team's set is tests/fixtures/attribution/team.jsonl.

    \b
    Example:
        newscompare eval attribution tests/fixtures/attribution/team.jsonl --json
    """
    from compare.evaluate.attribution import evaluate_attribution

    path = Path(data)
    if not path.is_file():
        raise EvalError("no such file", path=str(path))
    _show(evaluate_attribution(path, errors=errors), as_json=as_json, title=f"eval attribution: {path}")
