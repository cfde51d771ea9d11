#!/usr/bin/env bash
# Runs every example against a freshly started server (the built dist/main.js on a free loopback
# port), each with a bounded runtime; fails on the first example that fails. The server uses a
# throwaway redis-server on a free port (stopped at the end), or REDIS_URL when it is set: then
# the streams, named example:<run>:…, and the presence of the device `example` they speak for
# are removed at the end. CI calls this.
set -euo pipefail
cd "$(dirname "$0")/.."

limit=60 # seconds, per example
run="example:$(date +%s)-$$"

# The Python examples use the client package: the virtual environment scripts/test-python
# installs it into, else the package's source with any python3 that has websockets.
py=""
if [ -x .venv-python/bin/python ] && .venv-python/bin/python -c 'import redis_streamer' 2>/dev/null; then
  py=.venv-python/bin/python
else
  for candidate in python3 /usr/bin/python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import websockets' 2>/dev/null; then
      py="$candidate"
      export PYTHONPATH="$PWD/packages/python/src${PYTHONPATH:+:$PYTHONPATH}"
      break
    fi
  done
fi
[ -n "$py" ] || { echo "examples: no python3 with websockets (apt install python3-websockets)" >&2; exit 1; }

[ -f dist/main.js ] || npm run build --silent
[ -f packages/client/dist/index.js ] || npm run build:client --silent

free_port() { node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'; }
own_redis=""
if [ -z "${REDIS_URL:-}" ]; then
  command -v redis-server >/dev/null 2>&1 || { echo "examples: set REDIS_URL or install redis-server" >&2; exit 1; }
  redis_port="$(free_port)"
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >/dev/null &
  own_redis=$!
  export REDIS_URL="redis://127.0.0.1:$redis_port"
  for _ in $(seq 50); do redis-cli -u "$REDIS_URL" ping >/dev/null 2>&1 && break; sleep 0.1; done
fi
port="$(free_port)"
log="$(mktemp)"
PORT="$port" HOST=127.0.0.1 LOG_LEVEL=warn node dist/main.js >"$log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  if [ -n "$own_redis" ]; then
    kill "$own_redis" 2>/dev/null && wait "$own_redis" 2>/dev/null || true
  else
    local redis=(redis-cli -u "$REDIS_URL")
    for pattern in "$run:*" "XMETA:$run:*"; do
      "${redis[@]}" --scan --pattern "$pattern" | xargs -r "${redis[@]}" unlink >/dev/null
    done
    "${redis[@]}" unlink ':devices:presence:{example}' >/dev/null
    "${redis[@]}" srem ':devices:connected' example >/dev/null
  fi
  rm -f "$log"
}
trap cleanup EXIT

export RS_URL="http://127.0.0.1:$port"
for _ in $(seq 150); do
  curl -sf "$RS_URL/readyz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.2
done
curl -sf "$RS_URL/readyz" >/dev/null || { echo "examples: server not ready" >&2; cat "$log" >&2; exit 1; }

step() {
  echo "== examples: $1"
  shift
  timeout "$limit" "$@"
}
expect_line() { # expect_line PATTERN FILE
  grep -Eq "$1" "$2" || { echo "examples: expected /$1/ in the output above" >&2; exit 1; }
}
out="$(mktemp)"

step "python push, with acks" "$py" examples/python/push.py "$run:py" --count 250 --ack | tail -n 3

# The pull starts at 0: it catches up on 250 entries in batches of at most 100, then gets 50
# more live. Starting from 0 means no race with the pushes.
"$py" examples/python/pull.py "$run:py" --from 0 --count 100 --expect 300 --duration $((limit - 5)) >"$out" 2>&1 &
puller=$!
step "python push, 50 more while the puller runs" "$py" examples/python/push.py "$run:py" --count 50 | tail -n 1
echo "== examples: python pull, multi-batch catch-up then live"
wait "$puller"
tail -n 2 "$out"
expect_line '^received 300 entries in ([3-9]|[1-9][0-9]+) batches' "$out"

step "python wire protocol (websockets only)" "$py" examples/python/wire_protocol.py "$run:wire" --count 5 | tee "$out"
expect_line '^pulled the same 5 entries back' "$out"

echo "== examples: python synchronized pull of three streams (tuples nearest in time)"
timeout "$limit" "$py" examples/python/sync_pull.py "$run:sync" --seconds 2 >"$out"
tail -n 3 "$out"
expect_line '^received 60 tuples, largest time difference ([0-9]|1[0-9]|20) ms' "$out"

step "python client CLI: push_increment, pull_raw" bash -c '
  "$1" -m redis_streamer push_increment "$2" --max_value 20 --url "$RS_URL" --plain &&
  "$1" -m redis_streamer pull_raw "$2" --last_entry_id 0 --limit 20 --url "$RS_URL" --plain | tail -n 1' _ "$py" "$run:cli" | tee "$out"
expect_line ' \| 19$' "$out"

step "node client library" node examples/node/client-library.mjs "$run:node"

step "graphql-ws subscription" bash -c '
  for i in 1 2 3; do curl -sS --fail-with-body -H "Content-Type: application/octet-stream" --data-binary "{\"n\": $i}" "$RS_URL/data/$1" >/dev/null; done
  node examples/node/subscription.mjs "$1" --from 0 --expect 3' _ "$run:sub" | tee "$out"
expect_line '^received 3 events' "$out"

step "curl, HTTP data endpoints" examples/curl/http.sh "$run:curl" | tee "$out"
expect_line 'entry-offset: \[\[.*"first".*|body: firstsecond' "$out"

step "curl, GraphQL" examples/curl/graphql.sh "$run:gql" | tee "$out"
expect_line '"deleteStream":true' "$out"

rm -f "$out"
echo "== examples: all passed"
