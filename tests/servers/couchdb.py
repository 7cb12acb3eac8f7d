"""The CouchDB backend's server: pouchdb-server on loopback, one fresh database per test.

pouchdb-server speaks the CouchDB 3 HTTP protocol, installs from npm (pinned in
``servers/couchdb``) and starts in well under a second, where Apache CouchDB is not packaged
for this machine. The fixture starts it in memory on a free port, makes an admin (after which
every request must carry credentials), and stops it by process ID at the end of the session.

Set ``AGENT_DATA_STORE_TEST_COUCHDB_URL=http://ADMIN:PASSWORD@HOST:5984`` to run the same
tests against a real CouchDB instead.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from agent_data_store import StoreConfig
from tests.servers._couchdb_process import (
    ADMIN,
    EXTERNAL_URL_ENV_VAR,
    SERVER_SCRIPT,
    CouchDBServer,
    pouchdb_server,
    pouchdb_server_missing,
)
from tests.servers._support import unavailable

__all__ = ["ADMIN", "SERVER_SCRIPT", "CouchDBServer", "pouchdb_server", "pouchdb_server_missing"]


def _external_server(url: str) -> CouchDBServer:
    parts = urlsplit(url)
    if not (parts.hostname and parts.username and parts.password):
        pytest.fail(f"{EXTERNAL_URL_ENV_VAR} must look like http://ADMIN:PASSWORD@HOST:5984",
                    pytrace=False)
    return CouchDBServer(parts.hostname, parts.port or 5984, parts.username, parts.password)


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
