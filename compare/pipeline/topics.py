"""Topic pages: for each topic of the sources file, its query phrases' events side by side.

Written beside the event reports as ``topic-<id>.html`` (linked from the index), ``.md`` and
``.json``. The topic phrases' vectors are cached like passages', so a quiet night loads no model.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from compare.errors import CompareError
from compare.files import write_atomic
from compare.markup import md as escape_md
from compare.models import Sources
from compare.store import Store
from compare.view.model import TopicLink

if TYPE_CHECKING:
    from compare.embed import Embedder

__all__ = ["write_topic_pages"]


def write_topic_pages(
    store: Store, sources: Sources, out_dir: Path, *, embedder: Embedder, since: timedelta | None
) -> list[TopicLink]:
    """Write every topic's pages into ``out_dir``; returns the links for the index."""
    from compare.embed import CachedEmbedder
    from compare.query import alias_sets, render_query_json, render_query_markdown
    from compare.query import query as run_query
    from compare.report import render_topic_html

    aliases = alias_sets(sources)
    cached = CachedEmbedder(embedder, store)
    links = []
    for topic in sources.topics:
        results = [
            run_query(store, phrase, since=since, embedder=cached, aliases=aliases, limit=10)
            for phrase in topic.queries or (topic.name,)
        ]
        sections = "\n\n".join(render_query_markdown(r) for r in results)
        stem = f"topic-{topic.id}"
        files = {
            f"{stem}.md": f"# Topic: {escape_md(topic.name)}\n\n{sections}",
            f"{stem}.json": "[\n" + ",\n".join(render_query_json(r) for r in results) + "\n]\n",
            f"{stem}.html": render_topic_html(topic.name, results),
        }
        try:
            for name, text in files.items():
                write_atomic(out_dir / name, text)
        except OSError as exc:
            raise CompareError(f"cannot write the topic pages to {out_dir}: {exc}") from None
        links.append(TopicLink(topic_id=topic.id, name=topic.name, path=f"{stem}.html"))
    return links
