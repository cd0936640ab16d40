#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# stream-window: fixture cases (tests/fixtures/stream-window/*/why tells
# the reasoning of each), then what fixtures cannot express: side-output
# files, FIFOs with a slow writer, and pipes between tools.

load helpers
bats_require_minimum_version 1.5.0

T=2024-11-12T10:00

@test "stream-window fixtures" {
	run_fixtures stream-window
}

@test "stream-window --late-output gets dropped-late records byte for byte" {
	cd "$BATS_TEST_TMPDIR"
	cat >in <<EOF
{"ts":"${T}:01Z","id":1}
{"ts":"${T}:13Z","id":2}
{"ts": "${T}:05Z",  "id":3}
{"ts":"${T}:09Z","id":4}
{"ts":"${T}:10Z","id":5}
EOF
	# :13 -> W=11 fires [0,10); :05 and :09 are then late (dropped);
	# :10 < W but [10,20) has not fired: accepted.
	run --separate-stderr stream-window --tumbling 10s --max-delay 2s --late-output late.ndjson <in
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "{\"window_start\":\"${T}:00.000Z\",\"window_end\":\"${T}:10.000Z\",\"key\":{},\"count\":1,\"events\":[{\"ts\":\"${T}:01Z\",\"id\":1}]}" ]
	[ "${lines[1]}" = "{\"window_start\":\"${T}:10.000Z\",\"window_end\":\"${T}:20.000Z\",\"key\":{},\"count\":2,\"events\":[{\"ts\":\"${T}:10Z\",\"id\":5},{\"ts\":\"${T}:13Z\",\"id\":2}]}" ]
	printf '%s\n' "{\"ts\": \"${T}:05Z\",  \"id\":3}" "{\"ts\":\"${T}:09Z\",\"id\":4}" >want
	cmp want late.ndjson
}

@test "stream-window reports dropped-late records on stderr" {
	cd "$BATS_TEST_TMPDIR"
	printf '%s\n' "{\"ts\":\"${T}:01Z\"}" "{\"ts\":\"${T}:13Z\"}" "{\"ts\":\"${T}:05Z\"}" >in
	stream-window --tumbling 10s --max-delay 2s <in >out 2>err
	grep -qi 'late' err
}

@test "stream-window --errors-output gets bad lines byte for byte" {
	cd "$BATS_TEST_TMPDIR"
	printf '%s\n' "{\"ts\":\"${T}:01Z\",\"id\":1}" 'not json' '{"id": 2}' "{\"ts\":\"${T}:02Z\",\"id\":3}" >in
	run stream-window --tumbling 10s --errors-output bad.ndjson <in
	[ "$status" -eq 65 ]
	printf '%s\n' 'not json' '{"id": 2}' >want
	cmp want bad.ndjson
}

@test "stream-window flushes a fired window while its input blocks" {
	cd "$BATS_TEST_TMPDIR"
	mkfifo in
	stream-window --tumbling 10s --max-delay 5s <in >out 2>err 3>&- &
	pid=$!
	exec 5>in
	echo "{\"ts\":\"${T}:01Z\",\"id\":1}" >&5
	echo "{\"ts\":\"${T}:16Z\",\"id\":2}" >&5
	sleep 1
	# :16 -> W=11 fired [0,10); the writer is still open.
	want="{\"window_start\":\"${T}:00.000Z\",\"window_end\":\"${T}:10.000Z\",\"key\":{},\"count\":1,\"events\":[{\"ts\":\"${T}:01Z\",\"id\":1}]}"
	got=$(cat out)
	exec 5>&-
	wait "$pid"
	[ "$got" = "$want" ]
	[ "$(wc -l <out)" -eq 2 ]
}

@test "stream-window --idle closes windows while the stream is quiet" {
	cd "$BATS_TEST_TMPDIR"
	mkfifo in
	stream-window --tumbling 10s --max-delay 5s --idle 1s <in >out 2>err 3>&- &
	pid=$!
	exec 5>in
	echo "{\"ts\":\"${T}:01Z\",\"id\":1}" >&5
	echo "{\"ts\":\"${T}:12Z\",\"id\":2}" >&5
	# W=07 by max-delay; after 1s of silence W = max seen = :12, which
	# fires [0,10) but not [10,20).
	sleep 2.5
	got=$(cat out)
	echo "{\"ts\":\"${T}:15Z\",\"id\":3}" >&5
	exec 5>&-
	wait "$pid"
	[ "$got" = "{\"window_start\":\"${T}:00.000Z\",\"window_end\":\"${T}:10.000Z\",\"key\":{},\"count\":1,\"events\":[{\"ts\":\"${T}:01Z\",\"id\":1}]}" ]
	run cat out
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[1]}" = "{\"window_start\":\"${T}:10.000Z\",\"window_end\":\"${T}:20.000Z\",\"key\":{},\"count\":2,\"events\":[{\"ts\":\"${T}:12Z\",\"id\":2},{\"ts\":\"${T}:15Z\",\"id\":3}]}" ]
}

@test "stream-watermark | stream-filter | stream-window: event time decided upstream" {
	cd "$BATS_TEST_TMPDIR"
	cat >in <<EOF
{"ts":"${T}:01Z","level":"error","id":1}
{"ts":"${T}:03Z","level":"info","id":2}
{"ts":"${T}:06Z","level":"error","id":3}
{"ts":"${T}:12Z","level":"info","id":4}
{"ts":"${T}:13Z","level":"error","id":5}
{"ts":"${T}:25Z","level":"info","id":6}
EOF
	# marks (max-delay 2s): 09:59:59 01 04 10 11 23; the filter keeps
	# errors 1 3 5 and forwards every mark; the window tool fires [0,10)
	# at mark :10 and [10,20) at :23, each before forwarding that mark,
	# and forwards only the marks whose advance fired windows.
	cat >want <<EOF
{"window_start":"${T}:00.000Z","window_end":"${T}:10.000Z","key":{},"count":2,"events":[{"ts":"${T}:01Z","level":"error","id":1},{"ts":"${T}:06Z","level":"error","id":3}]}
{"@watermark":"${T}:10.000Z"}
{"window_start":"${T}:10.000Z","window_end":"${T}:20.000Z","key":{},"count":1,"events":[{"ts":"${T}:13Z","level":"error","id":5}]}
{"@watermark":"${T}:23.000Z"}
EOF
	stream-watermark --max-delay 2s <in 2>/dev/null |
	    stream-filter '.level == "error"' |
	    stream-window --tumbling 10s >got
	diff -u want got
}

@test "stream-window hopping: a record some window still takes is not written to --late-output" {
	cd "$BATS_TEST_TMPDIR"
	cat >in <<EOF
{"ts":"${T}:01Z","id":1}
{"ts":"${T}:07Z","id":2}
{"ts":"${T}:03Z","id":3}
{"ts":"${T}:12Z","id":4}
{"ts":"${T}:02Z","id":5}
EOF
	# W = max time. :07 fires [-5,5); :03 misses it but [0,10) takes it;
	# :12 fires [0,10); :02 then has no open window: dropped-late.
	cat >want <<EOF
{"window_start":"2024-11-12T09:59:55.000Z","window_end":"${T}:05.000Z","key":{},"count":1,"events":[{"ts":"${T}:01Z","id":1}]}
{"window_start":"${T}:00.000Z","window_end":"${T}:10.000Z","key":{},"count":3,"events":[{"ts":"${T}:01Z","id":1},{"ts":"${T}:03Z","id":3},{"ts":"${T}:07Z","id":2}]}
{"window_start":"${T}:05.000Z","window_end":"${T}:15.000Z","key":{},"count":2,"events":[{"ts":"${T}:07Z","id":2},{"ts":"${T}:12Z","id":4}]}
{"window_start":"${T}:10.000Z","window_end":"${T}:20.000Z","key":{},"count":1,"events":[{"ts":"${T}:12Z","id":4}]}
EOF
	stream-window --hopping 10s --slide 5s --max-delay 0s --late-output late.ndjson <in >got
	diff -u want got
	echo "{\"ts\":\"${T}:02Z\",\"id\":5}" >want.late
	cmp want.late late.ndjson
}
