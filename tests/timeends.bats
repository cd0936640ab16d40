#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# timeends.bats - every tool at the ends of int64 nanoseconds.
#
# SPEC 3: time is int64 ns since the epoch, from
# 1677-09-21T00:12:43.145224192Z (INT64_MIN) to
# 2262-04-11T23:47:16.854775807Z (INT64_MAX); times outside are bad
# records; time arithmetic never overflows but saturates at the ends.  So
# a window whose end would pass INT64_MAX ends at it, a start below
# INT64_MIN starts at it, W = max - D stays at the bottom, end + lateness
# and t + gap stop at the top, and a dedupe gap of 1.8e19 ns is no repeat.
# Every expected output below is worked out by hand from those rules
# (times printed with millisecond precision, truncated toward the past).
# Part of make check; under `make check SANITIZE=1` UBSan stops a tool at
# the first signed overflow.

load helpers
bats_require_minimum_version 1.5.0

MAX=9223372036854775807
MIN=-9223372036854775808
MAXS=2262-04-11T23:47:16.854775807Z
MINS=1677-09-21T00:12:43.145224192Z

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# same: $output is exactly the text of "want" (a file).
same() {
	printf '%s\n' "$output" >got
	diff -u want got
}

@test "ends: RFC 3339 at both ends reads; one nanosecond beyond is a bad record" {
	printf '{"ts":"%s"}\n' "$MINS" "$MAXS" \
	    1677-09-21T00:12:43.145224191Z 2262-04-11T23:47:16.854775808Z >in
	run --separate-stderr stream-window --tumbling 10s in
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"line 3:"* ]]
	[[ "$stderr" == *"line 4:"* ]]
	# [MIN - 3.145224192s, +10s): the start saturates at MIN; the end
	# of [23:47:10, +10s) saturates at MAX.
	cat >want <<EOF
{"window_start":"1677-09-21T00:12:43.145Z","window_end":"1677-09-21T00:12:50.000Z","key":{},"count":1,"events":[{"ts":"$MINS"}]}
{"window_start":"2262-04-11T23:47:10.000Z","window_end":"2262-04-11T23:47:16.854Z","key":{},"count":1,"events":[{"ts":"$MAXS"}]}
EOF
	same
}

@test "ends: stream-agg hopping windows at the top end" {
	printf '{"ts":%s}\n' "$MAX" >in
	run --separate-stderr stream-agg --hopping 20s --slide 10s count in
	[ "$status" -eq 0 ]
	# [23:47:00, 23:47:20) and [23:47:10, 23:47:30): both end at MAX,
	# ordered by start.
	cat >want <<EOF
{"window_start":"2262-04-11T23:47:00.000Z","window_end":"2262-04-11T23:47:16.854Z","count":1}
{"window_start":"2262-04-11T23:47:10.000Z","window_end":"2262-04-11T23:47:16.854Z","count":1}
EOF
	same
}

@test "ends: stream-filter --dedupe --within at +-9e18 and at the ends" {
	cat >in <<EOF
{"id":1,"ts":9e18}
{"id":1,"ts":-9e18}
{"id":2,"ts":-9e18}
{"id":2,"ts":9e18}
{"id":3,"ts":"$MAXS"}
{"id":3,"ts":"$MINS"}
{"id":4,"ts":"2262-04-11T23:47:16.854775800Z"}
{"id":4,"ts":"$MAXS"}
EOF
	run --separate-stderr stream-filter --dedupe .id --within 10s true in
	[ "$status" -eq 0 ]
	# 1.8e19 ns apart is no repeat; 7 ns apart is one.
	head -n 7 in >want
	same
}

@test "ends: stream-watermark --max-delay at the bottom and at the top" {
	printf '{"ts":%s}\n' "$MIN" -9223372026854775808 >in
	run --separate-stderr stream-watermark --max-delay 5s in
	[ "$status" -eq 0 ]
	# MIN - 5s stays at MIN (no watermark yet); MIN + 10s - 5s moves it.
	cat >want <<EOF
{"ts":$MIN}
{"ts":-9223372026854775808}
{"@watermark":"1677-09-21T00:12:48.145Z"}
EOF
	same
	printf '{"ts":%s}\n' "$MAX" >in
	run --separate-stderr stream-watermark --max-delay 5s in
	[ "$status" -eq 0 ]
	cat >want <<EOF
{"ts":$MAX}
{"@watermark":"2262-04-11T23:47:11.854Z"}
EOF
	same
}

@test "ends: stream-watermark --emit-every D near the top" {
	printf '{"ts":%s}\n' 9223372016854775807 "$MAX" >in
	run --separate-stderr stream-watermark --max-delay 1s --emit-every 10s in
	[ "$status" -eq 0 ]
	cat >want <<EOF
{"ts":9223372016854775807}
{"@watermark":"2262-04-11T23:46:55.854Z"}
{"ts":$MAX}
{"@watermark":"2262-04-11T23:47:15.854Z"}
EOF
	same
}

@test "ends: a watermark at -9e18, then the end of input" {
	printf '{"ts":-9e18}\n' >in
	run --separate-stderr stream-watermark --max-delay 1s in
	[ "$status" -eq 0 ]
	cat >want <<EOF
{"ts":-9e18}
{"@watermark":"1684-10-19T07:59:59.000Z"}
EOF
	same
	# Passed through by stream-filter, which forwards it.
	printf '%s\n' '{"@watermark":"1684-10-19T08:00:00.000Z"}' \
	    '{"x":1,"ts":-9e18}' >in
	run --separate-stderr stream-filter '.x == 1' in
	[ "$status" -eq 0 ]
	cp in want
	same
}

@test "ends: --stats and --metrics with a watermark near the bottom" {
	printf '{"ts":%s}\n' -9223372026854775808 >in
	run --separate-stderr stream-watermark --max-delay 1s --stats \
	    --metrics m.prom in
	[ "$status" -eq 0 ]
	cat >want <<EOF
{"ts":-9223372026854775808}
{"@watermark":"1677-09-21T00:12:52.145Z"}
EOF
	same
	[[ "$stderr" == *"watermark 1677-09-21T00:12:52.145Z"* ]]
	grep -q '^streamkit_watermark_seconds' m.prom
}

@test "ends: stream-window --lateness keeps a fired window near the top" {
	cat >in <<EOF
{"id":1,"ts":9223372000000000000}
{"id":2,"ts":$MAX}
{"id":3,"ts":9223372005000000000}
EOF
	run --separate-stderr stream-window --tumbling 10s --max-delay 1s \
	    --lateness 1h in
	[ "$status" -eq 0 ]
	# W = MAX - 1s fires [23:46:40, 23:46:50); end + 1h saturates at
	# MAX > W, so id 3 is a late firing, not dropped.
	cat >want <<EOF
{"window_start":"2262-04-11T23:46:40.000Z","window_end":"2262-04-11T23:46:50.000Z","key":{},"count":1,"events":[{"id":1,"ts":9223372000000000000}]}
{"window_start":"2262-04-11T23:46:40.000Z","window_end":"2262-04-11T23:46:50.000Z","key":{},"count":2,"events":[{"id":1,"ts":9223372000000000000},{"id":3,"ts":9223372005000000000}],"late":true,"revision":1}
{"window_start":"2262-04-11T23:47:10.000Z","window_end":"2262-04-11T23:47:16.854Z","key":{},"count":1,"events":[{"id":2,"ts":$MAX}]}
EOF
	same
}

@test "ends: session gaps at both ends (stream-window and stream-agg)" {
	printf '{"ts":%s}\n' "$MIN" -9223372031854775808 \
	    9223372031854775807 "$MAX" >in
	# [MIN, MIN + 5s + 10s); [MAX - 5s, MAX): the gap after MAX - 5s
	# saturates at MAX, where the record at MAX touches it and merges.
	run --separate-stderr stream-agg --session 10s count in
	[ "$status" -eq 0 ]
	cat >want <<EOF
{"window_start":"1677-09-21T00:12:43.145Z","window_end":"1677-09-21T00:12:58.145Z","count":2}
{"window_start":"2262-04-11T23:47:11.854Z","window_end":"2262-04-11T23:47:16.854Z","count":2}
EOF
	same
	run --separate-stderr stream-window --session 10s in
	[ "$status" -eq 0 ]
	cat >want <<EOF
{"window_start":"1677-09-21T00:12:43.145Z","window_end":"1677-09-21T00:12:58.145Z","key":{},"count":2,"events":[{"ts":$MIN},{"ts":-9223372031854775808}]}
{"window_start":"2262-04-11T23:47:11.854Z","window_end":"2262-04-11T23:47:16.854Z","key":{},"count":2,"events":[{"ts":9223372031854775807},{"ts":$MAX}]}
EOF
	same
}

@test "ends: stream-agg --emit every D near the top" {
	printf '{"k":"a","ts":%s}\n' 9223372016854775807 "$MAX" >in
	run --separate-stderr stream-agg --by .k --emit every 10s count \
	    --max-delay 1s in
	[ "$status" -eq 0 ]
	# W = MAX - 1s passes the boundary 23:47:00; the next one,
	# 23:47:20, saturates at MAX and never comes.
	echo '{"k":"a","count":2}' >want
	same
}

@test "ends: stream-join --within and --between at both ends" {
	cat >L <<EOF
{"k":1,"ts":$MAX,"l":1}
{"k":2,"ts":$MIN,"l":2}
EOF
	cat >R <<EOF
{"k":1,"ts":9223372031854775807,"r":1}
{"k":2,"ts":-9223372031854775808,"r":2}
EOF
	run --separate-stderr stream-join --within 10s --on .k --right R L
	[ "$status" -eq 0 ]
	output=$(sort <<<"$output")
	cat >want <<EOF
{"k":1,"ts":$MAX,"l":1,"r":1}
{"k":2,"ts":$MIN,"l":2,"r":2}
EOF
	same
	# r.t in [l.t + 1s, l.t + 1h]: l.t + 1h saturates at MAX.
	printf '{"k":3,"ts":9223372026854775807,"l":3}\n' >L
	printf '{"k":3,"ts":%s,"r":3}\n' "$MAX" >R
	run --separate-stderr stream-join --between 1s,1h --on .k --right R L
	[ "$status" -eq 0 ]
	echo '{"k":3,"ts":9223372026854775807,"l":3,"r":3}' >want
	same
	# r.t in [l.t - 1h, l.t - 1s]: l.t - 1h saturates at MIN.
	printf '{"k":4,"ts":-9223372026854775808,"l":4}\n' >L
	printf '{"k":4,"ts":%s,"r":4}\n' "$MIN" >R
	run --separate-stderr stream-join --between=-1h,-1s --on .k --right R L
	[ "$status" -eq 0 ]
	echo '{"k":4,"ts":-9223372026854775808,"l":4,"r":4}' >want
	same
	# An unmatched left row at MAX waits for W to pass MAX + 10s: the
	# end of input.
	printf '{"k":9,"ts":%s}\n' "$MAX" >L
	: >R
	run --separate-stderr stream-join --type left --within 10s \
	    --max-delay 0s --on .k --right R L
	[ "$status" -eq 0 ]
	cp L want
	same
}
