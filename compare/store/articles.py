"""Articles (with versions and reprints) and their passages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from compare.hashing import text_hash
from compare.models import Article, Passage
from compare.store.db import last_pk, to_json, utcnow
from compare.store.records import ArticleRecord, PassageRecord

__all__ = ["CURRENT_VERSION", "ArticlesMixin", "SavedArticle", "article_record"]

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


#: SQL condition: article row ``a`` is the latest version of its URL. The one definition.
CURRENT_VERSION = "a.version = (SELECT MAX(b.version) FROM articles b WHERE b.url = a.url)"

#: The columns :func:`article_record` reads (articles ``a`` joined to their snapshot ``s``).
ARTICLE_COLUMNS = """a.id, a.outlet_id, a.url, a.version, a.title, a.text, a.published_at, a.first_seen,
    a.run_id, a.snapshot_sha256, s.fetched_at AS snapshot_fetched_at, a.previous_id, a.reprint_of,
    a.fetched_url, COALESCE(a.language_detected, a.language) AS language"""


def article_record(row: Mapping[str, Any]) -> ArticleRecord:
    """An :class:`ArticleRecord` from a row holding :data:`ARTICLE_COLUMNS` (and maybe the
    event link's ``linked_run`` and ``event_similarity``)."""
    return ArticleRecord(
        id=int(row["id"]),
        outlet_id=str(row["outlet_id"]),
        url=str(row["url"]),
        version=int(row["version"]),
        title=row["title"],
        text=str(row["text"]),
        published_at=row["published_at"],
        first_seen=str(row["first_seen"]),
        run_id=row["run_id"],
        snapshot_sha256=row["snapshot_sha256"],
        snapshot_fetched_at=row["snapshot_fetched_at"],
        previous_id=row["previous_id"],
        reprint_of=row["reprint_of"],
        fetched_url=row["fetched_url"],
        language=row["language"],
        linked_run=row.get("linked_run"),
        event_similarity=row.get("event_similarity"),
    )


@dataclass(frozen=True)
class SavedArticle:
    """What saving an extracted article did: ``status`` is new, new_version, unchanged or duplicate."""

    id: int
    status: str
    previous_id: int | None = None


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
    _db: Database

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
        digest = text_hash(text)
        now = utcnow()
        extra = {k: fields.get(k) for k in ARTICLE_FIELDS if k in fields}
        with self._db.atomic():
            latest = self._db.execute(
                "SELECT id, text_hash, version FROM articles WHERE url = ? ORDER BY version DESC LIMIT 1",
                [url],
            ).fetchone()
            if latest and latest[1] == digest:
                self._db.execute("UPDATE articles SET last_seen = ? WHERE id = ?", [now, latest[0]])
                return SavedArticle(id=int(latest[0]), status="unchanged")
            if latest is None:
                twin = self._db.execute(
                    """SELECT id FROM articles WHERE outlet_id = ? AND text_hash = ?
                       AND id = (SELECT MAX(id) FROM articles a2 WHERE a2.url = articles.url)
                       LIMIT 1""",
                    [outlet_id, digest],
                ).fetchone()
                if twin:
                    self._db.execute("UPDATE articles SET last_seen = ? WHERE id = ?", [now, twin[0]])
                    return SavedArticle(id=int(twin[0]), status="duplicate")
            row = {
                "outlet_id": outlet_id,
                "url": url,
                "version": (latest[2] + 1) if latest else 1,
                "previous_id": latest[0] if latest else None,
                "changes": to_json(changes) if changes is not None else None,
                "text": text,
                "text_hash": digest,
                "snapshot_sha256": snapshot_sha256,
                "first_seen": now,
                "last_seen": now,
                "run_id": run_id,
                **extra,
            }
            article_id = last_pk(self._db.table("articles").insert(row))
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
            for r in self._db.execute(
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
            for r in self._db.execute(
                f"SELECT id, outlet_id, text_hash, reprint_of FROM articles WHERE id IN ({marks})"
                " ORDER BY id",
                wanted,
            ).fetchall()
        ]

    def previous_text(self, url: str) -> str | None:
        """The text of the latest stored version of ``url``, or ``None`` when there is none."""
        row = self._db.execute(
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
                "text_hash": text_hash(p.text),
            }
            for p in passages
        ]
        with self._db.atomic():
            self._db.execute("DELETE FROM passages WHERE article_id = ?", [article_id])
            if rows:
                self._db.table("passages").insert_all(rows)

    def set_reprints(self, reprint_of: Mapping[int, int | None]) -> None:
        with self._db.atomic():
            for article_id, origin in reprint_of.items():
                self._db.execute("UPDATE articles SET reprint_of = ? WHERE id = ?", [origin, article_id])

    def current_articles(self, *, ids: Iterable[int] | None = None) -> list[Article]:
        """The latest version of every article (or of the given ids), oldest first."""
        sql = f"SELECT * FROM articles a WHERE {CURRENT_VERSION}"
        params: list[Any] = []
        if ids is not None:
            wanted = [int(i) for i in ids]
            if not wanted:
                return []
            sql += f" AND a.id IN ({','.join('?' * len(wanted))})"
            params = wanted
        rows = self._db.query(sql + " ORDER BY COALESCE(a.published_at, a.first_seen), a.id", params)
        return [row_to_article(r) for r in rows]

    def passages_of(self, article_ids: Iterable[int]) -> dict[int, list[tuple[int, Passage]]]:
        """Passages per article, each with its row id, in reading order."""
        wanted = [int(i) for i in article_ids]
        out: dict[int, list[tuple[int, Passage]]] = {i: [] for i in wanted}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            rows = self._db.query(
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

    def passages(self, ids: Iterable[int]) -> dict[int, PassageRecord]:
        """Passages by row id."""
        wanted = list(dict.fromkeys(int(i) for i in ids))
        out: dict[int, PassageRecord] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            for r in self._db.execute(
                f"""SELECT id, article_id, idx, start, "end", kind, text, text_hash FROM passages
                    WHERE id IN ({",".join("?" * len(chunk))})""",
                chunk,
            ).fetchall():
                out[int(r[0])] = PassageRecord(*r)
        return out

    def passage_of_article(self, article_id: int, index: int) -> PassageRecord | None:
        rows = self._db.execute(
            """SELECT id, article_id, idx, start, "end", kind, text, text_hash FROM passages
               WHERE article_id = ? AND idx = ?""",
            [article_id, index],
        ).fetchall()
        return PassageRecord(*rows[0]) if rows else None

    def article_passages(self, article_id: int) -> list[PassageRecord]:
        """The passages of one article, in reading order."""
        return [
            PassageRecord(*r)
            for r in self._db.execute(
                """SELECT id, article_id, idx, start, "end", kind, text, text_hash FROM passages
                   WHERE article_id = ? ORDER BY idx""",
                [article_id],
            ).fetchall()
        ]

    def articles(self, ids: Iterable[int]) -> dict[int, ArticleRecord]:
        """Articles (any version) by id, with their snapshot's fetch time."""
        wanted = list(dict.fromkeys(int(i) for i in ids))
        out: dict[int, ArticleRecord] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            rows = self._db.query(
                f"""SELECT {ARTICLE_COLUMNS} FROM articles a
                    LEFT JOIN snapshots s ON s.sha256 = a.snapshot_sha256
                    WHERE a.id IN ({",".join("?" * len(chunk))})""",
                chunk,
            )
            out.update({int(r["id"]): article_record(r) for r in rows})
        return out

    def article(self, article_id: int) -> ArticleRecord | None:
        return self.articles([article_id]).get(int(article_id))

    def article_for_snapshot(self, sha256: str) -> ArticleRecord | None:
        """The latest article extracted from the snapshot with this sha256."""
        row = self._db.execute(
            "SELECT id FROM articles WHERE snapshot_sha256 = ? ORDER BY version DESC, id DESC LIMIT 1",
            [sha256],
        ).fetchone()
        return self.article(int(row[0])) if row else None

    def article_id_for_url(self, url: str) -> int | None:
        """The latest version of the article fetched from (or canonical at) ``url``."""
        row = self._db.execute(
            "SELECT id FROM articles WHERE fetched_url = ? OR url = ? ORDER BY version DESC, id DESC LIMIT 1",
            [url, url],
        ).fetchone()
        return int(row[0]) if row else None

    def reprint_links(self) -> dict[int, int | None]:
        """Every article id with the id of the article it reprints (``None``: an original)."""
        return {int(r[0]): r[1] for r in self._db.execute("SELECT id, reprint_of FROM articles")}

    def current_article_counts(self) -> dict[str, int]:
        """Per outlet, how many articles it has (current versions)."""
        return {
            str(o): int(n)
            for o, n in self._db.execute(
                f"SELECT outlet_id, COUNT(*) FROM articles a WHERE {CURRENT_VERSION} GROUP BY outlet_id"
            ).fetchall()
        }

    def outlets_read_between(self, start: str, end: str) -> set[str]:
        """Outlets with an article published (or, undated, first seen) between two ISO times."""
        return {
            str(r[0])
            for r in self._db.execute(
                """SELECT DISTINCT outlet_id FROM articles
                   WHERE COALESCE(published_at, first_seen) BETWEEN ? AND ?""",
                [start, end],
            ).fetchall()
        }
