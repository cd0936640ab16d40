#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# time.bats - the time forms that --time-format auto reads (SPEC 3),
# through a tool.  tests/fixtures/time/<form>.tsv hold real-world strings
# of each form, each with an equivalent that GNU date reads and the
# instant in nanoseconds that date gives for it; bad.tsv holds strings
# that auto cannot read, each with the whole message.  Then syslog's year
# by the clock, --year, and STREAMKIT_TIME / STREAMKIT_TIME_FORMAT.

load helpers
bats_require_minimum_version 1.5.0

FIX=$BATS_TEST_DIRNAME/fixtures/time

# rows FILE: the data rows of a fixture, without its comments.
rows() {
	grep -v '^#' "$1"
}

# annotated: the "et" field that --annotate added, exactly as written
# (jq would round nanoseconds through a double).
annotated() {
	sed -n 's/.*,"et":\(-\{0,1\}[0-9]*\)}$/\1/p'
}

# nsdate STRING: the instant GNU date gives for STRING, in nanoseconds
# (%s is floored, %N counts up from it, so this holds before 1970 too).
nsdate() {
	local s n
	read -r s n < <(date -u -d "$1" '+%s %N')
	echo $((s * 1000000000 + 10#$n))
}

@test "time fixtures: every expected instant is the one GNU date gives" {
	local f in dt want got fail=0 n=0
	for f in "$FIX"/*.tsv; do
		[ "${f##*/}" != bad.tsv ] || continue
		while IFS=$'\t' read -r in dt want; do
			n=$((n + 1))
			got=$(nsdate "$dt")
			if [ "$got" != "$want" ]; then
				echo "${f##*/}: \"$in\": date says $got for $dt, the fixture $want"
				fail=1
			fi
		done < <(rows "$f")
	done
	[ "$n" -ge 90 ]
	[ "$fail" -eq 0 ]
}

@test "time fixtures: auto reads every form to its instant (stream-watermark --annotate)" {
	local f
	cd "$BATS_TEST_TMPDIR"
	for f in "$FIX"/*.tsv; do
		[ "${f##*/}" != bad.tsv ] || continue
		rows "$f" | cut -f1 | jq -cR '{ts: .}' >in
		rows "$f" | cut -f3 >want
		stream-watermark --year 2016 --no-watermarks --annotate et \
		    --time-output epoch-ns <in 2>err | annotated >got
		diff -u want got || { echo "in ${f##*/}"; cat err; false; }
	done
}

@test "time fixtures: each bad string is a bad record with its whole message" {
	local in msg fail=0
	while IFS=$'\t' read -r in msg; do
		run --separate-stderr stream-watermark --year 2016 \
		    < <(jq -ncR --arg t "$in" '{ts: $t}')
		if [ "$status" -ne 65 ] || [ -n "$output" ] ||
		    [ "${stderr%%$'\n'*}" != "stream-watermark: line 1: $msg" ]; then
			echo "\"$in\": status $status, stdout \"$output\""
			echo "  got:  ${stderr%%$'\n'*}"
			echo "  want: stream-watermark: line 1: $msg"
			fail=1
		fi
	done < <(rows "$FIX/bad.tsv")
	[ "$fail" -eq 0 ]
}

@test "a bad time's message reaches stderr escaped, from every tool" {
	local t
	for t in stream-filter stream-window stream-agg; do
		case $t in
		# -t alone reads no time (SPEC 3): @time does.
		stream-filter) set -- '@time > "2000-01-01T00:00:00Z"' ;;
		stream-window) set -- --tumbling 1m ;;
		stream-agg) set -- --tumbling 1m count ;;
		esac
		run --separate-stderr "$t" "$@" <<<'{"ts":"17/May/2015 10:05:03\u001b[0m"}'
		[ "$status" -eq 65 ]
		[ "${stderr%%$'\n'*}" = "$t: line 1: bad time \"17/May/2015 10:05:03\\x1b[0m\": looks like Common Log Format (17/May/2015:10:05:03 +0000) but expected ':' after the year; use --time-format with a pattern" ]
	done
}

# SPEC 3: the current year, less one when that would put the time more
# than 7 days ahead of the clock.  Expectations from date, now: a day 3
# days ahead is this year (if it falls in January of the next, its
# month and day this year are in the past: this year too); 10 or 30 days
# ahead is last year, unless it falls in the next year (then this year
# again: in the last 10 days of a year only the unit test's fixed clocks
# reach last year); 3 days back is the year it falls in.  A Feb 29 more
# than 7 days ahead has no year before it: skipped.
@test "syslog without --year: this year, or last year when more than 7 days ahead" {
	local now y k s when want got
	now=$(date -u +%s)
	y=$(date -u -d "@$now" +%Y)
	for k in 3 10 30 -3; do
		when=$((now + k * 86400))
		s=$(date -u -d "@$when" '+%b %e %H:%M:%S')
		case $k in
		3) want=$y ;;
		10 | 30)
			if [ "$(date -u -d "@$when" +%Y)" = "$y" ]; then
				want=$((y - 1))
			else
				want=$y
			fi
			case $s in "Feb 29 "*) continue ;; esac
			;;
		-3) want=$(date -u -d "@$when" +%Y) ;;
		esac
		want=$(date -u -d "$s $want" +%s)
		got=$(printf '{"ts":"%s"}\n' "$s" | stream-watermark \
		    --no-watermarks --annotate et --time-output epoch-s \
		    2>/dev/null | annotated)
		[ "$got" = "$want" ] || {
			echo "\"$s\" ($k days from now): got $got, want $want"
			false
		}
	done
}

@test "--year gives syslog times their year, in every tool" {
	local t
	# 1999-03-24T17:15:20Z = 922295720 s (date -u -d)
	[ "$(date -u -d '1999-03-24T17:15:20Z' +%s)" = 922295720 ]
	run --separate-stderr stream-watermark --year 1999 --no-watermarks --annotate et \
	    --time-output epoch-s <<<'{"ts":"Mar 24 17:15:20"}'
	[ "$status" -eq 0 ]
	[ "$output" = '{"ts":"Mar 24 17:15:20","et":922295720}' ]
	run --separate-stderr stream-filter --year 1999 '@time == "1999-03-24T17:15:20Z"' \
	    <<<'{"ts":"Mar 24 17:15:20"}'
	[ "$status" -eq 0 ]
	[ "$output" = '{"ts":"Mar 24 17:15:20"}' ]
	run --separate-stderr stream-agg --year 1999 --tumbling 1h count \
	    <<<'{"ts":"Mar 24 17:15:20"}'
	[ "$output" = '{"window_start":"1999-03-24T17:00:00.000Z","window_end":"1999-03-24T18:00:00.000Z","count":1}' ]
	for t in stream-filter stream-watermark stream-window stream-agg stream-join; do
		run "$t" --year 99 </dev/null
		[ "$status" -eq 64 ]
		[ "${lines[0]}" = "$t: --year: expected a year from 1677 to 2262, got \"99\"" ]
	done
	run stream-watermark --year 2263 </dev/null
	[ "$status" -eq 64 ]
}

@test "--year is part of the --state fingerprint when given" {
	cd "$BATS_TEST_TMPDIR"
	echo '{"ts":"Mar 24 17:15:20"}' >in
	stream-agg --tumbling 1m --year 2016 --state st count <in >/dev/null
	run --separate-stderr stream-agg --tumbling 1m --year 2017 --state st count <in
	[ "$status" -eq 78 ]
	[[ $stderr == *"time-format=0: year=2016 there, time-format=0: year=2017 now"* ]]
	run --separate-stderr stream-agg --tumbling 1m --state st count <in
	[ "$status" -eq 78 ]
	run stream-agg --tumbling 1m --year 2016 --state st count <in
	[ "$status" -eq 0 ]
	# and without --year, a state file's options are what they were
	stream-agg --tumbling 1m --state st2 count <<<'{"ts":0}' >/dev/null
	grep -qx 'time-format=0:' st2
}

@test "STREAMKIT_TIME and STREAMKIT_TIME_FORMAT are the defaults of --time and --time-format" {
	local t
	# the field and the pattern named once, for every stage of a pipeline
	run --separate-stderr env STREAMKIT_TIME=.when \
	    STREAMKIT_TIME_FORMAT='%d|%m|%Y' bash -c \
	    "stream-watermark --no-watermarks | stream-agg --tumbling 1d count" \
	    <<<'{"when":"24|03|2016"}'
	[ "$status" -eq 0 ]
	[ "$output" = '{"window_start":"2016-03-24T00:00:00.000Z","window_end":"2016-03-25T00:00:00.000Z","count":1}' ]
	# a flag overrides its variable
	run --separate-stderr env STREAMKIT_TIME=.when \
	    STREAMKIT_TIME_FORMAT=epoch-ms \
	    stream-watermark --no-watermarks --annotate et -t .t \
	    --time-format epoch-s <<<'{"t":86400,"when":5}'
	[ "$status" -eq 0 ]
	[ "$output" = '{"t":86400,"when":5,"et":"1970-01-02T00:00:00.000Z"}' ]
	# empty is unset
	run --separate-stderr env STREAMKIT_TIME= STREAMKIT_TIME_FORMAT= \
	    stream-watermark \
	    --no-watermarks --annotate et <<<'{"ts":0}'
	[ "$status" -eq 0 ]
	[ "$output" = '{"ts":0,"et":"1970-01-01T00:00:00.000Z"}' ]
	# a variable does not make a tool need the time: stream-filter '.x'
	run --separate-stderr env STREAMKIT_TIME=.when stream-filter \
	    '.x == 1' <<<'{"x":1}'
	[ "$status" -eq 0 ]
	[ "$output" = '{"x":1}' ]
	# a bad value is a usage error naming the variable, in every tool
	for t in stream-filter stream-watermark stream-window stream-agg stream-join; do
		run env STREAMKIT_TIME=when "$t" </dev/null
		[ "$status" -eq 64 ]
		[ "${lines[0]}" = "$t: STREAMKIT_TIME: when: a path starts with '.'" ]
		run env STREAMKIT_TIME_FORMAT=epoch-sec "$t" </dev/null
		[ "$status" -eq 64 ]
		[[ ${lines[0]} == "$t: STREAMKIT_TIME_FORMAT: unknown time format \"epoch-sec\""* ]]
	done
	# unless the flag overrides it
	run env STREAMKIT_TIME=when STREAMKIT_TIME_FORMAT=bad stream-watermark \
	    --no-watermarks -t .ts --time-format auto <<<'{"ts":0}'
	[ "$status" -eq 0 ]
}
