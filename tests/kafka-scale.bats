#!/usr/bin/env bats
# Scale-out through Kafka itself, end to end, on librdkafka's mock
# cluster (loopback only): a 4-partition topic, one stream-agg --emit
# partial per partition publishing to a partials topic with kcat -P, the
# merge reading that topic with kcat -C -J; the result must be one
# process's over the union of the partitions.

load helpers
load kafka/broker

setup_file() {
	build_broker
}

teardown() {
	exec 7>&- 2>/dev/null || true
	[ -n "${BROKER_PID:-}" ] && kill "$BROKER_PID" 2>/dev/null || true
	true
}

# corpus: the events in $T/in0..3, produced to access partition by
# partition (instances of a 4-partition topic).
corpus() {
	T=$BATS_TEST_TMPDIR
	awk -v dir="$T" -f "$BATS_TEST_DIRNAME/kafka/corpus.awk"
	for p in 0 1 2 3; do
		kcat -P -b "$BROKER" -t access -p "$p" <"$T/in$p" 2>/dev/null
	done
}

# scale ARGS...: four instances on the partitions of access, each
# publishing to its partition of partials; then the merge, from the
# partials topic, into $T/merged.  The instances run at the same time.
scale() {
	local p pids=()
	for p in 0 1 2 3; do
		consume access -p "$p" |
		    stream-agg --kcat --max-delay 30s "$@" --emit partial \
		    --kcat-pad |
		    kcat -P -b "$BROKER" -t partials -p "$p" 2>/dev/null &
		pids+=($!)
	done
	wait "${pids[@]}"
	consume partials >"$T/penv"
	stream-agg --kcat --merge --partitions 4 --no-watermarks "$@" \
	    "$T/penv" >"$T/merged"
}

# one ARGS...: one process over the union, into $T/one.
one() {
	cat "$T"/in[0-3] | stream-agg --no-watermarks "$@" >"$T/one"
}

# The merged output is one process's, as a set of lines.
same_set() {
	sort "$T/one" >"$T/one.sorted"
	sort "$T/merged" | diff "$T/one.sorted" -
}

@test "scale: tumbling windows, exact aggregates and sketches" {
	start_broker access 4 partials 4
	corpus
	args=(--tumbling 1m --by .k count 'sum(.v)' 'min(.v)' 'max(.v)'
	    'avg(.v)' 'distinct(.u)' 'p50(.v)' 'approx_distinct(.u)')
	scale "${args[@]}"
	one "${args[@]}"
	# A window per minute and key that has events, counted by jq.
	[ "$(wc -l <"$T/one")" -eq "$(jq -r '"\(.ts[0:16]) \(.k)"' \
	    "$T"/in[0-3] | sort -u | wc -l)" ]
	[ "$(jq -s 'map(.count) | add' "$T/one")" -eq 903 ]
	# Exact aggregates byte for byte; the sketches too, as merging
	# DDSketch buckets and HyperLogLog registers loses nothing.
	same_set
	# And the sketches against the exact values: p50 within 1%.
	stream-agg --tumbling 1m --by .k --exact 'p50(.v)' --no-watermarks \
	    "$T"/in[0-3] >"$T/exact"
	jq -s 'map({key: (.window_start + .k), value: .p50_v}) |
	    from_entries' "$T/exact" >"$T/exact.json"
	jq -n --slurpfile e "$T/exact.json" '[inputs |
	    ($e[0][.window_start + .k]) as $x |
	    select((.p50_v - $x | fabs) > 0.01 * $x)] | length' \
	    "$T/merged" | grep -qx 0
}

@test "scale: hopping windows" {
	start_broker access 4 partials 4
	corpus
	args=(--hopping 2m --slide 1m --by .k count 'sum(.v)' 'max(.v)')
	scale "${args[@]}"
	one "${args[@]}"
	# Each event in the windows starting at its minute and the one before.
	[ "$(wc -l <"$T/one")" -eq "$(jq -r '(.ts[14:16] | tonumber) as $m |
	    "\($m) \(.k)", "\($m - 1) \(.k)"' "$T"/in[0-3] | sort -u |
	    wc -l)" ]
	[ "$(jq -s 'map(.count) | add' "$T/one")" -eq 1806 ]
	same_set
}

@test "scale: sessions keyed within a partition" {
	start_broker access 4 partials 4
	corpus
	# Each user lives in one partition; the gap halfway splits sessions.
	args=(--session 30s --by .u count 'sum(.v)' 'min(.v)')
	scale "${args[@]}"
	one "${args[@]}"
	[ "$(jq -s 'map(.count) | add' "$T/one")" -eq 903 ]
	[ "$(wc -l <"$T/one")" -eq 21 ]
	same_set
}

@test "scale: without a window, per key over the whole topic" {
	start_broker access 4 partials 4
	corpus
	args=(--by .k count 'sum(.v)' 'distinct(.u)' 'p50(.v)')
	scale "${args[@]}"
	one "${args[@]}"
	[ "$(wc -l <"$T/one")" -eq 5 ]
	same_set
}

@test "scale: a topic keyed by --by, --partition I/4: byte for byte one process's" {
	start_broker keyed 4 partials 4
	T=$BATS_TEST_TMPDIR
	awk -v dir="$T" -f "$BATS_TEST_DIRNAME/kafka/corpus.awk"
	# Keyed by .k: librdkafka's partitioner puts each key in one
	# partition, as a producer keyed by the --by field does.  The
	# partitions' events interleaved, as they happened.
	awk '{ l[FILENAME, FNR] = $0; if (FNR > n) n = FNR }
	    END { for (i = 1; i <= n; i++) for (p = 0; p < 4; p++)
	    if ((ARGV[p + 1], i) in l) print l[ARGV[p + 1], i] }' \
	    "$T"/in[0-3] | jq -r '[.k, tojson] | join("\t")' |
	    kcat -P -b "$BROKER" -t keyed -K '	' 2>/dev/null
	args=(--tumbling 1m --by .k count 'sum(.v)' 'p50(.v)')
	pids=()
	for p in 0 1 2 3; do
		consume keyed -p "$p" |
		    stream-agg --kcat --max-delay 30s "${args[@]}" \
		    --partition "$p/4" --emit partial --kcat-pad |
		    kcat -P -b "$BROKER" -t partials -p "$p" 2>/dev/null &
		pids+=($!)
	done
	wait "${pids[@]}"
	# Every key in one partition only.
	consume keyed | jq -r '[.key, .partition] | @tsv' | sort -u |
	    cut -f1 | uniq -d | wc -l | grep -qx 0
	consume partials >"$T/penv"
	stream-agg --kcat --merge --partitions 4 --no-watermarks \
	    "${args[@]}" "$T/penv" >"$T/merged"
	one "${args[@]}"
	cmp "$T/one" "$T/merged"
}
