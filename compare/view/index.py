"""Build the :class:`~compare.view.model.RunIndex`: what changed first, then every event.

A fact-checker opens the index to learn what changed since the last run: new events, events with
new claims or silent edits (said in a few words), and outlets that failed. Then every active
event, most outlets first, then most **disagreement**: of the claims at least two outlets carry,
how many are told differently — left out by an outlet that was read, given with other figures,
or told in different voices or at a distance. Omissions use the same presence rule as the event
views (:mod:`compare.view.presence`), so the index and the events agree.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from compare.errors import NotFoundError
from compare.models import READABLE_OUTCOMES
from compare.store import ClaimRecord, EventSummary, RunRecord, Store
from compare.view.build import PresenceContext, outlet_statuses, run_info
from compare.view.changes import build_changes
from compare.view.model import (
    PRESENCE_SAYS,
    SCHEMA_VERSION,
    Changes,
    EventHeader,
    IndexEntry,
    OutletFailure,
    OutletStatus,
    RunIndex,
    TopicLink,
)

__all__ = ["DISAGREEMENT_HELP", "build_index", "framing_digest"]

#: The one line every index says of its disagreement measure.
DISAGREEMENT_HELP = (
    "Disagreement: of the claims at least two outlets carry, how many they tell differently — with other "
    "figures, in different voices (own voice, attributed, hedged …) or at a distance. Omissions: how often "
    "an outlet that was read leaves out a claim two others carry."
)


def build_index(
    store: Store,
    *,
    run_id: int | None = None,
    now: datetime | None = None,
    context: PresenceContext | None = None,
    seed_urls: Collection[str] = (),
    topics: Sequence[TopicLink] = (),
) -> RunIndex:
    """The index of run ``run_id`` (default: the latest finished run): every active event that
    existed by then, flagged ``new`` or ``updated`` when that run created or changed it, and
    ``seed`` when one of ``seed_urls`` (or of the run's own ``seed_urls`` parameter) is among its
    articles."""
    run = store.run(run_id) if run_id is not None else store.current_run()
    if run_id is not None and run is None:
        raise NotFoundError(f"run {run_id} does not exist")
    context = context or PresenceContext.load(store, run=run)
    since = run_info(store.previous_run(run.id)) if run is not None else None
    seeds = set(seed_urls) | set((run.parameters.get("seed_urls") or []) if run is not None else [])
    summaries = store.event_summaries(created_by=run.id if run_id is not None and run else None)
    changed = store.events_changed_after(since.id) if since is not None else set()
    # Of each event's framing answer only its digest is read (the answer holds every passage's
    # framing: about a megabyte of JSON per event); one event at a time.
    entries = [
        _entry(store, context, s, _digest_of(store, s.event.id), run, since, seeds, changed)
        for s in summaries
    ]
    entries.sort(key=lambda e: (-e.n_outlets, -e.disagreement, -e.n_claims, e.event_id))
    return RunIndex(
        schema_version=SCHEMA_VERSION,
        generated_at=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
        run=run_info(run),
        entries=tuple(entries),
        since_run=since,
        failed_outlets=_failures(store, run, context),
        topics=tuple(topics),
    )


def framing_digest(framing: Mapping[str, Any] | None) -> dict[str, Any]:
    """What the index reads of an event's framing answer (``EventFraming`` as a dict): per claim
    the voices its carrying passages tell it in, the claims told at a distance (and how many
    passages do so) and the claims given with other figures. Stored beside the answer when the
    framing stage saves it; a digest of ``None`` (no framing yet) counts nothing."""
    voices: dict[str, set[str]] = defaultdict(set)
    distanced: set[str] = set()
    distancing = numbers = 0
    figures: set[str] = set()
    try:
        for row in (framing or {}).get("claims") or []:
            if row.get("presence") == PRESENCE_SAYS:
                label = ((row.get("passage") or {}).get("attribution") or {}).get("label")
                if label:
                    voices[str(row["claim_id"])].add(str(label))
                if label == "distancing":
                    distancing += 1
                    distanced.add(str(row["claim_id"]))
        disagreements = (framing or {}).get("disagreements") or []
        figures = {str(d["claim_id"]) for d in disagreements}
        numbers = len(disagreements)
    except (AttributeError, KeyError, TypeError):  # an answer of another shape counts nothing
        voices, distanced, distancing, figures, numbers = defaultdict(set), set(), 0, set(), 0
    return {
        "format": _DIGEST_FORMAT,
        "voices": {k: sorted(v) for k, v in sorted(voices.items())},
        "distanced": sorted(distanced),
        "distancing": distancing,
        "figures": sorted(figures),
        "numbers": numbers,
    }


#: The digest's shape; a stored digest of another format is made again from the whole answer.
_DIGEST_FORMAT = 1


def _digest_of(store: Store, event_id: int) -> Mapping[str, Any]:
    digest = store.event_framing_digest(event_id)
    if digest is not None and digest.get("format") == _DIGEST_FORMAT:
        return digest
    return framing_digest(store.event_framing([event_id]).get(event_id))  # stored before digests


def _entry(
    store: Store,
    context: PresenceContext,
    summary: EventSummary,
    digest: Mapping[str, Any],
    run: RunRecord | None,
    since: Any,
    seeds: set[str],
    changed: set[int],
) -> IndexEntry:
    event = summary.event
    articles = store.event_articles(event.id)
    outlets = outlet_statuses(store, context, event, articles)
    claims = store.claims_of(event.id)
    counts = _Counts.of(claims, outlets, digest)
    new = run is not None and event.created_run == run.id
    updated = not new and run is not None and (event.updated_run == run.id or event.id in changed)
    changes: tuple[str, ...] = ()
    if updated and since is not None:
        header = EventHeader(event.id, event.label, event.first_published, event.last_published,
                             event.status, event.created_run, event.updated_run)  # fmt: skip
        names = {o.id: o.name for o in outlets}
        changes = _summary(build_changes(store, header, articles, claims, since, names=names), names)
    return IndexEntry(
        event_id=event.id,
        label=event.label,
        first_published=event.first_published,
        last_published=event.last_published,
        n_outlets=summary.n_outlets,
        n_articles=summary.n_articles,
        n_claims=summary.n_claims,
        omissions=counts.omissions,
        number_disagreements=counts.numbers,
        distancing=counts.distancing,
        disagreement=counts.contested,
        new=new,
        updated=updated,
        shared_claims=counts.shared,
        seed=bool(seeds & {u for a in articles for u in (a.url, a.fetched_url) if u}),
        changes=changes,
    )


class _Counts:
    """The counts of one event the index shows, from its claims, outlets and framing digest."""

    def __init__(self) -> None:
        self.omissions = self.numbers = self.distancing = self.shared = self.contested = 0

    @classmethod
    def of(
        cls, claims: Sequence[ClaimRecord], outlets: Sequence[OutletStatus], digest: Mapping[str, Any]
    ) -> _Counts:
        out = cls()
        read = {o.id for o in outlets if o.read}
        voices = digest.get("voices") or {}
        distanced = set(digest.get("distanced") or ())
        figures = set(digest.get("figures") or ())
        out.distancing = int(digest.get("distancing") or 0)
        out.numbers = int(digest.get("numbers") or 0)
        for claim in claims:
            if len(claim.outlets) < 2:
                continue
            out.shared += 1
            out.omissions += len(read - set(claim.outlets))
            key = str(claim.id)
            if key in figures or key in distanced or len(voices.get(key, ())) > 1:
                out.contested += 1
        return out


_WORDS = {
    "new_claim": ("new claim", "new claims"),
    "outlet_added": ("claim newly carried", "claims newly carried"),
    "outlet_dropped": ("claim dropped", "claims dropped"),
    "reworded": ("sentence reworded", "sentences reworded"),
    "claim_retired": ("claim retired", "claims retired"),
}


def _summary(changes: Changes, names: Mapping[str, str]) -> tuple[str, ...]:
    """A few words per kind of change: "2 new claims", "EuroCast News edited its article"."""
    kinds = Counter(n.kind for n in changes.notes)
    out = []
    for kind, (one, many) in _WORDS.items():
        if kinds[kind]:
            out.append(f"{kinds[kind]} {one if kinds[kind] == 1 else many}")
    for note in changes.notes:
        if note.kind == "edited" and note.outlet_id:
            out.append(f"{names.get(note.outlet_id, note.outlet_id)} edited its article")
        elif note.kind == "new_outlet" and note.outlet_id:
            out.append(f"{names.get(note.outlet_id, note.outlet_id)} joined")
        elif note.kind == "retitled":
            out.append("title changed")
    return tuple(out)


def _failures(store: Store, run: RunRecord | None, context: PresenceContext) -> tuple[OutletFailure, ...]:
    """Outlets with failed fetches in the run (entirely: nothing of it was read)."""
    if run is None:
        return ()
    out = []
    for outlet_id, counts in sorted(store.run_outcome_counts(run.id).items()):
        failed = {k: v for k, v in counts.items() if k not in READABLE_OUTCOMES}
        if not failed:
            continue
        record = context.outlets.get(outlet_id)
        out.append(
            OutletFailure(
                outlet_id=outlet_id,
                name=record.name if record else outlet_id,
                outcomes=tuple(sorted(failed.items(), key=lambda kv: (-kv[1], kv[0]))),
                entirely=not any(k in READABLE_OUTCOMES for k in counts),
            )
        )
    out.sort(key=lambda f: (not f.entirely, f.name.lower()))
    return tuple(out)
