#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# docs.bats - the man pages: lint-clean, complete, and their examples run.
#
# Examples convention (every man/*.1 and man/*.7 page):
#   - Runnable examples live in the EXAMPLES section (from ".Sh EXAMPLES"
#     to the next ".Sh"), inside literal displays (.Bd -literal ... .Ed).
#   - In such a display, a line that starts with "$ " is a command; a line
#     that ends with a backslash (written \e), "|" or "&&" continues it on
#     the next line.  Every other line is the output of the command above
#     it: a command followed by such lines must print exactly them on
#     standard output (a command with none is not compared; show a part
#     with "| head -n N").
#   - Commands are written with roff escapes so that they copy and paste
#     from groff's output too: \- for "-", \(aq for "'", \e for "\".  The
#     escapes \- \e \(aq \(dq \(ti \(ha \(ga \(rs \& are understood; any
#     other escape in a command line fails the test (so an example can
#     never run differently from how it reads).
#   - A display right after a comment line
#         .\" no-run: REASON
#     is shown but not run (Kafka brokers, services, files under /var).
#   - Each display runs as one bash script, its commands in order, in a
#     fresh directory that holds a copy of examples/access.ndjson, with
#     $SK_BIN first in PATH, TZ=UTC, stdin from /dev/null and a time limit.
#     Every command of every pipeline must exit 0; 141 (SIGPIPE, from
#     "| head") is accepted for all but the last command of a pipeline.
#   - A page whose examples use a tool that is not built is skipped.

load helpers

MAN=$BATS_TEST_DIRNAME/../man
SAMPLE=$BATS_TEST_DIRNAME/../examples/access.ndjson
TOOLS="stream-filter stream-watermark stream-window stream-agg stream-join"

# The awk program that turns a page's EXAMPLES into scripts OUT/NNN.sh.
EXTRACT='
function unescape(s) {
	gsub(/\\e/, "\001", s)
	gsub(/\\\(rs/, "\001", s)
	gsub(/\\-/, "-", s)
	gsub(/\\\(aq/, "\047", s)
	gsub(/\\\(dq/, "\"", s)
	gsub(/\\\(ti/, "~", s)
	gsub(/\\\(ha/, "^", s)
	gsub(/\\\(ga/, "`", s)
	gsub(/\\&/, "", s)
	if (index(s, "\\") > 0) {
		printf "%s:%d: unknown roff escape in an example: %s\n",
		    FILENAME, FNR, s > "/dev/stderr"
		bad = 1
	}
	gsub(/\001/, "\\", s)
	return s
}
/^\.Sh / { inex = ($0 == ".Sh EXAMPLES"); next }
!inex { next }
/^\.\\" no-run:/ { norun = 1; next }
/^\.Bd -literal/ {
	inbd = 1; skip = norun; norun = 0; nblk++; kcmd = 0
	file = sprintf("%s/%03d.sh", out, nblk)
	if (!skip) printf "" > file
	next
}
/^\.Ed/ {
	if (inbd && !skip) close(file)
	if (want != "") close(want)
	inbd = 0; cont = 0; want = ""
	next
}
!inbd || skip { next }
{
	line = unescape($0)
	if (cont) {
		print line >> file
	} else if (line ~ /^\$ /) {
		start = FNR
		ncmd++
		kcmd++
		if (want != "") close(want)
		want = ""
		tag = sprintf("%03d.%d", nblk, kcmd)
		print "# " FILENAME ":" FNR >> file
		print "exec >\"$__S/" tag ".got\"" >> file
		print substr(line, 3) >> file
	} else if (kcmd > 0) {
		if (want == "")
			want = sprintf("%s/%s.want", out, tag)
		print line >> want
		next
	} else {
		next
	}
	cont = (line ~ /(\\|\||&&)[ \t]*$/)
	if (!cont) {
		print "__ck " start " \"${PIPESTATUS[@]}\"" >> file
		print "__cmp " start " " tag >> file
	}
}
END {
	if (ncmd == 0) {
		printf "%s: no runnable example\n", FILENAME > "/dev/stderr"
		bad = 1
	}
	exit bad
}'

# The checker every example script gets: statuses of the last pipeline.
CHECK='__ck() {
	local line=$1 i=0 n s
	shift
	n=$#
	for s; do
		i=$((i + 1))
		case $s in
		0) ;;
		141) [ "$i" -lt "$n" ] || { __fail "$line" "$s"; exit 1; } ;;
		*) __fail "$line" "$s"; exit 1 ;;
		esac
	done
}
__fail() { echo "$PAGE:$1: example failed (exit status $2)" >&2; }
__cmp() {
	[ -f "$__S/$2.want" ] || return 0
	diff -u "$__S/$2.want" "$__S/$2.got" >&2 || {
		echo "$PAGE:$1: the output differs from the page" >&2
		exit 1
	}
}'

need_mandoc() {
	command -v mandoc >/dev/null || skip "mandoc is not installed"
}

# render PAGE: the page as plain text (no overstrike), wide lines.
render() {
	mandoc -T ascii -O width=200 "$1" | sed 's/.\x08//g'
}

# help_options TOOL: "--name ARGS" for every long option --help shows,
# with the argument as --help writes it ("--keep PATH,...",
# "--stats[=D]", "--arg NAME VALUE").  The names and arguments come from
# --dump-options (the rows --help prints), the optional ones ("[=") from
# --help itself; the two must list the same options.
help_options() {
	local t=$1 help
	help=$("$SK_BIN/$t" --help)
	"$SK_BIN/$t" --dump-options | while IFS=$'\t' read -r lng shrt arg _; do
		case $help in
		*"--$lng["*) echo "--$lng[=$arg]" ;;
		*"--$lng "* | *"--$lng"$'\n'*)
			if [ "$arg" = - ]; then echo "--$lng"
			else echo "--$lng $arg"; fi ;;
		*) echo "--$lng: in --dump-options but not in --help" >&2
		   echo "--$lng (missing from --help)" ;;
		esac
	done
}

# run_examples PAGE: run every runnable example of PAGE.
run_examples() {
	local page=$1 dir scripts s t w missing="" status=0
	dir=$(mktemp -d "$BATS_TEST_TMPDIR/ex.XXXXXX")
	mkdir "$dir/scripts"
	awk -v out="$dir/scripts" "$EXTRACT" "$page"
	for t in $(cat "$dir"/scripts/*.sh | grep -o 'stream-[a-z]*' |
	    sort -u); do
		case " $TOOLS " in
		*" $t "*) [ -x "$SK_BIN/$t" ] || missing="$missing $t" ;;
		esac
	done
	[ -z "$missing" ] || skip "not built:$missing"
	command -v jq >/dev/null || skip "jq is not installed"
	for s in "$dir"/scripts/*.sh; do
		w=$(mktemp -d "$BATS_TEST_TMPDIR/run.XXXXXX")
		cp "$SAMPLE" "$w/access.ndjson"
		if ! (cd "$w" && PAGE=${page##*/} __S=$dir/scripts \
		    timeout 120 bash -c \
		    "$CHECK"$'\n''. "$1"' _ "$s" </dev/null >"$w/.out" \
		    2>"$w/.err"); then
			echo "--- ${page##*/}, display $(basename "$s" .sh):"
			sed 's/^/    /' "$s"
			echo "--- standard error:"
			tail -n 20 "$w/.err"
			status=1
		fi
	done
	return $status
}

@test "every man page is mandoc -Tlint clean" {
	need_mandoc
	local f out fail=0
	for f in "$MAN"/*.1 "$MAN"/*.7; do
		out=$(mandoc -T lint -W warning "$f" 2>&1) || true
		if [ -n "$out" ]; then
			echo "$out"
			fail=1
		fi
	done
	[ "$fail" -eq 0 ]
}

@test "every tool and the guide have a page" {
	local t
	for t in $TOOLS; do
		[ -f "$MAN/$t.1" ] || { echo "missing man/$t.1"; false; }
	done
	[ -f "$MAN/streamkit.7" ]
}

@test "every page has the sections a user needs" {
	local t s fail=0
	for t in $TOOLS; do
		for s in NAME SYNOPSIS DESCRIPTION OPTIONS OUTPUT \
		    "EXIT STATUS" EXAMPLES "SEE ALSO"; do
			grep -qx "\.Sh $s" "$MAN/$t.1" || {
				echo "man/$t.1 lacks $s"
				fail=1
			}
		done
		for s in 0 64 65 66 70 73 74 75 78; do
			grep -qx "\.It $s" "$MAN/$t.1" || {
				echo "man/$t.1: EXIT STATUS lacks $s"
				fail=1
			}
		done
	done
	[ "$fail" -eq 0 ]
}

@test "every long option in --help is in the tool's page, with its argument" {
	need_mandoc
	local t o text n=0 fail=0
	for t in $TOOLS; do
		[ -x "$SK_BIN/$t" ] || continue
		text=$(render "$MAN/$t.1")
		while IFS= read -r o; do
			n=$((n + 1))
			if ! grep -qF -- "$o" <<<"$text"; then
				echo "man/$t.1 lacks: $o"
				fail=1
			fi
		done < <(help_options "$t")
	done
	[ "$n" -gt 0 ] || skip "no tool is built"
	[ "$fail" -eq 0 ]
}

@test "every long option in --help is in the completions" {
	local t o name dir=$BATS_TEST_DIRNAME/../completions fail=0 n=0
	for t in $TOOLS; do
		[ -x "$SK_BIN/$t" ] || continue
		while IFS= read -r o; do
			n=$((n + 1))
			name=${o%%[ []*}
			grep -qE -- "(^|[ '|])$name([ =')|]|$)" \
			    "$dir/streamkit.bash" ||
			    { echo "streamkit.bash lacks $t $name"; fail=1; }
			grep -qF -- "$name" "$dir/_streamkit" ||
			    { echo "_streamkit lacks $t $name"; fail=1; }
			grep -qE -- " -l ${name#--}( |$)" "$dir/$t.fish" ||
			    { echo "$t.fish lacks $name"; fail=1; }
		done < <(help_options "$t")
	done
	[ "$n" -gt 0 ] || skip "no tool is built"
	[ "$fail" -eq 0 ]
}

@test "the examples extractor follows the documented convention" {
	local d=$BATS_TEST_TMPDIR/x
	mkdir -p "$d/out"
	cat >"$d/page.1" <<'EOF'
.Sh DESCRIPTION
.Bd -literal
$ not an example
.Ed
.Sh EXAMPLES
.Bd -literal -offset indent
$ stream\-filter \(aq.a == "x"\(aq access.ndjson |
    wc \-l
3
$ echo a \e
    b
.Ed
.\" no-run: needs a broker
.Bd -literal -offset indent
$ kcat \-C
.Ed
.Sh SEE ALSO
EOF
	awk -v out="$d/out" "$EXTRACT" "$d/page.1"
	[ "$(ls "$d/out" | tr '\n' ' ')" = "001.1.want 001.sh " ]
	run cat "$d/out/001.sh"
	[ "${lines[1]}" = 'exec >"$__S/001.1.got"' ]
	[ "${lines[2]}" = "stream-filter '.a == \"x\"' access.ndjson |" ]
	[ "${lines[3]}" = "    wc -l" ]
	[ "${lines[4]}" = '__ck 7 "${PIPESTATUS[@]}"' ]
	[ "${lines[5]}" = '__cmp 7 001.1' ]
	[ "${lines[8]}" = 'echo a \' ]
	[ "${lines[9]}" = "    b" ]
	[ "$(cat "$d/out/001.1.want")" = 3 ]
	run grep -q -e kcat -e "not an example" "$d/out/001.sh"
	[ "$status" -ne 0 ]
	printf '.Sh EXAMPLES\n.Bd -literal\n$ echo \\fBx\\fP\n.Ed\n' >"$d/bad.1"
	run awk -v out="$d/out" "$EXTRACT" "$d/bad.1"
	[ "$status" -ne 0 ]
}

@test "stream-filter(1) examples run" {
	run_examples "$MAN/stream-filter.1"
}

@test "stream-watermark(1) examples run" {
	run_examples "$MAN/stream-watermark.1"
}

@test "stream-window(1) examples run" {
	run_examples "$MAN/stream-window.1"
}

@test "stream-agg(1) examples run" {
	run_examples "$MAN/stream-agg.1"
}

@test "stream-join(1) examples run" {
	run_examples "$MAN/stream-join.1"
}

@test "streamkit(7) examples run" {
	run_examples "$MAN/streamkit.7"
}
