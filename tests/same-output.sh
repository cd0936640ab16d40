#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/same-output.sh OLD NEW [LINES] - do two builds write the same bytes?
#
# OLD and NEW are directories holding stream-filter, stream-watermark,
# stream-window, stream-agg and stream-join (e.g. a build/ kept from before
# a refactor, and today's build/).  Each case below runs once with each
# build, in a directory of its own, and everything it leaves is compared:
# standard output, standard error, the exit status, and every file it
# wrote (--late-output, --errors-output, --state snapshots; lock files,
# which hold a pid, are left out).  The corpus is made by bench/gen.c:
# LINES (200000) access-log events, a second stream for the interval join,
# the dims table and kcat envelopes, plus a few hand-made files with bad
# lines and tombstones.
#
# Not part of `make check` (it takes minutes); run it around a change that
# must not change behaviour.  Exit 0 when every case matches, 1 otherwise
# (the differing cases are listed, their directories kept under $KEEP when
# that is set).
set -euo pipefail

if [ $# -lt 2 ]; then
	echo "usage: $0 OLD-BIN-DIR NEW-BIN-DIR [LINES]" >&2
	exit 64
fi
OLD=$(cd "$1" && pwd)
NEW=$(cd "$2" && pwd)
LINES=${3:-200000}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export TZ=UTC LC_ALL=C

T=$(mktemp -d "${TMPDIR:-/tmp}/sk-same.XXXXXX")
trap 'rm -rf "$T"' EXIT
D=$T/data
mkdir -p "$D"

# --- the corpus ---------------------------------------------------------

cc -O2 -ffp-contract=off -o "$T/gen" "$ROOT/bench/gen.c"
"$T/gen" -n "$LINES" -s 1 --users 100000 > "$D/ev.ndjson"
"$T/gen" -n "$LINES" -s 2 --users 100000 > "$D/evb.ndjson"
"$T/gen" -s 1 --users 100000 --mode dims > "$D/dims.ndjson"
"$T/gen" -n "$((LINES / 4))" -s 1 --users 1000 --mode kcat > "$D/kcat.ndjson"
head -n 20000 "$D/ev.ndjson" > "$D/small.ndjson"
head -n 10000 "$D/ev.ndjson" > "$D/half1.ndjson"
sed -n '10001,20000p' "$D/ev.ndjson" > "$D/half2.ndjson"
head -n 20000 "$D/evb.ndjson" > "$D/smallb.ndjson"
"$T/gen" -s 1 --users 2000 --mode dims > "$D/dims-small.ndjson"

# Bad lines among good ones: syntax, no time, a bad time, a non-object,
# a line too long for --max-line-bytes 400, a bad @partial.
{
	head -n 3000 "$D/ev.ndjson"
	printf '%s\n' '{"ts":"2024-11-12T10:00:05Z","service":"api",' \
	    '{"service":"api","latency_ms":3}' \
	    '{"ts":"yesterday","service":"api"}' '[1,2,3]' \
	    '{"ts":"2024-11-12T10:00:06Z","service":"api","latency_ms":"slow"}'
	printf '{"ts":"2024-11-12T10:00:07Z","pad":"%0600d"}\n' 0
	printf '%s\n' '{"@partial":{"v":2,"sig":"0000000000000000"}}'
	sed -n '3001,6000p' "$D/ev.ndjson"
} > "$D/bad.ndjson"

# A kcat table on the right of a join: rows, a replayed offset, tombstones
# (by string key, by JSON key, and for a key never seen).
{
	printf '%s\n' \
	    '{"topic":"users","partition":0,"offset":0,"ts":1731405600000,"key":"u5","payload":"{\"user_id\":\"u5\",\"plan\":\"pro\"}"}' \
	    '{"topic":"users","partition":0,"offset":1,"ts":1731405600000,"key":"u12","payload":"{\"user_id\":\"u12\",\"plan\":\"free\"}"}' \
	    '{"topic":"users","partition":1,"offset":0,"ts":1731405600000,"key":"7","payload":"{\"user_id\":7,\"plan\":\"team\"}"}' \
	    '{"topic":"users","partition":0,"offset":1,"ts":1731405600000,"key":"u12","payload":"{\"user_id\":\"u12\",\"plan\":\"again\"}"}' \
	    '{"topic":"users","partition":0,"offset":2,"ts":1731405600000,"key":"u12","payload":null}' \
	    '{"topic":"users","partition":1,"offset":1,"ts":1731405600000,"key":"7","payload":null}' \
	    '{"topic":"users","partition":1,"offset":2,"ts":1731405600000,"key":"nobody","payload":null}' \
	    '{"topic":"users","partition":1,"offset":3,"ts":1731405600000,"key":null,"payload":null}'
} > "$D/tomb.ndjson"
printf '%s\n' '{"ts":"2024-11-12T10:00:01Z","user_id":"u5"}' \
    '{"ts":"2024-11-12T10:00:02Z","user_id":"u12"}' \
    '{"ts":"2024-11-12T10:00:03Z","user_id":7}' > "$D/tomb-left.ndjson"

# --- the cases ------------------------------------------------------------
#
# One per line: NAME, a tab, a shell command run with $B the build's bin
# directory, $D the data, and the case's own directory as the current one.

AGGS="count 'sum(.bytes)' 'avg(.latency_ms)' 'min(.latency_ms)' \
'max(.latency_ms)' 'first(.path)' 'last(.path)' 'var(.latency_ms)' \
'stddev(.latency_ms)' 'p50(.latency_ms)' 'p99(.latency_ms) as p99' \
'quantile(.bytes, 0.9)' 'distinct(.region)' 'approx_distinct(.user_id)' \
'top(.path, 3)' 'collect(.status)'"

CASES=$(cat <<EOF
filter-status	\$B/stream-filter '.status >= 500' \$D/ev.ndjson
filter-regex-count	\$B/stream-filter -c '.msg =~ "(?i)timeout"' \$D/ev.ndjson
filter-keep	\$B/stream-filter --keep .ts,.service,.geo.city '.status >= 400' \$D/ev.ndjson
filter-drop	\$B/stream-filter --drop .msg,.geo 'true' \$D/small.ndjson
filter-dedupe	\$B/stream-filter --dedupe .user_id --within 10s --max-delay 5s --late-output late.ndjson 'true' \$D/ev.ndjson
filter-sample	\$B/stream-filter --sample 0.1 --by .user_id 'true' \$D/ev.ndjson
filter-shard	\$B/stream-filter --shard 1/3 --by .user_id '.latency_ms > 100' \$D/ev.ndjson
filter-shard-wm	\$B/stream-filter --shard 0/2 --by .service --max-delay 5s --emit-watermarks 'true' \$D/small.ndjson
filter-arg-invert	\$B/stream-filter -v --arg s catalog '.service == \$s' \$D/small.ndjson
filter-exit-status	\$B/stream-filter -q '.status == 999' \$D/small.ndjson
filter-kcat	\$B/stream-filter --kcat --keep-envelope '.status >= 500' \$D/kcat.ndjson
filter-bad	\$B/stream-filter --max-line-bytes 400 --errors-output errors.ndjson '.status >= 500' \$D/bad.ndjson
filter-strict	\$B/stream-filter --strict 'true' \$D/bad.ndjson
filter-syntax	\$B/stream-filter '.status >= (500' \$D/small.ndjson
filter-usage	\$B/stream-filter --within 5s 'true' \$D/small.ndjson
filter-help	\$B/stream-filter --help
filter-dedupe-state	\$B/stream-filter --dedupe .user_id --within 1m --state st 'true' \$D/half1.ndjson > o1 && \$B/stream-filter --dedupe .user_id --within 1m --state st 'true' \$D/half2.ndjson
watermark	\$B/stream-watermark --max-delay 5s \$D/ev.ndjson
watermark-sort	\$B/stream-watermark --max-delay 5s --sort --late-output late.ndjson \$D/ev.ndjson
watermark-pass	\$B/stream-watermark --max-delay 2s --late pass --emit-every 1000 --annotate t_ns --time-output epoch-ns \$D/small.ndjson
watermark-kcat	\$B/stream-watermark --kcat --max-delay 5s \$D/kcat.ndjson
watermark-kcat-sort	\$B/stream-watermark --kcat --max-delay 5s --sort --keep-envelope \$D/kcat.ndjson
watermark-sort-state	\$B/stream-watermark --max-delay 5s --sort --state st \$D/half1.ndjson > o1 && \$B/stream-watermark --max-delay 5s --sort --state st \$D/half2.ndjson
watermark-bad	\$B/stream-watermark --errors-output errors.ndjson \$D/bad.ndjson
window-tumbling	\$B/stream-window --tumbling 1m --by .service --max-delay 5s --late-output late.ndjson \$D/ev.ndjson
window-hopping	\$B/stream-window --hopping 2m --slide 30s --by .region --max-delay 5s \$D/small.ndjson
window-session	\$B/stream-window --session 2s --by .user_id --max-delay 5s \$D/small.ndjson
window-cumulate	\$B/stream-window --cumulate 1m --step 20s --by .service \$D/small.ndjson
window-count	\$B/stream-window --count 100 --slide 50 --by .service \$D/small.ndjson
window-assign	\$B/stream-window --tumbling 1m --offset 15s --emit assign --time-output epoch-ms \$D/small.ndjson
window-max-events	\$B/stream-window --tumbling 1m --by .service --max-events 500 \$D/small.ndjson
window-lateness	\$B/stream-window --tumbling 10s --by .service --max-delay 1s --lateness 5m \$D/small.ndjson
window-state	\$B/stream-window --tumbling 2s --by .service --max-delay 1s --state st \$D/half1.ndjson > o1 && \$B/stream-window --tumbling 2s --by .service --max-delay 1s --state st \$D/half2.ndjson
window-count-state	\$B/stream-window --count 50 --slide 20 --by .region --state st \$D/half1.ndjson > o1 && \$B/stream-window --count 50 --slide 20 --by .region --state st --eof flush \$D/half2.ndjson
window-session-state	\$B/stream-window --session 3s --by .user_id --max-delay 5s --state st \$D/half1.ndjson > o1 && \$B/stream-window --session 3s --by .user_id --max-delay 5s --state st \$D/half2.ndjson
window-usage	\$B/stream-window --by .service \$D/small.ndjson
agg-groupby	\$B/stream-agg --by .service count 'p99(.latency_ms)' \$D/ev.ndjson
agg-all	\$B/stream-agg --by .service $AGGS \$D/ev.ndjson
agg-all-tumbling	\$B/stream-agg --tumbling 1m --by .service --max-delay 5s $AGGS \$D/ev.ndjson
agg-exact	\$B/stream-agg --exact --tumbling 1m --by .region 'p50(.latency_ms)' 'p99(.latency_ms)' 'quantile(.bytes, 0.25)' \$D/ev.ndjson
agg-tumbling	\$B/stream-agg --tumbling 1m --by .service count \$D/ev.ndjson
agg-hopping	\$B/stream-agg --hopping 10m --slide 1m --by .service count 'avg(.latency_ms)' --max-delay 5s \$D/ev.ndjson
agg-session	\$B/stream-agg --session 5s --by .user_id count 'sum(.bytes)' --max-delay 5s \$D/ev.ndjson
agg-cumulate	\$B/stream-agg --cumulate 1m --step 10s --by .region count 'p90(.latency_ms)' \$D/ev.ndjson
agg-count	\$B/stream-agg --count 1000 --slide 250 --by .service count 'max(.bytes)' \$D/ev.ndjson
agg-lateness	\$B/stream-agg --tumbling 10s --by .service --max-delay 1s --lateness 10m --late-output late.ndjson count 'p99(.latency_ms)' \$D/ev.ndjson
agg-updates	\$B/stream-agg --by .region --emit updates count \$D/small.ndjson
agg-every	\$B/stream-agg --by .service --emit every 1m --max-delay 5s count 'avg(.latency_ms)' \$D/ev.ndjson
agg-nokey	\$B/stream-agg count 'avg(.latency_ms)' 'distinct(.service)' \$D/ev.ndjson
agg-bad	\$B/stream-agg --errors-output errors.ndjson --tumbling 1m --by .service count 'sum(.latency_ms)' \$D/bad.ndjson
agg-usage	\$B/stream-agg --tumbling 1m --emit updates count \$D/small.ndjson
agg-partial-merge	for i in 0 1 2; do \$B/stream-agg --tumbling 1m --by .user_id --emit partial count 'p99(.latency_ms)' 'approx_distinct(.path)' 'top(.path, 2)' <(awk -v i=\$i 'NR % 3 == i' \$D/ev.ndjson) > in\$i || exit; done; \$B/stream-agg --merge --tumbling 1m --by .user_id count 'p99(.latency_ms)' 'approx_distinct(.path)' 'top(.path, 2)' in0 in1 in2
agg-shard-merge	for i in 0 1; do \$B/stream-agg --shard \$i/2 --tumbling 1m --by .user_id --max-delay 5s --emit partial count 'avg(.latency_ms)' \$D/ev.ndjson > in\$i || exit; done; \$B/stream-agg --merge --tumbling 1m --by .user_id --max-delay 5s count 'avg(.latency_ms)' in0 in1
agg-partition-merge	for i in 0 1; do \$B/stream-agg --partition \$i/2 --tumbling 1m --by .service --emit partial count <(grep -E '"service":"(catalog|search)"' \$D/small.ndjson | awk -v i=\$i '(index(\$0, "catalog") > 0) == (i == 0)') > in\$i || exit; done; \$B/stream-agg --merge --tumbling 1m --by .service count in0 in1
agg-partition-clash	for i in 0 1; do \$B/stream-agg --partition \$i/2 --tumbling 1m --by .service --emit partial count \$D/small.ndjson > in\$i || exit; done; \$B/stream-agg --merge --tumbling 1m --by .service count in0 in1
agg-merge-nowindow	for i in 0 1; do \$B/stream-agg --by .service --emit partial count 'min(.latency_ms)' 'distinct(.region)' <(awk -v i=\$i 'NR % 2 == i' \$D/ev.ndjson) > in\$i || exit; done; \$B/stream-agg --merge --by .service count 'min(.latency_ms)' 'distinct(.region)' in0 in1
agg-merge-late	for i in 0 1; do \$B/stream-agg --tumbling 10s --by .service --max-delay 1s --lateness 1m --emit partial count <(awk -v i=\$i 'NR % 2 == i' \$D/small.ndjson) > in\$i || exit; done; \$B/stream-agg --merge --tumbling 10s --by .service --lateness 1m count in0 in1
agg-merge-bad	\$B/stream-agg --tumbling 1m --by .service --emit partial count \$D/small.ndjson > in0; \$B/stream-agg --merge --tumbling 1m --by .service count in0 \$D/bad.ndjson
agg-merge-state	for i in 0 1; do \$B/stream-agg --tumbling 2s --by .service --max-delay 1s --emit partial count \$D/half\$((i+1)).ndjson > in\$i || exit; done; \$B/stream-agg --merge --tumbling 2s --by .service --state st --eof keep count in0 > o1 && \$B/stream-agg --merge --tumbling 2s --by .service --state st count in1
agg-shard-merge-state	for i in 0 1; do \$B/stream-agg --shard \$i/2 --tumbling 1m --by .user_id --max-delay 5s --emit partial count \$D/small.ndjson > in\$i || exit; done; head -n 300 in0 > part0; head -n 300 in1 > part1; \$B/stream-agg --merge --tumbling 1m --by .user_id --state st --eof keep count part0 part1 > o1 && \$B/stream-agg --merge --tumbling 1m --by .user_id --state st count in0 in1
agg-state	\$B/stream-agg --tumbling 2s --by .service count 'p99(.latency_ms)' 'approx_distinct(.user_id)' 'top(.path, 2)' 'distinct(.region)' --max-delay 1s --state st \$D/half1.ndjson > o1 && \$B/stream-agg --tumbling 2s --by .service count 'p99(.latency_ms)' 'approx_distinct(.user_id)' 'top(.path, 2)' 'distinct(.region)' --max-delay 1s --state st \$D/half2.ndjson
agg-hopping-state	\$B/stream-agg --hopping 4s --slide 1s --lateness 3s --by .region count 'first(.path)' --max-delay 1s --state st \$D/half1.ndjson > o1 && \$B/stream-agg --hopping 4s --slide 1s --lateness 3s --by .region count 'first(.path)' --max-delay 1s --state st --eof flush \$D/half2.ndjson
agg-state-nowindow	\$B/stream-agg --by .service --emit every 2s --max-delay 1s count 'var(.bytes)' --state st \$D/half1.ndjson > o1 && \$B/stream-agg --by .service --emit every 2s --max-delay 1s count 'var(.bytes)' --state st \$D/half2.ndjson
agg-state-mismatch	\$B/stream-agg --by .service count --state st \$D/half1.ndjson > o1; \$B/stream-agg --by .region count --state st \$D/half2.ndjson
agg-state-corrupt	\$B/stream-agg --by .service count --state st \$D/half1.ndjson > o1; head -c 200 st > st2; mv st2 st; \$B/stream-agg --by .service count --state st \$D/half2.ndjson
join-table	\$B/stream-join --table --right \$D/dims.ndjson --on .user_id \$D/ev.ndjson
join-table-left	\$B/stream-join --table --type left --prefix-right r_ --right \$D/dims-small.ndjson --on .user_id \$D/small.ndjson
join-within	\$B/stream-join --right \$D/evb.ndjson --on .user_id --within 5s --max-delay 5s \$D/ev.ndjson
join-between-full	\$B/stream-join --right \$D/smallb.ndjson --on .user_id,.status --between -1s,2s --type full --nest --max-delay 5s --late-output late.ndjson \$D/small.ndjson
join-asof	\$B/stream-join --as-of --right \$D/smallb.ndjson --on .region --max-delay 2s \$D/small.ndjson
join-asof-left	\$B/stream-join --as-of --type left --right \$D/smallb.ndjson --on .user_id --lateness 1s \$D/small.ndjson
join-tombstones	\$B/stream-join --table --type left --right-kcat --right \$D/tomb.ndjson --on .user_id --stats \$D/tomb-left.ndjson 2>&1 | sed 's/, [0-9.]* [kMG]*B\/s//; s/restored in .*//'
join-state	\$B/stream-join --right \$D/smallb.ndjson --on .user_id --within 5s --max-delay 5s --state st --eof keep \$D/half1.ndjson > o1 && \$B/stream-join --right /dev/null --on .user_id --within 5s --max-delay 5s --state st \$D/half2.ndjson
join-usage	\$B/stream-join --table --within 5s --right \$D/dims.ndjson --on .user_id \$D/small.ndjson
join-help	\$B/stream-join --help
EOF
)

run_all() {
	local bin=$1 dir=$2 name cmd
	while IFS=$'\t' read -r name cmd; do
		mkdir -p "$dir/$name"
		(
			cd "$dir/$name"
			B=$bin D=$D bash -c "$cmd" > stdout 2> stderr < /dev/null
			echo $? > status
			rm -f ./*.lock
		) || true
	done <<< "$CASES"
}

echo "same-output: $(wc -l <<< "$CASES") cases, $LINES lines" >&2
run_all "$OLD" "$T/old"
run_all "$NEW" "$T/new"

fail=0
while IFS=$'\t' read -r name _; do
	if diff -r "$T/old/$name" "$T/new/$name" > "$T/diff" 2>&1; then
		printf 'ok   %-24s status %s, %s lines out, %s err\n' "$name" \
		    "$(cat "$T/new/$name/status")" \
		    "$(wc -l < "$T/new/$name/stdout")" \
		    "$(wc -l < "$T/new/$name/stderr")"
	else
		echo "DIFF $name"
		head -n 20 "$T/diff"
		fail=1
		if [ -n "${KEEP:-}" ]; then
			mkdir -p "$KEEP"
			cp -R "$T/old/$name" "$KEEP/$name.old"
			cp -R "$T/new/$name" "$KEEP/$name.new"
		fi
	fi
done <<< "$CASES"
exit "$fail"
