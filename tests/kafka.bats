#!/usr/bin/env bats
# Real Kafka end to end: librdkafka's mock cluster on loopback, kcat -P
# producing, kcat -C -J consuming into the tools.

load helpers

setup_file() {
	if ! command -v kcat >/dev/null ||
	    ! pkg-config --exists rdkafka 2>/dev/null; then
		return 0
	fi
	cc -std=c11 -D_GNU_SOURCE -O1 "$BATS_TEST_DIRNAME/kafka/mockbroker.c" \
	    $(pkg-config --cflags --libs rdkafka) \
	    -o "$BATS_FILE_TMPDIR/mockbroker"
}

start_broker() {
	[ -x "$BATS_FILE_TMPDIR/mockbroker" ] ||
	    skip "kcat or librdkafka-dev missing"
	mkfifo "$BATS_TEST_TMPDIR/hold"
	"$BATS_FILE_TMPDIR/mockbroker" "$@" <"$BATS_TEST_TMPDIR/hold" \
	    >"$BATS_TEST_TMPDIR/addr" &
	BROKER_PID=$!
	exec 7>"$BATS_TEST_TMPDIR/hold"
	for _ in $(seq 50); do
		[ -s "$BATS_TEST_TMPDIR/addr" ] && break
		sleep 0.1
	done
	BROKER=$(cat "$BATS_TEST_TMPDIR/addr")
	[ -n "$BROKER" ]
}

teardown() {
	exec 7>&- 2>/dev/null || true
	[ -n "${BROKER_PID:-}" ] && kill "$BROKER_PID" 2>/dev/null || true
	[ -n "${CONSUMER_PID:-}" ] && kill "$CONSUMER_PID" 2>/dev/null || true
	[ -n "${KCAT_PID:-}" ] && kill "$KCAT_PID" 2>/dev/null || true
	true
}

# produce PARTITION KEY SECONDS...: one event per second value.
produce() {
	local p=$1 key=$2
	shift 2
	for s in "$@"; do
		printf '{"ts":"2024-11-12T10:%02d:%02dZ","p":%d,"s":%d}\n' \
		    $((s / 60)) $((s % 60)) "$p" "$s"
	done | kcat -P -b "$BROKER" -t access -p "$p" -k "$key" 2>/dev/null
}

# From --keep-envelope output: every watermark must be the running
# maximum of the minimum over the partitions seen so far (delay 0).
check_min_rule() {
	jq -rn '
	  reduce (inputs) as $r ({max: {}, w: null, bad: 0};
	    if $r["@watermark"] then
	      (.max | to_entries | map(.value) | min) as $m
	      | (if .w == null or $m > .w then $m else .w end) as $want
	      | .w = $want
	      | if ($r["@watermark"] | sub("\\.000Z$"; "Z") | fromdate) != $want
	        then .bad += 1 else . end
	    else
	      ($r.payload | fromjson | .ts | fromdate) as $t
	      | ($r.partition | tostring) as $p
	      | .max[$p] = ([.max[$p] // $t, $t] | max)
	    end)
	  | .bad' "$1"
}

@test "kcat: three partitions, watermark is the minimum, each record once" {
	start_broker access 3
	produce 0 a 0 10 20 30
	produce 1 b 5 15 25
	produce 2 c 2 12
	timeout 20 kcat -C -J -b "$BROKER" -t access -e 2>/dev/null \
	    >"$BATS_TEST_TMPDIR/env.ndjson"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/env.ndjson")" -eq 9 ]
	# Partitions are met as their first record arrives, so records of a
	# partition met late may be behind W: --late pass keeps them.
	run stream-watermark --kcat --keep-envelope --max-delay 0s \
	    --late pass --emit-every 1 "$BATS_TEST_TMPDIR/env.ndjson"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | grep -v '^stream-watermark:' \
	    >"$BATS_TEST_TMPDIR/out.ndjson"
	[ "$(grep -c '"payload"' "$BATS_TEST_TMPDIR/out.ndjson")" -eq 9 ]
	[ "$(check_min_rule "$BATS_TEST_TMPDIR/out.ndjson")" -eq 0 ]
	# Without the envelope, the payloads come out byte for byte.
	stream-watermark --kcat --max-delay 0s --late pass \
	    "$BATS_TEST_TMPDIR/env.ndjson" 2>/dev/null | grep -v '@watermark' |
	    sort >"$BATS_TEST_TMPDIR/payloads"
	jq -r .payload "$BATS_TEST_TMPDIR/env.ndjson" | sort |
	    diff - "$BATS_TEST_TMPDIR/payloads"
}

@test "kcat: replayed offsets are skipped (state exactly-once)" {
	start_broker access 2
	produce 0 a 0 10 20
	produce 1 b 5 15
	timeout 20 kcat -C -J -b "$BROKER" -t access -e 2>/dev/null \
	    >"$BATS_TEST_TMPDIR/all.ndjson"
	st="$BATS_TEST_TMPDIR/agg.state"
	head -3 "$BATS_TEST_TMPDIR/all.ndjson" |
	    stream-agg --kcat --by .p count --state "$st" >/dev/null
	# The next run replays everything from offset 0.
	stream-agg --kcat --by .p count --state "$st" --eof flush \
	    "$BATS_TEST_TMPDIR/all.ndjson" >"$BATS_TEST_TMPDIR/out"
	printf '%s\n' '{"p":0,"count":3}' '{"p":1,"count":2}' |
	    diff - "$BATS_TEST_TMPDIR/out"
}

# wait_lines FILE PATTERN N: until N lines of FILE match (at most 15 s).
wait_lines() {
	for _ in $(seq 150); do
		[ "$(grep -c "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
		sleep 0.1
	done
	return 1
}

@test "kcat: a quiet partition stops holding the watermark after --idle" {
	start_broker access 3
	mkfifo "$BATS_TEST_TMPDIR/envelopes"
	kcat -C -J -u -b "$BROKER" -t access -X fetch.wait.max.ms=50 \
	    2>/dev/null >"$BATS_TEST_TMPDIR/envelopes" &
	KCAT_PID=$!
	stream-watermark --kcat --idle 2s --max-delay 0s --emit-every 1 \
	    --late pass <"$BATS_TEST_TMPDIR/envelopes" \
	    >"$BATS_TEST_TMPDIR/out" 2>/dev/null &
	CONSUMER_PID=$!
	produce 2 c 2
	wait_lines "$BATS_TEST_TMPDIR/out" '"s":' 1
	# Partition 2 stays quiet at 10:00:02; 0 and 1 keep going for 5 s.
	for s in $(seq 10 10 100); do
		produce 0 a "$s"
		produce 1 b $((s + 1))
		sleep 0.4
	done
	wait_lines "$BATS_TEST_TMPDIR/out" '"s":' 21
	kill "$CONSUMER_PID" "$KCAT_PID" 2>/dev/null || true
	sleep 0.3
	cat "$BATS_TEST_TMPDIR/out"
	# While 2 was live, W stayed at its 10:00:02; once it was idle, W
	# followed the minimum of partitions 0 and 1 while they were live.
	grep -q '"@watermark":"2024-11-12T10:00:02.000Z"' "$BATS_TEST_TMPDIR/out"
	grep -q '"@watermark":"2024-11-12T10:0[01]:[0-9]0.000Z"' \
	    "$BATS_TEST_TMPDIR/out"
	# Every produced record came out exactly once.
	[ "$(grep -c '"s":' "$BATS_TEST_TMPDIR/out")" -eq 21 ]
}

@test "kcat: one instance per partition, merged: every record counted once" {
	start_broker access 4
	for p in 0 1 2 3; do
		for s in $(seq 0 7 300); do
			printf '{"ts":"2024-11-12T10:%02d:%02dZ","k":"k%d","s":%d}\n' \
			    $((s / 60)) $((s % 60)) $(((s + p) % 5)) "$s"
		done | kcat -P -b "$BROKER" -t access -p "$p" 2>/dev/null
	done
	pids=()
	for p in 0 1 2 3; do
		timeout 20 kcat -C -J -b "$BROKER" -t access -p "$p" -e \
		    2>/dev/null | stream-agg --kcat --by .k count --emit partial \
		    --state "$BATS_TEST_TMPDIR/s$p.state" --eof flush \
		    >"$BATS_TEST_TMPDIR/p$p" &
		pids+=($!)
	done
	wait "${pids[@]}"
	stream-agg --merge --by .k count "$BATS_TEST_TMPDIR"/p[0-3] \
	    >"$BATS_TEST_TMPDIR/merged"
	# 43 records per partition, 4 partitions.
	[ "$(jq -s 'map(.count) | add' "$BATS_TEST_TMPDIR/merged")" -eq 172 ]
	# A rerun replays the partitions from offset 0: all skipped by the
	# offsets in each instance's state, nothing counted twice.
	for p in 0 1 2 3; do
		timeout 20 kcat -C -J -b "$BROKER" -t access -p "$p" -e \
		    2>/dev/null | stream-agg --kcat --by .k count --emit partial \
		    --state "$BATS_TEST_TMPDIR/s$p.state" --eof flush \
		    --stats 2>"$BATS_TEST_TMPDIR/e$p" >"$BATS_TEST_TMPDIR/q$p"
		grep -q 'replayed 43' "$BATS_TEST_TMPDIR/e$p"
	done
}

@test "kcat: a topic keyed by --by, --partition per instance, merged: one process's windows" {
	start_broker access 4
	# Key kN lives in partition N mod 4, as a producer keyed by .k puts it.
	for s in $(seq 0 3 600); do
		k=$(((s / 3 * 7) % 9))
		printf '{"ts":"2024-11-12T10:%02d:%02dZ","k":"k%d","s":%d}\n' \
		    $((s / 60)) $((s % 60)) "$k" "$s" >>"$BATS_TEST_TMPDIR/all"
		printf '{"ts":"2024-11-12T10:%02d:%02dZ","k":"k%d","s":%d}\n' \
		    $((s / 60)) $((s % 60)) "$k" "$s" \
		    >>"$BATS_TEST_TMPDIR/in$((k % 4))"
	done
	for p in 0 1 2 3; do
		kcat -P -b "$BROKER" -t access -p "$p" \
		    <"$BATS_TEST_TMPDIR/in$p" 2>/dev/null
	done
	args=(--tumbling 1m --by .k count 'sum(.s)')
	stream-agg "${args[@]}" --no-watermarks "$BATS_TEST_TMPDIR/all" \
	    >"$BATS_TEST_TMPDIR/one"
	pids=()
	for p in 0 1 2 3; do
		timeout 20 kcat -C -J -b "$BROKER" -t access -p "$p" -e \
		    2>/dev/null | stream-agg --kcat "${args[@]}" --partition "$p/4" \
		    --emit partial --max-delay 0s >"$BATS_TEST_TMPDIR/p$p" &
		pids+=($!)
	done
	wait "${pids[@]}"
	grep -q '"partition":\[3,4\]' "$BATS_TEST_TMPDIR/p3"
	stream-agg --merge --no-watermarks "${args[@]}" \
	    "$BATS_TEST_TMPDIR"/p[0-3] >"$BATS_TEST_TMPDIR/merged"
	# The same bytes in the same order as one process over the topic.
	cmp "$BATS_TEST_TMPDIR/one" "$BATS_TEST_TMPDIR/merged"
	[ "$(jq -s 'map(.count) | add' "$BATS_TEST_TMPDIR/merged")" -eq 201 ]
}
