#!/usr/bin/env bash
# Fuzzes the HTTP API with schemathesis against the real debug server: every
# operation of GET /api/openapi.json, every check (status codes, content
# types, headers and bodies as documented, valid data accepted, invalid data
# refused, 405 for undocumented methods, auth enforced, deleted resources
# gone), a bounded number of examples per operation. Exits non-zero on any
# failure. Uses the server binary from the cargo target directory (built if
# missing), an in-memory database and no models.
#
#   scripts/schemathesis.sh            # default budget
#   EXAMPLES=50 SEED=7 scripts/schemathesis.sh
set -euo pipefail
cd "$(dirname "$0")/.."

EXAMPLES=${EXAMPLES:-15}
SEED=${SEED:-20261206}
log() { printf '[schemathesis] %s\n' "$*" >&2; }

st=$(scripts/install-schemathesis.sh | tail -n 1)
target_dir=$(realpath -m "${CARGO_TARGET_DIR:-target}")
binary="$target_dir/debug/debrief"
if [[ ! -x $binary ]]; then
  log "building $binary"
  cargo build -p debrief --locked
fi

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [[ -n $server_pid ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# Generous sign-in limits: the run registers users far faster than people do.
DEBRIEF_SERVER__BIND=127.0.0.1:0 \
DEBRIEF_DATABASE__URL=mem:// \
DEBRIEF_STORAGE__DIR="$work/storage" \
DEBRIEF_MODELS__DIR="$work/models" \
DEBRIEF_MODELS__CHAT= DEBRIEF_MODELS__STT= DEBRIEF_MODELS__EMBED= DEBRIEF_MODELS__DIARIZE= \
DEBRIEF_MODELS__FETCH_ON_START=false \
DEBRIEF_LLM__BASE_URL= DEBRIEF_TRANSCRIPTION__BASE_URL= \
DEBRIEF_AUTH__LOGIN_PER_IP_PER_MINUTE=100000 \
DEBRIEF_AUTH__LOGIN_FAILURES_PER_IP_PER_HOUR=100000 \
DEBRIEF_LOG__FILTER=warn \
  "$binary" serve >"$work/server.log" 2>&1 &
server_pid=$!

url=""
for _ in $(seq 1 300); do
  url=$(grep -o 'listening on http://[0-9.:]*' "$work/server.log" | head -n 1 | sed 's/listening on //' || true)
  [[ -n $url ]] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; log "the server did not start"; exit 1; }
  sleep 0.1
done
[[ -n $url ]] || { log "the server did not say where it listens"; exit 1; }
log "server at $url"

token=$(curl -fsS -X POST "$url/api/v1/auth/register" -H 'Content-Type: application/json' \
  -d "{\"email\":\"schemathesis-$$@example.com\",\"password\":\"fuzzing the api $$\",\"name\":\"Schemathesis\"}" \
  | "$(dirname "$st")/python" -c 'import json, sys; print(json.load(sys.stdin)["token"])')

# One worker: CPython 3.11's ast.parse is not safe across threads (hypothesis
# parses lambdas while it draws; "AST constructor recursion depth mismatch").
started=$(date +%s)
set +e
DEBRIEF_URL="$url" DEBRIEF_TOKEN="$token" SCHEMATHESIS_HOOKS="$PWD/scripts/schemathesis_hooks.py" \
  timeout 900 "$st" --config-file scripts/schemathesis.toml --no-color run "$url/api/openapi.json" \
    --checks all --max-examples "$EXAMPLES" --seed "$SEED" --workers 1 \
    --request-timeout 30 --report junit --report-dir "$target_dir/schemathesis-report" "$@"
status=$?
set -e
log "finished in $(( $(date +%s) - started )) s with exit code $status (report: $target_dir/schemathesis-report)"
if [[ $status -ne 0 ]] && grep -qiE 'panicked|ERROR' "$work/server.log"; then
  log "server log:"; grep -iE 'panicked|ERROR' "$work/server.log" | tail -n 20 >&2
fi
exit "$status"
