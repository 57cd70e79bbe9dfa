"""PostgreSQL behind the store's one set of methods (psycopg 3): the second backend.

The noun modules write their SQL once, in SQLite's dialect, against the few methods of a
sqlite-utils :class:`~sqlite_utils.Database` they use (``execute``, ``query``, ``atomic``,
``table(...).insert / insert_all / upsert_all``, ``conn.executemany``). :class:`PgDatabase` offers
the same methods over a psycopg connection and :func:`translate` turns each statement into
PostgreSQL's dialect: ``?`` placeholders become ``%s``, ``INSERT OR IGNORE`` and ``INSERT OR
REPLACE`` become ``ON CONFLICT`` clauses, ``[name]`` quoting becomes ``"name"``. What has no
mechanical translation (full-text search, JSON arrays) asks :attr:`PgDatabase.dialect` and writes
its own statement, in the noun module that owns it.

Vectors stay ``bytea`` rows and the vector index lives beside the process, as with SQLite
(pgvector is not required). The schema is made by the same named migrations, each with a
PostgreSQL dialect (:mod:`compare.store.pgschema`).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from compare.errors import StoreError

__all__ = ["PgDatabase", "is_postgres", "redacted", "translate"]

#: The primary key of each table an ``INSERT OR REPLACE`` or an upsert names.
PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "outlets": ("id",),
    "snapshots": ("sha256",),
    "embeddings": ("text_hash", "model"),
    "stage_state": ("stage", "key"),
    "fetch_state": ("url",),
    "host_state": ("host",),
    "discovered": ("url",),
    "framing": ("passage_id",),
    "event_framing": ("event_id",),
    "event_framing_digests": ("event_id",),
    "event_articles": ("event_id", "article_id"),
    "claim_passages": ("claim_id", "passage_id"),
    "work_leases": ("kind", "key"),
}
#: Tables whose integer ``id`` the database assigns (an insert returns it).
SERIAL_TABLES = frozenset(
    {"runs", "fetch_log", "articles", "passages", "events", "event_changes", "claims", "claim_changes"}
)

_OR_IGNORE = re.compile(r"^\s*INSERT\s+OR\s+IGNORE\s+INTO\s", re.IGNORECASE)
_OR_REPLACE = re.compile(r"^\s*INSERT\s+OR\s+REPLACE\s+INTO\s+(\w+)\s*\(([^)]*)\)", re.IGNORECASE)
_BRACKETED = re.compile(r"\[(\w+)\]")


def is_postgres(target: object) -> bool:
    """True when a ``--db`` value names a PostgreSQL database (``postgresql://…``)."""
    return str(target).startswith(("postgresql://", "postgres://"))


def redacted(target: object) -> str:
    """A ``--db`` value fit for a message or a log: a PostgreSQL URL without its password."""
    return re.sub(r"^(postgres(?:ql)?://[^:/@]*):[^@/]*@", r"\1:***@", str(target))


def translate(sql: str) -> str:
    """One statement of the store, from SQLite's dialect to PostgreSQL's."""
    out = _BRACKETED.sub(r'"\1"', sql)
    replace = _OR_REPLACE.match(out)
    if replace:
        table, cols = replace.group(1), [c.strip() for c in replace.group(2).split(",")]
        keys = PRIMARY_KEYS.get(table)
        if keys is None:
            raise StoreError(f"no primary key known for INSERT OR REPLACE into {table}")
        sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in cols if c not in keys)
        out = re.sub(r"^\s*INSERT\s+OR\s+REPLACE\s+INTO", "INSERT INTO", out, flags=re.IGNORECASE)
        out += f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {sets}"
    elif _OR_IGNORE.match(out):
        out = re.sub(r"^\s*INSERT\s+OR\s+IGNORE\s+INTO", "INSERT INTO", out, flags=re.IGNORECASE)
        out += " ON CONFLICT DO NOTHING"
    return out.replace("%", "%%").replace("?", "%s")


def _cell(value: Any) -> Any:
    """A Python value as sqlite-utils would store it: lists and dicts as JSON text."""
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def _register_dumpers(conn: Any) -> None:
    """Send ints and bools untyped, as SQLite takes them: PostgreSQL then reads each as the column
    (or the other operand) wants, so a number compared with a TEXT key still matches."""
    from psycopg.adapt import Dumper

    class Untyped(Dumper):
        oid = 0

        def dump(self, obj: Any) -> bytes:
            return str(int(obj)).encode()

    conn.adapters.register_dumper(int, Untyped)
    conn.adapters.register_dumper(bool, Untyped)


class _Conn:
    """What the noun modules ask of ``db.conn``: ``executemany``."""

    def __init__(self, db: PgDatabase) -> None:
        self._db = db

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._db.executemany(sql, rows)


class PgTable:
    """The part of sqlite-utils' ``Table`` the store uses: insert, insert_all, upsert_all."""

    def __init__(self, db: PgDatabase, name: str) -> None:
        self._db = db
        self.name = name
        self.last_pk: int | None = None

    def insert(
        self, row: Mapping[str, Any], *, pk: object = None, replace: bool = False, ignore: bool = False
    ) -> PgTable:
        """Insert one row; ``replace`` overwrites the row of the same primary key, ``ignore``
        leaves it (sqlite-utils' options; ``pk`` is the schema's, so it is not needed here)."""
        cols = list(row)
        sql = self._insert_sql(cols, replace=replace, ignore=ignore)
        values = [_cell(row[c]) for c in cols]
        if self.name in SERIAL_TABLES:
            found = self._db.raw(sql + " RETURNING id", values).fetchone()
            self.last_pk = int(found[0]) if found else None
        else:
            self._db.raw(sql, values)
        return self

    def insert_all(
        self, rows: Iterable[Mapping[str, Any]], *, pk: object = None, replace: bool = False,
        ignore: bool = False,
    ) -> PgTable:
        groups: dict[tuple[str, ...], list[list[Any]]] = {}
        for row in rows:
            groups.setdefault(tuple(row), []).append([_cell(row[c]) for c in row])
        for cols, values in groups.items():
            with self._db.raw_cursor() as cur:
                cur.executemany(self._insert_sql(list(cols), replace=replace, ignore=ignore), values)
        return self

    def update(self, pk: object, values: Mapping[str, Any]) -> PgTable:
        """Set ``values`` on the row whose integer ``id`` is ``pk``."""
        if not values:
            return self
        sets = ", ".join(f'"{c}" = %s' for c in values)
        params = [*(_cell(v) for v in values.values()), pk]
        self._db.raw(f'UPDATE "{self.name}" SET {sets} WHERE id = %s', params)
        self.last_pk = int(pk) if isinstance(pk, int) else None
        return self

    def upsert_all(self, rows: Iterable[Mapping[str, Any]], pk: str | Sequence[str]) -> PgTable:
        return self.insert_all(rows, replace=True)

    def _insert_sql(self, cols: list[str], *, replace: bool, ignore: bool) -> str:
        names = ", ".join(f'"{c}"' for c in cols)
        sql = f'INSERT INTO "{self.name}" ({names}) VALUES ({", ".join("%s" for _ in cols)})'
        if ignore:
            return sql + " ON CONFLICT DO NOTHING"
        if replace:
            keys = PRIMARY_KEYS.get(self.name)
            if keys is None:
                raise StoreError(f"no primary key known for a replacing insert into {self.name}")
            sets = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in cols if c not in keys)
            sql += f" ON CONFLICT ({', '.join(keys)}) " + (f"DO UPDATE SET {sets}" if sets else "DO NOTHING")
        return sql


class PgDatabase:
    """A psycopg connection with the methods of a sqlite-utils ``Database`` the store calls."""

    dialect = "postgresql"

    def __init__(self, url: str, *, read_only: bool = False) -> None:
        try:
            import psycopg
        except ImportError as exc:  # pragma: no cover - psycopg is a dependency
            raise StoreError(f"PostgreSQL needs psycopg: {exc}") from None
        self.url = url
        try:
            self._conn = psycopg.connect(url, autocommit=True)
        except psycopg.Error as exc:
            raise StoreError(f"cannot connect to the PostgreSQL database: {str(exc).strip()}") from None
        _register_dumpers(self._conn)
        if read_only:
            self._conn.execute("SET default_transaction_read_only = on")
        self.conn = _Conn(self)

    # -- the sqlite-utils surface -----------------------------------------------------------------

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        return self.raw(translate(sql), [_cell(p) for p in (params or [])])

    def query(self, sql: str, params: Sequence[Any] | None = None) -> Iterator[dict[str, Any]]:
        from psycopg.rows import dict_row

        with self._conn.cursor(row_factory=dict_row) as cur:
            cur.execute(translate(sql), [_cell(p) for p in (params or [])])
            rows = cur.fetchall() if cur.description else []
        yield from rows

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        with self.raw_cursor() as cur:
            cur.executemany(translate(sql), [[_cell(v) for v in row] for row in rows])

    def table(self, name: str) -> PgTable:
        return PgTable(self, name)

    def __getitem__(self, name: str) -> PgTable:
        return self.table(name)

    @contextlib.contextmanager
    def atomic(self) -> Iterator[None]:
        """A transaction (a savepoint inside another one)."""
        with self._conn.transaction():
            yield

    def table_names(self) -> list[str]:
        rows = self.raw(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        ).fetchall()
        return [str(r[0]) for r in rows]

    def close(self) -> None:
        self._conn.close()

    def __del__(self) -> None:
        # A store dropped without close() closes its connection, as a sqlite3 one does.
        conn = getattr(self, "_conn", None)
        if conn is not None and not conn.closed:
            with contextlib.suppress(Exception):
                conn.close()

    # -- PostgreSQL's own ---------------------------------------------------------------------------

    def raw(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        """Run one statement already in PostgreSQL's dialect; returns the cursor."""
        import psycopg

        try:
            return self._conn.execute(sql, params, prepare=False)
        except psycopg.Error as exc:
            raise StoreError(f"PostgreSQL: {str(exc).strip()}") from exc

    @contextlib.contextmanager
    def raw_cursor(self) -> Iterator[Any]:
        import psycopg

        try:
            with self._conn.cursor() as cur:
                yield cur
        except psycopg.Error as exc:
            raise StoreError(f"PostgreSQL: {str(exc).strip()}") from exc
