# Sourced by tools/ensure-*.sh: `apt_ensure TAG WHY PACKAGES [HINT]` exits 0 if the caller's
# `missing` function prints nothing; otherwise installs PACKAGES from Debian's packages when we
# are root with apt-get (and checks `missing` again), or prints the exact command to run (and
# HINT, if given) and exits 1.
apt_ensure() {
  local tag=$1 why=$2 packages=$3 hint=${4:-} what
  what=$(missing)
  [ -z "$what" ] && exit 0
  echo "$tag: missing $what; $why" >&2
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "$tag: installing from Debian packages: $packages" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $packages >&2
    what=$(missing)
    [ -z "$what" ] && exit 0
    echo "$tag: still missing $what after installing" >&2
    exit 1
  fi
  echo "$tag: run as root:  apt-get update && apt-get install -y --no-install-recommends $packages" >&2
  [ -z "$hint" ] || echo "$tag: ($hint)" >&2
  exit 1
}
