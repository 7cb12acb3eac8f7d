#!/usr/bin/env bash
# Install pouchdb-server (pinned in servers/couchdb/package-lock.json), the CouchDB-protocol
# server the CouchDB backend's tests run against. Idempotent: a second run with an unchanged
# lockfile does nothing. Quiet on success. The server itself is started by the test fixture
# (tests/servers/couchdb.py) on 127.0.0.1, not here.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/servers/couchdb"

# shellcheck source=scripts/npm-pinned.sh
. "$root/scripts/npm-pinned.sh"

require_tools install-couchdb "install Node.js 18 or newer with npm (e.g. \`apt-get install nodejs npm\`)" \
    node npm
# The tests run the server with --in-memory, so no native storage module is needed.
npm_ci_pinned install-couchdb "$dir" "$dir/node_modules/pouchdb-server/bin/pouchdb-server"
