#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# --state: split runs equal one run, crashes lose nothing that was
# checkpointed, and a bad snapshot is refused without being touched.

load helpers

S="$BATS_TEST_DIRNAME/../examples/access.ndjson"

# split_run N TOOL ARGS...: the sample in N chunks, one run per chunk
# carrying --state, then a last run that flushes; prints all output.
split_run() {
	local n=$1 tool=$2 st="$BATS_TEST_TMPDIR/split.state" c
	shift 2
	rm -f "$st" "$st.lock"
	split -n "l/$n" -d -a 2 "$S" "$BATS_TEST_TMPDIR/chunk."
	for c in "$BATS_TEST_TMPDIR"/chunk.*; do
		"$tool" "$@" --state "$st" "$c" || return 1
	done
	"$tool" "$@" --state "$st" --eof flush </dev/null || return 1
	rm -f "$BATS_TEST_TMPDIR"/chunk.*
	[ ! -e "$st.tmp" ]
}

# same N TOOL ARGS...: split runs give byte for byte what one run gives.
same() {
	local n=$1
	shift
	"${@:1:1}" "${@:2}" "$S" >"$BATS_TEST_TMPDIR/one"
	split_run "$n" "$@" >"$BATS_TEST_TMPDIR/split"
	diff "$BATS_TEST_TMPDIR/one" "$BATS_TEST_TMPDIR/split"
	[ -s "$BATS_TEST_TMPDIR/one" ]
}

@test "split runs: tumbling windows, N = 2 and 24" {
	same 2 stream-agg --tumbling 10m --by .service count \
	    'avg(.latency_ms)' 'p99(.latency_ms)' --max-delay 30s
	same 24 stream-agg --tumbling 10m --by .service count \
	    'avg(.latency_ms)' 'p99(.latency_ms)' --max-delay 30s
}

@test "split runs: hopping windows with shared panes, N = 2 and 24" {
	same 2 stream-agg --hopping 30m --slide 10m --by .region count \
	    'max(.bytes)' 'approx_distinct(.user_id)' --max-delay 30s
	same 24 stream-agg --hopping 30m --slide 10m --by .region count \
	    'max(.bytes)' 'approx_distinct(.user_id)' --max-delay 30s
}

@test "split runs: session windows, N = 2 and 24" {
	same 2 stream-window --session 2m --by .user_id --max-delay 30s
	same 24 stream-window --session 2m --by .user_id --max-delay 30s
	same 24 stream-agg --session 5m --by .user_id count \
	    'first(.path)' 'last(.path)' --max-delay 30s
}

@test "split runs: global aggregates and dedupe, N = 2 and 24" {
	same 2 stream-agg --by .service count 'sum(.bytes)' 'distinct(.path)' \
	    'top(.region, 3)'
	same 24 stream-agg --by .service count 'sum(.bytes)' \
	    'distinct(.path)' 'top(.region, 3)'
	same 2 stream-filter --dedupe .user_id --within 10m --max-delay 30s true
	same 24 stream-filter --dedupe .user_id --within 10m --max-delay 30s true
}

@test "split runs: stream-watermark --sort, N = 24" {
	same 24 stream-watermark --max-delay 30s --sort
}

@test "split runs: events of equal time keep their arrival order in a window" {
	cd "$BATS_TEST_TMPDIR"
	printf '%s\n' '{"id":1,"ts":5000}' '{"id":2,"ts":5000}' >a
	printf '%s\n' '{"id":3,"ts":5000}' '{"id":4,"ts":5000}' >b
	stream-window --tumbling 10s --state st a
	stream-window --tumbling 10s --state st --eof flush b >got
	echo '{"window_start":"1970-01-01T01:23:20.000Z","window_end":"1970-01-01T01:23:30.000Z","key":{},"count":4,"events":[{"id":1,"ts":5000},{"id":2,"ts":5000},{"id":3,"ts":5000},{"id":4,"ts":5000}]}' >want
	diff -u want got
}

@test "options that shape state must match: exit 78 naming the option" {
	st="$BATS_TEST_TMPDIR/st"
	stream-agg --tumbling 1m --by .service count --state "$st" "$S" >/dev/null
	cp "$st" "$BATS_TEST_TMPDIR/before"
	run stream-agg --tumbling 1m --by .region count --state "$st" "$S"
	[ "$status" -eq 78 ]
	[[ "$output" == *"by=.service"* ]]
	[[ "$output" == *"by=.region"* ]]
	cmp "$st" "$BATS_TEST_TMPDIR/before"
	run stream-agg --tumbling 5m --by .service count --state "$st" "$S"
	[ "$status" -eq 78 ]
	run stream-agg --tumbling 1m --by .service count 'sum(.bytes)' \
	    --state "$st" "$S"
	[ "$status" -eq 78 ]
	[[ "$output" == *"aggregates="* ]]
	run stream-window --tumbling 1m --state "$st" "$S"
	[ "$status" -eq 78 ]
	[[ "$output" == *"written by stream-agg"* ]]
	# --state-reset starts fresh.
	run stream-agg --tumbling 1m --by .region count --state "$st" \
	    --state-reset "$S"
	[ "$status" -eq 0 ]
}

@test "truncated, empty, damaged or foreign snapshots: 78, file untouched" {
	st="$BATS_TEST_TMPDIR/st"
	stream-agg --by .service count --state "$st" "$S" >/dev/null
	size=$(stat -c %s "$st")
	for cut in 1 20 $((size / 2)) $((size - 3)); do
		head -c "$cut" "$st" >"$BATS_TEST_TMPDIR/t"
		cp "$BATS_TEST_TMPDIR/t" "$BATS_TEST_TMPDIR/t.orig"
		run stream-agg --by .service count --state "$BATS_TEST_TMPDIR/t" \
		    </dev/null
		[ "$status" -eq 78 ]
		[[ "$output" == *"unusable"* ]]
		cmp "$BATS_TEST_TMPDIR/t" "$BATS_TEST_TMPDIR/t.orig"
	done
	: >"$BATS_TEST_TMPDIR/e"
	run stream-agg --by .service count --state "$BATS_TEST_TMPDIR/e" </dev/null
	[ "$status" -eq 78 ]
	[[ "$output" == *"empty"* ]]
	# One flipped digit deep in the data: the checksum catches it.
	cp "$st" "$BATS_TEST_TMPDIR/d"
	off=$((size * 3 / 4))
	printf '%s' "$(dd if="$st" bs=1 skip="$off" count=1 2>/dev/null |
	    tr '0-9a-z' '1-9a-z0')" | dd of="$BATS_TEST_TMPDIR/d" bs=1 \
	    seek="$off" conv=notrunc 2>/dev/null
	! cmp -s "$st" "$BATS_TEST_TMPDIR/d" || false
	run stream-agg --by .service count --state "$BATS_TEST_TMPDIR/d" </dev/null
	[ "$status" -eq 78 ]
	echo '{"not":"state"}' >"$BATS_TEST_TMPDIR/f"
	run stream-agg --by .service count --state "$BATS_TEST_TMPDIR/f" </dev/null
	[ "$status" -eq 78 ]
	[[ "$output" == *"not a streamkit state file"* ]]
}

@test "a second instance on the same state file: exit 75 naming the pid" {
	st="$BATS_TEST_TMPDIR/st"
	mkfifo "$BATS_TEST_TMPDIR/in"
	stream-agg --by .service count --state "$st" <"$BATS_TEST_TMPDIR/in" \
	    >/dev/null &
	pid=$!
	exec 6>"$BATS_TEST_TMPDIR/in"
	sleep 0.5
	run stream-agg --by .service count --state "$st" </dev/null
	exec 6>&-
	wait "$pid"
	[ "$status" -eq 75 ]
	[[ "$output" == *"pid $pid"* ]]
}

@test "a checkpoint that cannot be written keeps the old one: exit 74" {
	st="$BATS_TEST_TMPDIR/st"
	stream-agg --by .user_id count 'collect(.path)' --state "$st" \
	    "$S" >/dev/null
	cp "$st" "$BATS_TEST_TMPDIR/before"
	# A file size limit far below the new snapshot (ulimit -f: 1 KiB).
	run sh -c "ulimit -f 1; exec stream-agg --by .user_id count \
	    'collect(.path)' --state '$st' '$S' '$S'"
	[ "$status" -eq 74 ]
	[[ "$output" == *"previous snapshot is intact"* ]]
	cmp "$st" "$BATS_TEST_TMPDIR/before"
	[ ! -e "$st.tmp" ]
	# A directory we may not write: exit 73.
	if [ "$(id -u)" -ne 0 ]; then
		mkdir "$BATS_TEST_TMPDIR/ro" && chmod 555 "$BATS_TEST_TMPDIR/ro"
		run stream-agg count --state "$BATS_TEST_TMPDIR/ro/st" </dev/null
		[ "$status" -eq 73 ]
	fi
}

@test "snapshots are private (0600) and FILE.tmp symlinks are not followed" {
	st="$BATS_TEST_TMPDIR/st"
	ln -s "$BATS_TEST_TMPDIR/victim" "$st.tmp"
	stream-agg --by .service count --state "$st" "$S" >/dev/null
	[ "$(stat -c %a "$st")" = 600 ]
	[ ! -e "$BATS_TEST_TMPDIR/victim" ]
	[ ! -e "$st.tmp" ]
}

# Envelopes of the sample on 4 partitions, as kcat -C -J prints them.
envelopes() {
	jq -c --slurp 'to_entries | map(.value as $v | (.key % 4) as $p |
	    {topic: "access", partition: $p, offset: (.key / 4 | floor),
	     tstype: "create", ts: 0, broker: 0, key: $v.user_id,
	     payload: ($v | tojson)}) | .[]' "$S"
}

# state_in FILE: the "in" counter of a snapshot, or nothing.
state_in() {
	stream-agg --state-check "$1" 2>/dev/null | sed -n 's/^in: //p'
}

@test "kill -9 after a proven snapshot, replay from offset 0: state exactly-once" {
	cd "$BATS_TEST_TMPDIR"
	envelopes >env
	args=(--kcat --tumbling 10m --by .service count 'sum(.bytes)'
	    --max-delay 30s --checkpoint-interval 100ms)
	stream-agg "${args[@]}" --state ref.st --eof flush env | sort -u >one
	[ "$(state_in ref.st)" -eq 2000 ]
	: >all
	last=0
	for k in 1 2 3 4; do
		mkfifo "in$k"
		stream-agg "${args[@]}" --state st <"in$k" >>all &
		pid=$!
		exec 6>"in$k"
		# Everything fed before (replays) and 400 new envelopes.
		head -n $((k * 400)) env >&6
		# Kill only once a snapshot counts more than the last one.
		n=
		for _ in $(seq 100); do
			n=$(state_in st)
			[ -n "$n" ] && [ "$n" -gt "$last" ] && break
			sleep 0.05
		done
		kill -KILL "$pid"
		wait "$pid" || true
		exec 6>&-
		echo "kill $k: the snapshot counts $n of $((k * 400)) envelopes"
		[ -n "$n" ]
		[ "$n" -gt "$last" ]
		last=$n
	done
	# The last run reads the whole log again and closes everything.
	stream-agg "${args[@]}" --state st --eof flush env >>all
	# At-least-once output: windows may repeat, but never differ; each
	# record is counted once.
	sort -u all >runs
	diff one runs
	[ "$(state_in st)" -eq 2000 ]
}

@test "SIGTERM mid-stream: final checkpoint, exit 0, nothing lost" {
	st="$BATS_TEST_TMPDIR/st"
	mkfifo "$BATS_TEST_TMPDIR/in"
	stream-agg --by .service count --state "$st" \
	    <"$BATS_TEST_TMPDIR/in" >/dev/null &
	pid=$!
	exec 6>"$BATS_TEST_TMPDIR/in"
	head -n 1200 "$S" >&6
	sleep 0.5
	kill -TERM "$pid"
	wait "$pid"
	exec 6>&-
	tail -n +1201 "$S" | stream-agg --by .service count --state "$st" \
	    --eof flush >"$BATS_TEST_TMPDIR/split"
	stream-agg --by .service count "$S" >"$BATS_TEST_TMPDIR/one"
	diff "$BATS_TEST_TMPDIR/one" "$BATS_TEST_TMPDIR/split"
}
