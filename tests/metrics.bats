#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# --metrics FILE: Prometheus text format, replaced atomically, counters
# that only go up.

load helpers

# A strict reader of the text exposition format (what node_exporter's
# textfile collector accepts): prints "name value" per sample, fails on
# anything else.
parse_prom() {
	awk '
	    function fail(m) { print "bad line " NR ": " m ": " $0 > "/dev/stderr"; bad = 1; exit 1 }
	    /^# HELP / { if ($3 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/) fail("name"); help[$3] = 1; next }
	    /^# TYPE / {
		if ($3 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/) fail("name")
		if ($4 != "counter" && $4 != "gauge") fail("type")
		if (!($3 in help)) fail("TYPE before HELP")
		type[$3] = $4; next
	    }
	    /^#/ { fail("comment") }
	    /^$/ { fail("empty line") }
	    {
		if (NF != 2) fail("fields")
		name = $1; sub(/\{.*/, "", name)
		if (!(name in type)) fail("sample without TYPE")
		if ($1 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*\{tool="stream-[a-z]+"\}$/) fail("labels")
		if ($2 !~ /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/ && $2 != "NaN") fail("value")
		if (type[name] == "counter" && $2 !~ /^[0-9]/) fail("negative counter")
		print name, $2
	    }
	    END { if (bad) exit 1 }' "$1"
}

@test "--metrics: valid exposition format, counters only go up" {
	cd "$BATS_TEST_TMPDIR"
	mkfifo in
	stream-agg --tumbling 1s --by .k count --max-delay 0s \
	    --metrics m.prom --stats=200ms <in >out 2>err &
	pid=$!
	exec 5>in
	n=0
	for round in 1 2 3 4 5 6; do
		for i in 1 2 3 4 5 6 7 8 9 10; do
			n=$((n + 1))
			printf '{"ts":%d,"k":"k%d"}\n' $((1731405600 + n)) $((i % 3)) >&5
		done
		sleep 0.35
		[ -f m.prom ] && cp m.prom "snap$round"
	done
	exec 5>&-
	wait "$pid"
	cp m.prom snap9
	ls snap* >/dev/null
	prev=""
	for s in $(ls snap* | sort -V); do
		parse_prom "$s" >"$s.txt"
		grep -q '^streamkit_records_in_total ' "$s.txt"
		grep -q '^streamkit_watermark_lag_seconds ' "$s.txt"
		if [ -n "$prev" ]; then
			# Every counter at least what it was.
			join <(grep '_total ' "$prev.txt" | sort) \
			    <(grep '_total ' "$s.txt" | sort) |
			    awk '$3 < $2 { print "went down: " $0; bad = 1 }
			    END { exit bad }'
		fi
		prev=$s
	done
	[ "$(awk '$1 == "streamkit_records_in_total" { print $2 }' snap9.txt)" -eq 60 ]
	# Written atomically: no temporary file left behind.
	[ ! -e m.prom.tmp ]
}
