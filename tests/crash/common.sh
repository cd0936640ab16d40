# SPDX-License-Identifier: BSD-2-Clause
# common.sh - sourced by tests/crash/crash.sh and tests/fault/sweep.sh.
#
# Expects BIN (the built tools), TOOL (the tool of the case), NAME (the
# case), IDENT (a jq expression naming a window or key, or empty) and
# CASE_FAILED; fail() sets it.

declare -A SC

fail() {
	echo "FAIL $NAME: $*"
	CASE_FAILED=1
}

# sc FILE: --state-check FILE into SC[name]=value; its status.
sc() {
	local out line
	SC=()
	out=$("$BIN/$TOOL" --state-check "$1" 2>&1) || {
		SC[error]=$out
		return 1
	}
	while IFS= read -r line; do
		SC[${line%%: *}]=${line#*: }
	done <<<"$out"
}

# lines A B: the lines of A not in B, counted (a multiset difference).
missing_from() {
	awk 'FILENAME == ARGV[1] { c[$0]++; next }
	    { if (c[$0] > 0) c[$0]--; else print }' "$2" "$1"
}

# foreign A B: lines of B that A never has.
foreign() {
	awk 'FILENAME == ARGV[1] { s[$0] = 1; next } !($0 in s)' "$1" "$2"
}

# results FILE: the output without watermark records, reduced to the
# last revision of each window or key when IDENT is set, sorted.
results() {
	if [ -n "$IDENT" ]; then
		grep -v '^{"@watermark"' "$1" | jq -c --slurp \
		    "group_by($IDENT) | map(.[-1]) | .[]" | sort
	else
		grep -v '^{"@watermark"' "$1" | sort
	fi
}
