#!/usr/bin/env bash
# Installs schemathesis (the OpenAPI fuzzer scripts/schemathesis.sh runs
# against the server) from PyPI, pinned, into a virtualenv under the cargo
# target directory, so it stays out of the system Python and out of git.
# Prints the path of the `st` binary on its last line. Idempotent: nothing is
# downloaded when the pinned version is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=4.32.5
log() { printf '[install-schemathesis] %s\n' "$*" >&2; }
die() { printf '[install-schemathesis] error: %s\n' "$*" >&2; exit 1; }

target_dir=$(realpath -m "${CARGO_TARGET_DIR:-target}")
venv="$target_dir/schemathesis-venv"
st="$venv/bin/st"

if [[ -x $st ]] && "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('schemathesis') != '$VERSION')" 2>/dev/null; then
  log "schemathesis $VERSION already installed"
  echo "$st"
  exit 0
fi

python=$(command -v python3 || true)
[[ -n $python ]] || die "python3 is needed (Debian: apt-get install python3 python3-venv)"
if ! "$python" -c 'import venv, ensurepip' 2>/dev/null; then
  command -v apt-get >/dev/null || die "python3's venv module is missing; install python3-venv"
  log "installing python3-venv"
  env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-venv >&2 \
    || { apt-get update >&2 && env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-venv >&2; }
fi
mkdir -p "$target_dir"
log "creating $venv"
"$python" -m venv --clear "$venv" >&2
log "installing schemathesis $VERSION"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$VERSION" >&2
echo "$st"
