"""README, "Coming from the seed's runtime": the example dump imports; an agent reads it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.examples.conftest import EXAMPLES, REPO, RunCli, RunExample

DUMP = EXAMPLES / "seed" / "all_docs.json"


def _agent_data_store(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "agent-data-store"
    command = [str(script)] if script.exists() else [sys.executable, "-m",
                                                      "agent_data_store.admin"]
    env = {**os.environ, "AGENT_DATA_STORE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
           "XDG_STATE_HOME": str(tmp_path / "state")}
    return subprocess.run([*command, *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def test_the_example_dump_imports_and_reports_its_broken_document(
    tmp_path: Path, run_cli: RunCli
) -> None:
    imported = _agent_data_store(tmp_path, "import-gofannon", str(DUMP))
    assert imported.returncode == 1  # one document has no value, as the README shows
    assert "not imported: user_123:default:c2NvcmU=: missing value" in imported.stderr
    assert imported.stdout.startswith("imported 3 records from file")
    assert "verified: the target holds every record" in imported.stdout

    result = run_cli("run", "examples/agents/show_my_data.py", "--user", "user_123",
                     "--agent", "reader")
    assert result.returncode == 0, result.stderr
    rows = json.loads(DUMP.read_text(encoding="utf-8"))["rows"]
    expected: dict[str, dict[str, object]] = {}
    for row in rows:
        doc = row["doc"]
        if "userId" in doc and "value" in doc:
            expected.setdefault(doc["namespace"], {})[doc["key"]] = doc["value"]
    assert json.loads(result.stdout) == {"namespaces": expected}


def test_show_my_data_reads_every_namespace(run_example: RunExample) -> None:
    run_example("quickstart.py", {"key": "greeting", "value": "hi"})
    output = run_example("show_my_data.py").output
    assert output == {"namespaces": {"default": {"greeting": "hi"}}}
