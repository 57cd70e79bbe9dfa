#!/usr/bin/env python
"""Benchmark: three nights of ``newscompare run`` against a generated web of N outlets on loopback.

The web is the demo web's server (:class:`compare.demoweb.DemoWeb`) serving a generated corpus:
``--outlets`` outlets (default 200, one host each on 127.0.0.2 upward) sharing ``--articles``
articles (default 1000) of generated English news text of realistic length (``--words`` words
each, default about 450: a headline, a summary and 15-25 paragraphs). Stories overlap: each story
is covered by several outlets, each in its own words around the story's shared facts (the same
people, places and figures), so events form and claims align as they do on a real night.

Three nights, each a fresh ``python -m compare run`` process as cron starts it:

- **cold**: an empty database;
- **next night**, as if a day later (``fresh_for_hours`` 0: every stored page is asked for
  again with a conditional GET): 10% new articles (new stories and more coverage of old ones)
  and 2% of the stored articles edited, the rest unchanged (their pages answer 304);
- **nothing new**: the same web again.

For each night it prints the wall time, the CPU time and the peak RSS of each stage (``fetch``,
``extract``, ``analyse``, ``report``, read from the run's row in the database, which every run
records) and of the whole process, and the same per article served. Nothing leaves 127.0.0.x.

Usage::

    python scripts/bench_night.py --articles 1000
    python scripts/bench_night.py --articles 3000 --json > night-3k.json
    python scripts/bench_night.py --articles 200 --outlets 20 --keep /tmp/bench   # keep the db

The figures depend on the machine and on what else runs on it: say so beside them.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from compare.demoweb import DemoWeb
from compare.demoweb.corpus import Block, Corpus, DemoArticle, DemoOutlet, Version
from compare.store import Store

STAGES = ("fetch", "extract", "analyse", "report")
NIGHTS = ("cold", "next night", "nothing new")

FIRST = ("Anna", "David", "Leyla", "Armen", "Maria", "Tomas", "Nadia", "Samuel", "Irina", "Karim",
         "Elena", "Jonas", "Sofia", "Rashid", "Helen", "Pavel", "Amira", "Lukas", "Zara", "Oskar")
LAST = ("Petrov", "Hughes", "Aliyeva", "Sargsyan", "Novak", "Berger", "Khalil", "Moreau", "Lindqvist",
        "Okafor", "Rossi", "Tanaka", "Weber", "Haddad", "Kowalski", "Jensen", "Duarte", "Ivanova")
PLACES = ("Riverton", "Eastport", "Marlow", "Kessel", "Brandmoor", "Ostrava Bay", "Linden", "Halvik",
          "Corvale", "Pinehurst", "Saltmere", "Vardan", "Northgate", "Elmsworth", "Tarvos", "Greyhaven")
BODIES = ("the transport ministry", "the city council", "the regional parliament", "the port authority",
          "the health agency", "the central bank", "the energy regulator", "the border service",
          "the teachers' union", "the election commission", "the water company", "the defence ministry")
TOPICS = (("bridge", "reopened", "repairs"), ("strike", "ended", "wages"), ("budget", "approved", "spending"),
          ("pipeline", "halted", "inspections"), ("election", "called", "turnout"),
          ("hospital", "expanded", "beds"), ("ceasefire", "agreed", "monitors"),
          ("flood", "receded", "damage"), ("tariff", "raised", "imports"), ("airport", "closed", "flights"),
          ("reform", "passed", "pensions"), ("dam", "completed", "power"),
          ("protest", "dispersed", "arrests"), ("trial", "opened", "witnesses"))
VERBS = ("said", "told reporters", "said in a statement", "claimed", "insisted", "announced", "noted",
         "warned", "confirmed", "argued")
HEDGES = ("", "", "", "reportedly ", "allegedly ", "apparently ")
ADJ = ("long-awaited", "controversial", "modest", "sweeping", "delayed", "disputed", "costly", "limited",
       "unexpected", "provisional", "ambitious", "fragile")
NOUN = ("residents", "traders", "drivers", "officials", "farmers", "students", "families", "workers",
        "observers", "engineers", "lawyers", "doctors", "shopkeepers", "commuters", "analysts")
TIME = ("on Monday", "on Tuesday", "late on Wednesday", "early on Thursday", "on Friday", "over the weekend",
        "this week", "last month", "in the morning", "after midnight")
FILLER = (
    "{name}, a {age}-year-old {job} from {place}, said the {adj} decision would change little for {noun}.",
    "Local {noun} gathered near the {thing} {time}, where {num} people waited for news from {body}.",
    "In {place}, {noun} described the mood as {mood}, with {num} households still waiting for help.",
    "Critics of {body} pointed to a {adj} record, recalling a similar episode in {year}.",
    "The {thing} has been a point of contention since {year}, when {num} {noun} signed a petition.",
    "{name} of {body} {verb} that a further {num} million would be needed over {span} years.",
    "Opposition figures {verb} the plan was {adj}, and called for an inquiry within {span} weeks.",
    "According to figures seen by this newspaper, about {num} {noun} were affected in {place} alone.",
    "Regional media in {place} reported queues of {noun} {time}, some lasting {span} hours.",
    "A spokesperson for {body} declined to comment on the {adj} timetable when asked {time}.",
    "Residents of {place} have long complained that {body} ignores {noun}, {name} said.",
    "Independent {noun} {verb} that the {thing} carried {num} tonnes of freight a day before it shut.",
)
FACTS = (
    "{body_cap} {hedge}{verb2} the {thing} in {place} {time}, {days} days after {chief} promised action.",
    "{chief} {verb} the decision followed {num} meetings with {rival} and representatives of {noun}.",
    "The {thing} {verb2} at a cost of {num} million, {chief} {verb}.",
    "{rival} {verb} the figure was closer to {num2} million and accused {body} of hiding the bill.",
    "About {crowd} {noun} were affected, according to {body}.",
    "{chief} {verb} that the {cause} would be reviewed by an independent panel within {span} months.",
)
MASTHEADS = ("Herald", "Times", "Post", "Daily")
COUNTRIES = ("GB", "IE", "NZ", "AU", "CA")
DATE_STYLES = ("jsonld", "meta", "time")
SECTIONS = ("world", "politics", "business", "local")
JOBS = ("teacher", "taxi driver", "nurse", "shop owner", "retired engineer", "student", "farmer", "builder")
MOODS = ("tense", "hopeful", "weary", "angry", "calm", "uncertain")


@dataclass(frozen=True)
class Story:
    """What every outlet covering one story agrees on: who, where, what, how much."""

    number: int
    chief: str
    rival: str
    place: str
    body: str
    thing: str
    verb2: str
    cause: str
    num: int
    num2: int
    crowd: int
    days: int
    time: str
    noun: str
    day: int


class BenchCorpus(Corpus):
    """A corpus whose per-outlet article lists are computed once (the demo corpus is small
    enough to filter on every request; a thousand-article one is not)."""

    @functools.cached_property
    def _by_outlet(self) -> dict[str, tuple[DemoArticle, ...]]:
        mine: dict[str, list[DemoArticle]] = {}
        for article in self.articles:
            mine.setdefault(article.outlet_id, []).append(article)
        return {
            k: tuple(sorted(v, key=lambda a: (a.published, a.slug), reverse=True)) for k, v in mine.items()
        }

    def articles_of(self, outlet_id: str) -> tuple[DemoArticle, ...]:
        return self._by_outlet.get(outlet_id, ())


SYLLABLES = ("ka", "ver", "lo", "min", "tra", "sel", "do", "ran", "vi", "mor", "zen", "tal", "be", "gor",
             "ni", "las", "pe", "dri", "ho", "len", "sa", "qui", "mar", "tov", "el", "ush", "ra", "bek")


def _name(rng: random.Random, parts: int = 2) -> str:
    """A made-up proper name (a person's surname, a town): the names of one story are its own, as
    real stories' are, so stories are told apart by whom and where as well as by what."""
    return "".join(rng.choice(SYLLABLES) for _ in range(parts + rng.randint(0, 1))).capitalize()


def _story(rng: random.Random, number: int) -> Story:
    thing, verb2, cause = rng.choice(TOPICS)
    return Story(
        number=number,
        chief=f"{rng.choice(FIRST)} {_name(rng)}",
        rival=f"{rng.choice(FIRST)} {_name(rng)}",
        place=_name(rng, 3), body=rng.choice(BODIES), thing=thing, verb2=verb2, cause=cause,
        num=rng.randint(12, 900), num2=rng.randint(12, 900), crowd=rng.randint(2, 90) * 1000,
        days=rng.randint(2, 30), time=rng.choice(TIME), noun=rng.choice(NOUN), day=rng.randint(0, 6),
    )  # fmt: skip


def _fill(rng: random.Random, template: str, story: Story) -> str:
    text = template.format(
        body_cap=story.body[0].upper() + story.body[1:], body=story.body, hedge=rng.choice(HEDGES),
        verb=rng.choice(VERBS), verb2=story.verb2, thing=story.thing, place=story.place, time=story.time,
        days=story.days, chief=story.chief, rival=story.rival, num=story.num, num2=story.num2,
        crowd=f"{story.crowd:,}", noun=story.noun, cause=story.cause, span=rng.randint(2, 12),
    )  # fmt: skip
    return text[0].upper() + text[1:]


def _filler(rng: random.Random, story: Story) -> str:
    text = rng.choice(FILLER).format(
        name=f"{rng.choice(FIRST)} {_name(rng)}", age=rng.randint(19, 84), job=rng.choice(JOBS),
        place=rng.choice((story.place, _name(rng, 3))), adj=rng.choice(ADJ), noun=rng.choice(NOUN),
        thing=story.thing, time=rng.choice(TIME), num=rng.randint(3, 4000), body=rng.choice(BODIES),
        mood=rng.choice(MOODS), year=rng.randint(1994, 2025), verb=rng.choice(VERBS), span=rng.randint(2, 40),
    )  # fmt: skip
    return text[0].upper() + text[1:]


def _version(rng: random.Random, story: Story, words: int, number: int = 1,
             updated: datetime | None = None) -> Version:
    facts = [_fill(rng, t, story) for t in FACTS]
    title = f"{story.thing.capitalize()} {story.verb2} in {story.place} as {story.chief} faces questions"
    if rng.random() < 0.5:
        title = f"{story.place}: {story.body} says {story.thing} {story.verb2}"
    paragraphs: list[str] = [facts[0] + " " + facts[1]]
    rest = facts[2:]
    count = len(paragraphs[0].split())
    while count < words:
        sentences = [_filler(rng, story) for _ in range(rng.randint(1, 3))]
        if rest and rng.random() < 0.35:
            sentences.insert(rng.randint(0, len(sentences)), rest.pop(0))
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        count += len(paragraph.split())
    blocks = tuple(Block("p", p) for p in paragraphs)
    return Version(number=number, title=title, summary=facts[0], blocks=blocks, updated=updated)


def _outlets(count: int) -> tuple[DemoOutlet, ...]:
    return tuple(
        DemoOutlet(
            id=f"outlet-{i:03d}", name=f"The {PLACES[i % len(PLACES)]} {MASTHEADS[i % 4]} {i}",
            domain=f"outlet{i}.example", perspective="generated", language="en", country=COUNTRIES[i % 5],
            groups=(f"group-{i % 5}",), owner=f"Owner {i % 17}", ownership_type="private",
            feed_kind="rss" if i % 3 else "atom", sitemap=False, listed_feed="rss" if i % 3 else "atom",
            url_pattern="/{section}/{yyyy}/{mm}/{dd}/{slug}.html", date_style=DATE_STYLES[i % 3],
        )
        for i in range(count)
    )


def _article(rng: random.Random, outlet: DemoOutlet, story: Story, serial: int, words: int,
             base: datetime) -> DemoArticle:
    published = base + timedelta(days=story.day, hours=rng.randint(0, 20), minutes=rng.randint(0, 59))
    return DemoArticle(
        key=f"{outlet.id}/story-{story.number}-{serial}", outlet_id=outlet.id,
        slug=f"story-{story.number}-{serial}", section=SECTIONS[story.number % 4],
        event=f"story-{story.number}", published=published, author=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        versions=(_version(rng, story, words),),
    )  # fmt: skip


def build_corpus(args: argparse.Namespace, base: datetime) -> tuple[BenchCorpus, BenchCorpus]:
    """The first night's corpus and the next night's (10% new, 2% edited)."""
    rng = random.Random(args.seed)
    outlets = _outlets(args.outlets)
    per_story = max(2, min(args.outlets, args.coverage))
    stories = [_story(rng, n) for n in range(max(1, args.articles // per_story))]
    articles = []
    for serial in range(args.articles):
        story = stories[serial % len(stories)]
        outlet = outlets[(serial * 7 + serial // len(stories)) % len(outlets)]
        articles.append(_article(rng, outlet, story, serial, args.words, base))
    first = BenchCorpus(root=Path("."), outlets=outlets, articles=tuple(articles), topics=(), expected={},
                        seed_meta={})
    # The next night: 10% more articles (half on new stories, half joining old ones), 2% edited.
    extra = max(1, args.articles // 10)
    # new stories break on the newest day; follow-ups of old ones come a day after their story
    fresh = max(1, extra // (2 * per_story))
    new_stories = [replace(_story(rng, len(stories) + n), day=7) for n in range(fresh)]
    later = base + timedelta(days=7)
    added = []
    for n in range(extra):
        story = new_stories[n % len(new_stories)] if n % 2 else stories[rng.randrange(len(stories))]
        outlet = outlets[rng.randrange(len(outlets))]
        when = base if n % 2 else base + timedelta(days=1)
        added.append(_article(rng, outlet, story, args.articles + n, args.words, when))
    edited_keys = {a.key for a in rng.sample(articles, max(1, args.articles // 50))}
    by_story = {f"story-{s.number}": s for s in stories}
    second_articles = []
    for article in articles:
        if article.key in edited_keys:
            edit = _version(rng, by_story[article.event], args.words, 2, updated=later + timedelta(hours=3))
            article = replace(article, versions=(article.versions[0], edit))
        second_articles.append(article)
    second = BenchCorpus(root=Path("."), outlets=outlets, articles=tuple(second_articles + added), topics=(),
                         expected={}, seed_meta={})
    return first, second


def _night(db: Path, sources: Path, out: Path, env: dict[str, str]) -> dict[str, Any]:
    """One ``newscompare run`` process: its stages from the run row, the process's own totals."""
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(
        [sys.executable, "-m", "compare", "-q", "--db", str(db), "run", "--sources", str(sources),
         "--out", str(out)],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # CPU only: its RSS peak is every child's
    if proc.returncode not in (0, 1):
        sys.exit(f"newscompare run exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    with Store(db, read_only=True) as store:
        run = store.last_run()
        assert run is not None
        resources = run.counts.get("resources", {})
        analysis = run.counts.get("analysis", {})
        extract = run.counts.get("extract", {})
        stages = {
            stage: {"wall_s": run.timings.get(stage, 0.0), **resources.get(stage, {})}
            for stage in STAGES if stage in run.timings
        }  # fmt: skip
        counts = store.counts()
    return {
        "run_id": run.id, "status": run.status, "exit": proc.returncode, "wall_s": round(wall, 2),
        "cpu_s": round((after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime), 2),
        "peak_rss_mib": max((s.get("peak_rss_mib", 0.0) for s in stages.values()), default=0.0),
        "stages": stages,
        "embedded_passages": analysis.get("embedded_passages"), "extract": extract,
        "rows": {k: counts[k] for k in ("articles", "passages", "events", "claims", "fetch_log")},
    }  # fmt: skip


def _table(results: dict[str, dict[str, Any]], articles: dict[str, int]) -> str:
    lines = ["| night | stage | wall s | CPU s | peak RSS MiB | wall ms/article | share of cold |",
             "|---|---|---|---|---|---|---|"]
    cold = results["cold"]["wall_s"]
    for night, result in results.items():
        for stage, row in result["stages"].items():
            per = 1000 * row["wall_s"] / articles[night]
            lines.append(f"| {night} | {stage} | {row['wall_s']:.1f} | {row.get('cpu_s', 0):.1f} | "
                         f"{row.get('peak_rss_mib', 0):.0f} | {per:.1f} | |")
        per = 1000 * result["wall_s"] / articles[night]
        lines.append(f"| {night} | **process** | **{result['wall_s']:.1f}** | {result['cpu_s']:.1f} | "
                     f"{result['peak_rss_mib']:.0f} | {per:.1f} | {result['wall_s'] / cold:.1%} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000, help="articles on the first night")
    parser.add_argument("--outlets", type=int, default=200, help="outlets (one 127.0.0.x host each, <= 250)")
    parser.add_argument("--coverage", type=int, default=8, help="outlets covering each story")
    parser.add_argument("--words", type=int, default=450, help="words per article, about")
    parser.add_argument("--seed", type=int, default=18, help="random seed of the generated text")
    parser.add_argument("--keep", type=Path, help="folder to keep the database and reports in")
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
    parser.add_argument("--nights", type=int, choices=(1, 2, 3), default=3,
                        help="how many of the three nights to run (1: the cold night only)")
    args = parser.parse_args()
    if not 1 <= args.outlets <= 250:
        parser.error("--outlets must be between 1 and 250 (one 127.0.0.x address each)")
    if args.keep and (args.keep / "night.db").exists():  # the cold night must start from nothing
        parser.error(f"{args.keep / 'night.db'} exists: give --keep an empty or new folder")
    base = (datetime.now(UTC) - timedelta(days=9)).replace(microsecond=0)
    first, second = build_corpus(args, base)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        db, out = folder / "night.db", folder / "reports"
        results: dict[str, dict[str, Any]] = {}
        served = {"cold": len(first.articles), "next night": len(second.articles),
                  "nothing new": len(second.articles)}
        with DemoWeb(corpus=first) as web:
            sources = web.write_sources(folder / "sources.yaml")
            results["cold"] = _night(db, sources, out, env)
            web.corpus = second
            web.set_version(2)
            # The later nights come a day after the cold one, not minutes: every stored page is
            # past its fresh window (12 h) and is asked for again, conditionally, as cron's next
            # run would; without this, every page would be skipped as fresh and no edit seen.
            later = {**env, "NEWSCOMPARE_FRESH_FOR_HOURS": "0"}
            for night in NIGHTS[1 : args.nights]:
                results[night] = _night(db, sources, out, later)
    summary = {
        "date": datetime.now(UTC).isoformat(timespec="minutes"), "cpus": os.cpu_count(),
        "outlets": args.outlets, "articles": served, "words": args.words, "nights": results,
        "ratios": {n: round(results[n]["wall_s"] / results["cold"]["wall_s"], 4) for n in results},
    }  # fmt: skip
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    print(f"newscompare run, {args.outlets} outlets, {served['cold']} articles (~{args.words} words), "
          f"{os.cpu_count()} CPUs, {summary['date']}")
    print(_table(results, served))
    for night, r in results.items():
        print(f"{night}: exit {r['exit']}, {r['embedded_passages']} passages embedded, rows {r['rows']}")


if __name__ == "__main__":
    main()
