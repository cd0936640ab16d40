#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
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
	for v in AGG_PID KCAT_PID PRODUCER_PID; do
		[ -n "${!v:-}" ] && kill "${!v}" 2>/dev/null || true
	done
	true
}

# corpus: the events in $T/in0..3, produced to access partition by
# partition (instances of a 4-partition topic; of the first N, 3 with
# no quiet partition, when N is set).
N=4
corpus() {
	T=$BATS_TEST_TMPDIR
	awk -v dir="$T" -f "$BATS_TEST_DIRNAME/kafka/corpus.awk"
	for p in $(seq 0 $((N - 1))); do
		kcat -P -b "$BROKER" -t access -p "$p" <"$T/in$p" 2>/dev/null
	done
}

# scale ARGS...: four instances on the partitions of access, each
# publishing to its partition of partials; then the merge, from the
# partials topic, into $T/merged.  The instances run at the same time.
scale() {
	local p pids=()
	for p in $(seq 0 $((N - 1))); do
		consume access -p "$p" |
		    stream-agg --kcat --max-delay 30s "$@" --emit partial \
		    --kcat-pad |
		    kcat -P -b "$BROKER" -t partials -p "$p" 2>/dev/null &
		pids+=($!)
	done
	wait "${pids[@]}"
	consume partials >"$T/penv"
	stream-agg --kcat --merge --partitions "$N" --no-watermarks "$@" \
	    "$T/penv" >"$T/merged"
}

# one ARGS...: one process over the union, into $T/one.
one() {
	cat $(seq -f "$T/in%g" 0 $((N - 1))) | stream-agg --no-watermarks "$@" >"$T/one"
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

# keyed ARGS...: four instances on the partitions of access, each
# publishing its partials keyed by group key (--kafka-key 2, kcat -K)
# to the 2 partitions of partials, its marks to both; then the partials
# topic, one partition at a time, into $T/penv0 and $T/penv1.
keyed() {
	local p pids=()
	for p in 0 1 2 3; do
		consume access -p "$p" |
		    stream-agg --kcat --max-delay 30s "$@" --emit partial \
		    --kafka-key 2 --instance "$p/4" --kcat-pad |
		    kcat -P -b "$BROKER" -t partials -K'\t' 2>/dev/null &
		pids+=($!)
	done
	wait "${pids[@]}"
	consume partials -p 0 >"$T/penv0"
	consume partials -p 1 >"$T/penv1"
}

@test "scale: partials keyed by group key, 4 instances, 2 merges, one per partials partition" {
	start_broker access 4 partials 2
	corpus
	args=(--tumbling 1m --by .k count 'sum(.v)' 'min(.v)' 'max(.v)')
	keyed "${args[@]}"
	# kcat took the key before the TAB: the hex of the key, and the
	# partial says the same; librdkafka's partitioner put .k's k4 in
	# partition 0 and k0-k3 in 1 (CRC-32 of the hex, modulo 2).
	jq -r 'select(.payload | test("@partial")) | [.partition, .key,
	    (.payload | fromjson | ."@partial" | .key, .fields.k)] | @tsv' \
	    "$T/penv0" "$T/penv1" | sort -u >"$T/keys"
	awk -F'\t' '$2 != $3' "$T/keys" | wc -l | grep -qx 0
	cut -f1,4 "$T/keys" | sort -u | tr '\t' ' ' >"$T/where"
	printf '0 k4\n1 k0\n1 k1\n1 k2\n1 k3\n' | diff - "$T/where"
	# Each partition holds the marks of every instance that wrote some,
	# each under a key that the partitioner sends there ("@wm0" to 0,
	# "@wm4" to 1); the quiet partition's instance wrote none, its
	# watermark never passing a window before its input ended.
	for m in 0 1; do
		jq -r 'select(.payload | test("@watermark")) | [.key,
		    (.payload | fromjson | ."@from" | tostring)] | @tsv' \
		    "$T/penv$m" | sort -u >"$T/marks$m"
		[ "$(cut -f1 "$T/marks$m" | sort -u)" = \
		    "$([ $m = 0 ] && echo @wm0 || echo @wm4)" ]
		[ "$(cut -f2 "$T/marks$m" | sort -u | tr '\n' ' ')" = \
		    "[0,4] [1,4] [2,4] " ]
	done
	# The two merges, each on its partition and owning its keys, read
	# the partials as a live merge could meet them at worst: one
	# instance's all before the next one's (offsets renumbered in that
	# order, as the log would have them).  A window fires only once
	# every instance's watermark has passed it.
	for m in 0 1; do
		jq -c -s 'sort_by(.payload | fromjson |
		    (."@partial".from // ."@from")[0]) | to_entries |
		    .[] | .value.offset = .key | .value' "$T/penv$m" \
		    >"$T/worst$m"
		stream-agg --kcat --merge --instances 4 --partition "$m/2" \
		    --no-watermarks "${args[@]}" "$T/worst$m" \
		    >"$T/merged$m" 2>"$T/err$m"
		# No bad record (another merge's key), nothing late.
		[ ! -s "$T/err$m" ]
	done
	[ "$(jq -r .k "$T/merged0" | sort -u)" = k4 ]
	[ "$(jq -r .k "$T/merged1" | sort -u | tr '\n' ' ')" = \
	    "k0 k1 k2 k3 " ]
	cat "$T/merged0" "$T/merged1" >"$T/merged"
	one "${args[@]}"
	[ "$(jq -s 'map(.count) | add' "$T/one")" -eq 903 ]
	same_set
	# One merge over the whole topic, both partitions its inputs too.
	cat "$T/penv0" "$T/penv1" >"$T/penv"
	stream-agg --kcat --merge --instances 4 --partitions 2 \
	    --no-watermarks "${args[@]}" "$T/penv" >"$T/merged"
	same_set
	# A merge given the other partition's partials refuses their keys.
	run stream-agg --kcat --merge --instances 4 --partition 0/2 \
	    --no-watermarks "${args[@]}" "$T/penv1"
	[ "$status" -eq 65 ]
	[[ "$output" == *"its key is merge 1/2's, not this one's (0/2)"* ]]
	# With --state: merge 1 stops halfway, then reads its partition
	# from offset 0 again; what the state holds is skipped.
	half=$(($(wc -l <"$T/worst1") / 2))
	head -n "$half" "$T/worst1" |
	    stream-agg --kcat --merge --instances 4 --partition 1/2 \
	    --no-watermarks "${args[@]}" --state "$T/m1.state" >"$T/r1"
	stream-agg --kcat --merge --instances 4 --partition 1/2 \
	    --no-watermarks "${args[@]}" --state "$T/m1.state" --eof flush \
	    --stats "$T/worst1" >"$T/r2" 2>"$T/err"
	grep -q "replayed $half" "$T/err"
	cat "$T/r1" "$T/r2" | sort | diff <(sort "$T/merged1") -
}

# offset_of STATE PARTITION: the offset a snapshot holds for partition P
# of access (stream-agg --state-check), or -1.
offset_of() {
	stream-agg --state-check "$1" 2>/dev/null |
	    awk -F': ' -v k="offset.0.$2.$3" '$1 == k { print $2; f = 1 }
	    END { if (!f) print -1 }'
}

# wait_offset STATE TOPIC PARTITION OFFSET: until the snapshot holds it.
wait_offset() {
	for _ in $(seq 150); do
		[ -s "$1" ] && [ "$(offset_of "$1" "$2" "$3")" -ge "$4" ] &&
		    return 0
		sleep 0.1
	done
	return 1
}

# last_revision FILE: the last line written for each window and key, as
# a consumer of the at-least-once output keeps them (streamkit(7)).
last_revision() {
	jq -c -s 'reduce .[] as $r ({}; .[[$r.window_start, $r.window_end,
	    $r.k] | tojson] = $r) | .[]' "$1"
}

@test "failover: an instance killed -9 after a checkpoint, its state moved to another host, restarted from offset 0" {
	start_broker access 4 partials 4
	T=$BATS_TEST_TMPDIR
	awk -v dir="$T" -f "$BATS_TEST_DIRNAME/kafka/corpus.awk"
	for p in 0 2 3; do
		kcat -P -b "$BROKER" -t access -p "$p" <"$T/in$p" 2>/dev/null
	done
	# Partition 1's first half now, the rest after the crash.
	head -150 "$T/in1" | kcat -P -b "$BROKER" -t access -p 1 2>/dev/null
	args=(--tumbling 1m --by .k count 'sum(.v)' 'max(.v)' 'p50(.v)')
	pids=()
	for p in 0 2 3; do
		consume access -p "$p" |
		    stream-agg --kcat --max-delay 30s "${args[@]}" \
		    --emit partial --kcat-pad |
		    kcat -P -b "$BROKER" -t partials -p "$p" 2>/dev/null &
		pids+=($!)
	done
	# Partition 1's instance on host A, live, a checkpoint every 50.
	mkdir "$T/hostA" "$T/hostB"
	mkfifo "$T/env1" "$T/part1"
	kcat -C -J -u -b "$BROKER" -t access -p 1 -X fetch.wait.max.ms=50 \
	    >"$T/env1" 2>/dev/null &
	KCAT_PID=$!
	kcat -P -b "$BROKER" -t partials -p 1 <"$T/part1" 2>/dev/null &
	PRODUCER_PID=$!
	stream-agg --kcat --max-delay 30s "${args[@]}" --emit partial \
	    --kcat-pad --state "$T/hostA/agg.state" \
	    --checkpoint-interval 50 <"$T/env1" >"$T/part1" &
	AGG_PID=$!
	# The checkpoint after the 150th record exists before the kill.
	wait_offset "$T/hostA/agg.state" access 1 149
	kill -9 "$AGG_PID"
	wait "$AGG_PID" || true
	kill "$KCAT_PID"
	wait "$PRODUCER_PID"
	# Host B gets the state file; the rest of the partition arrives.
	mv "$T/hostA/agg.state" "$T/hostB/agg.state"
	tail -n +151 "$T/in1" | kcat -P -b "$BROKER" -t access -p 1 \
	    2>/dev/null
	consume access -p 1 |
	    stream-agg --kcat --max-delay 30s "${args[@]}" --emit partial \
	    --kcat-pad --state "$T/hostB/agg.state" --eof flush --stats \
	    2>"$T/err1" |
	    kcat -P -b "$BROKER" -t partials -p 1 2>/dev/null
	wait "${pids[@]}"
	# The 150 records in the snapshot were replayed and skipped.
	grep -q 'replayed 150' "$T/err1"
	consume partials >"$T/penv"
	stream-agg --kcat --merge --partitions 4 --no-watermarks \
	    "${args[@]}" "$T/penv" >"$T/merged"
	cat "$T"/in[0-3] | stream-agg --no-watermarks "${args[@]}" |
	    sort >"$T/one"
	last_revision "$T/merged" | sort | diff "$T/one" -
	[ "$(jq -s 'map(.count) | add' "$T/one")" -eq 903 ]
}

@test "failover: the merge killed -9 and restarted from its state" {
	# Three partitions, none of them quiet, so that windows fire live.
	N=3
	start_broker access 3 partials 3
	corpus
	args=(--tumbling 1m --by .k count 'sum(.v)' 'p50(.v)')
	scale "${args[@]}"
	# The partials topic as a live merge meets it, the instances'
	# partials interleaved; the merge reads the first 60 envelopes (its
	# input stays open), checkpoints, and is killed.
	jq -c -s 'sort_by(.offset, .partition) | .[]' "$T/penv" \
	    >"$T/live"
	mkfifo "$T/menv"
	stream-agg --kcat --merge --partitions 3 --no-watermarks \
	    "${args[@]}" --state "$T/merge.state" --checkpoint-interval 1s \
	    <"$T/menv" >"$T/m1" &
	AGG_PID=$!
	exec 8>"$T/menv"
	head -60 "$T/live" >&8
	p=$(sed -n 60p "$T/live" | jq .partition)
	o=$(sed -n 60p "$T/live" | jq .offset)
	wait_offset "$T/merge.state" partials "$p" "$o"
	kill -9 "$AGG_PID"
	wait "$AGG_PID" || true
	exec 8>&-
	# Windows had fired before the kill.
	[ -s "$T/m1" ]
	# Restarted on the whole topic from offset 0: what the snapshot
	# holds is skipped, the rest merged; at-least-once output, so the
	# last revision of each window is one process's.
	stream-agg --kcat --merge --partitions 3 --no-watermarks \
	    "${args[@]}" --state "$T/merge.state" --eof flush --stats \
	    "$T/live" >"$T/m2" 2>"$T/err"
	grep -q 'replayed 60' "$T/err"
	one "${args[@]}"
	[ "$(wc -l <"$T/m2")" -lt "$(wc -l <"$T/one")" ]
	cat "$T/m1" "$T/m2" >"$T/merged"
	sort "$T/one" >"$T/one.sorted"
	last_revision "$T/merged" | sort | diff "$T/one.sorted" -
}

@test "recipe: examples/stream-agg@.service and its merge, as written, on the mock cluster" {
	ex=$BATS_TEST_DIRNAME/../examples
	start_broker access 2 access-partials 2
	T=$BATS_TEST_TMPDIR
	# The sample split over two partitions.
	for p in 0 1; do
		awk -v p="$p" 'NR % 2 == p' "$ex/access.ndjson" |
		    kcat -P -b "$BROKER" -t access -p "$p" 2>/dev/null
	done
	# The unit's ExecStart and Environment, the broker the only change.
	cmd=$(sed -n '/^ExecStart=/,/-p %i.$/p' "$ex/stream-agg@.service" |
	    sed -e 's/^ExecStart=//' -e 's/\\$//' | tr -d '\n' |
	    sed -e "s/^\/bin\/sh -c '//" -e "s/'$//")
	envs=$(sed -n 's/^Environment=//p' "$ex/stream-agg@.service" |
	    sed "s/BROKER=[^ ]*/BROKER=$BROKER/")
	pgids=()
	for i in 0 1; do
		mkdir "$T/st$i"
		env $envs STATE_DIRECTORY="$T/st$i" \
		    setsid sh -c "$(printf '%s' "$cmd" | sed "s/%i/$i/g")" &
		pgids+=($!)
	done
	# The merge from the unit's comment (64 partitions there, 2 here).
	merge=$(sed -n '/^#   kcat -C -J/,/p99/p' "$ex/stream-agg@.service" |
	    sed -e 's/^#  *//' -e 's/\\$//' | tr -d '\n' |
	    sed 's/--partitions 64/--partitions 2/')
	BROKER=$BROKER setsid sh -c "cd '$T' && $merge --no-watermarks" \
	    >"$T/merged" &
	pgids+=($!)
	# One process over the sample: the windows a live run fires (all
	# but those still open in the instances' states).
	stream-agg --max-delay 5s --tumbling 1m --by .service count \
	    'p99(.latency_ms)' --no-watermarks "$ex/access.ndjson" |
	    sort >"$T/one"
	wait_lines "$T/merged" window_start 6 || true
	sleep 1
	kill -TERM -- "${pgids[@]/#/-}"
	# systemctl stop waits for the unit to end: so do we.
	wait "${pgids[@]}" || true
	[ -s "$T/merged" ]
	sort "$T/merged" | comm -13 "$T/one" - | wc -l | grep -qx 0
	# The instances checkpointed on SIGTERM, in their state directories.
	[ -s "$T/st0/agg.state" ]
	[ -s "$T/st1/agg.state" ]
}
