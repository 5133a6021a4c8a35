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

if ! command -v apt-get >/dev/null 2>&1; then
    echo "provision-browser: ERROR: no $CHROMIUM and no apt-get on this machine." >&2
    echo "  Install Chromium with your system's package manager, then set" >&2
    echo "  BOOK_CHROMIUM=/path/to/chromium if it is not at /usr/bin/chromium." >&2
    exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "provision-browser: ERROR: chromium is missing and installing it needs root." >&2
    echo "  Run: sudo apt-get update && sudo apt-get install -y chromium" >&2
    exit 1
fi

echo "provision-browser: installing Debian's chromium (apt-get) ..."
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium >/dev/null

if [ ! -x "$CHROMIUM" ]; then
    echo "provision-browser: ERROR: apt-get finished but $CHROMIUM is not there." >&2
    exit 1
fi
echo "provision-browser: $("$CHROMIUM" --version) installed."
