#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# The README's tour shows real output: run each example and compare.
# An example is a line "    $ COMMAND" followed by its output lines
# (indented the same, up to a blank line); commands that touch /var are
# illustrations and are skipped.  Lines a tool writes to stderr (they
# start with "stream-") are compared separately, as a set; an example
# that shows none must write none.

load helpers

@test "README: every tour example prints what the README shows" {
	cd "$BATS_TEST_DIRNAME/.."
	awk '
	    /^    \$ / { if (cmd != "") print "@@"; cmd = substr($0, 7);
		print "$ " cmd; next }
	    /^    [^ ]/ && cmd != "" { print substr($0, 5); next }
	    { if (cmd != "") print "@@"; cmd = "" }
	' README >"$BATS_TEST_TMPDIR/ex"
	n=0 fail=0
	while IFS= read -r line; do
		if [[ $line == '$ '* ]]; then
			cmd=${line#\$ }
			: >"$BATS_TEST_TMPDIR/want"
			continue
		fi
		if [[ $line != @@ ]]; then
			printf '%s\n' "$line" >>"$BATS_TEST_TMPDIR/want"
			continue
		fi
		[[ $cmd == */var/* ]] && continue
		n=$((n + 1))
		bash -o pipefail -c "$cmd" >"$BATS_TEST_TMPDIR/out" \
		    2>"$BATS_TEST_TMPDIR/err" || { rc=$?; [ "$rc" -eq 141 ] ||
		    { echo "failed ($rc): $cmd"; fail=1; continue; }; }
		grep -v '^stream-' "$BATS_TEST_TMPDIR/want" >"$BATS_TEST_TMPDIR/w1" || true
		grep '^stream-' "$BATS_TEST_TMPDIR/want" >"$BATS_TEST_TMPDIR/w2" || true
		if ! diff -u "$BATS_TEST_TMPDIR/w1" "$BATS_TEST_TMPDIR/out"; then
			echo "differs: $cmd"
			fail=1
		fi
		while IFS= read -r e; do
			grep -qxF -- "$e" "$BATS_TEST_TMPDIR/err" ||
			    { echo "stderr lacks: $e"; fail=1; }
		done <"$BATS_TEST_TMPDIR/w2"
		# Silence on success (SPEC 7): no stderr the README hides.
		if [ ! -s "$BATS_TEST_TMPDIR/w2" ] &&
		    [ -s "$BATS_TEST_TMPDIR/err" ]; then
			echo "unexpected stderr: $cmd"
			cat "$BATS_TEST_TMPDIR/err"
			fail=1
		fi
	done <"$BATS_TEST_TMPDIR/ex"
	echo "$n examples"
	[ "$n" -ge 5 ]
	[ "$fail" -eq 0 ]
}
