"""Articles (with versions and reprints) and their passages."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from compare.models import Article, Passage
from compare.store.db import last_pk, to_json, utcnow

__all__ = ["ArticlesMixin", "SavedArticle"]

ARTICLE_FIELDS = (
    "title",
    "byline",
    "published_at",
    "published_source",
    "date_reliable",
    "updated_at",
    "site_name",
    "language",
    "language_page",
    "language_detected",
    "language_mismatch",
    "method",
    "fetched_url",
)


@dataclass(frozen=True)
class SavedArticle:
    """What saving an extracted article did: ``status`` is new, new_version, unchanged or duplicate."""

    id: int
    status: str
    previous_id: int | None = None


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def row_to_article(row: Mapping[str, Any]) -> Article:
    published = row.get("published_at")
    return Article(
        id=str(row["id"]),
        outlet_id=row["outlet_id"],
        title=row.get("title"),
        text=row["text"],
        url=row.get("url"),
        published_at=datetime.fromisoformat(published) if published else None,
        language=row.get("language_detected") or row.get("language"),
        reprint_of=str(row["reprint_of"]) if row.get("reprint_of") else None,
    )


class ArticlesMixin:
    db: Database

    def save_article(
        self,
        *,
        outlet_id: str,
        url: str,
        text: str,
        snapshot_sha256: str | None,
        run_id: int | None,
        fields: Mapping[str, Any],
        changes: Any = None,
    ) -> SavedArticle:
        """Store one extracted article, keeping versions.

        Same canonical URL and same text: only ``last_seen`` moves. Same URL, changed text: a new
        version linked to the previous one (``changes`` says what changed). Same text under
        another URL of the same outlet: the existing article (one article, two URLs).
        """
        text_hash = _hash(text)
        now = utcnow()
        extra = {k: fields.get(k) for k in ARTICLE_FIELDS if k in fields}
        with self.db.atomic():
            latest = self.db.execute(
                "SELECT id, text_hash, version FROM articles WHERE url = ? ORDER BY version DESC LIMIT 1",
                [url],
            ).fetchone()
            if latest and latest[1] == text_hash:
                self.db.execute("UPDATE articles SET last_seen = ? WHERE id = ?", [now, latest[0]])
                return SavedArticle(id=int(latest[0]), status="unchanged")
            if latest is None:
                twin = self.db.execute(
                    """SELECT id FROM articles WHERE outlet_id = ? AND text_hash = ?
                       AND id = (SELECT MAX(id) FROM articles a2 WHERE a2.url = articles.url)
                       LIMIT 1""",
                    [outlet_id, text_hash],
                ).fetchone()
                if twin:
                    self.db.execute("UPDATE articles SET last_seen = ? WHERE id = ?", [now, twin[0]])
                    return SavedArticle(id=int(twin[0]), status="duplicate")
            row = {
                "outlet_id": outlet_id,
                "url": url,
                "version": (latest[2] + 1) if latest else 1,
                "previous_id": latest[0] if latest else None,
                "changes": to_json(changes) if changes is not None else None,
                "text": text,
                "text_hash": text_hash,
                "snapshot_sha256": snapshot_sha256,
                "first_seen": now,
                "last_seen": now,
                "run_id": run_id,
                **extra,
            }
            article_id = last_pk(self.db.table("articles").insert(row))
        return SavedArticle(
            id=article_id,
            status="new_version" if latest else "new",
            previous_id=int(latest[0]) if latest else None,
        )

    def recent_article_urls(self, *, since: str, outlet_ids: Sequence[str]) -> list[str]:
        """The fetched URLs of articles first seen at or after ``since``, for these outlets."""
        if not outlet_ids:
            return []
        marks = ",".join("?" * len(outlet_ids))
        return [
            str(r[0])
            for r in self.db.execute(
                f"""SELECT DISTINCT COALESCE(fetched_url, url) FROM articles
                    WHERE first_seen >= ? AND outlet_id IN ({marks}) ORDER BY 1""",
                [since, *outlet_ids],
            ).fetchall()
        ]

    def article_fingerprints(self, ids: Iterable[int]) -> list[tuple[int, str, str, int | None]]:
        """(id, outlet, text hash, reprint origin) of these articles, by id: what analysis
        results depend on, read without loading any text."""
        wanted = [int(i) for i in ids]
        if not wanted:
            return []
        marks = ",".join("?" * len(wanted))
        return [
            (int(r[0]), str(r[1]), str(r[2]), int(r[3]) if r[3] is not None else None)
            for r in self.db.execute(
                f"SELECT id, outlet_id, text_hash, reprint_of FROM articles WHERE id IN ({marks})"
                " ORDER BY id",
                wanted,
            ).fetchall()
        ]

    def previous_text(self, url: str) -> str | None:
        """The text of the latest stored version of ``url``, or ``None`` when there is none."""
        row = self.db.execute(
            "SELECT text FROM articles WHERE url = ? ORDER BY version DESC LIMIT 1", [url]
        ).fetchone()
        return str(row[0]) if row else None

    def save_passages(self, article_id: int, passages: Sequence[Passage]) -> None:
        """Replace the passages of an article (idempotent)."""
        rows = [
            {
                "article_id": article_id,
                "idx": p.index,
                "start": p.start,
                "end": p.end,
                "paragraph": p.paragraph,
                "kind": p.kind,
                "text": p.text,
                "text_hash": _hash(p.text),
            }
            for p in passages
        ]
        with self.db.atomic():
            self.db.execute("DELETE FROM passages WHERE article_id = ?", [article_id])
            if rows:
                self.db.table("passages").insert_all(rows)

    def set_reprints(self, reprint_of: Mapping[int, int | None]) -> None:
        with self.db.atomic():
            for article_id, origin in reprint_of.items():
                self.db.execute("UPDATE articles SET reprint_of = ? WHERE id = ?", [origin, article_id])

    def article_row(self, article_id: int) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM articles WHERE id = ?", [article_id]))
        return rows[0] if rows else None

    def current_articles(self, *, ids: Iterable[int] | None = None) -> list[Article]:
        """The latest version of every article (or of the given ids), oldest first."""
        sql = """SELECT * FROM articles a WHERE a.version = (
                    SELECT MAX(version) FROM articles b WHERE b.url = a.url)"""
        params: list[Any] = []
        if ids is not None:
            wanted = [int(i) for i in ids]
            if not wanted:
                return []
            sql += f" AND a.id IN ({','.join('?' * len(wanted))})"
            params = wanted
        rows = self.db.query(sql + " ORDER BY COALESCE(a.published_at, a.first_seen), a.id", params)
        return [row_to_article(r) for r in rows]

    def passages_of(self, article_ids: Iterable[int]) -> dict[int, list[tuple[int, Passage]]]:
        """Passages per article, each with its row id, in reading order."""
        wanted = [int(i) for i in article_ids]
        out: dict[int, list[tuple[int, Passage]]] = {i: [] for i in wanted}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            rows = self.db.query(
                f"SELECT * FROM passages WHERE article_id IN ({','.join('?' * len(chunk))})"
                " ORDER BY article_id, idx",
                chunk,
            )
            for r in rows:
                out[r["article_id"]].append(
                    (
                        r["id"],
                        Passage(
                            article_id=str(r["article_id"]),
                            index=r["idx"],
                            start=r["start"],
                            end=r["end"],
                            text=r["text"],
                            paragraph=r["paragraph"],
                            kind=r["kind"],
                        ),
                    )
                )
        return out
