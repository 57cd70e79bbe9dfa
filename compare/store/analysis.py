"""Events, claims and framing rows: what the analysis stages concluded.

Events keep two ids: the integer ``id`` that reports and URLs use, and the grouping stage's own
``key``; ``state`` holds the stage's JSON summary of the event (its centroid and term profile), so
a nightly run attaches new articles without re-reading old ones.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlite_utils import Database

from compare.store.db import last_pk, to_json, utcnow

__all__ = ["AnalysisMixin", "ClaimRow"]

ClaimRow = tuple[str, int | None, Sequence[tuple[int, float | None, bool]]]
"""(claim key, central passage row id, [(passage row id, similarity, reprint)])."""


class AnalysisMixin:
    db: Database

    # -- events -----------------------------------------------------------------------------

    def event_states(self) -> list[dict[str, Any]]:
        """Active events with their stage state (JSON decoded) and member article ids."""
        rows = list(self.db.query("SELECT id, key, state FROM events WHERE status = 'active'"))
        members: dict[int, list[int]] = {}
        for r in self.db.query("SELECT event_id, article_id FROM event_articles ORDER BY article_id"):
            members.setdefault(r["event_id"], []).append(r["article_id"])
        for row in rows:
            row["state"] = json.loads(row["state"]) if row["state"] else None
            row["article_ids"] = members.get(row["id"], [])
        return rows

    def event_id_for_key(self, key: str) -> int | None:
        row = self.db.execute("SELECT id FROM events WHERE key = ?", [key]).fetchone()
        return int(row[0]) if row else None

    def save_event(
        self,
        *,
        key: str,
        label: str | None,
        state: Mapping[str, Any],
        members: Mapping[int, float | None],
        first_published: str | None,
        last_published: str | None,
        run_id: int | None,
    ) -> int:
        """Insert or update one event and replace its membership; returns the event's id."""
        with self.db.atomic():
            event_id = self.event_id_for_key(key)
            values = {
                "label": label,
                "state": to_json(state),
                "first_published": first_published,
                "last_published": last_published,
                "updated_run": run_id,
                "status": "active",
                "merged_into": None,
            }
            if event_id is None:
                event_id = last_pk(
                    self.db.table("events").insert({"key": key, "created_run": run_id, **values})
                )
            else:
                self.db.table("events").update(event_id, values)
            self.db.execute("DELETE FROM event_articles WHERE event_id = ?", [event_id])
            self.db.table("event_articles").insert_all(
                [
                    {"event_id": event_id, "article_id": a, "similarity": s, "run_id": run_id}
                    for a, s in members.items()
                ],
                replace=True,
            )
        return event_id

    def retire_event(self, key: str, *, merged_into: int | None, run_id: int | None) -> None:
        """An event folded into another (or emptied) stops being active; its rows stay."""
        with self.db.atomic():
            event_id = self.event_id_for_key(key)
            if event_id is None:
                return
            self.db.table("events").update(
                event_id, {"status": "merged", "merged_into": merged_into, "updated_run": run_id}
            )
            self.db.execute("DELETE FROM event_articles WHERE event_id = ?", [event_id])

    def record_event_change(
        self, *, run_id: int | None, kind: str, event_id: int | None, other_event_id: int | None,
        details: Mapping[str, Any],
    ) -> None:  # fmt: skip
        with self.db.atomic():
            self.db.table("event_changes").insert(
                {
                    "run_id": run_id,
                    "kind": kind,
                    "event_id": event_id,
                    "other_event_id": other_event_id,
                    "details": to_json(dict(details)),
                    "at": utcnow(),
                }
            )

    def event_of_url(self, url: str) -> int | None:
        """The event of the latest version of the article fetched from (or canonical at) ``url``."""
        row = self.db.execute(
            """SELECT ea.event_id FROM articles a JOIN event_articles ea ON ea.article_id = a.id
               WHERE a.fetched_url = ? OR a.url = ? ORDER BY a.version DESC LIMIT 1""",
            [url, url],
        ).fetchone()
        return int(row[0]) if row else None

    def event_article_ids(self, event_id: int) -> list[int]:
        return [
            r[0]
            for r in self.db.execute(
                "SELECT article_id FROM event_articles WHERE event_id = ? ORDER BY article_id", [event_id]
            ).fetchall()
        ]

    def events(self, *, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                """SELECT e.*, COUNT(DISTINCT a.outlet_id) AS n_outlets, COUNT(ea.article_id) AS n_articles
                   FROM events e LEFT JOIN event_articles ea ON ea.event_id = e.id
                   LEFT JOIN articles a ON a.id = ea.article_id
                   WHERE e.status = 'active' GROUP BY e.id
                   ORDER BY n_outlets DESC, e.id LIMIT ? OFFSET ?""",
                [limit, offset],
            )
        )

    # -- claims -----------------------------------------------------------------------------

    def replace_claims(self, event_id: int, claims: Iterable[ClaimRow], *, run_id: int | None) -> None:
        """Replace the claims of an event; a claim whose key existed keeps its ``created_run``."""
        with self.db.atomic():
            created = {
                r[0]: r[1]
                for r in self.db.execute(
                    "SELECT key, created_run FROM claims WHERE event_id = ?", [event_id]
                ).fetchall()
            }
            old_ids = [r[0] for r in self.db.execute("SELECT id FROM claims WHERE event_id = ?", [event_id])]
            if old_ids:
                marks = ",".join("?" * len(old_ids))
                self.db.execute(f"DELETE FROM claim_passages WHERE claim_id IN ({marks})", old_ids)
                self.db.execute("DELETE FROM claims WHERE event_id = ?", [event_id])
            for key, central, members in claims:
                outlets = {
                    r[0]
                    for r in self.db.execute(
                        f"""SELECT DISTINCT a.outlet_id FROM passages p JOIN articles a ON a.id = p.article_id
                            WHERE p.id IN ({",".join("?" * len(members))})""",
                        [m[0] for m in members],
                    ).fetchall()
                }
                claim_id = last_pk(
                    self.db.table("claims").insert(
                        {
                            "event_id": event_id,
                            "key": key,
                            "central_passage_id": central,
                            "n_outlets": len(outlets),
                            "is_unique": int(len(outlets) <= 1),
                            "created_run": created.get(key, run_id),
                        }
                    )
                )
                self.db.table("claim_passages").insert_all(
                    [
                        {"claim_id": claim_id, "passage_id": p, "similarity": s, "reprint": int(r)}
                        for p, s, r in members
                    ],
                    replace=True,
                )

    def claim_ids_by_key(self, event_id: int) -> dict[str, int]:
        return {
            r[0]: int(r[1])
            for r in self.db.execute("SELECT key, id FROM claims WHERE event_id = ?", [event_id]).fetchall()
        }

    # -- framing ----------------------------------------------------------------------------

    def save_framing(
        self,
        event_id: int,
        *,
        passages: Mapping[int, Mapping[str, Any]],
        event_data: Mapping[str, Any],
        params_hash: str,
        input_hash: str,
        run_id: int | None,
    ) -> None:
        """Store per-passage framing rows and the event's framing answer in one transaction."""
        with self.db.atomic():
            self.db.table("framing").insert_all(
                [{"passage_id": pid, **row, "params_hash": params_hash} for pid, row in passages.items()],
                replace=True,
            )
            self.db.table("event_framing").insert(
                {
                    "event_id": event_id,
                    "run_id": run_id,
                    "params_hash": params_hash,
                    "input_hash": input_hash,
                    "data": to_json(dict(event_data)),
                    "built_at": utcnow(),
                },
                replace=True,
            )

    def event_framing_hash(self, event_id: int) -> tuple[str, str] | None:
        row = self.db.execute(
            "SELECT params_hash, input_hash FROM event_framing WHERE event_id = ?", [event_id]
        ).fetchone()
        return (row[0], row[1]) if row else None

    # -- stage bookkeeping --------------------------------------------------------------------

    def stage_done(self, stage: str, key: str, *, input_hash: str, params_hash: str) -> bool:
        row = self.db.execute(
            "SELECT input_hash, params_hash FROM stage_state WHERE stage = ? AND key = ?", [stage, key]
        ).fetchone()
        return bool(row) and row[0] == input_hash and row[1] == params_hash

    def mark_stage_done(self, stage: str, key: str, *, input_hash: str, params_hash: str) -> None:
        with self.db.atomic():
            self.db.table("stage_state").insert(
                {
                    "stage": stage,
                    "key": key,
                    "input_hash": input_hash,
                    "params_hash": params_hash,
                    "done_at": utcnow(),
                },
                pk=("stage", "key"),
                replace=True,
            )
