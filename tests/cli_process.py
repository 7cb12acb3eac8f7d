"""Run ``sandbox-host`` in a fresh process, with the data store plugin configured by ``env``.

In-process, the entry-point plugin keeps the configuration it read first, so a test that
sets ``AGENT_DATA_STORE_*`` for one command must run it in a process of its own.
"""

from __future__ import annotations

import os
import subprocess
import sys

from sandbox_host import plugins


def sandbox_host_command(
    argv: list[str], env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """``sandbox-host ARGV`` with ``env`` added to this process's environment."""
    environment = {**os.environ, **env}
    environment.pop(plugins.PLUGINS_ENV_VAR, None)
    return subprocess.run(
        [sys.executable, "-m", "sandbox_host.cli", *argv], env=environment,
        capture_output=True, text=True, encoding="utf-8", timeout=60, check=False,
    )
