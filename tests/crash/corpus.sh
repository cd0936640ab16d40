#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# corpus.sh - the inputs of the crash and fault harnesses, from a seed.
#
# Usage: corpus.sh KIND N SEED
#   events  N records 100 ms apart with up to 2 s of disorder, ~4% late
#           by 15-25 s (beyond --max-delay 5s), repeated ids (dedupe),
#           and a bad line every 41st (invalid JSON) and a record without
#           a time every 53rd (bad where the time is used)
#   left    N join rows: {"k","ts","l"} over 30 keys, a bad line every 41st
#   right   N join rows: {"k","ts","r"} over 30 keys (no bad lines)
#   table   N table rows: {"k","name"}, keys k0..k(N-1), each once
#   kcat TOPIC NPART  (filter) the lines of stdin as kcat -J envelopes,
#           round robin over NPART partitions; bad lines become bad
#           payloads of well-formed envelopes, as kcat delivers them
# Times are epoch milliseconds from 2024-01-01T00:00:00Z.
set -eu

kind=$1

if [ "$kind" = kcat ]; then
	exec jq -cR --arg topic "$2" --argjson np "$3" -n '
	    [inputs] | to_entries[] | {topic: $topic,
	    partition: (.key % $np), offset: ((.key / $np) | floor),
	    tstype: "create", ts: 0, broker: 0, key: null, payload: .value}'
fi

awk -v kind="$kind" -v n="$2" -v seed="$3" 'BEGIN {
	srand(seed)
	t0 = 1704067200000
	for (i = 1; i <= n; i++) {
		t = t0 + i * 100 + int(rand() * 4000) - 2000
		if (rand() < 0.04)
			t -= 15000 + int(rand() * 10000)
		if (kind == "table") {
			printf "{\"k\":\"k%d\",\"name\":\"n%d\"}\n", i - 1, i - 1
		} else if (kind != "right" && i % 41 == 0) {
			printf "oops {\"broken %d\n", i
		} else if (kind == "events" && i % 53 == 0) {
			printf "{\"id\":%d,\"k\":\"k%d\",\"v\":%d}\n", i % 40,
			    i % 5, i
		} else if (kind == "events") {
			printf "{\"id\":%d,\"k\":\"k%d\",\"v\":%d,\"ts\":%.0f}\n",
			    int(rand() * 40), int(rand() * 5),
			    int(rand() * 100), t
		} else if (kind == "left") {
			printf "{\"k\":\"k%d\",\"ts\":%.0f,\"l\":%d}\n",
			    int(rand() * 30), t, i
		} else {
			printf "{\"k\":\"k%d\",\"ts\":%.0f,\"r\":%d}\n",
			    int(rand() * 30), t, i
		}
	}
}'
