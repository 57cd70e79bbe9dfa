"""The web service (layer L8): search page, event/claim/outlet/run pages and a JSON API.

:func:`create_app` builds the FastAPI app over a database file; :func:`serve` runs it with
uvicorn, on the loopback interface unless told otherwise. It is read-only: no endpoint writes.
FastAPI and uvicorn are imported when a function is called, never when ``compare`` is imported.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from compare.embed import Embedder

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["create_app", "serve"]

logger = logging.getLogger(__name__)


def create_app(
    db_path: str | Path,
    *,
    embedder: Embedder | None = None,
    aliases: Sequence[Sequence[str]] | None = None,
    allowed_hosts: Sequence[str] | None = None,
) -> FastAPI:
    """The FastAPI app over ``db_path``; see :func:`compare.service.app.create_app`."""
    from compare.service.app import create_app as build
    from compare.service.security import LOOPBACK_NAMES

    return build(db_path, embedder=embedder, aliases=aliases,
                 allowed_hosts=allowed_hosts or LOOPBACK_NAMES)


def _warm(db_path: str | Path, embedder: Embedder | None) -> Embedder | None:
    """Load the embedder and the vector index now rather than on the first query."""
    from compare.store import Store

    with Store(db_path, read_only=True) as store:
        if not store.has_vectors():
            return embedder
        if embedder is None:
            from compare.embed import load_embedder

            embedder = load_embedder()
        store.passage_index(embedder.model_id)
    return embedder


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    db_path: str | Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    embedder: Embedder | None = None,
    aliases: Sequence[Sequence[str]] | None = None,
    log_level: str = "info",
    allow_hosts: Sequence[str] = (),
) -> None:
    """Serve the app until interrupted. Binding beyond loopback is logged as a warning.

    Requests must name the bound address, a loopback name or one of ``allow_hosts`` in their
    ``Host`` header. The embedding model and the vector index are loaded before the first
    request (when the store holds vectors), so the first query is as fast as the next ones.
    """
    import uvicorn

    from compare.service.security import allowed_hosts_for

    hosts = allowed_hosts_for(host, allow_hosts)
    app = create_app(db_path, embedder=embedder, aliases=aliases, allowed_hosts=hosts)
    app.state.embedder = _warm(db_path, embedder)
    if not _is_loopback(host):
        logger.warning("serving on %s: reachable from other machines (read-only, no authentication)", host)
    if host in ("0.0.0.0", "::") and not allow_hosts:
        logger.warning("serving on every interface, but only requests naming %s are answered; "
                       "add the names clients use with --allow-host", ", ".join(hosts))
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)
