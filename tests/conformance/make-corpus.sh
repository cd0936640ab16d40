#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# make-corpus.sh - the JSON conformance corpus of tests/conformance.bats.
#
# Usage:
#   tests/conformance/make-corpus.sh            rewrite valid/ and invalid/
#   tests/conformance/make-corpus.sh huge DIR   write the huge cases to DIR
#
# valid/*.ndjson: one or more lines that are each one JSON object by RFC
# 8259 with nesting of at most 1000 (SPEC 1: the record is depth 1), plus
# blank lines, CRLF endings, a missing final newline.  A tool passing them
# through must write them byte for byte (CRLF becoming LF, blank lines
# dropped, a final LF added).
#
# invalid/<kind>-*.ndjson: exactly ONE line that is a bad record (SPEC 8).
# <kind> names the reason the message must give:
#   utf8    invalid UTF-8 (RFC 3629: overlong, surrogates, > U+10FFFF,
#           truncated, stray bytes)
#   json    not JSON text by RFC 8259
#   notobj  JSON text, but not an object
#   depth   nesting deeper than 1000 levels
# None contains '\n' or '\r' except the line's own final '\n'.
#
# The expected results come from RFC 8259, RFC 3629 and SPEC.md, never
# from what the tools do.  The generated files are committed; rerun this
# after changing it.  Huge cases (1,000,000 levels of nesting, a 100 MB
# line) are made on the fly by the bats suite with "huge DIR".
set -eu
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)

# rep STRING N: STRING N times, no newline.
rep() {
	awk -v s="$1" -v n="$2" 'BEGIN { for (i = 0; i < n; i++) printf "%s", s }'
}

# repc CHAR N: one character N times (fast for big N).
repc() {
	head -c "$2" /dev/zero | tr '\0' "$1"
}

# nest N: an object whose deepest container is at depth N (the record is
# depth 1), alternating arrays and objects, with a value inside.
nest() {
	n=$1
	printf '{"a":'
	awk -v n="$n" 'BEGIN {
		for (i = 2; i <= n; i++) printf (i % 2 ? "{\"k\":" : "[")
		printf "1"
		for (i = n; i >= 2; i--) printf (i % 2 ? "}" : "]")
	}'
	printf '}'
}

huge() {
	dir=$1
	mkdir -p "$dir"
	# 1,000,000 levels: arrays inside the record.
	{
		printf '{"a":'
		repc '[' 999999
		repc ']' 999999
		printf '}\n'
	} >"$dir/deep-1e6.ndjson"
	# The same, but cut short: never closed.
	{
		printf '{"a":'
		repc '[' 999999
		printf '\n'
	} >"$dir/deep-1e6-open.ndjson"
	# A 100 MB line between two good ones (line 2).
	{
		printf '{"n":1}\n'
		printf '{"big":"'
		repc x 104857600
		printf '"}\n'
		printf '{"n":3}\n'
	} >"$dir/line-100mb.ndjson"
}

if [ "${1:-}" = huge ]; then
	huge "${2:?usage: make-corpus.sh huge DIR}"
	exit 0
fi

V=$here/valid
I=$here/invalid
rm -rf "$V" "$I"
mkdir -p "$V" "$I"

# v NAME FORMAT [ARG...]: a valid file (printf FORMAT, written as is).
v() {
	name=$1
	shift
	printf -- "$@" >"$V/$name.ndjson"
}

# bad KIND-NAME FORMAT [ARG...]: one bad line; the final '\n' is added.
bad() {
	name=$1
	shift
	{ printf -- "$@"; printf '\n'; } >"$I/$name.ndjson"
}

# vgen NAME, badgen KIND-NAME: the same, contents from standard input.
vgen() {
	cat >"$V/$1.ndjson"
}

badgen() {
	{ cat; printf '\n'; } >"$I/$1.ndjson"
}

# --- valid: strings and Unicode -------------------------------------------

v unicode-escapes '{"a":"\\u00e9\\u4e2d\\u20ac","b":"\\u0041\\u0042","c":"\\u0000\\u001f\\u007f"}\n'
v unicode-escapes-case '{"a":"\\u00E9\\u00e9\\uABCD\\uabcd"}\n'
v surrogate-pair '{"a":"\\ud83d\\ude00","b":"\\uD834\\uDD1E","c":"x\\udbff\\udfffy"}\n'
v lone-surrogate-high '{"a":"\\ud800"}\n'
v lone-surrogate-low '{"a":"\\udc00"}\n'
v lone-surrogates-mixed '{"a":"\\udc00\\ud800","b":"\\ud800x","c":"\\ud800\\u0041","d":"\\udfff"}\n'
v lone-surrogate-key '{"\\ud800":1,"\\udc00":2}\n'
v utf8-2byte '{"a":"\303\251\303\274\302\200\337\277"}\n'
v utf8-3byte '{"a":"\342\202\254\344\270\255\340\240\200\355\237\277\356\200\200\357\277\277"}\n'
v utf8-4byte '{"a":"\360\237\230\200\360\220\200\200\364\217\277\277"}\n'
v utf8-keys '{"\303\251t\303\251":1,"\360\237\230\200":2,"\344\270\255":3}\n'
v utf8-bom-in-string '{"a":"\357\273\277x"}\n'
v escapes-all '{"a":"\\"\\\\\\/\\b\\f\\n\\r\\t","\\"k\\"":"\\\\"}\n'
v del-char '{"a":"\177"}\n'
v empty-strings '{"":""}\n'

# --- valid: numbers (written back as written) -----------------------------

v int64-edges '{"max":9223372036854775807,"min":-9223372036854775808}\n'
v int64-beyond '{"a":9223372036854775808,"b":-9223372036854775809,"c":18446744073709551616,"d":123456789012345678901234567890}\n'
v double-edges '{"a":1e308,"b":1.7976931348623157e308,"c":4.9e-324,"d":2.2250738585072014e-308}\n'
v double-beyond '{"a":1e309,"b":-1e309,"c":0.1e-400,"d":1e-400,"e":5e-325}\n'
v negative-zero '{"a":-0,"b":-0.0,"c":-0e0,"d":0E-0}\n'
v number-forms '{"a":0,"b":-1,"c":1.5,"d":1e2,"e":1E+2,"f":1e-2,"g":-2.5E-3,"h":10.0e10}\n'
v literals '{"t":true,"f":false,"n":null,"a":[true,false,null]}\n'

# --- valid: structure -----------------------------------------------------

v empty-object '{}\n'
v empty-containers '{"a":{},"b":[],"c":[{}],"d":[[]]}\n'
v duplicate-keys '{"a":1,"a":2,"a":{"b":1},"a":[3]}\n'
v whitespace-inside '{ "a" :\t[ 1 ,\t2 ] , "b":{ } }\n'
v whitespace-cr-inside '{"a":\r1,\r"b":2}\n'
v whitespace-around '  {"a":1}\t \n\t{"b":2}  \n'
v key-with-dots '{"k.y":1,"a b":2,"[0]":3,".":4}\n'
{ nest 1000; printf '\n'; } | vgen nesting-1000
{ printf '{"a":'; repc '[' 999; repc ']' 999; printf '}\n'; } |
    vgen nesting-1000-arrays
{ rep '{"a":' 999; printf '{}'; rep '}' 999; printf '\n'; } |
    vgen nesting-1000-objects
{
	printf '{"a":'; repc '[' 500; printf 1; repc ']' 500
	printf ',"b":'; repc '[' 999; printf '"x"'; repc ']' 999; printf '}\n'
} | vgen deep-arrays
{ printf '{"a":['; rep '1,' 9999; printf '1]}\n'; } | vgen wide-array
awk 'BEGIN { printf "{"; for (i = 0; i < 5000; i++) printf "\"k%d\":%d,", i, i
    print "\"end\":0}" }' | vgen many-keys
{ printf '{"'; repc k 65536; printf '":1}\n'; } | vgen long-key
{ printf '{"a":"'; repc s 262144; printf '"}\n'; } | vgen long-string
awk 'BEGIN { printf "{\"a\":\""; for (i = 0; i < 20000; i++) printf "%s", "\\u00e9\\n"
    print "\"}" }' | vgen long-escaped-string

# --- valid: lines ---------------------------------------------------------

v crlf '{"a":1}\r\n{"b":2}\r\n{"c":3}\r\n'
v crlf-mixed '{"a":1}\n{"b":2}\r\n{"c":3}\n'
v cr-before-crlf '{"a":1}\r\r\n{"b":2} \r\n'
v no-final-newline '{"a":1}\n{"b":2}'
v no-final-newline-crlf '{"a":1}\r\n{"b":2}'
v blank-lines '\n{"a":1}\n\n\n{"b":2}\n\n'
v whitespace-lines ' \n\t\n{"a":1}\n \t \n\r\n{"b":2}\n   '
v single-line '{"a":"b"}\n'
awk 'BEGIN { for (i = 1; i <= 2000; i++) printf "{\"i\":%d,\"s\":\"x%d\"}\n", i, i }' |
    vgen many-lines

# --- invalid: UTF-8 (RFC 3629) --------------------------------------------

bad utf8-overlong-2 '{"a":"\300\200"}'
bad utf8-overlong-2b '{"a":"\301\277"}'
bad utf8-overlong-3 '{"a":"\340\200\200"}'
bad utf8-overlong-3b '{"a":"\340\237\277"}'
bad utf8-overlong-4 '{"a":"\360\200\200\200"}'
bad utf8-overlong-4b '{"a":"\360\217\277\277"}'
bad utf8-surrogate-high '{"a":"\355\240\200"}'
bad utf8-surrogate-low '{"a":"\355\277\277"}'
bad utf8-surrogate-pair '{"a":"\355\240\275\355\270\200"}'
bad utf8-above-10ffff '{"a":"\364\220\200\200"}'
bad utf8-f5 '{"a":"\365\200\200\200"}'
bad utf8-ff '{"a":"\377"}'
bad utf8-fe '{"a":"\376"}'
bad utf8-truncated-2 '{"a":"\303"}'
bad utf8-truncated-3 '{"a":"\342\202"}'
bad utf8-truncated-4 '{"a":"\360\237\230"}'
bad utf8-truncated-end '{"a":"x"}\360\237'
bad utf8-lone-continuation '{"a":"\200"}'
bad utf8-continuation-run '{"a":"\200\201\202\203"}'
bad utf8-in-key '{"\300\200":1}'
bad json-utf8-outside-string '{"a":1,\303\251:2}'
bad utf8-latin1 '{"a":"caf\351"}'

# --- invalid: JSON syntax (RFC 8259) --------------------------------------

bad json-nul-in-string '{"a":"x\000y"}'
bad json-nul-outside '{"a":\0001}'
bad json-nul-after '{"a":1}\000'
bad json-nul-only '\000'
bad json-control-01 '{"a":"\001"}'
bad json-control-1f '{"a":"\037"}'
bad json-control-tab '{"a":"x\ty"}'
bad json-control-cr '{"a":"x\015y"}'
bad json-control-in-key '{"\002":1}'
bad json-leading-zero '{"a":01}'
bad json-leading-zero-neg '{"a":-01}'
bad json-leading-zeros '{"a":00}'
bad json-leading-zero-frac '{"a":01.5}'
bad json-nan '{"a":NaN}'
bad json-infinity '{"a":Infinity}'
bad json-neg-infinity '{"a":-Infinity}'
bad json-plus-sign '{"a":+1}'
bad json-bare-fraction '{"a":.5}'
bad json-trailing-dot '{"a":1.}'
bad json-bare-exponent '{"a":1e}'
bad json-exponent-sign-only '{"a":1e+}'
bad json-minus-only '{"a":-}'
bad json-hex '{"a":0x10}'
bad json-underscore '{"a":1_000}'
bad json-two-objects '{"a":1}{"b":2}'
bad json-two-objects-space '{"a":1} {"b":2}'
bad json-object-then-number '{"a":1} 2'
bad json-object-then-garbage '{"a":1} x'
bad json-extra-close '{"a":1}}'
bad json-trailing-comma-object '{"a":1,}'
bad json-trailing-comma-array '{"a":[1,2,]}'
bad json-leading-comma '{,"a":1}'
bad json-double-comma '{"a":1,,"b":2}'
bad json-empty-array-comma '{"a":[,]}'
bad json-single-quote-key "{'a':1}"
bad json-single-quote-value "{\"a\":'x'}"
bad json-comment-line '{"a":1} // c'
bad json-comment-block '{/* c */"a":1}'
bad json-comment-hash '{"a":1} # c'
bad json-unquoted-key '{a:1}'
bad json-number-key '{1:1}'
bad json-null-key '{null:1}'
bad json-missing-colon '{"a" 1}'
bad json-double-colon '{"a"::1}'
bad json-missing-value '{"a":}'
bad json-missing-comma '{"a":1 "b":2}'
bad json-unclosed-object '{"a":1'
bad json-unclosed-array '{"a":[1,2}'
bad json-unclosed-string '{"a":"x}'
bad json-mismatched '{"a":[1}]'
bad json-bad-escape-x '{"a":"\\x41"}'
bad json-bad-escape-a '{"a":"\\a"}'
bad json-bad-escape-quote "{\"a\":\"\\\\'\"}"
bad json-bad-escape-U '{"a":"\\U0041"}'
bad json-short-u '{"a":"\\u12"}'
bad json-nonhex-u '{"a":"\\uZZZZ"}'
bad json-escape-at-end '{"a":"\\'
bad json-true-case '{"a":True}'
bad json-null-case '{"a":NULL}'
bad json-tru '{"a":tru}'
bad json-nul-word '{"a":nul}'
bad json-formfeed-ws '{\f"a":1}'
bad json-vtab-ws '{"a":\v1}'
bad json-nbsp-ws '{"a":\302\2401}'
bad json-close-only '}'
bad json-word 'hello'
bad json-garbage '\001\002\003\004\005\006\007\010\016\017\020\021\022\023\024\025\026\027\030\031\032\033\034\035\036\037\177'
bad json-binary '\211PNG\032\000\000\000IHDR\000\000\001\000\000\377\376\375'
bad json-lone-quote '"'
bad json-empty-key-colon '{:1}'

# --- invalid: JSON, but not an object (SPEC 1) ----------------------------

bad notobj-array '[1,2]'
bad notobj-empty-array '[]'
bad notobj-string '"s"'
bad notobj-number '1'
bad notobj-negative '-1.5e3'
bad notobj-true 'true'
bad notobj-false 'false'
bad notobj-null 'null'
bad notobj-array-of-objects '[{"a":1}]'

# --- invalid: nesting deeper than 1000 (SPEC 8) ---------------------------

nest 1001 | badgen depth-1001
{ printf '{"a":'; repc '[' 1000; repc ']' 1000; printf '}'; } |
    badgen depth-1001-arrays
{ rep '{"a":' 1000; printf '{}'; rep '}' 1000; } | badgen depth-1001-objects
{ printf '{"a":'; repc '[' 1000; } | badgen json-deep-unclosed
{ printf '{"a":'; repc '[' 4999; repc ']' 4999; printf '}'; } |
    badgen depth-5000

echo "valid: $(ls "$V" | wc -l) files, invalid: $(ls "$I" | wc -l) files"
