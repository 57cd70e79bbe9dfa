"""The PostgreSQL half of the store's tests: a fresh database per test on a server given by
``NEWSCOMPARE_TEST_POSTGRES``; a skip without one, a failure when ``NEWSCOMPARE_REQUIRE_POSTGRES``
is set (CI starts a server, so a skip there would hide a gap)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

POSTGRES_SERVER = os.environ.get("NEWSCOMPARE_TEST_POSTGRES", "")


def _postgres_missing(reason: str) -> None:
    if os.environ.get("NEWSCOMPARE_REQUIRE_POSTGRES"):  # CI starts a server: a skip would hide a gap
        pytest.fail(f"{reason}, and NEWSCOMPARE_REQUIRE_POSTGRES is set")
    pytest.skip(f"{reason}: set NEWSCOMPARE_TEST_POSTGRES to a server's URL (see .ci/run)")


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new, empty database on the test server (``NEWSCOMPARE_TEST_POSTGRES``), dropped after."""
    if not POSTGRES_SERVER:
        _postgres_missing("no PostgreSQL server for tests")
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    name = f"nc_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(POSTGRES_SERVER, autocommit=True)
    except psycopg.Error as exc:
        _postgres_missing(f"cannot connect to {POSTGRES_SERVER}: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        params = conninfo_to_dict(POSTGRES_SERVER)
        params["dbname"] = name
        host = params.pop("host", None)
        url = f"postgresql://{params.get('user', '')}@/{name}" + (f"?host={host}" if host else "")
        if params.get("port"):
            url += ("&" if host else "?") + f"port={params['port']}"
        assert make_conninfo(url)
        try:
            yield url
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


