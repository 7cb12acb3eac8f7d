"""Shared plumbing for fixtures that start a real database server on loopback.

Server tests must run in CI (``CI`` set): there a missing server is a failure. Elsewhere a
missing prerequisite skips the tests with a message that says how to enable them.

Nothing here needs pytest at import time, so the benchmarks start servers with the same code
after a plain ``pip install .``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def in_ci() -> bool:
    """True when running under CI, where server tests may not skip."""
    return os.environ.get("CI", "").lower() not in ("", "0", "false")


def unavailable(message: str) -> None:
    """Fail in CI, skip elsewhere, with ``message`` explaining how to enable the tests."""
    import pytest

    if in_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until(check: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Poll ``check`` until it is true or ``timeout_s`` passes (then raise)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{what} did not come up within {timeout_s} s")


def http_answers(url: str) -> Callable[[], bool]:
    """A check that ``url`` answers an HTTP request with any status."""

    def check() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return True
        except urllib.error.HTTPError:
            return True

    return check


class ServerProcess:
    """A server started in its own process group, stopped with its whole tree by PID."""

    def __init__(self, args: Sequence[str], *, cwd: Path | None = None,
                 env: dict[str, str] | None = None, log_path: Path | None = None) -> None:
        self.log_path = log_path
        log = open(log_path, "wb") if log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            list(args), cwd=cwd, env={**os.environ, **(env or {})},
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def log_tail(self, lines: int = 30) -> str:
        """The last lines the server printed, for failure messages."""
        if not self.log_path or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """Terminate the process group, then kill it if it lingers."""
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
