#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# deb.bats - the Debian package that make deb built, as a user gets it.
#
# Not part of make check (it needs the package): run after make deb,
#   bats tests/pkg/deb.bats                    unpacks it with dpkg -x
#   SK_DEB_INSTALL=1 bats tests/pkg/deb.bats   installs it with dpkg -i
#                                              (root; CI does this)
# SK_DEB names another .deb than dist/streamkit_VERSION_ARCH.deb.  An
# install by this file is purged again at the end unless the package was
# installed before.

TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
TOOLS="stream-filter stream-watermark stream-window stream-agg stream-join"

setup_file() {
	local v arch state
	v=$(make -C "$TOP" -s --no-print-directory version)
	arch=$(dpkg --print-architecture)
	export SK_VERSION=$v
	export SK_DEB=${SK_DEB:-$TOP/dist/streamkit_${v}_$arch.deb}
	[ -f "$SK_DEB" ] || {
		echo "$SK_DEB is missing: run make deb first" >&2
		return 1
	}
	state=$BATS_FILE_TMPDIR/state
	if [ "${SK_DEB_INSTALL:-}" = 1 ]; then
		if dpkg-query -W -f='${Status}' streamkit 2>/dev/null |
		    grep -q 'install ok installed'; then
			: >"$state.had"
		fi
		# Dependencies that are missing make dpkg -i fail: apt brings
		# them in (it prints why).
		dpkg -i "$SK_DEB" >"$state.log" 2>&1 ||
		    apt-get install -y -f -qq >>"$state.log" 2>&1 || {
			cat "$state.log" >&2
			return 1
		}
		dpkg-query -W -f='${Status}' streamkit | grep -q 'install ok installed'
		export SK_ROOT=
	else
		dpkg -x "$SK_DEB" "$BATS_FILE_TMPDIR/root"
		export SK_ROOT=$BATS_FILE_TMPDIR/root
	fi
}

teardown_file() {
	if [ "${SK_DEB_INSTALL:-}" = 1 ] &&
	    [ ! -e "$BATS_FILE_TMPDIR/state.had" ]; then
		dpkg -P streamkit >/dev/null
	fi
}

@test "the package holds the tools, pages, completions, docs and examples" {
	local t f
	{
		for t in $TOOLS; do
			echo "usr/bin/$t"
			echo "usr/share/man/man1/$t.1.gz"
			echo "usr/share/bash-completion/completions/$t"
			echo "usr/share/fish/vendor_completions.d/$t.fish"
		done
		echo usr/share/man/man7/streamkit.7.gz
		echo usr/share/zsh/vendor-completions/_streamkit
		for f in README.gz NEWS.gz changelog.gz copyright; do
			echo "usr/share/doc/streamkit/$f"
		done
		for f in "$TOP"/examples/*; do
			echo "usr/share/doc/streamkit/examples/${f##*/}"
		done
	} | sort >"$BATS_TEST_TMPDIR/want"
	dpkg-deb --fsys-tarfile "$SK_DEB" | tar -t |
	    grep -v '/$' | sed 's,^\./,,' | sort >"$BATS_TEST_TMPDIR/got"
	run diff -u "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "Depends names the libraries the tools are linked with" {
	run dpkg-deb -f "$SK_DEB" Depends
	[ "$status" -eq 0 ]
	echo "$output"
	[[ $output == *libc6* ]]
	[[ $output == *libjansson4* ]]
	[[ $output == *libyajl2* ]]
	[[ $output == *libpcre2-8-0* ]]
}

@test "every installed tool runs and prints VERSION" {
	local t
	for t in $TOOLS; do
		[ -x "$SK_ROOT/usr/bin/$t" ]
		run "$SK_ROOT/usr/bin/$t" --version
		[ "$status" -eq 0 ]
		[ "${lines[0]}" = "$t (streamkit) $SK_VERSION" ]
	done
	if [ -z "$SK_ROOT" ]; then
		[ "$(command -v stream-agg)" = /usr/bin/stream-agg ]
	fi
}

@test "a README pipeline runs on the installed tools and examples" {
	# Tour example 2, run as written in the doc directory (which holds
	# examples/); its expected output is the README's.
	local cmd='stream-watermark --max-delay 5s examples/access.ndjson | stream-filter --keep .ts,.service true | head -4'
	awk -v c="    \$ $cmd" '
	    $0 == c { on = 1; next }
	    on && /^    [^ $]/ { print substr($0, 5); next }
	    on { exit }' "$TOP/README" >"$BATS_TEST_TMPDIR/want"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/want")" -eq 4 ]
	cd "$SK_ROOT/usr/share/doc/streamkit"
	PATH="$SK_ROOT/usr/bin:/usr/bin:/bin" bash -c "$cmd" \
	    >"$BATS_TEST_TMPDIR/got"
	run diff -u "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	echo "$output"
	[ "$status" -eq 0 ]
	# and the demo script, from where the package put it
	run env PATH="$SK_ROOT/usr/bin:/usr/bin:/bin" \
	    sh examples/demo.sh "$SK_ROOT/usr/bin"
	[ "$status" -eq 0 ]
	[[ $output == *"busiest regions"* ]]
}

@test "man -w stream-agg finds the installed page" {
	local m=()
	command -v man >/dev/null || skip "man-db is not installed"
	[ -z "$SK_ROOT" ] || m=(-M "$SK_ROOT/usr/share/man")
	run man "${m[@]}" -w stream-agg
	[ "$status" -eq 0 ]
	[ "$output" = "$SK_ROOT/usr/share/man/man1/stream-agg.1.gz" ]
	run man "${m[@]}" -w 7 streamkit
	[ "$status" -eq 0 ]
	[ "$output" = "$SK_ROOT/usr/share/man/man7/streamkit.7.gz" ]
}

@test "bash-completion loads the installed file: stream-agg --tu<TAB>" {
	local bc=/usr/share/bash-completion/bash_completion
	[ -f "$bc" ] || skip "bash-completion is not installed"
	# bash-completion finds a command's file on first use, by name, in
	# XDG_DATA_DIRS/bash-completion/completions: /usr/share when installed.
	run env XDG_DATA_DIRS="$SK_ROOT/usr/share" \
	    bash -c '
		source "$1"
		complete -p stream-agg 2>/dev/null && exit 3
		__load_completion stream-agg || {
			echo "no stream-agg in $XDG_DATA_DIRS/bash-completion"
			exit 4
		}
		spec=$(complete -p stream-agg) || exit 5
		fn=${spec#*-F }
		fn=${fn%% *}
		COMP_WORDS=(stream-agg --tu)
		COMP_CWORD=1
		COMP_LINE="stream-agg --tu"
		COMP_POINT=${#COMP_LINE}
		COMPREPLY=()
		"$fn" stream-agg --tu stream-agg
		printf "%s\n" "${COMPREPLY[@]}"' _ "$bc"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "--tumbling" ]
}

@test "zsh and fish find the completions where they look" {
	if command -v zsh >/dev/null; then
		run zsh -f -c 'print -l $fpath'
		[[ $output == *"/usr/share/zsh/vendor-completions"* ]]
	fi
	if command -v fish >/dev/null; then
		run fish -c 'string join \n $fish_complete_path'
		[[ $output == *"/usr/share/fish/vendor_completions.d"* ]]
	fi
	[ -f "$SK_ROOT/usr/share/zsh/vendor-completions/_streamkit" ]
	[ -f "$SK_ROOT/usr/share/fish/vendor_completions.d/stream-agg.fish" ]
}
