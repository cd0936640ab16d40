#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# The recipes in examples/ run as documented.

load helpers

EX="$BATS_TEST_DIRNAME/../examples"

# Every window of one run over the whole sample, sorted.
whole() {
	stream-agg --tumbling 1h --by .service count 'avg(.latency_ms)' \
	    'p99(.latency_ms) as p99' --max-delay 1m "$EX/access.ndjson" |
	    sort
}

@test "demo: runs and prints windows" {
	run sh "$EX/demo.sh" "$SK_BIN"
	[ "$status" -eq 0 ]
	[[ "$output" == *'"window_start":"2024-11-12T10:00:00.000Z"'* ]]
	[[ "$output" == *'"region":'* ]]
}

@test "hourly cron over rotated logs: windows spanning runs count once" {
	logs="$BATS_TEST_TMPDIR/logs" st="$BATS_TEST_TMPDIR/st"
	mkdir -p "$logs"
	split -l 700 -d -a 1 "$EX/access.ndjson" "$BATS_TEST_TMPDIR/part"
	i=0
	for p in "$BATS_TEST_TMPDIR"/part*; do
		mv "$p" "$logs/access.log-202411121$i"
		sh "$EX/hourly-rollup.sh" "$logs" "$st"
		i=$((i + 1))
	done
	# A run with nothing new does nothing.
	sh "$EX/hourly-rollup.sh" "$logs" "$st"
	# Close what is still open, as the last run of the day would.
	stream-agg --tumbling 1h --by .service count 'avg(.latency_ms)' \
	    'p99(.latency_ms) as p99' --max-delay 1m --state "$st/hourly.state" \
	    --eof flush </dev/null >>"$st/hourly.ndjson"
	sort "$st/hourly.ndjson" >"$BATS_TEST_TMPDIR/runs"
	whole >"$BATS_TEST_TMPDIR/one"
	diff "$BATS_TEST_TMPDIR/one" "$BATS_TEST_TMPDIR/runs"
	[ "$(wc -l <"$st/hourly.done")" -eq 3 ]
}

# The service's pipeline, with kcat replaced by a FIFO we control.
service_cmd() {
	sed -n '/^ExecStart=/,/slo.ndjson/p' "$EX/stream-slo.service" |
	    sed -e 's/^ExecStart=//' -e 's/\\$//' | tr -d '\n' |
	    sed -e "s/^\/bin\/sh -c '//" -e "s/'$//" \
	        -e 's/kcat [^|]*|/cat "$INPUT" |/' \
	        -e 's/--kcat //'
}

@test "systemd service: SIGTERM checkpoints and exits 0; restart resumes" {
	cmd=$(service_cmd)
	[[ "$cmd" == *'stream-agg'* ]]
	export STATE_DIRECTORY="$BATS_TEST_TMPDIR/state"
	mkdir -p "$STATE_DIRECTORY"
	export INPUT="$BATS_TEST_TMPDIR/fifo"
	mkfifo "$INPUT"
	sh -c "$cmd" &
	pid=$!
	exec 8>"$INPUT"
	agg=$(child_pid "$pid" stream-agg)
	head -n 1000 "$EX/access.ndjson" >&8
	sleep 1
	# systemctl stop: SIGTERM to the service's processes.
	kill -TERM "$agg"
	# It stops on the signal, its input still open.
	for _ in $(seq 50); do
		kill -0 "$agg" 2>/dev/null || break
		sleep 0.1
	done
	run kill -0 "$agg"
	[ "$status" -ne 0 ]
	exec 8>&-
	wait "$pid" && rc=0 || rc=$?
	[ "$rc" -eq 0 ]
	head -c 16 "$STATE_DIRECTORY/agg.state" | grep -q '^streamkit-state'
	grep -q 'streamkit_records_in_total{tool="stream-agg"}' \
	    "$STATE_DIRECTORY/agg.prom"
	# Restart: the rest of the stream, then close everything.
	rm -f "$INPUT"
	tail -n +1001 "$EX/access.ndjson" >"$INPUT"
	sh -c "$cmd"
	stream-agg --max-delay 5s --idle 30s --tumbling 1m --by .service count \
	    'p99(.latency_ms) as p99' --state "$STATE_DIRECTORY/agg.state" \
	    --eof flush </dev/null >>"$STATE_DIRECTORY/slo.ndjson"
	sort "$STATE_DIRECTORY/slo.ndjson" >"$BATS_TEST_TMPDIR/runs"
	stream-agg --max-delay 5s --tumbling 1m --by .service count \
	    'p99(.latency_ms) as p99' "$EX/access.ndjson" | sort \
	    >"$BATS_TEST_TMPDIR/one"
	diff "$BATS_TEST_TMPDIR/one" "$BATS_TEST_TMPDIR/runs"
}

@test "kafka-errors.sh: the pipeline runs on envelopes" {
	# kcat stand-in: envelopes of the sample, as kcat -C -J prints them.
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	cat >"$BATS_TEST_TMPDIR/bin/kcat" <<-'KC'
	#!/bin/sh
	jq -c '{topic:"access",partition:0,offset:(input_line_number),
	    tstype:"create",ts:0,broker:0,key:null,payload:tojson}' \
	    "$EXAMPLES/access.ndjson"
	KC
	chmod +x "$BATS_TEST_TMPDIR/bin/kcat"
	cd "$BATS_TEST_TMPDIR"
	EXAMPLES="$EX" PATH="$BATS_TEST_TMPDIR/bin:$PATH" \
	    sh "$EX/kafka-errors.sh" localhost:9092 access >out 2>err
	stream-filter '.status >= 500 or .latency_ms > 800' \
	    "$EX/access.ndjson" | stream-agg --tumbling 1m --by .service \
	    count 'p99(.latency_ms)' --max-delay 5s >want
	[ -s out ]
	diff <(sort want) <(sort out)
}

@test "stream-agg@.service: instances per partition merge to one result" {
	cmd=$(sed -n '/^ExecStart=/,/-t "$OUT" -p %i/p' "$EX/stream-agg@.service" |
	    sed -e 's/^ExecStart=//' -e 's/\\$//' | tr -d '\n' |
	    sed -e "s/^\/bin\/sh -c '//" -e "s/'$//")
	[[ "$cmd" == *'--emit partial'* ]]
	# kcat stand-ins: -C prints partition %i's envelopes, -P appends.
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	cat >"$BATS_TEST_TMPDIR/bin/kcat" <<-'KC'
	#!/bin/sh
	case " $* " in
	*" -P "*) cat >>"$SPOOL" ;;
	*) p=$(printf '%s\n' "$@" | sed -n '/^-p$/{n;p;}')
	   jq -c --argjson p "$p" 'select(input_line_number % 2 == $p) |
	       {topic:"access",partition:$p,offset:input_line_number,
	        tstype:"create",ts:0,broker:0,key:null,payload:tojson}' \
	       "$EXAMPLES/access.ndjson" ;;
	esac
	KC
	chmod +x "$BATS_TEST_TMPDIR/bin/kcat"
	for i in 0 1; do
		mkdir -p "$BATS_TEST_TMPDIR/st$i"
		EXAMPLES="$EX" SPOOL="$BATS_TEST_TMPDIR/partials$i" \
		    STATE_DIRECTORY="$BATS_TEST_TMPDIR/st$i" \
		    PATH="$BATS_TEST_TMPDIR/bin:$PATH" \
		    sh -c "$(printf '%s' "$cmd" | sed "s/%i/$i/g")"
	done
	# The state keeps what is still open: flush it as a last run would.
	for i in 0 1; do
		stream-agg --max-delay 5s --tumbling 1m --by .service count \
		    'p99(.latency_ms)' --emit partial --kcat --eof flush \
		    --state "$BATS_TEST_TMPDIR/st$i/agg.state" </dev/null \
		    >>"$BATS_TEST_TMPDIR/partials$i"
	done
	stream-agg --merge --no-watermarks --by .service count \
	    'p99(.latency_ms)' "$BATS_TEST_TMPDIR"/partials[01] | sort \
	    >"$BATS_TEST_TMPDIR/merged"
	stream-agg --max-delay 5s --tumbling 1m --by .service count \
	    'p99(.latency_ms)' "$EX/access.ndjson" | sort >"$BATS_TEST_TMPDIR/one"
	diff "$BATS_TEST_TMPDIR/one" "$BATS_TEST_TMPDIR/merged"
}
