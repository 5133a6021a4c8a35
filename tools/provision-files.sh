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

# shellcheck source=tools/apt-install.sh
. "$(dirname "$0")/apt-install.sh"
apt_install provision-files "${missing[@]}"

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
