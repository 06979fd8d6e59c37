#!/usr/bin/env bash
# Installs promtool (Debian package `prometheus`), with which the e2e test
# `metrics_after_a_full_story_pass_promtool` checks that /metrics is valid
# Prometheus text. The package's server is not started here. Safe to run
# again: nothing is installed when promtool is already there.
set -euo pipefail

log() { printf '[install-promtool] %s\n' "$*"; }
die() { printf '[install-promtool] error: %s\n' "$*" >&2; exit 1; }

if command -v promtool >/dev/null; then
  log "promtool already installed ($(promtool --version 2>&1 | head -n 1))"
  exit 0
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || die "installing prometheus needs root (or sudo)"
  SUDO=(sudo)
fi
command -v apt-get >/dev/null || die "promtool missing and apt-get is not available; install prometheus by hand"

candidate=$(apt-cache policy prometheus 2>/dev/null | awk '/Candidate:/ { print $2 }')
if [[ -z $candidate || $candidate == "(none)" ]]; then
  log "package lists do not know prometheus; running apt-get update"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
fi
log "installing prometheus (for promtool)"
# policy-rc.d exit 101: the package's service must not start on install.
policy=/usr/sbin/policy-rc.d
created_policy=false
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$policy" >/dev/null
  "${SUDO[@]}" chmod +x "$policy"
  created_policy=true
fi
status=0
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus || status=$?
if $created_policy; then "${SUDO[@]}" rm -f "$policy"; fi
[[ $status -eq 0 ]] || die "apt-get install prometheus failed"
command -v promtool >/dev/null || die "prometheus is installed but promtool is not on PATH"
log "installed $(promtool --version 2>&1 | head -n 1)"
