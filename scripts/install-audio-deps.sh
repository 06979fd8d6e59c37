#!/usr/bin/env bash
# Installs what the speech tests and benchmarks need to make real audio with a
# known transcript (Debian packages): espeak-ng (speech), sox (silences,
# resampling) and ffmpeg (packing WAV as MP4/M4A/WebM/Ogg), and libopus0, the
# Opus decoder the server loads at run time for WebM/Ogg recordings. Safe to
# run again: nothing is installed when everything is already there.
set -euo pipefail

log() { printf '[install-audio-deps] %s\n' "$*"; }
die() { printf '[install-audio-deps] error: %s\n' "$*" >&2; exit 1; }

missing=()
for pair in espeak-ng:espeak-ng sox:sox ffmpeg:ffmpeg; do
  tool=${pair%%:*} package=${pair##*:}
  command -v "$tool" >/dev/null || missing+=("$package")
done
if ! /sbin/ldconfig -p 2>/dev/null | grep -q 'libopus\.so\.0'; then
  missing+=(libopus0)
fi
if [[ ${#missing[@]} -eq 0 ]]; then
  log "espeak-ng, sox, ffmpeg and libopus0 already installed"
  exit 0
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || die "installing ${missing[*]} needs root (or sudo)"
  SUDO=(sudo)
fi
command -v apt-get >/dev/null || die "${missing[*]} missing and apt-get is not available; install them by hand"

candidate=$(apt-cache policy espeak-ng 2>/dev/null | awk '/Candidate:/ { print $2 }')
if [[ -z $candidate || $candidate == "(none)" ]]; then
  log "package lists do not know espeak-ng; running apt-get update"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
fi
log "installing ${missing[*]}"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
