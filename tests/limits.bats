#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# Resource limits: memory exhaustion is a clean exit 70, and the limits
# that exist to hold memory down do.

load helpers

setup_file() {
	# 300k events, each its own user: state that grows with the keys.
	awk 'BEGIN { for (i = 0; i < 300000; i++)
	    printf "{\"ts\":%d,\"user_id\":\"u%d\",\"path\":\"/p/%d\"}\n",
	    1731405600 + i / 100, i, i % 97 }' >"$BATS_FILE_TMPDIR/keys.ndjson"
}

# rss_of STATUS CMD...: the peak RSS of CMD in kB; fails (and so does
# the assignment that calls it) unless CMD exits with STATUS.
rss_of() {
	local want=$1 rc=0
	shift
	/usr/bin/time -f %M -o "$BATS_TEST_TMPDIR/rss" "$@" >/dev/null \
	    2>"$BATS_TEST_TMPDIR/err" || rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "$*: exit $rc, want $want: $(head -n 3 \
		    "$BATS_TEST_TMPDIR/err")" >&2
		return 1
	fi
	tail -n 1 "$BATS_TEST_TMPDIR/rss"
}

@test "out of memory (ulimit -v) is exit 70 with a message, never a crash" {
	[ "${SK_SANITIZE:-}" = 1 ] && skip "AddressSanitizer reserves more"
	K="$BATS_FILE_TMPDIR/keys.ndjson"
	for cmd in "stream-agg --by .user_id count 'collect(.path)'" \
	    "stream-window --tumbling 1h" \
	    "stream-filter --dedupe .user_id --within 1d true" \
	    "stream-join --within 1h --on .user_id --max-delay 1h --right $K"; do
		run bash -c "ulimit -v 24000; exec $cmd $K"
		[ "$status" -eq 70 ] || { echo "$cmd: $status"; false; }
		[[ "$output" == *"out of memory"* ]]
	done
}

@test "--stats shows the state growing with the keys" {
	run stream-agg --by .user_id count --stats "$BATS_FILE_TMPDIR/keys.ndjson"
	[ "$status" -eq 0 ]
	state=$(grep -o 'state [0-9.]* [kMG]B' <<<"$output" | tail -1)
	[[ "$state" == *" MB" ]]
}

@test "--max-events holds a window's memory down" {
	[ -x /usr/bin/time ] || skip "no /usr/bin/time"
	[ "${SK_SANITIZE:-}" = 1 ] && skip "RSS under AddressSanitizer"
	K="$BATS_FILE_TMPDIR/keys.ndjson"
	big=$(rss_of 0 stream-window --tumbling 1d "$K")
	small=$(rss_of 0 stream-window --tumbling 1d --max-events 1000 "$K")
	echo "RSS: whole window ${big} kB, --max-events 1000 ${small} kB"
	[ "$small" -lt 16384 ]
	[ "$big" -gt $((small * 2)) ]
}

@test "--max-line-bytes holds the reader's memory down" {
	[ -x /usr/bin/time ] || skip "no /usr/bin/time"
	[ "${SK_SANITIZE:-}" = 1 ] && skip "RSS under AddressSanitizer"
	{
		printf '{"a":"'
		head -c 50000000 /dev/zero | tr '\0' x
		printf '"}\n{"a":1}\n'
	} >"$BATS_TEST_TMPDIR/long"
	# The long line is a bad record under the 1 MB limit (65), read
	# whole under the 60 MB one (0).
	small=$(rss_of 65 stream-filter --max-line-bytes 1000000 true \
	    "$BATS_TEST_TMPDIR/long")
	big=$(rss_of 0 stream-filter --max-line-bytes 60000000 true \
	    "$BATS_TEST_TMPDIR/long")
	echo "RSS: limit 1 MB ${small} kB, limit 60 MB ${big} kB"
	[ "$small" -lt 16384 ]
	[ "$big" -gt 50000 ]
}
