"""The demo corpus as data: outlets, articles and what a correct comparison must find.

The corpus lives in ``seeds/`` as plain files so that people can read and edit it:

- ``seeds/demo/outlets.yaml``: the demo outlets (one record each) and the demo topics;
- ``seeds/demo/articles/<outlet>/<slug>.md``: one article per file, YAML front matter and
  paragraphs separated by blank lines; ``<slug>.v2.md`` holds the second version of an article
  that is silently edited between two runs;
- ``seeds/EXPECTED.yaml``: the events, claims, labels, numbers and failures a comparison of the
  corpus must report;
- ``seeds/seed/``: the seed article's metadata (and its verbatim text when it is present).

:func:`load_corpus` parses all of it into frozen dataclasses, checking what the server relies on
(unique keys, known outlets, parseable dates) and raising :class:`~compare.errors.ConfigError`
with the file name when something is wrong.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from compare.errors import ConfigError

#: libyaml's safe loader when PyYAML was built with it (several times faster), else the pure one.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

__all__ = [
    "ARTICLE_FLAGS",
    "Block",
    "Comment",
    "Corpus",
    "DemoArticle",
    "DemoOutlet",
    "Theme",
    "Version",
    "default_seeds_dir",
    "load_corpus",
]

log = logging.getLogger(__name__)

#: What an article file may say about how the demo web serves it.
ARTICLE_FLAGS = ("paywalled", "broken", "missing")
#: How an outlet shows an article's date: JSON-LD, ``<meta>`` only, ``<time>`` only, URL only.
DATE_STYLES = ("jsonld", "meta", "time", "url")
FEED_KINDS = ("rss", "atom")
BEHAVIOURS = ("normal", "forbidden")
SEED_TEXT_NAME = "azernews-2023-07-29.txt"
SEED_META_NAME = "azernews-2023-07-29.meta.yaml"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_FRONT = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.DOTALL)


@dataclass(frozen=True)
class Theme:
    """The page chrome of one outlet: what makes its pages look like its own site."""

    layout: str = "classic"
    accent: str = "#333333"
    tagline: str = ""
    nav: tuple[str, ...] = ()
    cookie: str = "This site uses cookies."
    footer: str = ""
    byline_prefix: str = "By"


@dataclass(frozen=True)
class DemoOutlet:
    """One synthetic outlet of the demo web (a record of ``seeds/demo/outlets.yaml``)."""

    id: str
    name: str
    domain: str
    perspective: str
    language: str
    country: str
    groups: tuple[str, ...]
    owner: str
    ownership_type: str
    feed_kind: str
    sitemap: bool
    listed_feed: str
    url_pattern: str
    date_style: str
    behaviour: str = "normal"
    robots_disallow: tuple[str, ...] = ()
    paywall: bool = False
    theme: Theme = field(default_factory=Theme)

    @property
    def feed_path(self) -> str:
        """Where the outlet's own feed is served."""
        return "/rss.xml" if self.feed_kind == "rss" else "/atom.xml"


@dataclass(frozen=True)
class Block:
    """One block of an article body: a paragraph, a subheading or a pull quote."""

    kind: str
    text: str


@dataclass(frozen=True)
class Version:
    """What one version of an article says."""

    number: int
    title: str
    summary: str
    blocks: tuple[Block, ...]
    updated: datetime | None = None

    @property
    def text(self) -> str:
        """The body as plain text, blocks separated by blank lines."""
        return "\n\n".join(block.text for block in self.blocks)


@dataclass(frozen=True)
class Comment:
    """A reader comment under an article: page furniture that is not the article's text."""

    name: str
    text: str


@dataclass(frozen=True)
class DemoArticle:
    """One article of one demo outlet, with every version of it.

    ``caption``, ``tags`` and ``comments`` are page furniture: they are rendered around the
    article (a figure caption, a tag list, reader comments) but are not part of its text.
    """

    key: str
    outlet_id: str
    slug: str
    section: str
    event: str
    published: datetime
    author: str | None
    versions: tuple[Version, ...]
    flags: tuple[str, ...] = ()
    reprint_of: str | None = None
    seed: bool = False
    caption: str | None = None
    tags: tuple[str, ...] = ()
    comments: tuple[Comment, ...] = ()
    source_file: str = ""

    def version(self, number: int) -> Version:
        """The newest version not newer than ``number`` (an unedited article has only one)."""
        chosen = self.versions[0]
        for version in self.versions:
            if version.number <= number:
                chosen = version
        return chosen

    @property
    def edited(self) -> bool:
        """True when the article has a second version."""
        return len(self.versions) > 1

    def path(self, outlet: DemoOutlet) -> str:
        """The URL path of the article on its outlet's site."""
        return outlet.url_pattern.format(
            section=self.section,
            slug=self.slug,
            yyyy=f"{self.published.year:04d}",
            mm=f"{self.published.month:02d}",
            dd=f"{self.published.day:02d}",
        )


@dataclass(frozen=True)
class Corpus:
    """The whole demo corpus: outlets, articles, topics, expectations and the seed."""

    root: Path
    outlets: tuple[DemoOutlet, ...]
    articles: tuple[DemoArticle, ...]
    topics: tuple[Mapping[str, Any], ...]
    expected: Mapping[str, Any]
    seed_meta: Mapping[str, Any]
    seed_text: str | None = None

    def outlet(self, outlet_id: str) -> DemoOutlet | None:
        """The outlet with this id, or ``None`` when there is none."""
        return next((o for o in self.outlets if o.id == outlet_id), None)

    def article(self, key: str) -> DemoArticle | None:
        """The article with this ``<outlet-id>/<slug>`` key, or ``None``."""
        return next((a for a in self.articles if a.key == key), None)

    @property
    def seed_article(self) -> DemoArticle | None:
        """The demo outlet's report of the seed statement (its event is the seed event)."""
        return next((a for a in self.articles if a.seed), None)

    def articles_of(self, outlet_id: str) -> tuple[DemoArticle, ...]:
        """The outlet's articles, newest first (the order of its feed and front page)."""
        mine = [a for a in self.articles if a.outlet_id == outlet_id]
        return tuple(sorted(mine, key=lambda a: (a.published, a.slug), reverse=True))


def default_seeds_dir() -> Path:
    """The repository's ``seeds/`` folder, or ``$NEWSCOMPARE_SEEDS`` when that is set.

    The package sits at ``<repo>/compare/demoweb`` both in a checkout and in an editable
    install, so the folder is found relative to this file.
    """
    env = os.environ.get("NEWSCOMPARE_SEEDS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "seeds"


def load_corpus(seeds_dir: str | os.PathLike[str] | None = None) -> Corpus:
    """Parse the demo corpus under ``seeds_dir`` (default: the repository's ``seeds/``)."""
    root = Path(seeds_dir) if seeds_dir is not None else default_seeds_dir()
    outlets_file = root / "demo" / "outlets.yaml"
    if not outlets_file.is_file():
        raise ConfigError("no demo corpus here (demo/outlets.yaml is missing)", source=str(root))
    data = _read_yaml(outlets_file)
    outlets = tuple(_outlet(raw, outlets_file) for raw in _list(data, "outlets", outlets_file))
    ids = [o.id for o in outlets]
    if len(set(ids)) != len(ids):
        raise ConfigError("duplicate outlet ids", source=str(outlets_file))
    topics = tuple(_list(data, "topics", outlets_file))
    articles = _load_articles(root / "demo" / "articles", set(ids))
    expected_file = root / "EXPECTED.yaml"
    expected = _read_yaml(expected_file) if expected_file.is_file() else {}
    seed_dir = root / "seed"
    meta_file = seed_dir / SEED_META_NAME
    seed_meta = _read_yaml(meta_file) if meta_file.is_file() else {}
    text_file = seed_dir / SEED_TEXT_NAME
    seed_text = text_file.read_text(encoding="utf-8") if text_file.is_file() else None
    log.debug("demo corpus: %d outlets, %d articles from %s", len(outlets), len(articles), root)
    return Corpus(
        root=root,
        outlets=outlets,
        articles=articles,
        topics=topics,
        expected=expected,
        seed_meta=seed_meta,
        seed_text=seed_text,
    )


# --------------------------------------------------------------------------------------------
# Parsing helpers
# --------------------------------------------------------------------------------------------


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read: {exc}", source=str(path)) from exc
    if not isinstance(data, dict):
        raise ConfigError("expected a mapping at the top", source=str(path))
    return data


def _list(data: Mapping[str, Any], key: str, path: Path) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise ConfigError(f"{key}: expected a list", source=str(path))
    return value


def _choice(raw: Mapping[str, Any], key: str, allowed: tuple[str, ...], where: str) -> str:
    value = str(raw.get(key, allowed[0]))
    if value not in allowed:
        raise ConfigError(f"{key}: {value!r} is not one of {', '.join(allowed)}", source=where)
    return value


def _outlet(raw: Any, path: Path) -> DemoOutlet:
    if not isinstance(raw, dict) or not _SLUG.match(str(raw.get("id", ""))):
        raise ConfigError(f"outlet without a valid id: {raw!r:.80}", source=str(path))
    where = f"{path} (outlet {raw['id']})"
    theme_raw = raw.get("theme") or {}
    theme = Theme(
        layout=str(theme_raw.get("layout", "classic")),
        accent=str(theme_raw.get("accent", "#333333")),
        tagline=str(theme_raw.get("tagline", "")),
        nav=tuple(str(item) for item in theme_raw.get("nav", ())),
        cookie=str(theme_raw.get("cookie", "This site uses cookies.")),
        footer=str(theme_raw.get("footer", "")),
        byline_prefix=str(theme_raw.get("byline_prefix", "By")),
    )
    ownership = raw.get("ownership") or {}
    feed_kind = _choice(raw, "feed", FEED_KINDS, where)
    sitemap = bool(raw.get("sitemap", False))
    listed = str(raw.get("listed_feed", feed_kind))
    if listed not in (*FEED_KINDS, "sitemap") or (listed == "sitemap" and not sitemap):
        raise ConfigError(f"listed_feed: {listed!r} is not served", source=where)
    try:
        return DemoOutlet(
            id=str(raw["id"]),
            name=str(raw["name"]),
            domain=str(raw["domain"]),
            perspective=str(raw["perspective"]),
            language=str(raw.get("language", "en")),
            country=str(raw["country"]),
            groups=tuple(str(g) for g in raw.get("groups", ())),
            owner=str(ownership.get("owner", "unknown")),
            ownership_type=str(ownership.get("type", "unknown")),
            feed_kind=feed_kind,
            sitemap=sitemap,
            listed_feed=listed,
            url_pattern=str(raw["url_pattern"]),
            date_style=_choice(raw, "date_style", DATE_STYLES, where),
            behaviour=_choice(raw, "behaviour", BEHAVIOURS, where),
            robots_disallow=tuple(str(p) for p in raw.get("robots_disallow", ())),
            paywall=bool(raw.get("paywall", False)),
            theme=theme,
        )
    except KeyError as exc:
        raise ConfigError(f"missing key {exc.args[0]!r}", source=where) from exc


def _datetime(value: Any, key: str, where: str) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError as exc:
            raise ConfigError(f"{key}: not an ISO date-time: {value!r}", source=where) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _split(path: Path) -> tuple[dict[str, Any], str]:
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    match = _FRONT.match(text)
    if not match:
        raise ConfigError("expected YAML front matter between '---' lines", source=str(path))
    try:
        front = yaml.load(match.group(1), Loader=_LOADER) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"bad front matter: {exc}", source=str(path)) from exc
    if not isinstance(front, dict):
        raise ConfigError("front matter is not a mapping", source=str(path))
    return front, match.group(2)


def parse_blocks(body: str) -> tuple[Block, ...]:
    """Split a body into blocks: ``## `` starts a subheading, ``> `` a pull quote.

    Paragraphs are separated by blank lines; lines inside one paragraph are joined by spaces.
    """
    blocks: list[Block] = []
    for chunk in re.split(r"\n\s*\n", body.strip()):
        text = " ".join(line.strip() for line in chunk.splitlines() if line.strip())
        if not text:
            continue
        if text.startswith("## "):
            blocks.append(Block("h2", text[3:].strip()))
        elif text.startswith("> "):
            blocks.append(Block("quote", text[2:].strip()))
        else:
            blocks.append(Block("p", text))
    return tuple(blocks)


def _version(front: Mapping[str, Any], body: str, number: int, where: str) -> Version:
    blocks = parse_blocks(body)
    if not blocks:
        raise ConfigError("empty article body", source=where)
    updated = front.get("updated")
    return Version(
        number=number,
        title=str(front["title"]),
        summary=str(front.get("summary") or blocks[0].text),
        blocks=blocks,
        updated=_datetime(updated, "updated", where) if updated else None,
    )


def _load_articles(folder: Path, outlet_ids: set[str]) -> tuple[DemoArticle, ...]:
    articles: list[DemoArticle] = []
    for outlet_dir in sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []:
        if outlet_dir.name not in outlet_ids:
            raise ConfigError("folder of an unknown outlet", source=str(outlet_dir))
        for path in sorted(outlet_dir.glob("*.md")):
            if path.name.endswith(".v2.md"):
                continue
            articles.append(_article(path, outlet_dir.name))
    keys = [a.key for a in articles]
    if len(set(keys)) != len(keys):
        raise ConfigError("duplicate article keys", source=str(folder))
    return tuple(articles)


def _article(path: Path, outlet_id: str) -> DemoArticle:
    where = str(path)
    front, body = _split(path)
    slug = path.name[: -len(".md")]
    if not _SLUG.match(slug):
        raise ConfigError("file name is not a slug", source=where)
    flags = tuple(str(f) for f in front.get("flags", ()))
    unknown = set(flags) - set(ARTICLE_FLAGS)
    if unknown:
        raise ConfigError(f"unknown flags: {', '.join(sorted(unknown))}", source=where)
    try:
        versions = [_version(front, body, 1, where)]
        second = path.with_name(f"{slug}.v2.md")
        if second.is_file():
            front2, body2 = _split(second)
            versions.append(_version({**front, **front2}, body2, 2, str(second)))
        return DemoArticle(
            key=f"{outlet_id}/{slug}",
            outlet_id=outlet_id,
            slug=slug,
            section=str(front["section"]),
            event=str(front["event"]),
            published=_datetime(front["published"], "published", where),
            author=str(front["author"]) if front.get("author") else None,
            versions=tuple(versions),
            flags=flags,
            reprint_of=str(front["reprint_of"]) if front.get("reprint_of") else None,
            seed=bool(front.get("seed", False)),
            caption=str(front["caption"]) if front.get("caption") else None,
            tags=tuple(str(t) for t in front.get("tags", ())),
            comments=tuple(
                Comment(name=str(c["name"]), text=str(c["text"])) for c in front.get("comments", ())
            ),
            source_file=where,
        )
    except KeyError as exc:
        raise ConfigError(f"missing key {exc.args[0]!r}", source=where) from exc
