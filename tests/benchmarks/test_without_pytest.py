"""The server benchmarks run after a plain ``pip install .``: without pytest, each starts
its server on loopback with the same launcher the tests use."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.servers._support import REPO_ROOT

pytestmark = pytest.mark.server


@pytest.mark.parametrize(
    ("benchmark", "launcher", "where"),
    [("bench_couchdb", "local_server", "couchdb://"),
     ("bench_dynamodb", "dynamodb_local", "http://127.0.0.1:")],
)
def test_a_server_benchmark_starts_its_server_without_pytest(
    benchmark: str, launcher: str, where: str
) -> None:
    code = (
        "import sys\n"
        "sys.modules['pytest'] = None  # importing pytest now fails, as without it\n"
        "sys.path.insert(0, 'benchmarks')\n"
        f"import {benchmark}\n"
        f"with {benchmark}.{launcher}() as url:\n"
        f"    print('started', url.startswith({where!r}))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True,
        timeout=180, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "started True\n"
