#!/usr/bin/env bash
# Make sure the TeX tools the paper needs are installed. Installs them from Debian's
# packages when they are missing and we are root with apt-get; otherwise prints the
# exact command to run and fails.
set -euo pipefail

PACKAGES="latexmk texlive-latex-base texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended lmodern poppler-utils"
COMMANDS="latexmk pdflatex bibtex kpsewhich pdftoppm"
# One file from each TeX package the paper loads, so a partial TeX install is caught too.
TEXFILES="lmodern.sty t1lmr.fd natbib.sty plainnat.bst hyperref.sty geometry.sty booktabs.sty longtable.sty amsmath.sty placeins.sty"

missing() {
  for c in $COMMANDS; do command -v "$c" >/dev/null 2>&1 || { echo "command $c"; return; }; done
  for f in $TEXFILES; do [ -n "$(kpsewhich "$f" 2>/dev/null)" ] || { echo "TeX file $f"; return; }; done
}

# shellcheck source=tools/apt-ensure.sh
. "$(dirname "$0")/apt-ensure.sh"
apt_ensure ensure-tex "the paper needs TeX Live and latexmk." "$PACKAGES" \
  "other systems: a TeX Live with latexmk, lmodern, natbib, hyperref, booktabs; and poppler's pdftoppm"
