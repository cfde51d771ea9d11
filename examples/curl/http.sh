#!/usr/bin/env bash
# The HTTP data endpoints with curl: POST entries (multipart, raw bytes, several streams),
# GET them back with the entry-offset / x-last-entry-id headers, continue from the cursor.
#   examples/curl/http.sh [sid]        RS_URL (default http://localhost:8000), RS_TOKEN
set -euo pipefail
url="${RS_URL:-http://localhost:8000}"
sid="${1:-example:curl}"
auth=()
[ -n "${RS_TOKEN:-}" ] && auth=(-H "Authorization: Bearer $RS_TOKEN")
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
s="$(enc "$sid")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
printf 'first' >"$tmp/a.txt"
printf 'second' >"$tmp/b.txt"

echo "# two entries as multipart parts named 'entries' -> their ids"
curl -sS --fail-with-body "${auth[@]}" -F "entries=@$tmp/a.txt" -F "entries=@$tmp/b.txt" "$url/data/$s"
echo

echo "# one raw entry (the body is the payload)"
curl -sS --fail-with-body "${auth[@]}" -H 'Content-Type: application/octet-stream' \
  --data-binary 'third' "$url/data/$s"
echo

echo "# one entry for each of two streams: '*' in the URL, the filename names the stream"
curl -sS --fail-with-body "${auth[@]}" -F "entries=@$tmp/a.txt;filename=$sid" \
  -F "entries=@$tmp/b.txt;filename=$sid:other" "$url/data/*"
echo

echo "# read from the beginning, 2 at a time: payloads back to back, offsets in the headers"
cursor=0
for _ in 1 2 3; do
  curl -sS --fail-with-body "${auth[@]}" -D "$tmp/headers" -o "$tmp/body" \
    "$url/data/$s?last_entry_id=$cursor&count=2"
  offsets="$(grep -i '^entry-offset:' "$tmp/headers" | cut -d' ' -f2- | tr -d '\r')"
  cursor="$(grep -i '^x-last-entry-id:' "$tmp/headers" | cut -d' ' -f2- | tr -d '\r')"
  echo "entry-offset: $offsets  body: $(cat "$tmp/body")  next: $cursor"
done
