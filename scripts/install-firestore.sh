#!/usr/bin/env bash
# Make sure the Firestore emulator can run here: the Google Cloud CLI, its
# cloud-firestore-emulator component and a Java runtime. What is missing is installed with
# apt-get as root (packages google-cloud-cli, google-cloud-cli-firestore-emulator,
# default-jre-headless, where the machine's apt sources have them); otherwise the script stops
# with one line naming what to install. Idempotent; prints one line. The emulator itself is
# started by the test fixture (tests/servers/firestore.py) on 127.0.0.1, not here.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# shellcheck source=scripts/lib-install.sh
. "$root/scripts/lib-install.sh"

ensure_tools install-firestore gcloud=google-cloud-cli java=default-jre-headless

emulator_path() {
    local sdk
    sdk="$(CLOUDSDK_CORE_DISABLE_PROMPTS=1 gcloud info --format='value(installation.sdk_root)' 2>/dev/null)" \
        || { echo "install-firestore: \`gcloud info\` failed; reinstall the Google Cloud CLI" >&2; exit 1; }
    echo "$sdk/platform/cloud-firestore-emulator/cloud_firestore_emulator"
}

emulator="$(emulator_path)"
if [ ! -x "$emulator" ]; then
    apt_install install-firestore "the Firestore emulator (a gcloud component)" \
        google-cloud-cli-firestore-emulator
    emulator="$(emulator_path)"
    if [ ! -x "$emulator" ]; then
        echo "install-firestore: the Firestore emulator is still missing from $(dirname \
            "$(dirname "$(dirname "$emulator")")"); install it with \`gcloud components install" \
            "cloud-firestore-emulator\`" >&2
        exit 1
    fi
fi
echo "install-firestore: Firestore emulator ready ($(gcloud --version 2>/dev/null | head -n 1)," \
    "$(java -version 2>&1 | head -n 1))"
