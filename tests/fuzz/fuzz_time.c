/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_time.c - every tp_* entry point of timeparse.h.
 *
 * Input: FORMAT '\n' VALUE.  FORMAT goes to tp_format_parse() and
 * tp_out_parse(); VALUE (bytes, as a decoded JSON string may hold any)
 * to tp_from_string() and tp_from_number() under the parsed format and
 * under every named one, to tp_parse_rfc3339() and to tp_duration().
 * Whatever parses is written back with tp_format*() and must read back
 * to the same instant (truncated to the output's unit), and durations
 * must survive tp_format_duration() -> tp_duration().  A string that
 * auto refuses with a suggested --time-format pattern must be read by
 * that pattern.  syslog's year comes from a fixed clock, so that a run
 * does not depend on the day.  The first bytes of VALUE also drive the
 * calendar and floor-division helpers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "timeparse.h"

#include "fuzz_common.h"

#define NS_MS	INT64_C(1000000)
#define NS_S	INT64_C(1000000000)
/* 1677-09-21T00:12:43.145224192Z .. 2262-04-11T23:47:16.854775807Z */
#define DAYS_MIN	(-106752)
#define DAYS_MAX	106751

static int64_t
floor_to(int64_t ns, int64_t unit)
{
	return tp_floordiv(ns, unit) * unit;
}

static void
check_format(int64_t ns)
{
	static const enum tp_out outs[] = { TPO_RFC3339, TPO_EPOCH_S,
	    TPO_EPOCH_MS, TPO_EPOCH_US, TPO_EPOCH_NS };
	struct timefmt tf;
	struct fault f;
	char buf[TP_BUF];
	size_t n, k;
	int64_t back;

	for (k = 0; k < sizeof(outs) / sizeof(outs[0]); k++) {
		memset(buf, 'X', sizeof(buf));
		n = tp_format(ns, outs[k], buf);
		CHECK(n > 0 && n < TP_BUF && buf[n] == '\0' &&
		    strlen(buf) == n);
		memset(buf, 'X', sizeof(buf));
		n = tp_format_json(ns, outs[k], buf);
		CHECK(n > 0 && n < TP_BUF && buf[n] == '\0' &&
		    strlen(buf) == n);
	}
	/* Exact forms read back exactly. */
	n = tp_format(ns, TPO_EPOCH_NS, buf);
	memset(&tf, 0, sizeof(tf));
	tf.kind = TP_EPOCH_NS;
	CHECK(tp_from_number(&tf, buf, n, &back, &f) == 0);
	CHECK(back == ns);
	/* Truncating forms read back to the floor, where it is in range. */
	if (ns < INT64_MIN + NS_S)
		return;
	n = tp_format(ns, TPO_EPOCH_MS, buf);
	tf.kind = TP_EPOCH_MS;
	CHECK(tp_from_number(&tf, buf, n, &back, &f) == 0);
	CHECK(back == floor_to(ns, NS_MS));
	n = tp_format(ns, TPO_EPOCH_S, buf);
	tf.kind = TP_EPOCH_S;
	CHECK(tp_from_number(&tf, buf, n, &back, &f) == 0);
	CHECK(back == floor_to(ns, NS_S));
	n = tp_format(ns, TPO_RFC3339, buf);
	if (tp_parse_rfc3339(buf, n, &back, &f) != 0) {
		fprintf(stderr, "tp_format(%lld) = \"%s\" does not read back: "
		    "%s\n", (long long)ns, buf, f.msg);
		abort();
	}
	CHECK(back == floor_to(ns, NS_MS));
	tf.kind = TP_AUTO;
	CHECK(tp_from_string(&tf, buf, n, &back, &f) == 0);
	CHECK(back == floor_to(ns, NS_MS));
}

static void
check_duration(const char *s)
{
	struct fault f;
	char buf[TP_BUF];
	int64_t d, d2, back;
	size_t n;
	int r0, r1;

	r0 = tp_duration(s, 0, &d, &f);
	if (r0 == -1)
		CHECK(f.code == EX_USAGE || f.code == EX_DATAERR);
	r1 = tp_duration(s, 1, &d2, &f);
	if (r0 == 0) {
		CHECK(r1 == 0 && d2 == d);
		CHECK(d >= 0);
	}
	if (r1 != 0)
		return;
	memset(buf, 'X', sizeof(buf));
	n = tp_format_duration(d2, buf);
	CHECK(n > 0 && n < TP_BUF && buf[n] == '\0' && strlen(buf) == n);
	if (tp_duration(buf, 1, &back, &f) != 0 || back != d2) {
		fprintf(stderr, "duration \"%s\" = %lld ns, written \"%s\", "
		    "read back %s\n", s, (long long)d2, buf, f.msg);
		abort();
	}
}

static void
check_calendar(const uint8_t *p, size_t n)
{
	int64_t a = 0, b = 0, y, q, r, z;
	unsigned m, d;

	if (n < 16)
		return;
	memcpy(&a, p, 8);
	memcpy(&b, p + 8, 8);
	z = DAYS_MIN + (int64_t)((uint64_t)a % (DAYS_MAX - DAYS_MIN + 1));
	tp_civil_from_days(z, &y, &m, &d);
	CHECK(m >= 1 && m <= 12 && d >= 1 && d <= 31);
	CHECK(tp_days_from_civil(y, m, d) == z);
	if (b == INT64_MIN)
		b = 1;
	if (b < 0)
		b = -b;
	if (b == 0)
		b = 1;
	q = tp_floordiv(a, b);
	r = tp_mod(a, b);
	CHECK(r >= 0 && r < b);
	CHECK((__int128)q * b + r == (__int128)a);
	check_format(a);
	check_format(b);
}

/* The pattern a message suggests reads the string it was made for. */
static void
check_suggestion(const char *msg, const char *v, size_t n)
{
	static const char tag[] = "; use --time-format '";
	struct timefmt tf;
	struct fault f;
	const char *p, *e;
	char pat[TP_PATTERN_MAX];
	int64_t ns;

	/*
	 * A suggestion ends the message; the last tag is its start (the
	 * quoted string may hold the tag too, a pattern never a quote).
	 */
	if (msg[0] == '\0' || msg[strlen(msg) - 1] != '\'')
		return;
	for (p = NULL, e = msg; (e = strstr(e, tag)) != NULL; e++)
		p = e;
	if (p == NULL)
		return;
	p += sizeof(tag) - 1;
	e = strrchr(p, '\'');
	CHECK(e != NULL && e[1] == '\0' && (size_t)(e - p) < sizeof(pat));
	memcpy(pat, p, (size_t)(e - p));
	pat[e - p] = '\0';
	CHECK(tp_format_parse(&tf, pat, &f) == 0);
	if (tp_from_string(&tf, v, n, &ns, &f) != 0) {
		fprintf(stderr, "suggested '%s' does not read it: %s\n", pat,
		    f.msg);
		abort();
	}
}

static void
try_all(const struct timefmt *tf0, const char *v, size_t n)
{
	struct timefmt tfc = *tf0, *tf = &tfc;
	struct fault f;
	int64_t ns;

	tfc.clock_ns = INT64_C(1735862400) * NS_S;	/* 2025-01-03 */
	fault_clear(&f);
	if (tp_from_string(tf, v, n, &ns, &f) == 0)
		check_format(ns);
	else {
		CHECK(f.msg[0] != '\0');
		if (tf->kind == TP_AUTO)
			check_suggestion(f.msg, v, n);
	}
	fault_clear(&f);
	if (tp_from_number(tf, v, n, &ns, &f) == 0)
		check_format(ns);
	else
		CHECK(f.msg[0] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const named[] = { "auto", "rfc3339", "epoch-s",
	    "epoch-ms", "epoch-us", "epoch-ns" };
	const uint8_t *nl = memchr(data, '\n', size);
	size_t flen = nl != NULL ? (size_t)(nl - data) : size, vlen, k;
	char *fmt, *val, *vstr;
	struct timefmt tf;
	struct fault f;
	enum tp_out out;
	int64_t ns;

	fmt = fuzz_strdup(data, flen);
	vlen = nl != NULL ? size - flen - 1 : 0;
	val = fuzz_dup(nl != NULL ? nl + 1 : data, vlen);
	vstr = fuzz_strdup(val, vlen);

	if (tp_format_parse(&tf, fmt, &f) == 0) {
		CHECK(tf.kind >= TP_AUTO && tf.kind <= TP_STRPTIME);
		if (tf.kind == TP_STRPTIME)
			CHECK(memchr(tf.pattern, '\0', TP_PATTERN_MAX) != NULL);
		try_all(&tf, val, vlen);
	} else {
		CHECK(f.code == EX_USAGE && f.msg[0] != '\0');
	}
	if (tp_out_parse(&out, fmt, &f) == 0)
		CHECK(out >= TPO_RFC3339 && out <= TPO_EPOCH_NS);
	for (k = 0; k < sizeof(named) / sizeof(named[0]); k++) {
		CHECK(tp_format_parse(&tf, named[k], &f) == 0);
		try_all(&tf, val, vlen);
	}
	if (tp_parse_rfc3339(val, vlen, &ns, &f) == 0)
		check_format(ns);
	/* The format part doubles as a time and as a duration. */
	if (tp_parse_rfc3339(fmt, flen, &ns, &f) == 0)
		check_format(ns);
	check_duration(vstr);
	check_duration(fmt);
	check_calendar(data, size);
	free(vstr);
	free(val);
	free(fmt);
	return 0;
}
