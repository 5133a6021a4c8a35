#!/usr/bin/env bash
# Install what pip cannot: Debian's chromium, which the browser tests drive with
# Playwright (Playwright cannot download its own browsers on this network).
# Idempotent: does nothing when chromium is already there. Needs root (or sudo).
# Exit status 0 when chromium is usable afterwards; otherwise it says why and fails.
set -euo pipefail

CHROMIUM="${BOOK_CHROMIUM:-/usr/bin/chromium}"

if [ -x "$CHROMIUM" ]; then
    echo "provision-browser: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM") is installed."
    exit 0
fi

# shellcheck source=tools/apt-install.sh
. "$(dirname "$0")/apt-install.sh"
apt_install provision-browser chromium || {
    echo "  (or install Chromium another way and set BOOK_CHROMIUM=/path/to/chromium)" >&2
    exit 1
}

if [ ! -x "$CHROMIUM" ]; then
    echo "provision-browser: ERROR: apt-get finished but $CHROMIUM is not there." >&2
    exit 1
fi
echo "provision-browser: $("$CHROMIUM" --version) installed."
