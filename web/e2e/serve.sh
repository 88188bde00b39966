#!/usr/bin/env bash
# Runs a command against a fresh `pama serve` on a free port with a temporary
# data dir, then stops the server:
#   web/e2e/serve.sh bin/pama npm --prefix web run e2e
# The command gets PAMA_E2E_URL (the server) and PAMA_E2E_DATA (its data dir,
# whose outbox/ holds the mail it sent) and PAMA_E2E_BIN (the binary, for
# tests that start a pama of their own). With PAMA_E2E_SEED=demo the data dir
# starts with the demo team space (`pama seed --demo`).
set -euo pipefail
bin=$(realpath "$1")
shift
data=$(mktemp -d "${TMPDIR:-/tmp}/pama-e2e.XXXXXX")
log="$data/server.log"

if [ "${PAMA_E2E_SEED:-}" = demo ]; then
  "$bin" seed --demo --data "$data" >/dev/null
fi

"$bin" serve --addr 127.0.0.1:0 --data "$data" --log-level debug \
  --rate-ip 1000 --rate-account 1000 --rate-team 1000 >"$log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT

addr=""
for _ in $(seq 200); do
  addr=$(sed -n 's/.*pama is ready.* listen=\([0-9.:]*\).*/\1/p' "$log" | head -n1)
  [ -n "$addr" ] && break
  kill -0 "$pid" 2>/dev/null || { echo "pama exited:"; cat "$log"; exit 1; }
  sleep 0.05
done
if [ -z "$addr" ]; then
  echo "pama did not start within 10 s:"
  cat "$log"
  exit 1
fi
echo "pama is serving on http://$addr (data in $data)"

status=0
PAMA_E2E_URL="http://$addr" PAMA_E2E_DATA="$data" PAMA_E2E_BIN="$bin" "$@" || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- last lines of the server log ---"
  tail -n 60 "$log"
fi
exit "$status"
