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

what=$(missing)
[ -z "$what" ] && exit 0

echo "ensure-corpus: missing $what; the language model trains on it." >&2
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-corpus: installing from Debian packages: $PACKAGES" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  # shellcheck disable=SC2086
  apt-get install -y -q --no-install-recommends $PACKAGES >&2
  what=$(missing)
  [ -z "$what" ] && exit 0
  echo "ensure-corpus: still missing $what after installing" >&2
  exit 1
fi
echo "ensure-corpus: run as root:  apt-get update && apt-get install -y --no-install-recommends $PACKAGES" >&2
exit 1
