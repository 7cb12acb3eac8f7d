#!/usr/bin/env bash
# Headless Chromium and its driver for the data browser's real-browser tests
# (tests/web/test_in_browser.py), from Debian's packages: `apt-get install chromium
# chromium-driver` (as root) when /usr/bin/chromium is missing. Playwright drives this system
# build (never `playwright install`, which would download a browser of its own). Idempotent;
# prints one line.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# shellcheck source=scripts/lib-install.sh
. "$root/scripts/lib-install.sh"

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    apt_install install-chromium "Chromium (/usr/bin/chromium, /usr/bin/chromedriver)" \
        chromium chromium-driver
fi
echo "install-chromium: $(/usr/bin/chromium --version 2>/dev/null | head -n 1) ready"
