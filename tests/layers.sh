#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/layers.sh [BUILD] - the engine never prints, never exits, and
# never calls into the tool runtime (run by `make check`).
#
# The object of every engine source (lib/X.c: BUILD/lib/X.o, BUILD
# defaults to build; run from the top of the tree) is read with `nm -u`: it must not use exit, _exit, abort, the printf and
# puts families, perror, stderr or stdout (a fault goes back to the
# caller instead), nor any symbol that an object of the tool runtime
# (cmd/common/X.c: BUILD/cmd/common/X.o) defines.  Prints each offence and exits 1, or
# says how many objects it read and exits 0.
set -eu

build=${1:-build}
forbidden='exit _exit _Exit quick_exit abort printf vprintf fprintf vfprintf
dprintf vdprintf puts fputs putchar putc fputc perror stderr stdout
__printf_chk __fprintf_chk __vfprintf_chk __vprintf_chk __dprintf_chk'

set --
for c in lib/*.c; do
	o=$build/lib/$(basename "$c" .c).o
	if [ ! -f "$o" ]; then
		echo "layers.sh: no $o (run make first)" >&2
		exit 2
	fi
	set -- "$@" "$o"
done
rt=$(for c in cmd/common/*.c; do
	nm --defined-only "$build/cmd/common/$(basename "$c" .c).o"
done | awk 'NF == 3 && $2 ~ /[TDBR]/ { print $3 }' | sort -u)
bad=0
for o in "$@"; do
	for sym in $(nm -u "$o" | awk '{ print $NF }' | sed 's/@.*//'); do
		for f in $forbidden; do
			if [ "$sym" = "$f" ]; then
				echo "layers.sh: ${o#"$build"/} uses $sym" \
				    "(the engine returns a struct fault)"
				bad=1
			fi
		done
		if printf '%s\n' "$rt" | grep -qx -- "$sym"; then
			echo "layers.sh: ${o#"$build"/} calls the tool runtime's" \
			    "$sym"
			bad=1
		fi
	done
done
[ "$bad" -eq 0 ] || exit 1
echo "layers: $# engine objects: no printing, no exits, no runtime calls"
