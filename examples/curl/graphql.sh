#!/usr/bin/env bash
# GraphQL over HTTP with curl: list streams, set and merge metadata, read XINFO fields, delete.
#   examples/curl/graphql.sh [sid]     RS_URL (default http://localhost:8000), RS_TOKEN
set -euo pipefail
url="${RS_URL:-http://localhost:8000}"
sid="${1:-example:curl}"
auth=()
[ -n "${RS_TOKEN:-}" ] && auth=(-H "Authorization: Bearer $RS_TOKEN")

# POST {"query": ..., "variables": ...} as JSON (the Content-Type also satisfies CSRF prevention).
gql() {
  local body
  body="$(python3 -c 'import json, sys; print(json.dumps({"query": sys.argv[1], "variables": json.loads(sys.argv[2])}))' "$1" "${2:-"{}"}")"
  curl -sS --fail-with-body "${auth[@]}" -H 'Content-Type: application/json' -d "$body" "$url/graphql"
  echo
}

echo "# an entry to look at"
curl -sS --fail-with-body "${auth[@]}" --data-binary 'hello' \
  -H 'Content-Type: application/octet-stream' "$url/data/$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$sid")"
echo

echo "# set metadata, then shallow-merge more into it"
gql 'mutation ($sid: String!) { streamMeta(sid: $sid, meta: {format: "mp4"}) }' "{\"sid\": \"$sid\"}"
gql 'mutation ($sid: String!) { streamMeta(sid: $sid, meta: {fps: 30}, update: true) }' "{\"sid\": \"$sid\"}"

echo "# the stream: XINFO STREAM fields and metadata"
gql 'query ($sids: [String!]) {
  streams(sids: $sids) {
    sid length entriesAdded lastEntryId lastEntryData
    lastEntryTime(format: "%Y-%m-%d %H:%M:%S") error meta
  }
}' "{\"sids\": [\"$sid\"]}"

echo "# every stream id (counted here)"
gql '{ sids }' | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["data"]["sids"]), "streams")'

echo "# delete the stream and its metadata"
gql 'mutation ($sid: String!) { deleteStream(sid: $sid) }' "{\"sid\": \"$sid\"}"
