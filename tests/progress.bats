#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# --progress (SPEC 7): one self-rewriting line on stderr, on by default
# when stderr is a terminal and an input is a regular file, never else
# unless forced, erased at exit and before any other message.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	cd "$BATS_TEST_TMPDIR"
	for i in $(seq 3000); do
		echo "{\"status\":$((200 + i % 3)),\"n\":$i}"
	done >in
}

# slow: the records of in, a pause longer than the line's 250 ms between
# the two halves, so that the line is drawn at least once.
slow() {
	head -n 1500 in
	sleep 0.6
	tail -n 1500 in
}

@test "progress: silent when stderr is not a terminal" {
	# A regular file among the inputs, and a run long enough to draw.
	slow | stream-agg --by .status count - in >out 2>err
	[ "$(wc -l <out)" -eq 3 ]
	[ ! -s err ]
}

@test "progress: forced to a file, the line is drawn, then erased" {
	slow | stream-agg --progress --by .status count - in >out 2>err
	[ "$(wc -l <out)" -eq 3 ]
	# Drawn: "\r", the tool, records so far, a rate; never a newline.
	grep -q 'stream-agg: .*[0-9] records, [0-9.]* [kMG]*B/s' err || false
	[ "$(tr -cd '\n' <err | wc -c)" -eq 0 ]
	[ "$(head -c 1 err)" = $'\r' ]
	# Erased at exit: the last bytes are "\r" then "ESC [ K".
	[ "$(tail -c 4 err | od -An -c | tr -s ' ')" = ' \r 033 [ K' ]
}

@test "progress: a bad record's message comes after the line is erased" {
	{ slow; echo 'not json'; } |
	    stream-agg --progress --by .status count >out 2>err || true
	grep -q $'\r\033\\[Kstream-agg: line 3001: invalid JSON' err || false
	grep -q $'^stream-agg: 1 bad record$' err || false
}

@test "progress: --no-progress and a pipe alone keep a terminal quiet" {
	mkfifo f
	# A terminal on stderr (python3's pty), a regular file among the
	# inputs: the line is on by default, and erased at the end.
	cat >onpty.py <<'PY'
import os, pty, subprocess, sys, time
argv, feed = sys.argv[2:], sys.argv[1]
master, slave = pty.openpty()
p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
    stdout=open("out", "w"), stderr=slave)
os.close(slave)
if feed != "-":
    with open(feed, "w") as w:
        lines = open("in").read().splitlines(True)
        w.writelines(lines[:1500]); w.flush()
        time.sleep(0.6)
        w.writelines(lines[1500:])
got = b""
while True:
    try:
        b = os.read(master, 4096)
    except OSError:
        break
    if not b:
        break
    got += b
p.wait()
open("tty", "wb").write(got)
sys.exit(p.returncode)
PY
	python3 onpty.py f stream-agg --by .status count in f
	[ "$(wc -l <out)" -eq 3 ]
	grep -q 'stream-agg: .*[0-9] records' tty || false
	[ "$(tail -c 4 tty | od -An -c | tr -s ' ')" = ' \r 033 [ K' ]
	# --no-progress: nothing on the terminal.
	python3 onpty.py f stream-agg --no-progress --by .status count in f
	[ ! -s tty ]
	# Only a pipe as input (no size to show): off by default.
	python3 onpty.py f stream-agg --by .status count f
	[ "$(wc -l <out)" -eq 3 ]
	[ ! -s tty ]
}

@test "progress: off costs no system call per record (strace -c)" {
	command -v strace >/dev/null || skip "no strace"
	# LeakSanitizer cannot run under ptrace, and counts differ there.
	[ "${SK_SANITIZE:-}" = 1 ] && skip "system calls under AddressSanitizer"
	for i in 1 2 3 4 5 6 7 8 9 10; do cat in; done >big
	strace -c -o big.txt stream-agg --by .status count big >/dev/null
	strace -c -o small.txt stream-agg --by .status count in >/dev/null
	total() { awk '$NF == "total" { print $(NF - 1) }' "$1"; }
	# 30000 records against 3000: only the reads (64 KiB each) grow.
	[ "$(total big.txt)" -lt "$(($(total small.txt) + 40))" ]
	# One write (the results), one ioctl (is stderr a terminal?), and
	# no clock read that left the vDSO.
	[ "$(awk '$NF == "write" { s += $4 } END { print s + 0 }' big.txt)" -le 1 ]
	[ "$(awk '$NF == "ioctl" { s += $4 } END { print s + 0 }' big.txt)" -le 1 ]
	run grep -c 'clock_gettime' big.txt
	[ "$output" -eq 0 ]
}
