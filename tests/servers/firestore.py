"""The Firestore emulator on loopback, started once per test session.

``gcloud emulators firestore start`` keeps its data in memory only (no ``--import-data`` or
``--export-on-exit``), so every session starts empty; every test gets its own collection.
The emulator runs a Java child, so the whole process group is stopped by PID at the end.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent_data_store import StoreConfig
from tests.servers._support import ServerProcess, free_port, http_answers, unavailable, wait_until

EMULATOR_ENV_VAR = "FIRESTORE_EMULATOR_HOST"
INSTALL_HINT = (
    "the Firestore emulator is not installed: install the Google Cloud CLI and its "
    "emulator (`apt-get install google-cloud-cli-firestore-emulator`, or `gcloud components "
    "install cloud-firestore-emulator`) and a Java runtime, or run scripts/install-firestore.sh"
)
STARTUP_TIMEOUT_S = 60.0


def emulator_missing() -> str | None:
    """Return why the emulator cannot start here, or ``None`` when it can."""
    gcloud = shutil.which("gcloud")
    if gcloud is None:
        return "gcloud is not on PATH"
    if shutil.which("java") is None:
        return "java is not on PATH"
    try:
        root = subprocess.run(
            [gcloud, "info", "--format=value(installation.sdk_root)"],
            capture_output=True, text=True, timeout=60, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "`gcloud info` failed"
    if not (Path(root) / "platform" / "cloud-firestore-emulator").is_dir():
        return f"the cloud-firestore-emulator component is missing from {root}"
    return None


@pytest.fixture(scope="session")
def firestore_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start the emulator on a free port, point the client at it; yield ``host:port``."""
    missing = emulator_missing()
    if missing:
        unavailable(f"{INSTALL_HINT} ({missing})")
    gcloud = shutil.which("gcloud") or "gcloud"
    port = free_port()
    host = f"127.0.0.1:{port}"
    log_dir = tmp_path_factory.mktemp("firestore")
    server = ServerProcess(
        [gcloud, "emulators", "firestore", "start", f"--host-port={host}", "--quiet"],
        log_path=log_dir / "emulator.log",
        # A private gcloud configuration: no prompts, no update checks, no user settings.
        env={
            "CLOUDSDK_CONFIG": str(log_dir / "gcloud-config"),
            "CLOUDSDK_CORE_DISABLE_PROMPTS": "1",
            "CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK": "1",
        },
    )
    try:
        wait_until(http_answers(f"http://{host}/"), STARTUP_TIMEOUT_S, "the Firestore emulator")
    except TimeoutError:
        server.stop()
        unavailable(f"the Firestore emulator did not start on {host}:\n{server.log_tail()}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(EMULATOR_ENV_VAR, host)
        try:
            yield host
        finally:
            server.stop()


@pytest.fixture
def firestore_store_config(firestore_emulator: str) -> StoreConfig:
    """A fresh, empty collection on the session's emulator."""
    assert os.environ.get(EMULATOR_ENV_VAR) == firestore_emulator
    return StoreConfig(url=f"firestore://test-project/c_{uuid.uuid4().hex}")
