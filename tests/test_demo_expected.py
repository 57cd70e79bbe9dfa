"""End to end on the seeds: the demo, run twice with the real model, against seeds/EXPECTED.yaml.

The English demo (the English outlets only, so the English model) keeps its floors; the demo in
four languages (the native-language editions too, so the multilingual model) has floors of its
own and checks that one story told in az, hy, ru and en is one event with one claim.

The scores come from compare.evaluate.seeds; the floors below sit a little under what the
pipeline measured when they were pinned (figures in docs/evaluation.md). Lowering one is a
reviewed change. The structural guarantees (no unrelated merge, no unreadable outlet reported
as omitting, the silent edit shown) are exact.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from backends import fresh_postgres_database

from compare.config import Settings
from compare.demoweb import DemoWeb, default_seeds_dir
from compare.evaluate.seeds import load_expected, score_store
from compare.pipeline import RunResult, run_pipeline
from compare.sources import load_sources
from compare.store import Store

pytestmark = [pytest.mark.model, pytest.mark.slow]

# Measured 2026-12-01 (python scripts/score_demo.py after `newscompare demo`): events 1.000,
# claim pairs 0.734 with 1.8% wrong merges, attribution 0.950, labels 0.925. Claim alignment is
# still the weak spot (docs/evaluation.md, "Alignment" and "The demo corpus against
# seeds/EXPECTED.yaml").
FLOORS = {
    "events_bcubed_f1": 0.97,
    "claim_pair_agreement": 0.70,
    "attribution_accuracy": 0.90,
    "label_recall": 0.85,
}
CEILINGS = {"claim_wrong_merges": 0.02}
# The four-language demo with multilingual-e5-small, measured 2026-12-02 (one run of the
# fixture below): events 1.000, claim pairs 0.595, attribution 0.968, labels 0.918 (45/49),
# wrong merges 0.012. Claim alignment across languages is the weak spot.
MULTILINGUAL_FLOORS = {
    "events_bcubed_f1": 0.97,
    "claim_pair_agreement": 0.55,
    "attribution_accuracy": 0.93,
    "label_recall": 0.88,
}
NATIVE = {"azstate-az-demo": "az", "armvoice-hy-demo": "hy", "rustate-ru-demo": "ru"}


@dataclass
class DemoRuns:
    first: RunResult
    second: RunResult
    scores: dict[str, object]
    db: str


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[DemoRuns]:
    """The demo run twice, on each backend (PostgreSQL: a fresh database on the test server)."""
    tmp = tmp_path_factory.mktemp("demo")
    with ExitStack() as stack:
        db = str(tmp / "demo.db")
        if request.param == "postgresql":
            db = stack.enter_context(fresh_postgres_database())
        yield from _run_demo(tmp, db)


def _run_demo(tmp: Path, db: str) -> Iterator[DemoRuns]:
    settings = replace(Settings(), db=db, fresh_for_hours=0)
    with DemoWeb(version=1) as web:
        sources = load_sources(web.write_sources(tmp / "sources.yaml", languages=("en",)))
        first = run_pipeline(settings, sources, command="demo", out_dir=tmp / "r1")
        with Store(settings.db) as store:
            scores = score_store(store, load_expected(default_seeds_dir()), web.url_for)
        web.set_version(2)
        second = run_pipeline(settings, sources, command="demo", out_dir=tmp / "r2")
    yield DemoRuns(first, second, scores, settings.db)


@pytest.mark.parametrize("metric", sorted(FLOORS))
def test_scores_against_expected_stay_above_their_floors(demo: DemoRuns, metric: str) -> None:
    assert float(demo.scores[metric]) >= FLOORS[metric], demo.scores  # type: ignore[arg-type]


@pytest.mark.parametrize("metric", sorted(CEILINGS))
def test_errors_stay_below_their_ceilings(demo: DemoRuns, metric: str) -> None:
    assert float(demo.scores[metric]) <= CEILINGS[metric], demo.scores  # type: ignore[arg-type]


def test_no_unrelated_event_is_merged_with_another(demo: DemoRuns) -> None:
    assert demo.scores["unrelated_merges"] == []


def test_an_unreadable_outlet_is_never_reported_as_omitting(demo: DemoRuns) -> None:
    assert demo.scores["unreadable_reported_as_omitting"] == 0
    assert "closed-gazette-demo" in demo.first.failed_outlets


def test_disagreeing_numbers_and_reprints_are_found(demo: DemoRuns) -> None:
    found, total = (int(x) for x in str(demo.scores["number_sets_found"]).split("/"))
    assert found >= 4 and total == 5
    linked, copies = (int(x) for x in str(demo.scores["reprints_linked"]).split("/"))
    assert linked == copies == 2
    assert demo.scores["reprint_origins_right"] == "2/2"  # the wire copy, not its republications


def test_the_second_demo_shows_the_silent_edit(demo: DemoRuns) -> None:
    assert demo.second.extract is not None and demo.second.extract.new_version == 1
    reports = [json.loads(p.with_suffix(".json").read_text()) for p in demo.second.reports]
    edited = [e for r in reports for e in r["changes"]["edited"]]
    assert edited and any("convoy" in json.dumps(e) for e in edited)


def test_the_seed_event_is_covered_by_every_readable_outlet(demo: DemoRuns) -> None:
    reports = [json.loads(p.with_suffix(".json").read_text()) for p in demo.first.reports]
    seed = next(r for r in reports if any("mfa-rights-constitution" in a["url"] for a in r["articles"]))
    covering = {o["id"] for o in seed["outlets"] if o["state"] == "covers"}
    assert covering >= {"azstate-demo", "armvoice-demo", "rustate-demo", "wire-demo", "eurocast-demo"}
    blocked = [o for o in seed["outlets"] if o["id"] == "closed-gazette-demo"]
    assert blocked and blocked[0]["state"] == "not_read" and blocked[0]["reason"] == "blocked"


@pytest.mark.parametrize("night", ["first", "second"])
def test_the_matrix_and_the_outlets_table_agree(demo: DemoRuns, night: str) -> None:
    """Every cell that is not "says" is what the outlet's row says: omits when it was read,
    not read (with the same reason) when it was not, on both nights."""
    run: RunResult = getattr(demo, night)
    disagree = 0
    for path in run.reports:
        report = json.loads(path.with_suffix(".json").read_text())
        rows = {o["id"]: o for o in report["outlets"]}
        for claim in report["claims"]:
            for cell in claim["cells"]:
                row = rows[cell["outlet_id"]]
                if cell["presence"] == "not_read":
                    disagree += row["state"] != "not_read" or row["reason"] != cell["reason"]
                elif cell["presence"] == "omits":
                    disagree += row["state"] == "not_read"
    assert disagree == 0
    assert demo.scores["presence_disagreements"] == 0


def test_every_link_of_the_service_resolves_on_the_demo_store(demo: DemoRuns) -> None:
    """Crawl the web service over the demo store: every page it links to answers 200."""
    import re
    from urllib.parse import urljoin, urlsplit

    from fastapi.testclient import TestClient

    from compare.embed import HashingEmbedder
    from compare.service import create_app

    app = create_app(demo.db, embedder=HashingEmbedder(dim=384))
    seen: dict[str, int] = {}
    todo = ["/", "/?q=Lachin+corridor", "/?q=convoy&since=all", "/outlets", "/runs", "/docs"]
    with TestClient(app, base_url="http://localhost") as client:  # a name the service answers
        while todo:
            url = todo.pop()
            if url in seen:
                continue
            r = client.get(url, follow_redirects=True)
            seen[url] = r.status_code
            if r.status_code != 200 or "text/html" not in r.headers.get("content-type", ""):
                continue
            assert len(r.content) < 1_000_000, (url, len(r.content))
            for href in re.findall(r'href="([^"#]+)', r.text):
                target = urljoin(f"http://localhost{url}", href)
                parts = urlsplit(target)
                if parts.netloc == "localhost":
                    todo.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    broken = {u: c for u, c in seen.items() if c != 200}
    assert not broken, broken
    assert sum(u.startswith("/events/") for u in seen) >= 9 and any(u.startswith("/claims/") for u in seen)


def _reports(run: RunResult) -> list[dict[str, Any]]:
    return [json.loads(p.with_suffix(".json").read_text()) for p in run.reports]


def _report_with(run: RunResult, slug: str) -> dict[str, Any]:
    return next(r for r in _reports(run) if any(slug in a["url"] for a in r["articles"]))


def _claim_where(report: dict[str, Any], outlet: str, opening: str) -> dict[str, Any]:
    for claim in report["claims"]:
        for cell in claim["cells"]:
            if cell["outlet_id"] == outlet and (cell.get("sentence") or "").startswith(opening):
                return dict(claim)
    raise AssertionError(f"no claim where {outlet} says {opening!r}")


def _saying(claim: dict[str, Any]) -> set[str]:
    return {c["outlet_id"] for c in claim["cells"] if c["presence"] == "says"}


def test_the_convoy_event_holds_every_outlet_that_covers_it(demo: DemoRuns) -> None:
    convoy = _report_with(demo.first, "convoy-halted")
    slugs = " ".join(a["url"] for a in convoy["articles"])
    # AzState's hostile framing and RuState's peacekeeping angle are the same story.
    assert "convoy-provocation" in slugs and "lachin-convoy-peacekeepers" in slugs
    covering = {o["id"] for o in convoy["outlets"] if o["state"] == "covers"}
    assert covering >= {"azstate-demo", "armvoice-demo", "rustate-demo", "wire-demo", "eurocast-demo"}
    assert "icrc" not in slugs  # and the Red Cross story stays apart


def test_the_seed_lead_sits_with_every_other_report_of_the_statement(demo: DemoRuns) -> None:
    seed = _report_with(demo.first, "mfa-rights-constitution")
    claim = _claim_where(seed, "azstate-demo", "Foreign Ministry: Azerbaijan will ensure the rights")
    assert _saying(claim) >= {
        "azstate-demo",
        "wire-demo",
        "armvoice-demo",
        "rustate-demo",
        "caucasus-watch-demo",
        "eurocast-demo",
    }


def test_the_silently_edited_lead_stays_in_the_core_convoy_claim(demo: DemoRuns) -> None:
    convoy = _report_with(demo.second, "convoy-halted")
    edited = "An Armenian convoy of 19 trucks carrying around 360 tonnes"
    claim = _claim_where(convoy, "eurocast-demo", edited)
    assert _saying(claim) >= {"eurocast-demo", "wire-demo", "armvoice-demo", "caucasus-watch-demo"}


# --------------------------------------------------------------------------------------------
# The demo in four languages
# --------------------------------------------------------------------------------------------


@dataclass
class MultilingualRun:
    result: RunResult
    scores: dict[str, object]


@pytest.fixture(scope="module")
def multilingual(tmp_path_factory: pytest.TempPathFactory) -> MultilingualRun:
    tmp = tmp_path_factory.mktemp("demo-languages")
    settings = replace(Settings(), db=str(tmp / "demo.db"), fresh_for_hours=0)
    with DemoWeb(version=1) as web:
        sources = load_sources(web.write_sources(tmp / "sources.yaml"))
        assert set(sources.languages) == {"en", "az", "hy", "ru"}
        result = run_pipeline(settings, sources, command="demo", out_dir=tmp / "r")
        with Store(settings.db) as store:
            assert store.has_vectors()
            scores = score_store(store, load_expected(default_seeds_dir()), web.url_for)
    return MultilingualRun(result, scores)


@pytest.mark.parametrize("metric", sorted(MULTILINGUAL_FLOORS))
def test_the_four_language_demo_stays_above_its_floors(multilingual: MultilingualRun, metric: str) -> None:
    assert multilingual.scores[metric] >= MULTILINGUAL_FLOORS[metric], multilingual.scores
    assert multilingual.scores["claim_wrong_merges"] <= CEILINGS["claim_wrong_merges"], multilingual.scores
    assert not multilingual.scores["unrelated_merges"], multilingual.scores


def test_the_seed_event_is_compared_across_four_languages(multilingual: MultilingualRun) -> None:
    seed = _report_with(multilingual.result, "mfa-rights-constitution")
    covering = {o["id"] for o in seed["outlets"] if o["state"] == "covers"}
    assert covering >= {"azstate-demo", "armvoice-demo", "rustate-demo", *NATIVE}
    claim = _claim_where(seed, "azstate-demo", "Foreign Ministry: Azerbaijan will ensure the rights")
    cells = {c["outlet_id"]: c for c in claim["cells"] if c["presence"] == "says"}
    assert {c["language"] for c in cells.values()} == {"en", "az", "hy", "ru"}
    # The central sentence is an English one; the others are shown whole, not diffed across languages.
    assert claim["central_outlet"] in {o for o, c in cells.items() if c["language"] == "en"}
    assert all(not c["diff"] for o, c in cells.items() if o in NATIVE)
    # Attribution read by cue words: the Armenian edition distances itself, as the English one does.
    assert cells["armvoice-hy-demo"]["attribution"] == "distancing"
    assert cells["rustate-ru-demo"]["attribution"] == "neutral"
    terms = {(c["concept"], t["outlet_id"], t["term"]) for c in seed["ledger"] for t in c["terms"]}
    assert ("capital", "azstate-az-demo", "Xankəndi") in terms
    assert ("capital", "armvoice-hy-demo", "Ստեփանակերտ") in terms
    assert ("region", "armvoice-hy-demo", "Արցախ") in terms


def test_the_convoy_is_one_event_in_four_languages(multilingual: MultilingualRun) -> None:
    convoy = _report_with(multilingual.result, "convoy-halted")
    covering = {o["id"] for o in convoy["outlets"] if o["state"] == "covers"}
    assert covering >= {"azstate-demo", "armvoice-demo", "rustate-demo", *NATIVE}
    # RuState's peacekeeping angle, in its English and its Russian edition, is the same story.
    slugs = " ".join(a["url"] for a in convoy["articles"])
    assert "lachin-convoy-peacekeepers" in slugs and "mirotvorcy-gotovy-soprovodit-konvoy" in slugs
