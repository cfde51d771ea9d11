#!/usr/bin/env bash
# 256 KiB push and pull throughput, the Python client next to the TypeScript client, one after
# the other against one freshly started server (dist/main.js on a free loopback port, the Redis
# at REDIS_URL). Needs `npm run build`, `npm run build:client` and the Python package
# (scripts/test-python makes .venv-python/). Streams are removed afterwards.
#   packages/python/bench/run.sh [--count N] [--size BYTES]
set -euo pipefail
cd "$(dirname "$0")/../../.."
eval "$(scripts/node24 --env)"
py="${PYTHON:-.venv-python/bin/python}"
port="$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')"
PORT="$port" HOST=127.0.0.1 LOG_LEVEL=warn node dist/main.js >/dev/null 2>&1 &
server=$!
run="bench:py-$(date +%s)-$$"
cleanup() {
  kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  redis-cli -u "${REDIS_URL:-redis://127.0.0.1:6379}" unlink "$run:python" "$run:typescript" >/dev/null
}
trap cleanup EXIT
url="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -sf "$url/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
"$py" packages/python/bench/throughput.py "$url" "$run:python" "$@"
node packages/python/bench/throughput.mjs "$url" "$run:typescript" "$@"
