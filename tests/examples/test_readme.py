"""The README's walkthrough and host-integration snippet match what the tests run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.examples.conftest import EXAMPLES, REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_readme_keeps_the_two_setup_commands_at_the_top() -> None:
    top = README.split("```")[1]
    assert top.strip().splitlines() == [
        "bash",
        "pip install . && sandbox-host run examples/agents/counter.py --user alice --agent counter",
        "pip install tox && tox",
    ]


def test_readme_walkthrough_uses_the_tested_commands() -> None:
    for command in (
        "$ sandbox-host run examples/agents/counter.py --user alice --agent counter",
        "$ sandbox-host run examples/agents/producer.py --user alice --agent report-producer",
        "$ sandbox-host run examples/agents/consumer.py --user bob --agent report-consumer",
        "$ python examples/run_workflows.py --store memory:// producer_consumer",
        "$ python examples/host_integration.py",
    ):
        assert command in README


def test_readme_lists_every_example_agent() -> None:
    for path in (EXAMPLES / "agents").glob("*.py"):
        assert f"`{path.name}`" in README, path.name


def test_readme_host_integration_snippet_is_the_example_file() -> None:
    code = (EXAMPLES / "host_integration.py").read_text(encoding="utf-8")
    snippet = code[code.index("from RestrictedPython"):]
    assert snippet in README


def test_host_integration_example_runs_and_tracks_the_agent(tmp_path: Path) -> None:
    env = {**os.environ, "AGENT_DATA_STORE_URL": f"sqlite:///{tmp_path / 'host.db'}"}
    env.pop("SANDBOX_HOST_PLUGINS", None)
    outputs = [
        subprocess.run(
            [sys.executable, str(EXAMPLES / "host_integration.py")], cwd=REPO, env=env,
            capture_output=True, text=True, timeout=60, check=True,
        ).stdout
        for _ in range(2)
    ]
    assert "output: {'visits': 1, 'keys': ['visits']}" in outputs[0]
    assert "createdByAgent: my-runtime-agent | accessCount: 0" in outputs[0]
    assert "output: {'visits': 2, 'keys': ['visits']}" in outputs[1]
    assert "accessCount: 1" in outputs[1]
