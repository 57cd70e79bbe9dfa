"""Build a :class:`~compare.report.model.Report` of one event from the store (read-only).

Sources, in order of trust:

* the claims and their aligned passages (``claims``, ``claim_passages``, ``passages``) and the
  articles they come from — every ``says`` cell is backed by a stored passage with offsets;
* the framing stage's per-event answer (``event_framing``): presence per claim × outlet, the
  diffs, attributions, the label ledger and the number disagreements. When it is missing (the
  framing stage has not run yet) the builder falls back to the per-passage ``framing`` rows and
  diffs the sentences itself, and leaves the ledger and numbers empty;
* the fetch log, to tell an outlet that *omits* something from one that could not be read.

"Changed since the last run" compares with the latest finished run before the one reported on,
or with ``since_run`` when given.
"""

from __future__ import annotations

import json
import logging
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from compare.framing.records import EventFraming, PassageFraming, from_dict
from compare.framing.wording import word_diff
from compare.report import queries as q
from compare.report.diff import condense, segments, text_diff
from compare.report.model import (
    PRESENCE_OMITS,
    PRESENCE_SAYS,
    SCHEMA_VERSION,
    ArticleRef,
    Changes,
    ClaimCell,
    ClaimRow,
    EditedArticle,
    EventHeader,
    LedgerConcept,
    LedgerTerm,
    NumberRow,
    NumberValues,
    OutletStatus,
    OutletVoices,
    Provenance,
    Report,
    ReprintGroup,
    RunInfo,
    UniqueClaim,
    VoiceCount,
)

if TYPE_CHECKING:
    from compare.store import Store

__all__ = ["build_event_report", "claim_id_map", "latest_event_id", "load_event_framing", "outlet_statuses"]

log = logging.getLogger(__name__)


def latest_event_id(store: Store) -> int | None:
    """The active event touched most recently (by run, then by publication); ``None`` if none."""
    row = store.db.execute(
        """SELECT id FROM events WHERE status = 'active'
           ORDER BY COALESCE(updated_run, created_run, 0) DESC, COALESCE(last_published, '') DESC, id DESC
           LIMIT 1"""
    ).fetchone()
    return int(row[0]) if row else None


def load_event_framing(data: Mapping[str, Any] | None) -> EventFraming | None:
    """Rebuild a stored EventFraming; ``None`` when absent. A malformed one is logged and skipped."""
    if data is None:
        return None
    try:
        return from_dict(EventFraming, data)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        log.warning("event framing record cannot be read (%s); reporting without it", exc)
        return None


def claim_id_map(framing: EventFraming | None, claim_rows: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Framing claim id → stored claim id, for the framing's claims that still exist.

    The store replaces an event's claims (new ids, and SQLite may hand an old id to a different
    claim) whenever alignment reruns, while an unchanged event may keep an older framing record.
    So a framing claim is matched to the stored claim with the same central passage; only a
    framing claim without a central row falls back to its id. One that matches nothing is left
    out, and the builder shows that claim from the aligned passages alone.
    """
    if framing is None:
        return {}
    stored = {str(c["id"]) for c in claim_rows}
    by_central = {
        (str(c["central_article"]), int(c["central_idx"])): str(c["id"])
        for c in claim_rows
        if c["central_article"] is not None
    }
    centrals = {
        r.claim_id: (r.article_id, int(r.passage_index))
        for r in framing.claims
        if r.central and r.article_id is not None and r.passage_index is not None
    }
    out: dict[str, str] = {}
    for claim_id in dict.fromkeys(r.claim_id for r in framing.claims):
        if claim_id in centrals:
            match = by_central.get(centrals[claim_id])
        else:
            match = claim_id if claim_id in stored else None
        if match is not None and match not in out.values():
            out[claim_id] = match
    stale = {r.claim_id for r in framing.claims} - set(out)
    if stale:
        log.warning(
            "framing record names %d claim(s) no longer stored; shown from alignment only", len(stale)
        )
    return out


def build_event_report(
    store: Store,
    event_id: int,
    *,
    since_run: int | None = None,
    now: datetime | None = None,
) -> Report:
    """The report of event ``event_id``; :class:`~compare.errors.NotFoundError` when unknown."""
    event = q.event_row(store, int(event_id))
    run = q.current_run(store)
    if since_run is not None:
        since: RunInfo | None = q.run_info(store, since_run)
    else:
        since = q.previous_run(store, run.id) if run is not None else None
    framing = load_event_framing(q.event_framing_data(store, [event["id"]]).get(int(event["id"])))

    article_rows = q.event_article_rows(store, int(event["id"]))
    cp_rows = q.claim_passage_rows(store, int(event["id"]))
    claim_rows = q.claim_rows(store, int(event["id"]))
    missing = {int(r["article_id"]) for r in cp_rows} - {int(a["id"]) for a in article_rows}
    extra = q.article_rows(store, missing) if missing else {}
    articles = {int(a["id"]): a for a in article_rows} | extra

    outlets = outlet_statuses(store, article_rows, framing=framing, run=run)
    order = [o.id for o in outlets]
    remap = claim_id_map(framing, claim_rows)
    claims = _claims(store, claim_rows, cp_rows, articles, framing, remap, outlets, since)
    header = EventHeader(
        id=int(event["id"]),
        label=event["label"],
        first_published=event["first_published"],
        last_published=event["last_published"],
        status=event["status"],
        created_run=event["created_run"],
        updated_run=event["updated_run"],
    )
    return Report(
        schema_version=SCHEMA_VERSION,
        generated_at=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
        run=run,
        event=header,
        outlets=outlets,
        articles=tuple(_article_ref(a) for a in article_rows),
        claims=claims,
        unique_claims=_unique(claims, n_covering=sum(o.covering for o in outlets)),
        ledger=_ledger(framing),
        numbers=_numbers(framing, remap),
        voices=_voices(store, framing, article_rows, order),
        reprints=_reprints(store, article_rows),
        changes=_changes(store, header, article_rows, claims, since),
    )


# --------------------------------------------------------------------------------------------
# outlets
# --------------------------------------------------------------------------------------------


def outlet_statuses(
    store: Store,
    article_rows: Sequence[Mapping[str, Any]],
    *,
    framing: EventFraming | None,
    run: RunInfo | None,
) -> tuple[OutletStatus, ...]:
    """Every expected outlet: the covering ones (most articles first), then the others with why.

    Expected = active outlets, plus any outlet that covers the event or that the framing stage
    reported on. An outlet that covers nothing is ``omitted`` when its pages were read in its
    latest run, else the most frequent failed fetch outcome, else ``not_fetched``.
    """
    known = q.outlet_rows(store)
    n_articles = Counter(str(a["outlet_id"]) for a in article_rows)
    framed_state: dict[str, str] = {}
    for cell in framing.claims if framing else ():
        if cell.presence != PRESENCE_SAYS:
            framed_state.setdefault(cell.outlet_id, cell.presence)
    expected = {o for o, r in known.items() if r.get("active", 1)} | set(n_articles) | set(framed_state)
    outcomes = q.fetch_outcomes(store, up_to_run=run.id if run else None)
    out = []
    for outlet_id in expected:
        row = known.get(outlet_id, {})
        counts = outcomes.get(outlet_id, {})
        covering = n_articles[outlet_id] > 0
        reason: str | None = None
        if not covering:
            if any(k in q.READABLE_OUTCOMES for k in counts):
                reason = "omitted"
            elif counts:
                reason = max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0]
            elif outlet_id in framed_state:
                state = framed_state[outlet_id]
                reason = "omitted" if state == PRESENCE_OMITS else state
            else:
                reason = "not_fetched"
        ownership = row.get("ownership") or {}
        out.append(
            OutletStatus(
                id=outlet_id,
                name=row.get("name") or outlet_id,
                covering=covering,
                reason=reason,
                n_articles=n_articles[outlet_id],
                groups=tuple(row.get("groups") or ()),
                owner=ownership.get("owner") if isinstance(ownership, dict) else None,
                fetch_outcomes=tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
            )
        )
    out.sort(key=lambda o: (not o.covering, -o.n_articles, o.name.lower(), o.id))
    return tuple(out)


def _article_ref(row: Mapping[str, Any]) -> ArticleRef:
    return ArticleRef(
        id=int(row["id"]),
        outlet_id=row["outlet_id"],
        url=row["url"],
        title=row["title"],
        version=int(row["version"]),
        published_at=row["published_at"],
        fetched_at=row["snapshot_fetched_at"],
        snapshot_sha256=row["snapshot_sha256"],
        reprint_of=row["reprint_of"],
    )


# --------------------------------------------------------------------------------------------
# claims
# --------------------------------------------------------------------------------------------


def _claims(
    store: Store,
    claim_rows: Sequence[Mapping[str, Any]],
    cp_rows: Sequence[Mapping[str, Any]],
    articles: Mapping[int, Mapping[str, Any]],
    framing: EventFraming | None,
    remap: Mapping[str, str],
    outlets: Sequence[OutletStatus],
    since: RunInfo | None,
) -> tuple[ClaimRow, ...]:
    """One row per claim, one cell per expected outlet, in the order of ``outlets``."""
    members: dict[int, dict[str, list[Mapping[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for row in cp_rows:
        members[int(row["claim_id"])][str(row["outlet_id"])].append(row)
    framed = (
        {(remap[r.claim_id], r.outlet_id): r for r in framing.claims if r.claim_id in remap}
        if framing
        else {}
    )
    # Passages the framing stage points at, which may be outside claim_passages.
    wanted = {
        (int(r.article_id), int(r.passage_index))
        for r in framed.values()
        if r.presence == PRESENCE_SAYS and r.article_id is not None and r.passage_index is not None
    }
    passages: dict[tuple[int, int], Mapping[str, Any]] = {}
    passages.update(q.passage_rows(store, wanted) if wanted else {})
    passages.update({(int(r["article_id"]), int(r["idx"])): r for r in cp_rows})
    fallback = q.framing_rows(store, {int(r["passage_id"]) for r in cp_rows}) if not framing else {}
    absent = {o.id: PRESENCE_OMITS if o.covering or o.reason == "omitted" else str(o.reason) for o in outlets}

    out = []
    for claim in claim_rows:
        cid = int(claim["id"])
        central_key = (
            (int(claim["central_article"]), int(claim["central_idx"]))
            if claim["central_article"] is not None
            else None
        )
        central_text = claim["central_text"] or ""
        central_outlet = (
            str(articles[central_key[0]]["outlet_id"]) if central_key and central_key[0] in articles else None
        )
        cells = []
        for outlet, absent_presence in absent.items():
            fr = framed.get((str(cid), outlet))
            rows = members[cid].get(outlet, [])
            if fr is not None and fr.presence == PRESENCE_SAYS:
                key = (int(fr.article_id or 0), int(fr.passage_index or 0))
                passage = passages.get(key)
                if passage is None:
                    log.warning("claim %s: passage %s of the framing is not stored", cid, key)
                    cells.append(ClaimCell(outlet_id=outlet, presence=absent_presence))
                    continue
                cells.append(
                    _says(
                        outlet,
                        passage,
                        articles,
                        central_text=central_text,
                        is_central=fr.central or key == central_key,
                        similarity=fr.similarity,
                        reprint=fr.reprint,
                        pf=fr.passage,
                        diff_ops=fr.diff,
                        attribution_row=None,
                    )
                )
            elif rows and fr is None:
                best = next((r for r in rows if (int(r["article_id"]), int(r["idx"])) == central_key), None)
                best = best or max(rows, key=lambda r: r["similarity"] or 0.0)
                key = (int(best["article_id"]), int(best["idx"]))
                cells.append(
                    _says(
                        outlet,
                        best,
                        articles,
                        central_text=central_text,
                        is_central=key == central_key,
                        similarity=best["similarity"],
                        reprint=bool(best["reprint"]),
                        pf=None,
                        diff_ops=None,
                        attribution_row=fallback.get(int(best["passage_id"])),
                    )
                )
            else:
                presence = fr.presence if fr is not None else absent_presence
                cells.append(ClaimCell(outlet_id=outlet, presence=presence))
        out.append(
            ClaimRow(
                id=cid,
                key=str(claim["key"]),
                central_sentence=central_text,
                central_outlet=central_outlet,
                n_outlets=int(claim["n_outlets"]),
                is_unique=bool(claim["is_unique"]),
                is_new=since is not None and (claim["created_run"] or 0) > since.id,
                cells=tuple(cells),
            )
        )
    return tuple(out)


def _says(
    outlet: str,
    passage: Mapping[str, Any],
    articles: Mapping[int, Mapping[str, Any]],
    *,
    central_text: str,
    is_central: bool,
    similarity: float | None,
    reprint: bool,
    pf: PassageFraming | None,
    diff_ops: Sequence[Any] | None,
    attribution_row: Mapping[str, Any] | None,
) -> ClaimCell:
    text = str(passage["text"])
    article = articles.get(int(passage["article_id"]))
    provenance = None
    if article is not None:
        provenance = Provenance(
            article_id=int(article["id"]),
            url=article["url"],
            version=int(article["version"]),
            fetched_at=article["snapshot_fetched_at"],
            snapshot_sha256=article["snapshot_sha256"],
            start=int(passage["start"]),
            end=int(passage["end"]),
            passage_index=int(passage["idx"]),
        )
    if is_central:
        diff: tuple[Any, ...] = ()
    else:
        ops = diff_ops if diff_ops else word_diff(central_text, text)
        diff = segments(central_text, text, ops)
    attribution = speaker = prominence = None
    loaded: tuple[str, ...] = ()
    if pf is not None:
        attribution, speaker, prominence = pf.attribution.label, pf.attribution.speaker, pf.prominence
        loaded = tuple(dict.fromkeys(t.term for t in pf.loaded))
    elif attribution_row is not None:
        attribution = attribution_row["attribution"]
        speaker = attribution_row["speaker"]
        prominence = attribution_row["prominence"]
        try:
            data = json.loads(attribution_row["data"] or "{}")
            loaded = tuple(dict.fromkeys(str(t["term"]) for t in data.get("loaded", [])))
        except (ValueError, TypeError, KeyError):
            loaded = ()
    return ClaimCell(
        outlet_id=outlet,
        presence=PRESENCE_SAYS,
        attribution=attribution,
        speaker=speaker,
        prominence=prominence,
        sentence=text,
        diff=diff,
        similarity=float(similarity) if similarity is not None else None,
        reprint=reprint,
        central=is_central,
        loaded=loaded,
        provenance=provenance,
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
    for concept, per_outlet in framing.ledger.entries.items():
        terms = tuple(
            LedgerTerm(outlet, term, int(count))
            for outlet, counts in sorted(per_outlet.items())
            for term, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        )
        distinct = {t.term.lower() for t in terms}
        discovered = concept.startswith("~")
        name = concept[1:] if discovered else concept
        out.append(LedgerConcept(name, discovered, terms, len(distinct) > 1))
    out.sort(key=lambda c: (not c.disagree, c.discovered, c.concept.lower()))
    return tuple(out)


def _numbers(framing: EventFraming | None, remap: Mapping[str, str]) -> tuple[NumberRow, ...]:
    if framing is None:
        return ()
    rows = []
    for d in framing.disagreements:
        if d.claim_id not in remap:
            continue
        claim_id = int(remap[d.claim_id])
        values = tuple(NumberValues(o, tuple(float(v) for v in vs)) for o, vs in sorted(d.values.items()))
        rows.append(NumberRow(claim_id, d.counts, d.unit, values))
    return tuple(rows)


def _voices(
    store: Store,
    framing: EventFraming | None,
    article_rows: Sequence[Mapping[str, Any]],
    order: Sequence[str],
) -> tuple[OutletVoices, ...]:
    if framing is not None:
        passages: Sequence[PassageFraming] = framing.passages
    else:
        ids = [int(a["id"]) for a in article_rows]
        marks = ",".join("?" * len(ids)) or "NULL"
        rows = store.db.query(
            f"""SELECT f.data FROM framing f JOIN passages p ON p.id = f.passage_id
                WHERE p.article_id IN ({marks})""",
            ids,
        )
        passages = []
        for row in rows:
            try:
                passages.append(from_dict(PassageFraming, json.loads(row["data"])))
            except (TypeError, ValueError, KeyError, AttributeError):
                continue
    counts: dict[str, Counter[tuple[str, str, bool]]] = defaultdict(Counter)
    for pf in passages:
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


def _reprints(store: Store, article_rows: Sequence[Mapping[str, Any]]) -> tuple[ReprintGroup, ...]:
    copies: dict[int, list[Mapping[str, Any]]] = defaultdict(list)
    for row in article_rows:
        if row["reprint_of"] is not None:
            copies[int(row["reprint_of"])].append(row)
    if not copies:
        return ()
    origins = {int(a["id"]): a for a in article_rows}
    missing = set(copies) - set(origins)
    origins |= q.article_rows(store, missing) if missing else {}
    groups = []
    for origin_id, rows in sorted(copies.items()):
        origin = origins.get(origin_id)
        if origin is None:
            continue
        groups.append(ReprintGroup(_article_ref(origin), tuple(_article_ref(r) for r in rows)))
    groups.sort(key=lambda g: (-len(g.copies), g.origin.id))
    return tuple(groups)


# --------------------------------------------------------------------------------------------
# changes since the last run
# --------------------------------------------------------------------------------------------


def _changes(
    store: Store,
    event: EventHeader,
    article_rows: Sequence[Mapping[str, Any]],
    claims: Sequence[ClaimRow],
    since: RunInfo | None,
) -> Changes:
    """New outlets, new claims and edited articles of the event after run ``since``.

    A brand-new event lists no new outlets or claims: all of it is new.
    """
    if since is None:
        return Changes(since_run=None, new_event=True)
    new_event = (event.created_run or 0) > since.id
    first_linked: dict[str, int] = {}
    for row in article_rows:
        linked = int(row["linked_run"] or 0)
        outlet = str(row["outlet_id"])
        first_linked[outlet] = min(first_linked.get(outlet, linked), linked)
    new_outlets = () if new_event else tuple(sorted(o for o, r in first_linked.items() if r > since.id))
    new_claims = () if new_event else tuple(c.id for c in claims if c.is_new)
    return Changes(
        since_run=since,
        new_event=new_event,
        new_outlets=new_outlets,
        new_claims=new_claims,
        edited=_edited(store, article_rows, since),
    )


def _edited(
    store: Store, article_rows: Sequence[Mapping[str, Any]], since: RunInfo
) -> tuple[EditedArticle, ...]:
    """Articles of the event stored as a new version of an older text after run ``since``."""
    changed = [r for r in article_rows if r["previous_id"] is not None and int(r["run_id"] or 0) > since.id]
    if not changed:
        return ()
    previous = q.article_rows(store, {int(r["previous_id"]) for r in changed})
    out = []
    for row in changed:
        old = previous.get(int(row["previous_id"]))
        if old is None:
            continue
        out.append(
            EditedArticle(
                article_id=int(row["id"]),
                previous_id=int(old["id"]),
                outlet_id=str(row["outlet_id"]),
                url=row["url"],
                version=int(row["version"]),
                before=old["text"],
                after=row["text"],
                diff=condense(text_diff(old["text"], row["text"])),
            )
        )
    return tuple(out)
