from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from compare.cli import cli


def _commands(group: click.Group, prefix: str = "newscompare") -> list[tuple[str, click.Command]]:
    out: list[tuple[str, click.Command]] = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        out.append((path, command))
        if isinstance(command, click.Group):
            out += _commands(command, path)
    return out


COMMANDS = _commands(cli)


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_every_command_has_help_ending_in_an_example(path: str, command: click.Command) -> None:
    text = (command.help or "").strip()
    assert text, f"{path} has no help text"
    last = text.splitlines()[-1].strip()
    assert "Example" in text and last.startswith("newscompare"), f"{path}: help must end with an example"


def test_every_command_is_documented(repo: Path) -> None:
    doc = (repo / "docs" / "cli.md").read_text(encoding="utf-8")
    missing = [p for p, _ in COMMANDS if not re.search(rf"^#+ `{re.escape(p)}\b", doc, re.MULTILINE)]
    assert not missing, f"add these to docs/cli.md: {missing}"


def test_help_does_not_import_the_heavy_stack() -> None:
    code = (
        "import sys\nfrom click.testing import CliRunner\nfrom compare.cli import cli\n"
        "r = CliRunner().invoke(cli, ['--help'])\nassert r.exit_code == 0, r.output\n"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'trafilatura', 'sklearn', 'httpx', 'numpy')"
        " if m in sys.modules]\nprint(','.join(heavy))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "", f"--help imported {done.stdout.strip()}"


def test_sources_validate_lists_outlets(repo: Path) -> None:
    result = CliRunner().invoke(cli, ["sources", "validate", str(repo / "sources.yaml")])
    assert result.exit_code == 0, result.output
    assert "azertac" in result.output and "outlets" in result.output


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("outlets: [\n", "invalid YAML"),
        ("outlets:\n  - id: x\n", "missing required key"),
        ("colour: blue\noutlets: []\n", "unknown key"),
    ],
)
def test_bad_sources_files_exit_2_without_traceback(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(cli, ["sources", "validate", str(path)])
    assert result.exit_code == 2
    assert expected in result.output
    assert "Traceback" not in result.output


def test_missing_sources_file_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["sources", "validate", str(tmp_path / "none.yaml")])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [f"Error: {tmp_path / 'none.yaml'}: no such file"]


def test_console_script_and_module_agree() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "compare", "--version"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and "newscompare" in done.stdout


def test_unknown_outlet_and_bad_db_are_one_line_errors(repo: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(tmp_path / "n.db")
    unknown = runner.invoke(
        cli, ["--db", db, "fetch", "--sources", str(repo / "sources.yaml"), "--outlet", "nope"]
    )
    assert unknown.exit_code == 2 and "unknown outlet id(s): nope" in unknown.output
    assert "Traceback" not in unknown.output
    folder = runner.invoke(cli, ["--db", str(tmp_path), "process"])
    assert folder.exit_code == 2 and "is a directory" in folder.output


def test_compare_puts_a_local_file_beside_the_store(tmp_path: Path) -> None:
    article = tmp_path / "statement.txt"
    article.write_text(
        "Ministry says road is open\n\nThe ministry said on Saturday that the Lachin road is open.\n\n"
        "It said trucks can pass the border checkpoint.\n",
        encoding="utf-8",
    )
    db = str(tmp_path / "n.db")
    result = CliRunner().invoke(
        cli,
        ["--db", db, "compare", str(article), "--format", "json"],
        env={"NEWSCOMPARE_EMBED_BACKEND": "hashing"},
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["articles"][0]["outlet_id"] == "local"
    assert any("Lachin road" in c["central_sentence"] for c in report["claims"])
    missing = CliRunner().invoke(cli, ["--db", db, "compare", str(tmp_path / "none.html")])
    assert missing.exit_code == 2 and "no such file" in missing.output


def test_compare_does_not_pick_up_a_sources_file_unasked(
    tmp_path: Path, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    article = tmp_path / "a.txt"
    article.write_text(
        "Ministry says road is open\n\nThe ministry said on Saturday that the Lachin road is open.\n\n"
        "It said trucks can pass the border checkpoint.\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sources.yaml").write_text(
        (repo / "sources.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "n.db"), "compare", str(article), "--format", "json"],
        env={"NEWSCOMPARE_EMBED_BACKEND": "hashing"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [o["id"] for o in json.loads(result.output)["outlets"]] == ["local"]


def test_run_refuses_an_unwritable_reports_folder_before_fetching(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("outlets: []\n", encoding="utf-8")
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["--db", str(tmp_path / "n.db"), "run", "--sources", str(tmp_path / "x.yaml"),
              "--out", str(tmp_path / "file" / "reports")],
    )  # fmt: skip
    assert result.exit_code == 2 and "cannot write the reports" in result.stderr
    assert not (tmp_path / "n.db").exists()  # nothing was fetched, no run recorded


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["report", "4242"], "event 4242 does not exist"),
        (["report", "1180591620717411303424"], "event 1180591620717411303424 does not exist"),
        (["report", "0"], "does not exist"),
        (["query", "convoy", "--since", "soon"], "cannot read"),
        (["run", "--sources", "x.yaml", "--since", "2 fortnights"], "cannot read the duration"),
    ],
)
def test_bad_ids_and_durations_are_one_line_and_exit_2(
    tmp_path: Path, args: list[str], expected: str
) -> None:
    from compare.store import Store

    db = tmp_path / "n.db"
    Store(db).close()
    (tmp_path / "x.yaml").write_text("outlets: []\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0] and "Traceback" not in result.output


def test_durations_mean_the_same_everywhere() -> None:
    from datetime import timedelta

    from compare.durations import parse_duration

    assert parse_duration("90m") == timedelta(minutes=90)
    assert parse_duration("6mo") == timedelta(days=180)
    assert parse_duration("2d") == timedelta(days=2)
    assert parse_duration("all") is None


def test_quiet_fetch_prints_no_line_per_url(tmp_path: Path) -> None:
    from compare.demoweb import DemoWeb

    progress = re.compile(r"^\d+/\d+ \S+ \S+ ", re.MULTILINE)
    with DemoWeb(version=1) as web:
        sources = str(web.write_sources(tmp_path / "sources.yaml", languages=("en",)))
        loud = CliRunner().invoke(cli, ["--db", str(tmp_path / "a.db"), "fetch", "--sources", sources])
        hushed = CliRunner().invoke(
            cli, ["--db", str(tmp_path / "b.db"), "-q", "fetch", "--sources", sources]
        )
    assert loud.exit_code == hushed.exit_code == 1, loud.output  # the demo's 403 outlet fails entirely
    assert len(progress.findall(loud.output)) > 10
    assert not progress.findall(hushed.output)
    assert "Some outlets could not be read at all" in hushed.output  # the summary stays
