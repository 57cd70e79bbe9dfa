"""Property-based API tests against the app's own OpenAPI schema (schemathesis, in process).

Every operation of /openapi.json gets generated requests (valid and invalid): no answer may be a
5xx, and every answer must match the documented status codes, content types and schemas. The run
is small and derandomised so CI stays fast and repeatable.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

schemathesis = pytest.importorskip("schemathesis")

from compare.embed import HashingEmbedder  # noqa: E402
from compare.service import create_app  # noqa: E402

from .conftest import build_store  # noqa: E402

# schemathesis collects operations from the schema at import time, so the store is built here,
# in a folder removed when the interpreter exits.
_FOLDER = tempfile.TemporaryDirectory(prefix="newscompare-schemathesis-")
_DB = Path(_FOLDER.name) / "news.db"
build_store(_DB)
_APP = create_app(_DB, embedder=HashingEmbedder(dim=128), allowed_hosts=["testserver", "localhost"])
schema = schemathesis.openapi.from_asgi("/openapi.json", _APP)


@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms_to_its_schema(case: object) -> None:
    case.call_and_validate()  # type: ignore[attr-defined]
