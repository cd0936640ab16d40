#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
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

@test "GROUP BY without time: sum and avg = mlr stats1 -a count,sum,mean" {
	access_log 2 >in
	run stream-agg --by .status count 'sum(.bytes)' 'avg(.bytes)' <in
	[ "$status" -eq 0 ]
	echo "$output" | jq -c '[.status, .count, .sum_bytes, .avg_bytes]' |
	    sort >got
	# Miller counts the records with bytes under bytes_count.
	mlr --ijson --ojson stats1 -a count,sum,mean -f bytes -g status <in |
	    jq -c '.[] | [.status, .bytes_count, .bytes_sum, .bytes_mean]' |
	    sort >want
	# Our count is every record, Miller's the records with bytes: compare
	# the sums exactly and the means numerically to the last digit.
	jq -n --slurpfile g <(jq -s . got) --slurpfile w <(jq -s . want) '
	    ($g[0] | length) == ($w[0] | length) and
	    all(range($g[0] | length) as $i | $g[0][$i] as $a | $w[0][$i] as $b |
	        $a[0] == $b[0] and $a[2] == $b[2] and
	        (($a[3] - $b[3]) | fabs) <= 1e-15 * ($b[3] | fabs); .)' |
	    grep -qx true
}

# avg is sum / count of the same sum: on integers (sums far below 2^53)
# jq's add / length is exact up to its one division, so the two print the
# same bytes.  On decimals jq's naive add drifts in the last digits, so
# there the reference is python3's exact sum (fractions), rounded once,
# and jq must agree to 1e-12.
@test "avg = jq's add / length on random data" {
	python3 - <<'PY' >in
import json, random
r = random.Random(3)
for i in range(3000):
    print(json.dumps({"k": r.choice("abcdefg"),
        "i": r.randrange(-10**6, 10**6),
        "f": round(r.uniform(-1000, 1000), r.randrange(0, 6))}))
PY
	run stream-agg --by .k 'avg(.i)' 'avg(.f)' 'sum(.f)' <in
	[ "$status" -eq 0 ]
	echo "$output" | jq -c '[.k, .avg_i]' | sort >got.i
	jq -sc 'group_by(.k)[] | [.[0].k, (map(.i) | add / length)]' in |
	    sort >want.i
	diff -u want.i got.i
	echo "$output" >got
	python3 - <<'PY'
import json
from fractions import Fraction
from collections import defaultdict
xs = defaultdict(list)
for l in open("in"):
    o = json.loads(l)
    xs[o["k"]].append(o["f"])
got = {o["k"]: o for o in map(json.loads, open("got"))}
assert sorted(got) == sorted(xs), (sorted(got), sorted(xs))
for k, v in xs.items():
    exact = sum(Fraction(x) for x in v)
    assert got[k]["sum_f"] == float(exact), (k, got[k]["sum_f"])
    assert got[k]["avg_f"] == float(exact) / len(v), (k, got[k]["avg_f"])
PY
	jq -sc 'group_by(.k)[] | [.[0].k, (map(.f) | add / length)]' in |
	    sort >want.f
	echo "$output" | jq -c '[.k, .avg_f]' | sort >got.f
	jq -n --slurpfile g <(jq -s . got.f) --slurpfile w <(jq -s . want.f) '
	    all(range($g[0] | length) as $i | $g[0][$i] as $a | $w[0][$i] as $b |
	        $a[0] == $b[0] and
	        (($a[1] - $b[1]) | fabs) <= 1e-12 * ($b[1] | fabs); .)' |
	    grep -qx true
}

@test "the issue's avg: 7, 99999, 100, 1000 give 25276.5" {
	run stream-agg 'avg(.x)' 'sum(.x)' count < <(printf '{"x":%s}\n' \
	    7 99999 100 1000)
	[ "$status" -eq 0 ]
	[ "$output" = '{"avg_x":25276.5,"sum_x":101106,"count":4}' ]
}

# Sums of 18-digit ids pass int64: the exact integer, as python3 (and
# DuckDB's HUGEINT) give it, also through partials and --merge.
@test "sums past int64 are exact integers (python3), through --merge too" {
	python3 - <<'PY' >in
import json, random
r = random.Random(9)
for i in range(2000):
    print(json.dumps({"k": i % 3, "id": r.randrange(10**17, 10**18) *
        (1 if r.random() < 0.8 else -1)}))
PY
	python3 -c '
import json, collections
s = collections.Counter()
for l in open("in"):
    o = json.loads(l); s[o["k"]] += o["id"]
for k in sorted(s):
    print("{\"k\":%d,\"sum_id\":%d}" % (k, s[k]))' >want
	# jq 1.6 reads numbers as doubles: keep the text, sort by key.
	stream-agg --by .k 'sum(.id)' <in | sort >got
	diff -u want got
	grep -q '"sum_id":[0-9]\{20,\}' got || false
	split -n l/3 in part.
	for p in part.aa part.ab part.ac; do
		stream-agg --by .k --emit partial 'sum(.id)' <"$p" >"$p.out"
	done
	stream-agg --merge --by .k 'sum(.id)' part.aa.out part.ab.out \
	    part.ac.out | sort >merged
	diff -u want merged
}

# Zipf-distributed paths with ties: top(P, k) is `sort | uniq -c` with
# ties by value (C locale, byte order).
@test "top(P, k) = sort | uniq -c | sort -k1,1nr -k2 | head -k" {
	python3 - <<'PY' >in
import json, random
r = random.Random(11)
words = ["/index.html", "/api/v1/users", "/favicon.ico", "/login",
         "/static/app.js", "/static/app.css", "/robots.txt", "/health"]
for i in range(4000):
    n = int(r.paretovariate(1.1))
    p = words[n % len(words)] + ("" if n < len(words) else "?p=%d" % n)
    print(json.dumps({"path": p}))
# Ties: two values with the same count at the cut.
for i in range(3):
    print(json.dumps({"path": "/tie-b"}))
    print(json.dumps({"path": "/tie-a"}))
PY
	for k in 1 5 12 40; do
		stream-agg "top(.path, $k)" <in |
		    jq -r '.top_path[] | "\(.count) \(.value)"' >got
		jq -r .path in | LC_ALL=C sort | uniq -c |
		    LC_ALL=C sort -k1,1nr -k2 | head -n "$k" |
		    awk '{ print $1, $2 }' >want
		diff -u want got
	done
	# The tie at 3: /tie-a before /tie-b.
	stream-agg 'top(.path, 10000)' <in | jq -c '.top_path[] |
	    select(.value | startswith("/tie"))' >ties
	[ "$(head -1 ties)" = '{"value":"/tie-a","count":3}' ]
}

# approx_top(P, 5) has 64 counters; thousands of distinct values
# overflow them.
# Every entry's true count (from sort | uniq -c) is in [N - E, N], the
# same after three shards' partials are merged.
@test "approx_top's counts bound the truth: N - E <= true <= N" {
	python3 - <<'PY' >in
import json, random
r = random.Random(5)
for i in range(60000):
    if r.random() < 0.7:
        q = "h%d" % int(r.paretovariate(1.0))
    else:
        q = "u%d" % r.randrange(5000)
    print(json.dumps({"q": q}))
PY
	[ "$(jq -r .q in | sort -u | wc -l)" -gt 640 ]
	jq -r .q in | sort | uniq -c | awk '{ print $2, $1 }' >truth
	# check FILE K M: K entries, each bound holding, errors within n / M.
	check() {
		jq -r '.approx_top_q[] | "\(.value) \(.count) \(.error)"' "$1" |
		    awk -v k="$2" -v m="$3" 'NR == FNR { t[$1] = $2; next }
			{ n++; tc = ($1 in t) ? t[$1] : 0
			  if (tc > $2 || tc < $2 - $3 || $3 > 60000 / m) bad++ }
			END { if (n != k || bad) { print n, bad; exit 1 } }' \
		    truth -
	}
	stream-agg 'approx_top(.q, 5)' <in >one
	check one 5 64
	# k 40 (320 counters) reaches values whose counts are estimates.
	stream-agg 'approx_top(.q, 40) as approx_top_q' <in >forty
	check forty 40 320
	jq -e '[.approx_top_q[].error] | max > 0' forty
	split -n l/3 in part.
	for p in part.aa part.ab part.ac; do
		stream-agg --emit partial 'approx_top(.q, 5)' <"$p" >"$p.out"
	done
	stream-agg --merge 'approx_top(.q, 5)' part.aa.out part.ab.out \
	    part.ac.out >merged
	check merged 5 64
	# The heaviest value is exact enough to lead in both.
	[ "$(jq -r '.approx_top_q[0].value' one)" = \
	    "$(sort -k2,2nr truth | head -1 | cut -d' ' -f1)" ]
}

# tool_section FILE PYTHON: rewrite the tool's section of state file FILE
# with PYTHON (it changes the bytes in sect; re is imported), its length
# and the file's CRC made to match, as an older stream-agg wrote them.
tool_section() {
	python3 - "$1" "$2" <<'PY'
import re, sys, zlib
path, code = sys.argv[1], sys.argv[2]
d = open(path, "rb").read()
head, body = d.split(b"@tool-state ", 1)
n, rest = body.split(b"\n", 1)
env = {"re": re, "sect": rest[:int(n)]}
exec(code, env)
sect = env["sect"]
out = head + b"@tool-state %d\n" % len(sect) + sect + b"\n"
out += b"@crc %08x\n" % zlib.crc32(out)
open(path, "wb").write(out)
PY
}

# A state file written before the states' version 2 (no "aggs" first in
# the tool's section) is refused with 78, naming the version, untouched.
@test "a state file with version 1 aggregate states is refused (exit 78)" {
	printf '{"s":1}\n' | stream-agg --state st --by .s count
	grep -q '^{"aggs":3,' st || false
	tool_section st "sect = sect.replace(b'{\"aggs\":3,', b'{', 1)"
	cp st st.before
	run --separate-stderr stream-agg --state st --by .s count </dev/null
	[ "$status" -eq 78 ]
	[[ "$stderr" == *"aggregate states of version 1; this stream-agg reads versions 2 to 3"* ]]
	cmp st st.before
	run stream-agg --state st --state-reset --by .s count </dev/null
	[ "$status" -eq 0 ]
}

# Version 2 states (a sum of non-integers as Neumaier's "d" and "c") are
# still read, exactly: d + c goes on as the terms of version 3's sum.
# The state is rewritten as version 2 wrote it.  0.1 + 0.2 as doubles is
# 0.30000000000000004 - 2.7755575615628914e-17 exactly; with 0.3 the
# exact total's nearest double is 0.6 (python3: float(Fraction(0.1) +
# Fraction(0.2) + Fraction(0.3))), where summing in order gives
# 0.6000000000000001; avg is that 0.6 / 3, 0.19999999999999998.
@test "a state file with version 2 aggregate states is read and goes on exactly" {
	printf '{"s":"a","x":0.1}\n{"s":"a","x":0.2}\n' |
	    stream-agg --state st --by .s 'sum(.x)' 'avg(.x)'
	grep -q '^{"aggs":3,' st || false
	tool_section st "$(cat <<'PY'
sect = sect.replace(b'{"aggs":3,', b'{"aggs":2,', 1)
sect, k = re.subn(rb'"f":\[([^],]+),([^],]+)\]', rb'"d":\1,"c":\2', sect)
assert k == 2, sect
PY
)"
	grep -q '"d":0.30000000000000004,"c":-2.7755575615628914e-17' st ||
	    false
	run stream-agg --eof flush --state st --by .s 'sum(.x)' 'avg(.x)' \
	    <<<'{"s":"a","x":0.3}'
	[ "$status" -eq 0 ]
	[ "$output" = '{"s":"a","sum_x":0.6,"avg_x":0.19999999999999998}' ]
}

# Sketch quantiles print the digits 1% supports (three at most) and stay
# within 1% of the nearest-rank value that --exact gives; --exact keeps
# the input's digits, integers past 2^53 included.
@test "quantile digits: sketch answers in <= 3 digits within 1%, exact ones whole" {
	python3 - <<'PY' >in
import json, random
r = random.Random(8)
for i in range(20000):
    print(json.dumps({"g": i % 4, "x": r.lognormvariate(2 + i % 4, 1.7)}))
PY
	q="p1(.x) p10(.x) p50(.x) p90(.x) p99(.x) p999(.x)"
	# shellcheck disable=SC2086
	stream-agg --by .g $q <in | sort >sketch
	# shellcheck disable=SC2086
	stream-agg --by .g --exact $q <in | sort >exact
	python3 - <<'PY'
import json, re
for s, e in zip(open("sketch"), open("exact")):
    a, b = json.loads(s), json.loads(e)
    for m in re.finditer(r'"(p\d+_x)":([-0-9.e+]+)', s):
        name, text = m.group(1), m.group(2)
        digits = re.sub(r"e.*", "", text).replace("-", "").replace(".", "")
        digits = digits.lstrip("0").rstrip("0")
        assert len(digits) <= 3, (name, text)
        assert abs(a[name] - b[name]) <= 0.01 * abs(b[name]), (name, a, b)
PY
	run stream-agg --exact 'p50(.t)' 'p100(.t)' < <(printf '{"t":%s}\n' \
	    1731405600123456789 1731405600123456787 1731405600123456788)
	[ "$output" = '{"p50_t":1731405600123456788,"p100_t":1731405600123456789}' ]
}

# One string form (SPEC 3): whatever escapes the input used, every string
# in a new record is what jq -c writes for it: keys, first, last,
# collect, top, distinct's equality, and a join's fields.
@test "strings in new records are in jq -c's form, whatever the input's escapes" {
	printf '%s\n' \
	    '{"ts":1,"k":"caf\u00e9","v":"caf\u00e9","o":{"n\u0061me":["\/x","\u0001\t"]}}' \
	    '{"ts":2,"k":"café","v":"café","o":{"name":["/x","\u0001\u0009"]}}' \
	    '{"ts":3,"k":"\ud83d\ude00","v":"a\/b\u007f","o":{"name":[]}}' >in
	printf '{"ts":4,"k":"x","v":"\177raw del"}\n' >>in
	run stream-agg --by .k 'first(.v)' 'last(.o)' 'collect(.v)' \
	    'top(.v, 3)' 'distinct(.o)' <in
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >got
	# jq parses every escape and writes the minimal ones; groups by key
	# order (sort), distinct skips a missing path.
	jq -c -n --slurpfile r in '
	    [$r[]] as $all | reduce $all[] as $x ([];
	        if any(.[]; .k == $x.k) then . else . + [{k: $x.k}] end) |
	    .[] | .k as $k | [$all[] | select(.k == $k)] as $g |
	    {k: $k, first_v: $g[0].v, last_o: $g[-1].o,
	     collect_v: [$g[].v],
	     top_v: ($g | group_by(.v) | map({value: .[0].v, count: length}) |
	         sort_by(-.count, .value) | .[:3]),
	     distinct_o: ($g | map(select(has("o")) | .o) | unique | length)}' |
	    sort >want
	sort got -o got
	diff -u want got
	grep -q '"k":"café","first_v":"café"' got || false
	grep -q '"distinct_o":1' got || false
	# A join writes both sides' strings the same way.
	printf '%s\n' '{"id":1,"n":"caf\u00e9","p":"\/tmp","c":"\u007f"}' >right
	printf '%s\n' '{"id":1,"\u0078":"\u00e9"}' |
	    stream-join --table --right right --on .id >joined
	printf '%s\n' '{"id":1,"\u0078":"\u00e9"}' | jq -c --slurpfile r right \
	    '. + ($r[0] | del(.id))' >want
	diff -u want joined
}

# var and stddev are Welford's, whose relative error is about the
# double's precision times mean / spread; Miller's sum-of-squares
# formula loses digits as that ratio squared.  Here mean / spread is
# 3000: Welford within 1e-11 of the exact sample variance (python3's
# fractions; 1.3e-12 at worst here), Miller within 1e-6 (3.3e-8 at worst),
# the two apart in the last digits (the man page says so).
@test "var/stddev: within 1e-11 of the exact values, Miller within 1e-6" {
	python3 - <<'PY' >in
import json, random
r = random.Random(7)
for g in range(50):
    for i in range(r.randrange(2, 400)):
        print(json.dumps({"g": g, "x": round(r.gauss(1e4, 3), 3)}))
PY
	stream-agg --by .g 'var(.x)' 'stddev(.x)' <in >got
	mlr --ijson --ojsonl stats1 -a var -f x -g g in >mlr
	python3 - <<'PY'
import json, math
from fractions import Fraction
from collections import defaultdict
xs = defaultdict(list)
for l in open("in"):
    o = json.loads(l)
    xs[o["g"]].append(Fraction(o["x"]))
got = {o["g"]: o for o in map(json.loads, open("got"))}
mlr = {o["g"]: o["x_var"] for o in map(json.loads, open("mlr"))}
assert len(got) == len(xs) == len(mlr)
for g, v in xs.items():
    n = len(v)
    m = sum(v) / n
    var = float(sum((x - m) ** 2 for x in v) / (n - 1))
    assert abs(got[g]["var_x"] - var) <= 1e-11 * var, (g, got[g], var)
    sd = math.sqrt(var)
    assert abs(got[g]["stddev_x"] - sd) <= 1e-11 * sd, (g, got[g], sd)
    assert abs(mlr[g] - var) <= 1e-6 * var, (g, mlr[g])
PY
}
