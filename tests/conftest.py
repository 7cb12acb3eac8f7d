"""Fixtures shared by the whole suite: the backend each contract test runs against.

Every module in ``tests/servers/`` (not starting with ``_``) adds a backend: it defines a
fixture ``<name>_store_config`` returning a :class:`StoreConfig` for a fresh, empty store on
its server. The contract suite runs unchanged against ``memory``, ``sqlite`` and each of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from agent_data_store import Backend, DataStorePlugin, StoreConfig, open_backend
from agent_data_store.permissions import NamespacePermissions
from agent_data_store.store import DataStore, DataStoreHandle, agent_handle
from agent_data_store.tracking import RunState
from sandbox_host import SandboxHost

SERVER_BACKENDS = sorted(
    path.stem for path in (Path(__file__).parent / "servers").glob("[a-z]*.py")
)
BACKEND_NAMES = ["memory", "sqlite", *SERVER_BACKENDS]

pytest_plugins = [f"tests.servers.{name}" for name in SERVER_BACKENDS]


@pytest.fixture
def memory_store_config() -> StoreConfig:
    """A fresh private in-memory store."""
    return StoreConfig(url="memory://")


@pytest.fixture
def sqlite_store_config(tmp_path: Path) -> StoreConfig:
    """A fresh SQLite file in the test's temporary directory."""
    return StoreConfig(url=f"sqlite:///{tmp_path / 'data.db'}")


@pytest.fixture(params=BACKEND_NAMES)
def store_config(request: pytest.FixtureRequest) -> StoreConfig:
    """The configuration of a fresh, empty store on each backend in turn."""
    config: StoreConfig = request.getfixturevalue(f"{request.param}_store_config")
    return config


@pytest.fixture
def backend(store_config: StoreConfig) -> Iterator[Backend]:
    """An open backend on each backend in turn, closed after the test."""
    opened = open_backend(store_config)
    yield opened
    opened.close()


StoreFactory = Callable[..., DataStoreHandle]


@pytest.fixture
def make_store(backend: Backend, store_config: StoreConfig) -> StoreFactory:
    """Build the agent-facing ``data_store`` for a user and agent, as the plugin does.

    ``read``/``write`` are the run's namespace patterns, as ``ExecutionContext`` gives them
    (``None``: every namespace). Each handle gets a run state of its own (or the ``run``
    passed in); ``make_store.flush()`` writes the buffered access tracking of all of them,
    as the host does when runs end.
    """
    runs: list[RunState] = []

    def factory(user: str = "alice", agent: str = "agent-a", namespace: str = "default",
                run: RunState | None = None, read: list[str] | None = None,
                write: list[str] | None = None, **config_overrides: object) -> DataStoreHandle:
        config = store_config.model_copy(update=config_overrides)
        if run is None:
            run = RunState(agent)
            runs.append(run)
        return agent_handle(DataStore(lambda: backend, config, user, agent, run, namespace,
                                      permissions=NamespacePermissions(read, write)))

    def flush() -> None:
        for run in runs:
            run.tracker.flush(backend)

    factory.runs = runs  # type: ignore[attr-defined]
    factory.flush = flush  # type: ignore[attr-defined]
    return factory


@pytest.fixture(params=["thread", "process"])
def host(
    request: pytest.FixtureRequest, backend: Backend, store_config: StoreConfig
) -> Iterator[SandboxHost]:
    """A sandbox host whose only plugin is the data store on each backend in turn, in
    the thread and the process isolation modes."""
    plugin = DataStorePlugin(store_config, backend=backend)
    yield SandboxHost(plugins=[plugin], load_entry_points=False, isolation=request.param)
    # Counts still being written in the background land before the backend closes.
    plugin.flush()
