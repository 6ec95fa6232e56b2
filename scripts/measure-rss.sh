#!/usr/bin/env bash
# Resident memory of the portal after start, and after a sign-in and some
# searches, with 100,000 organizations in its cache. Loopback only.
#
#   scripts/measure-rss.sh
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
addr=127.0.0.1:18090

go build -o "$dir/contactdesk" .
CONTACTDESK_SEED_DB="$dir/cd.db" go test -count=1 ./store -run WriteOrganizationCacheFile >/dev/null
export CONTACTDESK_DB=$dir/cd.db CONTACTDESK_ADDR=$addr
# An unreachable upstream keeps the start-up refresh from replacing the cache.
export DIGICERT_API_KEY=unused DIGICERT_BASE_URL=http://127.0.0.1:9/services/v2
CONTACTDESK_PASSWORD='measure-password-123' "$dir/contactdesk" user add --email m@example.com --name M --role admin >/dev/null

"$dir/contactdesk" >"$dir/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 50); do curl -sf "http://$addr/healthz" >/dev/null && break; sleep 0.1; done
sleep 1
echo "after start:                      $(grep VmRSS /proc/$pid/status | tr -s ' \t' ' ')"

jar=$dir/jar
token=$(curl -s -c "$jar" "http://$addr/login" | grep -o 'name="_csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"//')
curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "_csrf=$token" \
  --data-urlencode "email=m@example.com" --data-urlencode "password=measure-password-123" "http://$addr/login"
for q in acme tech ing e ab 100500 zenith ""; do
  for p in 1 2 3; do curl -s -b "$jar" -o /dev/null "http://$addr/organizations?q=$q&page=$p"; done
done
echo "after a sign-in and 24 searches:  $(grep VmRSS /proc/$pid/status | tr -s ' \t' ' ')"
echo "peak:                             $(grep VmHWM /proc/$pid/status | tr -s ' \t' ' ')"
