"""The CouchDB backend's server: pouchdb-server on loopback, one fresh database per test.

pouchdb-server speaks the CouchDB 3 HTTP protocol, installs from npm (pinned in
``servers/couchdb``) and starts in well under a second, where Apache CouchDB is not packaged
for this machine. The fixture starts it in memory on a free port, makes an admin (after which
every request must carry credentials), and stops it by process ID at the end of the session.

Set ``AGENT_DATA_STORE_TEST_COUCHDB_URL=http://ADMIN:PASSWORD@HOST:5984`` to run the same
tests against a real CouchDB instead.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import shutil
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

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


def _external_server(url: str) -> CouchDBServer:
    parts = urlsplit(url)
    if not (parts.hostname and parts.username and parts.password):
        pytest.fail(f"{EXTERNAL_URL_ENV_VAR} must look like http://ADMIN:PASSWORD@HOST:5984",
                    pytrace=False)
    return CouchDBServer(parts.hostname, parts.port or 5984, parts.username, parts.password)


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


@pytest.fixture(scope="session")
def couchdb_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CouchDBServer]:
    """pouchdb-server on 127.0.0.1 for the whole session (or the server the variable names)."""
    external = os.environ.get(EXTERNAL_URL_ENV_VAR)
    if external:
        yield _external_server(external)
        return
    missing = pouchdb_server_missing()
    if missing:
        unavailable(missing)
    try:
        with pouchdb_server(tmp_path_factory.mktemp("pouchdb-server")) as server:
            yield server
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def couchdb_store_config(couchdb_server: CouchDBServer) -> Iterator[StoreConfig]:
    """A fresh, empty database on the session's server, deleted after the test."""
    database = f"test_{uuid.uuid4().hex[:16]}"
    yield StoreConfig(url=couchdb_server.store_url(database))
    # OSError: never created (the test did not open the backend) or already gone.
    with contextlib.suppress(OSError):
        couchdb_server.request("DELETE", f"/{database}")
