"""What changed in an event since a run, said in words a fact-checker reads at a glance.

From the store's history: the claims' changes (``claim_changes``: a new claim and who carries it,
an outlet that newly carries or dropped a claim, a member reworded, a claim retired), the
grouping stage's (``event_changes``: a new title), and the articles stored as a new version of
an older text (a silent edit, and the claims its changed sentences touched).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

from compare.store import ArticleRecord, ClaimRecord, Store
from compare.view.diff import condense, text_diff
from compare.view.model import ChangeNote, Changes, EditedArticle, EventHeader, RunInfo

__all__ = ["build_changes"]

_QUOTE_CHARS = 90
#: How each kind of stored claim change reads: (note kind, text with {who}, {said}, {id}, {quote}).
_CLAIM_NOTES = {
    "new": ("new_claim", "New {said}, carried by {who}."),
    "outlet_added": ("outlet_added", "{who} now carries {said}."),
    "outlet_dropped": ("outlet_dropped", "{who} no longer carries {said}."),
    "reworded": ("reworded", "{who} reworded its sentence in {said}."),
    "retired": (
        "claim_retired",
        "Claim {id}{quote} no longer stands: its sentences were removed or now belong to other claims.",
    ),
}


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return f"“{text[: _QUOTE_CHARS - 1]}…”" if len(text) > _QUOTE_CHARS else f"“{text}”"


def _list(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def build_changes(
    store: Store,
    event: EventHeader,
    articles: Sequence[ArticleRecord],
    claims: Sequence[ClaimRecord],
    since: RunInfo | None,
    *,
    names: Mapping[str, str],
) -> Changes:
    """The changes of ``event`` after run ``since``. A brand-new event is all new: one note."""
    if since is None:
        return Changes(since_run=None, new_event=True)
    if (event.created_run or 0) > since.id:
        note = ChangeNote("new_event", f"New event since run {since.id}: {len(claims)} claims.")
        return Changes(since_run=since, new_event=True, notes=(note,))
    notes: list[ChangeNote] = []
    for retitle in store.event_changes(event.id, after_run=since.id):
        if retitle.kind == "retitle":
            before = retitle.details.get("before") or "untitled"
            after = retitle.details.get("after") or "untitled"
            notes.append(ChangeNote("retitled", f"Title changed from “{before}” to “{after}”."))
    first_linked: dict[str, int] = {}
    for a in articles:
        first_linked[a.outlet_id] = min(first_linked.get(a.outlet_id, a.linked_run or 0), a.linked_run or 0)
    new_outlets = tuple(sorted(o for o, r in first_linked.items() if r > since.id))
    for outlet in new_outlets:
        text = f"{names.get(outlet, outlet)} now covers this event."
        notes.append(ChangeNote("new_outlet", text, outlet_id=outlet))
    claim_notes, touched = _claim_notes(store, event.id, claims, since, names)
    notes += claim_notes
    edited = _edited(store, articles, since)
    for e in edited:
        hit = tuple(sorted(touched.get(e.outlet_id, ())))
        also = f"; it touches claim{'s' * (len(hit) != 1)} {', '.join(map(str, hit))}" if hit else ""
        who = names.get(e.outlet_id, e.outlet_id)
        text = f"{who} changed its article at the same URL (version {e.version}){also}."
        notes.append(ChangeNote("edited", text, outlet_id=e.outlet_id, article_id=e.article_id, claims=hit))
    return Changes(
        since_run=since,
        new_event=False,
        notes=tuple(notes),
        new_outlets=new_outlets,
        new_claims=tuple(n.claim_id for n in claim_notes if n.kind == "new_claim" and n.claim_id is not None),
        edited=edited,
    )


def _claim_notes(
    store: Store, event_id: int, claims: Sequence[ClaimRecord], since: RunInfo, names: Mapping[str, str]
) -> tuple[list[ChangeNote], dict[str, set[int]]]:
    """The notes of the claims' stored changes, and per outlet the claims its changes touched."""
    changes = store.claim_changes(event_id, after_run=since.id)
    retired = [store.claim(c.claim_id) for c in changes if c.kind == "retired"]
    quoted = [*claims, *(c for c in retired if c is not None)]
    central = store.passages(c.central_passage_id for c in quoted if c.central_passage_id)
    text_of = {c.id: central[c.central_passage_id].text for c in quoted if c.central_passage_id in central}
    by_id = {c.id: c for c in claims}
    notes: list[ChangeNote] = []
    touched: dict[str, set[int]] = defaultdict(set)
    # An edit can reword two sentences of one outlet in one claim (its headline and its lead): one note.
    rewordings = Counter((c.claim_id, c.outlet_id) for c in changes if c.kind == "reworded")
    said_once: set[tuple[int, str | None]] = set()
    for change in changes:
        claim = by_id.get(change.claim_id)
        if change.kind not in _CLAIM_NOTES or (claim is None and change.kind != "retired"):
            continue
        if change.kind == "reworded":
            if (change.claim_id, change.outlet_id) in said_once:
                continue
            said_once.add((change.claim_id, change.outlet_id))
        if claim is not None:
            for outlet in (
                [change.outlet_id] if change.outlet_id else claim.outlets if change.kind == "new" else ()
            ):
                touched[outlet].add(change.claim_id)
        quote = f" {_quote(text_of[change.claim_id])}" if change.claim_id in text_of else ""
        said = f"claim {change.claim_id}{quote}"
        who = names.get(change.outlet_id or "", change.outlet_id or "")
        if change.kind == "new" and claim is not None:
            who = _list([names.get(o, o) for o in claim.outlets]) or "no outlet"
        kind, template = _CLAIM_NOTES[change.kind]
        text = template.format(who=who, said=said, id=change.claim_id, quote=quote)
        if change.kind == "reworded" and (n := rewordings[(change.claim_id, change.outlet_id)]) > 1:
            text = f"{who} reworded {n} of its sentences in {said}."
        notes.append(ChangeNote(kind, text, claim_id=change.claim_id, outlet_id=change.outlet_id))
    return notes, touched


def _edited(store: Store, articles: Sequence[ArticleRecord], since: RunInfo) -> tuple[EditedArticle, ...]:
    """Articles of the event stored as a new version of an older text after run ``since``."""
    changed = [a for a in articles if a.previous_id is not None and (a.run_id or 0) > since.id]
    if not changed:
        return ()
    previous = store.articles(a.previous_id for a in changed if a.previous_id is not None)
    out = []
    for a in changed:
        old = previous.get(a.previous_id or -1)
        if old is None:
            continue
        out.append(
            EditedArticle(
                article_id=a.id,
                previous_id=old.id,
                outlet_id=a.outlet_id,
                url=a.url,
                version=a.version,
                before=old.text,
                after=a.text,
                diff=condense(text_diff(old.text, a.text)),
            )
        )
    return tuple(out)
