#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# demo.sh - the README's pipeline on the bundled sample.
#
# Event time is decided once (5 s of disorder allowed), errors are kept,
# and per-service error counts and p99 latency come out per minute.
set -eu
bin=${1:-build}
here=$(dirname "$0")
PATH="$bin:$PATH"

echo "== 5xx or slow requests, per service per 10 minutes (p99 latency):"
stream-watermark --max-delay 5s "$here/access.ndjson" 2>/dev/null |
    stream-filter '.status >= 500 or .latency_ms > 800' |
    stream-agg --tumbling 10m --by .service count 'p99(.latency_ms) as p99' \
        --no-watermarks |
    head -n 12
echo "...(first 12 rows)"
echo
echo "== busiest regions over the whole sample:"
stream-agg --by .region count 'avg(.latency_ms)' 'max(.latency_ms)' \
    "$here/access.ndjson"
