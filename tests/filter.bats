#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# stream-filter: fixture cases (see each case's why), then what fixtures
# cannot express: the caret column, the bad-record message cap, sampling
# and sharding properties, early exit and SIGPIPE.

load helpers
bats_require_minimum_version 1.5.0

@test "stream-filter fixtures" {
	run_fixtures stream-filter
}

@test "stream-filter: a syntax error quotes EXPR with a caret at the offending column" {
	run stream-filter '.a == == 1' </dev/null
	[ "$status" -eq 64 ]
	# the second '==' starts at offset 6 of the expression
	exprline=$(printf '%s\n' "$output" | grep -F -m1 '.a == == 1')
	caret=$(printf '%s\n' "$output" | grep -F -A1 -m1 '.a == == 1' | sed -n 2p)
	prefix=${exprline%%.a == == 1*}
	col=$(( ${#prefix} + 6 ))
	[ "${caret:$col:1}" = "^" ]
	[ -z "$(printf '%s' "${caret:0:$col}" | tr -d ' ')" ]
}

# SPEC 5: string literals take JSON escapes, so the regex \. is "\\.";
# a bad escape gets the caret at its backslash and says how to write it.
@test "stream-filter: a bad escape in a string gets the caret at the backslash and a hint" {
	run --separate-stderr stream-filter '.x =~ "^10\.47"' <<<'{"x":"10.47.0.1"}'
	[ "$status" -eq 64 ]
	[ -z "$output" ]
	[ "${stderr%%$'\n'*}" = 'stream-filter: syntax error in EXPR: bad escape \. in string (JSON escapes: write \\. to get \.)' ]
	exprline=$(printf '%s\n' "$stderr" | grep -F -m1 '.x =~ "^10\.47"')
	caret=$(printf '%s\n' "$stderr" | grep -F -A1 -m1 '.x =~ "^10\.47"' | sed -n 2p)
	prefix=${exprline%%.x =~*}
	# the backslash is at offset 10 of the expression
	col=$(( ${#prefix} + 10 ))
	[ "${caret:$col:1}" = "^" ]
	[ -z "$(printf '%s' "${caret:0:$col}" | tr -d ' ')" ]
	# and as the hint says, it works
	run stream-filter '.x =~ "^10\\.47"' <<<'{"x":"10.47.0.1"}'
	[ "$status" -eq 0 ]
	[ "$output" = '{"x":"10.47.0.1"}' ]
}

@test "stream-filter: the first 10 bad records are reported, then a count" {
	run --separate-stderr stream-filter '.x == 1' < <(for i in $(seq 12); do echo "bad $i"; done)
	[ "$status" -eq 65 ]
	[ -z "$output" ]
	n=$(printf '%s\n' "$stderr" | grep -c '^stream-filter: line [0-9]*:')
	[ "$n" -eq 10 ]
	printf '%s\n' "$stderr" | grep -q '^stream-filter: line 10:'
	! printf '%s\n' "$stderr" | grep -q '^stream-filter: line 11:' || false
	printf '%s\n' "$stderr" | grep -v '^stream-filter: line' | grep -Eq '12|2 more'
}

@test "stream-filter --sample is deterministic, keeps a subset in order, about P" {
	cd "$BATS_TEST_TMPDIR"
	for i in $(seq 1 400); do echo "{\"id\":$i,\"k\":\"k$((i % 40))\"}"; done >in
	stream-filter --sample 0.5 'true' <in >a
	stream-filter --sample 0.5 'true' <in >b
	cmp a b
	n=$(wc -l <a)
	[ "$n" -gt 120 ]
	[ "$n" -lt 280 ]
	# a subsequence of the input: every line is an input line, ids ascend
	[ -z "$(grep -Fxvf in a)" ]
	jq -s 'map(.id) | . == sort' a | grep -qx true
}

@test "stream-filter --sample --by keeps whole keys" {
	cd "$BATS_TEST_TMPDIR"
	for i in $(seq 1 400); do echo "{\"id\":$i,\"k\":\"k$((i % 40))\"}"; done >in
	stream-filter --sample 0.5 --by .k 'true' <in >a
	[ -s a ]
	# each kept key keeps all its 10 records
	jq -rs 'group_by(.k) | map(length) | unique | .[]' a | grep -qx 10
	[ "$(jq -rs 'group_by(.k) | map(length) | unique | length' a)" -eq 1 ]
}

@test "stream-filter --shard I/N partitions the input by key" {
	cd "$BATS_TEST_TMPDIR"
	for i in $(seq 1 300); do echo "{\"id\":$i,\"k\":\"k$((i % 37))\"}"; done >in
	for s in 0 1 2; do stream-filter --by .k --shard "$s/3" 'true' <in >s$s; done
	# disjoint and complete
	[ "$(cat s0 s1 s2 | wc -l)" -eq 300 ]
	diff <(sort in) <(cat s0 s1 s2 | sort)
	# a key lives in exactly one shard
	for s in 0 1 2; do jq -r .k s$s | sort -u; done | sort | uniq -d >dups
	[ ! -s dups ]
	# each shard keeps input order
	for s in 0 1 2; do jq -s 'map(.id) | . == sort' s$s | grep -qx true; done
}

@test "stream-filter -q exits at the first match without reading to the end" {
	run timeout 5 bash -c "yes '{\"x\":1}' | stream-filter -q '.x == 1'"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "stream-filter ends quietly on SIGPIPE" {
	cd "$BATS_TEST_TMPDIR"
	timeout 5 bash -c "yes '{\"x\":1}' | stream-filter '.x == 1' 2>err | head -n 2 >out"
	[ "$(cat out)" = $'{"x":1}\n{"x":1}' ]
	[ ! -s err ]
}

@test "stream-filter --keep/--drop exist" {
	run stream-filter --keep .a 'true' </dev/null
	[ "$status" -eq 0 ]
	run stream-filter --drop .a 'true' </dev/null
	[ "$status" -eq 0 ]
}

# --keep with array indexes follows jq's pick() (jq 1.7's own definition,
# given here for the jq 1.6 that may be installed), --drop follows del();
# both outputs are normalised by jq -c so that only values and order count.
# Every kept path exists in every record: pick() writes null for a missing
# one, where --keep leaves it out (checked on its own below).
PICK='def pick(pathexps): . as $in
    | reduce path(pathexps) as $a (null; setpath($a; $in | getpath($a)));'

@test "stream-filter --keep with array indexes equals jq's pick, --drop jq's del" {
	local k
	cd "$BATS_TEST_TMPDIR"
	cat >in <<'EOF'
{"q":"a.example","answers":[{"name":"a","ttl":60,"ip":"10.0.0.1"},{"name":"b","ttl":30},{"name":"c","ttl":5}],"m":[[1,2],[3,4,5]],"n":1}
{ "q" : "b.example" , "answers" : [ {"name":"x\u00e9\"","ttl":1.50,"ip":null} , {"name":"y","ttl":2} , {"name":"z","ttl":3} , {"name":"w","ttl":4} ] , "m" : [ [ 0 ] , [ 6 , 7 ] ] , "n" : 2 }
{"answers":[{"name":"p","ttl":0},{"name":"q","ttl":-1e3},{"name":"r","ttl":[1,{"d":2}]}],"q":"c","m":[[],[8,9]],"n":3}
EOF
	for k in '.answers[0]' '.answers[1]' '.answers[2]' \
	    '.answers[2],.answers[0]' '.answers[0].name,.answers[1].ttl' \
	    '.answers[1].ttl,.q' '.q,.answers[2].name,.m[1][1]' '.m[1][0]' \
	    '.m[0],.m[1][1],.n' '.answers,.answers[1]' '.answers[1],.answers'; do
		stream-filter --keep "$k" 'true' <in | jq -c . >got
		jq -c "$PICK pick($k)" in >want
		diff -u want got || { echo "--keep $k"; false; }
	done
	for k in '.answers[0]' '.answers[1]' '.answers[2]' \
	    '.answers[0],.answers[1]' '.answers[2],.answers[0]' \
	    '.answers[0].ttl,.answers[2].name' '.m[1][0],.m[0]' \
	    '.answers[1],.answers[1].ttl' '.answers,.answers[0]' \
	    '.q,.answers[1].name,.n'; do
		stream-filter --drop "$k" 'true' <in | jq -c . >got
		jq -c "del($k)" in >want
		diff -u want got || { echo "--drop $k"; false; }
	done
	# the values are the record's own bytes, not re-encoded
	run stream-filter --keep '.answers[0].ttl,.answers[1].name' 'true' <in
	[ "${lines[1]}" = '{"answers":[{"ttl":1.50},{"name":"y"}]}' ]
	run stream-filter --drop '.answers[1],.answers[2],.answers[3],.m' 'true' <in
	[ "${lines[1]}" = '{"q":"b.example","answers":[{"name":"x\u00e9\"","ttl":1.50,"ip":null}],"n":2}' ]
}

@test "stream-filter --keep leaves out a missing index, keeps an element's place" {
	run stream-filter --keep '.a[3],.a[1],.o[0],.x[0]' 'true' \
	    <<<'{"a":[10,11],"o":{"0":1},"x":null}'
	[ "$status" -eq 0 ]
	[ "$output" = '{"a":[null,11]}' ]
	run stream-filter --keep '.a[0].z,.a[2].z' 'true' \
	    <<<'{"a":[{"y":1},{"z":2},{"z":3}]}'
	[ "$output" = '{"a":[null,null,{"z":3}]}' ]
	run stream-filter --keep '.a[5]' 'true' <<<'{"a":[1]}'
	[ "$output" = '{}' ]
	run --separate-stderr stream-filter --keep '.[0]' 'true' </dev/null
	[ "$status" -eq 64 ]
	[ "${stderr%%$'\n'*}" = "stream-filter: --keep .[0]: a record is an object: start with a key" ]
}

@test "stream-filter writes each match at once while its input blocks" {
	cd "$BATS_TEST_TMPDIR"
	mkfifo in
	stream-filter '.level == "error"' <in >out &
	pid=$!
	exec 5>in
	echo '{"level":"error","n":1}' >&5
	echo '{"level":"info","n":2}' >&5
	# The writer pauses (tail -f on a quiet log): the match is out now.
	for _ in $(seq 50); do
		[ -s out ] && break
		sleep 0.05
	done
	grep -qx '{"level":"error","n":1}' out
	echo '{"level":"error","n":3}' >&5
	exec 5>&-
	wait "$pid"
	[ "$(wc -l <out)" -eq 2 ]
}

@test "stream-filter does not write(2) per record when input streams fast" {
	command -v strace >/dev/null || skip "no strace"
	cd "$BATS_TEST_TMPDIR"
	seq 1 200000 | sed 's/.*/{"n":&,"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}/' >in
	# LeakSanitizer cannot run under ptrace.
	ASAN_OPTIONS=detect_leaks=0 strace -f -c -e trace=write -o trace \
	    stream-filter true in >out
	[ "$(wc -l <out)" -eq 200000 ]
	calls=$(awk '$NF == "write" { print $4 }' trace)
	echo "$calls writes for $(wc -c <out) bytes"
	# 64 KiB batches: about 150 writes, nowhere near 200000.
	[ "$calls" -lt 400 ]
}
