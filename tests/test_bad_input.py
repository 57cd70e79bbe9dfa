"""Bad input on the command line: one line on stderr, exit 2, nothing stored. A test per case."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from compare.cli import cli
from compare.models import Outlet, Sources, Topic
from compare.store import Store

GOOD_OUTLET = """\
  - id: wire
    name: Wire
    homepage: https://wire.example/
    language: en
    country: GB
"""


def sources_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def run(*args: str, db: Path | None = None) -> Result:
    return CliRunner().invoke(cli, [*(["--db", str(db)] if db else []), *args])


def one_line(result: Result) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output and result.stdout == ""
    assert lines[0].startswith("Error: ")
    return lines[0]


@pytest.mark.parametrize(("key", "value"), [("min_delay", ".nan"), ("total_timeout", ".nan"),
                                            ("read_timeout", ".inf"), ("min_delay", "-.inf"),
                                            ("max_bytes", "1e400"), ("connect_timeout", "1e300")])
def test_numbers_that_are_no_numbers_are_refused(tmp_path: Path, key: str, value: str) -> None:
    path = sources_file(tmp_path, f"version: 1\ndefaults:\n  {key}: {value}\noutlets:\n{GOOD_OUTLET}")
    line = one_line(run("sources", "validate", str(path)))
    assert f"defaults.{key}: must be" in line and ":3:" in line


@pytest.mark.parametrize("text", [
    "version: 1\noutlets: " + "[" * 494 + "]" * 494 + "\n",
    "outlets:\n" + "- " * 494 + "x\n",
    "".join("  " * i + "a:\n" for i in range(494)) + "  " * 494 + "b: 1\n",
    "outlets: " + "{a: " * 494 + "1" + "}" * 494 + "\n",
])
def test_yaml_nested_494_deep_is_one_line(tmp_path: Path, text: str) -> None:
    line = one_line(run("sources", "validate", str(sources_file(tmp_path, text))))
    assert "nested" in line


def test_a_device_is_not_read(tmp_path: Path) -> None:
    assert "is not a regular file" in one_line(run("sources", "validate", "/dev/zero"))


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "sources.yaml"
    os.mkfifo(fifo)
    done = subprocess.run([sys.executable, "-m", "compare", "sources", "validate", str(fifo)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"Error: {fifo}: is not a regular file"]


def test_a_file_over_the_size_limit_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("outlets:\n")
        for i in range(400_000):  # 400k outlets with an invalid id: 400k problems and more
            handle.write(f"  - {{id: BAD{i}}}\n")
    assert "larger than 4 MB" in one_line(run("sources", "validate", str(path)))


def test_very_many_problems_print_a_bounded_number_of_lines_and_a_count(tmp_path: Path) -> None:
    text = "outlets:\n" + "".join(f"  - {{id: BAD{i}}}\n" for i in range(30_000))
    result = run("sources", "validate", str(sources_file(tmp_path, text)))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 22  # 20 problems, the count, the error
    assert lines[20].startswith("  … and ") and "checking stopped after 1000 problems" in lines[20]
    assert lines[-1].startswith("Error: ") and "more problems" in lines[-1]


def test_an_event_id_beyond_sqlite_integers_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "n.db"
    Store(db).close()
    line = one_line(run("report", "1180591620717411303424", db=db))
    assert "event 1180591620717411303424 does not exist" in line


@pytest.mark.parametrize("url", ["http://[::1", "http://[::g]/", "https://e.com:99999/", "http://"])
def test_compare_with_a_broken_url_is_one_line_and_stores_nothing(tmp_path: Path, url: str) -> None:
    db = tmp_path / "n.db"
    assert "invalid URL" in one_line(run("compare", url, db=db))
    assert not db.exists()


def test_compare_with_a_bad_outlet_id_is_one_line_and_stores_nothing(tmp_path: Path, repo: Path) -> None:
    db = tmp_path / "n.db"
    seed = repo / "seeds" / "seed" / "azernews-2023-07-29.html"
    line = one_line(run("compare", "--outlet", "<script>BAD ID!", str(seed), db=db))
    assert "is not an outlet id" in line
    assert not db.exists()


@pytest.mark.parametrize(("content", "why"), [(b"", "is empty"), (b"  \n\t ", "only white space"),
                                              (bytes(range(256)) * 10, "binary file"),
                                              (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "binary file")])
def test_compare_with_a_file_that_is_no_article_stores_nothing(tmp_path: Path, content: bytes,
                                                               why: str) -> None:
    db = tmp_path / "n.db"
    given = tmp_path / "input.html"
    given.write_bytes(content)
    assert why in one_line(run("compare", str(given), db=db))
    assert not db.exists()


def test_compare_with_an_unreachable_url_says_why_on_stderr(tmp_path: Path) -> None:
    db = tmp_path / "n.db"
    line = one_line(run("compare", "https://unreachable.example/story", db=db))
    assert "nothing to compare" in line and "dns_error" in line
    with Store(db) as store:  # the attempt is on record; no article, no snapshot
        assert store.counts()["articles"] == 0 and store.counts()["snapshots"] == 0


@pytest.mark.parametrize("host", ["127.0.0.300", "999.1.1.1", "bad host", "0x7f.1", "::1]", "a..b"])
def test_serve_on_an_address_that_is_none_is_one_line(tmp_path: Path, host: str) -> None:
    db = tmp_path / "n.db"
    Store(db).close()
    line = one_line(run("serve", "--host", host, "--port", "18777", db=db))
    assert "neither an IP address" in line


def test_serve_on_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    import socket

    db = tmp_path / "n.db"
    Store(db).close()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert "cannot listen" in one_line(run("serve", "--port", str(port), db=db))


def test_usage_errors_are_one_line(tmp_path: Path) -> None:
    assert "No such option" in one_line(run("report", "--bogus"))
    assert "No such command" in one_line(run("bogus"))
    assert "No such option" in one_line(run("--bogus"))


def test_the_topic_name_is_text_in_topic_markdown(tmp_path: Path) -> None:
    from compare.embed import HashingEmbedder
    from compare.pipeline.topics import write_topic_pages

    evil = "<script>alert(1)</script> *bold* [x](javascript:alert(2)) # heading"
    topic = Topic(id="evil", name=evil, queries=("corridor",))
    outlet = Outlet(id="wire", name="Wire", homepage="https://wire.example/", language="en", country="GB")
    with Store(tmp_path / "n.db") as store:
        write_topic_pages(store, Sources(path="s", outlets=(outlet,), topics=(topic,)), tmp_path,
                          embedder=HashingEmbedder(dim=64), since=None)
    first = (tmp_path / "topic-evil.md").read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# Topic: ") and "<script>" not in first and "](javascript" not in first
    assert "\\*bold\\*" in first or "\\*bold" in first
