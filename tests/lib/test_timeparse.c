/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_timeparse.c - unit tests for lib/timeparse.c.
 *
 * Every expected time below was worked out apart from the code under
 * test, by hand or with GNU date (date -u -d ... +%s%N, minding that %N
 * is not negated before 1970), and is written here as a constant.  The
 * calendar is checked day by day against a naive calendar walk, and the
 * round trips draw from a fixed-seed PRNG, so every run is the same run.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "check.h"
#include "fault.h"
#include "timeparse.h"

#define S		INT64_C(1000000000)
#define MS		INT64_C(1000000)
#define SENTINEL	INT64_C(4242424242)	/* errors leave *ns alone */
#define ROUNDS		20000

static struct timefmt
fmt_of(enum tp_kind kind)
{
	struct timefmt tf;

	memset(&tf, 0, sizeof(tf));
	tf.kind = kind;
	return tf;
}

static const char *
kind_name(enum tp_kind k)
{
	static const char *const names[] = { "auto", "rfc3339", "epoch-s",
	    "epoch-ms", "epoch-us", "epoch-ns", "strptime" };

	return names[k];
}

/* A check that names its input, for the table-driven cases. */
static void
expect_ok(const char *fn, const char *in, int rc, const struct fault *f,
    int64_t got, int64_t want)
{
	check_count++;
	if (rc == 0 && got == want)
		return;
	check_failures++;
	fprintf(stderr, "%s(\"%s\"): rc %d, got %lld, want %lld %s\n", fn,
	    in, rc, (long long)got, (long long)want, rc != 0 ? f->msg : "");
}

static void
expect_err(const char *fn, const char *in, int rc, const struct fault *f,
    int code, const char *reason, int64_t got)
{
	check_count++;
	if (rc == -1 && f->code == code && strstr(f->msg, reason) != NULL &&
	    got == SENTINEL)
		return;
	check_failures++;
	fprintf(stderr, "%s(\"%s\"): rc %d, code %d, ns %lld, msg \"%s\"; "
	    "want code %d and \"%s\"\n", fn, in, rc, f->code, (long long)got,
	    f->msg, code, reason);
}

/*
 * A string compare that names what made the string (and keeps gcc 12's
 * -Wformat-overflow from misreading CHECK_STR_EQ on a char array).
 */
static void
expect_str(const char *fn, const char *got, const char *want)
{
	check_count++;
	if (strcmp(got, want) == 0)
		return;
	check_failures++;
	fprintf(stderr, "%s: \"%s\", want \"%s\"\n", fn, got, want);
}

/* The message holds want; on failure, show both. */
static void
expect_msg(const char *msg, const char *want)
{
	check_count++;
	if (strstr(msg, want) != NULL)
		return;
	check_failures++;
	fprintf(stderr, "message \"%s\" lacks \"%s\"\n", msg, want);
}

/* A loop of many cases counts as one check; its first failures print. */
static int loop_bad;

static void
loop_fail(const char *what, long long a, long long b, const char *text)
{
	if (loop_bad++ < 5)
		fprintf(stderr, "%s: %lld vs %lld (%s)\n", what, a, b,
		    text != NULL ? text : "");
}

static void
loop_done(void)
{
	check_count++;
	if (loop_bad > 0)
		check_failures++;
	loop_bad = 0;
}

/* xorshift64*, fixed seed. */
static uint64_t rng_state = UINT64_C(0x9e3779b97f4a7c15);

static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

/* Any int64, with a bias toward the edges and toward small values. */
static int64_t
rng_ns(void)
{
	uint64_t r = rng();

	switch (rng() % 6) {
	case 0:
		return (int64_t)(r % 2000000) - 1000000;
	case 1:
		return INT64_MIN + (int64_t)(r % 1000000000);
	case 2:
		return INT64_MAX - (int64_t)(r % 1000000000);
	case 3:
		return (int64_t)(r % (UINT64_C(1) << 40)) *
		    ((rng() & 1) ? 1000000 : -1000000);
	default:
		return (int64_t)r;
	}
}

/* ---- A naive calendar, the oracle for the clever one ------------- */

static int
naive_leap(int64_t y)
{
	if (y % 400 == 0)
		return 1;
	if (y % 100 == 0)
		return 0;
	return y % 4 == 0;
}

static unsigned
naive_mdays(int64_t y, unsigned m)
{
	static const unsigned md[12] = { 31, 28, 31, 30, 31, 30, 31, 31,
	    30, 31, 30, 31 };

	return md[m - 1] + (m == 2 && naive_leap(y));
}

/* Walk years, then months: slow, obviously right. */
static void
naive_civil(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t yr = 1970;
	unsigned mo = 1;

	while (z < 0) {
		yr--;
		z += 365 + naive_leap(yr);
	}
	while (z >= 365 + naive_leap(yr)) {
		z -= 365 + naive_leap(yr);
		yr++;
	}
	while (z >= naive_mdays(yr, mo)) {
		z -= naive_mdays(yr, mo);
		mo++;
	}
	*y = yr;
	*m = mo;
	*d = (unsigned)z + 1;
}

/* Split ns into days, seconds of the day and the nanosecond rest. */
static void
split_ns(int64_t ns, int64_t *days, int64_t *sod, int64_t *frac)
{
	int64_t secs;

	secs = ns / S;
	*frac = ns % S;
	if (*frac < 0) {
		*frac += S;
		secs--;
	}
	*days = secs / 86400;
	*sod = secs % 86400;
	if (*sod < 0) {
		*sod += 86400;
		(*days)--;
	}
}

/* ---- Calendar ------------------------------------------------------ */

static void
test_civil_known(void)
{
	static const struct {
		int64_t		y;
		unsigned	m, d;
		int64_t		days;
	} known[] = {
		{ 1970, 1, 1, 0 }, { 1969, 12, 31, -1 }, { 1970, 1, 2, 1 },
		{ 2000, 3, 1, 11017 }, { 2000, 2, 29, 11016 },
		{ 2038, 1, 19, 24855 }, { 2262, 4, 11, 106751 },
		{ 1677, 9, 21, -106752 }, { 1, 1, 1, -719162 },
		{ 0, 3, 1, -719468 }, { 9999, 12, 31, 2932896 },
		{ 1600, 2, 29, -135081 }, { 1582, 10, 15, -141427 },
		{ 1000, 1, 1, -354285 }, { 2400, 2, 29, 157113 },
		{ 2024, 11, 12, 20039 }, { 1900, 3, 1, -25508 }
	};
	size_t i;
	int64_t y;
	unsigned m, d;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		CHECK_INT_EQ(tp_days_from_civil(known[i].y, known[i].m,
		    known[i].d), known[i].days);
		tp_civil_from_days(known[i].days, &y, &m, &d);
		CHECK_INT_EQ(y, known[i].y);
		CHECK_INT_EQ(m, known[i].m);
		CHECK_INT_EQ(d, known[i].d);
	}
}

/* Every day from 0000-03-01 to 9999-12-31, against a walked calendar. */
static void
test_civil_walk(void)
{
	int64_t z, y, gy;
	unsigned m, d, gm, gd;

	y = 1970, m = 1, d = 1;
	for (z = 0; z <= 2932896; z++) {
		if (tp_days_from_civil(y, m, d) != z)
			loop_fail("days_from_civil forward", z,
			    tp_days_from_civil(y, m, d), NULL);
		tp_civil_from_days(z, &gy, &gm, &gd);
		if (gy != y || gm != m || gd != d)
			loop_fail("civil_from_days forward", z, gy, NULL);
		if (++d > naive_mdays(y, m)) {
			d = 1;
			if (++m > 12)
				m = 1, y++;
		}
	}
	loop_done();
	y = 1969, m = 12, d = 31;
	for (z = -1; z >= -719468; z--) {
		if (tp_days_from_civil(y, m, d) != z)
			loop_fail("days_from_civil backward", z,
			    tp_days_from_civil(y, m, d), NULL);
		tp_civil_from_days(z, &gy, &gm, &gd);
		if (gy != y || gm != m || gd != d)
			loop_fail("civil_from_days backward", z, gy, NULL);
		if (--d == 0) {
			if (--m == 0)
				m = 12, y--;
			d = naive_mdays(y, m);
		}
	}
	loop_done();
	CHECK_INT_EQ(y, 0);
	CHECK_INT_EQ(m, 2);
}

static void
test_floordiv(void)
{
	static const struct {
		int64_t	a, b, q, r;
	} c[] = {
		{ 0, 60, 0, 0 }, { 59, 60, 0, 59 }, { 60, 60, 1, 0 },
		{ 61, 60, 1, 1 }, { -1, 60, -1, 59 }, { -59, 60, -1, 1 },
		{ -60, 60, -1, 0 }, { -61, 60, -2, 59 }, { -120, 60, -2, 0 },
		{ 7, 1, 7, 0 }, { -7, 1, -7, 0 }, { -7, 2, -4, 1 },
		{ 7, 2, 3, 1 }, { -1, S, -1, S - 1 },
		{ INT64_MAX, 1, INT64_MAX, 0 }, { INT64_MIN, 1, INT64_MIN, 0 },
		{ INT64_MIN, 2, INT64_MIN / 2, 0 },
		{ INT64_MIN, S, -9223372037, 145224192 },
		{ INT64_MAX, S, 9223372036, 854775807 },
		{ INT64_MIN, INT64_MAX, -2, INT64_MAX - 1 },
		{ INT64_MAX, INT64_MAX, 1, 0 },
		{ -1, INT64_MAX, -1, INT64_MAX - 1 },
		{ -1500 * MS, 1000 * MS, -2, 500 * MS }
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		CHECK_INT_EQ(tp_floordiv(c[i].a, c[i].b), c[i].q);
		CHECK_INT_EQ(tp_mod(c[i].a, c[i].b), c[i].r);
	}
	/* Window alignment, start = t - ((t - offset) mod size), SPEC 5. */
	CHECK_INT_EQ(-61 * S - tp_mod(-61 * S - 0, 60 * S), -120 * S);
	CHECK_INT_EQ(125 * S - tp_mod(125 * S - 15 * S, 60 * S), 75 * S);
}

static void
test_floordiv_random(void)
{
	int64_t a, b, q, r;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		a = rng_ns();
		b = (int64_t)(rng() % ((i & 1) ? 100000 : (uint64_t)INT64_MAX))
		    + 1;
		q = tp_floordiv(a, b);
		r = tp_mod(a, b);
		/* Modular equality plus 0 <= r < b pins q down. */
		if (r < 0 || r >= b ||
		    (uint64_t)q * (uint64_t)b + (uint64_t)r != (uint64_t)a)
			loop_fail("floordiv/mod", a, b, NULL);
	}
	loop_done();
}

/* ---- Numbers ------------------------------------------------------ */

static const struct ncase {
	enum tp_kind	 kind;
	const char	*in;
	int64_t		 want;
} num_ok[] = {
	{ TP_AUTO, "0", 0 },
	{ TP_AUTO, "-0", 0 },
	{ TP_AUTO, "0.0", 0 },
	{ TP_AUTO, "0e5", 0 },
	{ TP_AUTO, "1", S },
	{ TP_AUTO, "1731405600", 1731405600 * S },
	{ TP_AUTO, "-1.5", -1500000000 },
	{ TP_AUTO, "-1", -S },
	{ TP_AUTO, "1731405600123", INT64_C(1731405600123000000) },
	{ TP_AUTO, "1731405600123456", INT64_C(1731405600123456000) },
	{ TP_AUTO, "1731405600123456789", INT64_C(1731405600123456789) },
	{ TP_AUTO, "1.7314056e9", 1731405600 * S },
	{ TP_AUTO, "1.7314056E9", 1731405600 * S },
	{ TP_AUTO, "1.7314056e+9", 1731405600 * S },
	{ TP_AUTO, "17314056000e-1", 1731405600 * S },
	{ TP_AUTO, "1731405600.123456789", INT64_C(1731405600123456789) },
	{ TP_AUTO, "1731405600.1234567891", INT64_C(1731405600123456789) },
	{ TP_AUTO, "1731405600.1234567899", INT64_C(1731405600123456789) },
	{ TP_AUTO, "1731405600123.456", INT64_C(1731405600123456000) },
	{ TP_AUTO, "1.731405600123e12", INT64_C(1731405600123000000) },
	{ TP_AUTO, "1.5e3", 1500 * S },
	{ TP_AUTO, "15e-1", 1500000000 },
	{ TP_AUTO, "0.5", 500000000 },
	{ TP_AUTO, "0.000000001", 1 },
	{ TP_AUTO, "0.0000000019", 1 },
	{ TP_AUTO, "0.0000000001", 0 },
	{ TP_AUTO, "-0.0000000001", -1 },
	{ TP_AUTO, "-0.000000001", -1 },
	{ TP_AUTO, "-0.0000000015", -2 },
	{ TP_AUTO, "-1.0000000001", -1000000001 },
	{ TP_AUTO, "-1731405600.5", INT64_C(-1731405600500000000) },
	{ TP_AUTO, "1e-400", 0 },
	{ TP_AUTO, "-1e-400", -1 },
	{ TP_AUTO, "0e99999999999999999999", 0 },
	{ TP_AUTO, "1e-99999999999999999999", 0 },
	{ TP_AUTO, "00012", 12 * S },
	{ TP_AUTO, "12.000", 12 * S },
	/* The magnitude thresholds of SPEC 3, on each side. */
	{ TP_AUTO, "92233720368e-1", INT64_C(9223372036800000000) },
	{ TP_AUTO, "9223372036", 9223372036 * S },
	{ TP_AUTO, "-9223372036", -9223372036 * S },
	{ TP_AUTO, "100000000000", INT64_C(100000000000000000) },
	{ TP_AUTO, "-100000000000", INT64_C(-100000000000000000) },
	{ TP_AUTO, "1e11", INT64_C(100000000000000000) },
	{ TP_AUTO, "1E+11", INT64_C(100000000000000000) },
	{ TP_AUTO, "100000000000e0", INT64_C(100000000000000000) },
	{ TP_AUTO, "9223372036854", INT64_C(9223372036854000000) },
	{ TP_AUTO, "-9223372036854", INT64_C(-9223372036854000000) },
	{ TP_AUTO, "100000000000000", INT64_C(100000000000000000) },
	{ TP_AUTO, "1e14", INT64_C(100000000000000000) },
	{ TP_AUTO, "9223372036854775", INT64_C(9223372036854775000) },
	{ TP_AUTO, "100000000000000000", INT64_C(100000000000000000) },
	{ TP_AUTO, "1e17", INT64_C(100000000000000000) },
	{ TP_AUTO, "-1e17", INT64_C(-100000000000000000) },
	{ TP_AUTO, "9223372036854775.8e0", INT64_C(9223372036854775800) },
	{ TP_AUTO, "9223372036854775807", INT64_MAX },
	{ TP_AUTO, "-9223372036854775808", INT64_MIN },
	{ TP_AUTO, "-9223372036854775807", INT64_MIN + 1 },
	{ TP_AUTO, "9223372036.854775807", INT64_MAX },
	{ TP_AUTO, "-9223372036.854775808", INT64_MIN },
	{ TP_AUTO, "-9223372036.8547758079", INT64_MIN },
	{ TP_AUTO, "-9223372036.854775807", INT64_MIN + 1 },
	/* Declared units ignore the magnitude. */
	{ TP_EPOCH_S, "1", S },
	{ TP_EPOCH_S, "1731405600.123456789", INT64_C(1731405600123456789) },
	{ TP_EPOCH_S, "-0.5", -500000000 },
	{ TP_EPOCH_S, "1.7314056e9", 1731405600 * S },
	{ TP_EPOCH_MS, "1", MS },
	{ TP_EPOCH_MS, "-1.5", -1500000 },
	{ TP_EPOCH_MS, "1731405600123", INT64_C(1731405600123000000) },
	{ TP_EPOCH_MS, "1731405600", INT64_C(1731405600000000) },
	{ TP_EPOCH_MS, "1731405600123.4567891", INT64_C(1731405600123456789) },
	{ TP_EPOCH_MS, "-9223372036854.775808", INT64_MIN },
	{ TP_EPOCH_US, "1.5", 1500 },
	{ TP_EPOCH_US, "1731405600123456", INT64_C(1731405600123456000) },
	{ TP_EPOCH_US, "-0.0005", -1 },
	{ TP_EPOCH_US, "9223372036854775.807", INT64_MAX },
	{ TP_EPOCH_NS, "1.5", 1 },
	{ TP_EPOCH_NS, "-1.5", -2 },
	{ TP_EPOCH_NS, "1e3", 1000 },
	{ TP_EPOCH_NS, "1731405600", 1731405600 },
	{ TP_EPOCH_NS, "9223372036854775807", INT64_MAX },
	{ TP_EPOCH_NS, "-9223372036854775808", INT64_MIN },
	{ TP_EPOCH_NS, "-9223372036854775807.5", INT64_MIN },
	{ TP_EPOCH_NS, "9.223372036854775807e18", INT64_MAX },
};

static const struct necase {
	enum tp_kind	 kind;
	const char	*in;
	const char	*reason;
} num_bad[] = {
	/* Each threshold read as the smaller unit would be out of range. */
	{ TP_AUTO, "99999999999", "time out of range" },
	{ TP_AUTO, "-99999999999", "time out of range" },
	{ TP_AUTO, "99999999999.9", "time out of range" },
	{ TP_AUTO, "9223372037", "time out of range" },
	{ TP_AUTO, "99999999999999", "time out of range" },
	{ TP_AUTO, "9223372036855", "time out of range" },
	{ TP_AUTO, "99999999999999999", "time out of range" },
	{ TP_AUTO, "9223372036854776", "time out of range" },
	{ TP_AUTO, "9223372036854775808", "time out of range" },
	{ TP_AUTO, "-9223372036854775809", "time out of range" },
	{ TP_AUTO, "-9223372036854775808.1", "time out of range" },
	{ TP_AUTO, "9223372036.854775808", "time out of range" },
	{ TP_AUTO, "-9223372036.8547758081", "time out of range" },
	{ TP_AUTO, "1e19", "time out of range" },
	{ TP_AUTO, "1e400", "time out of range" },
	{ TP_AUTO, "-1e99999999999999999999", "time out of range" },
	{ TP_AUTO, "123456789012345678901234567890", "time out of range" },
	{ TP_EPOCH_S, "1731405600123", "time out of range" },
	{ TP_EPOCH_MS, "1e17", "time out of range" },
	{ TP_EPOCH_US, "-9223372036854776", "time out of range" },
	{ TP_EPOCH_NS, "9223372036854775808", "time out of range" },
	{ TP_EPOCH_NS, "-9223372036854775808.5", "time out of range" },
	/* Syntax. */
	{ TP_AUTO, "", "not a number" },
	{ TP_AUTO, "-", "not a number" },
	{ TP_AUTO, "+1", "not a number" },
	{ TP_AUTO, ".5", "not a number" },
	{ TP_AUTO, "--1", "not a number" },
	{ TP_AUTO, "abc", "not a number" },
	{ TP_AUTO, "NaN", "not a number" },
	{ TP_AUTO, "Infinity", "not a number" },
	{ TP_AUTO, " 1", "not a number" },
	{ TP_AUTO, "1.", "expected digits after '.'" },
	{ TP_AUTO, "1.e5", "expected digits after '.'" },
	{ TP_AUTO, "1e", "expected digits in the exponent" },
	{ TP_AUTO, "1e+", "expected digits in the exponent" },
	{ TP_AUTO, "1e-x", "expected digits in the exponent" },
	{ TP_AUTO, "1 ", "trailing characters" },
	{ TP_AUTO, "1x", "trailing characters" },
	{ TP_AUTO, "1.2.3", "trailing characters" },
	{ TP_AUTO, "0x10", "trailing characters" },
	{ TP_AUTO, "1e5e5", "trailing characters" },
	{ TP_EPOCH_MS, "12ms", "trailing characters" },
	/* A number where a string is wanted. */
	{ TP_RFC3339, "1731405600", "a number, but the time format wants" },
	{ TP_STRPTIME, "1731405600", "a number, but the time format wants" },
};

static void
test_numbers(void)
{
	struct timefmt tf;
	struct fault f;
	size_t i;
	int64_t t;
	int rc;

	for (i = 0; i < sizeof(num_ok) / sizeof(num_ok[0]); i++) {
		tf = fmt_of(num_ok[i].kind);
		fault_clear(&f);
		t = SENTINEL;
		rc = tp_from_number(&tf, num_ok[i].in, strlen(num_ok[i].in),
		    &t, &f);
		expect_ok(kind_name(num_ok[i].kind), num_ok[i].in, rc, &f, t,
		    num_ok[i].want);
	}
	for (i = 0; i < sizeof(num_bad) / sizeof(num_bad[0]); i++) {
		tf = fmt_of(num_bad[i].kind);
		fault_clear(&f);
		t = SENTINEL;
		rc = tp_from_number(&tf, num_bad[i].in, strlen(num_bad[i].in),
		    &t, &f);
		expect_err(kind_name(num_bad[i].kind), num_bad[i].in, rc, &f,
		    EX_DATAERR, num_bad[i].reason, t);
	}
}

/* Lengths are honoured: the text need not end in NUL. */
static void
test_number_lengths(void)
{
	struct timefmt tf = fmt_of(TP_AUTO);
	struct fault f;
	char big[1100];
	int64_t t;

	CHECK_INT_EQ(tp_from_number(&tf, "1731405600123,", 13, &t, NULL), 0);
	CHECK_INT_EQ(t, INT64_C(1731405600123000000));
	CHECK_INT_EQ(tp_from_number(&tf, "12345", 2, &t, NULL), 0);
	CHECK_INT_EQ(t, 12 * S);
	CHECK_INT_EQ(tp_from_number(&tf, "1.5e3", 3, &t, NULL), 0);
	CHECK_INT_EQ(t, 1500000000);
	/* A thousand zeros after the point, then a one: 0 (floor). */
	big[0] = '0';
	big[1] = '.';
	memset(big + 2, '0', 1000);
	big[1002] = '1';
	CHECK_INT_EQ(tp_from_number(&tf, big, 1003, &t, NULL), 0);
	CHECK_INT_EQ(t, 0);
	/* The same, negative, floors to -1 ns. */
	memmove(big + 1, big, 1003);
	big[0] = '-';
	CHECK_INT_EQ(tp_from_number(&tf, big, 1004, &t, NULL), 0);
	CHECK_INT_EQ(t, -1);
	/* A NULL fault is allowed, and an error still returns -1. */
	t = SENTINEL;
	CHECK_INT_EQ(tp_from_number(&tf, "x", 1, &t, NULL), -1);
	CHECK_INT_EQ(t, SENTINEL);
	fault_clear(&f);
	CHECK_INT_EQ(tp_from_number(&tf, "1e400", 5, &t, &f), -1);
	CHECK_STR_EQ(f.msg, "bad time \"1e400\": time out of range");
	CHECK_INT_EQ(f.code, EX_DATAERR);
}

/* ---- RFC 3339 ----------------------------------------------------- */

static const struct scase {
	const char	*in;
	int64_t		 want;
} rfc_ok[] = {
	{ "2024-11-12T10:00:00Z", 1731405600 * S },
	{ "2024-11-12t10:00:00z", 1731405600 * S },
	{ "2024-11-12 10:00:00Z", 1731405600 * S },
	{ "2024-11-12T10:00:00", 1731405600 * S },
	{ "2024-11-12T10:00Z", 1731405600 * S },
	{ "2024-11-12T10:00", 1731405600 * S },
	{ "2024-11-12T10:00+01:00", 1731402000 * S },
	{ "2024-11-12T10:00:00+00:00", 1731405600 * S },
	{ "2024-11-12T10:00:00-00:00", 1731405600 * S },
	{ "2024-11-12", 1731369600 * S },
	{ "2024-11-12 10:00:00.123+05:45", INT64_C(1731384900123000000) },
	{ "2024-11-12T10:00:00.123456789+05:45",
	    INT64_C(1731384900123456789) },
	{ "2024-11-12T10:00:00-03:30", 1731418200 * S },
	{ "2024-11-12T10:00:00+0100", 1731402000 * S },
	{ "2024-11-12T10:00:00+01", 1731402000 * S },
	{ "2024-11-12T10:00:00-0001", 1731405660 * S },
	{ "2024-11-12T10:00:00+23:59", 1731319260 * S },
	{ "2024-11-12T10:00:00-23:59", 1731491940 * S },
	{ "2024-11-12T10:00:00.1Z", INT64_C(1731405600100000000) },
	{ "2024-11-12T10:00:00.12Z", INT64_C(1731405600120000000) },
	{ "2024-11-12T10:00:00.123Z", INT64_C(1731405600123000000) },
	{ "2024-11-12T10:00:00.1234Z", INT64_C(1731405600123400000) },
	{ "2024-11-12T10:00:00.12345Z", INT64_C(1731405600123450000) },
	{ "2024-11-12T10:00:00.123456Z", INT64_C(1731405600123456000) },
	{ "2024-11-12T10:00:00.1234567Z", INT64_C(1731405600123456700) },
	{ "2024-11-12T10:00:00.12345678Z", INT64_C(1731405600123456780) },
	{ "2024-11-12T10:00:00.123456789Z", INT64_C(1731405600123456789) },
	{ "2024-11-12T10:00:00.1234567891Z", INT64_C(1731405600123456789) },
	{ "2024-11-12T10:00:00.123456789999999Z",
	    INT64_C(1731405600123456789) },
	{ "2024-11-12T10:00:00.000000000Z", 1731405600 * S },
	{ "1970-01-01T00:00:00Z", 0 },
	{ "1970-01-01T00:00:00.000000001Z", 1 },
	{ "1969-12-31T23:59:59.999999999Z", -1 },
	{ "1969-12-31T23:59:59.5Z", -500000000 },
	{ "1970-01-01T00:00:00+00:01", -60 * S },
	{ "1970-01-01T00:00:00.5-00:01", 60500000000 },
	{ "1970-01-02T00:00:00+14:00", 36000 * S },
	{ "2000-02-29T00:00:00Z", 951782400 * S },
	{ "2024-02-29", 1709164800 * S },
	{ "2024-03-01", 1709251200 * S },
	{ "2023-03-01", 1677628800 * S },
	{ "2000-03-01", 951868800 * S },
	{ "1900-03-01T00:00:00Z", INT64_C(-2203891200) * S },
	{ "1900-01-01", INT64_C(-2208988800) * S },
	{ "2100-02-28", INT64_C(4107456000) * S },
	{ "2100-03-01", INT64_C(4107542400) * S },
	{ "1800-01-01", INT64_C(-5364662400) * S },
	{ "2200-12-31T23:59:59Z", INT64_C(7289654399) * S },
	{ "1999-12-31T23:59:59Z", 946684799 * S },
	{ "2024-12-31T23:59:59Z", 1735689599 * S },
	{ "2025-01-01", 1735689600 * S },
	{ "1972-06-30T23:59:59Z", 78796799 * S },
	/* Leap seconds roll into the next minute. */
	{ "1972-06-30T23:59:60Z", 78796800 * S },
	{ "2016-12-31T23:59:60Z", 1483228800 * S },
	{ "2016-12-31T23:59:60.5Z", INT64_C(1483228800500000000) },
	{ "2024-02-29T23:59:60Z", 1709251200 * S },
	/* The edges of int64 nanoseconds. */
	{ "1677-09-21T00:12:43.145224192Z", INT64_MIN },
	{ "1677-09-21T01:12:43.145224192+01:00", INT64_MIN },
	{ "1677-09-20T23:12:43.145224192-01:00", INT64_MIN },
	{ "1677-09-21T00:12:43.145224193Z", INT64_MIN + 1 },
	{ "2262-04-11T23:47:16.854775807Z", INT64_MAX },
	{ "2262-04-11T23:47:16.854775807999Z", INT64_MAX },
	{ "2262-04-12T00:47:16.854775807+01:00", INT64_MAX },
	/* ISO 8601's ',' before the fraction (Python logging, log4j). */
	{ "2024-11-12T10:00:00,5Z", 1731405600 * S + 500000000 },
	{ "2024-11-12 10:00:00,1", 1731405600 * S + 100000000 },
	{ "2024-11-12 10:00:00,12", 1731405600 * S + 120000000 },
	{ "2024-11-12 10:00:00,123", 1731405600 * S + 123000000 },
	{ "2024-11-12 10:00:00,1234", 1731405600 * S + 123400000 },
	{ "2024-11-12 10:00:00,12345", 1731405600 * S + 123450000 },
	{ "2024-11-12 10:00:00,123456", 1731405600 * S + 123456000 },
	{ "2024-11-12 10:00:00,1234567", 1731405600 * S + 123456700 },
	{ "2024-11-12 10:00:00,12345678", 1731405600 * S + 123456780 },
	{ "2024-11-12 10:00:00,123456789", 1731405600 * S + 123456789 },
	{ "2024-11-12 10:00:00,123456789+01:00",
	    1731402000 * S + 123456789 },
	/* A trailing UTC or GMT, a space before an offset. */
	{ "2018-03-24 17:15:20 UTC", 1521911720 * S },
	{ "2018-03-24 17:15:20 GMT", 1521911720 * S },
	{ "2018-03-24 17:15:20 utc", 1521911720 * S },
	{ "2018-03-24 17:15:20.5 UTC", 1521911720 * S + 500000000 },
	{ "2018-03-24 17:15:20 +0100", 1521908120 * S },
	{ "2018-03-24 17:15:20 -01:00", 1521915320 * S },
	{ "2018-03-24T17:15 UTC", 1521911700 * S },
	/* The basic form. */
	{ "20180324T171520Z", 1521911720 * S },
	{ "20180324t171520z", 1521911720 * S },
	{ "20180324T171520", 1521911720 * S },
	{ "20180324T1715Z", 1521911700 * S },
	{ "20180324T171520.5Z", 1521911720 * S + 500000000 },
	{ "20180324T171520,123456789Z", 1521911720 * S + 123456789 },
	{ "20180324T171520+0100", 1521908120 * S },
	{ "20180324T171520+01", 1521908120 * S },
	{ "20180324T171520-01:00", 1521915320 * S },
	{ "20180324T171520 UTC", 1521911720 * S },
	{ "20161231T235960Z", 1483228800 * S },
};

static const struct secase {
	const char	*in;
	const char	*reason;
} rfc_bad[] = {
	{ "1900-02-29", "day out of range" },
	{ "2023-02-29", "day out of range" },
	{ "2100-02-29T00:00:00Z", "day out of range" },
	{ "2024-02-30", "day out of range" },
	{ "2024-04-31", "day out of range" },
	{ "2024-06-31", "day out of range" },
	{ "2024-09-31", "day out of range" },
	{ "2024-11-31", "day out of range" },
	{ "2024-01-32", "day out of range" },
	{ "2024-11-00", "day out of range" },
	{ "2024-00-10", "month out of range" },
	{ "2024-13-01T00:00:00Z", "month out of range" },
	{ "2024-11-12T24:00:00Z", "hour out of range" },
	{ "2024-11-12T10:60:00Z", "minute out of range" },
	{ "2024-11-12T10:00:61Z", "second out of range" },
	{ "2024-11-12T10:00:99Z", "second out of range" },
	{ "2024-11-12T10:00:00+24:00", "UTC offset out of range" },
	{ "2024-11-12T10:00:00+05:60", "UTC offset out of range" },
	{ "2024-11-12T10:00:00-9999", "UTC offset out of range" },
	{ "1677-09-21T00:12:43.145224191Z", "time out of range" },
	{ "2262-04-11T23:47:16.854775808Z", "time out of range" },
	{ "2262-04-12", "time out of range" },
	{ "1677-09-20", "time out of range" },
	{ "0000-01-01T00:00:00Z", "time out of range" },
	{ "9999-12-31T23:59:59Z", "time out of range" },
	{ "2262-04-11T23:47:16.854775807-00:01", "time out of range" },
	{ "", "expected a date YYYY-MM-DD" },
	{ "2024", "expected a date YYYY-MM-DD" },
	{ "24-11-12", "expected a date YYYY-MM-DD" },
	{ "2024-1-12", "expected a date YYYY-MM-DD" },
	{ "2024-11-1", "expected a date YYYY-MM-DD" },
	{ "2024/11/12", "expected a date YYYY-MM-DD" },
	{ "+2024-11-12", "expected a date YYYY-MM-DD" },
	{ "20241112", "expected a date YYYY-MM-DD" },
	{ "1731405600", "expected a date YYYY-MM-DD" },
	{ "2024-11-12X10:00:00Z", "expected 'T' after the date" },
	{ "2024-11-12Z", "expected 'T' after the date" },
	{ "2024-11-12T", "expected a time hh:mm:ss" },
	{ "2024-11-12T10", "expected a time hh:mm:ss" },
	{ "2024-11-12T1:00:00Z", "expected a time hh:mm:ss" },
	{ "2024-11-12T10:0:00Z", "expected a time hh:mm:ss" },
	{ "2024-11-12T10:00:0Z", "expected a time hh:mm:ss" },
	{ "2024-11-12T10:00:", "expected a time hh:mm:ss" },
	{ "2024-11-12  10:00:00Z", "expected a time hh:mm:ss" },
	{ "2024-11-12T10:00:00.Z", "expected digits after '.'" },
	{ "2024-11-12T10:00:00.", "expected digits after '.'" },
	{ "2024-11-12T10:00.5Z", "expected Z or a UTC offset" },
	{ "2024-11-12T10:00:00 Z", "expected Z or a UTC offset" },
	{ "2024-11-12T10:00:00+5", "bad UTC offset" },
	{ "2024-11-12T10:00:00+05:4", "bad UTC offset" },
	{ "2024-11-12T10:00:00+054", "bad UTC offset" },
	{ "2024-11-12T10:00:00+", "bad UTC offset" },
	{ "2024-11-12T10:00:00Zjunk", "trailing characters" },
	{ "2024-11-12T10:00:00+05:45:00", "trailing characters" },
	{ "2024-11-12T10:00:00+0545x", "trailing characters" },
	{ "2024-11-12T10:00:00Z ", "trailing characters" },
	{ "2024-11-12T10:00:00ZZ", "trailing characters" },
	{ "2024-11-12T10:00:00 UTCx", "expected Z or a UTC offset" },
	{ "2024-11-12T10:00:00 CET", "expected Z or a UTC offset" },
	{ "2024-11-12T10:00:00  UTC", "expected Z or a UTC offset" },
	{ "2024-11-12T10:00:00 ", "expected Z or a UTC offset" },
	{ "2024-11-12T10:00:00 +", "bad UTC offset" },
	{ "2024-11-12T10:00:00,", "expected digits after '.'" },
	{ "20241112T", "expected a time hhmmss" },
	{ "20241112T10", "expected a time hhmmss" },
	{ "20241112T10000", "expected a time hhmmss" },
	{ "20241112T100000.Z", "expected digits after '.'" },
	{ "20241112T100000Zx", "trailing characters" },
	{ "20241312T100000Z", "month out of range" },
	{ "20230229T100000Z", "day out of range" },
	{ "2024111T100000Z", "expected a date YYYY-MM-DD" },
};

static void
test_rfc3339(void)
{
	struct timefmt rfc = fmt_of(TP_RFC3339), aut = fmt_of(TP_AUTO);
	struct fault f;
	size_t i, n;
	int64_t t;
	int rc;

	for (i = 0; i < sizeof(rfc_ok) / sizeof(rfc_ok[0]); i++) {
		n = strlen(rfc_ok[i].in);
		fault_clear(&f);
		t = SENTINEL;
		rc = tp_parse_rfc3339(rfc_ok[i].in, n, &t, &f);
		expect_ok("rfc3339", rfc_ok[i].in, rc, &f, t, rfc_ok[i].want);
		t = SENTINEL;
		rc = tp_from_string(&rfc, rfc_ok[i].in, n, &t, &f);
		expect_ok("string rfc3339", rfc_ok[i].in, rc, &f, t,
		    rfc_ok[i].want);
		t = SENTINEL;
		rc = tp_from_string(&aut, rfc_ok[i].in, n, &t, &f);
		expect_ok("string auto", rfc_ok[i].in, rc, &f, t,
		    rfc_ok[i].want);
	}
	for (i = 0; i < sizeof(rfc_bad) / sizeof(rfc_bad[0]); i++) {
		n = strlen(rfc_bad[i].in);
		fault_clear(&f);
		t = SENTINEL;
		rc = tp_parse_rfc3339(rfc_bad[i].in, n, &t, &f);
		expect_err("rfc3339", rfc_bad[i].in, rc, &f, EX_DATAERR,
		    rfc_bad[i].reason, t);
		fault_clear(&f);
		rc = tp_from_string(&rfc, rfc_bad[i].in, n, &t, &f);
		expect_err("string rfc3339", rfc_bad[i].in, rc, &f,
		    EX_DATAERR, rfc_bad[i].reason, t);
	}
}

static void
test_messages(void)
{
	struct timefmt tf;
	struct fault f;
	char in[300];
	int64_t t;

	fault_clear(&f);
	CHECK_INT_EQ(tp_parse_rfc3339("2024-13-01T00:00:00Z", 20, &t, &f),
	    -1);
	CHECK_STR_EQ(f.msg,
	    "bad time \"2024-13-01T00:00:00Z\": month out of range");
	CHECK_INT_EQ(f.code, EX_DATAERR);
	/* Control bytes, quotes and backslashes come out escaped. */
	fault_clear(&f);
	CHECK_INT_EQ(tp_parse_rfc3339("2024-11-12T\x01\"\\\xff", 15, &t, &f),
	    -1);
	CHECK_STR_EQ(f.msg, "bad time \"2024-11-12T\\x01\\\"\\\\\\xff\": "
	    "expected a time hh:mm:ss");
	/* An embedded NUL is a byte like another. */
	fault_clear(&f);
	CHECK_INT_EQ(tp_parse_rfc3339("2024-11-12\0T", 12, &t, &f), -1);
	CHECK_STR_EQ(f.msg, "bad time \"2024-11-12\\x00T\": "
	    "expected 'T' after the date");
	/* Long input is cut, and the reason still fits. */
	memset(in, 'x', sizeof(in));
	memcpy(in, "2024-11-12T10:00:00Z", 20);
	fault_clear(&f);
	CHECK_INT_EQ(tp_parse_rfc3339(in, sizeof(in), &t, &f), -1);
	CHECK(strstr(f.msg, "xxx...\": has trailing characters") != NULL);
	CHECK(strlen(f.msg) < 120);
	memset(in, '\x7f', sizeof(in));
	fault_clear(&f);
	CHECK_INT_EQ(tp_parse_rfc3339(in, sizeof(in), &t, &f), -1);
	CHECK(strstr(f.msg, "\\x7f...\": expected a date") != NULL);
	CHECK(strlen(f.msg) < 120);
	/* No fault to fill is fine. */
	CHECK_INT_EQ(tp_parse_rfc3339("2024-13-01", 10, &t, NULL), -1);
	CHECK_INT_EQ(tp_duration("1x", 0, &t, NULL), -1);
	CHECK_INT_EQ(tp_format_parse(&tf, "bogus", NULL), -1);
}

/* TP_AUTO strings: RFC 3339 or numeric; TP_EPOCH_* strings: numeric. */
static void
test_strings(void)
{
	static const struct {
		enum tp_kind	 kind;
		const char	*in;
		int64_t		 want;
	} ok[] = {
		{ TP_AUTO, "1731405600", 1731405600 * S },
		{ TP_AUTO, "1731405600123", INT64_C(1731405600123000000) },
		{ TP_AUTO, "-1.5", -1500000000 },
		{ TP_AUTO, "2024", 2024 * S },
		{ TP_AUTO, "1.7314056e9", 1731405600 * S },
		{ TP_EPOCH_S, "1731405600", 1731405600 * S },
		{ TP_EPOCH_MS, "1731405600123", INT64_C(1731405600123000000) },
		{ TP_EPOCH_US, "1731405600", INT64_C(1731405600000) },
		{ TP_EPOCH_NS, "-1", -1 },
	};
	static const struct {
		enum tp_kind	 kind;
		const char	*in;
		const char	*reason;
	} bad[] = {
		{ TP_AUTO, "", "not a form auto knows" },
		{ TP_AUTO, "abc", "not a form auto knows" },
		{ TP_AUTO, " 2024-11-12", "not a form auto knows" },
		{ TP_AUTO, "+1", "not a form auto knows" },
		{ TP_AUTO, "Nov 12 2024", "looks like syslog" },
		{ TP_AUTO, "1731405600 ", "trailing characters" },
		{ TP_AUTO, "2024-13-01", "month out of range" },
		{ TP_AUTO, "99999999999", "time out of range" },
		{ TP_EPOCH_S, "2024-11-12", "trailing characters" },
		{ TP_EPOCH_MS, "", "not a number" },
		{ TP_RFC3339, "1731405600", "expected a date YYYY-MM-DD" },
	};
	struct timefmt tf;
	struct fault f;
	size_t i;
	int64_t t;
	int rc;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		tf = fmt_of(ok[i].kind);
		t = SENTINEL;
		fault_clear(&f);
		rc = tp_from_string(&tf, ok[i].in, strlen(ok[i].in), &t, &f);
		expect_ok(kind_name(ok[i].kind), ok[i].in, rc, &f, t,
		    ok[i].want);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tf = fmt_of(bad[i].kind);
		t = SENTINEL;
		fault_clear(&f);
		rc = tp_from_string(&tf, bad[i].in, strlen(bad[i].in), &t,
		    &f);
		expect_err(kind_name(bad[i].kind), bad[i].in, rc, &f,
		    EX_DATAERR, bad[i].reason, t);
	}
}

/* ---- auto's other forms ------------------------------------------ */

/* Each read under auto with --year 2016 (only syslog has no year). */
static const struct scase form_ok[] = {
	/* Common Log Format: the Apache docs' example, nginx's. */
	{ "10/Oct/2000:13:55:36 -0700", 971211336 * S },
	{ "[10/Oct/2000:13:55:36 -0700]", 971211336 * S },
	{ "17/May/2015:10:05:03 +0000", 1431857103 * S },
	{ "01/Jan/2017:00:30:00 +0100", 1483227000 * S },
	{ "31/Dec/2016:23:30:00 -0100", 1483230600 * S },
	{ "05/sep/2024:08:15:00 +0545", 1725503400 * S },
	{ "29/Feb/2016:00:00:00 +0000", 1456704000 * S },
	{ "17/May/2015:10:05:03.5 +0000", 1431857103 * S + 500000000 },
	{ "17/May/2015:10:05:03", 1431857103 * S },
	{ "17/May/2015:10:05:03 GMT", 1431857103 * S },
	/* RFC 2822 and its RFC 1123 / HTTP profile. */
	{ "Fri, 21 Nov 1997 09:55:06 -0600", 880127706 * S },
	{ "Tue, 1 Jul 2003 10:52:37 +0200", 1057049557 * S },
	{ "Thu, 13 Feb 1969 23:32:54 -0330", -27723426 * S },
	{ "Sun, 06 Nov 1994 08:49:37 GMT", 784111777 * S },
	{ "Sun, 31 Aug 2014 00:29:15 +0000", 1409444955 * S },
	{ "SUN, 31 AUG 2014 00:29:15 gmt", 1409444955 * S },
	{ "Sun,31 Aug 2014 00:29:15 GMT", 1409444955 * S },
	{ "Sun,  31  Aug  2014  00:29:15  GMT", 1409444955 * S },
	{ "31 Aug 2014 00:29:15 +0000", 1409444955 * S },
	{ "Tue, 1 Jul 2003 10:52:37 +0200 (CEST)", 1057049557 * S },
	{ "Tue, 1 Jul 2003 10:52:37 UT", 1057056757 * S },
	{ "Tue, 1 Jul 2003 10:52:37 Z", 1057056757 * S },
	{ "Tue, 1 Jul 2003 10:52:37 UTC", 1057056757 * S },
	{ "Tue, 1 Jul 2003 10:52:37", 1057056757 * S },
	{ "Fri, 21 Nov 1997 09:55 -0600", 880127700 * S },
	{ "21 Nov 97 09:55:06 GMT", 880106106 * S },
	{ "1 Jan 49 00:00:00 GMT", 2493072000 * S },
	{ "1 Jan 50 00:00:00 GMT", -631152000 * S },
	{ "1 Jan 116 00:00:00 GMT", 1451606400 * S },
	{ "Mon, 24 Mar 2014 09:15:00 EST", 1395670500 * S },
	{ "Mon, 24 Mar 2014 09:15:00 EDT", 1395666900 * S },
	{ "Mon, 24 Mar 2014 09:15:00 CST", 1395674100 * S },
	{ "Mon, 24 Mar 2014 09:15:00 CDT", 1395670500 * S },
	{ "Mon, 24 Mar 2014 09:15:00 MST", 1395677700 * S },
	{ "Mon, 24 Mar 2014 09:15:00 MDT", 1395674100 * S },
	{ "Mon, 24 Mar 2014 09:15:00 PST", 1395681300 * S },
	{ "Mon, 24 Mar 2014 09:15:00 PDT", 1395677700 * S },
	{ "Sat, 31 Dec 2022 23:00:00 -0130", 1672533000 * S },
	{ "Thu, 29 Feb 2024 12:00:00 -0500", 1709226000 * S },
	/* ctime, with Twitter's zone or without one (asctime). */
	{ "Sun Aug 31 00:29:15 +0000 2014", 1409444955 * S },
	{ "Wed Aug 27 13:08:45 +0000 2008", 1219842525 * S },
	{ "Sun Nov  6 08:49:37 1994", 784111777 * S },
	{ "Sun Nov 6 08:49:37 1994", 784111777 * S },
	{ "Sun Nov  6 08:49:37 GMT 1994", 784111777 * S },
	{ "Thu Feb 29 12:00:00 -0500 2024", 1709226000 * S },
	{ "Sat Dec 31 23:59:59 +0000 2016", 1483228799 * S },
	/* syslog (RFC 3164's example, day padded and not), year 2016. */
	{ "Oct 11 22:14:15", 1476224055 * S },
	{ "Mar 24 17:15:20", 1458839720 * S },
	{ "Mar  4 17:15:20", 1457111720 * S },
	{ "Mar 4 17:15:20", 1457111720 * S },
	{ "Feb 29 00:00:00", 1456704000 * S },
	{ "Jan  1 00:00:00", 1451606400 * S },
	{ "Dec 31 23:59:59", 1483228799 * S },
	{ "Mar 24 17:15:20.123", 1458839720 * S + 123000000 },
	{ "march 24 17:15:20", 1458839720 * S },
};

/*
 * The whole message of strings that auto cannot read: the closest form
 * and, where one can be found, the pattern that reads the string.
 */
static const struct {
	const char	*in;
	const char	*msg;
} form_bad[] = {
	{ "17/May/2015 10:05:03", "bad time \"17/May/2015 10:05:03\": looks "
	  "like Common Log Format (17/May/2015:10:05:03 +0000) but expected "
	  "':' after the year; use --time-format '%d/%b/%Y %H:%M:%S'" },
	{ "2015/10/18 18:01:47", "bad time \"2015/10/18 18:01:47\": looks "
	  "like RFC 3339 (2015-05-17T10:05:03Z) but expected a date "
	  "YYYY-MM-DD; use --time-format '%Y/%m/%d %H:%M:%S'" },
	{ "2015.10.18 18:01:47,5", "bad time \"2015.10.18 18:01:47,5\": looks "
	  "like an epoch number (1431857103) but has trailing characters; "
	  "use --time-format '%Y.%m.%d %H:%M:%S,%f'" },
	{ "18.10.2015 18:01", "bad time \"18.10.2015 18:01\": looks like an "
	  "epoch number (1431857103) but has trailing characters; use "
	  "--time-format '%d.%m.%Y %H:%M'" },
	{ "10/18/2015 10:00:00 PM", "bad time \"10/18/2015 10:00:00 PM\": "
	  "looks like Common Log Format (17/May/2015:10:05:03 +0000) but "
	  "expected a month name after the day; use --time-format "
	  "'%m/%d/%Y %I:%M:%S %p'" },
	{ "Sun 31 Aug 2014 00:29:15 +0000", "bad time \"Sun 31 Aug 2014 "
	  "00:29:15 +0000\": looks like ctime (Sun May 17 10:05:03 +0000 "
	  "2015) but expected a month name after the weekday; use "
	  "--time-format '%a %d %b %Y %H:%M:%S %z'" },
	{ "Nov 12 2024", "bad time \"Nov 12 2024\": looks like syslog (May 17 "
	  "10:05:03) but expected a time hh:mm:ss; use --time-format "
	  "'%b %d %Y'" },
	{ "Mar 24 17:15:20 2018", "bad time \"Mar 24 17:15:20 2018\": looks "
	  "like syslog (May 17 10:05:03) but has trailing characters; use "
	  "--time-format '%b %d %H:%M:%S %Y'" },
	{ "Sunday, 06-Nov-94 08:49:37 GMT", "bad time \"Sunday, 06-Nov-94 "
	  "08:49:37 GMT\": looks like RFC 2822 (Sun, 17 May 2015 10:05:03 "
	  "+0000) but expected a month name after the day; use "
	  "--time-format '%a, %d-%b-%y %H:%M:%S %Z'" },
	{ "Sun, 31 Aug 2014 00:29:15 CET", "bad time \"Sun, 31 Aug 2014 "
	  "00:29:15 CET\": looks like RFC 2822 (Sun, 17 May 2015 10:05:03 "
	  "+0000) but expected a zone (+hhmm, UTC or GMT); use --time-format "
	  "with a pattern" },
	{ "2015-10-18 10:00:00 CET", "bad time \"2015-10-18 10:00:00 CET\": "
	  "looks like RFC 3339 (2015-05-17T10:05:03Z) but expected Z or a "
	  "UTC offset; use --time-format with a pattern" },
	{ "17/May/2015:10:05:03 +0000 x", "bad time \"17/May/2015:10:05:03 "
	  "+0000 x\": looks like Common Log Format (17/May/2015:10:05:03 "
	  "+0000) but has trailing characters; use --time-format with a "
	  "pattern" },
	{ "1731405600 ", "bad time \"1731405600 \": looks like an epoch "
	  "number (1431857103) but has trailing characters; use "
	  "--time-format with a pattern" },
	{ "-", "bad time \"-\": looks like an epoch number (1431857103) but "
	  "is not a number; use --time-format with a pattern" },
	{ "abc", "bad time \"abc\": not a form auto knows (RFC 3339, CLF, RFC "
	  "2822, ctime, syslog, epoch); use --time-format with a pattern" },
	{ "", "bad time \"\": not a form auto knows (RFC 3339, CLF, RFC "
	  "2822, ctime, syslog, epoch); use --time-format with a pattern" },
	{ "12:30:00", "bad time \"12:30:00\": looks like an epoch number "
	  "(1431857103) but has trailing characters; use --time-format with "
	  "a pattern" },
	{ "Mar 24 17:15:20\x1b[0m", "bad time \"Mar 24 17:15:20\\x1b[0m\": "
	  "looks like syslog (May 17 10:05:03) but has trailing characters; "
	  "use --time-format with a pattern" },
	/* A value out of range in a string of the right shape: said plainly. */
	{ "32/May/2015:10:05:03 +0000",
	  "bad time \"32/May/2015:10:05:03 +0000\": day out of range" },
	{ "Feb 30 10:00:00", "bad time \"Feb 30 10:00:00\": day out of range" },
	{ "Sun, 31 Aug 2014 24:29:15 +0000",
	  "bad time \"Sun, 31 Aug 2014 24:29:15 +0000\": hour out of range" },
	{ "2023-02-29T00:00:00Z",
	  "bad time \"2023-02-29T00:00:00Z\": day out of range" },
	{ "Fri, 21 Nov 1997 09:55:06 +2400",
	  "bad time \"Fri, 21 Nov 1997 09:55:06 +2400\": UTC offset out of "
	  "range" },
	{ "Sun Aug 31 00:29:15 +0000 2263",
	  "bad time \"Sun Aug 31 00:29:15 +0000 2263\": time out of range" },
};

static void
test_forms(void)
{
	struct timefmt tf = fmt_of(TP_AUTO);
	struct fault f;
	size_t i, n;
	int64_t t;
	int rc;

	tf.year = 2016;
	for (i = 0; i < sizeof(form_ok) / sizeof(form_ok[0]); i++) {
		n = strlen(form_ok[i].in);
		fault_clear(&f);
		t = SENTINEL;
		rc = tp_from_string(&tf, form_ok[i].in, n, &t, &f);
		expect_ok("form", form_ok[i].in, rc, &f, t, form_ok[i].want);
	}
	for (i = 0; i < sizeof(form_bad) / sizeof(form_bad[0]); i++) {
		n = strlen(form_bad[i].in);
		fault_clear(&f);
		t = SENTINEL;
		rc = tp_from_string(&tf, form_bad[i].in, n, &t, &f);
		expect_err("form", form_bad[i].in, rc, &f, EX_DATAERR, "", t);
		expect_str("form message", f.msg, form_bad[i].msg);
		/* No fault to fill: the same answer, without a message. */
		CHECK_INT_EQ(tp_from_string(&tf, form_bad[i].in, n, &t, NULL),
		    -1);
	}
	/* A long string is cut, and the message still fits, whole. */
	{
		static const char in[] = "17/May/2015 10:05:03 and then a good "
		    "deal more text than any time has, to make the quote long";

		fault_clear(&f);
		CHECK_INT_EQ(tp_from_string(&tf, in, sizeof(in) - 1, &t, &f),
		    -1);
		CHECK(strlen(f.msg) < sizeof(f.msg) - 1);
		CHECK(strstr(f.msg, "...\": looks like Common Log Format") !=
		    NULL);
	}
}

/*
 * syslog's year by the clock: this year, unless that puts the time more
 * than 7 days ahead; then last year.  Clocks and answers by date -u -d.
 */
static void
test_syslog_year(void)
{
	static const struct {
		int64_t		 clock;
		const char	*in;
		int64_t		 want;	/* SENTINEL: a bad time */
	} c[] = {
		/* 2025-01-03T00:00:00Z */
		{ 1735862400 * S, "Jan  3 00:00:00", 1735862400 * S },
		{ 1735862400 * S, "Dec 31 23:59:59", 1735689599 * S },
		/* 2025-01-10T00:00:00Z is exactly 7 days ahead: this year. */
		{ 1735862400 * S, "Jan 10 00:00:00", 1736467200 * S },
		/* 2025-01-10T00:00:01Z is 1 s past: 2024-01-10T00:00:01Z. */
		{ 1735862400 * S, "Jan 10 00:00:01", 1704844801 * S },
		{ 1735862400 * S, "Mar  1 00:00:00", 1709251200 * S },
		/* A Feb 29 from 2024, read in 2025. */
		{ 1735862400 * S, "Feb 29 12:00:00", 1709208000 * S },
		/* 2024-02-25T00:00:00Z: Feb 29 is 4.5 days ahead, in 2024. */
		{ 1708819200 * S, "Feb 29 12:00:00", 1709208000 * S },
		/* 2026-06-01T00:00:00Z: neither 2026 nor 2025 has Feb 29. */
		{ 1780272000 * S, "Feb 29 12:00:00", SENTINEL },
		/* 2028-01-15T00:00:00Z: 2028's is 45 days ahead; 2027: none. */
		{ 1831507200 * S, "Feb 29 12:00:00", SENTINEL },
		/* 2016-12-31T23:00:00Z, a December log read in December. */
		{ 1483225200 * S, "Dec 31 22:59:59", 1483225199 * S },
		/* Near the end of time: 2262's Jan 1 is fine. */
		{ INT64_C(9214646400) * S, "Jan  1 00:00:00",
		  INT64_C(9214646400) * S },
	};
	struct timefmt tf = fmt_of(TP_AUTO);
	struct fault f;
	size_t i;
	int64_t t;
	int rc;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		tf.clock_ns = c[i].clock;
		fault_clear(&f);
		t = SENTINEL;
		rc = tp_from_string(&tf, c[i].in, strlen(c[i].in), &t, &f);
		if (c[i].want == SENTINEL)
			expect_err("syslog clock", c[i].in, rc, &f, EX_DATAERR,
			    "day out of range in this year and the last (use "
			    "--year)", t);
		else
			expect_ok("syslog clock", c[i].in, rc, &f, t,
			    c[i].want);
	}
	/* --year wins over the clock, even when it is ahead. */
	tf.clock_ns = 1735862400 * S;
	tf.year = 2030;
	fault_clear(&f);
	rc = tp_from_string(&tf, "Dec 31 23:59:59", 15, &t, &f);
	expect_ok("syslog --year", "Dec 31 23:59:59", rc, &f, t,
	    INT64_C(1924991999) * S);
	tf.year = 2023;
	t = SENTINEL;
	rc = tp_from_string(&tf, "Feb 29 12:00:00", 15, &t, &f);
	expect_err("syslog --year", "Feb 29 12:00:00", rc, &f, EX_DATAERR,
	    "bad time \"Feb 29 12:00:00\": day out of range", t);
	/* The wall clock when none is set: this year or the last. */
	memset(&tf, 0, sizeof(tf));
	tf.kind = TP_AUTO;
	rc = tp_from_string(&tf, "Jan  1 00:00:00", 15, &t, &f);
	CHECK_INT_EQ(rc, 0);
	CHECK(t <= (int64_t)time(NULL) * S + 7 * 86400 * S);
	CHECK(t > ((int64_t)time(NULL) - 2 * 366 * 86400) * S);
}

/* Every form, in every case its fields allow, from the naive calendar. */
static void
test_roundtrip_forms(void)
{
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	static const char *const wd[] = { "Thu", "Fri", "Sat", "Sun", "Mon",
	    "Tue", "Wed" };
	struct timefmt tf = fmt_of(TP_AUTO);
	char buf[5][80];
	int64_t ns, t, days, sod, frac, y;
	unsigned m, d;
	int i, k, off, ao;
	char sg;

	for (i = 0; i < ROUNDS; i++) {
		/* Whole seconds of 1700-2200, any offset within a day. */
		ns = ((int64_t)(rng() % UINT64_C(15778800000)) -
		    INT64_C(8520336000)) * S;
		off = (int)(rng() % 47) * 30 - 23 * 60;
		split_ns(ns + (int64_t)off * 60 * S, &days, &sod, &frac);
		naive_civil(days, &y, &m, &d);
		sg = off < 0 ? '-' : '+';
		ao = off < 0 ? -off : off;
		snprintf(buf[0], sizeof(buf[0]), "%02u/%s/%04lld:%02d:%02d:"
		    "%02d %c%02d%02d", d, mon[m - 1], (long long)y,
		    (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60),
		    sg, ao / 60, ao % 60);
		snprintf(buf[1], sizeof(buf[1]), "%s, %u %s %04lld %02d:%02d:"
		    "%02d %c%02d%02d", wd[tp_mod(days, 7)], d, mon[m - 1],
		    (long long)y, (int)(sod / 3600), (int)(sod / 60 % 60),
		    (int)(sod % 60), sg, ao / 60, ao % 60);
		snprintf(buf[2], sizeof(buf[2]), "%s %s %2u %02d:%02d:%02d "
		    "%c%02d%02d %04lld", wd[tp_mod(days, 7)], mon[m - 1], d,
		    (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60),
		    sg, ao / 60, ao % 60, (long long)y);
		snprintf(buf[3], sizeof(buf[3]), "%04lld%02u%02uT%02d%02d%02d"
		    "%c%02d%02d", (long long)y, m, d, (int)(sod / 3600),
		    (int)(sod / 60 % 60), (int)(sod % 60), sg, ao / 60,
		    ao % 60);
		snprintf(buf[4], sizeof(buf[4]), "%04lld-%02u-%02u %02d:%02d:"
		    "%02d %c%02d:%02d", (long long)y, m, d, (int)(sod / 3600),
		    (int)(sod / 60 % 60), (int)(sod % 60), sg, ao / 60,
		    ao % 60);
		for (k = 0; k < 5; k++)
			if (tp_from_string(&tf, buf[k], strlen(buf[k]), &t,
			    NULL) != 0 || t != ns)
				loop_fail("forms", ns, t, buf[k]);
		/* syslog: the same wall time in its year, read with --year. */
		split_ns(ns, &days, &sod, &frac);
		naive_civil(days, &y, &m, &d);
		snprintf(buf[0], sizeof(buf[0]), "%s %2u %02d:%02d:%02d",
		    mon[m - 1], d, (int)(sod / 3600), (int)(sod / 60 % 60),
		    (int)(sod % 60));
		tf.year = (int)y;
		if (tp_from_string(&tf, buf[0], strlen(buf[0]), &t, NULL) !=
		    0 || t != ns)
			loop_fail("syslog", ns, t, buf[0]);
		tf.year = 0;
	}
	loop_done();
}

/* ---- Flags -------------------------------------------------------- */

static void
test_format_parse(void)
{
	static const struct {
		const char	*spec;
		enum tp_kind	 kind;
	} ok[] = {
		{ "auto", TP_AUTO }, { "rfc3339", TP_RFC3339 },
		{ "epoch-s", TP_EPOCH_S }, { "epoch-ms", TP_EPOCH_MS },
		{ "epoch-us", TP_EPOCH_US }, { "epoch-ns", TP_EPOCH_NS },
		{ "%d/%b/%Y:%H:%M:%S %z", TP_STRPTIME },
		{ "%s", TP_STRPTIME }, { "%s.%f", TP_STRPTIME },
		{ "%Y %j", TP_STRPTIME }, { "%D %I%p", TP_STRPTIME },
		{ "%a %A %b %B %h %y %Y %m %d %e %T %Z %n %t %% %f",
		    TP_STRPTIME },
	};
	static const struct {
		const char	*spec;
		const char	*msg;
	} bad[] = {
		{ "bogus", "unknown time format \"bogus\": use auto, rfc3339, "
		    "epoch-s, epoch-ms, epoch-us, epoch-ns or a strptime "
		    "pattern with %" },
		{ "", "unknown time format \"\": use auto" },
		{ "AUTO", "unknown time format \"AUTO\"" },
		{ "epoch", "unknown time format \"epoch\"" },
		{ "%Y-%Q", "time format \"%Y-%Q\": unknown conversion %Q" },
		{ "%Y %Ey", "time format \"%Y %Ey\": unknown conversion %E" },
		{ "%Y %C", "unknown conversion %C" },
		{ "%Y %\x01", "time format \"%Y %\\x01\": unknown conversion "
		    "%\\x01" },
		{ "%Y%", "time format \"%Y%\" ends in a lone '%'" },
		{ "%H:%M:%S", "time format \"%H:%M:%S\": no year (%Y, %y, %F, "
		    "%D) or epoch seconds (%s)" },
		{ "%b %d %T", "no year" },
		{ "%s %Y", "%s cannot be combined with date, time or %z" },
		{ "%s %z", "%s cannot be combined" },
		{ "%s %T", "%s cannot be combined" },
		{ "%Y %j %m", "%j cannot be combined with a month or a day" },
		{ "%Y %j %d", "%j cannot be combined" },
		{ "%F %j", "%j cannot be combined" },
		{ "%Y %I:%M", "%I and %p go together" },
		{ "%Y %H:%M %p", "%I and %p go together" },
	};
	struct timefmt tf;
	struct fault f;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		memset(&tf, 0xa5, sizeof(tf));
		fault_clear(&f);
		CHECK_INT_EQ(tp_format_parse(&tf, ok[i].spec, &f), 0);
		CHECK_INT_EQ(tf.kind, ok[i].kind);
		if (ok[i].kind == TP_STRPTIME)
			CHECK_STR_EQ(tf.pattern, ok[i].spec);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fault_clear(&f);
		CHECK_INT_EQ(tp_format_parse(&tf, bad[i].spec, &f), -1);
		CHECK_INT_EQ(f.code, EX_USAGE);
		expect_msg(f.msg, bad[i].msg);
	}
}

/* TP_PATTERN_MAX - 1 bytes fit, TP_PATTERN_MAX do not. */
static void
test_format_parse_long(void)
{
	struct timefmt tf;
	struct fault f;
	char longpat[TP_PATTERN_MAX + 1];

	memset(longpat, ' ', sizeof(longpat));
	memcpy(longpat, "%Y", 2);
	longpat[TP_PATTERN_MAX - 1] = '\0';
	CHECK_INT_EQ(tp_format_parse(&tf, longpat, NULL), 0);
	CHECK_INT_EQ(strlen(tf.pattern), TP_PATTERN_MAX - 1);
	longpat[TP_PATTERN_MAX - 1] = ' ';
	longpat[TP_PATTERN_MAX] = '\0';
	fault_clear(&f);
	CHECK_INT_EQ(tp_format_parse(&tf, longpat, &f), -1);
	CHECK_INT_EQ(f.code, EX_USAGE);
	CHECK(strstr(f.msg, "is too long (at most 127 bytes)") != NULL);
}

static void
test_out_parse(void)
{
	static const struct {
		const char	*spec;
		enum tp_out	 out;
	} ok[] = {
		{ "rfc3339", TPO_RFC3339 }, { "epoch-s", TPO_EPOCH_S },
		{ "epoch-ms", TPO_EPOCH_MS }, { "epoch-us", TPO_EPOCH_US },
		{ "epoch-ns", TPO_EPOCH_NS },
	};
	static const char *const bad[] = { "", "auto", "rfc", "epoch",
	    "RFC3339", "epoch-ms ", "%Y" };
	enum tp_out out;
	struct fault f;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		out = (enum tp_out)99;
		CHECK_INT_EQ(tp_out_parse(&out, ok[i].spec, NULL), 0);
		CHECK_INT_EQ(out, ok[i].out);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fault_clear(&f);
		out = (enum tp_out)99;
		CHECK_INT_EQ(tp_out_parse(&out, bad[i], &f), -1);
		CHECK_INT_EQ(f.code, EX_USAGE);
		CHECK_INT_EQ(out, 99);
		CHECK(strstr(f.msg, "use rfc3339, epoch-s, epoch-ms, epoch-us "
		    "or epoch-ns") != NULL);
	}
	fault_clear(&f);
	tp_out_parse(&out, "bogus", &f);
	CHECK_STR_EQ(f.msg, "unknown time output \"bogus\": use rfc3339, "
	    "epoch-s, epoch-ms, epoch-us or epoch-ns");
}

/* ---- strptime patterns -------------------------------------------- */

static const struct pcase {
	const char	*pat;
	const char	*in;
	int64_t		 want;
} pat_ok[] = {
	/* Common Log Format, SPEC 3. */
	{ "%d/%b/%Y:%H:%M:%S %z", "12/Nov/2024:10:00:00 +0100",
	    1731402000 * S },
	{ "%d/%b/%Y:%H:%M:%S %z", "12/nov/2024:10:00:00 -0330",
	    1731418200 * S },
	{ "%d/%b/%Y:%T %z", "12/NOV/2024:10:00:00 +0000", 1731405600 * S },
	{ "%Y-%m-%dT%H:%M:%S%z", "2024-11-12T10:00:00+05:45",
	    1731384900 * S },
	{ "%Y-%m-%dT%H:%M:%S%z", "2024-11-12T10:00:00Z", 1731405600 * S },
	{ "%Y-%m-%dT%H:%M:%S%z", "2024-11-12T10:00:00z", 1731405600 * S },
	{ "%Y-%m-%dT%H:%M:%S%z", "2024-11-12T10:00:00+01", 1731402000 * S },
	{ "%Y-%m-%dT%H:%M:%S%z", "2024-11-12T10:00:00-23:59",
	    1731491940 * S },
	{ "%F %T", "2024-11-12 10:00:00", 1731405600 * S },
	{ "%F %T", "2016-12-31 23:59:60", 1483228800 * S },
	{ "%F %T", "2000-02-29 00:00:00", 951782400 * S },
	{ "%F", "2024-02-29", 1709164800 * S },
	{ "%F", "2024-1-5", INT64_C(1704412800) * S },
	{ "%D %R", "11/12/24 10:00", 1731405600 * S },
	{ "%D", "12/31/99", 946598400 * S },
	{ "%y-%m-%d", "69-01-01", INT64_C(-31536000) * S },
	{ "%y-%m-%d", "68-01-01", INT64_C(3092601600) * S },
	{ "%y-%m-%d", "00-01-01", 946684800 * S },
	{ "%y-%m-%d", "99-12-31", 946598400 * S },
	{ "%y%m%d", "241112", 1731369600 * S },
	{ "%Y%m%d%H%M%S", "20241112100000", 1731405600 * S },
	{ "%B %d %Y", "November 12 2024", 1731369600 * S },
	{ "%B %d %Y", "NOVEMBER 12 2024", 1731369600 * S },
	{ "%B %d %Y", "nov 12 2024", 1731369600 * S },
	{ "%b %d %Y", "Sep 12 2024", 1726099200 * S },
	{ "%b %d %Y", "September 12 2024", 1726099200 * S },
	{ "%h %d %Y", "May 12 2024", 1715472000 * S },
	{ "%b %e %Y", "Nov  2 2024", 1730505600 * S },
	{ "%b %e %Y", "Nov 2 2024", 1730505600 * S },
	{ "%Y%m%e", "202411 2", 1730505600 * S },
	{ "%Y%m%e", "2024112", 1730505600 * S },
	{ "%a, %d %b %Y %T %z", "Tue, 12 Nov 2024 10:00:00 +0000",
	    1731405600 * S },
	{ "%A, %d %B %Y %T %Z", "Tuesday, 12 November 2024 10:00:00 GMT",
	    1731405600 * S },
	{ "%a %b %d %T %Y", "tue Nov 12 10:00:00 2024", 1731405600 * S },
	{ "%F %T %Z", "2024-11-12 10:00:00 UTC", 1731405600 * S },
	{ "%F %T %Z", "2024-11-12 10:00:00 utc", 1731405600 * S },
	{ "%F %T%Z", "2024-11-12 10:00:00Z", 1731405600 * S },
	{ "%F %T %z %Z", "2024-11-12 10:00:00 +0100 UTC", 1731402000 * S },
	{ "%Y %j", "2024 317", 1731369600 * S },
	{ "%Y %j", "2024 001", 1704067200 * S },
	{ "%Y %j", "2024 1", 1704067200 * S },
	{ "%Y %j", "2024 366", 1735603200 * S },
	{ "%Y %j %T", "2023 365 23:59:59", 1704067199 * S },
	{ "%F %I:%M %p", "2024-11-12 10:00 PM", 1731448800 * S },
	{ "%F %I:%M %p", "2024-11-12 10:00 AM", 1731405600 * S },
	{ "%F %I:%M %p", "2024-11-12 12:00 AM", 1731369600 * S },
	{ "%F %I:%M %p", "2024-11-12 12:30 pm", 1731414600 * S },
	{ "%F %I:%M %p", "2024-11-12 01:00 am", 1731373200 * S },
	{ "%F %I:%M%p", "2024-11-12 1:00pm", 1731373200 * S + 43200 * S },
	{ "%F %p %I", "2024-11-12 PM 10", 1731448800 * S },
	{ "%s", "1731405600", 1731405600 * S },
	{ "%s", "0", 0 },
	{ "%s", "-1", -S },
	{ "%s", "9223372036", 9223372036 * S },
	{ "%s", "-9223372036", -9223372036 * S },
	{ "%s.%f", "1731405600.5", INT64_C(1731405600500000000) },
	{ "%s.%f", "1731405600.123456789", INT64_C(1731405600123456789) },
	{ "%s.%f", "-1.5", -1500000000 },
	{ "%s.%f", "-0.25", -250000000 },
	{ "%s.%f", "9223372036.854775807", INT64_MAX },
	{ "%s.%f", "-9223372036.854775808", INT64_MIN },
	{ "%s %Z", "1731405600 UTC", 1731405600 * S },
	{ "[%s]", "[1731405600]", 1731405600 * S },
	{ "%FT%T.%f", "2024-11-12T10:00:00.1", INT64_C(1731405600100000000) },
	{ "%FT%T.%f", "2024-11-12T10:00:00.123456",
	    INT64_C(1731405600123456000) },
	{ "%FT%T.%f", "2024-11-12T10:00:00.123456789",
	    INT64_C(1731405600123456789) },
	{ "%FT%T.%f", "2024-11-12T10:00:00.1234567899",
	    INT64_C(1731405600123456789) },
	{ "%FT%T,%f%z", "2024-11-12T10:00:00,5+01:00",
	    INT64_C(1731402000500000000) },
	{ "%Y%n%m%t%d", "2024\n11\t12", 1731369600 * S },
	{ "%Y%n%m%t%d", "20241112", 1731369600 * S },
	{ "%Y%n%m", "2024 \t\r\n 11", 1730419200 * S },
	{ "%Y %m", "2024    11", 1730419200 * S },
	{ "%Y %m", "202411", 1730419200 * S },
	{ " %Y ", "  2024  ", 1704067200 * S },
	{ "%Y%%%m", "2024%11", 1730419200 * S },
	{ "%Y", "2024", 1704067200 * S },
	{ "%Y-%m", "2024-11", 1730419200 * S },
	{ "%d.%m.%Y %H.%M", "12.11.2024 10.00", 1731405600 * S },
	{ "%m/%d/%Y %H:%M:%S", "6/30/2024 13:45:00", 1719755100 * S },
	{ "%Y-%m-%d %H:%M:%S", "2024-11-12 9:5:7", 1731402307 * S },
	{ "%F %T %z", "1677-09-21 01:12:44 +01:00",
	    INT64_C(-9223372036) * S },
	{ "%F %T", "2262-04-11 23:47:16", 9223372036 * S },
	{ "%Y-%m-%dT%H:%M:%S%z", "1970-01-01T00:00:00+00:01", -60 * S },
	{ "x%Yx", "x2024x", 1704067200 * S },
};

static const struct pecase {
	const char	*pat;
	const char	*in;
	const char	*reason;
} pat_bad[] = {
	{ "%d/%b/%Y:%H:%M:%S %z", "12-Nov-2024:10:00:00 +0100",
	    "expected '/'" },
	{ "%d/%b/%Y:%H:%M:%S %z", "12/Nox/2024:10:00:00 +0100",
	    "expected a month name (%b)" },
	{ "%d/%b/%Y:%H:%M:%S %z", "12/Nov/2024:10:00:00", "expected Z or a "
	    "UTC offset" },
	{ "%d/%b/%Y:%H:%M:%S %z", "12/Nov/2024:10:00:00 +1", "bad UTC "
	    "offset" },
	{ "%d/%b/%Y:%H:%M:%S %z", "12/Nov/2024:10:00:00 +2400", "UTC offset "
	    "out of range" },
	{ "%d/%b/%Y:%H:%M:%S %z", "12/Nov/2024:10:00:00 +0100 x",
	    "trailing characters" },
	{ "%Y", "2024x", "trailing characters" },
	{ "%Y", "20x4", "expected a 4-digit year (%Y)" },
	{ "%Y", "202", "expected a 4-digit year (%Y)" },
	{ "%Y", "+2024", "expected a 4-digit year (%Y)" },
	{ "%Y", "", "expected a 4-digit year (%Y)" },
	{ "%y", "x", "expected a 2-digit year (%y)" },
	{ "%Y-%m", "2024-13", "month out of range" },
	{ "%Y-%m", "2024-0", "month out of range" },
	{ "%Y-%m", "2024-", "expected a month (%m)" },
	{ "%F", "2024-11-32", "day out of range" },
	{ "%F", "2024-11-31", "day out of range" },
	{ "%F", "2024-11-0", "day out of range" },
	{ "%F", "2023-02-29", "day out of range" },
	{ "%F", "1900-02-29", "day out of range" },
	{ "%d %m %Y", "31 04 2024", "day out of range" },
	{ "%Y %d", "2024 x", "expected a day (%d)" },
	{ "%Y %e", "2024 x", "expected a day (%e)" },
	{ "%F %H", "2024-11-12 24", "hour out of range" },
	{ "%F %M", "2024-11-12 60", "minute out of range" },
	{ "%F %S", "2024-11-12 61", "second out of range" },
	{ "%F %H", "2024-11-12 x", "expected an hour (%H)" },
	{ "%F %M", "2024-11-12 x", "expected a minute (%M)" },
	{ "%F %S", "2024-11-12 x", "expected a second (%S)" },
	{ "%F %I%p", "2024-11-12 13PM", "hour out of range" },
	{ "%F %I%p", "2024-11-12 0AM", "hour out of range" },
	{ "%F %I%p", "2024-11-12 x", "expected an hour (%I)" },
	{ "%F %I%p", "2024-11-12 10XM", "expected AM or PM (%p)" },
	{ "%Y %j", "2023 366", "day of year out of range" },
	{ "%Y %j", "2024 367", "day of year out of range" },
	{ "%Y %j", "2024 0", "day of year out of range" },
	{ "%Y %j", "2024 x", "expected a day of the year (%j)" },
	{ "%a %Y", "Tues 2024", "expected a 4-digit year (%Y)" },
	{ "%a %Y", "Xyz 2024", "expected a weekday name (%a)" },
	{ "%F %Z", "2024-11-12 EST", "expected UTC, GMT or Z (%Z)" },
	{ "%F %Z", "2024-11-12 CET", "expected UTC, GMT or Z (%Z)" },
	{ "%Y%%", "2024", "expected '%'" },
	{ "%s", "", "expected epoch seconds (%s)" },
	{ "%s", "+1", "expected epoch seconds (%s)" },
	{ "%s", "9223372037", "time out of range" },
	{ "%s", "-9223372037", "time out of range" },
	{ "%s", "99999999999999999999", "time out of range" },
	{ "%s.%f", "9223372036.854775808", "time out of range" },
	{ "%s.%f", "-9223372036.854775809", "time out of range" },
	{ "%s.%f", "1.", "expected digits after '.'" },
	{ "%FT%T.%f", "2024-11-12T10:00:00.", "expected digits after '.'" },
	{ "%F", "1600-01-01", "time out of range" },
	{ "%F", "2262-04-12", "time out of range" },
	{ "%Y", "2263", "time out of range" },
	{ "%F %T %z", "1677-09-21 00:12:43 +00:00", "time out of range" },
	{ "%Y\x01", "2024x", "does not match the time format" },
	{ "%Y'", "2024x", "does not match the time format" },
	{ "%Y %m", "2024 \x01", "expected a month (%m)" },
};

static void
test_patterns(void)
{
	struct timefmt tf;
	struct fault f;
	size_t i, n;
	int64_t t;
	int rc;

	for (i = 0; i < sizeof(pat_ok) / sizeof(pat_ok[0]); i++) {
		fault_clear(&f);
		if (tp_format_parse(&tf, pat_ok[i].pat, &f) == -1) {
			expect_ok(pat_ok[i].pat, pat_ok[i].in, -1, &f, 0,
			    pat_ok[i].want);
			continue;
		}
		t = SENTINEL;
		n = strlen(pat_ok[i].in);
		rc = tp_from_string(&tf, pat_ok[i].in, n, &t, &f);
		expect_ok(pat_ok[i].pat, pat_ok[i].in, rc, &f, t,
		    pat_ok[i].want);
	}
	for (i = 0; i < sizeof(pat_bad) / sizeof(pat_bad[0]); i++) {
		fault_clear(&f);
		if (tp_format_parse(&tf, pat_bad[i].pat, &f) == -1) {
			expect_err(pat_bad[i].pat, pat_bad[i].in, 0, &f,
			    EX_DATAERR, pat_bad[i].reason, SENTINEL);
			continue;
		}
		t = SENTINEL;
		n = strlen(pat_bad[i].in);
		rc = tp_from_string(&tf, pat_bad[i].in, n, &t, &f);
		expect_err(pat_bad[i].pat, pat_bad[i].in, rc, &f, EX_DATAERR,
		    pat_bad[i].reason, t);
	}
	/* A number is no good to a pattern, even to %s. */
	tp_format_parse(&tf, "%s", NULL);
	fault_clear(&f);
	CHECK_INT_EQ(tp_from_number(&tf, "1731405600", 10, &t, &f), -1);
	CHECK_INT_EQ(f.code, EX_DATAERR);
	/* The exact message for a literal that does not match. */
	tp_format_parse(&tf, "%d/%b/%Y:%H:%M:%S %z", NULL);
	fault_clear(&f);
	CHECK_INT_EQ(tp_from_string(&tf, "12/Nov/2024 10:00:00 +0100", 26,
	    &t, &f), -1);
	CHECK_STR_EQ(f.msg, "bad time \"12/Nov/2024 10:00:00 +0100\": "
	    "expected ':'");
}

/* Every month and weekday name, full and short, in three cases. */
static void
test_pattern_names(void)
{
	static const char *const months[] = { "January", "February",
	    "March", "April", "May", "June", "July", "August", "September",
	    "October", "November", "December" };
	static const char *const wdays[] = { "Sunday", "Monday", "Tuesday",
	    "Wednesday", "Thursday", "Friday", "Saturday" };
	static const int64_t first[12] = { 1704067200, 1706745600,
	    1709251200, 1711929600, 1714521600, 1717200000, 1719792000,
	    1722470400, 1725148800, 1727740800, 1730419200, 1733011200 };
	struct timefmt tf;
	char in[64], name[16];
	size_t i, k, v;
	int64_t t;

	tp_format_parse(&tf, "%a %b %Y", NULL);
	for (i = 0; i < 12; i++)
		for (v = 0; v < 6; v++) {
			snprintf(name, sizeof(name), "%s", months[i]);
			if (v & 1)
				name[3] = '\0';
			for (k = 0; name[k] != '\0' && v >= 2; k++)
				name[k] = (char)(v >= 4 ? name[k] | 0x20 :
				    name[k] & ~0x20);
			snprintf(in, sizeof(in), "%s %s 2024",
			    wdays[(i + v) % 7], name);
			t = SENTINEL;
			if (tp_from_string(&tf, in, strlen(in), &t, NULL) !=
			    0 || t != first[i] * S)
				loop_fail("month name", t, first[i] * S, in);
		}
	loop_done();
	for (i = 0; i < 7; i++) {
		snprintf(in, sizeof(in), "%.3s Nov 2024", wdays[i]);
		CHECK_INT_EQ(tp_from_string(&tf, in, strlen(in), &t, NULL),
		    0);
	}
}

/* ---- Durations ---------------------------------------------------- */

static const struct dcase {
	const char	*in;
	int		 sign;
	int64_t		 want;
} dur_ok[] = {
	{ "0", 0, 0 },
	{ "0", 1, 0 },
	{ "-0", 1, 0 },
	{ "+0", 1, 0 },
	{ "0s", 0, 0 },
	{ "00ms", 0, 0 },
	{ "0.0h", 0, 0 },
	{ "1ns", 0, 1 },
	{ "1us", 0, 1000 },
	{ "1\xc2\xb5s", 0, 1000 },
	{ "1\xce\xbcs", 0, 1000 },
	{ "1ms", 0, MS },
	{ "1s", 0, S },
	{ "1m", 0, 60 * S },
	{ "1h", 0, 3600 * S },
	{ "1d", 0, 86400 * S },
	{ "250ms", 0, 250 * MS },
	{ "10s", 0, 10 * S },
	{ "5m", 0, 300 * S },
	{ "2d", 0, 172800 * S },
	{ "1h30m", 0, 5400 * S },
	{ "30m1h", 0, 5400 * S },
	{ "2d3h", 0, 183600 * S },
	{ "1m30s", 0, 90 * S },
	{ "1s500ms", 0, 1500 * MS },
	{ "1d1h1m1s1ms1us1ns", 0, INT64_C(90061001001001) },
	{ "1ns1us1ms1s1m1h1d", 0, INT64_C(90061001001001) },
	{ "1.5s", 0, 1500 * MS },
	{ "0.5s", 0, 500 * MS },
	{ "1.5h", 0, 5400 * S },
	{ "0.5d", 0, 43200 * S },
	{ "1.25m", 0, 75 * S },
	{ "0.1ns", 0, 0 },
	{ "1.9ns", 0, 1 },
	{ "1.5us", 0, 1500 },
	{ "1.0005us", 0, 1000 },
	{ "1.000000001s", 0, 1000000001 },
	{ "1.0000000019s", 0, 1000000001 },
	{ "0.0000001m", 0, 6000 },
	{ "1.123456789012345678d", 0, INT64_C(97066666570666) },
	{ "2.999999999999999999h", 0, INT64_C(10799999999999) },
	{ "1.999999999999999999m", 0, INT64_C(119999999999) },
	{ "0.000000000000000001d", 0, 0 },
	{ "1h0.5m", 0, 3630 * S },
	{ "-100ms", 1, -100 * MS },
	{ "+5s", 1, 5 * S },
	{ "-1h30m", 1, -5400 * S },
	{ "-1.5ns", 1, -1 },
	{ "106751d", 0, INT64_C(106751) * 86400 * S },
	{ "106751d23h47m16s854ms775us807ns", 0, INT64_MAX },
	{ "-106751d23h47m16s854ms775us808ns", 1, INT64_MIN },
	{ "9223372036854775807ns", 0, INT64_MAX },
	{ "-9223372036854775808ns", 1, INT64_MIN },
	{ "9223372036.854775807s", 0, INT64_MAX },
	{ "2562047h47m16.854775807s", 0, INT64_MAX },
	{ "000000000000000000000000001s", 0, S },
};

static const struct decase {
	const char	*in;
	int		 sign;
	const char	*reason;
} dur_bad[] = {
	{ "", 1, "empty" },
	{ "1", 0, "missing unit (e.g. 10s)" },
	{ "10", 1, "missing unit (e.g. 10s)" },
	{ "00", 0, "missing unit" },
	{ "-5", 1, "missing unit" },
	{ "1.5", 0, "missing unit" },
	{ "1h30", 0, "missing unit" },
	{ "1x", 0, "unknown unit (use ns, us, ms, s, m, h or d)" },
	{ "1S", 0, "unknown unit" },
	{ "1H", 0, "unknown unit" },
	{ "1sec", 0, "unknown unit" },
	{ "1mss", 0, "unknown unit" },
	{ "1min", 0, "unknown unit" },
	{ "1e3s", 0, "unknown unit" },
	{ "1s.", 0, "unknown unit" },
	{ "1y", 0, "unknown unit" },
	{ "1\xc2s", 0, "unknown unit" },
	{ "h", 0, "expected a number" },
	{ "ms", 0, "expected a number" },
	{ ".5s", 0, "expected a number" },
	{ "-", 1, "expected a number" },
	{ "--1s", 1, "expected a number" },
	{ "+-1s", 1, "expected a number" },
	{ "1h-30m", 1, "unknown unit" },
	{ "1.s", 0, "expected digits after '.'" },
	{ "1..5s", 0, "expected digits after '.'" },
	{ "1.0000000000000000001s", 0, "too many fraction digits" },
	{ "-1s", 0, "negative durations are not allowed here" },
	{ "-0", 0, "negative durations are not allowed here" },
	{ "+1s", 0, "a sign is not allowed here" },
	{ "1h 30m", 0, "spaces are not allowed" },
	{ " 1s", 0, "spaces are not allowed" },
	{ "1s ", 0, "spaces are not allowed" },
	{ "1s\n", 0, "spaces are not allowed" },
	{ "1h1h", 0, "a unit appears twice" },
	{ "1s2s", 0, "a unit appears twice" },
	{ "1us1\xc2\xb5s", 0, "a unit appears twice" },
	{ "9223372036854775808ns", 0, "duration out of range" },
	{ "-9223372036854775809ns", 1, "duration out of range" },
	{ "106752d", 0, "duration out of range" },
	{ "106751d23h47m16s854ms775us808ns", 0, "duration out of range" },
	{ "99999999999999999999999s", 0, "duration out of range" },
	{ "18446744073709551616ns", 0, "duration out of range" },
	{ "5124095576030431h", 0, "duration out of range" },
	{ "9223372036854775807ns1us", 0, "duration out of range" },
	{ "9223372036854775807ns1d", 0, "duration out of range" },
};

static void
test_durations(void)
{
	struct fault f;
	size_t i;
	int64_t t;
	int rc;

	for (i = 0; i < sizeof(dur_ok) / sizeof(dur_ok[0]); i++) {
		fault_clear(&f);
		t = SENTINEL;
		rc = tp_duration(dur_ok[i].in, dur_ok[i].sign, &t, &f);
		expect_ok("duration", dur_ok[i].in, rc, &f, t, dur_ok[i].want);
		/* A sign allowed changes nothing for unsigned input. */
		if (dur_ok[i].sign == 0) {
			t = SENTINEL;
			rc = tp_duration(dur_ok[i].in, 1, &t, &f);
			expect_ok("duration signed", dur_ok[i].in, rc, &f, t,
			    dur_ok[i].want);
		}
	}
	for (i = 0; i < sizeof(dur_bad) / sizeof(dur_bad[0]); i++) {
		fault_clear(&f);
		t = SENTINEL;
		rc = tp_duration(dur_bad[i].in, dur_bad[i].sign, &t, &f);
		expect_err("duration", dur_bad[i].in, rc, &f, EX_USAGE,
		    dur_bad[i].reason, t);
	}
	fault_clear(&f);
	tp_duration("1x", 0, &t, &f);
	CHECK_STR_EQ(f.msg, "bad duration \"1x\": unknown unit (use ns, us, "
	    "ms, s, m, h or d)");
	fault_clear(&f);
	tp_duration("-5s", 0, &t, &f);
	CHECK_STR_EQ(f.msg, "bad duration \"-5s\": negative durations are "
	    "not allowed here");
	fault_clear(&f);
	tp_duration("10", 0, &t, &f);
	CHECK_STR_EQ(f.msg, "bad duration \"10\": missing unit (e.g. 10s)");
}

/* ---- Output ------------------------------------------------------- */

static const struct fcase {
	int64_t		 ns;
	enum tp_out	 out;
	const char	*want;
} fmt_cases[] = {
	{ 0, TPO_RFC3339, "1970-01-01T00:00:00.000Z" },
	{ 1, TPO_RFC3339, "1970-01-01T00:00:00.000Z" },
	{ 999999, TPO_RFC3339, "1970-01-01T00:00:00.000Z" },
	{ 1000000, TPO_RFC3339, "1970-01-01T00:00:00.001Z" },
	{ -1, TPO_RFC3339, "1969-12-31T23:59:59.999Z" },
	{ -1000000, TPO_RFC3339, "1969-12-31T23:59:59.999Z" },
	{ -1000001, TPO_RFC3339, "1969-12-31T23:59:59.998Z" },
	{ -500000000, TPO_RFC3339, "1969-12-31T23:59:59.500Z" },
	{ -S, TPO_RFC3339, "1969-12-31T23:59:59.000Z" },
	{ 1731405600 * S, TPO_RFC3339, "2024-11-12T10:00:00.000Z" },
	{ INT64_C(1731405600123456789), TPO_RFC3339,
	    "2024-11-12T10:00:00.123Z" },
	{ INT64_C(1731405600999999999), TPO_RFC3339,
	    "2024-11-12T10:00:00.999Z" },
	{ 951782400 * S, TPO_RFC3339, "2000-02-29T00:00:00.000Z" },
	{ 1709164800 * S - 1, TPO_RFC3339, "2024-02-28T23:59:59.999Z" },
	{ 1735689599 * S, TPO_RFC3339, "2024-12-31T23:59:59.000Z" },
	{ INT64_C(-2203891200) * S - 1, TPO_RFC3339,
	    "1900-02-28T23:59:59.999Z" },
	{ INT64_MAX, TPO_RFC3339, "2262-04-11T23:47:16.854Z" },
	{ INT64_MIN, TPO_RFC3339, "1677-09-21T00:12:43.145Z" },
	{ 0, TPO_EPOCH_S, "0" },
	{ -1, TPO_EPOCH_S, "-1" },
	{ -S, TPO_EPOCH_S, "-1" },
	{ -S - 1, TPO_EPOCH_S, "-2" },
	{ S - 1, TPO_EPOCH_S, "0" },
	{ INT64_C(1731405600999999999), TPO_EPOCH_S, "1731405600" },
	{ INT64_MAX, TPO_EPOCH_S, "9223372036" },
	{ INT64_MIN, TPO_EPOCH_S, "-9223372037" },
	{ -1, TPO_EPOCH_MS, "-1" },
	{ INT64_C(1731405600123456789), TPO_EPOCH_MS, "1731405600123" },
	{ INT64_C(-1731405600123456789), TPO_EPOCH_MS, "-1731405600124" },
	{ INT64_MAX, TPO_EPOCH_MS, "9223372036854" },
	{ INT64_MIN, TPO_EPOCH_MS, "-9223372036855" },
	{ -1, TPO_EPOCH_US, "-1" },
	{ 1999, TPO_EPOCH_US, "1" },
	{ INT64_C(1731405600123456789), TPO_EPOCH_US, "1731405600123456" },
	{ INT64_MIN, TPO_EPOCH_US, "-9223372036854776" },
	{ 0, TPO_EPOCH_NS, "0" },
	{ -1, TPO_EPOCH_NS, "-1" },
	{ INT64_C(1731405600123456789), TPO_EPOCH_NS, "1731405600123456789" },
	{ INT64_MAX, TPO_EPOCH_NS, "9223372036854775807" },
	{ INT64_MIN, TPO_EPOCH_NS, "-9223372036854775808" },
};

static void
test_format(void)
{
	char buf[TP_BUF], want[TP_BUF + 2];
	size_t i, n;

	for (i = 0; i < sizeof(fmt_cases) / sizeof(fmt_cases[0]); i++) {
		memset(buf, 'z', sizeof(buf));
		n = tp_format(fmt_cases[i].ns, fmt_cases[i].out, buf);
		expect_str("tp_format", buf, fmt_cases[i].want);
		CHECK_INT_EQ(n, strlen(fmt_cases[i].want));
		memset(buf, 'z', sizeof(buf));
		n = tp_format_json(fmt_cases[i].ns, fmt_cases[i].out, buf);
		if (fmt_cases[i].out == TPO_RFC3339)
			snprintf(want, sizeof(want), "\"%s\"",
			    fmt_cases[i].want);
		else
			snprintf(want, sizeof(want), "%s", fmt_cases[i].want);
		expect_str("tp_format_json", buf, want);
		CHECK_INT_EQ(n, strlen(want));
	}
}

static void
test_format_duration(void)
{
	static const struct {
		int64_t		 ns;
		const char	*want;
	} c[] = {
		{ 0, "0s" }, { 1, "1ns" }, { -1, "-1ns" }, { 1000, "1us" },
		{ MS, "1ms" }, { S, "1s" }, { 60 * S, "1m" },
		{ 3600 * S, "1h" }, { 86400 * S, "1d" },
		{ 5400 * S, "1h30m" }, { 250 * MS, "250ms" },
		{ 1500 * MS, "1s500ms" }, { -5 * S, "-5s" },
		{ -5400 * S, "-1h30m" }, { 90 * S, "1m30s" },
		{ 183600 * S, "2d3h" }, { 1001, "1us1ns" },
		{ INT64_C(90061001001001), "1d1h1m1s1ms1us1ns" },
		{ 7 * 86400 * S, "7d" }, { 86400 * S - 1,
		    "23h59m59s999ms999us999ns" },
		{ INT64_MAX, "106751d23h47m16s854ms775us807ns" },
		{ INT64_MIN, "-106751d23h47m16s854ms775us808ns" },
		/* SPEC 3: the zero units between the largest and smallest. */
		{ 14422 * S, "4h0m22s" }, { -14422 * S, "-4h0m22s" },
		{ 86401 * S, "1d0h0m1s" }, { 3600 * S + MS, "1h0m0s1ms" },
		{ 60 * S + 1, "1m0s0ms0us1ns" }, { S + 1000, "1s0ms1us" },
		{ 2 * 86400 * S + 60 * S, "2d0h1m" }, { 3601 * S, "1h0m1s" },
		{ 7 * 86400 * S + 1, "7d0h0m0s0ms0us1ns" },
	};
	char buf[TP_BUF];
	size_t i, n;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		n = tp_format_duration(c[i].ns, buf);
		expect_str("tp_format_duration", buf, c[i].want);
		CHECK_INT_EQ(n, strlen(c[i].want));
	}
}

/* ---- Round trips -------------------------------------------------- */

/* The RFC 3339 text of ns with nine digits, from the naive calendar. */
static void
naive_rfc(int64_t ns, char *buf, size_t sz, int digits, int off_min)
{
	int64_t days, sod, frac, y;
	unsigned m, d;
	char sign;
	int off;

	split_ns(ns + (int64_t)off_min * 60 * S, &days, &sod, &frac);
	naive_civil(days, &y, &m, &d);
	sign = off_min < 0 ? '-' : '+';
	off = off_min < 0 ? -off_min : off_min;
	if (digits == 3)
		snprintf(buf, sz, "%04lld-%02u-%02uT%02d:%02d:%02d.%03lldZ",
		    (long long)y, m, d, (int)(sod / 3600),
		    (int)(sod / 60 % 60), (int)(sod % 60),
		    (long long)(frac / 1000000));
	else
		snprintf(buf, sz, "%04lld-%02u-%02uT%02d:%02d:%02d.%09lld"
		    "%c%02d:%02d", (long long)y, m, d, (int)(sod / 3600),
		    (int)(sod / 60 % 60), (int)(sod % 60), (long long)frac,
		    sign, off / 60, off % 60);
}

/* Formatting agrees with the naive calendar and reads back floored. */
static void
test_roundtrip_rfc(void)
{
	char buf[TP_BUF], want[64];
	int64_t ns, t, floor_ms;
	int i, off, rc;

	for (i = 0; i < ROUNDS; i++) {
		ns = rng_ns();
		tp_format(ns, TPO_RFC3339, buf);
		naive_rfc(ns, want, sizeof(want), 3, 0);
		if (strcmp(buf, want) != 0)
			loop_fail("format vs naive", ns, 0, buf);
		rc = tp_parse_rfc3339(buf, strlen(buf), &t, NULL);
		floor_ms = tp_floordiv(ns, MS);
		/* The first 224192 ns of the range floor below it. */
		if (floor_ms < INT64_MIN / MS) {
			if (rc != -1)
				loop_fail("floor below range", ns, t, buf);
		} else if (rc != 0 || t != floor_ms * MS)
			loop_fail("format rfc3339 -> parse", ns, t, buf);
		off = (int)(rng() % (24 * 60 * 2 - 1)) - (24 * 60 - 1);
		if (ns > INT64_MAX - 86400 * S ||
		    ns < INT64_MIN + 86400 * S)
			off = 0;
		naive_rfc(ns, want, sizeof(want), 9, off);
		rc = tp_parse_rfc3339(want, strlen(want), &t, NULL);
		if (rc != 0 || t != ns)
			loop_fail("naive rfc3339 -> parse", ns, t, want);
	}
	loop_done();
}

/* Epoch numbers in every unit, plain and with exponents. */
static void
test_roundtrip_epoch(void)
{
	struct timefmt es = fmt_of(TP_EPOCH_S), ems = fmt_of(TP_EPOCH_MS),
	    ens = fmt_of(TP_EPOCH_NS), aut = fmt_of(TP_AUTO);
	char buf[64];
	uint64_t mag;
	int64_t ns, t, fl;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		ns = rng_ns();
		tp_format(ns, TPO_EPOCH_NS, buf);
		if (tp_from_number(&ens, buf, strlen(buf), &t, NULL) != 0 ||
		    t != ns)
			loop_fail("epoch-ns", ns, t, buf);
		if ((ns >= INT64_C(100000000000000000) ||
		    ns <= INT64_C(-100000000000000000)) &&
		    (tp_from_string(&aut, buf, strlen(buf), &t, NULL) != 0 ||
		    t != ns))
			loop_fail("auto ns", ns, t, buf);
		mag = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
		snprintf(buf, sizeof(buf), "%s%llu.%09llu", ns < 0 ? "-" : "",
		    (unsigned long long)(mag / 1000000000),
		    (unsigned long long)(mag % 1000000000));
		if (tp_from_number(&es, buf, strlen(buf), &t, NULL) != 0 ||
		    t != ns)
			loop_fail("epoch-s fraction", ns, t, buf);
		snprintf(buf, sizeof(buf), "%llde-6", (long long)ns);
		if (tp_from_number(&ems, buf, strlen(buf), &t, NULL) != 0 ||
		    t != ns)
			loop_fail("epoch-ms exponent", ns, t, buf);
		snprintf(buf, sizeof(buf), "%llde-9", (long long)ns);
		if (tp_from_number(&es, buf, strlen(buf), &t, NULL) != 0 ||
		    t != ns)
			loop_fail("epoch-s exponent", ns, t, buf);
		tp_format(ns, TPO_EPOCH_MS, buf);
		fl = tp_floordiv(ns, MS);
		if (fl >= INT64_MIN / MS &&
		    (tp_from_number(&ems, buf, strlen(buf), &t, NULL) != 0 ||
		    t != fl * MS))
			loop_fail("epoch-ms floor", ns, t, buf);
	}
	loop_done();
}

static void
test_roundtrip_duration(void)
{
	char buf[TP_BUF];
	int64_t ns, t;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		ns = rng_ns();
		if (i % 3 == 0)
			ns = (ns % 100000) * (int64_t)(rng() % 4 == 0 ?
			    1 : rng() % 2 == 0 ? MS : S);
		tp_format_duration(ns, buf);
		if (tp_duration(buf, 1, &t, NULL) != 0 || t != ns)
			loop_fail("duration signed", ns, t, buf);
		if (ns >= 0 && (tp_duration(buf, 0, &t, NULL) != 0 || t != ns))
			loop_fail("duration unsigned", ns, t, buf);
	}
	loop_done();
}

/* CLF text built from the naive calendar reads back exactly. */
static void
test_roundtrip_clf(void)
{
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct timefmt tf;
	char buf[64];
	int64_t ns, t, days, sod, frac, y;
	unsigned m, d;
	int i, off;

	tp_format_parse(&tf, "%d/%b/%Y:%H:%M:%S %z", NULL);
	for (i = 0; i < ROUNDS; i++) {
		ns = (int64_t)(rng() % (UINT64_C(1) << 62)) / S * S;
		if (rng() & 1)
			ns = -ns;
		off = (int)(rng() % 47) * 30 - 23 * 60;
		split_ns(ns + (int64_t)off * 60 * S, &days, &sod, &frac);
		naive_civil(days, &y, &m, &d);
		snprintf(buf, sizeof(buf), "%02u/%s/%04lld:%02d:%02d:%02d "
		    "%c%02d%02d", d, mon[m - 1], (long long)y,
		    (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60),
		    off < 0 ? '-' : '+', (off < 0 ? -off : off) / 60,
		    (off < 0 ? -off : off) % 60);
		if (tp_from_string(&tf, buf, strlen(buf), &t, NULL) != 0 ||
		    t != ns)
			loop_fail("clf", ns, t, buf);
	}
	loop_done();
}

int
main(void)
{
	test_civil_known();
	test_civil_walk();
	test_floordiv();
	test_floordiv_random();
	test_numbers();
	test_number_lengths();
	test_rfc3339();
	test_messages();
	test_strings();
	test_forms();
	test_syslog_year();
	test_format_parse();
	test_format_parse_long();
	test_out_parse();
	test_patterns();
	test_pattern_names();
	test_durations();
	test_format();
	test_format_duration();
	test_roundtrip_rfc();
	test_roundtrip_epoch();
	test_roundtrip_duration();
	test_roundtrip_clf();
	test_roundtrip_forms();
	return check_done("test_timeparse");
}
