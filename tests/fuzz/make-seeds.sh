#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# make-seeds.sh - write the seed corpora of the fuzz harnesses.
#
# Usage: tests/fuzz/make-seeds.sh   (from the top of the tree)
# Rewrites tests/fuzz/corpus/<harness>/seed-NNN files: small valid and
# near-valid inputs for each harness.  The files are committed; rerun
# this after changing it.  Fuzzing never writes here (fuzz.mk copies).
set -eu

top=tests/fuzz/corpus
n=0
harness=""

start() {
	harness=$1
	n=0
	rm -rf "${top:?}/$harness"
	mkdir -p "$top/$harness"
}

# seed FORMAT [ARG...]: one file, contents as printf writes them.
seed() {
	n=$((n + 1))
	# shellcheck disable=SC2059
	printf -- "$@" > "$top/$harness/$(printf 'seed-%03d' "$n")"
}

# Records: one line each, good and nearly good.
records() {
	seed '{"a":1}'
	seed '{"a":{"b":[1,2]},"k.y":"v","ts":1731405600}\n{"a":null}\n'
	seed '{"@watermark":"2024-11-12T10:00:05.000Z"}\n'
	seed '{"@partial":{"w":[1,2]}}\n{"@watermark":1,"x":2}\n'
	seed '{"a":"\\u00e9\\ud83d\\ude00\\n\\t\\"\\\\\\/"}\n'
	seed '{"a":"\\ud800"}\n{"a":"\\udc00x"}\n'
	seed '{"a":"\303\251\342\202\254\360\237\230\200"}\n'
	seed '{"a":"\300\200"}\n{"a":"\355\240\200"}\n{"a":"\364\220\200\200"}\n'
	seed '{"a":"\342\202"}\n{"a":"x\000y"}\n'
	seed '{"a":9223372036854775807,"b":9223372036854775808}\n'
	seed '{"a":-9223372036854775809,"b":1e308,"c":1e309,"d":-0,"e":0.1e-400}\n'
	seed '{"a":01}\n{"a":NaN}\n{"a":Infinity}\n{"a":-1.5E+3}\n'
	seed '[1,2]\n"s"\n1\nnull\ntrue\n'
	seed '{"a":1}{"b":2}\n{"a":1,}\n{'"'"'a'"'"':1}\n'
	seed '{"a":1}//x\n{/*c*/"a":1}\n{"a":1,"a":[2]}\n'
	seed '  {"a" : [ 1 , {"b" : [ true , false ] } ] }\t\r\n'
	seed '{"a":[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]}\n'
	seed '{"":0,"k.y":{"z":[]},"a":{"b":{}}}\n'
	seed '{"a":{"b":[{"c":1},"x"]},"a":{"b":"y"}}\n'
	seed '{"a":1}\f\n{\v"a":1}\n'
	seed '{"x":{"y":{"z":"deep"}},"a":[0,{"k":"v"}]}\n'
	seed '{"a":"\\u0000\\u001f\\u007f"}\n'
	seed '{"a":1\n'
	seed '{"a":"unterminated}\n{"a":tru}\n{"a":nul}\n'
}

start record
records
seed '{"a":{"b":[1]}}\n{"a":{"b":[{"x":1}]}}\n{"a":{"b":"s"}}\n'
seed '{"ts":"2024-11-12T10:00:00Z","@watermark":0}\n'
seed '{"a":[1,[2,[3,[4]]]],"b":{"c":{"d":{"e":{}}}}}\n'

start expr
seed '.a == 1\n{"a":1}\n{"a":2}\n'
seed '.status >= 500 or .latency_ms > 800\n{"status":503,"latency_ms":10}\n'
seed '.msg =~ "(?i)timeout"\n{"msg":"Request TIMEOUT"}\n{"msg":5}\n'
seed '.msg !~ "^a+$"\n{"msg":"aaaa"}\n'
seed 'exists(.x) and not .x == null\n{"x":null}\n{"y":1}\n'
seed '.x in [1, 2, "a"]\n{"x":"a"}\n{"x":2.0}\n'
seed 'contains(.s, "x") or startswith(.s, "ab") or endswith(.s, "z")\n{"s":"abz"}\n'
seed 'length(.s) > 3\n{"s":"\303\251\303\251\303\251\303\251"}\n{"s":[1,2,3,4]}\n'
seed '@time > "2024-11-12T10:00:00Z"\n{"ts":1}\n'
seed '@time >= 1731405600 and @time < 1731405700000\n{"a":1}\n'
seed '(.a + .b) * 2 - .c / 4 %% 3 == 7\n{"a":1,"b":2,"c":3}\n'
seed '-.a < -(.b)\n{"a":5,"b":3}\n'
seed '.a %% 0 == null and 7 %% -1 == 0\n{"a":9223372036854775807}\n'
seed '.a + 1 > 9223372036854775807\n{"a":9223372036854775807}\n'
seed '.["k.y"] == "v" and ."a b" == 1\n{"k.y":"v","a b":1}\n'
seed '.a[0].b[1] == true\n{"a":[{"b":[false,true]}]}\n'
seed '. == .\n{"a":{"b":[1]}}\n'
seed '.a == $s or .b == $n or .c in $l or .d == $o\n{"a":"str"}\n'
seed '.m =~ $re\n{"m":"abc123"}\n'
seed '@time > $t\n{"ts":0}\n'
seed '@time < $ts or @time < $tsr\n{}\n'
seed '.a == $i or .a < $n or .a != $neg or .a == $big or .a == $u\n{"a":42}\n'
seed '$undefined == 1\n'
seed '.a == \n'
seed '.a == "\\ud800" or .a =~ "\\\\d+"\n{"a":"\\udc00"}\n'
seed 'not not not .a\n{"a":false}\n'
seed '.a < .b and .a <= .b and .a > .b and .a >= .b\n{"a":"x","b":1}\n'
seed '.a.b.c.d.e.f.g.h == 1\n{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":1}}}}}}}}\n'
seed '.x =~ "(a+)+$"\n{"x":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"}\n'
seed '"a" + "b" == "ab"\n{}\n'
seed '.a == 1 == 2\n'
seed '((((((((((.a))))))))))\n{"a":1}\n'
seed '.[\n'
seed '.a =~ "("\n'

start time
seed 'auto\n2024-11-12T10:00:00Z'
seed 'auto\n2024-11-12T10:00:00.123456789+05:30'
seed 'auto\n2024-11-12 10:00:00-0800'
seed 'auto\n1731405600'
seed 'auto\n1731405600123'
seed 'auto\n1731405600123456'
seed 'auto\n1731405600123456789'
seed 'auto\n1.7314056001234e9'
seed 'auto\n-1e-9'
seed 'rfc3339\n1677-09-21T00:12:43.145224192Z'
seed 'rfc3339\n2262-04-11T23:47:16.854775807Z'
seed 'rfc3339\n2262-04-11T23:47:16.854775808Z'
seed 'rfc3339\n2024-02-30T00:00:00Z'
seed 'rfc3339\n2024-12-31T23:59:60Z'
seed 'epoch-s\n1731405600.5'
seed 'epoch-ms\n-9223372036854'
seed 'epoch-us\n9223372036854775'
seed 'epoch-ns\n-9223372036854775808'
seed 'epoch-ns\n9223372036854775808'
seed '%%d/%%b/%%Y:%%H:%%M:%%S %%z\n12/Nov/2024:10:00:00 +0000'
seed '%%Y-%%m-%%dT%%H:%%M:%%S\n2024-11-12T10:00:00'
seed '%%s\n1731405600'
seed '%%a, %%d %%b %%Y %%T %%Z\nTue, 12 Nov 2024 10:00:00 GMT'
seed '%%j %%Y %%I%%p\n317 2024 10AM'
seed '%%%%\n%%'
seed '%%Q\nx'
seed '1h30m\n-250ms'
seed '0\n1.5s'
seed '2d\n9223372036854775807ns'
seed '106751d23h47m16s854ms775us807ns\n-106751d23h47m16s854ms775us808ns'
seed '1\302\265s\n1\316\274s'
seed 'epoch-ms\n1e400'
seed 'auto\n1e-400'
seed 'auto\n99999999999999999999999999999999999'
# The other forms of auto (SPEC 3), and near misses with suggestions.
seed 'auto\n2015-10-18 18:01:47,978'
seed 'auto\n2018-03-24 17:15:20 UTC'
seed 'auto\n20180324T171520.5+0100'
seed 'auto\n[17/May/2015:10:05:03 +0000]'
seed 'auto\nSun, 31 Aug 2014 00:29:15 +0000 (UTC)'
seed 'auto\n21 Nov 97 09:55 EST'
seed 'auto\nSun Aug 31 00:29:15 +0000 2014'
seed 'auto\nSun Nov  6 08:49:37 1994'
seed 'auto\nMar  4 17:15:20'
seed 'auto\nFeb 29 23:59:59.999'
seed 'auto\n17/May/2015 10:05:03'
seed 'auto\n10/18/2015 10:00:00 PM'
seed 'auto\nSunday, 06-Nov-94 08:49:37 GMT'

start kcat
seed '{"topic":"t","partition":0,"offset":1,"tstype":"create","ts":1731405600000,"broker":1,"key":"k","payload":"{\\"a\\":1}"}\n'
seed '{"topic":"t","partition":0,"offset":2,"ts":1,"key":null,"payload":{"a":{"b":1}}}\n'
seed '{"topic":"t","partition":1,"offset":3,"payload":null}\n'
seed '{"topic":"t","partition":1,"offset":4,"payload":"{\\n  \\"a\\": 1,\\r\\n  \\"b\\": \\"x y\\"\\n}"}\n'
seed '{"topic":"t","partition":1,"offset":5,"payload":"not json"}\n'
seed '{"topic":"t","partition":1,"offset":6,"payload":5}\n'
seed '{"topic":"t","partition":"1","offset":7,"payload":"{}"}\n'
seed '{"topic":"t","offset":8,"payload":"{}"}\n'
seed '{"topic":"t","partition":0,"offset":9.5,"payload":"{}"}\n'
seed '{"topic":"t","partition":0,"offset":10,"payload":"{\\"s\\":\\"a\\\\nb\\"}"}\n'
seed '{"topic":"t","partition":0,"offset":11,"payload":"{\\"s\\":\\"\\\\ud800\\"}\\n"}\n'
seed '{"topic":"t","partition":0,"offset":12,"payload":"[1,\\n2]"}\n'
seed '{"topic":"t","partition":0,"offset":13,"payload":"{\\"a\\":\\"\\n\\"}"}\n'
seed '{"topic":"t","partition":0,"offset":14,"payload":"{\\"a\\":1}\\n{\\"b\\":2}"}\n'
seed '{"topic":1,"partition":-1,"offset":-9223372036854775808,"ts":"x","key":5,"payload":"{\\"\\\\u0000\\":1}"}\n'
seed '{"payload":"{\\"a\\":\\"\\\\\\\\\\"}\\n"}\n'
seed '{"topic":"t","partition":0,"offset":15,"payload":"  {\\"a\\":1}  "}\n'
seed '{"topic":"t","partition":0,"offset":16,"payload":"{\\"@watermark\\":\\"2024-11-12T10:00:00Z\\"}"}\n'
seed '{"topic":"t","partition":0,"offset":17,"payload":{"@partial":{"x":1}}}\n'
seed '{"topic":"t","partition":0,"offset":18,"payload":[1,2]}\n'
seed '{"topic":"t","partition":0,"offset":19,"payload":true}\n'
seed '{"topic":"\\u00e9","partition":9223372036854775807,"offset":9223372036854775807,"ts":-1,"payload":"{}"}\n'
seed '{"topic":"t","partition":0,"offset":20,"payload":"{\\"a\\":[1,\\r\\n2],\\"b\\":\\"\\\\\\\\\\"\\"}"}\n'
seed '{"topic":"t","partition":0,"offset":21,"payload":"{\\"a\\":\\"\\\\u0000\\"}\\r"}\n{"topic":"t"}\n'
seed '{"topic":"t","partition":0,"offset":22,"key":"k\\u0000","payload":"\\ud800"}\n'
seed '{"topic":"t","partition":0,"offset":23,"payload":"\\t{\\n}\\t"}\n'

start reader
# header: flags (bit 0: two files; bits 1-2: line_max 64/1/7/300), 3 read seeds
seed '\000\001\002\003{"a":1}\n{"b":2}\n'
seed '\000\177\177\177{"a":1}\r\n\r\n  \n\t\n{"b":2}'
seed '\001\200\010\020line one\nline two\r\nline three'
seed '\002\003\005\007ab\ncd\r\n\r\n\n'
seed '\004\000\000\000123456\n1234567\n12345678\n1234567\r\n'
seed '\006\377\377\377%s\n' "$(printf '%0400d' 0)"
seed '\000\356\001\356{"a":1}\n{"b":2}\n{"c":3}\n'
seed '\001\000\001\002\n\n\n'
seed '\005\100\002\001xxxxxxxxxxxx\r\nyy\nzzzzzzzz'
seed '\000\037\037\037%s\r\n{"x":1}\n' "$(printf '%070d' 0)"
seed '\003\200\200\200a\rb\r\n\r\r\n'
seed '\000\001\001\001'
seed '\004\011\022\033ok\n1234567\r'
seed '\002\001\001\001\r\n\r\n\r\nabcdefg\r'
seed '\003\200\030\010{"a":1}\n\n{"b":2}\n'
seed '\007\003\002\001%s\r\n%s\n' "$(printf '%0300d' 0)" "$(printf '%0301d' 0)"
seed '\000\002\004\010   \t  \n\t\r\n x\n'
seed '\004\377\000\377\000\000\n\000\n'
seed '\001\100\101\102a\nb\nc\nd\ne\nf\ng\nh'
seed '\006\017\017\017%s' "$(printf '%0299d\r' 0)"
seed '\005\356\356\3561234567\r\n12345678\r\n'
seed '\000\040\041\042\n'
seed '\002\010\020\040x'

start jcur
# byte 0 picks the way: 0 typed walk, 1 jc_skip, 2 jc_raw, 3 int/uint/double
for m in '\000' '\001' '\002' '\003'; do
	seed "$m"'[1,-2.5e3,"s",true,false,null,{"a":[]}]'
	seed "$m"' {"k" : "\\u00e9\\ud83d\\ude00\\ud800x", "\\u0041":1 } '
	seed "$m"'[9223372036854775807,-9223372036854775808,18446744073709551615,18446744073709551616]'
	seed "$m"'[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]'
	seed "$m"'[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]'
	seed "$m"'{"a":1,}'
	seed "$m"'[01]'
	seed "$m"'"\303\251\300\200"'
	seed "$m"'1e999'
done
seed '\000{"count":3,"sum":{"n":2,"s":1.5},"dds":[0.01,[[1,2],[3,4]]]}'
seed '\000"\\uDFFF\\uD800\\uDC00"'

start aggdecode
# byte 0: bit 0 selects --exact quantiles; then an encoded aggset state.
# Real encodings come from the harness itself when it is built (make
# fuzz); these near-valid ones are always there.
seed '\000[]'
seed '\000[0]'
seed '\001[1,{"i":0},[1,0],[0],{"sparse":[1]},{"m":64,"items":[[0,1,0]]},[0],[0],[0,0,0],[0,0,0],0,0,[1,0,0],[1,0,0],[0]]'
seed '\000[1,{"d":1.5},[2,1e308],{"n":-1,"min":0,"max":0,"zero":0,"pos":[[1,2]],"neg":[]},{"sparse":[]},{"m":3,"items":[]},[],[],null,null,null,null,[0,0,0],[0,0,0],{"n":0}]'
seed '\000[-1,{"i":9223372036854775807},[1,null],{"n":1,"min":1,"max":0,"zero":0,"pos":[[99999999,1]],"neg":[]}]'
seed '\001[2,{"i":1},[2,1],[1,2,3],{"dense":"AAAA"},{"m":0,"items":[[1,2,3],[1,2,3]]},[1,1],[1,1],[5,"x",0],[5,{"a":1},0],"s",[1],[2,1,1e308],[2,1,-1],[3,2,1]]'
# Version 2 states (count, sum, avg, p99, approx_distinct, top, distinct,
# collect, first, last, min, max, var, stddev, quantile, approx_top): an
# int128 sum as a string, a mixed sum, avg with its count, top's exact
# counts; with --exact, integers past 2^53 among the kept values.
seed '\000[3,{"i":"170141183460469231731687303715884105727"},{"n":3,"i":-5,"d":0.5,"c":1e-17},null,null,[["a",2],[1,1]],["a",1],["a","a",1],null,null,-5,0.5,[1,0,0],[0,0,0],null,{"m":64,"items":[["a",2,0],[1,1,0]]}]'
seed '\001[2,{"i":"-170141183460469231731687303715884105728","d":1,"c":0},{"n":2,"i":1},[1731405600123456789,-0],null,[],[],[],null,null,null,null,[0,0,0],[0,0,0],[9007199254740993,1.5],null]'
# Version 3 sums: exact terms ("f", largest first), the int128's wraps
# ("w"), multiples of 2^960 ("q"); and near misses.
seed '\000[2,{"i":1,"f":[0.30000000000000004,-2.7755575615628914e-17]},{"n":2,"i":-2,"w":1},null,null,[],[],[],null,null,-0,1e15,[0,0,0],[0,0,0],null,null]'
seed '\000[2,{"f":[],"q":"-170141183460469231731687303715884105"},{"n":2,"f":[1.7976931348623157e308,1e-320],"q":1},null,null,[],[],[],null,null,null,null,[0,0,0],[0,0,0],null,null]'
seed '\000[1,{"i":1,"w":0},{"n":1,"f":[1e999]},null,null,[],[],[],null,null,null,null,[0,0,0],[0,0,0],null,null]'
seed '\000[1,{"w":1},{"n":1,"f":[1],"q":0},null,null,[],[],[],null,null,null,null,[0,0,0],[0,0,0],null,null]'
if [ -x build-fuzz/fuzz_aggdecode ]; then
	SK_FUZZ_LAX=1 SK_FUZZ_GEN_SEEDS="$top/aggdecode" \
	    build-fuzz/fuzz_aggdecode -runs=0 >/dev/null 2>&1 || true
fi

echo "seeds written under $top/"
