#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/includes.sh - the include graph has two layers and no cycles (run
# by `make check` from the top of the tree).
#
# Modules are the pairs X.c/X.h of lib/ (the engine) and cmd/common/ (the
# tool runtime); module X depends on Y when X.c or X.h includes "Y.h".
# Fails when a file of lib/ includes a header of cmd/common/ (the engine
# never climbs into the runtime), when an include names no header of
# either folder, or when the dependencies of the modules of one layer go
# round in a cycle (the cycle is printed).
set -eu

edges=$(
for f in lib/*.c lib/*.h cmd/common/*.c cmd/common/*.h cmd/*.c; do
	from=$(basename "$f")
	from=${from%.*}
	case $f in
	lib/*)		layer=engine ;;
	cmd/common/*)	layer=runtime ;;
	*)		layer=command ;;
	esac
	sed -n 's/^#[ 	]*include[ 	]*"\([^"]*\)".*/\1/p' "$f" |
	while read -r h; do
		if [ -f "lib/$h" ]; then
			to=engine
		elif [ -f "cmd/common/$h" ]; then
			to=runtime
		else
			to=unknown
		fi
		echo "$layer $f $from ${h%.h} $to"
	done
done)

bad=0
up=$(printf '%s\n' "$edges" | awk '$1 == "engine" && $5 != "engine" {
	print "includes.sh: " $2 " includes " $4 ".h, which is not an " \
	    "engine header" }')
if [ -n "$up" ]; then
	printf '%s\n' "$up"
	bad=1
fi
unknown=$(printf '%s\n' "$edges" | awk '$5 == "unknown" {
	print "includes.sh: " $2 " includes " $4 ".h, found nowhere" }')
if [ -n "$unknown" ]; then
	printf '%s\n' "$unknown"
	bad=1
fi

# Depth-first search over each layer's module graph; a grey node met
# again closes a cycle.
cycles=$(printf '%s\n' "$edges" | awk '
$1 != "command" && $3 != $4 && $1 == $5 {
	if (!((($3) SUBSEP ($4)) in seen)) {
		seen[$3, $4] = 1
		adj[$3] = adj[$3] " " $4
	}
	node[$3] = 1
	node[$4] = 1
}
function visit(n, path,   k, m, i, list) {
	color[n] = 1
	k = split(adj[n], list, " ")
	for (i = 1; i <= k; i++) {
		m = list[i]
		if (color[m] == 1) {
			print "includes.sh: cycle: " path " -> " m
			found = 1
		} else if (color[m] == 0)
			visit(m, path " -> " m)
	}
	color[n] = 2
}
END {
	for (n in node)
		if (color[n] == 0)
			visit(n, n)
}')
if [ -n "$cycles" ]; then
	printf '%s\n' "$cycles"
	bad=1
fi
[ "$bad" -eq 0 ] || exit 1
n=$(printf '%s\n' "$edges" | awk '$1 != "command" { print $3 }' | sort -u |
    wc -l)
echo "includes: $n modules in two layers, no cycle, no include upward"
