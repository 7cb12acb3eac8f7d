#!/usr/bin/env bash
# Headless Chromium and its driver for the data browser's real-browser tests
# (tests/web/test_in_browser.py), from Debian's packages: `apt-get install chromium
# chromium-driver` when /usr/bin/chromium is missing. Playwright drives this system build
# (never `playwright install`, which would download a browser of its own). Idempotent; quiet
# when Chromium is already there. Needs root (CI runs as root) the first time.
set -euo pipefail

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-chromium: no apt-get here; install Chromium and set" \
        "AGENT_DATA_STORE_TEST_CHROMIUM to its path" >&2
    exit 1
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
    sudo="sudo"
fi
echo "install-chromium: apt-get install chromium chromium-driver"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq chromium chromium-driver >/dev/null
/usr/bin/chromium --version
