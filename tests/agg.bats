#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# stream-agg: fixture cases (see each case's why), checks against Miller,
# and the sketch's documented error bound.

load helpers
bats_require_minimum_version 1.5.0

T=2024-11-12T10:00

setup() {
	[ -x "$SK_BIN/stream-agg" ] || skip "stream-agg is not built yet"
}

@test "stream-agg fixtures" {
	run_fixtures stream-agg
}

# Same tiny data through stream-agg and mlr stats1; Miller's var/stddev
# are the sample statistics too.
@test "stream-agg count/sum/avg/min/max/var/stddev by key = mlr stats1" {
	cd "$BATS_TEST_TMPDIR"
	cat >in <<EOF
{"ts":"${T}:01Z","k":"a","x":1.5}
{"ts":"${T}:02Z","k":"b","x":10}
{"ts":"${T}:03Z","k":"a","x":-2}
{"ts":"${T}:04Z","k":"a","x":7.25}
{"ts":"${T}:05Z","k":"b","x":13}
{"ts":"${T}:06Z","k":"c","x":4}
{"ts":"${T}:07Z","k":"a","x":0.5}
{"ts":"${T}:08Z","k":"b","x":11.5}
EOF
	stream-agg --by .k count 'sum(.x)' 'avg(.x)' 'min(.x)' 'max(.x)' \
	    'var(.x)' 'stddev(.x)' <in >got
	mlr --ijson --ojsonl sort -f k then stats1 \
	    -a count,sum,mean,min,max,var,stddev -f x -g k <in |
	    jq -c '{k, count: .x_count, sum_x: .x_sum, avg_x: .x_mean,
	        min_x: .x_min, max_x: .x_max,
	        var_x: (if .x_var == "" then null else .x_var end),
	        stddev_x: (if .x_stddev == "" then null else .x_stddev end)}' >want
	jq -n --slurpfile g got --slurpfile w want '
	    def close(a; b): (a == b) or
	        (a != null and b != null and ((a - b) | fabs) <= 1e-9 * ([(a|fabs), (b|fabs), 1] | max));
	    ($g | length) == ($w | length) and
	    all(range($g | length) as $i | $g[$i] as $x | $w[$i] as $y |
	        ($x | keys_unsorted) == ($y | keys_unsorted) and
	        all($x | keys[]; . as $f | if $f == "k" then $x[$f] == $y[$f]
	            else close($x[$f]; $y[$f]) end); .)' | grep -qx true
}

# Values a decade apart: the nearest-rank answer is 100 (p50: >= 2.5 of 5)
# and 10000 (p99: >= 4.95 of 5); the sketch must be within 1% of them.
@test "stream-agg approximate quantiles are within 1% of nearest rank" {
	cd "$BATS_TEST_TMPDIR"
	i=0
	for x in 1000 1 10000 100 10; do
		i=$((i + 1))
		echo "{\"ts\":\"${T}:0${i}Z\",\"x\":$x}"
	done >in
	run stream-agg 'p50(.x)' 'p99(.x)' 'quantile(.x, 0.2) as q20' <in
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '
	    def near(v; e): ((v - e) | fabs) <= 0.01 * e;
	    near(.p50_x; 100) and near(.p99_x; 10000) and near(.q20; 1)'
}

@test "stream-agg --exact gives the nearest-rank values themselves" {
	cd "$BATS_TEST_TMPDIR"
	i=0
	for x in 1000 1 10000 100 10; do
		i=$((i + 1))
		echo "{\"ts\":\"${T}:0${i}Z\",\"x\":$x}"
	done >in
	run stream-agg --exact 'p50(.x)' 'p99(.x)' 'quantile(.x, 0.2) as q20' <in
	[ "$status" -eq 0 ]
	[ "$output" = '{"p50_x":100,"p99_x":10000,"q20":1}' ]
}
