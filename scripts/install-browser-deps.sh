#!/usr/bin/env bash
# Installs what the headless-browser tests in tests/browser need:
#   1. Chromium at /usr/bin/chromium (Debian package `chromium`), and
#   2. the npm dependencies of tests/browser (playwright-core, no bundled browsers).
# Safe to run again: each step is skipped when it is already done.
set -euo pipefail

readonly CHROMIUM=/usr/bin/chromium
readonly ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly TESTS="$ROOT/tests/browser"

log() { printf '[install-browser-deps] %s\n' "$*"; }
die() { printf '[install-browser-deps] error: %s\n' "$*" >&2; exit 1; }

# apt-get needs root; use sudo only when we are not root already.
SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || die "installing Chromium needs root (or sudo)"
  SUDO=(sudo)
fi

apt_install_chromium() {
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends chromium
}

# True when apt knows an installable version of the chromium package.
chromium_known_to_apt() {
  local candidate
  candidate=$(apt-cache policy chromium 2>/dev/null | awk '/Candidate:/ { print $2 }')
  [[ -n $candidate && $candidate != "(none)" ]]
}

if [[ -x $CHROMIUM ]]; then
  log "Chromium already installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
else
  command -v apt-get >/dev/null || die "$CHROMIUM is missing and apt-get is not available; install Chromium by hand"
  if ! chromium_known_to_apt; then
    log "package lists do not know 'chromium'; running apt-get update"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
  fi
  log "installing Chromium with apt-get"
  if ! apt_install_chromium; then
    # Stale package lists can point at files the mirror no longer has.
    log "install failed; refreshing package lists and retrying once"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
    apt_install_chromium
  fi
  [[ -x $CHROMIUM ]] || die "the chromium package installed, but $CHROMIUM does not exist"
  log "installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
fi

command -v npm >/dev/null || die "npm is not installed (the browser tests need Node.js 20+ and npm)"
[[ -f $TESTS/package-lock.json ]] || die "$TESTS/package-lock.json is missing"

# node_modules/.package-lock.json is written by npm at the end of every
# install, so its age tells whether the install is newer than the lockfile.
marker="$TESTS/node_modules/.package-lock.json"
if [[ -f $marker && ! $marker -ot $TESTS/package-lock.json ]]; then
  log "npm dependencies in tests/browser are up to date"
else
  log "installing npm dependencies in tests/browser (npm ci)"
  (cd "$TESTS" && npm ci --no-audit --no-fund)
fi

log "done"
