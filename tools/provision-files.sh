#!/usr/bin/env bash
# Install what pip cannot, for the book as files (`make files`, tests/test_book_files.py):
#   chromium          prints the PDF (tools/provision-browser.sh installs it);
#   epubcheck         validates the EPUB (Debian's package, with its Java runtime);
#   poppler-utils     pdftotext: the tests read the PDF's text with it;
#   fonts-dejavu-extra  "DejaVu Math TeX Gyre", an OpenType MATH font: Chromium lays
#                     out MathML with it, so the PDF's formulas are text in a math font.
# Idempotent: installs only what is missing. Needs root (or sudo) when something is.
# Exit status 0 when everything is usable afterwards; otherwise it says why and fails.
set -euo pipefail

"$(dirname "$0")/provision-browser.sh"

MATH_FONT=/usr/share/fonts/truetype/dejavu/DejaVuMathTeXGyre.ttf
missing=()
command -v epubcheck >/dev/null 2>&1 || missing+=(epubcheck)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
[ -f "$MATH_FONT" ] || missing+=(fonts-dejavu-extra)

if [ "${#missing[@]}" -eq 0 ]; then
    echo "provision-files: epubcheck, pdftotext and the math font are installed."
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "provision-files: ERROR: missing ${missing[*]} and no apt-get on this machine." >&2
    echo "  Install them with your system's package manager." >&2
    exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "provision-files: ERROR: ${missing[*]} missing and installing needs root." >&2
    echo "  Run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi

echo "provision-files: installing ${missing[*]} (apt-get) ..."
export DEBIAN_FRONTEND=noninteractive
# Wait for another apt-get (a parallel provisioning) rather than fail on its lock.
APT=(-o DPkg::Lock::Timeout=600)
$SUDO apt-get "${APT[@]}" update -qq
$SUDO apt-get "${APT[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

for tool in epubcheck pdftotext; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "provision-files: ERROR: apt-get finished but $tool is not there." >&2
        exit 1
    }
done
[ -f "$MATH_FONT" ] || {
    echo "provision-files: ERROR: apt-get finished but $MATH_FONT is not there." >&2
    exit 1
}
echo "provision-files: installed ${missing[*]}."
