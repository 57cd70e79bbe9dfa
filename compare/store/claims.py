"""Claims: aligned passages across outlets, with ids that survive re-alignment.

A re-aligned event's new claims are matched to its stored ones by membership: a member is a
passage's identity — its article's URL and its text's hash — so a claim whose members
substantially persist (at least half of the smaller side, matched greedily, best overlap first)
keeps its id, and its row is updated. A stored claim that nothing matches is *retired*, never
deleted, so a link to it can still say where it went. Every change is written to
``claim_changes``: a new claim, an outlet that newly carries or dropped one, a member reworded by
an edit, a retired claim.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlite_utils import Database

from compare.store.db import last_pk, to_json, utcnow
from compare.store.records import ClaimChange, ClaimMemberRecord, ClaimRecord, PassageRecord

__all__ = ["MATCH_OVERLAP", "ClaimInput", "ClaimsMixin"]

#: Share of the smaller membership two claims must share to be the same claim.
MATCH_OVERLAP = 0.5

_CLAIM_COLUMNS = (
    "c.id, c.event_id, c.key, c.status, c.central_passage_id, c.n_outlets, c.is_unique,"
    " c.created_run, c.updated_run, c.outlets"
)


@dataclass(frozen=True)
class ClaimInput:
    """One claim as the alignment stage made it: its own key, central passage and members
    (passage row id, similarity to the claim, reprint flag)."""

    key: str
    central_passage_id: int | None
    members: tuple[tuple[int, float | None, bool], ...]


def _claim(row: Sequence[object]) -> ClaimRecord:
    try:
        outlets = json.loads(str(row[9] or "[]"))
    except ValueError:
        outlets = []
    return ClaimRecord(
        id=int(row[0]),  # type: ignore[call-overload]
        event_id=int(row[1]),  # type: ignore[call-overload]
        key=str(row[2]),
        status=str(row[3]),
        central_passage_id=row[4],  # type: ignore[arg-type]
        n_outlets=int(row[5]),  # type: ignore[call-overload]
        is_unique=bool(row[6]),
        created_run=row[7],  # type: ignore[arg-type]
        updated_run=row[8],  # type: ignore[arg-type]
        outlets=tuple(str(o) for o in outlets) if isinstance(outlets, list) else (),
    )


def _membership_key(identities: Iterable[tuple[str, str]]) -> str:
    joined = "\n".join(sorted(f"{url}|{h}" for url, h in identities))
    return "m-" + hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]


def _members(passage_ids: Iterable[int], ident: Mapping[int, tuple[str, str, str]]) -> set[tuple[str, str]]:
    """The identities (article URL, text hash) of these passages."""
    return {(ident[p][1], ident[p][2]) for p in passage_ids if p in ident}


@dataclass(frozen=True)
class _Rewrite:
    """One claim being written: the aligner's claim, its members' identities, those of the stored
    claim it continues (empty for a new one), and every passage's (outlet, URL, hash)."""

    claim: ClaimInput
    members: set[tuple[str, str]]
    previous: set[tuple[str, str]]
    identities: Mapping[int, tuple[str, str, str]]

    @property
    def outlets(self) -> list[str]:
        return sorted({self.identities[m[0]][0] for m in self.claim.members if m[0] in self.identities})


def _match(old: dict[int, set[tuple[str, str]]], new: list[set[tuple[str, str]]]) -> dict[int, int]:
    """New claim index -> stored claim id, greedily by overlap (then Jaccard), each used once."""
    candidates = []
    for claim_id, members in old.items():
        for i, wanted in enumerate(new):
            shared = len(members & wanted)
            if shared and shared / min(len(members), len(wanted)) >= MATCH_OVERLAP:
                jaccard = shared / len(members | wanted)
                candidates.append((shared / min(len(members), len(wanted)), jaccard, -claim_id, i, claim_id))
    candidates.sort(reverse=True)
    out: dict[int, int] = {}
    used: set[int] = set()
    for *_, i, claim_id in candidates:
        if i not in out and claim_id not in used:
            out[i] = claim_id
            used.add(claim_id)
    return out


class ClaimsMixin:
    _db: Database

    def _identities(self, passage_ids: Iterable[int]) -> dict[int, tuple[str, str, str]]:
        """Passage id -> (outlet, article URL, text hash)."""
        wanted = list(dict.fromkeys(int(p) for p in passage_ids))
        out: dict[int, tuple[str, str, str]] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            for pid, outlet, url, text_hash in self._db.execute(
                f"""SELECT p.id, a.outlet_id, a.url, p.text_hash FROM passages p
                    JOIN articles a ON a.id = p.article_id WHERE p.id IN ({",".join("?" * len(chunk))})""",
                chunk,
            ).fetchall():
                out[int(pid)] = (str(outlet), str(url), str(text_hash))
        return out

    def save_claims(
        self, event_id: int, claims: Sequence[ClaimInput], *, run_id: int | None
    ) -> dict[str, int]:
        """Store an event's claims, keeping the ids of those that persist; returns key -> claim id."""
        with self._db.atomic():
            old_rows = {c.id: c for c in self.claims_of(event_id)}
            old_members: dict[int, list[int]] = defaultdict(list)
            for claim_id, pid in self._db.execute(
                """SELECT cp.claim_id, cp.passage_id FROM claim_passages cp
                   JOIN claims c ON c.id = cp.claim_id WHERE c.event_id = ? AND c.status = 'active'""",
                [event_id],
            ).fetchall():
                old_members[int(claim_id)].append(int(pid))
            ident = self._identities(
                [p for ps in old_members.values() for p in ps] + [m[0] for c in claims for m in c.members]
            )
            old = {cid: _members(pids, ident) for cid, pids in old_members.items()}
            new = [_members((m[0] for m in c.members), ident) for c in claims]
            matched = _match(old, new)
            # Keys are unique per event: park the old ones while the new ones are written.
            self._db.execute(
                "UPDATE claims SET key = '~' || id WHERE event_id = ? AND status = 'active'", [event_id]
            )
            out: dict[str, int] = {}
            keys: Counter[str] = Counter()
            for i, claim in enumerate(claims):
                before = old_rows.get(matched[i]) if i in matched else None
                change = _Rewrite(claim, new[i], old.get(before.id, set()) if before else set(), ident)
                # Two claims can have the same identities (one sentence repeated in an article, each
                # copy in a claim of its own): the key stays unique in the event.
                key = _membership_key(change.members)
                keys[key] += 1
                key = key if keys[key] == 1 else f"{key}-{keys[key]}"
                out[claim.key] = self._write_claim(event_id, change, before, key=key, run_id=run_id)
            for claim_id in set(old_rows) - set(matched.values()):
                self._db.execute(
                    "UPDATE claims SET status = 'retired', updated_run = ? WHERE id = ?", [run_id, claim_id]
                )
                self._db.execute("DELETE FROM claim_passages WHERE claim_id = ?", [claim_id])
                self._claim_change(run_id, event_id, claim_id, "retired")
        return out

    def _write_claim(
        self, event_id: int, change: _Rewrite, before: ClaimRecord | None, *, key: str, run_id: int | None
    ) -> int:
        """Insert a new claim, or update the stored one it continues; record what changed."""
        claim, outlets = change.claim, change.outlets
        values = {
            "key": key,
            "central_passage_id": claim.central_passage_id,
            "n_outlets": len(outlets),
            "is_unique": int(len(outlets) <= 1),
            "outlets": to_json(outlets),
        }
        if before is None:
            row = {"event_id": event_id, "created_run": run_id, "updated_run": run_id, **values}
            claim_id = last_pk(self._db.table("claims").insert(row))
            self._claim_change(run_id, event_id, claim_id, "new")
        else:
            claim_id = before.id
            changed = (
                change.previous != change.members or before.central_passage_id != claim.central_passage_id
            )
            self._db.table("claims").update(
                claim_id, {**values, **({"updated_run": run_id} if changed else {})}
            )
            self._outlet_changes(run_id, event_id, claim_id, before.outlets, outlets)
            self._rewordings(run_id, event_id, claim_id, change)
            self._db.execute("DELETE FROM claim_passages WHERE claim_id = ?", [claim_id])
        self._db.table("claim_passages").insert_all(
            [
                {"claim_id": claim_id, "passage_id": p, "similarity": sim, "reprint": int(r)}
                for p, sim, r in claim.members
            ],
            replace=True,
        )
        return claim_id

    def _claim_change(
        self, run_id: int | None, event_id: int, claim_id: int, kind: str, outlet_id: str | None = None
    ) -> None:
        self._db.execute(
            """INSERT INTO claim_changes (run_id, event_id, claim_id, kind, outlet_id, at)
               VALUES (?, ?, ?, ?, ?, ?)""",
            [run_id, event_id, claim_id, kind, outlet_id, utcnow()],
        )

    def _outlet_changes(
        self, run_id: int | None, event_id: int, claim_id: int, before: Sequence[str], after: Sequence[str]
    ) -> None:
        for outlet in sorted(set(after) - set(before)):
            self._claim_change(run_id, event_id, claim_id, "outlet_added", outlet)
        for outlet in sorted(set(before) - set(after)):
            self._claim_change(run_id, event_id, claim_id, "outlet_dropped", outlet)

    def _rewordings(self, run_id: int | None, event_id: int, claim_id: int, change: _Rewrite) -> None:
        """An article URL in the claim before and after whose sentence changed: an edit reworded it."""
        before, after = change.previous, change.members
        old_urls = {url: h for url, h in before}
        outlet_of = {(url, h): outlet for outlet, url, h in change.identities.values()}
        for url, h in sorted(after):
            if url in old_urls and old_urls[url] != h and (url, old_urls[url]) not in after:
                self._claim_change(run_id, event_id, claim_id, "reworded", outlet_of.get((url, h)))

    # -- reading claims ---------------------------------------------------------------------------

    def claims_of(self, event_id: int, *, status: str = "active") -> list[ClaimRecord]:
        """The event's claims (active ones by default), widest first."""
        return [
            _claim(r)
            for r in self._db.execute(
                f"""SELECT {_CLAIM_COLUMNS} FROM claims c WHERE c.event_id = ? AND c.status = ?
                    ORDER BY c.n_outlets DESC, c.id""",
                [event_id, status],
            ).fetchall()
        ]

    def claim(self, claim_id: int) -> ClaimRecord | None:
        """The claim with this id (active or retired), or ``None``."""
        row = self._db.execute(f"SELECT {_CLAIM_COLUMNS} FROM claims c WHERE c.id = ?", [claim_id]).fetchone()
        return _claim(row) if row else None

    def claim_members(self, event_id: int) -> list[ClaimMemberRecord]:
        """Every passage aligned to an active claim of the event, best aligned first per claim."""
        rows = self._db.execute(
            """SELECT cp.claim_id, p.id, p.article_id, p.idx, p.start, p."end", p.kind, p.text, p.text_hash,
                      a.outlet_id, cp.similarity, cp.reprint
               FROM claim_passages cp JOIN claims c ON c.id = cp.claim_id
               JOIN passages p ON p.id = cp.passage_id JOIN articles a ON a.id = p.article_id
               WHERE c.event_id = ? AND c.status = 'active'
               ORDER BY cp.claim_id, COALESCE(cp.similarity, 0) DESC, p.id""",
            [event_id],
        ).fetchall()
        return [
            ClaimMemberRecord(
                claim_id=int(r[0]),
                passage=PassageRecord(*r[1:9]),
                outlet_id=str(r[9]),
                similarity=r[10],
                reprint=bool(r[11]),
            )
            for r in rows
        ]

    def claims_of_passages(self, passage_ids: Iterable[int]) -> dict[int, tuple[int, int, int]]:
        """Passage id -> (claim id, event id, outlets carrying the claim) for passages in an active
        claim of an active event."""
        wanted = list(dict.fromkeys(int(p) for p in passage_ids))
        out: dict[int, tuple[int, int, int]] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            for pid, cid, eid, n in self._db.execute(
                f"""SELECT cp.passage_id, c.id, c.event_id, c.n_outlets FROM claim_passages cp
                    JOIN claims c ON c.id = cp.claim_id AND c.status = 'active'
                    JOIN events e ON e.id = c.event_id AND e.status = 'active'
                    WHERE cp.passage_id IN ({",".join("?" * len(chunk))}) ORDER BY cp.passage_id, c.id""",
                chunk,
            ).fetchall():
                out.setdefault(int(pid), (int(cid), int(eid), max(1, int(n or 1))))
        return out

    def claim_changes(self, event_id: int, *, after_run: int) -> list[ClaimChange]:
        """What the runs after ``after_run`` changed about the event's claims, in order."""
        return [
            ClaimChange(run_id=r[0], event_id=int(r[1]), claim_id=int(r[2]), kind=str(r[3]), outlet_id=r[4])
            for r in self._db.execute(
                """SELECT run_id, event_id, claim_id, kind, outlet_id FROM claim_changes
                   WHERE event_id = ? AND run_id > ? ORDER BY id""",
                [event_id, after_run],
            ).fetchall()
        ]
