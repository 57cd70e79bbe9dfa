"""Runs and outlets: what each run was asked, how long each stage took, what failed."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

from sqlite_utils import Database

from compare.models import Sources
from compare.store.db import last_pk, to_json, utcnow

__all__ = ["RunsMixin"]


class RunsMixin:
    db: Database

    def sync_outlets(self, sources: Sources) -> None:
        """Insert or update the outlets of a sources file (outlets are never deleted)."""
        now = utcnow()
        rows = [
            {
                "id": o.id,
                "name": o.name,
                "homepage": o.homepage,
                "language": o.language,
                "country": o.country,
                "groups": to_json(list(o.groups)),
                "ownership": to_json(
                    {
                        "owner": o.ownership.owner,
                        "type": o.ownership.type,
                        "evidence": list(o.ownership.evidence),
                    }
                )
                if o.ownership
                else None,
                "paywall": int(o.paywall),
                "active": int(o.active),
                "verified": int(o.verified),
                "updated_at": now,
            }
            for o in sources.outlets
        ]
        with self.db.atomic():
            self.db.table("outlets").upsert_all(rows, pk="id")

    def ensure_outlet(self, outlet_id: str, *, name: str | None = None, homepage: str | None = None) -> None:
        """Make sure an outlet row exists (for ad-hoc URLs given on the command line)."""
        if self.db.execute("SELECT 1 FROM outlets WHERE id = ?", [outlet_id]).fetchone() is None:
            with self.db.atomic():
                self.db.table("outlets").insert(
                    {
                        "id": outlet_id,
                        "name": name or outlet_id,
                        "homepage": homepage,
                        "updated_at": utcnow(),
                    },
                    pk="id",
                    ignore=True,
                )

    def outlets(self) -> list[dict[str, Any]]:
        rows = list(self.db.query("SELECT * FROM outlets ORDER BY id"))
        for row in rows:
            row["groups"] = json.loads(row["groups"] or "[]")
            row["ownership"] = json.loads(row["ownership"]) if row["ownership"] else None
        return rows

    def start_run(self, command: str, parameters: Mapping[str, Any]) -> int:
        with self.db.atomic():
            table = self.db.table("runs").insert(
                {
                    "command": command,
                    "started_at": utcnow(),
                    "status": "running",
                    "parameters": to_json(dict(parameters)),
                    "pid": os.getpid(),
                }
            )
        return last_pk(table)

    def finish_run(
        self,
        run_id: int,
        *,
        status: str,
        timings: Mapping[str, float] | None = None,
        counts: Mapping[str, Any] | None = None,
        failures: Sequence[Any] = (),
    ) -> None:
        with self.db.atomic():
            self.db.table("runs").update(
                run_id,
                {
                    "finished_at": utcnow(),
                    "status": status,
                    "timings": to_json(dict(timings or {})),
                    "counts": to_json(dict(counts or {})),
                    "failures": to_json(list(failures)),
                },
            )

    def mark_interrupted_runs(self) -> int:
        """Runs left 'running' by a killed process become 'interrupted'; returns how many."""
        with self.db.atomic():
            cursor = self.db.execute("UPDATE runs SET status = 'interrupted' WHERE status = 'running'")
        return int(cursor.rowcount or 0)

    def runs(self, *, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        rows = list(self.db.query("SELECT * FROM runs ORDER BY id DESC LIMIT ? OFFSET ?", [limit, offset]))
        for row in rows:
            for key in ("parameters", "timings", "counts", "failures"):
                row[key] = json.loads(row[key] or "null")
        return rows

    def last_run(self, *, command: str | None = None, finished: bool = True) -> dict[str, Any] | None:
        sql = "SELECT * FROM runs WHERE 1=1"
        params: list[Any] = []
        if command:
            sql += " AND command = ?"
            params.append(command)
        if finished:
            sql += " AND finished_at IS NOT NULL"
        rows = list(self.db.query(sql + " ORDER BY id DESC LIMIT 1", params))
        return rows[0] if rows else None
