#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# sweep.sh - fail every write, sync, rename and open of a checkpoint and
# of the output, one at a time, in every stateful tool (make fault).
#
# Usage: tests/fault/sweep.sh [BINDIR]   (BINDIR holds the tools and
#        fault.so, built by make fault)
#   FAULT_SEED   the corpus seed (1313)
#   FAULT_ONLY   run only the cases whose name matches this pattern
#   FAULT_KEEP=1 keep the work directory
#
# For each case (a tool, its options, its input in two halves A and B):
#   - the reference is one run over A and B with --state and --eof flush;
#   - run A leaves the old snapshot S1 (and output, late and error files);
#   - run B (on B, from S1, with FAULT_OP=all) gives the order of its
#     calls: every output a snapshot accounts for must be written and,
#     being a regular file, fdatasynced before FILE.tmp is renamed over
#     FILE, FILE.tmp synced before, the directory after (SPEC 6);
#   - then run B again once per call N of each kind below, with that call
#     failing (tests/fault/fault.c):
#       write on stdout, --late-output, --errors-output, FILE.tmp:
#             ENOSPC (from the Nth call on: a full disk stays full), EIO,
#             EINTR and a short write;
#       fsync/fdatasync, rename, open (of the state, lock, side files and
#             directory): ENOSPC and EIO.
#     EINTR and short writes must be retried: the run ends as the run
#     without faults (status, output, side files, snapshot).  ENOSPC and
#     EIO: exit 74 (for an open 73, cannot create, or 78, the state file
#     cannot be read) with a message; the
#     snapshot left is whole and accepted (--state-check), and is S1 or
#     the complete one of run B; a restart from it on the rest of the
#     input (--eof flush) gives what one run gives: the last revision of
#     every window or result, every reference line of the side files, and
#     the same counters in, out, bad, late.
#
# Under the sanitizers (build-san) the shim is preloaded with ASan told
# not to insist on coming first in the library list (verify_asan_link_order=0);
# the shim itself is plain C without ASan.
set -u

here=$(cd "$(dirname "$0")" && pwd)
BIN=$(cd "${1:-$here/../../build}" && pwd)
SHIM=$BIN/fault.so
SEED=${FAULT_SEED:-1313}
ONLY=${FAULT_ONLY:-}
export TZ=UTC LC_ALL=C
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sk-fault.XXXXXX")
[ "${FAULT_KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT

[ -f "$SHIM" ] || { echo "fault: $SHIM is not built (make fault)" >&2; exit 2; }
command -v jq >/dev/null || { echo "fault: jq is needed" >&2; exit 2; }

FAILS=0
RUNS=0
. "$here/../crash/common.sh"

C=$WORK/corpus
mkdir -p "$C"
corpus=$here/../crash/corpus.sh
sh "$corpus" events 600 "$SEED" >"$C/events"
sh "$corpus" left 300 $((SEED + 1)) >"$C/left"
sh "$corpus" right 300 $((SEED + 2)) >"$C/right"
sh "$corpus" table 28 0 >"$C/table"
sh "$corpus" kcat events 3 <"$C/events" >"$C/events.kcat"
: >"$C/empty"
for f in events left right events.kcat; do
	n=$(wc -l <"$C/$f")
	head -n $((n / 2)) "$C/$f" >"$C/$f.A"
	tail -n +$((n / 2 + 1)) "$C/$f" >"$C/$f.B"
done

# tool PHASE STATE OUTDIR [ARG...]: run the case's tool on the input of
# PHASE (all, A, B, or E: nothing) with --state STATE and side files in
# OUTDIR (stdout appended to OUTDIR/out), with the environment FENV
# (assignments); its status.
FENV=()
tool() {
	local phase=$1 st=$2 d=$3 right=() in=$LEFT.$1 rin=$RIGHTF.$1
	shift 3
	case $phase in
	all) in=$LEFT rin=$RIGHTF ;;
	E) in=$C/empty rin=$C/empty ;;
	esac
	case $RIGHTMODE in
	stream) right=(--right "$rin") ;;
	table) right=(--right "$([ "$phase" = A ] || [ "$phase" = all ] &&
	    echo "$RIGHTF" || echo "$C/empty")") ;;
	esac
	env "${FENV[@]}" "$BIN/$TOOL" "${ARGS[@]}" "${right[@]}" "$@" \
	    --state "$st" --late-output "$d/late" --errors-output "$d/err" \
	    <"$in" >>"$d/out" 2>>"$d/stderr"
}

# The order of run B's calls (FAULT_OP=all): outputs written and synced
# before the rename, the temporary file synced before, the directory after.
check_order() {
	local trace=$1 d=$2 r f what
	r=$(grep -n " rename .*st.tmp" "$trace" | head -1 | cut -d: -f1)
	if [ -z "$r" ]; then
		fail "order: no rename of st.tmp in run B"
		return
	fi
	for f in out late err; do
		case $f in
		out) what=stdout ;;
		late) what=--late-output ;;
		err) what=--errors-output ;;
		esac
		[ -s "$d/$f" ] || continue
		tail -n +"$r" "$trace" | grep -q " write $d/$f\$" &&
		    fail "order: $what is written after the snapshot is renamed"
		head -n "$r" "$trace" | grep -q " sync $d/$f\$" ||
		    fail "order: $what (a regular file) is not fdatasynced" \
		    "before the snapshot is renamed"
	done
	head -n "$r" "$trace" | grep -q " sync $d/st.tmp\$" ||
	    fail "order: st.tmp is not synced before the rename"
	tail -n +"$r" "$trace" | grep -q " sync $d\$" ||
	    fail "order: the directory is not synced after the rename"
}

# Lines of the state check that say what the snapshot holds.
holds() {
	"$BIN/$TOOL" --state-check "$1" 2>&1 | grep -v '^file: '
}

declare -A TOLD
# told KEY MESSAGE: a failure told once per case and kind of fault.
told() {
	local key=$1
	shift
	TOLD[$key]=$(( ${TOLD[$key]:-0} + 1 ))
	[ "${TOLD[$key]}" -gt 1 ] || fail "$*"
}

# One faulted run of B: call N of kind OP on ON fails with ERR.
one() {
	local op=$1 on=$2 n=$3 err=$4 d=$W/run rc key="$op:${2##*/} $err" fn=$3
	local ok=1 want
	[ "$err" = ENOSPC ] && fn="$n+"
	rm -rf "$d"
	mkdir "$d"
	cp "$W/A/st" "$d/st"
	cp "$W/A/out" "$W/A/late" "$W/A/err" "$d/"
	: >"$d/stderr"
	FENV=(LD_PRELOAD="$SHIM" FAULT_OP="$op" FAULT_ON="$on" \
	    FAULT_N="$fn" FAULT_ERR="$err")
	tool B "$d/st" "$d"
	rc=$?
	FENV=()
	RUNS=$((RUNS + 1))
	if [ "$err" = EINTR ] || [ "$err" = short ]; then
		[ "$rc" = "$RC_B0" ] || {
			told "$key rc" "$key at call $n: exit $rc, without the" \
			    "fault $RC_B0 ($(tail -n 1 "$d/stderr"))"
			ok=0
		}
		for f in out late err; do
			cmp -s "$d/$f" "$W/B0/$f" || {
				told "$key $f" "$key at call $n: $f differs from" \
				    "the run without the fault (not retried)"
				ok=0
			}
		done
		[ "$(holds "$d/st")" = "$(holds "$W/B0/st")" ] || {
			told "$key st" "$key at call $n: the snapshot differs" \
			    "from the run without the fault"
			ok=0
		}
		return
	fi
	# An open that fails: 73 (cannot create), or 78 for the state file
	# that cannot be read at the start; anything else: 74.
	want=74
	[ "$op" = open ] && { [ "$rc" = 73 ] || [ "$rc" = 78 ]; } && want=$rc
	if [ "$rc" != "$want" ]; then
		told "$key rc" "$key at call $n: exit $rc, want $want" \
		    "($(tail -n 1 "$d/stderr"))"
		ok=0
	elif ! grep -q . "$d/stderr"; then
		told "$key msg" "$key at call $n: exit $rc without a message"
		ok=0
	fi
	[ ! -e "$d/st.tmp" ] || {
		told "$key tmp" "$key at call $n: st.tmp is left behind"
	}
	local rest=B
	if cmp -s "$d/st" "$W/A/st"; then
		rest=B
	elif [ "$(holds "$d/st")" = "$(holds "$W/B0/st")" ]; then
		rest=none
	else
		told "$key snap" "$key at call $n: the snapshot is neither the" \
		    "old one nor run B's: $(holds "$d/st" | grep -m1 -i \
		    'unusable\|^in:')"
		return
	fi
	# The restart on the rest of the input; then everything fires.
	if [ "$rest" = B ]; then
		tool B "$d/st" "$d" --eof flush
	else
		tool E "$d/st" "$d" --eof flush
	fi
	results "$W/ref/out" >"$W/ref.res"
	results "$d/out" >"$d/res"
	if [ -n "$IDENT" ]; then
		cmp -s "$W/ref.res" "$d/res" || {
			told "$key a" "$key at call $n: after a restart the last" \
			    "revisions differ from one run"
			ok=0
		}
	else
		[ -z "$(missing_from "$W/ref.res" "$d/res")" ] &&
		    [ -z "$(foreign "$W/ref.res" "$d/res")" ] || {
			told "$key a" "$key at call $n: after a restart the" \
			    "results differ from one run ($(missing_from \
			    "$W/ref.res" "$d/res" | wc -l) missing)"
			ok=0
		}
	fi
	for f in late err; do
		[ -z "$(missing_from "$W/ref/$f" "$d/$f")" ] || {
			told "$key $f" "$key at call $n: after a restart the $f" \
			    "file lacks $(missing_from "$W/ref/$f" "$d/$f" |
			    wc -l) of one run's lines (snapshot: $rest)"
			ok=0
		}
	done
	if [ "$(holds "$d/st" | grep -E '^(in|out|bad|late):')" != \
	    "$(holds "$W/ref/st" | grep -E '^(in|out|bad|late):')" ]; then
		told "$key c" "$key at call $n: after a restart the counters" \
		    "differ from one run: $(holds "$d/st" |
		    grep -E '^(in|out|bad|late):' | tr '\n' ' ')"
		ok=0
	fi
	return 0
}

# sweep OP ON ERR...: every counted call of run B, each error.
sweep() {
	local op=$1 on=$2 n calls err
	shift 2
	rm -f "$W/count"
	rm -rf "$W/run"
	mkdir "$W/run"
	cp "$W/A/st" "$W/run/st"
	cp "$W/A/out" "$W/A/late" "$W/A/err" "$W/run/"
	FENV=(LD_PRELOAD="$SHIM" FAULT_OP="$op" FAULT_ON="$on" \
	    FAULT_LOG="$W/count")
	tool B "$W/run/st" "$W/run"
	FENV=()
	calls=$(cat "$W/count" 2>/dev/null | wc -l)
	if [ "$calls" -eq 0 ]; then
		echo "     $NAME: no $op call on $on"
		return
	fi
	for err; do
		for ((n = 1; n <= calls; n++)); do
			one "$op" "$on" "$n" "$err"
		done
	done
	SWEPT="$SWEPT $op:${on##*/}=$calls"
}

# run_case NAME IDENT INPUT RIGHTMODE TOOL ARGS...
#   INPUT: events | events.kcat | left;  RIGHTMODE: none | stream | table
run_case() {
	NAME=$1 IDENT=$2 LEFT=$C/$3 RIGHTMODE=$4 TOOL=$5
	shift 5
	ARGS=("$@" --checkpoint-interval 1h)
	RIGHTF=
	case $RIGHTMODE in
	stream) RIGHTF=$C/right ;;
	table) RIGHTF=$C/table ;;
	esac
	[ -z "$ONLY" ] || [[ $NAME == $ONLY ]] || return 0
	W=$WORK/$NAME
	CASE_FAILED=0
	TOLD=()
	SWEPT=
	local t0=$SECONDS runs0=$RUNS
	mkdir -p "$W/ref" "$W/A" "$W/B0"
	for d in ref A B0; do : >"$W/$d/out"; : >"$W/$d/stderr"; done
	tool all "$W/ref/st" "$W/ref" --eof flush
	tool A "$W/A/st" "$W/A"
	: >>"$W/ref/late"; : >>"$W/ref/err"; : >>"$W/A/late"; : >>"$W/A/err"
	cp "$W/A/st" "$W/B0/st"
	cp "$W/A/out" "$W/A/late" "$W/A/err" "$W/B0/"
	FENV=(LD_PRELOAD="$SHIM" FAULT_OP=all FAULT_LOG="$W/trace")
	tool B "$W/B0/st" "$W/B0"
	RC_B0=$?
	FENV=()
	check_order "$W/trace" "$W/B0"

	sweep write stdout ENOSPC EIO EINTR short
	sweep write "$W/run/late" ENOSPC EIO EINTR short
	sweep write "$W/run/err" ENOSPC EIO EINTR short
	sweep write "$W/run/st.tmp" ENOSPC EIO EINTR short
	sweep sync "$W/run" ENOSPC EIO
	sweep rename "$W/run" ENOSPC EIO
	sweep open "$W/run" ENOSPC EIO
	local k
	for k in "${!TOLD[@]}"; do
		[ "${TOLD[$k]}" -le 1 ] ||
		    echo "FAIL $NAME: ... and the same ($k) at ${TOLD[$k]} calls"
	done
	[ "$CASE_FAILED" = 0 ] || FAILS=$((FAILS + 1))
	printf '%-4s %-12s %3ds %3d runs  %s\n' \
	    "$([ "$CASE_FAILED" = 0 ] && echo ok || echo FAIL)" "$NAME" \
	    $((SECONDS - t0)) $((RUNS - runs0)) "$SWEPT"
}

run_case filter "" events none stream-filter \
    --dedupe .id --within 10s --max-delay 5s true
run_case watermark "" events none stream-watermark --sort --max-delay 5s
run_case window '[.window_start, .window_end, .key]' events none \
    stream-window --tumbling 10s --by .k --max-delay 5s --lateness 5s
run_case agg-window '[.window_start, .window_end, .k]' events none \
    stream-agg --hopping 20s --slide 10s --by .k count 'sum(.v)' \
    --max-delay 5s --lateness 5s
run_case agg-global '[.k]' events none stream-agg --by .k count 'sum(.v)'
run_case kcat-agg '[.window_start, .window_end, .k]' events.kcat none \
    stream-agg --kcat --tumbling 10s --by .k count --max-delay 5s
run_case join "" left stream stream-join --within 5s --on .k \
    --max-delay 5s --type left
run_case table "" left table stream-join --table --on .k

echo "fault: $RUNS faulted runs, $FAILS case(s) failed (seed $SEED)"
[ "$FAILS" -eq 0 ]
