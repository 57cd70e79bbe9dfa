from __future__ import annotations

import re
from pathlib import Path

import pytest

from compare.errors import SourcesError
from compare.sources import (
    OUTLET_KEYS,
    POLITENESS_KEYS,
    TOP_KEYS,
    TOPIC_KEYS,
    load_sources,
    parse_sources,
)

GOOD = """\
version: 1
defaults:
  min_delay: 1.5
topics:
  - id: karabakh
    name: Karabakh
    queries: [Lachin corridor]
    aliases:
      - [Khankendi, Stepanakert]
outlets:
  - id: wire-one
    name: Wire One
    homepage: https://wire.example/
    language: en
    country: GB
    feeds:
      - {url: "https://wire.example/rss", kind: rss, section: world}
    groups: [wire, "country:GB"]
    ownership: {owner: Wire Co, type: private, evidence: ["https://wire.example/about"]}
    politeness: {max_concurrency: 4}
    include: ["/world/"]
    paywall: false
  - id: other
    name: Other
    homepage: https://other.example/
    language: hy
    country: AM
"""


def test_a_good_file_loads_with_defaults_applied() -> None:
    sources = parse_sources(GOOD, file="s.yaml")
    assert [o.id for o in sources.outlets] == ["wire-one", "other"]
    wire = sources.outlet("wire-one")
    assert wire is not None
    assert wire.politeness.min_delay == 1.5  # from defaults
    assert wire.politeness.max_concurrency == 4  # overridden
    assert wire.feeds[0].section == "world"
    assert wire.ownership is not None and wire.ownership.type == "private"
    assert sources.topics[0].aliases == (("Khankendi", "Stepanakert"),)
    assert sources.outlet("missing") is None


def test_every_problem_is_reported_at_once_with_line_and_key() -> None:
    bad = (
        GOOD.replace("language: hy", "language: armenian")
        .replace("country: GB", "country: XX")
        .replace("    paywall: false", "    paywall: false\n    colour: blue")
    )
    with pytest.raises(SourcesError) as info:
        parse_sources(bad, file="s.yaml")
    messages = [str(p) for p in info.value.problems]
    assert len(messages) == 3, messages
    assert any("outlets[other].language" in m and "ISO 639-1" in m for m in messages)
    assert any("outlets[wire-one].country" in m for m in messages)
    assert any("colour" in m and "unknown key" in m for m in messages)
    line_of_colour = bad.splitlines().index("    colour: blue") + 1
    assert any(p.line == line_of_colour for p in info.value.problems)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("id: other", "id: wire-one"), "duplicate outlet id"),
        (("id: other", "id: Other Outlet"), "not a slug"),
        (("https://other.example/", "ftp://other.example/"), "not an http(s) URL"),
        (("kind: rss", "kind: telegram"), "must be one of"),
        (('include: ["/world/"]', 'include: ["(unclosed"]'), "not a valid regular expression"),
        (("paywall: false", "paywall: sometimes"), "true or false"),
        (("max_concurrency: 4", "max_concurrency: 0"), "at least 1"),
        (("[Khankendi, Stepanakert]", "[Khankendi]"), "at least two names"),
        (("type: private", "type: secret"), "must be one of"),
        (("    name: Other\n", ""), "missing required key"),
    ],
)
def test_each_kind_of_mistake_is_named(change: tuple[str, str], expected: str) -> None:
    assert change[0] in GOOD
    with pytest.raises(SourcesError) as info:
        parse_sources(GOOD.replace(change[0], change[1], 1), file="s.yaml")
    assert any(expected in str(p) for p in info.value.problems), info.value.problems


def test_invalid_yaml_names_the_line() -> None:
    with pytest.raises(SourcesError) as info:
        parse_sources("outlets:\n  - id: [unclosed\n", file="s.yaml")
    assert "invalid YAML" in str(info.value)
    assert info.value.problems[0].line is not None


def test_duplicate_keys_are_errors() -> None:
    with pytest.raises(SourcesError, match="duplicate key"):
        parse_sources(GOOD.replace("    language: en\n", "    language: en\n    language: fr\n"))


def test_missing_and_directory_paths(tmp_path: Path) -> None:
    with pytest.raises(SourcesError, match="no such file"):
        load_sources(tmp_path / "absent.yaml")
    with pytest.raises(SourcesError, match="directory"):
        load_sources(tmp_path)


def test_the_shipped_sources_file_is_valid_and_broad(repo: Path) -> None:
    sources = load_sources(repo / "sources.yaml")
    assert len(sources.outlets) >= 15
    countries = {o.country for o in sources.outlets}
    assert {"AZ", "AM", "RU", "GE"} <= countries
    assert any("wire" in o.groups for o in sources.outlets)
    karabakh = next(t for t in sources.topics if t.id == "karabakh")
    assert ("Khankendi", "Stepanakert") in karabakh.aliases


def test_every_sources_key_is_documented(repo: Path) -> None:
    doc = (repo / "docs" / "sources.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_]+)`", doc, flags=re.MULTILINE))
    expected = set(TOP_KEYS) | set(OUTLET_KEYS) | set(POLITENESS_KEYS) | set(TOPIC_KEYS)
    expected |= {"url", "kind", "section", "owner", "type", "evidence"}
    assert not expected - documented, f"undocumented keys: {sorted(expected - documented)}"


def test_private_addresses_are_allowed_per_outlet_and_only_explicitly() -> None:
    sources = parse_sources(GOOD.replace("    paywall: false\n",
                                         "    paywall: false\n    allow_private_addresses: true\n"))
    assert [o.allow_private_addresses for o in sources.outlets] == [True, False]
    with pytest.raises(SourcesError, match="allow_private_addresses: must be true or false"):
        parse_sources(GOOD.replace("    paywall: false\n",
                                   "    paywall: false\n    allow_private_addresses: yes please\n"))
    with pytest.raises(SourcesError, match="unknown key"):  # not a politeness default
        parse_sources(GOOD.replace("  min_delay: 1.5\n",
                                   "  min_delay: 1.5\n  allow_private_addresses: true\n"))
