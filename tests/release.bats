#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# release.bats - the version is set once, in the Makefile: every tool's
# --version, NEWS and debian/changelog follow it; LICENSE and
# debian/copyright give the same licence.

load helpers

TOP=$BATS_TEST_DIRNAME/..
TOOLS="stream-filter stream-watermark stream-window stream-agg stream-join"

version() {
	make -C "$TOP" -s --no-print-directory version
}

@test "make version prints the Makefile's VERSION" {
	run version
	[ "$status" -eq 0 ]
	[[ $output =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]
	[ "$output" = "$(sed -n 's/^VERSION[[:space:]]*=[[:space:]]*//p' "$TOP/Makefile")" ]
}

@test "every tool's --version prints VERSION, then its libraries" {
	local v t
	v=$(version)
	for t in $TOOLS; do
		run "$SK_BIN/$t" --version
		[ "$status" -eq 0 ]
		[ "${lines[0]}" = "$t (streamkit) $v" ]
		[[ ${lines[1]} == "yajl "*", jansson "*", PCRE2 "* ]]
	done
}

@test "NEWS opens with the entry of VERSION" {
	local first
	first=$(sed -n 's/^\([0-9][0-9.]*\) (\([0-9-]*\))$/\1/p' "$TOP/NEWS" | head -1)
	[ "$first" = "$(version)" ]
}

@test "debian/changelog is at VERSION (a native package: no revision)" {
	local top
	top=$(sed -n '1s/^streamkit (\([^)]*\)) .*/\1/p' "$TOP/debian/changelog")
	[ "$top" = "$(version)" ]
}

@test "debian/copyright carries LICENSE's terms" {
	# The licence body of both, with the layout taken out: DEP-5 indents
	# it and writes blank lines as " .".
	sed -n '/^Redistribution/,$p' "$TOP/LICENSE" | tr -s ' \n' '  ' \
	    >"$BATS_TEST_TMPDIR/license"
	sed -n '/^License: BSD-2-Clause$/,$p' "$TOP/debian/copyright" |
	    sed -n '/^ Redistribution/,$p' | sed 's/^ \.$//' |
	    tr -s ' \n' '  ' | sed 's/^ //' >"$BATS_TEST_TMPDIR/copyright"
	run diff "$BATS_TEST_TMPDIR/license" "$BATS_TEST_TMPDIR/copyright"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qx 'BSD 2-Clause License' "$TOP/LICENSE"
	grep -qx 'Copyright (c) [0-9]*, the streamkit authors' "$TOP/LICENSE"
	grep -qx 'Copyright: [0-9]* the streamkit authors' "$TOP/debian/copyright"
}
