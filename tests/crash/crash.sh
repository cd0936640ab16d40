#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# crash.sh - kill -9 every stateful tool at many points, restart it, and
# prove that nothing a snapshot accounted for was lost or counted twice.
#
# Usage: tests/crash/crash.sh [BINDIR]      (make crash)
#   CRASH_SEED   the seed of the corpus and of the kill points (1313)
#   CRASH_KILLS  kill points per case (see the case table)
#   CRASH_ONLY   run only the cases whose name matches this pattern
#   CRASH_KEEP=1 keep the work directory
#
# For each case (a tool, its options, its input, a checkpoint interval):
#
#   1. One uninterrupted run over the whole input with --state and
#      --eof flush is the reference: its output, its --late-output and
#      --errors-output files, and its snapshot's counters.
#   2. The crashed runs: the tool reads a FIFO that is fed in steps of a
#      random size.  After each step the harness asks --state-check for
#      the snapshot; once one is proven to exist (the file exists,
#      --state-check accepts it and its "in" counter moved since the last
#      one) the tool is killed with SIGKILL, at once or after one more
#      step and a random pause.  Then, every time:
#        - the snapshot left behind is whole (--state-check exits 0);
#        - every late and bad record the snapshot counts is in its side
#          file: the first LATE lines of the reference's --late-output and
#          the first BAD of its --errors-output are all there (the order
#          of late and bad records is fixed by the input);
#        - the side files only grew (a restart must append, not truncate).
#      The next run starts from the snapshot on the rest of the input:
#      from line in + bad (the snapshot's counters: every input line is
#      an event or a bad record), or, with --kcat, on all of it again
#      from offset 0 (replays are skipped by offset).  A join's two sides
#      cannot be told apart in the counters, so a join without --kcat is
#      killed only when the snapshot covers everything fed so far.
#   3. A last run on the rest with --eof flush; then
#      (a) the last revision of every window or result equals the
#          reference's (records passed through: the same set, each
#          reference line at least as often; at-least-once output);
#      (b) the side files hold the reference's lines (each at least as
#          often) and nothing else;
#      (c) the final counters in, out, bad and late equal the reference's:
#          nothing counted twice, nothing lost.
#
# Exit 0 when every case passes; else 1, with one line per failed check.
set -u

here=$(cd "$(dirname "$0")" && pwd)
BIN=$(cd "${1:-$here/../../build}" && pwd)
SEED=${CRASH_SEED:-1313}
ONLY=${CRASH_ONLY:-}
export TZ=UTC LC_ALL=C
RANDOM=$SEED
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sk-crash.XXXXXX")
[ "${CRASH_KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT
trap '' PIPE		# a killed reader must not kill the feeder

command -v jq >/dev/null || { echo "crash: jq is needed" >&2; exit 2; }

# --- the corpus ----------------------------------------------------------

C=$WORK/corpus
mkdir -p "$C"
sh "$here/corpus.sh" events 600 "$SEED" >"$C/events"
sh "$here/corpus.sh" left 300 $((SEED + 1)) >"$C/left"
sh "$here/corpus.sh" right 300 $((SEED + 2)) >"$C/right"
# 28 table rows: a multiple of 7, so that a checkpoint every 7 records
# can cover the whole table before the first left row.
sh "$here/corpus.sh" table 28 0 >"$C/table"
sh "$here/corpus.sh" kcat events 3 <"$C/events" >"$C/events.kcat"
sh "$here/corpus.sh" kcat left 2 <"$C/left" >"$C/left.kcat"
sh "$here/corpus.sh" kcat right 2 <"$C/right" >"$C/right.kcat"
sh "$here/corpus.sh" kcat table 1 <"$C/table" >"$C/table.kcat"

# --- helpers -------------------------------------------------------------

FAILS=0
KILLS_DONE=0
. "$here/common.sh"
# fail_kill KIND MESSAGE: a check after a kill; each kind is told once
# per case, with the number of kills where it failed at the end.
declare -A KF
fail_kill() {
	local kind=$1
	shift
	KF[$kind]=$(( ${KF[$kind]:-0} + 1 ))
	[ "${KF[$kind]}" -gt 1 ] || fail "kill $KILLS_CASE: $*"
}

start() {
	local right=()
	rm -f "$W/lf" "$W/rf"
	mkfifo "$W/lf"
	if [ -n "$RIGHT" ]; then
		mkfifo "$W/rf"
		right=(--right "$W/rf")
	fi
	"$BIN/$TOOL" "${ARGS[@]}" "${right[@]}" --state "$W/st" \
	    --checkpoint-interval "$CKPT" --late-output "$W/late" \
	    --errors-output "$W/err" <"$W/lf" >>"$W/out" 2>>"$W/stderr" &
	PID=$!
	# Read-write opens do not wait for the reader.
	exec 3<>"$W/lf"
	[ -z "$RIGHT" ] || exec 4<>"$W/rf"
}

stop() {
	kill -KILL "$PID" 2>/dev/null
	wait "$PID" 2>/dev/null
	exec 3>&-
	[ -z "$RIGHT" ] || exec 4>&-
}

# feed_left N / feed_right N: the next N lines of a side.
feed_left() {
	local n=$1
	[ $((LPOS + n)) -le ${#LEFT[@]} ] || n=$((${#LEFT[@]} - LPOS))
	[ "$n" -gt 0 ] || return 0
	printf '%s\n' "${LEFT[@]:LPOS:n}" >&3 2>/dev/null
	LPOS=$((LPOS + n))
}

feed_right() {
	local n=$1
	[ $((RPOS + n)) -le ${#RIGHTL[@]} ] || n=$((${#RIGHTL[@]} - RPOS))
	[ "$n" -gt 0 ] || return 0
	printf '%s\n' "${RIGHTL[@]:RPOS:n}" >&4 2>/dev/null
	RPOS=$((RPOS + n))
}

# One step: a random number of lines (both sides of a join in
# proportion to their sizes).
step() {
	local n=$((RANDOM % STEP + 1))
	feed_left "$n"
	if [ -n "$RIGHT" ] && [ "$TABLE" = 0 ]; then
		feed_right $(( (n * ${#RIGHTL[@]} + ${#LEFT[@]} - 1) /
		    ${#LEFT[@]} ))
	fi
}

fed_all() {
	[ "$LPOS" -ge "${#LEFT[@]}" ] &&
	    { [ -z "$RIGHT" ] || [ "$RPOS" -ge "${#RIGHTL[@]}" ]; }
}

# proven: a snapshot exists, is accepted, and counts more input than the
# last one; a join without --kcat also waits until it covers all fed.
proven() {
	sc "$W/st" || return 1
	[ "${SC[in]}" -gt "$LAST_IN" ] || return 1
	if [ "$EXACT" = 1 ]; then
		[ $((SC[in] + SC[bad])) -eq $((LPOS + RPOS)) ] ||
		    return 1
	fi
	return 0
}

# Poll for a proven snapshot for up to $1 hundredths of a second.
poll() {
	local i
	for ((i = 0; i < $1; i++)); do
		proven && return 0
		sleep 0.01
	done
	return 1
}

# Feed steps until a snapshot is proven; 1 when none came.
until_proven() {
	while :; do
		if fed_all; then
			poll 200 && return 0
			return 1
		fi
		step
		poll "$POLL" && return 0
	done
}

# Checks after each kill: the snapshot is whole, what it counts as late
# or bad is in the side files, and the side files only grew.
after_kill() {
	local k size
	if ! sc "$W/st"; then
		fail_kill whole "the snapshot is not whole: ${SC[error]}"
		return 1
	fi
	for k in late err; do
		size=$(stat -c %s "$W/$k" 2>/dev/null || echo 0)
		if [ "$size" -lt "${SIZE[$k]}" ]; then
			fail_kill "shrank-$k" "$k file shrank from ${SIZE[$k]}" \
			    "to $size bytes: a restart truncated it"
		fi
		SIZE[$k]=$size
	done
	: >>"$W/late"
	: >>"$W/err"
	if [ "$ORDERED" = 1 ]; then
		head -n "${SC[late]}" "$W/ref.late" >"$W/want.late"
		head -n "${SC[bad]}" "$W/ref.err" >"$W/want.err"
		if [ -n "$(missing_from "$W/want.late" "$W/late")" ]; then
			fail_kill late "the snapshot counts late=${SC[late]}" \
			    "but $(missing_from "$W/want.late" "$W/late" |
			    wc -l) of them are not in --late-output" \
			    "($(wc -l <"$W/late") lines)"
		fi
		if [ -n "$(missing_from "$W/want.err" "$W/err")" ]; then
			fail_kill bad "the snapshot counts bad=${SC[bad]}" \
			    "but $(missing_from "$W/want.err" "$W/err" |
			    wc -l) of them are not in --errors-output" \
			    "($(wc -l <"$W/err") lines)"
		fi
	else
		[ "$(wc -l <"$W/late")" -ge "${SC[late]}" ] ||
		    fail_kill late "the snapshot counts" \
		    "late=${SC[late]}, --late-output has $(wc -l <"$W/late")"
		[ "$(wc -l <"$W/err")" -ge "${SC[bad]}" ] ||
		    fail_kill bad "the snapshot counts" \
		    "bad=${SC[bad]}, --errors-output has $(wc -l <"$W/err")"
	fi
	return 0
}

# Where the next run starts.
resume_at() {
	if [ "$KCAT" = 1 ]; then
		LPOS=0
		RPOS=0
	elif [ -z "$RIGHT" ]; then
		LPOS=$((SC[in] + SC[bad]))
	elif [ "$TABLE" = 1 ]; then
		# The table was fed whole and proven before any left row.
		LPOS=$((SC[in] + SC[bad] - ${#RIGHTL[@]}))
	fi
	# A join without --kcat was killed covering all fed: LPOS, RPOS hold.
}

# Feed a restarted run what it must see again: with --kcat the replays
# (skipped by offset) in one go, and a table whole before the left side.
prologue() {
	local n
	if [ "$TABLE" = 1 ]; then
		if [ "$KCAT" = 1 ] || [ "$LAST_IN" -lt 0 ]; then
			feed_right "${#RIGHTL[@]}"
		else
			RPOS=${#RIGHTL[@]}
		fi
		if [ "$LAST_IN" -lt 0 ]; then
			# First run: the whole table in a snapshot first.
			LAST_IN=0
			poll 300 || return 1
			until [ "${SC[in]}" -ge "${#RIGHTL[@]}" ]; do
				LAST_IN=${SC[in]}
				poll 300 || return 1
			done
			LAST_IN=${SC[in]}
		fi
	fi
	if [ "$KCAT" = 1 ] && [ "$LAST_IN" -gt 0 ]; then
		n=$((SC[in] + SC[bad]))
		[ -z "$RIGHT" ] || [ "$TABLE" = 1 ] || n=$((n / 2))
		feed_left "$n"
		[ -z "$RIGHT" ] || [ "$TABLE" = 1 ] || feed_right "$n"
	fi
	return 0
}

# run_case NAME KILLS CKPT IDENT MODE TOOL ARGS...
#   MODE: plain | kcat | join | join-kcat | table | table-kcat
run_case() {
	NAME=$1 KILLS=$2 CKPT=$3 IDENT=$4 MODE=$5 TOOL=$6
	shift 6
	ARGS=("$@")
	[ -z "$ONLY" ] || [[ $NAME == $ONLY ]] || return 0
	# Each case's kill points from the seed and its name alone, so a
	# case replays the same way when run alone (CRASH_ONLY).
	RANDOM=$((SEED + $(printf '%s' "$NAME" | cksum | cut -d' ' -f1) % 100000))
	W=$WORK/$NAME
	mkdir -p "$W"
	CASE_FAILED=0
	KF=()
	KCAT=0 RIGHT="" TABLE=0 EXACT=0 ORDERED=1
	local lfile rfile="" t0=$SECONDS left
	case $MODE in
	plain) lfile=$C/events ;;
	kcat) lfile=$C/events.kcat KCAT=1 ;;
	join) lfile=$C/left rfile=$C/right EXACT=1 ;;
	join-kcat) lfile=$C/left.kcat rfile=$C/right.kcat KCAT=1 ;;
	table) lfile=$C/left rfile=$C/table TABLE=1 ;;
	table-kcat) lfile=$C/left.kcat rfile=$C/table.kcat KCAT=1 TABLE=1 ;;
	esac
	if [ "$KCAT" = 1 ]; then
		ARGS+=(--kcat)
		[ -z "$rfile" ] || ARGS+=(--right-kcat)
	fi
	if [ -n "$rfile" ]; then
		RIGHT=$rfile
		ORDERED=0	# two sides: the order of late rows is not fixed
	fi
	mapfile -t LEFT <"$lfile"
	RIGHTL=()
	[ -z "$rfile" ] || mapfile -t RIGHTL <"$rfile"
	STEP=$(( ${#LEFT[@]} / (KILLS + 1) + 1 ))
	case $CKPT in
	*ms) POLL=15 ;;
	*) POLL=3 ;;
	esac

	# 1. The reference.
	local right=()
	[ -z "$rfile" ] || right=(--right "$rfile")
	"$BIN/$TOOL" "${ARGS[@]}" "${right[@]}" --state "$W/ref.st" \
	    --eof flush --late-output "$W/ref.late" \
	    --errors-output "$W/ref.err" <"$lfile" >"$W/ref.out" \
	    2>"$W/ref.stderr"
	local rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 65 ]; then
		fail "the reference run exited $rc: $(head -n 3 "$W/ref.stderr")"
		FAILS=$((FAILS + 1))
		return
	fi
	: >>"$W/ref.late"
	: >>"$W/ref.err"
	sc "$W/ref.st" || { fail "reference snapshot: ${SC[error]}"; return; }
	local -A REF=()
	local k
	for k in in out bad late; do REF[$k]=${SC[$k]}; done

	# 2. The crashed runs.
	: >"$W/out"
	declare -gA SIZE=([late]=0 [err]=0)
	LPOS=0 RPOS=0 LAST_IN=-1 KILLS_CASE=0
	while [ "$KILLS_CASE" -lt "$KILLS" ] && ! fed_all; do
		start
		if ! prologue; then
			stop
			fail "no snapshot while the table loaded (--checkpoint-interval $CKPT)"
			break
		fi
		[ "$LAST_IN" -ge 0 ] || LAST_IN=0
		if ! until_proven; then
			stop
			sc "$W/st"
			fail "no new snapshot after the input up to line $LPOS" \
			    "was fed and went quiet (--checkpoint-interval $CKPT;" \
			    "snapshot in=${SC[in]:-none}, before $LAST_IN)"
			break
		fi
		if [ "$EXACT" = 0 ] && [ $((RANDOM % 2)) = 1 ]; then
			step
			sleep "0.0$((RANDOM % 3))$((RANDOM % 10))"
		fi
		stop
		KILLS_CASE=$((KILLS_CASE + 1))
		KILLS_DONE=$((KILLS_DONE + 1))
		after_kill || break
		[ "${CRASH_TRACE:-0}" = 0 ] || echo "  kill $KILLS_CASE: fed" \
		    "$LPOS+$RPOS, snapshot in=${SC[in]} bad=${SC[bad]}" \
		    "late=${SC[late]}, files late=$(wc -l <"$W/late")" \
		    "err=$(wc -l <"$W/err")"
		resume_at
		LAST_IN=${SC[in]}
		# With --kcat, done when the snapshot covers every line, or
		# (--checkpoint-interval N) all but fewer than N: no snapshot
		# is due for those, and the last run reads them.
		left=$((${#LEFT[@]} + ${#RIGHTL[@]} - SC[in] - SC[bad]))
		[ "$KCAT" = 0 ] || [ "$left" -gt 0 ] || break
		[ "$KCAT" = 0 ] || [[ $CKPT == *[!0-9]* ]] ||
		    [ "$left" -ge "$CKPT" ] || break
	done

	# 3. The last run, then the comparison.
	if [ "$CASE_FAILED" = 0 ] || sc "$W/st"; then
		local rest=$W/rest rrest=$W/rrest
		[ "$KCAT" = 1 ] && { LPOS=0; RPOS=0; }
		[ "$TABLE" = 1 ] && [ "$KCAT" = 0 ] && [ -e "$W/st" ] &&
		    RPOS=${#RIGHTL[@]}
		[ "$LPOS" -lt "${#LEFT[@]}" ] &&
		    printf '%s\n' "${LEFT[@]:LPOS}" >"$rest" || : >"$rest"
		right=()
		if [ -n "$rfile" ]; then
			[ "$RPOS" -lt "${#RIGHTL[@]}" ] &&
			    printf '%s\n' "${RIGHTL[@]:RPOS}" >"$rrest" ||
			    : >"$rrest"
			right=(--right "$rrest")
		fi
		"$BIN/$TOOL" "${ARGS[@]}" "${right[@]}" --state "$W/st" \
		    --eof flush --late-output "$W/late" \
		    --errors-output "$W/err" <"$rest" >>"$W/out" \
		    2>>"$W/stderr"
		rc=$?
		[ "$rc" -eq 0 ] || [ "$rc" -eq 65 ] ||
		    fail "the last run exited $rc: $(tail -n 2 "$W/stderr")"
		results "$W/ref.out" >"$W/ref.res"
		results "$W/out" >"$W/res"
		if [ -n "$IDENT" ]; then
			diff "$W/ref.res" "$W/res" >"$W/res.diff" ||
			    fail "(a) last revisions differ from one run:" \
			    "$(grep -c '^<' "$W/res.diff") lost or changed," \
			    "$(grep -c '^>' "$W/res.diff") other"
		else
			[ -z "$(missing_from "$W/ref.res" "$W/res")" ] ||
			    fail "(a) $(missing_from "$W/ref.res" "$W/res" |
			    wc -l) results of one run are missing"
			[ -z "$(foreign "$W/ref.res" "$W/res")" ] ||
			    fail "(a) $(foreign "$W/ref.res" "$W/res" | wc -l)" \
			    "results that one run does not give"
		fi
		for k in late err; do
			: >>"$W/$k"
			[ -z "$(missing_from "$W/ref.$k" "$W/$k")" ] ||
			    fail "(b) $(missing_from "$W/ref.$k" "$W/$k" |
			    wc -l) lines of one run's $k file are missing"
			[ -z "$(foreign "$W/ref.$k" "$W/$k")" ] ||
			    fail "(b) the $k file has lines one run does not write"
		done
		if sc "$W/st"; then
			for k in in out bad late; do
				[ "${SC[$k]}" = "${REF[$k]}" ] ||
				    fail "(c) counter $k is ${SC[$k]}, one run" \
				    "counts ${REF[$k]}"
			done
		else
			fail "(c) the last snapshot: ${SC[error]}"
		fi
	fi
	for k in "${!KF[@]}"; do
		[ "${KF[$k]}" -le 1 ] ||
		    echo "FAIL $NAME: ... and the same ($k) after ${KF[$k]} of $KILLS_CASE kills"
	done
	[ "$CASE_FAILED" = 0 ] || FAILS=$((FAILS + 1))
	printf '%-4s %-22s %3d kills  %3ds\n' \
	    "$([ "$CASE_FAILED" = 0 ] && echo ok || echo FAIL)" "$NAME" \
	    "$KILLS_CASE" $((SECONDS - t0))
}

# --- the cases -----------------------------------------------------------

O_FILTER=(--dedupe .id --within 10s --max-delay 5s true)
O_SORT=(--sort --max-delay 5s)
O_WINDOW=(--tumbling 10s --by .k --max-delay 5s --lateness 5s)
O_AGGW=(--hopping 20s --slide 10s --by .k count 'sum(.v)' 'max(.v)'
    --max-delay 5s --lateness 5s)
O_AGGG=(--by .k count 'sum(.v)' 'max(.v)')
O_JOIN=(--within 5s --on .k --max-delay 5s --type left)
O_TABLE=(--table --on .k)
WID='[.window_start, .window_end, .key]'
AID='[.window_start, .window_end, .k]'
GID='[.k]'

# Every tool, plain and --kcat, checkpointing every 50 ms of wall clock;
# then every tool checkpointing every 7 records (SPEC 6: exactly every N,
# also while the input is quiet), the joins with --kcat there: a join
# without it is killed only when a snapshot covers all it was fed, which
# a count of records cannot promise.
cases() {
	local ck=$1 k=$2 sfx=$3 m p
	shift 3
	for m; do
		p=
		[ "$m" = kcat ] && p=kcat-
		run_case "${p}filter$sfx" "$k" "$ck" "" "$m" \
		    stream-filter "${O_FILTER[@]}"
		run_case "${p}watermark$sfx" "$k" "$ck" "" "$m" \
		    stream-watermark "${O_SORT[@]}"
		run_case "${p}window$sfx" "$k" "$ck" "$WID" "$m" \
		    stream-window "${O_WINDOW[@]}"
		run_case "${p}agg-window$sfx" "$k" "$ck" "$AID" "$m" \
		    stream-agg "${O_AGGW[@]}"
		run_case "${p}agg-global$sfx" "$k" "$ck" "$GID" "$m" \
		    stream-agg "${O_AGGG[@]}"
		if [ "$m" = plain ] && [ -z "$sfx" ]; then
			run_case "join$sfx" "$k" "$ck" "" join \
			    stream-join "${O_JOIN[@]}"
			run_case "table$sfx" "$k" "$ck" "" table \
			    stream-join "${O_TABLE[@]}"
		else
			run_case "kcat-join$sfx" "$k" "$ck" "" join-kcat \
			    stream-join "${O_JOIN[@]}"
			run_case "kcat-table$sfx" "$k" "$ck" "" table-kcat \
			    stream-join "${O_TABLE[@]}"
		fi
	done
}

cases 50ms "${CRASH_KILLS:-15}" "" plain kcat
cases 7 "${CRASH_KILLS:-8}" -n7 plain

echo "crash: $KILLS_DONE kill points, $FAILS case(s) failed (seed $SEED)"
[ "$FAILS" -eq 0 ]
