#!/usr/bin/env bats
# stream-agg's answers against references worked out elsewhere: GROUP BY
# on records without time against Miller, sums and averages against jq
# and python3's exact integers, top against sort | uniq -c, approx_top's
# error bounds, and one string form whatever escapes the input used.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	[ -x "$SK_BIN/stream-agg" ] || skip "stream-agg is not built yet"
	cd "$BATS_TEST_TMPDIR"
}

# An access log without a time field: Zipf-like statuses and paths, some
# bytes missing, so count and sum see different records.
access_log() {
	python3 - "$1" <<'EOF'
import json, random, sys
r = random.Random(int(sys.argv[1]))
st = [200] * 60 + [304] * 15 + [404] * 12 + [500] * 5 + [302] * 7 + [503]
for i in range(5000):
    rec = {"status": r.choice(st), "path": "/p%d" % int(r.paretovariate(1.2))}
    if r.random() < 0.9:
        rec["bytes"] = r.randrange(0, 100000)
    print(json.dumps(rec, separators=(",", ":")))
EOF
}

@test "GROUP BY without time: stream-agg --by .status count = mlr count -g" {
	access_log 1 >in
	run --separate-stderr stream-agg --by .status count <in
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	echo "$output" | jq -c '[.status, .count]' | sort >got
	mlr --ijson --ojson count -g status <in |
	    jq -c '.[] | [.status, .count]' | sort >want
	[ -s want ]
	diff -u want got
}
