#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# make install / uninstall into a DESTDIR: the conventional tree.

load helpers

@test "make install DESTDIR PREFIX: binaries, man pages, completions" {
	d="$BATS_TEST_TMPDIR/root"
	make -C "$BATS_TEST_DIRNAME/.." --no-print-directory install \
	    DESTDIR="$d" PREFIX=/usr/local >/dev/null
	for t in filter watermark window agg join; do
		[ -x "$d/usr/local/bin/stream-$t" ]
		[ -f "$d/usr/local/share/man/man1/stream-$t.1" ]
		[ -f "$d/usr/local/share/bash-completion/completions/stream-$t" ]
		[ -f "$d/usr/local/share/fish/vendor_completions.d/stream-$t.fish" ]
	done
	[ -f "$d/usr/local/share/man/man7/streamkit.7" ]
	[ -f "$d/usr/local/share/zsh/vendor-completions/_streamkit" ]
	# Nothing else lands outside PREFIX.
	[ "$(ls "$d")" = usr ]
	[ "$(ls "$d/usr")" = local ]
	# The installed tool runs and finds nothing of the build tree.
	echo '{"a":1}' | "$d/usr/local/bin/stream-filter" '.a == 1' |
	    grep -qx '{"a":1}'
	make -C "$BATS_TEST_DIRNAME/.." --no-print-directory uninstall \
	    DESTDIR="$d" PREFIX=/usr/local >/dev/null
	[ -z "$(find "$d" -type f)" ]
}
