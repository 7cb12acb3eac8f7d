"""pouchdb-server on loopback: how the CouchDB tests and the CouchDB benchmark start it.

No pytest here: ``benchmarks/bench_couchdb.py`` uses it after a plain ``pip install .``.
"""

from __future__ import annotations

import base64
import contextlib
import json
import secrets
import shutil
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from tests.servers._support import (
    REPO_ROOT,
    ServerProcess,
    free_port,
    http_answers,
    wait_until,
)

EXTERNAL_URL_ENV_VAR = "AGENT_DATA_STORE_TEST_COUCHDB_URL"
SERVER_SCRIPT = REPO_ROOT / "servers/couchdb/node_modules/pouchdb-server/bin/pouchdb-server"
ADMIN = "admin"


@dataclass(frozen=True)
class CouchDBServer:
    """A running CouchDB-protocol server and its admin credentials."""

    host: str
    port: int
    user: str
    password: str = field(repr=False)

    @property
    def http_url(self) -> str:
        """``http://HOST:PORT``, without credentials."""
        return f"http://{self.host}:{self.port}"

    def store_url(self, database: str) -> str:
        """The backend URL of ``database`` on this server, with the admin's credentials."""
        return (f"couchdb://{quote(self.user, safe='')}:{quote(self.password, safe='')}"
                f"@{self.host}:{self.port}/{database}")

    def request(self, method: str, path: str, body: object = None) -> object:
        """Send one authenticated request; return the decoded JSON answer."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.http_url + path, data=data, method=method)
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        req.add_header("Authorization", f"Basic {token}")
        req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=10) as response:
            return json.loads(response.read() or b"null")


def _make_admin(base_url: str, password: str) -> None:
    # pouchdb-server's spelling; CouchDB 3 has /_node/_local/_config/admins/NAME.
    req = urllib.request.Request(
        f"{base_url}/_config/admins/{ADMIN}", data=json.dumps(password).encode(), method="PUT"
    )
    urllib.request.urlopen(req, timeout=10).close()


def pouchdb_server_missing() -> str | None:
    """Why pouchdb-server cannot start here (with how to fix it), or ``None`` if it can."""
    if shutil.which("node") is None or not SERVER_SCRIPT.exists():
        return (
            "the CouchDB tests need node and pouchdb-server: run scripts/install-couchdb.sh "
            f"(or set {EXTERNAL_URL_ENV_VAR} to a CouchDB server)"
        )
    return None


@contextlib.contextmanager
def pouchdb_server(workdir: Path) -> Iterator[CouchDBServer]:
    """Run pouchdb-server in memory on a free loopback port, with a fresh admin.

    ``workdir`` receives its config and log files. Raises ``RuntimeError`` (with the
    server's output) if it does not come up.
    """
    port = free_port()
    server = ServerProcess(
        [str(shutil.which("node")), str(SERVER_SCRIPT), "--in-memory", "--host", "127.0.0.1",
         "--port", str(port), "--dir", str(workdir), "--config", str(workdir / "config.json")],
        cwd=workdir, log_path=workdir / "server-output.log",
    )
    try:
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_until(http_answers(base_url + "/"), 30, "pouchdb-server")
        except TimeoutError as exc:
            raise RuntimeError(f"{exc}; its output:\n{server.log_tail()}") from None
        password = secrets.token_urlsafe(16)
        _make_admin(base_url, password)
        yield CouchDBServer("127.0.0.1", port, ADMIN, password)
    finally:
        server.stop()
