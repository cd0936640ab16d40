# SPDX-License-Identifier: BSD-2-Clause
# broker.bash - the librdkafka mock cluster for the Kafka suites, on
# loopback only (mockbroker.c binds 127.0.0.1).

build_broker() {
	if ! command -v kcat >/dev/null ||
	    ! pkg-config --exists rdkafka 2>/dev/null; then
		return 0
	fi
	cc -std=c11 -D_GNU_SOURCE -O1 "$BATS_TEST_DIRNAME/kafka/mockbroker.c" \
	    $(pkg-config --cflags --libs rdkafka) \
	    -o "$BATS_FILE_TMPDIR/mockbroker"
}

# start_broker TOPIC PARTITIONS ...: BROKER is its address.
start_broker() {
	[ -x "$BATS_FILE_TMPDIR/mockbroker" ] ||
	    skip "kcat or librdkafka-dev missing"
	mkfifo "$BATS_TEST_TMPDIR/hold"
	"$BATS_FILE_TMPDIR/mockbroker" "$@" <"$BATS_TEST_TMPDIR/hold" \
	    >"$BATS_TEST_TMPDIR/addr" &
	BROKER_PID=$!
	exec 7>"$BATS_TEST_TMPDIR/hold"
	for _ in $(seq 50); do
		[ -s "$BATS_TEST_TMPDIR/addr" ] && break
		sleep 0.1
	done
	BROKER=$(cat "$BATS_TEST_TMPDIR/addr")
	case $BROKER in
	127.0.0.1:*) ;;
	*) echo "mock broker not on loopback: $BROKER" >&2; return 1 ;;
	esac
}

# wait_lines FILE PATTERN N: until N lines of FILE match (at most 15 s).
wait_lines() {
	for _ in $(seq 150); do
		[ "$(grep -c "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
		sleep 0.1
	done
	return 1
}

# consume TOPIC [kcat flags]: the whole topic as kcat -J envelopes.
consume() {
	local t=$1
	shift
	timeout 20 kcat -C -J -b "$BROKER" -t "$t" -e "$@" 2>/dev/null
}
