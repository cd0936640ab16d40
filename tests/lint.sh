#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# lint.sh - reject test code that cannot fail (make check runs it first).
#
# Usage: tests/lint.sh [FILE...]   (default: tests/*.bats, tests/*.bash
#        and the harness scripts under tests/)
#
# bats runs a test with `set -e`, and `set -e` ignores the status of a
# command negated with `!` and of every command of an `a && b` list but
# the last.  So in tests/*.bats and *.bash, unless it is the last command
# of its function (the line before the closing brace) or handles the
# failure itself (`|| false`, `|| { ...; }`):
#   - a line that starts with `! CMD` asserts nothing: write
#     `run ! CMD` (bats >= 1.5), `! CMD || false`, or an if;
#   - a line that chains tests, `[ A ] && [ B ]`, asserts nothing when A
#     is false: write one test per line.
# A conditional action (`[ -f x ] && cp x y`, `... && skip`) is fine:
# only chains of tests are rejected.  Processes are signalled by the pids
# a test started: `pkill` and `killall` (which match names across the
# whole system) are rejected everywhere.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
if [ $# -eq 0 ]; then
	set -- "$here"/*.bats "$here"/*.bash "$here"/crash/*.sh \
	    "$here"/fault/*.sh
fi

awk '
function bad(f, l, why) {
	printf "%s:%d: %s\n", f, l, why
	n++
}
function flush_pending() {
	if (pend != "")
		bad(pfile, pline, pend)
	pend = ""
}
# Check one logical command (continuation lines joined).
function check(cmd, f, l,    last) {
	# Only bats code runs under set -e; "A || handler" decides itself.
	if (f !~ /\.(bats|bash)$/ || cmd ~ /\|\|/)
		return
	last = cmd
	sub(/.*&&[ \t]*/, "", last)
	if (cmd ~ /^![ \t]/) {
		pend = "a negated command that is not the last one asserts nothing (run ! CMD, or ! CMD || false)"
	} else if (cmd ~ /^(\[\[?|test)[ \t]/ && cmd ~ /&&/ &&
	    last ~ /^(\[\[?|test)[ \t]/) {
		pend = "[ A ] && [ B ] asserts nothing when A fails (one test per line)"
	} else
		return
	pfile = f
	pline = l
}
FNR == 1 { flush_pending(); acc = "" }
{
	line = $0
	sub(/^[ \t]+/, "", line)
	if (line == "" || line ~ /^#/)
		next
	code = line
	sub(/[ \t]+#.*$/, "", code)
	if (code ~ /(^|[^A-Za-z0-9_-])(pkill|killall)([^A-Za-z0-9_-]|$)/ &&
	    FILENAME !~ /lint\.sh$/)
		bad(FILENAME, FNR, "pkill/killall: signal the pid the test started")
	if (acc != "") {
		acc = acc " " code
	} else {
		# A pending complaint stands unless this closes the function.
		if (pend != "") {
			if (code ~ /^}/)
				pend = ""
			else
				flush_pending()
		}
		acc = code
		accl = FNR
	}
	if (code ~ /(\\|\|\||&&|\|)[ \t]*$/)
		next
	check(acc, FILENAME, accl)
	acc = ""
}
END {
	flush_pending()
	if (n > 0) {
		printf "lint: %d test line(s) that cannot fail; see tests/lint.sh\n", n
		exit 1
	}
}' "$@"
