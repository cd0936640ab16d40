#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# Scale out: --shard I/N fans out, --emit partial + --merge fans back in,
# and the result equals one process over the whole input.

load helpers
bats_require_minimum_version 1.5.0

S="$BATS_TEST_DIRNAME/../examples/access.ndjson"

# ordered N ARGS...: N shards (--shard) with --emit partial, merged, as
# written: no sort.  The shards' outputs stay in $BATS_TEST_TMPDIR/pI.
ordered() {
	local n=$1 i files=()
	shift
	for ((i = 0; i < n; i++)); do
		stream-agg --shard "$i/$n" --emit partial "$@" "$S" \
		    >"$BATS_TEST_TMPDIR/p$i" || return 1
		files+=("$BATS_TEST_TMPDIR/p$i")
	done
	stream-agg --merge --no-watermarks "$@" "${files[@]}"
}

# merged N ARGS...: the same, sorted.
merged() {
	ordered "$@" | sort
}

# equal ARGS...: 1, 2 and 4 shards give what one process gives.
equal() {
	stream-agg "$@" "$S" | sort >"$BATS_TEST_TMPDIR/one"
	[ -s "$BATS_TEST_TMPDIR/one" ]
	for n in 1 2 4; do
		merged "$n" "$@" >"$BATS_TEST_TMPDIR/m$n"
		diff "$BATS_TEST_TMPDIR/one" "$BATS_TEST_TMPDIR/m$n"
	done
}

# Window bounds and keys as a set, and the exact aggregates next to them.
@test "merge: tumbling windows, exact aggregates, 1/2/4 shards" {
	equal --tumbling 10m --by .service --max-delay 30s count \
	    'sum(.bytes)' 'min(.latency_ms)' 'max(.latency_ms)' \
	    'distinct(.path)' 'first(.path)' 'last(.path)'
}

@test "merge: hopping windows and sessions, 1/2/4 shards" {
	equal --hopping 30m --slide 10m --by .region --max-delay 30s count \
	    'sum(.bytes)'
	equal --session 5m --by .user_id --max-delay 30s count 'max(.bytes)'
}

@test "merge: global aggregates, 1/2/4 shards" {
	equal --by .service count 'sum(.bytes)' 'avg(.latency_ms)' \
	    'distinct(.user_id)'
}

@test "merge: sketches within their error" {
	stream-agg --by .service 'p99(.latency_ms)' \
	    'approx_distinct(.user_id)' "$S" | sort >"$BATS_TEST_TMPDIR/one"
	merged 4 --by .service 'p99(.latency_ms)' \
	    'approx_distinct(.user_id)' >"$BATS_TEST_TMPDIR/m4"
	# DDSketch merges bucket-exact: the same answer; HLL merges by
	# register maximum: the same registers, so the same estimate.
	diff "$BATS_TEST_TMPDIR/one" "$BATS_TEST_TMPDIR/m4"
	# And the exact p99, per service, is within 1% of the sketch.
	jq -s -c 'group_by(.service)[] | {service: .[0].service,
	    p: ([.[].latency_ms] | sort | .[(length * 0.99 | ceil) - 1])}' \
	    "$S" >"$BATS_TEST_TMPDIR/exact"
	jq -n --slurpfile a "$BATS_TEST_TMPDIR/exact" \
	    --slurpfile b "$BATS_TEST_TMPDIR/m4" -e '
	    [$a[] as $x | $b[] | select(.service == $x.service) |
	     ((.p99_latency_ms - $x.p) | fabs) <= 0.01 * $x.p] | all'
}

# The last revision of every window and key, as a consumer that keeps
# the latest result sees the stream.
final_view() {
	jq -s -c 'group_by([.window_start, .window_end, .service])[] |
	    max_by(.revision // 0) | del(.late, .revision)' "$1" | sort
}

@test "merge: late data and --lateness revisions end the same as one process" {
	# The sample with some records moved 20 minutes into the past.
	jq -c 'if (.bytes % 37) == 0 then .ts |= (sub("\\.[0-9]+Z$"; "Z") |
	    fromdate - 1200 | todate) else . end' "$S" >"$BATS_TEST_TMPDIR/late"
	S="$BATS_TEST_TMPDIR/late"
	# Without allowed lateness the late records go in every run alike.
	equal --tumbling 10m --by .service --max-delay 1m count 'sum(.bytes)'
	# With it, a shard's late firing replaces its earlier partial in the
	# merge: how many revisions come out depends on when the merge reads
	# them, but each window's last revision is the one process's.
	args=(--tumbling 10m --by .service --max-delay 1m --lateness 30m count
	    'sum(.bytes)')
	stream-agg "${args[@]}" "$S" >"$BATS_TEST_TMPDIR/one"
	grep -q '"late":true' "$BATS_TEST_TMPDIR/one"
	final_view "$BATS_TEST_TMPDIR/one" >"$BATS_TEST_TMPDIR/one.f"
	for n in 1 2 4; do
		merged "$n" "${args[@]}" >"$BATS_TEST_TMPDIR/m"
		final_view "$BATS_TEST_TMPDIR/m" >"$BATS_TEST_TMPDIR/m.f"
		diff "$BATS_TEST_TMPDIR/one.f" "$BATS_TEST_TMPDIR/m.f"
	done
}

@test "merge: with --state on every shard and a restart in the middle" {
	args=(--tumbling 10m --by .service --max-delay 30s count 'sum(.bytes)')
	stream-agg "${args[@]}" "$S" | sort >"$BATS_TEST_TMPDIR/one"
	head -n 1000 "$S" >"$BATS_TEST_TMPDIR/a"
	tail -n +1001 "$S" >"$BATS_TEST_TMPDIR/b"
	for i in 0 1; do
		st="$BATS_TEST_TMPDIR/s$i.state"
		stream-agg --shard "$i/2" --emit partial "${args[@]}" \
		    --state "$st" "$BATS_TEST_TMPDIR/a" >"$BATS_TEST_TMPDIR/p$i"
		stream-agg --shard "$i/2" --emit partial "${args[@]}" \
		    --state "$st" --eof flush "$BATS_TEST_TMPDIR/b" \
		    >>"$BATS_TEST_TMPDIR/p$i"
	done
	stream-agg --merge --no-watermarks "${args[@]}" "$BATS_TEST_TMPDIR/p0" \
	    "$BATS_TEST_TMPDIR/p1" | sort >"$BATS_TEST_TMPDIR/m"
	diff "$BATS_TEST_TMPDIR/one" "$BATS_TEST_TMPDIR/m"
}

@test "merge: a slow shard holds the merge back; --idle releases it" {
	cd "$BATS_TEST_TMPDIR"
	mkfifo s0 s1
	printf '%s\n' '{"ts":"2024-11-12T10:00:01Z","k":"a"}' \
	    '{"ts":"2024-11-12T10:00:12Z","k":"a"}' >in0
	stream-agg --merge --by .k count --idle 1s s0 s1 >out 2>/dev/null &
	pid=$!
	exec 5>s0 6>s1
	# Shard 0 closes [00,10) and moves on; shard 1 says nothing.
	stream-agg --tumbling 10s --by .k --emit partial count \
	    --max-delay 0s in0 >&5
	sleep 0.3
	# Nothing fired: W is the minimum, and shard 1 has no W yet.
	[ ! -s out ]
	sleep 1.7
	# Shard 1 idle for 1 s no longer holds the merge back.
	grep -q '"window_end":"2024-11-12T10:00:10.000Z"' out
	exec 5>&- 6>&-
	wait "$pid"
}

# Partials of another version (version 1: a running mean under avg,
# Space-Saving under top) cannot give this version's answers: the merge
# stops with 78, naming the version, before it writes anything.
@test "merge: a partial of another version is refused (exit 78)" {
	cd "$BATS_TEST_TMPDIR"
	stream-agg --tumbling 10m --by .service --emit partial count \
	    'avg(.latency_ms)' "$S" >good
	grep -q '^{"@partial":{"v":3,' good || false
	sed '2s/"v":3,/"v":1,/' good >old
	run --separate-stderr stream-agg --merge --tumbling 10m --by .service \
	    count 'avg(.latency_ms)' old
	[ "$status" -eq 78 ]
	[ "$stderr" = "stream-agg: line 2: @partial of version 1: this stream-agg reads versions 2 to 3 (the shards and the merge must run the same streamkit)" ]
	[ -z "$output" ]
}

# A shard not yet upgraded writes version 2 partials, its sums of
# non-integers as Neumaier's "d" and "c": the merge reads them beside
# version 3's, d + c exactly.  0.1 + 0.2 is 0.30000000000000004 -
# 2.7755575615628914e-17 exactly; with 0.3 from the other shard the
# exact total's nearest double is 0.6 (python3: float(Fraction(0.1) +
# Fraction(0.2) + Fraction(0.3))), and 0.6 / 3 is 0.19999999999999998;
# without the "c" it would be 0.6000000000000001.
@test "merge: version 2 partials are read beside version 3" {
	cd "$BATS_TEST_TMPDIR"
	printf '{"k":"a","x":0.1}\n{"k":"a","x":0.2}\n' |
	    stream-agg --by .k --emit partial 'sum(.x)' 'avg(.x)' >p1
	printf '{"k":"a","x":0.3}\n' |
	    stream-agg --by .k --emit partial 'sum(.x)' 'avg(.x)' >p2
	grep -q '"aggs":\[{"f":\[0.30000000000000004,-2.7755575615628914e-17\]},' p1 ||
	    false
	sed -e 's/"v":3,/"v":2,/' -e 's/"f":\[\([^],]*\),\([^],]*\)\]/"d":\1,"c":\2/g' \
	    p1 >old
	grep -q '^{"@partial":{"v":2,.*"aggs":\[{"d":0.30000000000000004,"c":-2.7755575615628914e-17},{"n":2,"d":' old ||
	    false
	run stream-agg --by .k --merge 'sum(.x)' 'avg(.x)' old p2
	[ "$status" -eq 0 ]
	[ "$output" = '{"k":"a","sum_x":0.6,"avg_x":0.19999999999999998}' ]
}

@test "merge: bad partials are bad records with a reason, never a crash" {
	cd "$BATS_TEST_TMPDIR"
	stream-agg --tumbling 10m --by .service --emit partial count \
	    'p99(.latency_ms)' "$S" >good
	head -1 good | sed 's/"sig":"[0-9a-f]*"/"sig":"0000000000000000"/' >bad
	head -1 good | sed 's/"pos":\[\[/"pos":[["x",/' >>bad
	head -1 good | sed 's/"aggs":\[[0-9]*,/"aggs":[-5,/' >>bad
	head -1 good | sed 's/"key":"[0-9a-f]*"/"key":"zz"/' >>bad
	echo '{"@partial":{}}' >>bad
	echo '{"@partial":[1,2]}' >>bad
	echo '{"ts":"2024-11-12T10:00:00Z","service":"x"}' >>bad
	run stream-agg --merge --tumbling 10m --by .service count \
	    'p99(.latency_ms)' bad
	echo "$output"
	[ "$status" -eq 65 ]
	[[ "$output" == *"line 1: bad @partial: it was made with other aggregates"* ]]
	[[ "$output" == *"line 7: not a @partial record"* ]]
	[ "$(grep -c 'line [0-9]*:' <<<"$output")" -eq 7 ]
}

@test "--shard without --by, or out of range: usage errors" {
	run stream-agg --shard 0/2 count "$S"
	[ "$status" -eq 64 ]
	run stream-agg --shard 2/2 --by .service count "$S"
	[ "$status" -eq 64 ]
	run stream-window --shard 1/0 --by .service --tumbling 1m "$S"
	[ "$status" -eq 64 ]
}

@test "count windows: merged only from instances that own their keys" {
	# Without time two count windows of one key share the same (empty)
	# bounds: a merge of partials would add them together.  An instance
	# that owns its keys writes finished windows, which the merge orders.
	c=$BATS_TEST_TMPDIR/c.ndjson
	printf '{"k":"a","x":1}\n{"k":"a","x":2}\n{"k":"a","x":3}\n{"k":"a","x":4}\n{"k":"b","x":5}\n' \
	    >"$c"
	run stream-agg --count 2 --by .k --emit partial 'sum(.x)' "$c"
	[ "$status" -eq 64 ]
	[[ "$output" == *"count windows cannot be merged"* ]]
	stream-agg --shard 0/2 --count 2 --by .k --emit partial 'sum(.x)' \
	    "$c" >"$BATS_TEST_TMPDIR/p0"
	stream-agg --shard 1/2 --count 2 --by .k --emit partial 'sum(.x)' \
	    "$c" >"$BATS_TEST_TMPDIR/p1"
	run stream-agg --merge --by .k 'sum(.x)' "$BATS_TEST_TMPDIR/p0" \
	    "$BATS_TEST_TMPDIR/p1"
	[ "$status" -eq 0 ]
	[ "$output" = '{"window_start":null,"window_end":null,"k":"a","sum_x":3}
{"window_start":null,"window_end":null,"k":"a","sum_x":7}
{"window_start":null,"window_end":null,"k":"b","sum_x":5,"incomplete":true}' ]
}

@test "merge: shards that own their keys give one process's bytes, in its order" {
	for args in "--tumbling 10m --by .service --max-delay 30s" \
	    "--tumbling 5m --by .user_id" \
	    "--hopping 30m --slide 10m --by .region --max-delay 30s" \
	    "--session 5m --by .user_id --max-delay 30s" \
	    "--count 7 --by .service"; do
		# shellcheck disable=SC2086
		stream-agg $args --no-watermarks count 'sum(.bytes)' \
		    'p99(.latency_ms)' 'approx_distinct(.path)' "$S" \
		    >"$BATS_TEST_TMPDIR/one"
		[ "$(wc -l <"$BATS_TEST_TMPDIR/one")" -gt 20 ]
		for n in 1 2 4; do
			# shellcheck disable=SC2086
			ordered "$n" $args count 'sum(.bytes)' \
			    'p99(.latency_ms)' 'approx_distinct(.path)' \
			    >"$BATS_TEST_TMPDIR/m"
			if [[ $args == --count* ]]; then
				# Count windows fire as records arrive, in
				# no order of time a merge could restore.
				sort -o "$BATS_TEST_TMPDIR/one" \
				    "$BATS_TEST_TMPDIR/one"
				sort -o "$BATS_TEST_TMPDIR/m" "$BATS_TEST_TMPDIR/m"
			fi
			cmp "$BATS_TEST_TMPDIR/one" "$BATS_TEST_TMPDIR/m"
		done
	done
	# What a shard writes: its result whole, under its shard and sum.
	head -n 1 "$BATS_TEST_TMPDIR/p3" >"$BATS_TEST_TMPDIR/line"
	jq -e '."@partial" | (.shard == [3,4]) and (.sum | test("^[0-9a-f]{16}$"))
	    and (.final | has("count"))' "$BATS_TEST_TMPDIR/line"
}

@test "merge: --partition on inputs keyed by --by, and --merge -- the result of one process" {
	cd "$BATS_TEST_TMPDIR"
	args=(--tumbling 10m --by .user_id --max-delay 30s count 'sum(.bytes)')
	stream-agg "${args[@]}" "$S" >one
	# Partitions keyed by user_id, as a Kafka producer keyed by it
	# would make them (any partitioner: here the user's last digit).
	jq -c 'select(.user_id | test("[0-4]$"))' "$S" >k0
	jq -c 'select(.user_id | test("[5-9]$"))' "$S" >k1
	stream-agg "${args[@]}" --partition 0/2 --emit partial k0 >./p0
	stream-agg "${args[@]}" --partition 1/2 --emit partial k1 >./p1
	grep -q '"partition":\[1,2\]' ./p1
	stream-agg --merge "${args[@]}" ./p0 ./p1 | grep -v '^{"@watermark"' >m
	sort one >one.s
	sort m >m.s
	diff one.s m.s
	# One instance with --partition, one sending plain partials: still
	# one process's windows (the partition's keys are not told by hash).
	stream-agg "${args[@]}" --emit partial k1 >./r1
	stream-agg --merge "${args[@]}" ./p0 ./r1 | grep -v '^{"@watermark"' |
	    sort >m2.s
	diff one.s m2.s
	# Partitions not keyed by user_id: two inputs claim a window and
	# key, and the merge says so instead of writing both.
	split -n r/2 -d -a 1 "$S" h
	stream-agg "${args[@]}" --partition 0/2 --emit partial h0 >q0
	stream-agg "${args[@]}" --partition 1/2 --emit partial h1 >q1
	run stream-agg --merge "${args[@]}" --errors-output errs ./q0 ./q1
	[ "$status" -eq 65 ]
	[[ "$output" == *"inputs 1 and 2 both sent this window and key (is the input keyed by --by?)"* ]]
	# Nothing is lost: each refused result is in --errors-output.
	[ "$(grep -c . errs)" -eq "$(grep -c 'both sent' <<<"$output")" ] ||
	    [ "$(grep -c . errs)" -gt 10 ]
	# --partition is for --emit partial with a window.
	run stream-agg --partition 0/2 --by .user_id count "$S"
	[ "$status" -eq 64 ]
	run stream-agg --partition 0/2 --shard 0/2 --by .user_id \
	    --tumbling 1m --emit partial count "$S"
	[ "$status" -eq 64 ]
}

@test "merge: final results checked: sum, shard and key, any JSON layout" {
	cd "$BATS_TEST_TMPDIR"
	args=(--tumbling 10m --by .service --max-delay 30s count 'sum(.bytes)')
	stream-agg "${args[@]}" --no-watermarks "$S" | sort >one
	for i in 0 1; do
		stream-agg "${args[@]}" --shard "$i/2" --emit partial "$S" >./p$i
	done
	# Spaces in the head, keys in another order: not the fast form,
	# the same result.
	sed -e 's/^{"@partial":{/{ "@partial" : {/' \
	    -e 's/\("key":"[0-9a-f]*"\),\("shard":\[[0-9,]*\]\)/\2, \1/' \
	    ./p1 >./p1s
	grep -q '"shard":\[1,2\], "key"' ./p1s
	stream-agg --merge --no-watermarks "${args[@]}" ./p0 ./p1s | sort >m
	diff one m
	# A result rewritten (here with spaces) no longer matches its sum.
	grep '"final"' ./p1 | head -n 1 | sed 's/":/": /g' >spaced
	run stream-agg --merge "${args[@]}" spaced
	[ "$status" -eq 65 ]
	[[ "$output" == *"line 1: bad @partial: the final result does not match its sum (a damaged or rewritten line)"* ]]
	grep '"final"' ./p0 | head -n 1 >f
	cp f bad
	sed 's/"count":\([0-9]\)/"count":9\1/' f >>bad
	sed 's/"shard":\[0,2\]/"shard":[1,2]/' f >>bad
	sed 's/"shard":\[0,2\]/"shard":[0,3]/' f >>bad
	sed 's/,"sum":"[0-9a-f]*"//' f >>bad
	sed 's/"key":"[0-9a-f]*"/"key":"6e"/' f >>bad
	sed 's/"window_start":[0-9]*/"window_start":0/' f >>bad
	run stream-agg --merge "${args[@]}" bad
	echo "$output"
	[ "$status" -eq 65 ]
	[[ "$output" == *"line 2: bad @partial: the final result does not match its sum"* ]]
	[[ "$output" == *"line 3: bad @partial: its key is not one of shard 1/2"* ]]
	[[ "$output" == *"line 4: bad @partial: input 1 sent shard 0/3, another input shard 0/2"* ]]
	[[ "$output" == *"line 5: bad @partial: a final result needs its window, shard and sum"* ]]
	[[ "$output" == *"line 6: bad @partial: the final result does not match its sum"* ]]
	[[ "$output" == *"line 7: bad @partial: the final result does not match its sum"* ]]
	[ "$(grep -c 'line [0-9]*:' <<<"$output")" -eq 6 ]
	[ "$(grep -c '"final"' <<<"$output")" -eq 0 ]
	[ "$(grep -c '"count"' <<<"$output")" -eq 1 ]
	# The same shard's output twice.
	run stream-agg --merge "${args[@]}" ./p0 ./p0
	[ "$status" -eq 65 ]
	[[ "$output" == *"inputs 1 and 2 both sent shard 0/2"* ]]
}

@test "merge: --state keeps the results still waiting for W across a restart" {
	cd "$BATS_TEST_TMPDIR"
	args=(--tumbling 10m --by .service --max-delay 30s count 'sum(.bytes)')
	stream-agg "${args[@]}" --no-watermarks "$S" >one
	for i in 0 1; do
		stream-agg "${args[@]}" --shard "$i/2" --emit partial "$S" >./p$i
		n=$(wc -l <./p$i)
		head -n $((n / 2)) ./p$i >a$i
		tail -n +$((n / 2 + 1)) ./p$i >b$i
	done
	stream-agg --merge --no-watermarks "${args[@]}" --state m.state \
	    ./a0 ./a1 >m
	# Shard 0 ran ahead of shard 1: results wait in the state file.
	grep -q '"finals":\[' m.state
	grep -q '"final\|"count"' m.state
	stream-agg --merge --no-watermarks "${args[@]}" --state m.state \
	    --eof flush ./b0 ./b1 >>m
	cmp one m
}

@test "--shard: every record in exactly one shard, each bad line reported by one" {
	cd "$BATS_TEST_TMPDIR"
	{
		head -n 300 "$S"
		echo '{"ts":"2024-11-12T10:00:00Z","service":"auth"'
		echo 'not json at all'
		echo '{"ts":"2024-11-12T10:00:00Z","service":"cart","x":tru}'
		echo '{"ts":"2024-11-12T10:00:00Z","service":"q\u0075ux"}'
		echo '{"ts":"2024-11-12T10:00:00Z","geo":{"city":"x"}}'
		echo '{"service":"nots","ts":"yesterday"}'
		echo '{"service":"a","service":"catalog","ts":"2024-11-12T10:00:01Z"}'
		tail -n 300 "$S"
	} >in
	for by in .service .geo.city '.service,.region' .status .latency_ms; do
		for n in 1 3; do
			: >all
			: >errs
			for ((i = 0; i < n; i++)); do
				stream-filter --shard "$i/$n" --by "$by" \
				    --errors-output errs true in >>all 2>/dev/null ||
				    true
			done
			# Good lines: each exactly once over the shards.
			grep -v -e '^not json' -e '"auth"$' -e ':tru}$' in |
			    sort >want
			sort all >got
			diff want got
			# Bad lines: each reported by exactly one shard.
			[ "$(grep -c . errs)" -eq 3 ]
			grep -qx 'not json at all' errs
			grep -q ':tru}$' errs
		done
	done
	# A bad time is its key's shard's to report; its record goes there
	# (a window reads the time: a plain count would not).
	: >errs
	for i in 0 1 2; do
		stream-agg --shard "$i/3" --by .service --errors-output errs \
		    --tumbling 1h count in >/dev/null 2>&1 || true
	done
	[ "$(grep -c . errs)" -eq 4 ]
	grep -q '"yesterday"' errs
}

@test "--kafka-key M: KEY<TAB>partial, each mark once per partition, from --instance I/N" {
	cd "$BATS_TEST_TMPDIR"
	stream-agg --tumbling 10m --by .service --max-delay 30s count \
	    --emit partial --kafka-key 3 --instance 1/4 "$S" >out
	# Every line has a key and a TAB; the partials' keys are their hex.
	[ "$(grep -vc '	' out)" -eq 0 ]
	grep '@partial' out | awk -F'\t' '{ print $1 }' >keys
	grep '@partial' out | cut -f2 | jq -r '."@partial" |
	    [.key, (.from | tostring)] | @tsv' >inner
	paste keys inner | awk -F'\t' '$1 != $2 || $3 != "[1,4]"' |
	    wc -l | grep -qx 0
	# "auth": s, 4 bytes of length, the bytes.
	grep -q '^730000000461757468	{"@partial"' out
	# Marks: three copies each, keyed to partitions 0, 1 and 2 of 3
	# (CRC-32 of "@wm1", "@wm9", "@wm0" modulo 3, as librdkafka's
	# default partitioner picks them), each naming the instance.
	grep -v '@partial' out >marks
	[ -s marks ]
	[ "$(cut -f1 marks | sort | uniq -c | awk '{ print $1, $2 }' |
	    sort -k2 | tr '\n' ' ')" = "$(
	    n=$(($(wc -l <marks) / 3)); echo "$n @wm0 $n @wm1 $n @wm9 ")" ]
	cut -f2 marks | jq -e -s 'all(keys == ["@from", "@watermark"] and
	    ."@from" == [1, 4])'
	# The marks go out in threes, one per partition, in the same order.
	cut -f1 marks | paste - - - | sort -u | grep -qx '@wm1	@wm9	@wm0'
}

@test "--kafka-key, --instance, --instances, --merge --partition: usage errors" {
	run stream-agg --tumbling 1m --by .service --kafka-key 2 count "$S"
	[ "$status" -eq 64 ]
	[[ "$output" == *"--emit partial without --merge"* ]]
	run stream-agg --tumbling 1m --kafka-key 2 --emit partial count "$S"
	[ "$status" -eq 64 ]
	[[ "$output" == *"--kafka-key needs --by"* ]]
	run stream-agg --tumbling 1m --by .service --kafka-key 0 \
	    --emit partial count "$S"
	[ "$status" -eq 64 ]
	run stream-agg --tumbling 1m --by .service --instance 4/4 \
	    --emit partial count "$S"
	[ "$status" -eq 64 ]
	run stream-agg --merge --instances 2 --by .service count "$S"
	[ "$status" -eq 64 ]
	[[ "$output" == *"--instances is for --merge --kcat"* ]]
	run stream-agg --merge --kcat --by .service count </dev/null
	[ "$status" -eq 64 ]
	[[ "$output" == *"--partitions N"*"or --instances N"* ]]
	# --merge --partition needs --by, like every --partition.
	run stream-agg --merge --partition 0/2 count "$S"
	[ "$status" -eq 64 ]
}

@test "merge --partition I/M: another merge's key is a bad record" {
	cd "$BATS_TEST_TMPDIR"
	for i in 0 1; do
		stream-agg --shard "$i/2" --tumbling 10m --by .service \
		    --max-delay 30s count --emit partial "$S" >"part$i"
	done
	stream-agg --tumbling 10m --by .service --max-delay 30s count \
	    --no-watermarks "$S" | sort >one
	: >merged
	for m in 0 1 2; do
		run stream-agg --merge --partition "$m/3" --no-watermarks \
		    --tumbling 10m --by .service count part0 part1
		# The others' keys refused, their own merged.
		[ "$status" -eq 65 ]
		[[ "$output" == *"its key is merge "*", not this one's ($m/3)"* ]]
		grep -v '^stream-agg' <<<"$output" >>merged || true
	done
	sort merged | diff one -
}
