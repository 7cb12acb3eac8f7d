#!/usr/bin/env bash
# Install pouchdb-server (pinned in servers/couchdb/package-lock.json), the CouchDB-protocol
# server the CouchDB backend's tests run against, and node and npm if they are missing
# (apt-get, as root). Idempotent: a second run with an unchanged lockfile installs nothing.
# Prints one line. The server itself is started by the test fixture
# (tests/servers/couchdb.py) on 127.0.0.1, not here.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/servers/couchdb"

# shellcheck source=scripts/lib-install.sh
. "$root/scripts/lib-install.sh"

ensure_tools install-couchdb node=nodejs npm=npm
# The tests run the server with --in-memory, so no native storage module is needed.
npm_ci_pinned install-couchdb "$dir" "$dir/node_modules/pouchdb-server/bin/pouchdb-server"
version="$(node -p 'require(process.argv[1]).version' "$dir/node_modules/pouchdb-server/package.json" 2>/dev/null || echo '?')"
echo "install-couchdb: pouchdb-server $version ready in servers/couchdb (node $(node --version))"
