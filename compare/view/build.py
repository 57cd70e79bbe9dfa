"""Build the :class:`~compare.view.model.EventView` of one event from the store (read-only).

The one place an event's picture is made; every surface renders what this returns. Sources:

* the claims and their aligned passages — every ``says`` cell is backed by a stored passage with
  offsets into a stored article, which traces to the snapshot of the bytes fetched;
* the framing stage's answer for the event (diffs, attribution, the label ledger, numbers), and
  its per-passage rows when the event's answer is missing;
* the fetch log and what feeds said of each page, for presence (:mod:`compare.view.presence`).

"Changed since the last run" (:mod:`compare.view.changes`) compares with the latest finished run
before the one reported on, or with ``since_run`` when given.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from compare.errors import NotFoundError
from compare.framing.records import (
    ATTRIBUTION_CLASSES,
    Attribution,
    ClaimOutletFraming,
    Cue,
    EventFraming,
    LabelTerm,
    PassageFraming,
    from_dict,
)
from compare.framing.wording import word_diff
from compare.models import READABLE_OUTCOMES, Outcome
from compare.store import (
    ArticleRecord,
    ClaimMemberRecord,
    ClaimRecord,
    EventRecord,
    FramingRecord,
    OutletRecord,
    PageState,
    RunRecord,
    Store,
)
from compare.view.changes import build_changes
from compare.view.diff import segments
from compare.view.model import (
    PRESENCE_SAYS,
    SCHEMA_VERSION,
    ArticleRef,
    ClaimCell,
    ClaimRow,
    EventHeader,
    EventView,
    LedgerConcept,
    LedgerTerm,
    NumberRow,
    NumberValues,
    OutletProfile,
    OutletStatus,
    OutletVoices,
    Provenance,
    ReprintGroup,
    RunInfo,
    UniqueClaim,
    VoiceCount,
)
from compare.view.presence import EventWindow, cell_presence, could_belong, event_vocabulary, outlet_state

__all__ = ["PresenceContext", "article_ref", "build_event_view", "load_event_framing", "run_info"]

log = logging.getLogger(__name__)


def run_info(run: RunRecord | None) -> RunInfo | None:
    if run is None:
        return None
    return RunInfo(run.id, run.command, run.started_at, run.finished_at, run.status)


def load_event_framing(data: Mapping[str, Any] | None) -> EventFraming | None:
    """Rebuild a stored EventFraming; ``None`` when absent. A malformed one is logged and skipped."""
    if not data:
        return None
    try:
        return from_dict(EventFraming, data)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        log.warning("event framing record cannot be read (%s); reporting without it", exc)
        return None


@dataclass(frozen=True)
class PresenceContext:
    """What presence needs beyond one event, read once for many events: the outlets, each
    outlet's fetch outcomes in its latest run, and every page whose latest attempt failed."""

    run: RunRecord | None
    outlets: Mapping[str, OutletRecord]
    outcomes: Mapping[str, Mapping[str, int]]
    unreadable: Mapping[str, Sequence[PageState]]
    feeds_lost: Mapping[str, str] = field(default_factory=dict)
    """Outlets that could learn of no new article in ``run``, with why: every feed, sitemap or
    homepage fetch of theirs failed (the failure's outcome), or feed discovery found none
    (``no_feed``). That run could not see their new stories."""

    @classmethod
    def load(cls, store: Store, *, run: RunRecord | None = None) -> PresenceContext:
        run = run if run is not None else store.current_run()
        up_to = run.id if run is not None else None
        unreadable: dict[str, list[PageState]] = defaultdict(list)
        for page in store.unreadable_pages(up_to_run=up_to):
            unreadable[page.outlet_id].append(page)
        return cls(
            run=run,
            outlets={o.id: o for o in store.outlets()},
            outcomes=store.outcome_counts(up_to_run=up_to),
            unreadable=dict(unreadable),
            feeds_lost=_listings_lost(store, run) if run is not None else {},
        )


def _listings_lost(store: Store, run: RunRecord) -> dict[str, str]:
    """Per outlet whose listings all failed in ``run`` (or had none found), the reason."""
    lost: dict[str, str] = {}
    for outlet, counts in store.run_listing_outcomes(run.id).items():
        if counts.get(Outcome.NO_FEED.value):
            lost[outlet] = Outcome.NO_FEED.value
        elif counts and not any(k in READABLE_OUTCOMES for k in counts):
            lost[outlet] = max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0]
    return lost


def _window(event: EventRecord, articles: Sequence[ArticleRecord]) -> EventWindow | None:
    window = EventWindow.around(event.first_published, event.last_published)
    if window is None and articles:
        dates = sorted(a.published_at or a.first_seen for a in articles)
        window = EventWindow.around(dates[0], dates[-1])
    return window


def outlet_statuses(
    store: Store, context: PresenceContext, event: EventRecord, articles: Sequence[ArticleRecord]
) -> tuple[OutletStatus, ...]:
    """Every expected outlet (active ones, and any with an article here), covering ones first."""
    n_articles = Counter(a.outlet_id for a in articles)
    window = _window(event, articles)
    vocabulary = event_vocabulary([event.label, *(a.title for a in articles)])
    if window is not None:
        read = store.outlets_read_between(window.start, window.end)
    else:
        read = {o for o, c in context.outcomes.items() if any(k in READABLE_OUTCOMES for k in c)}
    expected = {o for o, r in context.outlets.items() if r.active} | set(n_articles)
    # The event has news of the run being reported: outlets whose feeds that run could not find
    # could not have carried it (#19).
    tonight = context.run is not None and any(a.run_id == context.run.id for a in articles)
    out = []
    for outlet_id in expected:
        record = context.outlets.get(outlet_id) or OutletRecord(id=outlet_id, name=outlet_id)
        tied = [p for p in context.unreadable.get(outlet_id, ()) if could_belong(p, vocabulary, window)]
        out.append(
            outlet_state(
                record,
                n_articles=n_articles[outlet_id],
                tied_pages=tied,
                read_in_window=outlet_id in read,
                outcomes=context.outcomes.get(outlet_id, {}),
                feeds_lost=context.feeds_lost.get(outlet_id) if tonight else None,
            )
        )
    out.sort(key=lambda o: (not o.covering, -o.n_articles, not o.read, o.name.lower(), o.id))
    return tuple(out)


def article_ref(a: ArticleRecord) -> ArticleRef:
    return ArticleRef(
        id=a.id,
        outlet_id=a.outlet_id,
        url=a.url,
        title=a.title,
        version=a.version,
        published_at=a.published_at,
        fetched_at=a.snapshot_fetched_at,
        snapshot_sha256=a.snapshot_sha256,
        reprint_of=a.reprint_of,
    )


def build_event_view(
    store: Store,
    event_id: int,
    *,
    since_run: int | None = None,
    now: datetime | None = None,
    claim_ids: Collection[int] | None = None,
    context: PresenceContext | None = None,
) -> EventView:
    """The view of event ``event_id``; :class:`~compare.errors.NotFoundError` when unknown.

    ``claim_ids`` keeps only those claims (the topic query shows a few of a large event);
    ``context`` shares the presence inputs across many events of one run.
    """
    event = store.event(int(event_id))
    if event is None:
        raise NotFoundError(f"event {event_id} does not exist")
    context = context or PresenceContext.load(store)
    run = run_info(context.run)
    since = run_info(_since(store, run, since_run))
    framing = load_event_framing(store.event_framing([event.id]).get(event.id))
    articles = store.event_articles(event.id)
    outlets = outlet_statuses(store, context, event, articles)
    stored = store.claims_of(event.id)
    members = store.claim_members(event.id)
    by_id = {a.id: a for a in articles}
    missing = {m.passage.article_id for m in members} - set(by_id)
    by_id |= store.articles(missing) if missing else {}
    passages = _passage_framing(store, framing, members)
    claims = _claims(
        [c for c in stored if claim_ids is None or c.id in claim_ids],
        members,
        _Evidence(by_id, framing, passages),
        outlets,
        since,
    )
    header = EventHeader(
        event.id, event.label, event.first_published, event.last_published, event.status,
        event.created_run, event.updated_run,
    )  # fmt: skip
    names = {o.id: o.name for o in outlets}
    ledger = _ledger(framing)
    return EventView(
        schema_version=SCHEMA_VERSION,
        generated_at=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
        run=run,
        event=header,
        outlets=outlets,
        articles=tuple(article_ref(a) for a in articles),
        claims=claims,
        unique_claims=_unique(claims, n_covering=sum(o.covering for o in outlets)),
        ledger=ledger,
        numbers=_numbers(framing, {c.id for c in claims}),
        voices=_voices(framing, passages.values(), [o.id for o in outlets]),
        reprints=_reprints(store, articles),
        changes=build_changes(store, header, articles, stored, since, names=names),
        total_claims=len(stored),
        profiles=_profiles(claims, ledger, outlets),
    )


def _since(store: Store, run: RunInfo | None, since_run: int | None) -> RunRecord | None:
    """The run "changed since" compares with: the one asked for, else the one before ``run``."""
    if since_run is None:
        return store.previous_run(run.id) if run is not None else None
    found = store.run(since_run)
    if found is None:
        raise NotFoundError(f"run {since_run} does not exist")
    return found


# --------------------------------------------------------------------------------------------
# claims
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Evidence:
    """What the cells of an event's claims are made from: its articles, the framing stage's
    answer for the event, and the framing of each passage."""

    articles: Mapping[int, ArticleRecord]
    framing: EventFraming | None
    passages: Mapping[tuple[int, int], PassageFraming]


def _passage_framing(
    store: Store, framing: EventFraming | None, members: Sequence[ClaimMemberRecord]
) -> dict[tuple[int, int], PassageFraming]:
    """Per-passage framing by (article id, passage index): from the event's framing answer, and
    for passages it lacks, from the per-passage rows (their full record, else their columns)."""
    out: dict[tuple[int, int], PassageFraming] = {}
    if framing is not None:
        out = {(int(p.article_id), int(p.passage_index)): p for p in framing.passages}
    lacking = [m for m in members if (m.passage.article_id, m.passage.index) not in out]
    rows = store.framing_of(m.passage.id for m in lacking) if lacking else {}
    for m in lacking:
        row = rows.get(m.passage.id)
        found = _from_row(row, m) if row is not None else None
        if found is not None:
            out[(m.passage.article_id, m.passage.index)] = found
    return out


def _from_row(row: FramingRecord, member: ClaimMemberRecord) -> PassageFraming | None:
    """A passage's framing from its stored row: the full record, or what its columns say."""
    try:
        if row.data:
            return from_dict(PassageFraming, row.data)
    except (TypeError, ValueError, KeyError, AttributeError):
        pass
    if row.attribution not in ATTRIBUTION_CLASSES:
        return None
    labels = tuple(
        LabelTerm(str(x.get("concept") or ""), str(x["term"]), Cue(0, 0, str(x["term"])))
        for x in row.labels
        if x.get("term")
    )
    return PassageFraming(
        article_id=str(member.passage.article_id),
        passage_index=member.passage.index,
        outlet_id=member.outlet_id,
        text=member.passage.text,
        prominence=row.prominence if row.prominence in ("title", "lead", "body") else "body",  # type: ignore[arg-type]
        attribution=Attribution(row.attribution, row.speaker),  # type: ignore[arg-type]
        labels=labels,
    )


def _claims(
    claims: Sequence[ClaimRecord],
    members: Sequence[ClaimMemberRecord],
    evidence: _Evidence,
    outlets: Sequence[OutletStatus],
    since: RunInfo | None,
) -> tuple[ClaimRow, ...]:
    """One row per claim, one cell per expected outlet, in the order of ``outlets``."""
    by_claim: dict[int, dict[str, list[ClaimMemberRecord]]] = defaultdict(lambda: defaultdict(list))
    for m in members:
        by_claim[m.claim_id][m.outlet_id].append(m)
    framed: dict[tuple[str, str], ClaimOutletFraming] = {}
    for row in evidence.framing.claims if evidence.framing else ():
        if row.presence == PRESENCE_SAYS:
            framed[(row.claim_id, row.outlet_id)] = row
    # An outlet's cell in a claim it does not carry is its state for the event: one value per
    # outlet, the same in every claim (an event of 8 articles among 200 outlets has 192 a row).
    absent = {
        status.id: ClaimCell(status.id, *cell_presence(status, carries=False)) for status in outlets
    }  # fmt: skip
    out = []
    for claim in claims:
        said = by_claim.get(claim.id, {})
        central = next(
            (m for ms in said.values() for m in ms if m.passage.id == claim.central_passage_id), None
        )
        central = central or next((ms[0] for ms in said.values()), None)
        if central is None:
            continue  # a claim whose passages are gone: nothing to show
        central_text = central.passage.text
        cells = []
        for status in outlets:
            own = said.get(status.id, [])
            if not own:
                cells.append(absent[status.id])
                continue
            chosen = _representative(own, central, framed.get((str(claim.id), status.id)))
            cells.append(_says(status.id, chosen, central, evidence))
        out.append(
            ClaimRow(
                id=claim.id,
                key=claim.key,
                central_sentence=central_text,
                central_outlet=central.outlet_id,
                n_outlets=claim.n_outlets,
                is_unique=claim.is_unique,
                is_new=since is not None and (claim.created_run or 0) > since.id,
                cells=tuple(cells),
            )
        )
    return tuple(out)


def _representative(
    own: Sequence[ClaimMemberRecord], central: ClaimMemberRecord, framed: ClaimOutletFraming | None
) -> ClaimMemberRecord:
    """The outlet's sentence for the claim: the central one, else the one the framing stage chose,
    else its best aligned one."""
    if any(m.passage.id == central.passage.id for m in own):
        return central
    if framed is not None and framed.article_id is not None:
        key = (int(framed.article_id), int(framed.passage_index or 0))
        match = next((m for m in own if (m.passage.article_id, m.passage.index) == key), None)
        if match is not None:
            return match
    return max(own, key=lambda m: (m.similarity or 0.0, -m.passage.id))


def _language(evidence: _Evidence, article_id: int, framed: PassageFraming | None) -> str | None:
    article = evidence.articles.get(article_id)
    return (article.language if article is not None else None) or (framed.language if framed else None)


def _says(
    outlet_id: str, member: ClaimMemberRecord, central: ClaimMemberRecord, evidence: _Evidence
) -> ClaimCell:
    p = member.passage
    central_text = central.passage.text
    article = evidence.articles.get(p.article_id)
    provenance = None
    if article is not None:
        provenance = Provenance(
            article_id=article.id,
            url=article.url,
            version=article.version,
            fetched_at=article.snapshot_fetched_at,
            snapshot_sha256=article.snapshot_sha256,
            start=p.start,
            end=p.end,
            passage_index=p.index,
        )
    is_central = member.passage.id == central.passage.id
    pf = evidence.passages.get((p.article_id, p.index))
    language = _language(evidence, p.article_id, pf)
    central_language = _language(evidence, central.passage.article_id, None)
    same = language is None or central_language is None or language == central_language
    diff = () if is_central or not same else segments(central_text, p.text, word_diff(central_text, p.text))
    return ClaimCell(
        outlet_id=outlet_id,
        presence=PRESENCE_SAYS,
        attribution=pf.attribution.label if pf else None,
        speaker=pf.attribution.speaker if pf else None,
        prominence=pf.prominence if pf else None,
        sentence=p.text,
        diff=diff,
        similarity=float(member.similarity) if member.similarity is not None else None,
        reprint=member.reprint,
        central=is_central,
        loaded=tuple(dict.fromkeys(t.term for t in pf.loaded if not t.quoted)) if pf else (),
        quoted_loaded=tuple(
            dict.fromkeys(f"{t.term} ({t.speaker or 'quoted'})" for t in pf.loaded if t.quoted)
        )
        if pf
        else (),
        labels=tuple(dict.fromkeys(f"{t.concept}: {t.term}" for t in pf.labels)) if pf else (),
        provenance=provenance,
        language=language,
    )


def _profiles(
    claims: Sequence[ClaimRow], ledger: Sequence[LedgerConcept], outlets: Sequence[OutletStatus]
) -> tuple[OutletProfile, ...]:
    """Per covering outlet: its attribution mix over the claims it carries, and the loaded words and
    alias-set names it uses in its own voice (not inside the speech it reports)."""
    attribution: dict[str, Counter[str]] = defaultdict(Counter)
    loaded: dict[str, Counter[str]] = defaultdict(Counter)
    for claim in claims:
        for cell in claim.cells:
            if cell.presence == PRESENCE_SAYS:
                attribution[cell.outlet_id][cell.attribution or "unknown"] += 1
                loaded[cell.outlet_id].update(t.lower() for t in cell.loaded)
    labels: dict[str, dict[str, None]] = defaultdict(dict)
    for concept in ledger:
        if not concept.discovered:
            for term in concept.terms:
                if term.count > term.quoted:  # the outlet's own words, not only what it reports
                    labels[term.outlet_id].setdefault(term.term, None)
    order = {name: i for i, name in enumerate((*ATTRIBUTION_CLASSES, "unknown"))}
    return tuple(
        OutletProfile(
            outlet_id=o.id,
            attribution=tuple(sorted(attribution[o.id].items(), key=lambda kv: order.get(kv[0], 99))),
            loaded=tuple(loaded[o.id].most_common(8)),
            labels=tuple(labels[o.id]),
        )
        for o in outlets
        if o.covering
    )


def _unique(claims: Sequence[ClaimRow], *, n_covering: int) -> tuple[UniqueClaim, ...]:
    """Claims carried by exactly one outlet (not counting reprints), when several outlets cover."""
    if n_covering < 2:
        return ()
    out = []
    for claim in claims:
        says = [c for c in claim.cells if c.presence == PRESENCE_SAYS and not c.reprint]
        if len(says) == 1 and says[0].sentence is not None:
            out.append(UniqueClaim(claim.id, says[0].outlet_id, says[0].sentence))
    return tuple(out)


# --------------------------------------------------------------------------------------------
# ledger, numbers, voices, reprints
# --------------------------------------------------------------------------------------------


def _ledger(framing: EventFraming | None) -> tuple[LedgerConcept, ...]:
    if framing is None:
        return ()
    out = []
    quoted = framing.ledger.quoted
    for concept, per_outlet in framing.ledger.entries.items():
        terms = tuple(
            LedgerTerm(outlet, term, int(count), int(quoted.get(concept, {}).get(outlet, {}).get(term, 0)))
            for outlet, counts in sorted(per_outlet.items())
            for term, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        )
        distinct = {t.term.lower() for t in terms}
        discovered = concept.startswith("~")
        name = concept[1:] if discovered else concept
        out.append(LedgerConcept(name, discovered, terms, len(distinct) > 1))
    out.sort(key=lambda c: (not c.disagree, c.discovered, c.concept.lower()))
    return tuple(out)


def _numbers(framing: EventFraming | None, shown: Collection[int]) -> tuple[NumberRow, ...]:
    if framing is None:
        return ()
    rows = []
    for d in framing.disagreements:
        if not d.claim_id.isdigit() or int(d.claim_id) not in shown:
            continue
        values = tuple(
            NumberValues(o, tuple(float(v) for v in vs), tuple(d.figures.get(o, ())))
            for o, vs in sorted(d.values.items())
        )
        rows.append(NumberRow(int(d.claim_id), d.counts, d.unit, values))
    return tuple(rows)


def _voices(
    framing: EventFraming | None, passages: Collection[PassageFraming], order: Sequence[str]
) -> tuple[OutletVoices, ...]:
    counts: dict[str, Counter[tuple[str, str, bool]]] = defaultdict(Counter)
    for pf in framing.passages if framing is not None else passages:
        for voice in pf.voices:
            counts[pf.outlet_id][(voice.name, voice.mode, bool(voice.anonymous))] += 1
    rank = {o: i for i, o in enumerate(order)}
    out = []
    for outlet in sorted(counts, key=lambda o: (rank.get(o, len(rank)), o)):
        voices = tuple(
            VoiceCount(name, mode, anon, n)
            for (name, mode, anon), n in sorted(counts[outlet].items(), key=lambda kv: (-kv[1], kv[0]))
        )
        out.append(OutletVoices(outlet, voices))
    return tuple(out)


def _reprints(store: Store, articles: Sequence[ArticleRecord]) -> tuple[ReprintGroup, ...]:
    copies: dict[int, list[ArticleRecord]] = defaultdict(list)
    for a in articles:
        if a.reprint_of is not None:
            copies[a.reprint_of].append(a)
    if not copies:
        return ()
    origins = {a.id: a for a in articles}
    missing = set(copies) - set(origins)
    origins |= store.articles(missing) if missing else {}
    groups = []
    for origin_id, rows in sorted(copies.items()):
        origin = origins.get(origin_id)
        if origin is None:
            continue
        groups.append(ReprintGroup(article_ref(origin), tuple(article_ref(r) for r in rows)))
    groups.sort(key=lambda g: (-len(g.copies), g.origin.id))
    return tuple(groups)
