"""scripts/bench_bundles.py runs on a stored night and times every event it picks."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from report_fixture import Fixture

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "bench_bundles.py"


def test_bench_bundles_times_the_picked_events(fx: Fixture, tmp_path: Path) -> None:
    fx.store.close()
    db = tmp_path / "t.db"
    done = subprocess.run([sys.executable, str(SCRIPT), str(db), "--largest", "1", "--middle", "1"],
                          capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(re.findall(r"^event \d+: \d+ articles, \d+ claims", done.stdout, re.MULTILINE)) == 2
    assert re.search(r"^2 events: view [\d.]+ s, write [\d.]+ s", done.stdout, re.MULTILINE)
    missing = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path / "none.db")],
                             capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert missing.returncode == 2 and "no such database" in missing.stderr
