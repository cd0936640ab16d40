#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# --state-check FILE: what a snapshot holds, as name: value lines, for
# every stateful tool; exit 78 naming what is wrong; the file is never
# touched (no lock taken, nothing written).  The expected values are
# worked out by hand from the corpus below (SPEC 4, 5, 6).

load helpers
bats_require_minimum_version 1.5.0

# Dedupe repeat (id 1 at 1s and 8s), a bad line, a record that is late
# once W = 30s - 5s = 25s (id 4 at 2s).
corpus() {
	cat <<'EOF'
{"id":1,"k":"a","ts":"2024-01-01T00:00:01Z"}
{"id":2,"k":"b","ts":"2024-01-01T00:00:05Z"}
{"id":1,"k":"a","ts":"2024-01-01T00:00:08Z"}
bad line
{"id":3,"k":"a","ts":"2024-01-01T00:00:30Z"}
{"id":4,"k":"b","ts":"2024-01-01T00:00:02Z"}
EOF
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	corpus >c.ndjson
}

# has LINE...: each LINE is a whole line of $output.
has() {
	local l
	for l; do
		grep -qxF -- "$l" <<<"$output" || {
			echo "missing line: $l"
			echo "$output"
			return 1
		}
	done
}

# check TOOL FILE: --state-check succeeds and leaves FILE (and its lock
# file, or its absence) exactly as it was.
check() {
	local tool=$1 st=$2 had_lock=0
	cp "$st" "$st.before"
	[ -e "$st.lock" ] && had_lock=1
	run --separate-stderr "$tool" --state-check "$st"
	cmp "$st" "$st.before"
	if [ "$had_lock" = 0 ]; then [ ! -e "$st.lock" ]; fi
	[ ! -e "$st.tmp" ]
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
}

@test "stream-filter --dedupe: keys, drops, counters" {
	stream-filter --dedupe .id --within 10s --state st true c.ndjson \
	    >/dev/null 2>&1 || [ $? -eq 65 ]
	rm -f st.lock
	check stream-filter st
	has "tool: stream-filter" "format: streamkit-state 1" \
	    "option: dedupe=.id within=10000000000" \
	    "watermark: none" "max_time: 2024-01-01T00:00:30.000Z" \
	    "max_time_ns: 1704067230000000000" "inputs: 1" \
	    "dedupe_keys: 4" "dedupe_dropped: 1" \
	    "in: 5" "out: 4" "bad: 1" "late: 0" "replayed: 0" \
	    "bytes: $(stat -c %s st)" "file: st"
}

@test "stream-watermark --sort: held records, watermark, late" {
	stream-watermark --sort --max-delay 5s --state st c.ndjson \
	    >/dev/null 2>&1 || [ $? -eq 65 ]
	check stream-watermark st
	has "tool: stream-watermark" \
	    "watermark: 2024-01-01T00:00:25.000Z" \
	    "watermark_ns: 1704067225000000000" \
	    "held_records: 1" "in: 5" "out: 3" "bad: 1" "late: 1"
}

@test "stream-window and windowed stream-agg: open windows and counts" {
	stream-window --tumbling 10s --by .k --max-delay 5s --state w.st \
	    c.ndjson >/dev/null 2>&1 || [ $? -eq 65 ]
	stream-agg --tumbling 10s --by .k --max-delay 5s count --state a.st \
	    c.ndjson >/dev/null 2>&1 || [ $? -eq 65 ]
	for t in "stream-window w.st" "stream-agg a.st"; do
		check $t
		has "tool: ${t% *}" "option: by=.k" \
		    "option: window=1 size=10000000000 slide=0 count=0/0 offset=0" \
		    "watermark: 2024-01-01T00:00:25.000Z" \
		    "open_windows: 1" "windows_fired: 2" "late_dropped: 1" \
		    "missed_windows: 1" "late_firings: 0" \
		    "in: 5" "out: 2" "bad: 1" "late: 1"
	done
	check stream-agg a.st
	has 'option: aggregates=count as "count"'
}

@test "windowless stream-agg: keys" {
	stream-agg --by .k count --state st c.ndjson >/dev/null 2>&1 ||
	    [ $? -eq 65 ]
	check stream-agg st
	has "keys: 2" "in: 5" "out: 0" "bad: 1" "watermark: none"
}

@test "stream-join interval and --table: rows by kind" {
	printf '%s\n' '{"k":"a","ts":1}' '{"k":"b","ts":3}' >L
	printf '%s\n' '{"k":"a","ts":2,"v":1}' >R
	stream-join --within 5s --right R --on .k --state j.st L >/dev/null
	check stream-join j.st
	has "inputs: 2" "join_rows: 3" "left_rows: 2" "right_rows: 1" \
	    "table_rows: 0" "join_matches: 1" "in: 3" "out: 1" \
	    "max_time: 1970-01-01T00:00:03.000Z"
	stream-join --table --right R --on .k --state t.st L >/dev/null
	check stream-join t.st
	has "join_rows: 1" "table_rows: 1" "left_rows: 0" "join_matches: 1" \
	    "join_dropped: 1" "in: 3" "out: 1"
}

@test "--kcat: the last offset per topic-partition" {
	grep -v '^bad' c.ndjson | jq -c --slurp 'to_entries | map(.value as $v |
	    {topic: "acc.ess/x", partition: (.key % 2), offset: (.key / 2 |
	    floor + 100), tstype: "create", ts: 0, broker: 0, key: null,
	    payload: ($v | tojson)}) | .[]' >env
	stream-agg --kcat --tumbling 10s count --state st env >/dev/null
	check stream-agg st
	# Records 0..4 on partitions 0,1,0,1,0: offsets 100..102, 100..101.
	has "offset.0.acc.ess%2Fx.0: 102" "offset.0.acc.ess%2Fx.1: 101" \
	    "inputs: 2" "in: 5" "option: kcat=1"
}

@test "beside a running instance: no lock is taken, the holder keeps it" {
	mkfifo in
	stream-agg --by .k count --state st <in >/dev/null &
	pid=$!
	exec 6>in
	head -n 2 c.ndjson >&6
	# The first run has no snapshot yet; wait until its lock is held.
	for _ in $(seq 50); do [ -s st.lock ] && break; sleep 0.1; done
	stream-agg --by .k count --state other c.ndjson >/dev/null 2>&1 ||
	    [ $? -eq 65 ]
	cp other st
	run stream-agg --state-check st
	exec 6>&-
	wait "$pid"
	[ "$status" -eq 0 ]
	has "keys: 2"
}

@test "missing, empty, truncated, damaged, other version, other tool: 78" {
	stream-agg --by .k count 'collect(.id)' --state st c.ndjson \
	    >/dev/null 2>&1 || [ $? -eq 65 ]
	size=$(stat -c %s st)
	run --separate-stderr stream-agg --state-check nothere
	[ "$status" -eq 78 ]
	[ -z "$output" ]
	[[ "$stderr" == *"nothere"*"No such file"* ]]
	[ ! -e nothere ]
	[ ! -e nothere.lock ]

	: >empty
	run --separate-stderr stream-agg --state-check empty
	[ "$status" -eq 78 ]
	[[ "$stderr" == *"empty"* ]]
	[ ! -s empty ]

	for cut in 1 17 $((size / 2)) $((size - 1)); do
		head -c "$cut" st >t
		cp t t.orig
		run --separate-stderr stream-agg --state-check t
		[ "$status" -eq 78 ]
		[ -z "$output" ]
		[[ "$stderr" == *"unusable"* ]]
		cmp t t.orig
	done

	# One byte of the tool section changed: the checksum catches it.
	cp st d
	off=$(grep -bo '"keys"' d | head -1 | cut -d: -f1)
	printf 'X' | dd of=d bs=1 seek=$((off + 1)) conv=notrunc 2>/dev/null
	run ! cmp -s st d
	cp d d.orig
	run --separate-stderr stream-agg --state-check d
	[ "$status" -eq 78 ]
	[[ "$stderr" == *"checksum mismatch"* ]]
	cmp d d.orig

	sed '1s/ 1$/ 2/' st >v2
	run --separate-stderr stream-agg --state-check v2
	[ "$status" -eq 78 ]
	[[ "$stderr" == *"unsupported format version"* ]]

	run --separate-stderr stream-window --state-check st
	[ "$status" -eq 78 ]
	[[ "$stderr" == *"written by stream-agg, not stream-window"* ]]
}

@test "--state-check is in --help of every stateful tool" {
	local t
	for t in stream-filter stream-watermark stream-window stream-agg \
	    stream-join; do
		run "$t" --help
		[ "$status" -eq 0 ]
		[[ "$output" == *"--state-check FILE"* ]]
	done
}
