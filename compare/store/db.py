"""Opening the database: path checks, WAL, foreign keys, migrations and the run lock.

This package is the only place that imports sqlite-utils. Stages never see it: the pipeline reads
dataclasses out of the store, hands them to a stage and writes what comes back.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shlex
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlite_utils import Database
from sqlite_utils.db import Table

from compare.errors import LockedError, MigrationError, StoreError
from compare.store.pg import PgDatabase, is_postgres, redacted
from compare.store.schema import migrations

__all__ = [
    "damaged_database", "is_postgres", "open_database", "redacted", "run_lock", "store_exists", "to_json",
    "utcnow",
]


def utcnow() -> str:
    """The current time as an ISO 8601 string in UTC, the form every timestamp is stored in."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def pid_alive(pid: int) -> bool:
    """Whether a process of this host with this pid still runs."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, as another user
        return True
    return True


def to_json(value: Any) -> str:
    """Compact JSON for a TEXT column (sorted keys, so equal values store equal text)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def last_pk(table: Table) -> int:
    """The integer primary key of the row a table just inserted."""
    if table.last_pk is None:
        raise StoreError(f"no row was inserted into {table.name}")
    return int(table.last_pk)


_DAMAGE_CODES = ("SQLITE_CORRUPT", "SQLITE_NOTADB")
_DAMAGE_WORDS = ("malformed", "not a database", "file is encrypted")


def damaged_database(path: str | Path, exc: BaseException) -> StoreError | None:
    """The one-line error for a database file SQLite finds damaged; ``None`` for other errors.

    It names the command that copies out what can still be read, since nothing in newscompare
    can repair the file itself.
    """
    if not isinstance(exc, sqlite3.DatabaseError):
        return None
    code = getattr(exc, "sqlite_errorname", "") or ""
    if code not in _DAMAGE_CODES and not any(w in str(exc).lower() for w in _DAMAGE_WORDS):
        return None
    name = shlex.quote(str(path))
    return StoreError(
        f"the database {path} is damaged ({exc}); copy out what can still be read with "
        f"`sqlite3 {name} \".recover\" | sqlite3 recovered.db`, then use --db recovered.db",
        path=str(path),
    )


def _check_path(path: Path) -> None:
    if path.is_dir():
        raise StoreError(f"database path {path} is a directory", path=str(path))
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.exists():
        raise StoreError(f"cannot create database {path}: folder {parent} does not exist", path=str(path))
    if path.exists() and not os.access(path, os.W_OK):
        raise StoreError(f"database {path} is read-only", path=str(path))
    if not path.exists() and not os.access(parent, os.W_OK):
        raise StoreError(f"cannot create database {path}: folder {parent} is read-only", path=str(path))


class _WritingDatabase(Database):
    """A SQLite database whose transactions take the write lock when they begin.

    sqlite-utils begins its transactions deferred: the first write then upgrades a read
    transaction, and when another process (a report or alignment worker) committed in between,
    SQLite answers "database is locked" at once instead of waiting. ``BEGIN IMMEDIATE`` waits
    for the lock (up to the connection's timeout) before reading anything.
    """

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Database]:
        if self.conn.in_transaction:  # nested: a savepoint of the open transaction
            with super().atomic():
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.conn.rollback()
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.rollback()
                raise


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection; on a read-only medium (nowhere to put the WAL's shared-memory
    file) the file is opened as immutable."""
    if not path.is_file():
        raise StoreError(f"no database at {path}", path=str(path))
    folder_writable = os.access(path.parent if str(path.parent) else Path("."), os.W_OK)
    writable = folder_writable and os.access(path, os.W_OK)
    uri = f"{path.resolve().as_uri()}?mode=ro" + ("" if writable else "&immutable=1")
    return sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)


def open_database(path: str | Path, *, migrate: bool = True, read_only: bool = False) -> Database:
    """Open (creating if needed) the database at ``path`` and bring its schema up to date.

    ``read_only`` opens an existing database for reading only, without migrating it: what
    ``query``, ``report`` and ``serve`` need, also from read-only media. A ``postgresql://`` URL
    opens that PostgreSQL database instead (:mod:`compare.store.pg`).
    """
    if is_postgres(path):
        # A PgDatabase offers the methods of a sqlite-utils Database the store calls.
        pg: Database = _open_postgres(str(path), migrate=migrate, read_only=read_only)
        return pg
    path = Path(path)
    if str(path) != ":memory:" and not read_only:
        _check_path(path)
    try:
        if read_only and str(path) != ":memory:":
            db = Database(_connect_read_only(path))
            db.execute("PRAGMA query_only = ON")
            if "_sqlite_migrations" in db.table_names() and migrations.pending(db):
                raise StoreError(
                    f"database {path} is read-only and older than this version of newscompare; open it "
                    "once where it can be written (any run upgrades it)",
                    path=str(path),
                )
            return db
        conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
        db = _WritingDatabase(conn)
        if str(path) != ":memory:":
            db.enable_wal()
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as exc:
        raise damaged_database(path, exc) or StoreError(
            f"cannot open database {path}: {exc}", path=str(path)) from None
    if migrate:
        try:
            migrations.apply(db)
        except sqlite3.DatabaseError as exc:
            raise damaged_database(path, exc) or MigrationError(
                f"cannot migrate database {path}: {exc}", path=str(path)) from None
    return db


def _open_postgres(url: str, *, migrate: bool, read_only: bool) -> Any:
    from compare.store.pgschema import apply_pg_migrations, pending_pg_migrations

    db = PgDatabase(url, read_only=read_only)
    if read_only:
        if pending_pg_migrations(db):
            db.close()
            raise StoreError(
                "the PostgreSQL database is older than this version of newscompare (or empty); "
                "any run upgrades it"
            )
    elif migrate:
        try:
            apply_pg_migrations(db)
        except StoreError as exc:
            db.close()
            raise MigrationError(f"cannot migrate the PostgreSQL database: {exc}") from None
    return db


def store_exists(target: str | Path) -> bool:
    """True when ``target`` names a database that can be opened: an existing file, or a
    PostgreSQL database that answers."""
    if is_postgres(target):
        try:
            PgDatabase(str(target), read_only=True).close()
        except StoreError:
            return False
        return True
    return Path(target).exists()


#: The advisory lock key of the run lock on PostgreSQL (and the namespace of scoped locks).
_RUN_LOCK = 0x6E630002
_SCOPE_LOCKS = 0x6E63


def _scope_key(scope: str) -> int:
    return int(hashlib.sha256(scope.encode("utf-8")).hexdigest()[:7], 16)


@contextlib.contextmanager
def _pg_run_lock(url: str, *, shared: bool, scope: str | None) -> Iterator[None]:
    db = PgDatabase(url)
    try:
        take = "pg_try_advisory_lock_shared" if shared else "pg_try_advisory_lock"
        if not db.raw(f"SELECT {take}(%s)", [_RUN_LOCK]).fetchone()[0]:
            raise LockedError("another newscompare run holds the run lock of this PostgreSQL database; "
                              "try again later")  # fmt: skip
        if scope and not db.raw(
            "SELECT pg_try_advisory_lock(%s, %s)", [_SCOPE_LOCKS, _scope_key(scope)]
        ).fetchone()[0]:
            raise LockedError(f"another newscompare worker holds {scope} of this PostgreSQL database")
        yield
    finally:
        db.close()  # the session's advisory locks go with it


@contextlib.contextmanager
def _file_lock(lock_path: Path, db_path: str | Path, *, shared: bool) -> Iterator[None]:
    handle: IO[str]
    try:
        handle = open(lock_path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the block
    except OSError as exc:
        raise StoreError(f"cannot create lock file {lock_path}: {exc}", path=str(lock_path)) from None
    try:
        try:
            fcntl.flock(handle.fileno(), (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise LockedError(
                f"another newscompare run holds the lock on {db_path} ({holder}); try again later",
                path=str(db_path),
            ) from None
        if not shared:  # workers sharing the lock leave the holder line to an exclusive holder
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()} since {utcnow()}")
            handle.flush()
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        handle.close()


@contextlib.contextmanager
def run_lock(db_path: str | Path, *, shared: bool = False, scope: str | None = None) -> Iterator[None]:
    """Hold the run lock of a database; raise :class:`LockedError` when another process has it.

    An OS file lock (``<db>.lock``; an advisory lock on PostgreSQL): a killed run releases it
    with its process, so a stale lock never blocks the next night. Workers of one night
    (``fetch --shard``, ``process``) hold it ``shared``: they run side by side, and a whole
    ``run`` waits for none of them. A ``scope`` (``fetch shard 2/3``) is held exclusively besides,
    so two workers never take the same share of the work.
    """
    if is_postgres(db_path):
        with _pg_run_lock(str(db_path), shared=shared, scope=scope):
            yield
        return
    if str(db_path) != ":memory:":
        _check_path(Path(db_path))
    with contextlib.ExitStack() as stack:
        stack.enter_context(_file_lock(Path(f"{db_path}.lock"), db_path, shared=shared))
        if scope:
            slug = re.sub(r"[^A-Za-z0-9]+", "-", scope).strip("-")
            stack.enter_context(_file_lock(Path(f"{db_path}.{slug}.lock"), db_path, shared=False))
        yield
