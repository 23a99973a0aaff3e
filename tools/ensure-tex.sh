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

what=$(missing)
[ -z "$what" ] && exit 0

echo "ensure-tex: missing $what; the paper needs TeX Live and latexmk." >&2
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-tex: installing from Debian packages: $PACKAGES" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  # shellcheck disable=SC2086
  apt-get install -y -q --no-install-recommends $PACKAGES >&2
  what=$(missing)
  [ -z "$what" ] && exit 0
  echo "ensure-tex: still missing $what after installing" >&2
  exit 1
fi
echo "ensure-tex: run as root:  apt-get update && apt-get install -y --no-install-recommends $PACKAGES" >&2
echo "ensure-tex: (other systems: a TeX Live with latexmk, lmodern, natbib, hyperref, booktabs; and poppler's pdftoppm)" >&2
exit 1
