#!/bin/sh
# Make Debian's Chromium available for the browser tests of `serve` (tests/serve/test_browser.py).
# Idempotent: does nothing when /usr/bin/chromium is already there. Needs root (CI runs as root)
# and a Debian package mirror; exits non-zero, saying why, when it cannot install.
set -eu
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure_chromium: /usr/bin/chromium is absent and this is not root on Debian (apt-get); install the 'chromium' package" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# fonts-liberation (only recommended by chromium) draws Vietnamese; the other recommends are
# desktop services a headless test never uses.
apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
test -x /usr/bin/chromium
