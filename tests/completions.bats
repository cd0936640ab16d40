#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# completions.bats - the bash, zsh and fish completions: generated from the
# option table and up to date, and they complete what they should.

load helpers

COMP=$BATS_TEST_DIRNAME/../completions
TOOLS="stream-filter stream-watermark stream-window stream-agg stream-join"

need_tools() {
	local t
	for t in $TOOLS; do
		[ -x "$SK_BIN/$t" ] || skip "$t is not built"
	done
}

# comp WORD...: load the bash completion and complete the last WORD
# (COMP_WORDS as bash would split them); prints COMPREPLY one per line.
comp() {
	bash -c '
		source "$1"
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		COMPREPLY=()
		_streamkit "$1" "${COMP_WORDS[COMP_CWORD]}" \
		    "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}"
	' _ "$COMP/streamkit.bash" "$@"
}

@test "the generated completions are up to date (run completions/gen.sh)" {
	need_tools
	local out=$BATS_TEST_TMPDIR/gen
	"$COMP/gen.sh" "$SK_BIN" "$out"
	run diff -r -x gen.sh "$COMP" "$out"
	echo "$output"
	[ "$status" -eq 0 ]
	# and nothing was left out: one fish file per tool, nothing more.
	[ "$(ls "$out" | sort | tr '\n' ' ')" = \
	    "_streamkit stream-agg.fish stream-filter.fish stream-join.fish stream-watermark.fish stream-window.fish streamkit.bash " ]
}

@test "gen.sh fails when a tool is missing" {
	mkdir -p "$BATS_TEST_TMPDIR/empty"
	run "$COMP/gen.sh" "$BATS_TEST_TMPDIR/empty" "$BATS_TEST_TMPDIR/o"
	[ "$status" -ne 0 ]
	[[ $output == *missing* ]]
	[ ! -e "$BATS_TEST_TMPDIR/o/streamkit.bash" ]
}

@test "bash: the file loads and registers all five tools" {
	run bash -c 'source "$1" && complete -p '"$TOOLS" _ "$COMP/streamkit.bash"
	[ "$status" -eq 0 ]
	for t in $TOOLS; do
		[[ $output == *"complete -F _streamkit $t"* ]]
	done
}

@test "bash: long options complete" {
	run comp stream-window --tu
	[ "$output" = "--tumbling" ]
	run comp stream-join --ri
	[ "${lines[*]}" = "--right --right-time --right-kcat" ]
	run comp stream-filter --exit
	[ "$output" = "--exit-status" ]
}

@test "bash: options belong to their tool" {
	run comp stream-watermark --tu
	[ "$output" = "" ]
	run comp stream-filter --so
	[ "$output" = "" ]
	run comp stream-watermark --so
	[ "$output" = "--sort" ]
}

@test "bash: words after --eof, --type, --time-format, --late" {
	run comp stream-window --eof ""
	[ "${lines[*]}" = "flush keep" ]
	run comp stream-join --type ""
	[ "${lines[*]}" = "inner left right full" ]
	run comp stream-agg --time-format epoch-m
	[ "$output" = "epoch-ms" ]
	run comp stream-watermark --late p
	[ "$output" = "pass" ]
}

@test "bash: durations after duration options" {
	run comp stream-window --max-delay ""
	[ "${lines[*]}" = "1s 10s 1m 5m 1h" ]
	run comp stream-agg --tumbling 1
	[ "${lines[*]}" = "1s 10s 1m 1h" ]
}

@test "bash: files after --state, --right, --late-output and as operands" {
	mkdir -p "$BATS_TEST_TMPDIR/d"
	cd "$BATS_TEST_TMPDIR/d"
	touch snap.state other.ndjson
	run comp stream-window --state sn
	[ "$output" = "snap.state" ]
	run comp stream-join --right ot
	[ "$output" = "other.ndjson" ]
	run comp stream-agg --late-output o
	[ "$output" = "other.ndjson" ]
	run comp stream-filter '.a == 1' o
	[ "$output" = "other.ndjson" ]
}

@test "bash: nothing is offered for paths and free arguments" {
	mkdir -p "$BATS_TEST_TMPDIR/d"
	cd "$BATS_TEST_TMPDIR/d"
	touch afile
	run comp stream-agg --by ""
	[ "$output" = "" ]
	run comp stream-filter -t ""
	[ "$output" = "" ]
	run comp stream-filter --arg ""
	[ "$output" = "" ]
	run comp stream-filter --arg NAME ""
	[ "$output" = "" ]
	run comp stream-filter --sample ""
	[ "$output" = "" ]
}

@test "bash: an optional argument is completed after '=' only" {
	run comp stream-filter --stats = 1
	[ "${lines[*]}" = "1s 10s 1m 1h" ]
	run comp stream-filter --stats =
	[ "${lines[*]}" = "1s 10s 1m 5m 1h" ]
	run comp stream-filter --stats=1m
	[ "$output" = "--stats=1m" ]
	run comp stream-window --state=/nonexistent/x
	[ "$output" = "" ]
}

@test "bash: stream-agg operands complete aggregate names" {
	run comp stream-agg su
	[ "$output" = "sum(" ]
	run comp stream-agg --by .service count p9
	[ "${lines[*]}" = "p90( p99( p999(" ]
	run comp stream-agg "'approx"
	[ "${lines[*]}" = "approx_distinct( approx_top(" ]
	run comp stream-agg "'approx_t"
	[ "$output" = "approx_top(" ]
	run comp stream-agg co
	[ "${lines[*]}" = "count collect(" ]
}

@test "bash: short options" {
	run comp stream-filter -
	[[ " ${lines[*]} " == *" -q "* ]]
	[[ " ${lines[*]} " == *" --exit-status "* ]]
	run comp stream-filter -t
	[ "$output" = "-t" ]
}

@test "zsh: the file parses and registers all five tools" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	zsh -n "$COMP/_streamkit"
	run zsh -f -c '
		fpath=("$1" $fpath)
		autoload -Uz compinit && compinit -u -D
		for t in stream-filter stream-watermark stream-window \
		    stream-agg stream-join; do
			print -r -- "$t=$_comps[$t]"
		done
		autoload -Uz +X _streamkit && print loaded' _ "$COMP"
	[ "$status" -eq 0 ]
	for t in $TOOLS; do
		[[ $output == *"$t=_streamkit"* ]]
	done
	[[ $output == *loaded* ]]
}

@test "zsh: --eof completes flush and keep" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	zsh -f -c 'zmodload zsh/zpty' 2>/dev/null || skip "no zsh/zpty"
	run timeout 30 zsh -f -c '
		zmodload zsh/zpty
		zpty z "zsh -f -i"
		zpty -w z "PROMPT=\"> \"; fpath=($1 \$fpath); autoload -Uz compinit; compinit -u -D; zstyle \":completion:*\" list-prompt \"\""
		zpty -w -n z "stream-window --eof "$'"'"'\t\t'"'"'
		out= i=0
		while (( i++ < 100 )); do
			zpty -r -t z chunk 2>/dev/null && out+=$chunk
			[[ $out == *flush*keep* ]] && break
			sleep 0.1
		done
		zpty -d z
		print -r -- "$out"' _ "$COMP"
	[[ $output == *flush*keep* ]]
}

@test "fish: every file parses and completes" {
	command -v fish >/dev/null || skip "fish is not installed"
	local f
	for f in "$COMP"/*.fish; do
		fish -n "$f"
	done
	run fish -c 'for f in $argv; source $f; end
		complete -C "stream-window --tu"
		complete -C "stream-window --eof "
		complete -C "stream-agg su"
		complete -C "stream-join --type "' "$COMP"/*.fish
	[ "$status" -eq 0 ]
	[[ $output == *"--tumbling"* ]]
	[[ $output == *flush*keep* ]]
	[[ $output == *"sum("* ]]
	[[ $output == *full*inner*left*right* ]]
}
