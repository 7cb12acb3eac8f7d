#!/usr/bin/env bash
# Install pouchdb-server (pinned in servers/couchdb/package-lock.json), the CouchDB-protocol
# server the CouchDB backend's tests run against. Idempotent: a second run with an unchanged
# lockfile does nothing. Quiet on success. The server itself is started by the test fixture
# (tests/servers/couchdb.py) on 127.0.0.1, not here.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/servers/couchdb"

for tool in node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "install-couchdb: '$tool' is missing; install Node.js 18 or newer with npm" \
            "(e.g. \`apt-get install nodejs npm\`)" >&2
        exit 1
    fi
done

stamp="$dir/node_modules/.installed-lockfile.sha256"
wanted="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ] \
    && [ -f "$dir/node_modules/pouchdb-server/bin/pouchdb-server" ]; then
    exit 0
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT

# --ignore-scripts: no native builds; the tests run the server with --in-memory.
if ! (cd "$dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) >"$log" 2>&1; then
    cat "$log" >&2
    echo "install-couchdb: npm ci in servers/couchdb failed" >&2
    exit 1
fi
echo "$wanted" >"$stamp"
