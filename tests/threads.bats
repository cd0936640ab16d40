#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# -j N (SPEC 10): decoding on N threads, semantics in input order, so
# that stdout, stderr, the exit status and the side files are byte for
# byte those of -j 1, whatever N, the block size and the input (a file or
# a pipe).  STREAMKIT_BLOCK_SIZE makes blocks small, so a small corpus
# spans hundreds of them.

load helpers
bats_require_minimum_version 1.5.0

# corpus [MARKS]: 3000 events with disorder (most 0-3 s behind the
# newest, every 500th 100 s behind), and among them invalid JSON, blank
# and white lines, CRLF endings, lines that are not objects, unreadable
# times, escapes, lines over --max-line-bytes 400 and, with MARKS, an
# in-band watermark every 150 lines; the last line has no newline.
corpus() {
	awk -v marks="${1:-0}" 'BEGIN {
		for (i = 1; i <= 3000; i++) {
			t = 1731405600000 + i * 100 - (i * 7919 % 3000)
			if (i % 500 == 0)
				t -= 100000
			s = sprintf("{\"ts\":%.0f,\"service\":\"s%d\",\"status\":%d," \
			    "\"latency\":%d,\"user\":\"u%d\",\"msg\":\"m\\\"%d\"}",
			    t, i % 5, i % 23 == 0 ? 503 : 200, (i * 37) % 1000,
			    i % 97, i)
			if (i % 37 == 0)
				s = "{\"ts\":" t ",\"service\":"
			else if (i % 71 == 0)
				s = "[1,2,3]"
			else if (i % 89 == 0)
				s = "{\"ts\":\"yesterday\",\"service\":\"s1\"}"
			else if (i % 211 == 0)
				s = substr(s, 1, length(s) - 1) ",\"pad\":\"" \
				    sprintf("%500s", "") "\"}"
			if (i % 41 == 0)
				s = s "\r"
			if (i % 53 == 0)
				print ""
			if (i % 59 == 0)
				print "  \t"
			if (marks && i % 150 == 0)
				printf "{\"@watermark\":%.0f}\n", t - 5000
			if (i == 3000)
				printf "%s", s
			else
				print s
		}
	}'
}

# one DIR J BLOCK FROM TOOL ARGS...: run the tool in DIR (created) with
# -j J, blocks of BLOCK bytes (empty: the default), input from the
# file in (FROM=file), stdin redirected from it (FROM=stdin) or a pipe
# (FROM=pipe); keeps stdout, stderr, the
# status and the side files err.ndjson and late.ndjson.
one() {
	local dir=$1 j=$2 block=$3 from=$4
	shift 4
	mkdir -p "$dir"
	(
		cd "$dir" || exit 99
		rc=0
		if [ "$from" = file ]; then
			STREAMKIT_BLOCK_SIZE=$block "$@" -j "$j" \
			    "$BATS_TEST_TMPDIR/in" >out 2>err || rc=$?
		elif [ "$from" = stdin ]; then
			# Redirected from a file: read by offsets, as a file.
			STREAMKIT_BLOCK_SIZE=$block "$@" -j "$j" \
			    <"$BATS_TEST_TMPDIR/in" >out 2>err || rc=$?
		else
			cat "$BATS_TEST_TMPDIR/in" | STREAMKIT_BLOCK_SIZE=$block \
			    "$@" -j "$j" >out 2>err || rc=$?
		fi
		echo "$rc" >status
	)
}

# same TOOL ARGS...: -j 1 writes records (SAME_EMPTY=1: may write none,
# for a run judged by its status and stderr) and exits 0 or 65 (the
# corpus's bad lines); then -j 2 and -j 4, with blocks of 1 byte, 97 bytes and
# the default, give what -j 1 gives, from the file, from stdin redirected
# from it and from a pipe (a message names the file when a tool reads
# more than one).  SAME_FROM limits the inputs: an interval join reads its
# two inputs as they come, so beside a pipe their interleaving (and the
# order of their bad lines) is the kernel's, at any -j.
same() {
	local ref d j b from
	rm -rf "$BATS_TEST_TMPDIR"/run.* "$BATS_TEST_TMPDIR"/ref.*
	for from in ${SAME_FROM:-file stdin pipe}; do
		ref="$BATS_TEST_TMPDIR/ref.$from"
		one "$ref" 1 "" "$from" "$@"
		# A usage error or a crash at -j 1 would be "the same" at
		# every -j: the reference must be a run that wrote records.
		[ -s "$ref/out" ] || [ "${SAME_EMPTY:-0}" = 1 ] || {
			echo "nothing to compare (no stdout at -j 1): $*"
			return 1
		}
		case $(cat "$ref/status") in
		0 | 65) ;;
		*)	echo "-j 1 exited $(cat "$ref/status"): $*"
			cat "$ref/err"
			return 1 ;;
		esac
	done
	for j in 2 4; do
		for b in 1 97 ""; do
			for from in ${SAME_FROM:-file stdin pipe}; do
				ref="$BATS_TEST_TMPDIR/ref.$from"
				d="$BATS_TEST_TMPDIR/run.$j.$b.$from"
				one "$d" "$j" "$b" "$from" "$@"
				diff -r "$ref" "$d" || {
					echo "differs: -j $j, block '$b', $from: $*"
					return 1
				}
			done
		done
	done
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	corpus >in
}

@test "threads: the corpus holds what the tests are about" {
	# Independently of -j: the lines the awk script wrote.
	[ "$(grep -c $'\r$' in)" -eq 73 ]
	[ "$(grep -c $'^[ \t]*$' in)" -eq 106 ]
	[ "$(tail -c 1 in | od -An -c | tr -d ' ')" = '}' ]
	run stream-filter -j 2 --max-line-bytes 400 true in
	[ "$status" -eq 65 ]
}

@test "threads: stream-filter passes the matches, -j 2 as jq does" {
	printf '{"a":%d}\n' $(seq 1 20000) >big
	STREAMKIT_BLOCK_SIZE=1000 stream-filter -j 2 '.a % 7 == 3' big >out
	jq -c 'select(.a % 7 == 3)' big >want
	cmp out want
	[ "$(wc -l <out)" -eq 2857 ]
}

@test "threads: stream-agg aggregating per block: decimal sums, equal values spelt two ways" {
	# 4000 records, 7 keys: decimals of 1 to 3 places, and 5 beside 5.0
	# (min and max print the integer whichever came first).
	awk 'BEGIN {
		for (i = 1; i <= 4000; i++) {
			x = i % 5 == 0 ? "5" : i % 5 == 1 ? "5.0" : \
			    sprintf("%d.%0" (1 + i % 3) "d", i % 997, i * 7919 % 1000)
			printf "{\"ts\":%d,\"s\":\"s%d\",\"x\":%s}\n", \
			    1731405600000 + i * 50, i % 7, x
		}
	}' >in
	same stream-agg --by .s count 'sum(.x)' 'avg(.x)' 'min(.x)' \
	    'max(.x)' 'p90(.x)' 'approx_distinct(.x)'
	same stream-agg --tumbling 10s --by .s 'avg(.x)' 'sum(.x)' 'min(.x)'
	same stream-agg --emit partial --by .s 'avg(.x)' 'max(.x)'
	same stream-agg --emit partial --tumbling 10s --by .s 'sum(.x)' \
	    'distinct(.x)'
}

@test "threads: a file read by offsets: oversize lines go out whole, CRs as -j 1" {
	# A file is read in ranges of 64 bytes at least: lines of 200 bytes
	# are over --max-line-bytes 100 and span several ranges.  Oversize
	# lines go to --errors-output without the \r of their ending (one
	# inside stays); the last line, oversize, has no newline.
	x=$(head -c 190 /dev/zero | tr '\0' x)
	printf '{"a":1}\n{"a":"%s"}\r\n{"a":2}\r\n' "$x" >f
	printf '{"a":"01\r%s"}\n\n  \n{"a":3}\n{"a":"%s"}\r' "$x" "$x" >>f
	printf '{"a":1}\n{"a":2}\n{"a":3}\n' >want
	printf '{"a":"%s"}\n{"a":"01\r%s"}\n' "$x" "$x" >want.err
	printf '{"a":"%s"}\n' "$x" >>want.err
	for j in 1 2 3; do
		for b in 1 70 101 4096; do
			rc=0
			rm -f err	# --errors-output appends
			STREAMKIT_BLOCK_SIZE=$b stream-filter -j $j \
			    --max-line-bytes 100 --errors-output err true f \
			    >out 2>msg || rc=$?
			[ "$rc" -eq 65 ] || { echo "-j $j block $b: $rc"; false; }
			cmp out want
			cmp err want.err
			grep -q '^stream-filter: line 2: ' msg || { cat msg; false; }
			grep -q '^stream-filter: line 4: ' msg || { cat msg; false; }
			grep -q '^stream-filter: line 8: ' msg || { cat msg; false; }
		done
	done
}

@test "threads: a file read by offsets: a CR where an oversize line is read in pieces" {
	# Oversize lines are copied out 16384 bytes at a time: a CR that is
	# a piece's last byte is content when bytes follow it, the ending's
	# when the newline does (then dropped, as -j 1 drops it).
	x=$(head -c 16377 /dev/zero | tr '\0' x)
	printf '{"a":"%s\ryy"}\n{"a":1}\n{"a":"%s\r\n{"a":2}\n' "$x" "$x" >f
	printf '{"a":1}\n{"a":2}\n' >want
	printf '{"a":"%s\ryy"}\n{"a":"%s\n' "$x" "$x" >want.err
	[ "$(head -c 16384 f | tail -c 1 | od -An -c | tr -d ' ')" = '\r' ]
	for j in 1 2; do
		rm -f err
		rc=0
		STREAMKIT_BLOCK_SIZE=4096 stream-filter -j $j \
		    --max-line-bytes 100 --errors-output err true f >out \
		    2>/dev/null || rc=$?
		[ "$rc" -eq 65 ]
		cmp out want
		cmp err want.err
	done
}

@test "threads: bad lines keep their absolute line numbers and order" {
	printf '{"a":1}\n{"a":\n\n{"a":3}\r\nnope\n{"a":5}\n' >small
	rc=0
	STREAMKIT_BLOCK_SIZE=1 stream-filter -j 3 --errors-output bad.ndjson \
	    true small >out 2>err || rc=$?
	[ "$rc" -eq 65 ]
	[ "$(cat out)" = $'{"a":1}\n{"a":3}\n{"a":5}' ]
	[ "$(sed -n 1p err | cut -d: -f1-2)" = 'stream-filter: line 2' ]
	[ "$(sed -n 2p err | cut -d: -f1-2)" = 'stream-filter: line 5' ]
	[ "$(cat bad.ndjson)" = $'{"a":\nnope' ]
}

@test "threads: stream-filter, every -j, file and pipe" {
	same stream-filter '.status >= 500'
	same stream-filter --max-line-bytes 400 --errors-output err.ndjson \
	    '.status == 503 or .msg =~ "7\""'
	same stream-filter -v --max-line-bytes 400 '.service == "s1"'
	same stream-filter -c '.latency > 500'
	same stream-filter --keep .ts,.user '.latency < 100'
	same stream-filter --errors-output err.ndjson \
	    '@time > "2024-11-12T10:02:00Z"'
	same stream-filter --dedupe .user --within 3s --max-delay 2s \
	    --late-output late.ndjson --errors-output err.ndjson true
	same stream-filter --sample 0.3 --by .user true
	same stream-filter --strict true
}

@test "threads: stream-filter's EXPR and projection on the workers" {
	# Regexes (match data per thread), string temporaries, @time, a
	# projection of each match, --sample's hash: all made on the
	# decode threads, taken in order.
	same stream-filter --max-line-bytes 400 --errors-output err.ndjson \
	    '.msg =~ "^m\"[0-9]*7$" or .user !~ "u[1-4]" and .status == 503'
	same stream-filter '.service + "/" + .user == "s1/u1" or .msg =~ "9"'
	same stream-filter --drop .msg,.latency '.user =~ "(?i)U1"'
	same stream-filter -v --keep .user,.ts,.nope \
	    '.msg =~ "3" and @time < "2024-11-12T10:03:00Z"'
	same stream-filter --sample 0.5 --drop .ts '.service =~ "s[12]"'
	same stream-filter -c --keep .user '.latency > 200'
	SAME_EMPTY=1 same stream-filter --exit-status '.msg =~ "2999"'
}

@test "threads: a regex that fails on some records, -j 2 as -j 1" {
	# The match limit ends a catastrophic pattern on the long records
	# only: those are bad records, each reported once at its line.
	for i in $(seq 1 400); do
		if [ $((i % 50)) -eq 0 ]; then
			printf '{"i":%d,"s":"%s!"}\n' "$i" \
			    "$(printf 'a%.0s' $(seq 30))"
		else
			printf '{"i":%d,"s":"ab"}\n' "$i"
		fi
	done >in
	rc=0
	stream-filter -j 1 '.s =~ "^(a+)+$" or .i % 3 == 0' in >out.1 \
	    2>err.1 || rc=$?
	[ "$rc" -eq 65 ]
	[ "$(grep -c 'line [1-4]*[05]0: regex: match limit' err.1)" -eq 8 ]
	# i a multiple of 3 but not of 50: 133 - 2
	[ "$(wc -l <out.1)" -eq 131 ]
	same stream-filter '.s =~ "^(a+)+$" or .i % 3 == 0'
	same stream-filter --errors-output err.ndjson \
	    '.i % 3 == 0 or .s =~ "^(a+)+$"'
	SAME_EMPTY=1 same stream-filter --sample 0.5 '.s =~ "^(a+)+$"'
}

@test "threads: stream-watermark, every -j, with and without marks" {
	same stream-watermark --max-delay 2s --late-output late.ndjson \
	    --errors-output err.ndjson
	same stream-watermark --max-delay 1s --sort --annotate at
	corpus 1 >in
	same stream-watermark --errors-output err.ndjson --late-output late.ndjson
}

@test "threads: stream-window, every -j" {
	same stream-window --tumbling 10s --by .service --max-delay 2s \
	    --late-output late.ndjson --errors-output err.ndjson
	same stream-window --session 1s --by .user
	same stream-window --count 7 --by .service
	corpus 1 >in
	same stream-window --hopping 20s --slide 5s --lateness 3s \
	    --late-output late.ndjson
}

@test "threads: stream-agg, every -j, windowed and not" {
	same stream-agg --by .service count 'sum(.latency)' 'p99(.latency)' \
	    'top(.user, 3)' --errors-output err.ndjson
	same stream-agg --tumbling 1m --by .service count 'avg(.latency)' \
	    --max-delay 2s --late-output late.ndjson
	same stream-agg --tumbling 30s count 'first(.user)' 'last(.user)'
	same stream-agg --emit updates --by .status count
	# No watermark source: the decode threads aggregate the panes.
	same stream-agg --tumbling 1m --by .service count 'sum(.latency)' \
	    'p50(.latency)' --errors-output err.ndjson
	same stream-agg --hopping 2m --slide 30s --by .service count \
	    'max(.latency)' --late-output late.ndjson
	corpus 1 >in
	# In-band marks: panes merged in until the first, then one by one.
	same stream-agg --tumbling 20s --by .service count --lateness 5s \
	    --late-output late.ndjson --errors-output err.ndjson
	same stream-agg --hopping 40s --slide 10s --by .service count \
	    'min(.latency)' --late-output late.ndjson
}

# keys: 2000 events whose .k is of every kind the canonical key tells
# apart or not (1, 1.0 and 1e0 are one key; "\u00e9" and "é" are one;
# null and missing are one), nested, with bad lines and bad times.
keys() {
	awk 'BEGIN {
		split("1|1.0|1e0|2|\"a\"|\"\\u00e9\"|\"é\"|null|true|[1,2]|{\"x\":1}|-0|\"\"", k, "|")
		for (i = 1; i <= 2000; i++) {
			t = 1731405600000 + i * 50 - (i * 7919 % 1500)
			j = i % 14 + 1
			s = sprintf("{\"ts\":%.0f,\"n\":{\"v\":%d},\"u\":\"u%d\"", \
			    t, i % 7, i % 13)
			if (j <= 13)
				s = s ",\"k\":" k[j]
			s = s "}"
			if (i % 97 == 0)
				s = "{\"ts\":\"later\",\"k\":1}"
			if (i % 101 == 0)
				s = "{\"k\":"
			if (i % 43 == 0)
				s = s "\r"
			print s
		}
	}'
}

@test "threads: --by keys made on the workers: every kind of value" {
	keys >in
	# What the corpus is about, without -j: 1, 1.0 and 1e0 are one group.
	run stream-agg -j 1 --by .k count in
	[ "$(echo "$output" | grep -c '"k":1,')" -eq 1 ]
	same stream-agg --by .k count 'sum(.n.v)' 'distinct(.u)' \
	    --errors-output err.ndjson
	# Quantile bins worked out on the workers: numbers, strings, null.
	same stream-agg --by .u 'p99(.k)' 'quantile(.n.v, 0.3)' 'p50(.ts)'
	same stream-agg --tumbling 5s --by .u 'p90(.n.v)' 'p10(.k)' count \
	    --max-delay 1s
	same stream-agg --by .k,.n.v,.u count --emit updates
	same stream-agg --tumbling 10s --by .k,.n count 'max(.n.v)' \
	    --max-delay 1s --late-output late.ndjson
	same stream-window --tumbling 5s --by .k --max-delay 500ms \
	    --late-output late.ndjson --errors-output err.ndjson
	same stream-window --count 5 --by .k,.u
	same stream-window --hopping 4s --slide 1s --by .n --emit assign
	same stream-agg --count 3 --by .k 'first(.u)' 'last(.u)'
	same stream-agg --session 300ms --by .u count --max-delay 1s
}

@test "threads: stream-join, every -j" {
	for i in $(seq 0 96); do
		printf '{"user":"u%d","plan":"p%d","ts":1731405600000}\n' \
		    "$i" $((i % 3))
	done >"$BATS_TEST_TMPDIR/dims"
	same stream-join --table --right "$BATS_TEST_TMPDIR/dims" --on .user
	SAME_FROM="file stdin" same stream-join \
	    --right "$BATS_TEST_TMPDIR/dims" --on .user \
	    --within 1h --type left
}

@test "threads: stream-join, both sides decoded on the workers" {
	# A right side with bad lines, CRLF, blank lines, null and missing
	# keys; the corpus on both sides of the interval and as-of joins
	# (each line its own partner, disorder, bad lines on both sides).
	for i in $(seq 0 120); do
		case $((i % 11)) in
		3) printf '{"user":null,"plan":"p%d"}\n' "$i" ;;
		5) printf '{"user":"u%d","plan":\n' "$i" ;;
		7) printf '\n{"plan":"nokey"}\r\n' ;;
		*) printf '{"user":"u%d","plan":"p%d","ts":1731405600000}\n' \
		    "$i" $((i % 3)) ;;
		esac
	done >"$BATS_TEST_TMPDIR/dims"
	same stream-join --table --right "$BATS_TEST_TMPDIR/dims" --on .user \
	    --type left --max-line-bytes 400 --errors-output err.ndjson
	same stream-join --table --right "$BATS_TEST_TMPDIR/dims" \
	    --on .user=.user --nest
	cp in "$BATS_TEST_TMPDIR/right"
	SAME_FROM="file stdin" same stream-join \
	    --right "$BATS_TEST_TMPDIR/right" --on .user \
	    --within 500ms --type full --max-line-bytes 400 \
	    --errors-output err.ndjson --prefix-right r_
	SAME_FROM="file stdin" same stream-join \
	    --right "$BATS_TEST_TMPDIR/right" --on .service \
	    --as-of --max-line-bytes 400 --late-output late.ndjson
	# Left rows made ready on the workers: names the right has too
	# (the left's win), escaped names, strings jq -c rewrites, white
	# space, a DEL, nested objects.
	for i in $(seq 1 3000); do
		case $((i % 6)) in
		0) printf '{"user":"u%d","plan":"mine"}\n' $((i % 130)) ;;
		1) printf '{ "us\\u0065r" : "u%d" , "p\\u006can":1 }\n' \
		    $((i % 130)) ;;
		2) printf '{"user":"u%d","s":"\\/\\u00e9\x7f","n":{"plan":2}}\n' \
		    $((i % 130)) ;;
		3) printf '{"user":"u%d","r_plan":"x"}\r\n' $((i % 130)) ;;
		4) printf '{"user":"u%d",\n' "$i" ;;
		*) printf '\t{"user":"u%d","ts":%d}\n' $((i % 130)) "$i" ;;
		esac
	done >in
	same stream-join --table --right "$BATS_TEST_TMPDIR/dims" --on .user \
	    --type left --errors-output err.ndjson
	same stream-join --table --right "$BATS_TEST_TMPDIR/dims" --on .user \
	    --prefix-right r_
	same stream-join --table --right "$BATS_TEST_TMPDIR/dims" --on .user \
	    --nest --type left
}

@test "threads: --kcat envelopes read as with -j 1" {
	awk '{ gsub(/\\/, "&&"); gsub(/"/, "\\\"");
	    printf "{\"topic\":\"t\",\"partition\":%d,\"offset\":%d,\"tstype\":\"create\",\"ts\":%.0f,\"key\":null,\"payload\":\"%s\"}\n",
	    NR % 2, int(NR / 2), 1731405600000 + NR, $0 }' in >kc
	mv kc in
	same stream-agg --kcat --tumbling 10s count --max-delay 1s
	same stream-filter --kcat --time @kafka '.status == 503'
}

@test "threads: --state, a restart in the middle, as with -j 1" {
	head -n 1500 in >a
	tail -n +1501 in >b
	for j in 1 2 4; do
		rm -f st st.lock
		{
			STREAMKIT_BLOCK_SIZE=50 stream-agg -j "$j" --tumbling 10s \
			    --by .service count 'sum(.latency)' --max-delay 2s \
			    --state st a || true
			STREAMKIT_BLOCK_SIZE=50 stream-agg -j "$j" --tumbling 10s \
			    --by .service count 'sum(.latency)' --max-delay 2s \
			    --state st --eof flush <b || true
		} >"out.$j" 2>"err.$j"
		cp st "st.$j"
	done
	cmp out.1 out.2
	cmp out.1 out.4
	cmp err.1 err.4
	[ "$(grep -c window_start out.1)" -gt 20 ]
	rm -f st st.lock
	for j in 1 2; do
		rm -f st st.lock
		{
			stream-filter -j "$j" --dedupe .user --within 5s --max-delay 1s \
			    --state st true a || true
			stream-filter -j "$j" --dedupe .user --within 5s --max-delay 1s \
			    --state st true <b || true
		} >"fout.$j" 2>/dev/null
	done
	cmp fout.1 fout.2
}

@test "threads: -j 0 and garbage are usage errors" {
	run stream-filter -j 0 true in
	[ "$status" -eq 64 ]
	[[ "$output" == *"-j: expected auto or 1 to 64 threads"* ]]
	run stream-agg --threads x count in
	[ "$status" -eq 64 ]
	run stream-window -j 65 --tumbling 1s in
	[ "$status" -eq 64 ]
	run stream-join -j 2x --table --right in --on .user in
	[ "$status" -eq 64 ]
	run stream-watermark -j auto --max-delay 1s in
	[ "$status" -eq 65 ]
}

@test "threads: a pipe that pauses still gets its records out" {
	# The first 100 lines come out while the input is quiet: 95
	# objects (two lines are white, records 37 and 74 cut short, 71 an
	# array).
	mkfifo fifo
	STREAMKIT_BLOCK_SIZE=100000 stream-filter -j 2 true <fifo >out \
	    2>/dev/null &
	pid=$!
	exec 7>fifo
	head -n 100 in >&7
	for _ in $(seq 100); do
		[ "$(wc -l <out)" -lt 95 ] || break
		sleep 0.1
	done
	n=$(wc -l <out)
	tail -n +101 in >&7
	exec 7>&-
	wait "$pid" || true
	[ "$n" -eq 95 ]
	[ "$(wc -l <out)" -gt 2800 ]
}

@test "threads: SIGTERM on a quiet pipe: final checkpoint, exit 0" {
	# As with -j 1 (state.bats): what was read is in the snapshot, and
	# the rest of the input, read on, gives one run's result.
	S="$BATS_TEST_DIRNAME/../examples/access.ndjson"
	mkfifo fifo
	STREAMKIT_BLOCK_SIZE=4096 stream-agg -j 2 --by .service count \
	    --state st <fifo >/dev/null &
	pid=$!
	exec 7>fifo
	head -n 1200 "$S" >&7
	sleep 1
	kill -TERM "$pid"
	wait "$pid"
	exec 7>&-
	tail -n +1201 "$S" | stream-agg -j 2 --by .service count --state st \
	    --eof flush >split
	stream-agg -j 1 --by .service count "$S" >one
	diff one split
	[ "$(wc -l <one)" -gt 3 ]
}
