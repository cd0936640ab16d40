#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# Real Kafka end to end: librdkafka's mock cluster on loopback, kcat -P
# producing, kcat -C -J consuming into the tools.

load helpers

load kafka/broker

setup_file() {
	build_broker
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

# events PARTITION: a minute-spanning series, keys k0..k2, into "in$p".
events() {
	local p=$1 s
	for s in $(seq 0 7 300); do
		printf '{"ts":"2024-11-12T10:%02d:%02dZ","k":"k%d","s":%d}\n' \
		    $((s / 60)) $((s % 60)) $(((s + p) % 3)) "$s"
	done >"$BATS_TEST_TMPDIR/in$p"
}

@test "kcat: --partitions N holds the watermark until every partition is seen" {
	start_broker access 2
	for p in 0 1; do
		events "$p"
		kcat -P -b "$BROKER" -t access -p "$p" \
		    <"$BATS_TEST_TMPDIR/in$p" 2>/dev/null
	done
	# A backlog as kcat -C delivers it: one partition, then the other.
	consume access | jq -sc 'sort_by(.partition, .offset) | .[]' \
	    >"$BATS_TEST_TMPDIR/env"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/env")" -eq 86 ]
	# Without --partitions, partition 0 alone moves W to its end, and
	# partition 1's records arrive behind it: 42 are late.
	run stream-watermark --kcat --max-delay 0s "$BATS_TEST_TMPDIR/env"
	[ "$status" -eq 0 ]
	[[ "$output" == *"late dropped 42"* ]]
	# With it, W waits for partition 1: no watermark before its first
	# record (line 44 of the output), nothing late, every record out.
	stream-watermark --kcat --partitions 2 --max-delay 0s \
	    "$BATS_TEST_TMPDIR/env" >"$BATS_TEST_TMPDIR/out" \
	    2>"$BATS_TEST_TMPDIR/err"
	[ ! -s "$BATS_TEST_TMPDIR/err" ]
	[ "$(grep -c '"s":' "$BATS_TEST_TMPDIR/out")" -eq 86 ]
	[ "$(grep -n -m1 '@watermark' "$BATS_TEST_TMPDIR/out" | cut -d: -f1)" \
	    -eq 45 ]
	# Usage: --partitions is for --kcat; --merge --kcat needs it.
	run stream-watermark --partitions 2 </dev/null
	[ "$status" -eq 64 ]
	[[ "$output" == *"--partitions needs --kcat"* ]]
	run stream-agg --kcat --merge count </dev/null
	[ "$status" -eq 64 ]
	[[ "$output" == *"--merge --kcat needs --partitions N"* ]]
}

# instance P [flags]: stream-agg on partition P of access, its partials
# published to partition P of partials (kcat -P -p P).
instance() {
	local p=$1
	shift
	consume access -p "$p" | stream-agg --kcat "$@" --emit partial |
	    kcat -P -b "$BROKER" -t partials -p "$p" 2>/dev/null
}

@test "kcat: the merge reads the partials topic, each partition an input, offsets in its state" {
	start_broker access 2 partials 2
	for p in 0 1; do
		events "$p"
		kcat -P -b "$BROKER" -t access -p "$p" \
		    <"$BATS_TEST_TMPDIR/in$p" 2>/dev/null
	done
	args=(--tumbling 1m --by .k count 'sum(.s)' 'max(.s)')
	cat "$BATS_TEST_TMPDIR"/in[01] | stream-agg "${args[@]}" |
	    sort >"$BATS_TEST_TMPDIR/one"
	for p in 0 1; do
		instance "$p" "${args[@]}" --max-delay 0s --kcat-pad
	done
	consume partials >"$BATS_TEST_TMPDIR/penv"
	# The merge's state holds the partials topic's offsets: a first run
	# over part of the topic, then a rerun from offset 0.
	st="$BATS_TEST_TMPDIR/merge.state"
	head -20 "$BATS_TEST_TMPDIR/penv" |
	    stream-agg --kcat --merge --partitions 2 "${args[@]}" \
	    --state "$st" --no-watermarks >"$BATS_TEST_TMPDIR/m1"
	run stream-agg --state-check "$st"
	[ "$status" -eq 0 ]
	[[ "$output" == *partials* ]]
	stream-agg --kcat --merge --partitions 2 "${args[@]}" --state "$st" \
	    --no-watermarks --eof flush --stats "$BATS_TEST_TMPDIR/penv" \
	    >"$BATS_TEST_TMPDIR/m2" 2>"$BATS_TEST_TMPDIR/err"
	grep -q 'replayed 20' "$BATS_TEST_TMPDIR/err"
	cat "$BATS_TEST_TMPDIR/m1" "$BATS_TEST_TMPDIR/m2" | sort |
	    diff "$BATS_TEST_TMPDIR/one" -
	# A partition beyond --partitions is a bad record, named.
	run stream-agg --kcat --merge --partitions 1 "${args[@]}" \
	    "$BATS_TEST_TMPDIR/penv"
	[ "$status" -eq 65 ]
	[[ "$output" == *"partition 1 of the partials topic is not below --partitions 1"* ]]
}

@test "kcat: --kcat-pad: a quiet instance's partials reach the topic at once" {
	start_broker partials 1
	mkfifo "$BATS_TEST_TMPDIR/in"
	kcat -C -u -b "$BROKER" -t partials -X fetch.wait.max.ms=50 \
	    2>/dev/null >"$BATS_TEST_TMPDIR/got" &
	KCAT_PID=$!
	stream-agg --tumbling 1m --by .k count --emit partial \
	    --max-delay 0s --kcat-pad <"$BATS_TEST_TMPDIR/in" |
	    kcat -P -b "$BROKER" -t partials -p 0 2>/dev/null &
	CONSUMER_PID=$!
	exec 8>"$BATS_TEST_TMPDIR/in"
	printf '%s\n' '{"ts":"2024-11-12T10:00:01Z","k":"a"}' \
	    '{"ts":"2024-11-12T10:01:02Z","k":"b"}' >&8
	# The input stays open and quiet: the first window's partial and the
	# watermark after it arrive all the same, padded to 1024 bytes.
	wait_lines "$BATS_TEST_TMPDIR/got" '"@partial"' 1
	wait_lines "$BATS_TEST_TMPDIR/got" '"@watermark"' 1
	cp "$BATS_TEST_TMPDIR/got" "$BATS_TEST_TMPDIR/live"
	exec 8>&-
	jq -c '.["@partial"].fields // .' "$BATS_TEST_TMPDIR/live" |
	    diff - <(printf '%s\n' '{"k":"a"}' \
	    '{"@watermark":"2024-11-12T10:01:02.000Z"}')
	[ "$(grep -c '  *$' "$BATS_TEST_TMPDIR/live")" -eq 1 ]
}
