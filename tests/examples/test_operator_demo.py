"""``examples/operator_demo.py`` rebuilds the data the README's operator section shows, and
the section's figures come out of it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agent_data_store.admin.cli import main as admin_main
from tests.examples.conftest import EXAMPLES, REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
DEMO = EXAMPLES / "operator_demo.py"


def fill(url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(DEMO), "--store", url], cwd=REPO,
                          capture_output=True, text=True, timeout=120, check=False)


def admin_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    capsys.readouterr()
    assert admin_main(["--json", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_readme_says_how_to_rebuild_the_operator_demo_data() -> None:
    assert "$ python examples/operator_demo.py --store sqlite:///tmp/ops-demo/data.db" in README


def test_the_demo_data_gives_the_readmes_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'ops-demo' / 'data.db'}"
    completed = fill(url)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == f"filled {url}: 4 agent runs of alice and bob\n"
    stats = admin_json(capsys, "--store", url, "stats")
    assert (stats["records"], stats["users"], stats["namespaces"], stats["bytes"]) == (
        9, 2, 3, 1638)
    # The README's tables, row by row (timestamps aside).
    assert "│ records                   │ 9     │" in README
    assert "│ bytes (value JSON, UTF-8) │ 1,638 │" in README
    top = admin_json(capsys, "--store", url, "top-accessed", "--limit", "3")
    assert [(r["key"], r["accessCount"], r["lastAccessedByAgent"]) for r in top] == [
        ("todo/1", 3, "summariser"), ("visits", 1, "counter"), ("todo/2", 1, "summariser")]
    show = admin_json(capsys, "--store", url, "show", "--user", "alice", "--namespace",
                      "default", "visits")
    assert (show["value"], show["createdByAgent"], show["accessCount"]) == (42, "counter", 1)
    agents = admin_json(capsys, "--store", url, "recent", "--by-agent")
    by_agent = {a["agent"]: (a["recordsLastAccessed"], a["recordsCreated"]) for a in agents}
    assert by_agent == {"summariser": (2, 0), "note-taker": (1, 3), "crawler": (5, 5),
                        "counter": (1, 1)}


def test_the_demo_refuses_a_store_that_already_holds_its_users(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'data.db'}"
    assert fill(url).returncode == 0
    again = fill(url)
    assert again.returncode == 1
    assert again.stderr == ("operator_demo: the store already holds records of alice; "
                            "use an empty store\n")
