#!/usr/bin/env bash
# Check that the Firestore emulator can run here: the Google Cloud CLI, its
# cloud-firestore-emulator component and a Java runtime. Nothing is downloaded; the emulator
# comes with the machine image (apt package google-cloud-cli-firestore-emulator). Idempotent;
# quiet on success. The emulator itself is started by the test fixture
# (tests/servers/firestore.py) on 127.0.0.1, not here.
set -euo pipefail

fail() {
    echo "install-firestore: $1" >&2
    echo "install-firestore: install it with \`apt-get install google-cloud-cli" \
        "google-cloud-cli-firestore-emulator default-jre-headless\` (or \`gcloud components" \
        "install cloud-firestore-emulator\` on a gcloud installed from Google's archive)" >&2
    exit 1
}

command -v gcloud >/dev/null 2>&1 || fail "the Google Cloud CLI (gcloud) is not on PATH"
command -v java >/dev/null 2>&1 || fail "java is not on PATH (the emulator is a Java program)"

root="$(CLOUDSDK_CORE_DISABLE_PROMPTS=1 gcloud info --format='value(installation.sdk_root)' 2>/dev/null)" \
    || fail "\`gcloud info\` failed"
[ -x "$root/platform/cloud-firestore-emulator/cloud_firestore_emulator" ] \
    || fail "the Firestore emulator component is missing from $root"
