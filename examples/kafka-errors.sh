#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# kafka-errors.sh - tail a topic, keep 5xx and slow requests, count them
# per service per minute as each minute closes.
#
# Event time comes from the records (.ts); a partition quiet for 30 s no
# longer holds the minute back; late records go to late.ndjson.
#
# Usage: kafka-errors.sh BROKER TOPIC
set -eu
broker=${1:-localhost:9092}
topic=${2:-access}
kcat -C -J -u -b "$broker" -t "$topic" -o end |
    stream-watermark --kcat --max-delay 5s --idle 30s \
        --late-output late.ndjson |
    stream-filter '.status >= 500 or .latency_ms > 800' |
    stream-agg --tumbling 1m --by .service count 'p99(.latency_ms)' \
        --no-watermarks
