#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# checkpoint.bats - when checkpoints happen and what they hold (SPEC 6):
# exactly every N input records, also while the input is quiet; side
# files written before the snapshot that counts their records; signals
# acted on whatever the tool waits on.
#
# Inputs come through FIFOs whose writer (fd 6) the test holds open, so
# a tool is mid-run, with a quiet input, while the test looks at its
# snapshot.  Waits poll with a bound (wait_for), never a fixed sleep.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	cd "$BATS_TEST_TMPDIR"
}

teardown() {
	exec 6>&- 2>/dev/null || true
	if [ -n "${pid:-}" ]; then
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
}

# records N: N events one second apart, ids 1..N.
records() {
	awk -v n="$1" 'BEGIN { for (i = 1; i <= n; i++)
	    printf "{\"id\":%d,\"ts\":%d}\n", i, 1700000000 + i }'
}

# counter FILE NAME: one counter of a snapshot of $tool (--state-check),
# or nothing when there is no snapshot yet.
tool=stream-filter
counter() {
	"$tool" --state-check "$1" 2>/dev/null | sed -n "s/^$2: //p"
}

# wait_for CMD...: poll CMD every 50 ms for at most 10 s.
wait_for() {
	for _ in $(seq 200); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# has_lines FILE N: FILE has N lines.
has_lines() {
	[ "$(wc -l <"$1")" -eq "$2" ]
}

# counts FILE NAME N: the snapshot's counter NAME is at least N.
counts() {
	local v
	v=$(counter "$1" "$2")
	[ -n "$v" ] && [ "$v" -ge "$3" ]
}

@test "--checkpoint-interval 1: 150 records through a quiet FIFO, all in the snapshot before EOF" {
	mkfifo in
	stream-filter --dedupe .id --within 10s --state st \
	    --checkpoint-interval 1 true <in >out &
	pid=$!
	exec 6>in
	records 150 >&6
	wait_for counts st in 150
	# Still running: the input has not ended.
	kill -0 "$pid"
	[ "$(counter st in)" -eq 150 ]
	[ "$(counter st dedupe_keys)" -eq 150 ]
	exec 6>&-
	wait "$pid"
	pid=
	records 150 | cmp - out
}

@test "--checkpoint-interval 100: exactly at 100 records, not rounded" {
	mkfifo in
	stream-filter --dedupe .id --within 10s --state st \
	    --checkpoint-interval 100 true <in >out &
	pid=$!
	exec 6>in
	records 150 >&6
	wait_for counts st in 100
	kill -0 "$pid"
	# The next is due at 200: the snapshot stays at 100.
	[ "$(counter st in)" -eq 100 ]
	exec 6>&-
	wait "$pid"
	pid=
	[ "$(counter st in)" -eq 150 ]
}

@test "--checkpoint-interval D: a due checkpoint is taken while the input is quiet" {
	tool=stream-agg
	mkfifo in
	stream-agg --tumbling 1m count --state st \
	    --checkpoint-interval 200ms <in >out &
	pid=$!
	exec 6>in
	records 150 >&6
	wait_for counts st in 150
	kill -0 "$pid"
	[ "$(counter st in)" -eq 150 ]
}

@test "a late and a bad record, a checkpoint, kill -9: the side files hold what the snapshot counts" {
	tool=stream-agg
	mkfifo in
	stream-agg --tumbling 10s count --max-delay 0s --state st \
	    --checkpoint-interval 1 --late-output late --errors-output bad \
	    <in >out &
	pid=$!
	exec 6>in
	printf '%s\n' '{"ts":1700000100}' '{"ts":1700000050,"late":1}' \
	    'not json' '{"ts":1700000101}' >&6
	wait_for counts st in 3
	[ "$(counter st late)" -eq 1 ]
	[ "$(counter st bad)" -eq 1 ]
	kill -KILL "$pid"
	wait "$pid" || true
	pid=
	echo '{"ts":1700000050,"late":1}' | cmp - late
	echo 'not json' | cmp - bad
}

@test "output that cannot be written: exit 74, no new snapshot, the previous one stands" {
	records 10 >a
	records 20 | tail -n 10 >b
	stream-filter --dedupe .id --within 10s --state st true a >out
	cp st st.before
	run --separate-stderr sh -c 'stream-filter --dedupe .id \
	    --within 10s --state st true b >/dev/full'
	[ "$status" -eq 74 ]
	[[ "$stderr" == *"No space left on device"* ]]
	cmp st st.before
	[ ! -e st.tmp ]
	# The retry, with somewhere to write, carries on from the snapshot.
	stream-filter --dedupe .id --within 10s --state st true b >>out
	records 20 | cmp - out
}

@test "--metrics FILE.tmp planted as a symlink is not followed" {
	echo keep >target
	ln -s target m.prom.tmp
	records 3 | stream-filter --metrics m.prom true >/dev/null
	echo keep | cmp - target
	grep -q '^streamkit_records_in_total{tool="stream-filter"} 3$' m.prom
	[ ! -L m.prom ]
}

# stopped PID: PID has exited (polled for at most 10 s).
stopped() {
	! kill -0 "$1" 2>/dev/null
}

@test "SIGTERM on a quiet pipe, without --state or --stats: a clean stop, at once" {
	mkfifo in
	stream-filter true <in >out &
	pid=$!
	exec 6>in
	records 3 >&6
	wait_for test -s out
	kill -TERM "$pid"
	wait_for stopped "$pid"
	run wait "$pid"
	pid=
	[ "$status" -eq 0 ]
	records 3 | cmp - out
}

@test "SIGINT on a quiet pipe with --state: final checkpoint, exit 0" {
	mkfifo in
	stream-filter --dedupe .id --within 1s --state st true <in >out &
	pid=$!
	exec 6>in
	records 5 >&6
	wait_for has_lines out 5
	kill -INT "$pid"
	wait_for stopped "$pid"
	run wait "$pid"
	pid=
	[ "$status" -eq 0 ]
	[ "$(counter st in)" -eq 5 ]
}

@test "SIGTERM with a stalled downstream: exit 74 within the 5 s, the previous snapshot stands" {
	records 200000 >big
	mkfifo down
	# Opened for reading and writing: a reader that never reads.
	exec 7<>down
	stream-filter --dedupe .id --within 1s --state st \
	    --checkpoint-interval 1000 true big >down 2>err &
	pid=$!
	wait_for counts st in 1000
	# The pipe is full, the tool blocked in write(2) for good.
	sleep 0.5
	cp st st.before
	kill -TERM "$pid"
	run timeout 15 sh -c "while kill -0 $pid 2>/dev/null; do sleep 0.1; done"
	[ "$status" -eq 0 ]
	run wait "$pid"
	pid=
	exec 7<&-
	[ "$status" -eq 74 ]
	grep -q 'output stalled for 5 s' err
	cmp st st.before
	[ ! -e st.tmp ]
}

@test "a second SIGINT exits at once, without a checkpoint" {
	records 200000 >big
	mkfifo down
	exec 7<>down
	stream-filter --dedupe .id --within 1s --state st \
	    --checkpoint-interval 1000 true big >down 2>err &
	pid=$!
	wait_for counts st in 1000
	sleep 0.5
	cp st st.before
	kill -INT "$pid"
	sleep 0.2
	kill -INT "$pid"
	wait_for stopped "$pid"
	run wait "$pid"
	pid=
	exec 7<&-
	[ "$status" -eq 130 ]
	grep -q 'second interrupt' err
	cmp st st.before
}
