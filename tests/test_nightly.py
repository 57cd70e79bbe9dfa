"""The nightly recipe in docs/nightly.md works as written: cron's near-empty environment, the
absolute path of the installed command, a log the user can write, the model cache under HOME."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from compare.demoweb import DemoWeb

pytestmark = [pytest.mark.model, pytest.mark.slow]

REPO = Path(__file__).resolve().parent.parent


def _cron_command() -> str:
    doc = (REPO / "docs" / "nightly.md").read_text(encoding="utf-8")
    block = re.search(r"```cron\n(.*?)```", doc, re.S)
    assert block, "docs/nightly.md has no cron block"
    lines = [ln for ln in block.group(1).splitlines() if ln.strip() and not ln.startswith("#")]
    assert len(lines) == 1, lines
    return lines[0].split(maxsplit=5)[5]  # the five time fields, then the command


def test_the_documented_cron_line_runs_in_an_empty_environment(tmp_path: Path) -> None:
    command = _cron_command()
    assert command.startswith("$HOME/newscompare/.venv/bin/newscompare ")  # an absolute path, no PATH lookup
    home = tmp_path / "home"
    checkout = home / "newscompare"
    checkout.mkdir(parents=True)
    venv = Path(sys.prefix)
    (checkout / ".venv").symlink_to(venv, target_is_directory=True)
    assert (checkout / ".venv" / "bin" / "newscompare").exists(), "the project is not installed in this venv"
    with DemoWeb() as web:
        web.write_sources(checkout / "sources.yaml", languages=("en",))  # the English model, as before
        done = subprocess.run(
            ["env", "-i", f"HOME={home}", "PATH=/usr/bin:/bin", "SHELL=/bin/sh", "/bin/sh", "-c", command],
            capture_output=True,
            text=True,
            timeout=900,
        )
    log = (checkout / "nightly.log").read_text(encoding="utf-8")
    assert done.returncode == 1, (done.returncode, log[-2000:])  # finished; the demo's closed outlet failed
    assert (checkout / "reports" / "index.html").is_file() and (checkout / "newscompare.db").is_file()
    assert any((home / ".cache" / "newscompare" / "onnx").glob("*/model.onnx"))  # cached for the next night
    assert "\x1b[" not in log  # no colours, no progress bar
    assert re.search(r"^fetch: [\d.]+ s; 7 outlets", log, re.M), log[-2000:]
    assert "closed-gazette-demo" in log
    assert os.environ.get("HOME") != str(home)  # the test's own environment was left alone
