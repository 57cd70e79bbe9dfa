"""Loading and validating ``sources.yaml``: the outlets to watch and the topics to report on.

Loading is strict and reports every problem at once, each with file, line and key, so a user
fixes a file in one pass. The schema (every key is documented in docs/sources.md)::

    version: 1
    defaults: {min_delay, max_concurrency, user_agent, respect_robots, connect_timeout,
               read_timeout, total_timeout, max_pages_per_run, max_bytes}
    topics:   [{id, name, queries: [str], aliases: [[str, str, ...]]}]
    outlets:  [{id, name, homepage, language, country, feeds: [{url, kind, section}], urls,
                groups, ownership: {owner, type, evidence}, politeness: {...defaults keys},
                include, exclude, paywall, active, verified (bool or date), notes,
                allow_private_addresses, failed_feeds: [{url, kind, section, reason}]}]
"""

from __future__ import annotations

import math
import os
import re
import stat
from collections.abc import Callable
from dataclasses import fields, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from compare.errors import Problem, SourcesError, UsageError
from compare.hashing import shard_of
from compare.models import FEED_KINDS, Feed, Outlet, Ownership, Politeness, Sources, Topic

__all__ = [
    "FAILED_FEED_KEYS",
    "FEED_KEYS",
    "OUTLET_KEYS",
    "OWNERSHIP_TYPES",
    "POLITENESS_KEYS",
    "TOPIC_KEYS",
    "TOP_KEYS",
    "load_sources",
    "outlets_in_shard",
    "parse_shard",
    "parse_sources",
]

TOP_KEYS = ("version", "defaults", "topics", "outlets")
OUTLET_KEYS = (
    "id",
    "name",
    "homepage",
    "language",
    "country",
    "feeds",
    "urls",
    "groups",
    "ownership",
    "politeness",
    "include",
    "exclude",
    "paywall",
    "active",
    "verified",
    "notes",
    "allow_private_addresses",
    "failed_feeds",
)
FEED_KEYS = ("url", "kind", "section")
#: A feed ``sources check --write`` moved out of ``feeds`` because it failed: why, and when.
FAILED_FEED_KEYS = (*FEED_KEYS, "reason")
OWNERSHIP_KEYS = ("owner", "type", "evidence")
OWNERSHIP_TYPES = ("state", "private", "public-broadcaster", "nonprofit", "cooperative", "unknown")
TOPIC_KEYS = ("id", "name", "queries", "aliases")
POLITENESS_KEYS = tuple(f.name for f in fields(Politeness))
REQUIRED_OUTLET_KEYS = ("id", "name", "homepage", "language", "country")

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
#: The largest number any key takes (seconds, bytes, pages): beyond it a value is a typo.
MAX_NUMBER = 1e12
#: A sources file larger than this is not read (the shipped one is 20 KB; a thousand outlets
#: take about 500 KB).
MAX_FILE_BYTES = 4 * 1024 * 1024
#: Nesting deeper than this is refused before the YAML parser recurses into it.
MAX_DEPTH = 64
#: Problems kept (with their lines) of a file that has more; the rest are only counted.
MAX_PROBLEMS = 1000
# libyaml composes about six times faster than PyYAML's own parser, with the same marks.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
GROUP_TAG = re.compile(r"^[a-z0-9][a-z0-9_-]*(:[a-z0-9][a-z0-9_-]*)?$", re.IGNORECASE)

# ISO 639-1 language codes.
LANGUAGES = frozenset(
    """
    aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy
    da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu
    hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb
    lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om
    or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw
    ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu
    """.split()  # noqa: SIM905
)
# ISO 3166-1 alpha-2 country codes.
COUNTRIES = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR
    BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ
    EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW
    GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY
    KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV
    MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY
    QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG
    TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM
    ZW XK
    """.split()  # noqa: SIM905
)


class _Checker:
    """Walks the YAML node tree, collecting problems with their line numbers."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.count = 0
        self.stopped = False

    def problem(self, node: yaml.Node | None, key: str, message: str) -> None:
        self.count += 1
        if len(self.problems) >= MAX_PROBLEMS:  # counted, not kept: nobody reads a million
            return
        line = node.start_mark.line + 1 if node is not None else None
        self.problems.append(Problem(self.file, line, key, message))

    def full(self) -> bool:
        """True once :data:`MAX_PROBLEMS` were found: the rest of the file is not checked."""
        if self.count < MAX_PROBLEMS:
            return False
        if not self.stopped:
            self.stopped = True
            self.problems.append(Problem(self.file, None, "", f"checking stopped after {self.count} "
                                         "problems; fix these first"))
        return True

    # -- node helpers ------------------------------------------------------------------------

    def mapping(self, node: yaml.Node, key: str, allowed: tuple[str, ...]) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, key, "must be a mapping of keys to values")
            return {}
        out: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            name = str(key_node.value)
            path = f"{key}.{name}" if key else name
            if name in out:
                self.problem(key_node, path, "duplicate key")
            elif name not in allowed:
                self.problem(key_node, path, f"unknown key (allowed: {', '.join(allowed)})")
            else:
                out[name] = value_node
        return out

    def sequence(self, node: yaml.Node, key: str) -> list[yaml.Node]:
        if isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null"):
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, key, "must be a list")
            return []
        return list(node.value)

    def scalar(self, node: yaml.Node, key: str) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            self.problem(node, key, "must be a single value, not a list or mapping")
            return None
        return yaml.safe_load(yaml.serialize(node))

    def string(
        self, node: yaml.Node, key: str, *, pattern: re.Pattern[str] | None = None, what: str = ""
    ) -> str | None:
        value = self.scalar(node, key)
        if value is None:
            if isinstance(node, yaml.ScalarNode):
                self.problem(node, key, "must not be empty")
            return None
        if not isinstance(value, str):
            value = str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value
        if not isinstance(value, str) or not value.strip():
            self.problem(node, key, "must be a non-empty string")
            return None
        if pattern is not None and not pattern.match(value):
            self.problem(node, key, f"{value!r} is not {what or 'valid'}")
            return None
        return value

    def url(self, node: yaml.Node, key: str) -> str | None:
        value = self.string(node, key)
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
            self.problem(node, key, f"{value!r} is not an http(s) URL")
            return None
        return value

    def boolean(self, node: yaml.Node, key: str) -> bool | None:
        value = self.scalar(node, key)
        if not isinstance(value, bool):
            self.problem(node, key, "must be true or false")
            return None
        return value

    def verified(self, node: yaml.Node, key: str) -> tuple[bool | None, str | None]:
        """``true``/``false``, or the date a working feed was last found (``2026-12-02``)."""
        value = self.scalar(node, key)
        if isinstance(value, bool):
            return value, None
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            return True, value.isoformat()
        if isinstance(value, str):
            try:
                return True, date.fromisoformat(value.strip()).isoformat()
            except ValueError:
                pass
        self.problem(node, key, "must be true, false or a date such as 2026-12-02")
        return None, None

    def number(self, node: yaml.Node, key: str, *, integer: bool = False) -> float | int | None:
        value = self.scalar(node, key)
        ok = isinstance(value, int) if integer else isinstance(value, int | float)
        # .nan and .inf are YAML floats: a NaN delay or timeout compares false with everything
        if not ok or isinstance(value, bool) or not math.isfinite(value) or value < 0:
            self.problem(node, key, f"must be a non-negative {'whole number' if integer else 'number'}")
            return None
        if value > MAX_NUMBER:
            self.problem(node, key, f"must be at most {MAX_NUMBER:g}")
            return None
        return int(value) if isinstance(value, int) else float(value)

    def strings(
        self, node: yaml.Node, key: str, check: Callable[[yaml.Node, str], str | None] | None = None
    ) -> tuple[str, ...]:
        out = []
        for i, item in enumerate(self.sequence(node, key)):
            value = (check or self.string)(item, f"{key}[{i}]")
            if value is not None:
                out.append(value)
        return tuple(out)

    def regexes(self, node: yaml.Node, key: str) -> tuple[str, ...]:
        out = []
        for i, item in enumerate(self.sequence(node, key)):
            value = self.string(item, f"{key}[{i}]")
            if value is None:
                continue
            try:
                re.compile(value)
            except re.error as exc:
                self.problem(item, f"{key}[{i}]", f"not a valid regular expression: {exc}")
                continue
            out.append(value)
        return tuple(out)

    # -- schema --------------------------------------------------------------------------------

    def politeness(self, node: yaml.Node, key: str, base: Politeness) -> Politeness:
        items = self.mapping(node, key, POLITENESS_KEYS)
        values: dict[str, Any] = {}
        for name, value_node in items.items():
            path = f"{key}.{name}"
            if name == "user_agent":
                values[name] = self.string(value_node, path)
            elif name == "respect_robots":
                values[name] = self.boolean(value_node, path)
            else:
                integer = name in ("max_concurrency", "max_pages_per_run", "max_bytes")
                number = self.number(value_node, path, integer=integer)
                if integer and number is not None and number < 1:
                    self.problem(value_node, path, "must be at least 1")
                    number = None
                values[name] = number
        return replace(base, **{k: v for k, v in values.items() if v is not None})

    def feed(self, node: yaml.Node, key: str, allowed: tuple[str, ...] = FEED_KEYS) -> Feed | None:
        items = self.mapping(node, key, allowed)
        if "url" not in items:
            self.problem(node, key, "a feed needs a url")
            return None
        url = self.url(items["url"], f"{key}.url")
        kind = "rss"
        if "kind" in items:
            value = self.string(items["kind"], f"{key}.kind")
            if value is not None and value not in FEED_KINDS:
                self.problem(items["kind"], f"{key}.kind", f"must be one of {', '.join(FEED_KINDS)}")
            elif value is not None:
                kind = value
        section = self.string(items["section"], f"{key}.section") if "section" in items else None
        if "reason" in items:
            self.string(items["reason"], f"{key}.reason")
        return Feed(url=url, kind=kind, section=section) if url else None

    def ownership(self, node: yaml.Node, key: str) -> Ownership | None:
        items = self.mapping(node, key, OWNERSHIP_KEYS)
        owner = self.string(items["owner"], f"{key}.owner") if "owner" in items else None
        if "owner" not in items:
            self.problem(node, key, "ownership needs an owner")
        kind = "unknown"
        if "type" in items:
            value = self.string(items["type"], f"{key}.type")
            if value is not None and value not in OWNERSHIP_TYPES:
                self.problem(items["type"], f"{key}.type", f"must be one of {', '.join(OWNERSHIP_TYPES)}")
            elif value is not None:
                kind = value
        evidence = self.strings(items["evidence"], f"{key}.evidence", self.url) if "evidence" in items else ()
        return Ownership(owner=owner, type=kind, evidence=evidence) if owner else None

    def outlet(self, node: yaml.Node, key: str, defaults: Politeness) -> Outlet | None:
        items = self.mapping(node, key, OUTLET_KEYS)
        label = key
        if "id" in items and isinstance(items["id"], yaml.ScalarNode):
            label = f"outlets[{items['id'].value}]"
        for required in REQUIRED_OUTLET_KEYS:
            if required not in items and isinstance(node, yaml.MappingNode):
                self.problem(node, f"{label}.{required}", "missing required key")
        before = self.count
        values: dict[str, Any] = {}
        if "id" in items:
            values["id"] = self.string(
                items["id"],
                f"{label}.id",
                pattern=SLUG,
                what="a slug (lower-case letters, digits and dashes)",
            )
        if "name" in items:
            values["name"] = self.string(items["name"], f"{label}.name")
        if "homepage" in items:
            values["homepage"] = self.url(items["homepage"], f"{label}.homepage")
        if "language" in items:
            lang = self.string(items["language"], f"{label}.language")
            if lang is not None and lang not in LANGUAGES:
                self.problem(items["language"], f"{label}.language", f"{lang!r} is not an ISO 639-1 code")
            values["language"] = lang
        if "country" in items:
            country = self.string(items["country"], f"{label}.country")
            if country is not None and country not in COUNTRIES:
                self.problem(
                    items["country"], f"{label}.country", f"{country!r} is not an ISO 3166-1 alpha-2 code"
                )
            values["country"] = country
        if "feeds" in items:
            feeds = [
                self.feed(f, f"{label}.feeds[{i}]")
                for i, f in enumerate(self.sequence(items["feeds"], f"{label}.feeds"))
            ]
            values["feeds"] = tuple(f for f in feeds if f is not None)
        if "failed_feeds" in items:
            failed = [
                self.feed(f, f"{label}.failed_feeds[{i}]", FAILED_FEED_KEYS)
                for i, f in enumerate(self.sequence(items["failed_feeds"], f"{label}.failed_feeds"))
            ]
            values["failed_feeds"] = tuple(f for f in failed if f is not None)
        if "urls" in items:
            values["urls"] = self.strings(items["urls"], f"{label}.urls", self.url)
        if "groups" in items:
            values["groups"] = self.strings(
                items["groups"],
                f"{label}.groups",
                lambda n, k: self.string(n, k, pattern=GROUP_TAG, what="a tag such as wire or country:AZ"),
            )
        if "ownership" in items:
            values["ownership"] = self.ownership(items["ownership"], f"{label}.ownership")
        values["politeness"] = (
            self.politeness(items["politeness"], f"{label}.politeness", defaults)
            if "politeness" in items
            else defaults
        )
        for name in ("include", "exclude"):
            if name in items:
                values[name] = self.regexes(items[name], f"{label}.{name}")
        for name in ("paywall", "active", "allow_private_addresses"):
            if name in items:
                values[name] = self.boolean(items[name], f"{label}.{name}")
        if "verified" in items:
            values["verified"], values["verified_on"] = self.verified(items["verified"],
                                                                      f"{label}.verified")
        if "notes" in items:
            values["notes"] = self.string(items["notes"], f"{label}.notes")
        if self.count > before or any(k not in items for k in REQUIRED_OUTLET_KEYS):
            return None
        return Outlet(**values)

    def topic(self, node: yaml.Node, key: str) -> Topic | None:
        items = self.mapping(node, key, TOPIC_KEYS)
        before = self.count
        for required in ("id", "name"):
            if required not in items and isinstance(node, yaml.MappingNode):
                self.problem(node, f"{key}.{required}", "missing required key")
        topic_id = (
            self.string(items["id"], f"{key}.id", pattern=SLUG, what="a slug") if "id" in items else None
        )
        name = self.string(items["name"], f"{key}.name") if "name" in items else None
        queries = self.strings(items["queries"], f"{key}.queries") if "queries" in items else ()
        aliases: list[tuple[str, ...]] = []
        if "aliases" in items:
            for i, alias_node in enumerate(self.sequence(items["aliases"], f"{key}.aliases")):
                names = self.strings(alias_node, f"{key}.aliases[{i}]")
                if len(names) < 2:
                    self.problem(alias_node, f"{key}.aliases[{i}]", "an alias set needs at least two names")
                aliases.append(names)
        if self.count > before or topic_id is None or name is None:
            return None
        return Topic(id=topic_id, name=name, queries=queries, aliases=tuple(aliases))


def parse_sources(text: str, *, file: str = "<sources>") -> Sources:
    """Validate the text of a sources file; raise :class:`SourcesError` listing every problem."""
    checker = _Checker(file)
    deep = _too_deep(text)
    if deep is not None:
        raise SourcesError([Problem(file, deep, "", f"nested more than {MAX_DEPTH} levels deep")])
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except RecursionError:
        raise SourcesError([Problem(file, None, "", "nested too deeply to read")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SourcesError([Problem(file, line, "", f"invalid YAML: {reason}")]) from None
    if root is None:
        raise SourcesError([Problem(file, None, "", "the file is empty")])
    top = checker.mapping(root, "", TOP_KEYS)
    if "version" in top:
        version = checker.scalar(top["version"], "version")
        if version != 1:
            checker.problem(top["version"], "version", "only version 1 is known")
    defaults = (
        checker.politeness(top["defaults"], "defaults", Politeness()) if "defaults" in top else Politeness()
    )

    topics: list[Topic] = []
    seen_topics: dict[str, int] = {}
    for i, node in enumerate(checker.sequence(top["topics"], "topics") if "topics" in top else []):
        if checker.full():
            break
        topic = checker.topic(node, f"topics[{i}]")
        if topic is None:
            continue
        if topic.id in seen_topics:
            checker.problem(node, f"topics[{i}].id", f"duplicate topic id {topic.id!r}")
            continue
        seen_topics[topic.id] = i
        topics.append(topic)

    outlets: list[Outlet] = []
    seen: set[str] = set()
    if "outlets" not in top:
        checker.problem(root, "outlets", "missing required key")
    for i, node in enumerate(checker.sequence(top["outlets"], "outlets") if "outlets" in top else []):
        if checker.full():
            break
        outlet = checker.outlet(node, f"outlets[{i}]", defaults)
        if outlet is None:
            continue
        if outlet.id in seen:
            checker.problem(node, f"outlets[{outlet.id}].id", f"duplicate outlet id {outlet.id!r}")
            continue
        seen.add(outlet.id)
        outlets.append(outlet)

    if checker.problems:
        raise SourcesError(checker.problems, total=checker.count)
    return Sources(path=file, outlets=tuple(outlets), topics=tuple(topics), defaults=defaults)


_DASHES = re.compile(r"(?:-[ \t]+)+")


def _too_deep(text: str) -> int | None:
    """The line where YAML nesting (indentation or flow brackets) passes :data:`MAX_DEPTH`, if any.

    PyYAML composes recursively: a few hundred levels exhaust Python's stack. This scan is a cheap
    upper bound that counts open flow brackets (outside quotes) and indentation steps.
    """
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.lstrip(" ")
        dashes = _DASHES.match(stripped)
        levels = (len(line) - len(stripped)) // 2 + (dashes.group(0).count("-") if dashes else 0)
        if stripped and not stripped.startswith("#") and levels > MAX_DEPTH:
            return number
        quote = ""
        for char in line:
            if quote:
                quote = "" if char == quote else quote
            elif char in "'\"":
                quote = char
            elif char == "#":
                break
            elif char in "[{":
                depth += 1
                if depth > MAX_DEPTH:
                    return number
            elif char in "]}":
                depth = max(0, depth - 1)
    return None


def load_sources(path: str | Path) -> Sources:
    """Read and validate a sources file (a regular file of at most :data:`MAX_FILE_BYTES`)."""
    path = Path(path)
    if path.is_dir():
        raise SourcesError([Problem(str(path), None, "", "is a directory, not a sources file")])
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer before it can be refused.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise SourcesError([Problem(str(path), None, "", "is not a regular file")])
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise SourcesError([Problem(str(path), None, "", "no such file")]) from None
    except OSError as exc:
        raise SourcesError([Problem(str(path), None, "", f"cannot read: {exc.strerror or exc}")]) from None
    if len(data) > MAX_FILE_BYTES:
        raise SourcesError([Problem(str(path), None, "", f"larger than {MAX_FILE_BYTES // 2**20} MB")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourcesError([Problem(str(path), None, "", f"not UTF-8 text ({exc.reason} at byte "
                                    f"{exc.start})")]) from None
    return parse_sources(text, file=str(path))


def parse_shard(text: str) -> tuple[int, int]:
    """``K/N`` (the K-th of N shards, 1-based) as ``(K, N)``; a clear error for anything else."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise UsageError(f"--shard takes K/N with 1 <= K <= N (such as 2/3), not {text!r}")
    return int(match.group(1)), int(match.group(2))


def outlets_in_shard(sources: Sources, index: int, count: int) -> list[str]:
    """The ids of the outlets in shard ``index`` of ``count`` (1-based), by a stable hash of each
    outlet's host: every outlet of one host falls in one shard, so one worker keeps its politeness."""
    out = []
    for outlet in sources.outlets:
        host = urlsplit(outlet.homepage).hostname or outlet.id
        if shard_of(host, count) == index - 1:
            out.append(outlet.id)
    return out
