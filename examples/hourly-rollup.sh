#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# hourly-rollup.sh - a cron job over rotated logs that resumes exactly.
#
# Each run reads the log files rotated since the last run (logrotate
# with dateext: access.log-2024111210, ...; names sort by time) and carries
# the open hourly windows over in a state file, so an hour that spans two
# runs is counted once, whole.  Windows close as event time passes them
# (--max-delay 1m); what is still open stays in the state for the next run
# (--eof keep is the default with --state).
#
# Install a copy (the package ships it as
# /usr/share/doc/streamkit/examples/hourly-rollup.sh) and run it hourly:
#
#   install -m 755 hourly-rollup.sh /usr/local/bin/
#   17 * * * *  /usr/local/bin/hourly-rollup.sh /var/log/app
#
# Usage: hourly-rollup.sh LOGDIR [STATEDIR] [OUTFILE]
set -eu
logdir=$1
statedir=${2:-/var/lib/streamkit}
out=${3:-$statedir/hourly.ndjson}
mkdir -p "$statedir"
done_list="$statedir/hourly.done"
touch "$done_list"

# Rotated files not seen before, oldest first.
new=$(ls -1 "$logdir"/access.log-* 2>/dev/null |
    grep -vxF -f "$done_list" || true)
[ -n "$new" ] || exit 0
# shellcheck disable=SC2086
stream-agg --tumbling 1h --by .service count 'avg(.latency_ms)' \
    'p99(.latency_ms) as p99' --max-delay 1m \
    --state "$statedir/hourly.state" $new >>"$out"
printf '%s\n' $new >>"$done_list"
