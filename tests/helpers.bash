# SPDX-License-Identifier: BSD-2-Clause
# helpers.bash - shared by the bats suites.
#
# SK_BIN is the directory with the built tools (make check sets it).
# Fixture cases live in tests/fixtures/<tool>/<case>/:
#   args       the command-line arguments, shell-quoted (one line)
#   in.ndjson  standard input (optional; empty when absent)
#   out.ndjson the exact expected standard output
#   err        the exact expected standard error (optional)
#   err.has    lines that must each appear in standard error (optional)
#   status     the expected exit status (optional; 0 when absent)
#   files/     extra input files; the case runs inside a copy of it

: "${SK_BIN:=$BATS_TEST_DIRNAME/../build}"
export PATH="$SK_BIN:$PATH"
export TZ=UTC LC_ALL=C

# child_pid PID NAME: the pid of PID's child process called NAME (a
# pipeline under "sh -c" that this test started), waiting up to 5 s for
# it to appear.  Tests signal processes by the pids they started, never
# by a name matched across the system.
child_pid() {
	local c
	for _ in $(seq 50); do
		c=$(ps -o pid=,comm= --ppid "$1" | awk -v n="$2" '$2 == n {
		    print $1; exit }')
		[ -z "$c" ] || { echo "$c"; return 0; }
		sleep 0.1
	done
	echo "no child $2 of $1" >&2
	return 1
}

# run_case TOOL DIR: run one fixture; print a diff and return 1 on failure.
run_case() {
	local tool=$1 dir=$2 work status=0 want=0 args
	work=$(mktemp -d "$BATS_TEST_TMPDIR/case.XXXXXX")
	[ -d "$dir/files" ] && cp -R "$dir/files/." "$work/"
	args=$(cat "$dir/args" 2>/dev/null || true)
	[ -f "$dir/status" ] && want=$(cat "$dir/status")
	(
		cd "$work" || exit 99
		eval "set -- $args"
		if [ -f "$dir/in.ndjson" ]; then
			"$SK_BIN/$tool" "$@" <"$dir/in.ndjson"
		else
			"$SK_BIN/$tool" "$@" </dev/null
		fi >"$work/.out" 2>"$work/.err"
	) || status=$?
	local fail=0
	if [ "$status" != "$want" ]; then
		echo "$dir: exit status $status, want $want"
		fail=1
	fi
	if ! diff -u "$dir/out.ndjson" "$work/.out" >"$work/.diff"; then
		echo "$dir: stdout differs:"
		cat "$work/.diff"
		fail=1
	fi
	if [ -f "$dir/err" ] && ! diff -u "$dir/err" "$work/.err"; then
		echo "$dir: stderr differs"
		fail=1
	fi
	if [ -f "$dir/err.has" ]; then
		while IFS= read -r line; do
			if ! grep -qF -- "$line" "$work/.err"; then
				echo "$dir: stderr lacks: $line"
				cat "$work/.err"
				fail=1
			fi
		done <"$dir/err.has"
	fi
	return $fail
}

# run_fixtures TOOL: every case of the tool; fails listing the cases
# that failed.
run_fixtures() {
	local tool=$1 dir failed=0 n=0
	for dir in "$BATS_TEST_DIRNAME/fixtures/$tool"/*/; do
		[ -d "$dir" ] || continue
		n=$((n + 1))
		run_case "$tool" "${dir%/}" || failed=$((failed + 1))
	done
	echo "$tool: $n cases, $failed failed"
	[ "$n" -gt 0 ] && [ "$failed" -eq 0 ]
}
