"""Write a ``sources.yaml`` that points the real fetcher at a running demo web.

The file follows the schema of the project's sources loader (``version: 1``, ``defaults``,
``topics``, ``outlets``); every outlet of the corpus is listed, the one that answers 403 too, so
a run reports it as blocked rather than silently leaving it out. Every outlet says
``allow_private_addresses: true``, since the demo web serves on loopback addresses.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from compare.demoweb.corpus import Corpus, DemoOutlet
from compare.errors import ConfigError

__all__ = ["sources_document", "write_sources"]

USER_AGENT = "newscompare-demo (+http://127.0.0.1/)"


def _feed(outlet: DemoOutlet, base: str) -> dict[str, Any]:
    if outlet.listed_feed == "sitemap":
        return {"url": f"{base}/sitemap.xml", "kind": "sitemap"}
    return {"url": base + outlet.feed_path, "kind": outlet.feed_kind}


def sources_document(
    corpus: Corpus,
    bases: Mapping[str, str],
    *,
    min_delay: float = 0.0,
    languages: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The sources file as a plain mapping, for the outlets served at ``bases`` (id → URL);
    ``languages`` keeps only the outlets writing in them (``("en",)``: the English demo)."""
    outlets = []
    for outlet in corpus.outlets:
        if languages is not None and outlet.language not in languages:
            continue
        base = bases[outlet.id].rstrip("/")
        outlets.append(
            {
                "id": outlet.id,
                "name": outlet.name,
                "homepage": base + "/",
                "language": outlet.language,
                "country": outlet.country,
                "feeds": [_feed(outlet, base)],
                "groups": list(outlet.groups),
                "ownership": {
                    "owner": outlet.owner,
                    "type": outlet.ownership_type,
                    "evidence": [],
                },
                "politeness": {"min_delay": min_delay},
                "include": [],
                "exclude": [],
                "paywall": outlet.paywall,
                "active": True,
                "verified": True,
                # The demo web lives on 127.0.0.x: without this the address policy refuses it.
                "allow_private_addresses": True,
                "notes": (
                    f"synthetic demo outlet {outlet.domain} ({outlet.perspective}); served by compare.demoweb"
                ),
            }
        )
    topics = [
        {
            "id": str(topic["id"]),
            "name": str(topic["name"]),
            "queries": [str(q) for q in topic.get("queries", ())],
            "aliases": [[str(term) for term in group] for group in topic.get("aliases", ())],
        }
        for topic in corpus.topics
    ]
    return {
        "version": 1,
        "defaults": {
            "min_delay": min_delay,
            "max_concurrency": 2,
            "user_agent": USER_AGENT,
            "respect_robots": True,
            "connect_timeout": 5.0,
            "read_timeout": 10.0,
            "total_timeout": 30.0,
            "max_pages_per_run": 200,
            "max_bytes": 2_000_000,
        },
        "topics": topics,
        "outlets": outlets,
    }


def write_sources(
    corpus: Corpus,
    bases: Mapping[str, str],
    path: str | os.PathLike[str],
    *,
    min_delay: float = 0.0,
    languages: Sequence[str] | None = None,
) -> Path:
    """Write :func:`sources_document` as YAML to ``path``; returns the path."""
    target = Path(path)
    text = (
        "# Written by compare.demoweb: the synthetic demo outlets on loopback addresses.\n"
        "# Valid only while that demo web runs; the ports change on every start.\n"
        + yaml.safe_dump(
            sources_document(corpus, bases, min_delay=min_delay, languages=languages),
            sort_keys=False,
            allow_unicode=True,
            width=100,
        )
    )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write the demo sources file: {exc}", source=str(target)) from exc
    return target
