"""Outlets: synced from the sources file (never deleted), or made up for an ad-hoc URL."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlite_utils import Database

from compare.models import Sources
from compare.store.db import to_json, utcnow
from compare.store.records import OutletRecord

__all__ = ["OutletsMixin"]


def _outlet(row: Mapping[str, Any]) -> OutletRecord:
    try:
        groups = json.loads(row.get("groups") or "[]")
        ownership = json.loads(row["ownership"]) if row.get("ownership") else None
    except (TypeError, ValueError):
        groups, ownership = [], None
    return OutletRecord(
        id=str(row["id"]),
        name=str(row.get("name") or row["id"]),
        homepage=row.get("homepage"),
        language=row.get("language"),
        country=row.get("country"),
        groups=tuple(str(g) for g in groups if isinstance(g, str)) if isinstance(groups, list) else (),
        owner=ownership.get("owner") if isinstance(ownership, dict) else None,
        ownership=ownership if isinstance(ownership, dict) else None,
        paywall=bool(row.get("paywall")),
        active=bool(row.get("active", 1)),
        verified=bool(row.get("verified", 1)),
    )


class OutletsMixin:
    _db: Database

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
        with self._db.atomic():
            self._db.table("outlets").upsert_all(rows, pk="id")

    def ensure_outlet(self, outlet_id: str, *, name: str | None = None, homepage: str | None = None) -> None:
        """Make sure an outlet row exists (for ad-hoc URLs given on the command line)."""
        if self._db.execute("SELECT 1 FROM outlets WHERE id = ?", [outlet_id]).fetchone() is None:
            with self._db.atomic():
                self._db.table("outlets").insert(
                    {
                        "id": outlet_id,
                        "name": name or outlet_id,
                        "homepage": homepage,
                        "updated_at": utcnow(),
                    },
                    pk="id",
                    ignore=True,
                )

    def outlets(self) -> list[OutletRecord]:
        """Every outlet, by id."""
        return [_outlet(r) for r in self._db.query("SELECT * FROM outlets ORDER BY id")]

    def outlet(self, outlet_id: str) -> OutletRecord | None:
        rows = list(self._db.query("SELECT * FROM outlets WHERE id = ?", [outlet_id]))
        return _outlet(rows[0]) if rows else None
