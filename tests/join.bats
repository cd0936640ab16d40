#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# join.bats - stream-join: hand-worked fixtures, live inputs, state, and
# enrichment equality with Miller.

load helpers

setup() {
	cd "$BATS_TEST_TMPDIR" || exit 1
}

# The corpus generator of the benchmark, built when missing.
gen() {
	local g=$BATS_TEST_DIRNAME/../bench/.build/gen
	if [ ! -x "$g" ]; then
		g=$BATS_TEST_TMPDIR/gen
		[ -x "$g" ] || cc -O2 -o "$g" "$BATS_TEST_DIRNAME/../bench/gen.c" -lm
	fi
	"$g" "$@"
}

@test "stream-join: fixtures" {
	run_fixtures stream-join
}

@test "stream-join --table equals mlr join on the bench corpus" {
	command -v mlr >/dev/null || skip "mlr not installed"
	command -v jq >/dev/null || skip "jq not installed"
	gen -n 20000 --users 2000 >ev.ndjson
	gen --mode dims --users 2000 >dims.ndjson
	stream-join --table --right dims.ndjson --on .user_id <ev.ndjson |
	    jq -S -c . | sort >ours
	mlr --ijsonl --ojsonl join -j user_id -f dims.ndjson ev.ndjson |
	    jq -S -c . | sort >mlr
	[ "$(wc -l <ours)" -eq 20000 ]
	cmp ours mlr
}

@test "stream-join --table --type left equals mlr join --ur" {
	command -v mlr >/dev/null || skip "mlr not installed"
	command -v jq >/dev/null || skip "jq not installed"
	gen -n 5000 --users 3000 >ev.ndjson
	gen --mode dims --users 1000 >dims.ndjson
	stream-join --table --type left --right dims.ndjson --on .user_id \
	    <ev.ndjson | jq -S -c . | sort >ours
	mlr --ijsonl --ojsonl join --ur -j user_id -f dims.ndjson ev.ndjson |
	    jq -S -c . | sort >mlr
	[ "$(wc -l <ours)" -eq 5000 ]
	cmp ours mlr
}

@test "stream-join: left wins over many fields, right fields keep their order" {
	command -v jq >/dev/null || skip "jq not installed"
	jq -n -c '{k: 1, ts: 1} + ([range(0; 100)] | map({key: "f\(.)",
	    value: .}) | from_entries)' >left.ndjson
	jq -n -c '{k: 1} + ([range(50; 150)] | map({key: "f\(.)",
	    value: (. * 1000)}) | from_entries)' >right.ndjson
	run stream-join --table --right right.ndjson --on .k <left.ndjson
	[ "$status" -eq 0 ]
	want=$(jq -n -c --slurpfile l left.ndjson --slurpfile r right.ndjson \
	    '$l[0] as $l | $l + ($r[0] | with_entries(select(.key as $k |
	    $l | has($k) | not)))')
	[ "$output" = "$want" ]
}

@test "stream-join: a paused FIFO right side does not hold results (--idle)" {
	mkfifo right.fifo
	( printf '{"k":"l1","ts":1,"v":"r"}\n'; sleep 4
	  printf '{"k":"zz","ts":50}\n' ) >right.fifo 3>&- &
	( for i in 1 2 3 4 5 6 7 8 9 10; do
		printf '{"k":"l%d","ts":%d}\n' "$i" "$i"; sleep 0.1
	  done; sleep 5 ) |
	    stream-join --within 0s --type left --max-delay 0s --idle 1s \
	    --right right.fifo --on .k >out.ndjson 3>&- &
	sleep 3
	# The right side has been quiet for about 3s: it is idle, the
	# watermark is the left's, and l2..l9 are out while both still run.
	head -1 out.ndjson | grep -qxF '{"k":"l1","ts":1,"v":"r"}'
	grep -qxF '{"k":"l9","ts":9}' out.ndjson
	! grep -qF '"l10"' out.ndjson || false
	wait
	printf '%s\n' '{"k":"l1","ts":1,"v":"r"}' >want
	for i in 2 3 4 5 6 7 8 9 10; do
		printf '{"k":"l%d","ts":%d}\n' "$i" "$i"
	done >>want
	diff -u want out.ndjson
}

@test "stream-join: a right side that ends early stops holding the watermark" {
	printf '%s\n' '{"k":"a","ts":1,"v":1}' >right.ndjson
	( printf '{"k":"a","ts":1}\n'; sleep 0.3
	  printf '{"k":"b","ts":2}\n{"@watermark":5}\n'; sleep 2.5
	  printf '{"k":"c","ts":6}\n{"@watermark":10}\n' ) |
	    stream-join --within 1s --type left --right right.ndjson \
	    --on .k >out.ndjson 3>&- &
	sleep 1.5
	grep -qxF '{"k":"b","ts":2}' out.ndjson
	grep -qxF '{"@watermark":"1970-01-01T00:00:05.000Z"}' out.ndjson
	wait
	cat >want <<-'EOF'
	{"k":"a","ts":1,"v":1}
	{"k":"b","ts":2}
	{"@watermark":"1970-01-01T00:00:05.000Z"}
	{"k":"c","ts":6}
	{"@watermark":"1970-01-01T00:00:10.000Z"}
	EOF
	diff -u want out.ndjson
}

@test "stream-join: a live table (FIFO) applies its rows as they arrive" {
	mkfifo dims.fifo
	( printf '{"id":1,"plan":"free"}\n'; sleep 1.5
	  printf '{"id":1,"plan":"pro"}\n'; sleep 1.5 ) >dims.fifo 3>&- &
	( sleep 0.7; printf '{"id":1,"n":1}\n'; sleep 1.5
	  printf '{"id":1,"n":2}\n' ) |
	    stream-join --table --right dims.fifo --on .id >out.ndjson
	wait
	cat >want <<-'EOF'
	{"id":1,"n":1,"plan":"free"}
	{"id":1,"n":2,"plan":"pro"}
	EOF
	diff -u want out.ndjson
}

@test "stream-join --state keeps interval buffers across runs" {
	printf '%s\n' '{"k":"a","ts":10,"l":1}' '{"k":"b","ts":10,"l":2}' >l1
	: >r1
	run stream-join --within 1s --type left --right r1 --on .k \
	    --state s.state <l1
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	printf '%s\n' '{"k":"a","ts":10.5,"r":1}' >r2
	run stream-join --within 1s --type left --right r2 --on .k \
	    --state s.state --eof flush </dev/null
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '{"k":"a","ts":10,"l":1,"r":1}' ]
	[ "${lines[1]}" = '{"k":"b","ts":10,"l":2}' ]
	[ "${#lines[@]}" -eq 2 ]
	# Other join options: the snapshot is refused, and left alone.
	cp s.state before
	run stream-join --within 2s --type left --right r2 --on .k \
	    --state s.state </dev/null
	[ "$status" -eq 78 ]
	[[ "$output" == *"other options"* ]]
	cmp before s.state
}

@test "stream-join --state keeps as-of waits and versions" {
	printf '%s\n' '{"k":"a","ts":5,"n":1}' >l1
	printf '%s\n' '{"k":"a","ts":1,"v":"a1"}' '{"@watermark":3}' >r1
	run stream-join --as-of --no-watermarks --right r1 --on .k \
	    --state s.state <l1
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	printf '%s\n' '{"k":"a","ts":6,"v":"a6"}' '{"@watermark":8}' >r2
	run stream-join --as-of --no-watermarks --right r2 --on .k \
	    --state s.state </dev/null
	[ "$status" -eq 0 ]
	[ "$output" = '{"k":"a","ts":5,"n":1,"v":"a1"}' ]
}

@test "stream-join --stats reports matches and buffers" {
	printf '%s\n' '{"k":1,"ts":1}' '{"k":2,"ts":1}' >left.ndjson
	printf '%s\n' '{"k":1,"ts":1}' >right.ndjson
	run stream-join --within 1s --type left --stats --right right.ndjson \
	    --on .k <left.ndjson
	[ "$status" -eq 0 ]
	[[ "$output" == *"matches 1, unmatched 1"* ]]
	[[ "$output" == *"buffered left 0 right 0"* ]]
}

@test "stream-join: bad records are counted and skipped (exit 65)" {
	printf '%s\n' '{"k":1,"ts":1}' 'nope' '{"k":1}' >left.ndjson
	printf '%s\n' '{"k":1,"ts":1,"r":1}' >right.ndjson
	run stream-join --within 1s --right right.ndjson --on .k <left.ndjson
	[ "$status" -eq 65 ]
	[[ "$output" == *'{"k":1,"ts":1,"r":1}'* ]]
	[[ "$output" == *"invalid JSON"* ]]
	[[ "$output" == *"no time field"* ]]
}

# A brute-force model of the join semantics on random inputs with in-band
# watermarks on both sides: rows below their side's watermark (minus
# --lateness) are late, every other pair within the bounds is joined
# once, outer sides add their unmatched rows, as-of takes the last
# version at or before the left's time, --table the file's last row per
# key.  Compared as sets (order is covered by the fixtures).
@test "stream-join agrees with a brute-force model on random inputs" {
	command -v python3 >/dev/null || skip "python3 not installed"
	cat >model.py <<-'EOF'
	import json, random, subprocess, sys
	BIN, SEED, N = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
	def gen(rng, n, side, keys):
	    rows, w, t = [], None, 0
	    for i in range(n):
	        if rng.random() < 0.15:
	            m = t - rng.randint(0, 4)
	            w = m if w is None else max(w, m)
	            rows.append({"@watermark": w})
	            continue
	        t += rng.choice([0, 0.5, 1, 2])
	        r = {"ts": t + rng.choice([0, 0, -1, -3, 1, -0.5]), side: i}
	        if rng.random() < 0.3:
	            r["n"] = {"k": [1, {"ts": "x"}], "s": "a\\\"b"}
	        if rng.random() < 0.2:
	            r["l" if side == "r" else "r"] = 5
	        k = rng.choice(keys)
	        if k is not None:
	            r["k"] = k
	        rows.append(r)
	    return rows
	def ck(k):
	    if isinstance(k, bool):
	        return ("b", k)
	    if isinstance(k, (int, float)):
	        return ("n", float(k))
	    return ("s", k)
	def same(a, b):
	    return (a.get("k") is not None and b.get("k") is not None
	            and ck(a["k"]) == ck(b["k"]))
	def kept(L, R, lat):
	    W, out = [None, None], [[], []]
	    for i in range(max(len(L), len(R))):
	        for s, rows in ((0, L), (1, R)):
	            if i >= len(rows):
	                continue
	            r = rows[i]
	            if "@watermark" in r:
	                m = r["@watermark"]
	                W[s] = m if W[s] is None else max(W[s], m)
	            elif W[s] is None or r["ts"] >= W[s] - lat:
	                out[s].append(r)
	    return out
	def merge(l, r, pfx):
	    m = dict(l)
	    for a, b in r.items():
	        m.setdefault(pfx + a, b)
	    return m
	def interval(L, R, lo, hi, typ, lat, pfx):
	    kl, kr = kept(L, R, lat)
	    out, ml, mr = [], set(), set()
	    for i, l in enumerate(kl):
	        for j, r in enumerate(kr):
	            if same(l, r) and lo <= r["ts"] - l["ts"] <= hi:
	                out.append(merge(l, r, pfx))
	                ml.add(i)
	                mr.add(j)
	    if typ in ("left", "full"):
	        out += [l for i, l in enumerate(kl) if i not in ml]
	    if typ in ("right", "full"):
	        out += [merge({}, r, pfx) for j, r in enumerate(kr) if j not in mr]
	    return out
	def asof(L, R, typ, lat, pfx):
	    kl, kr = kept(L, R, lat)
	    out = []
	    for l in kl:
	        vs = [r for r in kr if same(l, r) and r["ts"] <= l["ts"]]
	        best = max(enumerate(vs), key=lambda x: (x[1]["ts"], x[0]),
	                   default=None)
	        if best:
	            out.append(merge(l, best[1], pfx))
	        elif typ == "left":
	            out.append(l)
	    return out
	def table(L, R, typ, pfx):
	    tab = {ck(r["k"]): r for r in R if r.get("k") is not None}
	    out = []
	    for l in L:
	        if "@watermark" in l:
	            continue
	        r = tab.get(ck(l["k"])) if l.get("k") is not None else None
	        if r is not None:
	            out.append(merge(l, r, pfx))
	        elif typ == "left":
	            out.append(l)
	    return out
	def canon(rows):
	    return sorted(json.dumps(r, sort_keys=True) for r in rows)
	rng = random.Random(SEED)
	for it in range(N):
	    keys = rng.choice([["a", "b", "c", None][:rng.randint(1, 4)],
	                       [1, 1.0, 2, "1", None, True]])
	    L = gen(rng, rng.randint(0, 40), "l", keys)
	    R = gen(rng, rng.randint(0, 40), "r", keys)
	    mode = rng.choice(["within", "between", "asof", "table"])
	    pfx = rng.choice(["", "", "r_", "k", "\"q"])
	    lat = rng.choice([0, 0, 1, 2])
	    sep = rng.choice([(",", ":"), (", ", " : ")])
	    with open("l", "w") as f:
	        f.write("".join(json.dumps(r, separators=sep) + "\n" for r in L))
	    with open("r", "w") as f:
	        f.write("".join(json.dumps(r) + "\n" for r in R))
	    typ = rng.choice(["inner", "left", "right", "full"])
	    if mode in ("table", "asof"):
	        typ = typ if typ in ("inner", "left") else "inner"
	    args = ["--type", typ]
	    if mode == "table":
	        args += ["--table"]
	        want = table(L, R, typ, pfx)
	    elif mode == "asof":
	        args += ["--as-of", "--lateness", "%ds" % lat]
	        want = asof(L, R, typ, lat, pfx)
	    else:
	        lo = rng.choice([-3, -2, -1, 0, 1])
	        hi = lo + rng.choice([0, 1, 2, 3])
	        if mode == "within":
	            hi = rng.choice([0, 1, 2])
	            lo = -hi
	            args += ["--within", "%ds" % hi]
	        else:
	            args += ["--between=%ds,%ds" % (lo, hi)]
	        args += ["--lateness", "%ds" % lat]
	        want = interval(L, R, lo, hi, typ, lat, pfx)
	    if pfx:
	        args += ["--prefix-right", pfx]
	    p = subprocess.run([BIN] + args + ["--no-watermarks", "--right",
	                       "r", "--on", ".k", "l"], capture_output=True,
	                       text=True)
	    got = [json.loads(x) for x in p.stdout.splitlines()]
	    if p.returncode != 0 or canon(got) != canon(want):
	        print("case", it, args, p.returncode, p.stderr)
	        print("want", canon(want))
	        print("got ", canon(got))
	        sys.exit(1)
	EOF
	run python3 model.py "$SK_BIN/stream-join" 1 250
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "stream-join --state keeps a kcat table; replays are skipped, tombstones apply" {
	env() {
		printf '{"topic":"d","partition":0,"offset":%d,"ts":%d,' "$1" "$1"
		printf '"key":%s,"payload":%s}\n' "$2" "$3"
	}
	{ env 0 '"u1"' '{"user_id":"u1","plan":"free"}'
	  env 1 '"u2"' '{"user_id":"u2","plan":"pro"}'; } >r.ndjson
	run stream-join --table --right-kcat --right r.ndjson --on .user_id \
	    --state s.state <<<'{"user_id":"u1","n":1}'
	[ "$status" -eq 0 ]
	[ "$output" = '{"user_id":"u1","n":1,"plan":"free"}' ]
	# The topic again from the start, plus a tombstone for u1.
	env 2 '"u1"' null >>r.ndjson
	printf '%s\n' '{"user_id":"u1","n":2}' '{"user_id":"u2","n":3}' >l.ndjson
	run stream-join --table --type left --right-kcat --right r.ndjson \
	    --on .user_id --state s.state --stats <l.ndjson
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '{"user_id":"u1","n":2}' ]
	[ "${lines[1]}" = '{"user_id":"u2","n":3,"plan":"pro"}' ]
	[[ "${lines[2]}" == *"replayed 2"*"deletes 1"* ]]
}
