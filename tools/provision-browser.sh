#!/usr/bin/env bash
# Install what pip cannot: Debian's Chromium (Playwright cannot download its own
# browsers on this network), in its two builds:
#   chromium                  the browser readers use: Lighthouse (make audit), the
#                             PDF (make files) and the screenshots;
#   chromium-headless-shell   the same Blink engine without the browser's shell (the
#                             build Playwright itself runs headless tests in): the
#                             browser tests read every page with it, in half the time.
# Idempotent: installs only what is missing. Needs root (or sudo) when something is.
# BOOK_CHROMIUM=/path/to/chromium replaces both (then nothing is installed).
# Exit status 0 when both are usable afterwards; otherwise it says why and fails.
set -euo pipefail

if [ -n "${BOOK_CHROMIUM:-}" ]; then
    if [ -x "$BOOK_CHROMIUM" ]; then
        echo "provision-browser: BOOK_CHROMIUM=$BOOK_CHROMIUM is used for every browser."
        exit 0
    fi
    echo "provision-browser: ERROR: BOOK_CHROMIUM=$BOOK_CHROMIUM is not executable." >&2
    exit 1
fi

# The package name and the executable it installs.
declare -A WANTED=(
    [chromium]=/usr/bin/chromium
    [chromium-headless-shell]=/usr/lib/chromium/chromium-headless-shell
)
missing=()
for package in "${!WANTED[@]}"; do
    [ -x "${WANTED[$package]}" ] || missing+=("$package")
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "provision-browser: $(/usr/bin/chromium --version 2>/dev/null) and its headless shell are installed."
    exit 0
fi

# shellcheck source=tools/apt-install.sh
. "$(dirname "$0")/apt-install.sh"
apt_install provision-browser "${missing[@]}" || {
    echo "  (or install Chromium another way and set BOOK_CHROMIUM=/path/to/chromium)" >&2
    exit 1
}

for package in "${missing[@]}"; do
    if [ ! -x "${WANTED[$package]}" ]; then
        echo "provision-browser: ERROR: apt-get installed $package but ${WANTED[$package]} is not there." >&2
        exit 1
    fi
done
echo "provision-browser: installed ${missing[*]} ($(/usr/bin/chromium --version 2>/dev/null))."
