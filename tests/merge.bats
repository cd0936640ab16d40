#!/usr/bin/env bats
# Scale out: --shard I/N fans out, --emit partial + --merge fans back in,
# and the result equals one process over the whole input.

load helpers

S="$BATS_TEST_DIRNAME/../examples/access.ndjson"

# merged N ARGS...: N shards with --emit partial, merged; sorted output.
merged() {
	local n=$1 i files=()
	shift
	for ((i = 0; i < n; i++)); do
		stream-agg --shard "$i/$n" --emit partial "$@" "$S" \
		    >"$BATS_TEST_TMPDIR/p$i" || return 1
		files+=("$BATS_TEST_TMPDIR/p$i")
	done
	stream-agg --merge --no-watermarks "$@" "${files[@]}" | sort
}

# equal ARGS...: 1, 2 and 4 shards give what one process gives.
equal() {
	stream-agg "$@" "$S" | sort >"$BATS_TEST_TMPDIR/one"
	[ -s "$BATS_TEST_TMPDIR/one" ]
	for n in 1 2 4; do
		merged "$n" "$@" >"$BATS_TEST_TMPDIR/m$n"
		diff "$BATS_TEST_TMPDIR/one" "$BATS_TEST_TMPDIR/m$n"
	done
}

# Window bounds and keys as a set, and the exact aggregates next to them.
@test "merge: tumbling windows, exact aggregates, 1/2/4 shards" {
	equal --tumbling 10m --by .service --max-delay 30s count \
	    'sum(.bytes)' 'min(.latency_ms)' 'max(.latency_ms)' \
	    'distinct(.path)' 'first(.path)' 'last(.path)'
}

@test "merge: hopping windows and sessions, 1/2/4 shards" {
	equal --hopping 30m --slide 10m --by .region --max-delay 30s count \
	    'sum(.bytes)'
	equal --session 5m --by .user_id --max-delay 30s count 'max(.bytes)'
}

@test "merge: global aggregates, 1/2/4 shards" {
	equal --by .service count 'sum(.bytes)' 'avg(.latency_ms)' \
	    'distinct(.user_id)'
}

@test "merge: sketches within their error" {
	stream-agg --by .service 'p99(.latency_ms)' \
	    'approx_distinct(.user_id)' "$S" | sort >"$BATS_TEST_TMPDIR/one"
	merged 4 --by .service 'p99(.latency_ms)' \
	    'approx_distinct(.user_id)' >"$BATS_TEST_TMPDIR/m4"
	# DDSketch merges bucket-exact: the same answer; HLL merges by
	# register maximum: the same registers, so the same estimate.
	diff "$BATS_TEST_TMPDIR/one" "$BATS_TEST_TMPDIR/m4"
	# And the exact p99, per service, is within 1% of the sketch.
	jq -s -c 'group_by(.service)[] | {service: .[0].service,
	    p: ([.[].latency_ms] | sort | .[(length * 0.99 | ceil) - 1])}' \
	    "$S" >"$BATS_TEST_TMPDIR/exact"
	jq -n --slurpfile a "$BATS_TEST_TMPDIR/exact" \
	    --slurpfile b "$BATS_TEST_TMPDIR/m4" -e '
	    [$a[] as $x | $b[] | select(.service == $x.service) |
	     ((.p99_latency_ms - $x.p) | fabs) <= 0.01 * $x.p] | all'
}

# The last revision of every window and key, as a consumer that keeps
# the latest result sees the stream.
final_view() {
	jq -s -c 'group_by([.window_start, .window_end, .service])[] |
	    max_by(.revision // 0) | del(.late, .revision)' "$1" | sort
}

@test "merge: late data and --lateness revisions end the same as one process" {
	# The sample with some records moved 20 minutes into the past.
	jq -c 'if (.bytes % 37) == 0 then .ts |= (sub("\\.[0-9]+Z$"; "Z") |
	    fromdate - 1200 | todate) else . end' "$S" >"$BATS_TEST_TMPDIR/late"
	S="$BATS_TEST_TMPDIR/late"
	# Without allowed lateness the late records go in every run alike.
	equal --tumbling 10m --by .service --max-delay 1m count 'sum(.bytes)'
	# With it, a shard's late firing replaces its earlier partial in the
	# merge: how many revisions come out depends on when the merge reads
	# them, but each window's last revision is the one process's.
	args=(--tumbling 10m --by .service --max-delay 1m --lateness 30m count
	    'sum(.bytes)')
	stream-agg "${args[@]}" "$S" >"$BATS_TEST_TMPDIR/one"
	grep -q '"late":true' "$BATS_TEST_TMPDIR/one"
	final_view "$BATS_TEST_TMPDIR/one" >"$BATS_TEST_TMPDIR/one.f"
	for n in 1 2 4; do
		merged "$n" "${args[@]}" >"$BATS_TEST_TMPDIR/m"
		final_view "$BATS_TEST_TMPDIR/m" >"$BATS_TEST_TMPDIR/m.f"
		diff "$BATS_TEST_TMPDIR/one.f" "$BATS_TEST_TMPDIR/m.f"
	done
}

@test "merge: with --state on every shard and a restart in the middle" {
	args=(--tumbling 10m --by .service --max-delay 30s count 'sum(.bytes)')
	stream-agg "${args[@]}" "$S" | sort >"$BATS_TEST_TMPDIR/one"
	head -n 1000 "$S" >"$BATS_TEST_TMPDIR/a"
	tail -n +1001 "$S" >"$BATS_TEST_TMPDIR/b"
	for i in 0 1; do
		st="$BATS_TEST_TMPDIR/s$i.state"
		stream-agg --shard "$i/2" --emit partial "${args[@]}" \
		    --state "$st" "$BATS_TEST_TMPDIR/a" >"$BATS_TEST_TMPDIR/p$i"
		stream-agg --shard "$i/2" --emit partial "${args[@]}" \
		    --state "$st" --eof flush "$BATS_TEST_TMPDIR/b" \
		    >>"$BATS_TEST_TMPDIR/p$i"
	done
	stream-agg --merge --no-watermarks "${args[@]}" "$BATS_TEST_TMPDIR/p0" \
	    "$BATS_TEST_TMPDIR/p1" | sort >"$BATS_TEST_TMPDIR/m"
	diff "$BATS_TEST_TMPDIR/one" "$BATS_TEST_TMPDIR/m"
}

@test "merge: a slow shard holds the merge back; --idle releases it" {
	cd "$BATS_TEST_TMPDIR"
	mkfifo s0 s1
	printf '%s\n' '{"ts":"2024-11-12T10:00:01Z","k":"a"}' \
	    '{"ts":"2024-11-12T10:00:12Z","k":"a"}' >in0
	stream-agg --merge --by .k count --idle 1s s0 s1 >out 2>/dev/null &
	pid=$!
	exec 5>s0 6>s1
	# Shard 0 closes [00,10) and moves on; shard 1 says nothing.
	stream-agg --tumbling 10s --by .k --emit partial count \
	    --max-delay 0s in0 >&5
	sleep 0.3
	# Nothing fired: W is the minimum, and shard 1 has no W yet.
	[ ! -s out ]
	sleep 1.7
	# Shard 1 idle for 1 s no longer holds the merge back.
	grep -q '"window_end":"2024-11-12T10:00:10.000Z"' out
	exec 5>&- 6>&-
	wait "$pid"
}

@test "merge: bad partials are bad records with a reason, never a crash" {
	cd "$BATS_TEST_TMPDIR"
	stream-agg --tumbling 10m --by .service --emit partial count \
	    'p99(.latency_ms)' "$S" >good
	head -1 good | sed 's/"v":1/"v":9/' >bad
	head -1 good | sed 's/"sig":"[0-9a-f]*"/"sig":"0000000000000000"/' >>bad
	head -1 good | sed 's/"pos":\[\[/"pos":[["x",/' >>bad
	head -1 good | sed 's/"aggs":\[[0-9]*,/"aggs":[-5,/' >>bad
	head -1 good | sed 's/"key":"[0-9a-f]*"/"key":"zz"/' >>bad
	echo '{"@partial":{}}' >>bad
	echo '{"@partial":[1,2]}' >>bad
	echo '{"ts":"2024-11-12T10:00:00Z","service":"x"}' >>bad
	run stream-agg --merge --tumbling 10m --by .service count \
	    'p99(.latency_ms)' bad
	echo "$output"
	[ "$status" -eq 65 ]
	[[ "$output" == *"line 1: bad @partial: version 9"* ]]
	[[ "$output" == *"line 2: bad @partial: it was made with other aggregates"* ]]
	[[ "$output" == *"line 8: not a @partial record"* ]]
	[ "$(grep -c 'line [0-9]*:' <<<"$output")" -eq 8 ]
}

@test "--shard without --by, or out of range: usage errors" {
	run stream-agg --shard 0/2 count "$S"
	[ "$status" -eq 64 ]
	run stream-agg --shard 2/2 --by .service count "$S"
	[ "$status" -eq 64 ]
	run stream-window --shard 1/0 --by .service --tumbling 1m "$S"
	[ "$status" -eq 64 ]
}
