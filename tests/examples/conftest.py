"""Fixtures for the example tests: the workflow driver, the example tools, an agent runner."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from agent_data_store import DataStorePlugin, StoreConfig
from sandbox_host import ExecutionContext, RunResult, SandboxHost

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
AGENTS = EXAMPLES / "agents"


def _load(name: str, path: Path) -> ModuleType:
    # examples/ is a directory of scripts, not a package: load its modules by path.
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def workflows() -> ModuleType:
    """``examples/run_workflows.py`` as a module."""
    return _load("example_run_workflows", EXAMPLES / "run_workflows.py")


@pytest.fixture(scope="session")
def example_tools() -> ModuleType:
    """``examples/tools.py`` as a module."""
    return _load("example_tools_under_test", EXAMPLES / "tools.py")


@pytest.fixture
def toolbox(example_tools: ModuleType) -> Any:
    """A fresh :class:`ExampleTools` with zeroed call counters."""
    return example_tools.ExampleTools()


RunExample = Callable[..., RunResult]


@pytest.fixture
def data_store_plugin(memory_store_config: StoreConfig) -> Iterator[DataStorePlugin]:
    """A data store plugin on a fresh in-memory store, closed after the test."""
    plugin = DataStorePlugin(memory_store_config)
    yield plugin
    plugin.close()


@pytest.fixture
def run_example(data_store_plugin: DataStorePlugin, toolbox: Any) -> RunExample:
    """Run ``examples/agents/<file>`` through the sandbox; fails the test if the agent fails.

    All runs of one test share one store. ``tools`` defaults to every example tool.
    """
    host = SandboxHost([data_store_plugin], load_entry_points=False)

    def run(agent_file: str, input_dict: dict[str, Any] | None = None, *,
            user: str = "alice", agent: str | None = None, expect_ok: bool = True) -> RunResult:
        source = (AGENTS / agent_file).read_text(encoding="utf-8")
        context = ExecutionContext(user_id=user, agent_name=agent or Path(agent_file).stem)
        result = host.run_sync(source, input_dict or {}, toolbox.as_dict(), context=context)
        if expect_ok:
            assert result.ok, f"{agent_file} failed: {result.error}"
        return result

    return run


RunCli = Callable[..., subprocess.CompletedProcess[str]]


def _cli_command() -> list[str]:
    # Prefer the console script the README tells people to type; fall back to the module.
    script = Path(sys.executable).parent / "sandbox-host"
    if script.exists():
        return [str(script)]
    found = shutil.which("sandbox-host")
    return [found] if found else [sys.executable, "-m", "sandbox_host.cli"]


@pytest.fixture
def run_cli(tmp_path: Path) -> RunCli:
    """Run ``sandbox-host ARGS`` in a subprocess from the repository root, on one SQLite file."""
    env = {**os.environ, "AGENT_DATA_STORE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    env.pop("SANDBOX_HOST_PLUGINS", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*_cli_command(), *args], cwd=REPO, env=env, capture_output=True, text=True,
            timeout=60, check=False,
        )

    return run
