#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# JSON conformance of record input (SPEC 1, 8; RFC 8259, RFC 3629), through
# stream-filter, the tool that passes records through byte for byte.
#
# tests/conformance/valid/*.ndjson are good records (with blank lines,
# CRLF endings, a missing final newline); tests/conformance/invalid/
# <kind>-*.ndjson each hold ONE bad line, <kind> naming the reason
# (utf8, json, notobj, depth).  tests/conformance/make-corpus.sh writes
# them, and the huge cases (1,000,000 levels, a 100 MB line) on the fly.
# Expectations come from the RFCs and SPEC.md, not from the tools.

: "${SK_BIN:=$BATS_TEST_DIRNAME/../build}"
export LC_ALL=C TZ=UTC

CONF=$BATS_TEST_DIRNAME/conformance
SF=$SK_BIN/stream-filter

setup_file() {
	"$BATS_TEST_DIRNAME/conformance/make-corpus.sh" huge \
	    "$BATS_FILE_TMPDIR/huge"
}

setup() {
	[ -x "$SF" ] || skip "no $SF (make first)"
	T=$BATS_TEST_TMPDIR
}

# What passing FILE through must give: CRLF -> LF, blank lines (spaces,
# tabs, CR only) dropped, every line ended by LF.
expected() {
	awk '{ sub(/\r$/, ""); if ($0 !~ /^[ \t\r]*$/) print }' "$1"
}

# Collect failures in $T/fails; report them all at the end.
fail_note() {
	printf '%s\n' "$*" >>"$T/fails"
}

report() {
	if [ -s "$T/fails" ]; then
		echo "$(wc -l <"$T/fails") failure(s):"
		cat "$T/fails"
		return 1
	fi
}

# sf ARGS...: run stream-filter, stdout to $T/out, stderr to $T/err,
# exit status in $rc.
sf() {
	rc=0
	"$SF" "$@" >"$T/out" 2>"$T/err" || rc=$?
}

# The first line of stderr, printable, for messages.
err1() {
	head -n 1 "$T/err" | tr -c '[:print:]' '?' | cut -c 1-160
}

# check_bad NAME LINE KIND: stderr reports line LINE with a reason fit
# for KIND.
check_bad() {
	local name=$1 line=$2 kind=$3
	if ! grep -qE "^stream-filter: (.*: )?line $line: [^ ]" "$T/err"; then
		fail_note "$name: stderr lacks 'line $line: REASON': $(err1)"
		return
	fi
	case $kind in
	utf8)	grep -qi 'utf-8' "$T/err" ||
		    fail_note "$name: reason does not say UTF-8: $(err1)" ;;
	notobj)	grep -qi 'not an object' "$T/err" ||
		    fail_note "$name: reason does not say not an object: $(err1)" ;;
	depth)	grep -qiE 'nest|deep|depth' "$T/err" ||
		    fail_note "$name: reason does not say nesting: $(err1)" ;;
	esac
}

# Where two files first differ, and stdout on one line, for messages.
cmp_note() {
	cmp "$1" "$2" 2>&1 | head -n 1
}

outline() {
	tr '\n' ' ' <"$T/out" | tr -c '[:print:]' '?' | cut -c 1-120
}

kind_of() {
	basename "$1" .ndjson | cut -d- -f1
}

# --- valid records ----------------------------------------------------------

@test "valid: every file passes through byte for byte, exit 0" {
	for f in "$CONF"/valid/*.ndjson; do
		name=valid/$(basename "$f")
		expected "$f" >"$T/want"
		sf true "$f"
		if [ "$rc" -ne 0 ]; then
			fail_note "$name: exit $rc: $(err1)"
			continue
		fi
		[ -s "$T/err" ] && fail_note "$name: stderr: $(err1)"
		cmp -s "$T/want" "$T/out" ||
		    fail_note "$name: output differs: $(cmp_note "$T/want" "$T/out")"
	done
	report
}

@test "valid: the same through standard input" {
	for f in "$CONF"/valid/*.ndjson; do
		name=valid/$(basename "$f")
		expected "$f" >"$T/want"
		rc=0
		"$SF" true <"$f" >"$T/out" 2>"$T/err" || rc=$?
		[ "$rc" -eq 0 ] || { fail_note "$name: exit $rc: $(err1)"; continue; }
		cmp -s "$T/want" "$T/out" || fail_note "$name: output differs"
	done
	report
}

@test "valid: lone surrogate escapes pass through unchanged" {
	for n in lone-surrogate-high lone-surrogate-low lone-surrogates-mixed \
	    lone-surrogate-key; do
		sf true "$CONF/valid/$n.ndjson"
		[ "$rc" -eq 0 ] || { fail_note "$n: exit $rc: $(err1)"; continue; }
		cmp -s "$CONF/valid/$n.ndjson" "$T/out" || fail_note "$n: changed"
	done
	report
}

@test "valid: numbers beyond int64 and double pass through as written" {
	for n in int64-edges int64-beyond double-edges double-beyond \
	    negative-zero number-forms; do
		sf true "$CONF/valid/$n.ndjson"
		[ "$rc" -eq 0 ] || { fail_note "$n: exit $rc: $(err1)"; continue; }
		cmp -s "$CONF/valid/$n.ndjson" "$T/out" || fail_note "$n: changed"
	done
	report
}

@test "valid: nesting of exactly 1000 levels is accepted" {
	for n in nesting-1000 nesting-1000-arrays nesting-1000-objects \
	    deep-arrays; do
		sf true "$CONF/valid/$n.ndjson"
		[ "$rc" -eq 0 ] || fail_note "$n: exit $rc: $(err1)"
		cmp -s "$CONF/valid/$n.ndjson" "$T/out" || fail_note "$n: changed"
	done
	report
}

@test "valid: CRLF endings become LF" {
	printf '{"a":1}\r\n{"b":"x\\r"}\r\n' >"$T/in"
	sf true "$T/in"
	[ "$rc" -eq 0 ]
	printf '{"a":1}\n{"b":"x\\r"}\n' >"$T/want"
	cmp "$T/want" "$T/out"
}

@test "valid: a last line without newline is processed and gets one" {
	printf '{"a":1}\n{"b":2}' >"$T/in"
	sf true "$T/in"
	[ "$rc" -eq 0 ]
	printf '{"a":1}\n{"b":2}\n' >"$T/want"
	cmp "$T/want" "$T/out"
}

@test "valid: duplicate keys pass through unchanged" {
	sf true "$CONF/valid/duplicate-keys.ndjson"
	[ "$rc" -eq 0 ]
	cmp "$CONF/valid/duplicate-keys.ndjson" "$T/out"
}

# --- invalid records --------------------------------------------------------

@test "invalid: every file is a bad record: exit 65, no output, line 1: reason" {
	for f in "$CONF"/invalid/*.ndjson; do
		name=invalid/$(basename "$f")
		sf true "$f"
		if [ "$rc" -ne 65 ]; then
			fail_note "$name: exit $rc, want 65: $(err1)"
			continue
		fi
		[ -s "$T/out" ] && fail_note "$name: wrote to stdout"
		check_bad "$name" 1 "$(kind_of "$f")"
	done
	report
}

@test "invalid: --errors-output gets the bad line byte for byte" {
	for f in "$CONF"/invalid/*.ndjson; do
		name=invalid/$(basename "$f")
		rm -f "$T/bad"
		sf --errors-output "$T/bad" true "$f"
		[ "$rc" -eq 65 ] || { fail_note "$name: exit $rc: $(err1)"; continue; }
		if ! cmp -s "$f" "$T/bad"; then
			fail_note "$name: errors-output differs: $(cmp_note "$f" "$T/bad")"
		fi
	done
	report
}

# Each bad line at line 5 of a file with good, blank and CRLF lines around
# it: the good ones pass, the bad one is reported with its own number (blank
# lines count), the tool goes on, and parsing state does not leak into the
# next line.
@test "invalid: mixed with good lines: right line numbers, the tool goes on" {
	printf '{"n":1}\n{"n":4}\n{"n":7}\n' >"$T/want"
	for f in "$CONF"/invalid/*.ndjson; do
		name=invalid/$(basename "$f")
		{
			printf '{"n":1}\n\n  \t\n{"n":4}\r\n'
			cat "$f"
			printf '\n{"n":7}'
		} >"$T/in"
		rm -f "$T/bad"
		sf --errors-output "$T/bad" true "$T/in"
		if [ "$rc" -ne 65 ]; then
			fail_note "$name: exit $rc, want 65: $(err1)"
			continue
		fi
		cmp -s "$T/want" "$T/out" ||
		    fail_note "$name: good lines around it not passed: $(outline)"
		check_bad "$name" 5 "$(kind_of "$f")"
		cmp -s "$f" "$T/bad" || fail_note "$name: errors-output differs"
	done
	report
}

@test "invalid: --strict stops at the first bad record, after flushing" {
	printf '{"n":1}\n{"n":2}\n' >"$T/want"
	for f in "$CONF"/invalid/*.ndjson; do
		name=invalid/$(basename "$f")
		{
			printf '{"n":1}\n{"n":2}\n'
			cat "$f"
			printf '{"n":4}\n'
		} >"$T/in"
		sf --strict true "$T/in"
		[ "$rc" -eq 65 ] || { fail_note "$name: exit $rc, want 65"; continue; }
		cmp -s "$T/want" "$T/out" ||
		    fail_note "$name: stdout is not the two earlier records"
		check_bad "$name" 3 "$(kind_of "$f")"
	done
	report
}

@test "invalid: --strict flushes earlier output on a pipe too" {
	{
		printf '{"n":1}\n{"n":2}\n'
		cat "$CONF/invalid/json-two-objects.ndjson"
		printf '{"n":4}\n'
	} >"$T/in"
	rc=0
	cat "$T/in" | "$SF" --strict true >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" -eq 65 ]
	printf '{"n":1}\n{"n":2}\n' >"$T/want"
	cmp "$T/want" "$T/out"
}

@test "invalid: blank lines count for line numbers" {
	printf '\n \n\t\r\n{bad\n{"a":1}\n' >"$T/in"
	sf true "$T/in"
	[ "$rc" -eq 65 ]
	grep -qE '^stream-filter: line 4: [^ ]' "$T/err"
	[ "$(cat "$T/out")" = '{"a":1}' ]
}

@test "invalid: a bad CRLF line goes to --errors-output without its CR" {
	printf '{"a":1}\r\n{bad}\r\n' >"$T/in"
	sf --errors-output "$T/bad" true "$T/in"
	[ "$rc" -eq 65 ]
	printf '{bad}\n' >"$T/want"
	cmp "$T/want" "$T/bad"
}

@test "invalid: the first 10 bad records are shown, then a count" {
	for i in $(seq 1 15); do printf '{"n":%d}\n[%d]\n' "$i" "$i"; done >"$T/in"
	sf true "$T/in"
	[ "$rc" -eq 65 ]
	[ "$(wc -l <"$T/out")" -eq 15 ]
	[ "$(grep -cE '^stream-filter: line [0-9]+: ' "$T/err")" -eq 10 ]
	grep -qE '^stream-filter: line 2: ' "$T/err"
	grep -qE '^stream-filter: line 20: ' "$T/err"
	grep -q '15 bad' "$T/err"
}

@test "invalid: line numbers are per file, and messages name the file" {
	printf '{"a":1}\n' >"$T/one.ndjson"
	printf '{"b":1}\n\n[2]\n' >"$T/two.ndjson"
	sf true "$T/one.ndjson" "$T/two.ndjson"
	[ "$rc" -eq 65 ]
	grep -qE 'line 3: ' "$T/err"
	grep -q 'two.ndjson' "$T/err"
	printf '{"a":1}\n{"b":1}\n' >"$T/want"
	cmp "$T/want" "$T/out"
}

# --- limits -----------------------------------------------------------------

@test "limits: --max-line-bytes: the limit passes, one more is bad" {
	# 16 bytes, 17 bytes, then 16 bytes with a CRLF ending.
	printf '{"a":"12345678"}\n{"a":"123456789"}\n{"a":"12345678"}\r\n' >"$T/in"
	sf --max-line-bytes 16 --errors-output "$T/bad" true "$T/in"
	[ "$rc" -eq 65 ]
	printf '{"a":"12345678"}\n{"a":"12345678"}\n' >"$T/want"
	cmp "$T/want" "$T/out"
	grep -qE '^stream-filter: line 2: [^ ]' "$T/err"
	printf '{"a":"123456789"}\n' >"$T/want"
	cmp "$T/want" "$T/bad"
}

@test "limits: an oversize line keeps a CR of its own in --errors-output" {
	# The line is 'xxxxxxxx\r', then its CRLF ending.
	printf 'xxxxxxxx\r\r\n{"a":1}\n' >"$T/in"
	sf --max-line-bytes 7 --errors-output "$T/bad" true "$T/in"
	[ "$rc" -eq 65 ]
	printf 'xxxxxxxx\r\n' >"$T/want"
	cmp "$T/want" "$T/bad"
}

@test "limits: an oversize line keeps its own CR across a read boundary" {
	# 'aaaaaaaaa\r' arrives, then its "\r\n" ending after a pause.
	rc=0
	{ printf 'aaaaaaaaa\r'; sleep 0.3; printf '\r\n{"a":1}\n'; } |
	    "$SF" --max-line-bytes 7 --errors-output "$T/bad" true \
	    >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" -eq 65 ]
	printf 'aaaaaaaaa\r\n' >"$T/want"
	cmp "$T/want" "$T/bad"
}

@test "limits: the default line limit is 16 MiB" {
	{
		printf '{"a":"'; head -c $((16777216 - 8)) /dev/zero | tr '\0' x
		printf '"}\n{"a":"'; head -c $((16777216 - 7)) /dev/zero | tr '\0' x
		printf '"}\n'
	} >"$T/in"
	sf true "$T/in"
	[ "$rc" -eq 65 ]
	[ "$(wc -c <"$T/out")" -eq 16777217 ]
	grep -qE '^stream-filter: line 2: [^ ]' "$T/err"
}

@test "limits: 1,000,000 levels of nesting: a bad record, no crash, fast" {
	for n in deep-1e6 deep-1e6-open; do
		rc=0
		timeout 10 "$SF" true "$BATS_FILE_TMPDIR/huge/$n.ndjson" \
		    >"$T/out" 2>"$T/err" || rc=$?
		[ "$rc" -eq 65 ] || { fail_note "$n: exit $rc, want 65: $(err1)"; continue; }
		[ -s "$T/out" ] && fail_note "$n: wrote to stdout"
		grep -qE '^stream-filter: line 1: [^ ]' "$T/err" ||
		    fail_note "$n: no 'line 1:' message: $(err1)"
	done
	report
}

@test "limits: a 100 MB line is a bad record; the tool stays small, goes on" {
	[ -x /usr/bin/time ] || skip "no /usr/bin/time"
	rc=0
	timeout 20 /usr/bin/time -f %M -o "$T/rss" "$SF" true \
	    "$BATS_FILE_TMPDIR/huge/line-100mb.ndjson" >"$T/out" 2>"$T/err" ||
	    rc=$?
	[ "$rc" -eq 65 ]
	printf '{"n":1}\n{"n":3}\n' >"$T/want"
	cmp "$T/want" "$T/out"
	grep -qE '^stream-filter: line 2: [^ ]' "$T/err"
	grep -q 'max-line-bytes' "$T/err"
	rss=$(tail -n 1 "$T/rss")
	echo "max RSS ${rss} kB"
	# AddressSanitizer's shadow memory and quarantine cost their own.
	[ "$rss" -lt $([ "${SK_SANITIZE:-}" = 1 ] && echo 196608 || echo 65536) ]
}

@test "limits: a 100 MB line lands in --errors-output whole" {
	rc=0
	timeout 20 "$SF" --errors-output "$T/bad" true \
	    "$BATS_FILE_TMPDIR/huge/line-100mb.ndjson" >"$T/out" 2>"$T/err" ||
	    rc=$?
	[ "$rc" -eq 65 ]
	sed -n 2p "$BATS_FILE_TMPDIR/huge/line-100mb.ndjson" >"$T/want"
	cmp "$T/want" "$T/bad"
	rm -f "$T/want" "$T/bad"
}

# --- decoded strings --------------------------------------------------------

# A string in a record and the same JSON string in EXPR are one value:
# escapes decode the same way in both (a lone surrogate escape being
# U+FFFD, as lib/path.c and lib/jcur.c decode it, and jq).
@test "strings: record values decode like EXPR literals" {
	while IFS='	' read -r rec expr; do
		printf '%s\n' "$rec" >"$T/in"
		sf "$expr" "$T/in"
		if [ "$rc" -ne 0 ] || ! cmp -s "$T/in" "$T/out"; then
			fail_note "$rec | $expr: exit $rc, matched: $(cat "$T/out")"
		fi
	done <<'CASES'
{"a":"\u00e9"}	.a == "é"
{"a":"é"}	.a == "\u00e9"
{"a":"\ud83d\ude00"}	.a == "😀"
{"a":"x\u0000y"}	.a == "x\u0000y" and length(.a) == 3
{"a":"\ud800"}	.a == "\ud800"
{"a":"\udc00"}	.a == "\udc00"
{"a":"\ud800"}	.a == "\ufffd"
{"a":"\ud800\u0041"}	.a == "\ufffdA" and length(.a) == 2
{"a":"\udc00\ud800"}	length(.a) == 2
{"a":"\/\b\f\n\r\t"}	.a == "/\b\f\n\r\t"
CASES
	report
}
