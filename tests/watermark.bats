#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# stream-watermark: fixture cases (see each case's why), then sorting
# checked against jq, side outputs, FIFOs, pipes and kcat restarts.

load helpers
bats_require_minimum_version 1.5.0

T=2024-11-12T10:00

@test "stream-watermark fixtures" {
	run_fixtures stream-watermark
}

# 24 records, disorder at most 8s, many equal times; with --max-delay 10s
# none is late, so --sort must give exactly a stable sort by time (jq's
# sort_by is stable; RFC 3339 strings of one format sort as times).
@test "stream-watermark --sort equals a stable sort by time (jq sort_by)" {
	cd "$BATS_TEST_TMPDIR"
	for i in $(seq 0 23); do
		s=$(( i + (i * 7) % 9 ))
		printf '{"ts":"%s:%02dZ","id":%d}\n' "$T" "$s" "$i"
	done >in
	jq -c -s 'sort_by(.ts)[]' in >want
	stream-watermark --max-delay 10s --sort <in >out
	grep -v '@watermark' out >got
	diff -u want got
	# and the marks are in order, each after the records below it
	jq -rs 'reduce .[] as $r ({w:"", ok:true};
	    if $r["@watermark"] then .w = $r["@watermark"]
	    else .ok = (.ok and ($r.ts + "" | .[0:19]) >= (.w | .[0:19])) end)
	    | .ok' out | grep -qx true
}

@test "stream-watermark --sort with equal times keeps arrival order (sort -s)" {
	cd "$BATS_TEST_TMPDIR"
	printf '%s\n' "{\"ts\":\"${T}:02Z\",\"id\":\"a\"}" "{\"ts\":\"${T}:01Z\",\"id\":\"b\"}" \
	    "{\"ts\":\"${T}:02Z\",\"id\":\"c\"}" "{\"ts\":\"${T}:01Z\",\"id\":\"d\"}" \
	    "{\"ts\":\"${T}:02Z\",\"id\":\"e\"}" >in
	sort -s -t'"' -k4,4 in >want
	stream-watermark --max-delay 1m --sort --no-watermarks <in >got
	diff -u want got
}

@test "stream-watermark --late-output gets the late record byte for byte" {
	cd "$BATS_TEST_TMPDIR"
	printf '%s\n' "{\"ts\":\"${T}:10Z\",\"id\":1}" "{\"ts\":\"${T}:12Z\",\"id\":2}" \
	    "{\"ts\" : \"${T}:06Z\", \"id\":3}" "{\"ts\":\"${T}:07Z\",\"id\":4}" >in
	run --separate-stderr stream-watermark --max-delay 5s --late-output late.ndjson <in
	[ "$status" -eq 0 ]
	printf '%s\n' "{\"ts\" : \"${T}:06Z\", \"id\":3}" >want
	cmp want late.ndjson
	[[ "$output" != *'"id":3'* ]]
}

@test "stream-watermark --idle releases the held-back disorder while quiet" {
	cd "$BATS_TEST_TMPDIR"
	mkfifo in
	stream-watermark --max-delay 5s --idle 1s <in >out 2>err 3>&- &
	pid=$!
	exec 5>in
	echo "{\"ts\":\"${T}:10Z\",\"id\":1}" >&5
	sleep 2.5
	# W went 05 (max-delay) then 10 (idle: max time seen)
	got=$(cat out)
	echo "{\"ts\":\"${T}:09Z\",\"id\":2}" >&5	# below the new W: late
	echo "{\"ts\":\"${T}:11Z\",\"id\":3}" >&5	# W stays 10
	exec 5>&-
	wait "$pid"
	printf '%s\n' "{\"ts\":\"${T}:10Z\",\"id\":1}" "{\"@watermark\":\"${T}:05.000Z\"}" \
	    "{\"@watermark\":\"${T}:10.000Z\"}" >want1
	[ "$got" = "$(cat want1)" ]
	{ cat want1; echo "{\"ts\":\"${T}:11Z\",\"id\":3}"; } >want
	diff -u want out
}

@test "stream-watermark | stream-filter forwards the marks in order" {
	cd "$BATS_TEST_TMPDIR"
	cat >in <<EOF
{"ts":"${T}:01Z","level":"error","id":1}
{"ts":"${T}:03Z","level":"info","id":2}
{"ts":"${T}:06Z","level":"error","id":3}
{"ts":"${T}:12Z","level":"info","id":4}
{"ts":"${T}:13Z","level":"error","id":5}
{"ts":"${T}:25Z","level":"info","id":6}
EOF
	cat >want <<EOF
{"ts":"${T}:01Z","level":"error","id":1}
{"@watermark":"2024-11-12T09:59:59.000Z"}
{"@watermark":"${T}:01.000Z"}
{"ts":"${T}:06Z","level":"error","id":3}
{"@watermark":"${T}:04.000Z"}
{"@watermark":"${T}:10.000Z"}
{"ts":"${T}:13Z","level":"error","id":5}
{"@watermark":"${T}:11.000Z"}
{"@watermark":"${T}:23.000Z"}
EOF
	stream-watermark --max-delay 2s <in 2>/dev/null | stream-filter '.level == "error"' >got
	diff -u want got
}

@test "stream-watermark --kcat --state skips replayed offsets after a restart" {
	cd "$BATS_TEST_TMPDIR"
	kenv() { # partition offset second id
		printf '{"topic":"t","partition":%d,"offset":%d,"tstype":"create","ts":17314056%02d000,"key":null,"payload":"{\\"ts\\":\\"%s:%02dZ\\",\\"id\\":%d}"}\n' \
		    "$1" "$2" "$3" "$T" "$3" "$4"
	}
	{ kenv 0 1 1 1; kenv 0 2 2 2; } >run1
	{ kenv 0 1 1 1; kenv 0 2 2 2; kenv 0 3 3 3; kenv 1 1 4 4; } >run2
	stream-watermark --kcat --state st <run1 >out1
	stream-watermark --kcat --state st <run2 >out2
	printf '%s\n' "{\"ts\":\"${T}:01Z\",\"id\":1}" "{\"ts\":\"${T}:02Z\",\"id\":2}" >want1
	printf '%s\n' "{\"ts\":\"${T}:03Z\",\"id\":3}" "{\"ts\":\"${T}:04Z\",\"id\":4}" >want2
	diff -u want1 out1
	diff -u want2 out2
}

@test "stream-watermark: a STRPTIME pattern without %z reads UTC whatever TZ says" {
	run --separate-stderr env TZ=America/New_York "$SK_BIN/stream-watermark" \
	    --time .t --time-format '%Y/%m/%d %H:%M:%S' --annotate et \
	    <<<'{"t":"2024/11/12 10:00:05"}'
	[ "$status" -eq 0 ]
	[ "$output" = '{"t":"2024/11/12 10:00:05","et":"2024-11-12T10:00:05.000Z"}' ]
}

# SPEC 3: printed durations keep the zero units between the largest and
# the smallest.  A record 14422 s = 4 h 0 m 22 s behind the newest, and
# one dropped late so that the report is due in any case.
@test "stream-watermark reports a disorder of 4h0m22s as 4h0m22s, not 4h22s" {
	run --separate-stderr stream-watermark --max-delay 1s \
	    <<<$'{"ts":14422}\n{"ts":0}'
	[ "$status" -eq 0 ]
	[ "$output" = $'{"ts":14422}\n{"@watermark":"1970-01-01T04:00:21.000Z"}' ]
	grep -q 'max disorder 4h0m22s ' <<<"$stderr"
}
