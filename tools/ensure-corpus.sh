#!/usr/bin/env bash
# Make sure the language model's corpus is installed: the King James Bible of Debian's
# bible-kjv-text, read with the `bible` program of bible-kjv. Installs both from Debian's
# packages when they are missing and we are root with apt-get; otherwise prints the exact
# command to run and fails.
set -euo pipefail

PACKAGES="bible-kjv bible-kjv-text"
DATA_DIR="${1:-/usr/lib}"

missing() {
  command -v bible >/dev/null 2>&1 || { echo "command bible (package bible-kjv)"; return; }
  [ -s "$DATA_DIR/bible.data" ] || { echo "file $DATA_DIR/bible.data (package bible-kjv-text)"; return; }
  bible -p "$DATA_DIR" -l1000 Gen1:1 </dev/null | grep -q "In the beginning" \
    || { echo "a readable corpus (bible -p $DATA_DIR Gen1:1 fails)"; return; }
}

# shellcheck source=tools/apt-ensure.sh
. "$(dirname "$0")/apt-ensure.sh"
apt_ensure ensure-corpus "the language model trains on it." "$PACKAGES"
