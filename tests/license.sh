#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# license.sh - list the source files whose header lacks the licence line.
#
# Usage: tests/license.sh [DIR]   (default: the tree this script is in)
#
# Every source file names its licence in one line near its top (within
# the first LICENSE_LINES lines, so a #! line may come first), in the
# comment syntax of its language:
#
#   /* SPDX-License-Identifier: BSD-2-Clause */      C, headers, JavaScript
#   # SPDX-License-Identifier: BSD-2-Clause          sh, bash, bats, make, fish
#   .\" SPDX-License-Identifier: BSD-2-Clause        man pages
#
# The authors and the full terms are in LICENSE.  Source files: C and
# headers, shell, bats, make, JavaScript, man pages, the completions, and
# every file that starts with #!.  Test data (fixtures, corpora,
# conformance inputs, fuzz regressions), examples' data and unit files,
# and debian/ (debian/copyright covers it) are not sources here.
#
# Prints one path per line; exits 1 when any file lacks the line, else 0.
set -eu

top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top"
want='SPDX-License-Identifier: BSD-2-Clause'
LICENSE_LINES=5

files() {
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files
	else
		find . -path ./.git -prune -o -path './build*' -prune \
		    -o -path ./dist -prune -o -type f -print | sed 's,^\./,,'
	fi | LC_ALL=C sort
}

missing=0
for f in $(files); do
	case $f in
	tests/fixtures/* | tests/conformance/valid/* | \
	tests/conformance/invalid/* | tests/fuzz/corpus/* | \
	tests/fuzz/regressions/* | debian/*)
		continue ;;
	*.c | *.h | *.sh | *.bash | *.bats | *.mk | *.js | *.fish | \
	*.[1-9] | Makefile | completions/_streamkit)
		;;
	*)
		[ -f "$f" ] && [ "$(head -c 2 "$f")" = '#!' ] || continue ;;
	esac
	if ! head -n "$LICENSE_LINES" "$f" | grep -qF "$want"; then
		echo "$f"
		missing=1
	fi
done
exit "$missing"
