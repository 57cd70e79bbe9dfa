"""Editing a sources file in place (``sources check --write``): comments, order and layout kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from compare.errors import SourcesError
from compare.models import Feed, OutletEdit
from compare.sources import parse_sources
from compare.sources_writer import apply_edits, write_edits


def test_the_shipped_file_round_trips_byte_for_byte(repo: Path) -> None:
    text = (repo / "sources.yaml").read_text(encoding="utf-8")
    assert apply_edits(text, []) == text


def test_edits_on_every_shipped_outlet_keep_every_comment_and_validate(repo: Path) -> None:
    text = (repo / "sources.yaml").read_text(encoding="utf-8")
    sources = parse_sources(text)
    edits = []
    for i, o in enumerate(sources.outlets):
        first = o.feeds[0].url if o.feeds else None
        if first and i % 3 == 0:
            edits.append(OutletEdit(o.id, moved=((first, first + "v2"),), verified_on="2026-12-02"))
        elif first and i % 3 == 1:
            edits.append(OutletEdit(o.id, failed=((first, "2026-12-02: http_error 404"),),
                                    added=(Feed("https://new.example/feed/"),),
                                    verified_on="2026-12-02"))
        else:
            edits.append(OutletEdit(o.id, added=(Feed("https://new.example/s.xml", "news-sitemap"),),
                                    verified_on="2026-12-02"))
    written = apply_edits(text, edits)
    comments = [ln.strip() for ln in text.splitlines() if ln.strip().startswith("#")]
    assert [ln.strip() for ln in written.splitlines() if ln.strip().startswith("#")] == comments
    after = parse_sources(written)
    assert [o.id for o in after.outlets] == [o.id for o in sources.outlets]  # order kept
    for before, now in zip(sources.outlets, after.outlets, strict=True):
        assert now.verified_on == "2026-12-02"
        configured = {f.url for f in before.feeds}
        kept = {f.url for f in now.feeds} | {f.url for f in now.failed_feeds}
        # every configured feed is still in the file: kept, rewritten (moved) or failed
        assert all(u in kept or u + "v2" in kept for u in configured)


def test_a_homepage_only_outlet_gets_feeds_after_country_in_the_files_indentation() -> None:
    text = ("version: 1\noutlets:\n- id: a   # the only one\n  name: A\n  homepage: https://a.example/\n"
            "  language: en\n  country: GB\n  notes: keep me\n")
    written = apply_edits(text, [OutletEdit("a", added=(Feed("https://a.example/feed/"),),
                                            verified_on="2026-12-02")])
    assert written == ("version: 1\noutlets:\n- id: a   # the only one\n  name: A\n"
                       "  homepage: https://a.example/\n  language: en\n  country: GB\n"
                       "  feeds:\n  - {url: \"https://a.example/feed/\", kind: rss}\n"
                       "  verified: 2026-12-02\n  notes: keep me\n")


def test_an_edit_for_an_unknown_outlet_is_refused() -> None:
    with pytest.raises(SourcesError, match="no outlet 'b'"):
        apply_edits("version: 1\noutlets: []\n", [OutletEdit("b", verified_on="2026-12-02")])


def test_write_edits_replaces_the_file_only_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    text = "outlets:\n  - {id: a, name: A, homepage: 'https://a.example/', language: en, country: GB}\n"
    path.write_text(text, encoding="utf-8")
    write_edits(path, [OutletEdit("a")])
    assert path.read_text(encoding="utf-8") == text
    write_edits(path, [OutletEdit("a", verified_on="2026-12-02")])
    assert parse_sources(path.read_text(encoding="utf-8")).outlets[0].verified_on == "2026-12-02"


@pytest.mark.parametrize(
    ("value", "problem"),
    [("2026-13-40", "must be true, false or a date"), ("soon", "must be true, false or a date")],
)
def test_verified_takes_a_boolean_or_a_date(value: str, problem: str) -> None:
    base = "outlets:\n  - {id: a, name: A, homepage: 'https://a.example/', language: en, country: GB, "
    assert parse_sources(base + "verified: 2026-12-02}\n").outlets[0].verified_on == "2026-12-02"
    assert parse_sources(base + "verified: false}\n").outlets[0].verified is False
    with pytest.raises(SourcesError, match=problem):
        parse_sources(base + f"verified: {value!r}}}\n")


def test_failed_feeds_are_validated_and_never_read() -> None:
    base = ("outlets:\n  - id: a\n    name: A\n    homepage: https://a.example/\n    language: en\n"
            "    country: GB\n    failed_feeds:\n")
    outlet = parse_sources(base + '      - {url: "https://a.example/x", reason: "2026-12-02: 404"}\n'
                           ).outlets[0]
    assert outlet.feeds == () and [f.url for f in outlet.failed_feeds] == ["https://a.example/x"]
    with pytest.raises(SourcesError, match="unknown key"):
        parse_sources(base + '      - {url: "https://a.example/x", why: "no"}\n')


def test_a_file_that_cannot_be_replaced_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from compare import sources_writer
    from compare.errors import CompareError

    path = tmp_path / "s.yaml"
    text = "outlets:\n  - {id: a, name: A, homepage: 'https://a.example/', language: en, country: GB}\n"
    path.write_text(text, encoding="utf-8")

    def full_disk(target: object, data: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sources_writer, "write_atomic", full_disk)
    with pytest.raises(CompareError, match=r"cannot write .*No space left on device"):
        write_edits(path, [OutletEdit("a", verified_on="2026-12-02")])
    assert path.read_text(encoding="utf-8") == text


def test_a_failed_feed_that_works_again_leaves_failed_feeds() -> None:
    text = ("outlets:\n  - id: a\n    name: A\n    homepage: https://a.example/\n    language: en\n"
            "    country: GB\n    failed_feeds:\n"
            '      - {url: "https://a.example/feed/", kind: rss, reason: "2026-11-30: http_error 404"}\n')
    written = apply_edits(text, [OutletEdit("a", added=(Feed("https://a.example/feed/"),),
                                            verified_on="2026-12-02")])
    outlet = parse_sources(written).outlets[0]
    assert [f.url for f in outlet.feeds] == ["https://a.example/feed/"]
    assert outlet.failed_feeds == () and "failed_feeds" not in written
