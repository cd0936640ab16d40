/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * timeparse.c - event times and durations to int64 nanoseconds, and back.
 *
 * Everything here is hand-written digit loops over (pointer, length)
 * pairs: no strtod, no sscanf, no strptime, no mktime, no malloc.  No
 * locale and no TZ variable can change a result, and the per-record paths
 * (tp_from_number, tp_parse_rfc3339) stay cheap.  Arithmetic that could
 * leave the int64 nanosecond range is checked with the compiler's overflow
 * builtins and reported as an error, never wrapped.
 *
 * Choices the contract leaves open, for the man pages:
 * - Digits finer than a nanosecond are truncated toward the past (floor),
 *   in epoch numbers, RFC 3339 fractions (any number of digits) and %f.
 * - A leap second (ss = 60) is accepted at the end of any minute and rolls
 *   into the next minute: 23:59:60Z is 00:00:00Z of the next day.
 * - RFC 3339 strings may omit the seconds (hh:mm) and the offset (UTC);
 *   the fraction may follow ',' (ISO 8601, Python, log4j); " UTC" or
 *   " GMT" may end them, and a space may come before an offset (Ruby,
 *   Go).  The basic form YYYYMMDDThhmm[ss][fraction][zone] needs its
 *   'T' ("20241112" alone is a number).
 * - auto's other forms, told by their first bytes: Common Log Format
 *   (also inside the [brackets] of a log line); RFC 2822 with or without
 *   the weekday, seconds optional, two- and three-digit years as its
 *   section 4.3 says, zones +hhmm, UT, UTC, GMT, Z and the North American
 *   EST EDT CST CDT MST MDT PST PDT of section 4.3 (other names are
 *   refused: most are ambiguous), a trailing "(comment)" ignored; ctime
 *   with or without a zone before the year; syslog "Mmm dd hh:mm:ss",
 *   the day space-padded or not.  Month and weekday names in any case,
 *   weekdays read and not checked against the date.  Every form without
 *   a zone is UTC.  A syslog time without --year takes the clock's year,
 *   or the one before when the clock's would put it more than 7 days
 *   ahead (a Feb 29 the clock's year lacks comes from the year before,
 *   when that has one).
 * - Epoch numbers follow JSON number syntax, but leading zeros are allowed.
 * - Durations: each part needs a digit before any '.' (".5s" is an error,
 *   "0.5s" is not); parts may come in any order but each unit only once;
 *   "µs" and "μs" mean "us"; fractions finer than 1 ns are truncated toward
 *   zero, then the sign applies; at most 18 fraction digits per part.
 * - Patterns need a year (%Y, %y, %F, %D) or %s; %s excludes the other date,
 *   time and %z conversions; %j excludes month and day; %I and %p go
 *   together.  These are usage errors from tp_format_parse, so a pattern
 *   that could only give wrong or clock-dependent times never runs.
 *   Missing month and day default to 1, missing time fields to 0.  A
 *   conversion given twice: the last one wins.
 * - %Y is exactly four digits, no sign; %m %d %e %H %I %M %S %y take one
 *   or two digits and %j one to three, greedily (so "%Y%m%d" reads
 *   "20241112" and "%F" reads "2024-1-5"); %e may be preceded by spaces.
 *   %y: 69-99 is 19xx, 00-68 is 20xx.  %S accepts 60 as above.
 * - %b %B %h take a full English month name or its first three letters,
 *   in any case; %a %A the same for weekdays, which are read and ignored
 *   (not checked against the date).  %p is AM or PM in any case, 12 AM
 *   being 00.  %z is Z, +hh:mm, +hhmm or +hh; %Z takes only UTC, GMT or Z.
 *   %s is whole seconds, perhaps negative; "%s.%f" reads "-1.5" as -1.5 s.
 * - Literal pattern characters match exactly, case included.
 * - An error leaves *ns as it was.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "fault.h"
#include "timeparse.h"

#define NS_PER_US	INT64_C(1000)
#define NS_PER_MS	INT64_C(1000000)
#define NS_PER_S	INT64_C(1000000000)
#define SECS_PER_DAY	INT64_C(86400)
#define QUOTE_OUT_MAX	64		/* quoted input chars in a message */
#define QUOTE_BUF	(QUOTE_OUT_MAX + 4)
#define EXP_MAX		1000000000	/* exponents saturate past this */
#define NUM_LEN_MAX	((size_t)1 << 40) /* keeps digit counts in int64 */
#define DUR_FRAC_MAX	18		/* fraction digits in a duration part */
#define MAG_NEG_MAX	((uint64_t)INT64_MAX + 1)

static const uint64_t pow10_tab[19] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
	10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
	100000000000ULL, 1000000000000ULL, 10000000000000ULL,
	100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
	100000000000000000ULL, 1000000000000000000ULL
};

static inline int
isdig(int c)
{
	return c >= '0' && c <= '9';
}

static inline int
isspc(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' ||
	    c == '\f' || c == '\r';
}

static inline int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* s starts with name (lower case, n bytes) in any case. */
static int
ci_prefix(const char *s, size_t len, const char *name, size_t n)
{
	size_t k;

	if (len < n)
		return 0;
	for (k = 0; k < n; k++)
		if (lower((unsigned char)s[k]) != name[k])
			return 0;
	return 1;
}

/*
 * Quote untrusted bytes for a message, escaping anything a terminal should
 * not see raw so that a binary record cannot garble stderr, and cutting
 * long input with "..." so that the reason after it still fits.
 */
static void
quote(char dst[QUOTE_BUF], const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, n;
	unsigned char c;

	n = 0;
	for (i = 0; i < len && n + 4 <= QUOTE_OUT_MAX; i++) {
		c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			dst[n++] = '\\';
			dst[n++] = (char)c;
		} else if (c >= 0x20 && c < 0x7f)
			dst[n++] = (char)c;
		else {
			dst[n++] = '\\';
			dst[n++] = 'x';
			dst[n++] = hex[c >> 4];
			dst[n++] = hex[c & 0xf];
		}
	}
	if (i < len) {
		memcpy(dst + n, "...", 3);
		n += 3;
	}
	dst[n] = '\0';
}

/* A bad event time: a data error, so the record is skipped, not the run. */
static int
bad_time(struct fault *f, const char *s, size_t len, const char *why)
{
	char q[QUOTE_BUF];

	if (f == NULL)
		return -1;
	quote(q, s, len);
	return fault_set(f, EX_DATAERR, "bad time \"%s\": %s", q, why);
}

/* A bad duration comes from a flag: a usage error. */
static int
bad_duration(struct fault *f, const char *s, const char *why)
{
	char q[QUOTE_BUF];

	if (f == NULL)
		return -1;
	quote(q, s, strlen(s));
	return fault_set(f, EX_USAGE, "bad duration \"%s\": %s", q, why);
}

/*
 * Civil dates, after Howard Hinnant's "chrono-Compatible Low-Level Date
 * Algorithms": shift the year to start in March so that the leap day is
 * last, then count 400-year eras of 146097 days.  Exact for any year whose
 * day count fits, far beyond the years int64 nanoseconds can reach.
 */
int64_t
tp_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe, mp;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	mp = m > 2 ? (int64_t)m - 3 : (int64_t)m + 9;
	doy = (153 * mp + 2) / 5 + (int64_t)d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
tp_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Window alignment needs the floor, not C's truncation toward zero. */
int64_t
tp_floordiv(int64_t a, int64_t b)
{
	int64_t q;

	assert(b > 0);
	q = a / b;
	if (a % b < 0)
		q--;
	return q;
}

int64_t
tp_mod(int64_t a, int64_t b)
{
	int64_t r;

	assert(b > 0);
	r = a % b;
	return r < 0 ? r + b : r;
}

static int
is_leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static int
month_days(int64_t y, int m)
{
	static const unsigned char mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	return m == 2 && is_leap(y) ? 29 : mdays[m - 1];
}

/*
 * Give a magnitude its sign.  Negative values floor: a nonzero digit that
 * was dropped moves them one nanosecond further into the past.
 */
static int
signed_ns(uint64_t mag, int neg, int dropped, int64_t *ns)
{
	if (!neg) {
		if (mag > (uint64_t)INT64_MAX)
			return -1;
		*ns = (int64_t)mag;
		return 0;
	}
	mag += dropped != 0;
	if (mag > MAG_NEG_MAX)
		return -1;
	*ns = mag == MAG_NEG_MAX ? INT64_MIN : -(int64_t)mag;
	return 0;
}

/* ---- Decimal numbers ---------------------------------------------- */

/* A number as written: sign, digits, fraction digits, exponent. */
struct dec {
	const char	*ip;		/* integer digits */
	const char	*fp;		/* fraction digits */
	size_t		 nip;
	size_t		 nfp;
	size_t		 lz;		/* leading zeros across ip and fp */
	int64_t		 exp;		/* saturated at +-EXP_MAX */
	int		 neg;
};

static inline int
dec_digit(const struct dec *d, size_t k)
{
	return k < d->nip ? d->ip[k] - '0' : d->fp[k - d->nip] - '0';
}

/*
 * The exponent saturates: past EXP_MAX any nonzero value is out of range
 * or floors to 0 or -1 anyway, and the digit counts it meets stay small.
 */
static const char *
dec_exponent(const char *s, size_t len, size_t *i, struct dec *d)
{
	int eneg;

	d->exp = 0;
	if (*i == len || (s[*i] != 'e' && s[*i] != 'E'))
		return NULL;
	++*i;
	eneg = 0;
	if (*i < len && (s[*i] == '+' || s[*i] == '-'))
		eneg = s[(*i)++] == '-';
	if (*i == len || !isdig(s[*i]))
		return "expected digits in the exponent";
	for (; *i < len && isdig(s[*i]); ++*i)
		if (d->exp < EXP_MAX)
			d->exp = d->exp * 10 + (s[*i] - '0');
	if (eneg)
		d->exp = -d->exp;
	return NULL;
}

/* JSON number syntax, except that leading zeros are let through. */
static const char *
dec_scan(const char *s, size_t len, struct dec *d)
{
	size_t i, n;
	const char *why;

	if (len > NUM_LEN_MAX)
		return "number too long";
	i = 0;
	d->neg = len > 0 && s[0] == '-';
	i += d->neg;
	d->ip = s + i;
	while (i < len && isdig(s[i]))
		i++;
	if ((d->nip = (size_t)(s + i - d->ip)) == 0)
		return "is not a number";
	d->fp = s + i;
	d->nfp = 0;
	if (i < len && s[i] == '.') {
		d->fp = s + ++i;
		while (i < len && isdig(s[i]))
			i++;
		if ((d->nfp = (size_t)(s + i - d->fp)) == 0)
			return "expected digits after '.'";
	}
	if ((why = dec_exponent(s, len, &i, d)) != NULL)
		return why;
	if (i != len)
		return "has trailing characters";
	n = d->nip + d->nfp;
	for (d->lz = 0; d->lz < n && dec_digit(d, d->lz) == 0; d->lz++)
		continue;
	return NULL;
}

/*
 * The number times 10^scale, floored to an integer.  With nd significant
 * digits D and exponent E the value is D * 10^E, and the result has
 * nd + E + scale integer digits: more than 19 cannot fit, so at most 19
 * digits are ever accumulated and the product stays below 10^19 < 2^64.
 */
static int
dec_to_ns(const struct dec *d, int scale, int64_t *ns)
{
	size_t nd, k, keep;
	int64_t m;
	uint64_t mag;

	nd = d->nip + d->nfp - d->lz;
	if (nd == 0) {
		*ns = 0;
		return 0;
	}
	m = (int64_t)nd + d->exp - (int64_t)d->nfp + scale;
	if (m > 19)
		return -1;
	if (m <= 0)
		return signed_ns(0, d->neg, 1, ns);
	keep = (size_t)m;
	mag = 0;
	for (k = 0; k < keep && k < nd; k++)
		mag = mag * 10 + (uint64_t)dec_digit(d, d->lz + k);
	if (keep > nd)
		mag *= pow10_tab[keep - nd];
	for (; k < nd; k++)
		if (dec_digit(d, d->lz + k) != 0)
			return signed_ns(mag, d->neg, 1, ns);
	return signed_ns(mag, d->neg, 0, ns);
}

/*
 * SPEC 3: |v| < 1e11 is seconds, < 1e14 ms, < 1e17 us, else ns.  With nd
 * significant digits, |v| < 10^k exactly when nd + E <= k, so the choice
 * is made on the text and never rounds.
 */
static int
auto_scale(const struct dec *d)
{
	int64_t m;

	if (d->nip + d->nfp == d->lz)
		return 9;
	m = (int64_t)(d->nip + d->nfp - d->lz) + d->exp - (int64_t)d->nfp;
	if (m <= 11)
		return 9;
	if (m <= 14)
		return 6;
	if (m <= 17)
		return 3;
	return 0;
}

/* A number in ns; scale -1 picks the unit by magnitude.  NULL: done. */
static const char *
num_parse(int scale, const char *text, size_t len, int64_t *ns)
{
	struct dec d;
	const char *why;

	if ((why = dec_scan(text, len, &d)) != NULL)
		return why;
	if (scale < 0)
		scale = auto_scale(&d);
	if (dec_to_ns(&d, scale, ns) == -1)
		return "time out of range";
	return NULL;
}

int
tp_from_number(const struct timefmt *tf, const char *text, size_t len,
    int64_t *ns, struct fault *f)
{
	const char *why;
	int scale;

	switch (tf->kind) {
	case TP_AUTO:
		scale = -1;
		break;
	case TP_EPOCH_S:
		scale = 9;
		break;
	case TP_EPOCH_MS:
		scale = 6;
		break;
	case TP_EPOCH_US:
		scale = 3;
		break;
	case TP_EPOCH_NS:
		scale = 0;
		break;
	default:
		return bad_time(f, text, len,
		    "a number, but the time format wants a string");
	}
	if ((why = num_parse(scale, text, len, ns)) != NULL)
		return bad_time(f, text, len, why);
	return 0;
}

/* ---- Civil times: RFC 3339 and patterns share these --------------- */

struct civil {
	int64_t		year;
	int		mon;
	int		day;
	int		hour;
	int		min;
	int		sec;		/* 60 rolls into the next minute */
	int32_t		frac_ns;
	int32_t		off_s;		/* east of UTC */
};

static void
civil_init(struct civil *c)
{
	c->year = 1970;
	c->mon = c->day = 1;
	c->hour = c->min = c->sec = 0;
	c->frac_ns = 0;
	c->off_s = 0;
}

/* Between wmin and wmax digits, greedily; -1 when there are too few. */
static int
num_field(const char *s, size_t len, size_t *i, int wmin, int wmax)
{
	int v, n;

	v = 0;
	for (n = 0; n < wmax && *i < len && isdig(s[*i]); n++, ++*i)
		v = v * 10 + (s[*i] - '0');
	return n < wmin ? -1 : v;
}

static int
lit(const char *s, size_t len, size_t *i, int c)
{
	if (*i < len && s[*i] == c) {
		++*i;
		return 1;
	}
	return 0;
}

/* Fraction digits: the first nine are kept, the rest truncated (floor). */
static const char *
frac_digits(const char *s, size_t len, size_t *i, int32_t *frac)
{
	size_t n;
	int32_t v;

	v = 0;
	for (n = 0; *i < len && isdig(s[*i]); n++, ++*i)
		if (n < 9)
			v = v * 10 + (s[*i] - '0');
	if (n == 0)
		return "expected digits after '.'";
	if (n < 9)
		v *= (int32_t)pow10_tab[9 - n];
	*frac = v;
	return NULL;
}

/* Z, +hh:mm, -hh:mm, +hhmm or +hh. */
static const char *
utc_offset(const char *s, size_t len, size_t *i, int32_t *off)
{
	int sign, h, m;

	if (lit(s, len, i, 'Z') || lit(s, len, i, 'z')) {
		*off = 0;
		return NULL;
	}
	if (*i == len || (s[*i] != '+' && s[*i] != '-'))
		return "expected Z or a UTC offset";
	sign = s[(*i)++] == '-' ? -1 : 1;
	if ((h = num_field(s, len, i, 2, 2)) < 0)
		return "has a bad UTC offset";
	m = 0;
	if ((lit(s, len, i, ':') || (*i < len && isdig(s[*i]))) &&
	    (m = num_field(s, len, i, 2, 2)) < 0)
		return "has a bad UTC offset";
	if (h > 23 || m > 59)
		return "UTC offset out of range";
	*off = sign * (h * 3600 + m * 60);
	return NULL;
}

static const char *
civil_check(const struct civil *c)
{
	if (c->mon < 1 || c->mon > 12)
		return "month out of range";
	if (c->day < 1 || c->day > month_days(c->year, c->mon))
		return "day out of range";
	if (c->hour > 23)
		return "hour out of range";
	if (c->min > 59)
		return "minute out of range";
	if (c->sec > 60)
		return "second out of range";
	return NULL;
}

/*
 * Days plus time of day, less the offset, in ns.  Before 1970 the seconds
 * borrow one from the fraction first, so that the product stays in range
 * down to the very first representable nanosecond.
 */
static int
civil_ns(int64_t days, const struct civil *c, int64_t *ns)
{
	int64_t secs, frac, t;

	if (days > INT64_MAX / SECS_PER_DAY / 2 ||
	    days < INT64_MIN / SECS_PER_DAY / 2)
		return -1;
	secs = days * SECS_PER_DAY + c->hour * 3600 + c->min * 60 + c->sec -
	    c->off_s;
	frac = c->frac_ns;
	if (secs < 0 && frac > 0) {
		secs++;
		frac -= NS_PER_S;
	}
	if (__builtin_mul_overflow(secs, NS_PER_S, &t) ||
	    __builtin_add_overflow(t, frac, &t))
		return -1;
	*ns = t;
	return 0;
}

static const char *
rfc_date(const char *s, size_t len, size_t *i, struct civil *c)
{
	int y, m, d;

	if ((y = num_field(s, len, i, 4, 4)) < 0 || !lit(s, len, i, '-') ||
	    (m = num_field(s, len, i, 2, 2)) < 0 || !lit(s, len, i, '-') ||
	    (d = num_field(s, len, i, 2, 2)) < 0)
		return "expected a date YYYY-MM-DD";
	c->year = y;
	c->mon = m;
	c->day = d;
	return NULL;
}

/* hh:mm[:ss[.fraction]]; ISO 8601 lets the seconds go. */
static const char *
rfc_clock(const char *s, size_t len, size_t *i, struct civil *c)
{
	int h, m, sec;

	if ((h = num_field(s, len, i, 2, 2)) < 0 || !lit(s, len, i, ':') ||
	    (m = num_field(s, len, i, 2, 2)) < 0)
		return "expected a time hh:mm:ss";
	c->hour = h;
	c->min = m;
	if (!lit(s, len, i, ':'))
		return NULL;
	if ((sec = num_field(s, len, i, 2, 2)) < 0)
		return "expected a time hh:mm:ss";
	c->sec = sec;
	if (lit(s, len, i, '.') || lit(s, len, i, ','))
		return frac_digits(s, len, i, &c->frac_ns);
	return NULL;
}

/*
 * A zone after a space: " UTC" or " GMT" to the end, as Python and log4j
 * write, or an offset, as Ruby and Go print "2018-03-24 17:15:20 +0000".
 */
static const char *
iso_spaced_zone(const char *s, size_t len, size_t *i, int32_t *off)
{
	if (len - *i == 4 && (ci_prefix(s + *i + 1, 3, "utc", 3) ||
	    ci_prefix(s + *i + 1, 3, "gmt", 3))) {
		*i = len;
		*off = 0;
		return NULL;
	}
	if (len - *i > 1 && (s[*i + 1] == '+' || s[*i + 1] == '-'))
		++*i;
	return utc_offset(s, len, i, off);
}

/* YYYYMMDDThhmm[ss][(.|,)fraction]: ISO 8601's basic form. */
static const char *
iso_basic(const char *s, size_t len, size_t *i, struct civil *c)
{
	int y, m, d, h, mi, sec;

	if ((y = num_field(s, len, i, 4, 4)) < 0 ||
	    (m = num_field(s, len, i, 2, 2)) < 0 ||
	    (d = num_field(s, len, i, 2, 2)) < 0)
		return "expected a date YYYYMMDD";
	if (!lit(s, len, i, 'T') && !lit(s, len, i, 't'))
		return "expected 'T' after the date";
	if ((h = num_field(s, len, i, 2, 2)) < 0 ||
	    (mi = num_field(s, len, i, 2, 2)) < 0)
		return "expected a time hhmmss";
	c->year = y;
	c->mon = m;
	c->day = d;
	c->hour = h;
	c->min = mi;
	if (*i < len && isdig(s[*i])) {
		if ((sec = num_field(s, len, i, 2, 2)) < 0)
			return "expected a time hhmmss";
		c->sec = sec;
		if (lit(s, len, i, '.') || lit(s, len, i, ','))
			return frac_digits(s, len, i, &c->frac_ns);
	}
	return NULL;
}

/* Eight digits and a 'T': the basic form, never a number. */
static int
looks_basic(const char *s, size_t len)
{
	size_t k;

	if (len < 9 || (s[8] != 'T' && s[8] != 't'))
		return 0;
	for (k = 0; k < 8; k++)
		if (!isdig(s[k]))
			return 0;
	return 1;
}

static const char *
rfc_fields(const char *s, size_t len, struct civil *c)
{
	const char *why;
	size_t i;

	i = 0;
	if (looks_basic(s, len)) {
		if ((why = iso_basic(s, len, &i, c)) != NULL)
			return why;
	} else {
		if ((why = rfc_date(s, len, &i, c)) != NULL)
			return why;
		if (i == len)
			return NULL;
		if (s[i] != 'T' && s[i] != 't' && s[i] != ' ')
			return "expected 'T' after the date";
		i++;
		if ((why = rfc_clock(s, len, &i, c)) != NULL)
			return why;
	}
	if (i < len && (why = s[i] == ' ' ?
	    iso_spaced_zone(s, len, &i, &c->off_s) :
	    utc_offset(s, len, &i, &c->off_s)) != NULL)
		return why;
	if (i != len)
		return "has trailing characters";
	return NULL;
}

/*
 * Records in a stream mostly share the date and hour of their time: the
 * last "YYYY-MM-DDTHH" seen in the plain UTC form and its nanoseconds are
 * kept, so the next one only reads minutes, seconds and the fraction.
 * hour_cached() says whether s has that form ("...THH:MM:SS[.f]Z", no
 * leap second) and gives the part after the hour.  One cache a thread:
 * -j N reads times on its decode threads (par.c).
 */
static _Thread_local struct {
	char	key[13];
	int64_t	base_ns;
} hour = { "", 0 };

static int
hour_cached(const char *s, size_t len, int64_t *rest)
{
	static const int64_t scale[10] = { 0, 100000000, 10000000, 1000000,
	    100000, 10000, 1000, 100, 10, 1 };
	int64_t mm, ss, frac = 0;
	size_t i, nd;

	if (len < 20 || s[13] != ':' || s[16] != ':' ||
	    (s[len - 1] != 'Z' && s[len - 1] != 'z') ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' '))
		return 0;
	for (i = 14; i < 19; i++)
		if (i != 16 && (s[i] < '0' || s[i] > '9'))
			return 0;
	mm = (s[14] - '0') * 10 + (s[15] - '0');
	ss = (s[17] - '0') * 10 + (s[18] - '0');
	if (mm > 59 || ss > 59)
		return 0;
	if (len > 20) {
		nd = len - 21;
		if (s[19] != '.' || nd < 1 || nd > 9)
			return 0;
		for (i = 20; i < len - 1; i++) {
			if (s[i] < '0' || s[i] > '9')
				return 0;
			frac = frac * 10 + (s[i] - '0');
		}
		frac *= scale[nd];
	}
	*rest = (mm * 60 + ss) * 1000000000 + frac;
	return 1;
}

/* A checked civil time in ns; NULL when done, else the reason. */
static const char *
civil_finish(const struct civil *c, int64_t *ns)
{
	const char *why;
	int64_t days;

	if ((why = civil_check(c)) != NULL)
		return why;
	days = tp_days_from_civil(c->year, (unsigned)c->mon, (unsigned)c->day);
	if (civil_ns(days, c, ns) == -1)
		return "time out of range";
	return NULL;
}

/*
 * RFC 3339 / ISO 8601; NULL when done, else the reason.  Flattened, so
 * that a record's time is read without a single call.
 */
static __attribute__((flatten)) const char *
iso_parse(const char *s, size_t len, int64_t *ns)
{
	struct civil c;
	const char *why;
	int64_t days, rest;

	if (hour_cached(s, len, &rest) && memcmp(s, hour.key, 13) == 0 &&
	    !__builtin_add_overflow(hour.base_ns, rest, ns))
		return NULL;
	civil_init(&c);
	if ((why = rfc_fields(s, len, &c)) != NULL ||
	    (why = civil_check(&c)) != NULL)
		return why;
	days = tp_days_from_civil(c.year, (unsigned)c.mon, (unsigned)c.day);
	if (civil_ns(days, &c, ns) == -1)
		return "time out of range";
	if (hour_cached(s, len, &rest) &&
	    !__builtin_sub_overflow(*ns, rest, &hour.base_ns))
		memcpy(hour.key, s, 13);
	else
		hour.key[0] = '\0';
	return NULL;
}

int
tp_parse_rfc3339(const char *s, size_t len, int64_t *ns, struct fault *f)
{
	const char *why;

	if ((why = iso_parse(s, len, ns)) != NULL)
		return bad_time(f, s, len, why);
	return 0;
}

/* ---- strptime-style patterns -------------------------------------- */

#define SF_YEAR		0x001
#define SF_MON		0x002
#define SF_DAY		0x004
#define SF_YDAY		0x008
#define SF_HOUR		0x010
#define SF_H12		0x020
#define SF_MIN		0x040
#define SF_SEC		0x080
#define SF_AMPM		0x100
#define SF_ZONE		0x200
#define SF_EPOCH	0x400
#define SF_DATETIME	(SF_YEAR | SF_MON | SF_DAY | SF_YDAY | SF_HOUR | \
			    SF_MIN | SF_SEC | SF_AMPM | SF_ZONE)

/* What a pattern has read so far. */
struct stp {
	struct civil	c;
	int		yday;		/* 0: no %j */
	int		h12;		/* %I seen */
	int		pm;
	int		have_epoch;
	int		epoch_neg;
	int64_t		epoch_s;
	char		why[32];	/* a reason that names a character */
};

static const char *const month_names[12] = {
	"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december"
};

static const char *const wday_names[7] = {
	"sunday", "monday", "tuesday", "wednesday", "thursday", "friday",
	"saturday"
};

/* The numeric conversions: widths, bounds and what to say. */
static const struct numconv {
	char		conv;
	char		wmin;
	char		wmax;
	short		lo;
	short		hi;
	const char	*expect;
	const char	*range;
} numconvs[] = {
	{ 'Y', 4, 4, 0, 9999, "expected a 4-digit year (%Y)", "" },
	{ 'y', 1, 2, 0, 99, "expected a 2-digit year (%y)", "" },
	{ 'm', 1, 2, 1, 12, "expected a month (%m)", "month out of range" },
	{ 'd', 1, 2, 1, 31, "expected a day (%d)", "day out of range" },
	{ 'e', 1, 2, 1, 31, "expected a day (%e)", "day out of range" },
	{ 'j', 1, 3, 1, 366, "expected a day of the year (%j)",
	    "day of year out of range" },
	{ 'H', 1, 2, 0, 23, "expected an hour (%H)", "hour out of range" },
	{ 'I', 1, 2, 1, 12, "expected an hour (%I)", "hour out of range" },
	{ 'M', 1, 2, 0, 59, "expected a minute (%M)", "minute out of range" },
	{ 'S', 1, 2, 0, 60, "expected a second (%S)", "second out of range" }
};

static const char *stp_match(struct stp *, const char *, const char *,
    size_t, size_t *);

static void
skip_space(const char *s, size_t len, size_t *i)
{
	while (*i < len && isspc(s[*i]))
		++*i;
}

/* A full name, else its first three letters, in any case. */
static int
name_match(const char *const *names, int n, const char *s, size_t len,
    size_t *i)
{
	size_t nl;
	int k;

	for (k = 0; k < n; k++) {
		nl = strlen(names[k]);
		if (ci_prefix(s + *i, len - *i, names[k], nl)) {
			*i += nl;
			return k;
		}
	}
	for (k = 0; k < n; k++)
		if (ci_prefix(s + *i, len - *i, names[k], 3)) {
			*i += 3;
			return k;
		}
	return -1;
}

static const char *
stp_numeric(struct stp *st, int conv, const char *s, size_t len, size_t *i)
{
	const struct numconv *nc;
	size_t k;
	int v;

	for (k = 0; k < sizeof(numconvs) / sizeof(numconvs[0]); k++)
		if (numconvs[k].conv == conv)
			break;
	if (k == sizeof(numconvs) / sizeof(numconvs[0]))
		return "unknown conversion in the time format";
	nc = &numconvs[k];
	if (conv == 'e')
		skip_space(s, len, i);
	if ((v = num_field(s, len, i, nc->wmin, nc->wmax)) < 0)
		return nc->expect;
	if (v < nc->lo || v > nc->hi)
		return nc->range;
	switch (conv) {
	case 'Y':
		st->c.year = v;
		break;
	case 'y':
		st->c.year = v < 69 ? 2000 + v : 1900 + v;
		break;
	case 'm':
		st->c.mon = v;
		break;
	case 'j':
		st->yday = v;
		break;
	case 'I':
		st->h12 = 1;
		st->c.hour = v;
		break;
	case 'H':
		st->c.hour = v;
		break;
	case 'M':
		st->c.min = v;
		break;
	case 'S':
		st->c.sec = v;
		break;
	default:
		st->c.day = v;
		break;
	}
	return NULL;
}

/* %s: whole epoch seconds, perhaps negative; %f may follow. */
static const char *
stp_epoch(struct stp *st, const char *s, size_t len, size_t *i)
{
	int64_t v;

	st->epoch_neg = lit(s, len, i, '-');
	if (*i == len || !isdig(s[*i]))
		return "expected epoch seconds (%s)";
	for (v = 0; *i < len && isdig(s[*i]); ++*i)
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, s[*i] - '0', &v))
			return "time out of range";
	st->have_epoch = 1;
	st->epoch_s = v;
	return NULL;
}

static const char *
stp_names(struct stp *st, int conv, const char *s, size_t len, size_t *i)
{
	int k;

	switch (conv) {
	case 'a':
	case 'A':
		if (name_match(wday_names, 7, s, len, i) < 0)
			return "expected a weekday name (%a)";
		return NULL;
	case 'p':
		if (ci_prefix(s + *i, len - *i, "am", 2))
			st->pm = 0;
		else if (ci_prefix(s + *i, len - *i, "pm", 2))
			st->pm = 1;
		else
			return "expected AM or PM (%p)";
		*i += 2;
		return NULL;
	case 'Z':
		if (ci_prefix(s + *i, len - *i, "utc", 3) ||
		    ci_prefix(s + *i, len - *i, "gmt", 3))
			*i += 3;
		else if (!lit(s, len, i, 'Z') && !lit(s, len, i, 'z'))
			return "expected UTC, GMT or Z (%Z)";
		return NULL;
	default:
		if ((k = name_match(month_names, 12, s, len, i)) < 0)
			return "expected a month name (%b)";
		st->c.mon = k + 1;
		return NULL;
	}
}

static const char *
stp_conv(struct stp *st, int conv, const char *s, size_t len, size_t *i)
{
	switch (conv) {
	case 'T':
		return stp_match(st, "%H:%M:%S", s, len, i);
	case 'F':
		return stp_match(st, "%Y-%m-%d", s, len, i);
	case 'D':
		return stp_match(st, "%m/%d/%y", s, len, i);
	case 'R':
		return stp_match(st, "%H:%M", s, len, i);
	case 'n':
	case 't':
		skip_space(s, len, i);
		return NULL;
	case '%':
		return lit(s, len, i, '%') ? NULL : "expected '%'";
	case 'a':
	case 'A':
	case 'b':
	case 'B':
	case 'h':
	case 'p':
	case 'Z':
		return stp_names(st, conv, s, len, i);
	case 'z':
		return utc_offset(s, len, i, &st->c.off_s);
	case 'f':
		return frac_digits(s, len, i, &st->c.frac_ns);
	case 's':
		return stp_epoch(st, s, len, i);
	default:
		return stp_numeric(st, conv, s, len, i);
	}
}

/*
 * Whitespace in the pattern matches any run of whitespace, none included,
 * as in strptime(3); other characters match themselves.
 */
static const char *
stp_match(struct stp *st, const char *pat, const char *s, size_t len,
    size_t *i)
{
	const char *why;

	for (; *pat != '\0'; pat++) {
		if (isspc((unsigned char)*pat)) {
			skip_space(s, len, i);
			continue;
		}
		if (*pat != '%') {
			if (lit(s, len, i, *pat))
				continue;
			if ((unsigned char)*pat < 0x20 ||
			    (unsigned char)*pat >= 0x7f || *pat == '\'')
				return "does not match the time format";
			snprintf(st->why, sizeof(st->why), "expected '%c'",
			    *pat);
			return st->why;
		}
		if (*++pat == '\0')
			return "time format ends in a lone '%'";
		if ((why = stp_conv(st, (unsigned char)*pat, s, len, i)) !=
		    NULL)
			return why;
	}
	return NULL;
}

/* Epoch seconds with an optional %f, the fraction taking the sign. */
static const char *
stp_epoch_ns(const struct stp *st, int64_t *ns)
{
	int64_t t;

	if (__builtin_mul_overflow(st->epoch_s, NS_PER_S, &t))
		return "time out of range";
	if (st->epoch_neg) {
		if (__builtin_sub_overflow(0, t, &t) ||
		    __builtin_sub_overflow(t, st->c.frac_ns, &t))
			return "time out of range";
	} else if (__builtin_add_overflow(t, st->c.frac_ns, &t))
		return "time out of range";
	*ns = t;
	return NULL;
}

static const char *
stp_finish(struct stp *st, int64_t *ns)
{
	struct civil *c;
	const char *why;
	int64_t days;

	if (st->have_epoch)
		return stp_epoch_ns(st, ns);
	c = &st->c;
	if (st->h12)
		c->hour = c->hour % 12 + (st->pm ? 12 : 0);
	if (st->yday > 0) {
		if (st->yday > 365 + is_leap(c->year))
			return "day of year out of range";
		days = tp_days_from_civil(c->year, 1, 1) + st->yday - 1;
	} else {
		if ((why = civil_check(c)) != NULL)
			return why;
		days = tp_days_from_civil(c->year, (unsigned)c->mon,
		    (unsigned)c->day);
	}
	if (civil_ns(days, c, ns) == -1)
		return "time out of range";
	return NULL;
}

static int
stp_parse(const char *pat, const char *s, size_t len, int64_t *ns,
    struct fault *f)
{
	struct stp st;
	const char *why;
	size_t i;

	memset(&st, 0, sizeof(st));
	civil_init(&st.c);
	i = 0;
	why = stp_match(&st, pat, s, len, &i);
	if (why == NULL && i != len)
		why = "has trailing characters";
	if (why == NULL)
		why = stp_finish(&st, ns);
	return why == NULL ? 0 : bad_time(f, s, len, why);
}

/* What each conversion sets, for checking a pattern once, up front. */
static int
conv_flags(int conv)
{
	switch (conv) {
	case 'Y':
	case 'y':
		return SF_YEAR;
	case 'm':
	case 'b':
	case 'B':
	case 'h':
		return SF_MON;
	case 'd':
	case 'e':
		return SF_DAY;
	case 'j':
		return SF_YDAY;
	case 'H':
		return SF_HOUR;
	case 'I':
		return SF_HOUR | SF_H12;
	case 'M':
		return SF_MIN;
	case 'S':
		return SF_SEC;
	case 'p':
		return SF_AMPM;
	case 'z':
		return SF_ZONE;
	case 's':
		return SF_EPOCH;
	case 'T':
		return SF_HOUR | SF_MIN | SF_SEC;
	case 'F':
	case 'D':
		return SF_YEAR | SF_MON | SF_DAY;
	case 'R':
		return SF_HOUR | SF_MIN;
	case 'a':
	case 'A':
	case 'Z':
	case 'f':
	case 'n':
	case 't':
	case '%':
		return 0;
	}
	return -1;
}

/* The combinations that would leave a time ambiguous or unset. */
static const char *
stp_rules(int all)
{
	if ((all & SF_EPOCH) && (all & SF_DATETIME))
		return "%s cannot be combined with date, time or %z "
		    "conversions";
	if (!(all & (SF_YEAR | SF_EPOCH)))
		return "no year (%Y, %y, %F, %D) or epoch seconds (%s)";
	if ((all & SF_YDAY) && (all & (SF_MON | SF_DAY)))
		return "%j cannot be combined with a month or a day";
	if (!(all & SF_H12) != !(all & SF_AMPM))
		return "%I and %p go together";
	return NULL;
}

static int
stp_check(const char *pat, struct fault *f)
{
	char q[QUOTE_BUF], c[QUOTE_BUF];
	const char *p, *why;
	int all, fl;

	quote(q, pat, strlen(pat));
	all = 0;
	for (p = pat; *p != '\0'; p++) {
		if (*p != '%')
			continue;
		if (*++p == '\0')
			return fault_set(f, EX_USAGE,
			    "time format \"%s\" ends in a lone '%%'", q);
		if ((fl = conv_flags((unsigned char)*p)) < 0) {
			quote(c, p, 1);
			return fault_set(f, EX_USAGE, "time format \"%s\": "
			    "unknown conversion %%%s", q, c);
		}
		all |= fl;
	}
	if ((why = stp_rules(all)) != NULL)
		return fault_set(f, EX_USAGE, "time format \"%s\": %s", q,
		    why);
	return 0;
}

/* ---- Flags -------------------------------------------------------- */

int
tp_format_parse(struct timefmt *tf, const char *spec, struct fault *f)
{
	static const struct {
		const char	*name;
		enum tp_kind	 kind;
	} names[] = {
		{ "auto", TP_AUTO }, { "rfc3339", TP_RFC3339 },
		{ "epoch-s", TP_EPOCH_S }, { "epoch-ms", TP_EPOCH_MS },
		{ "epoch-us", TP_EPOCH_US }, { "epoch-ns", TP_EPOCH_NS }
	};
	char q[QUOTE_BUF];
	size_t k;

	memset(tf, 0, sizeof(*tf));
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		if (strcmp(spec, names[k].name) == 0) {
			tf->kind = names[k].kind;
			return 0;
		}
	quote(q, spec, strlen(spec));
	if (strchr(spec, '%') == NULL)
		return fault_set(f, EX_USAGE, "unknown time format \"%s\": "
		    "use auto, rfc3339, epoch-s, epoch-ms, epoch-us, "
		    "epoch-ns or a strptime pattern with %%", q);
	if (strlen(spec) >= TP_PATTERN_MAX)
		return fault_set(f, EX_USAGE, "time format \"%s\" is too "
		    "long (at most %d bytes)", q, TP_PATTERN_MAX - 1);
	if (stp_check(spec, f) == -1)
		return -1;
	tf->kind = TP_STRPTIME;
	memcpy(tf->pattern, spec, strlen(spec) + 1);
	return 0;
}

int
tp_out_parse(enum tp_out *out, const char *spec, struct fault *f)
{
	static const struct {
		const char	*name;
		enum tp_out	 out;
	} names[] = {
		{ "rfc3339", TPO_RFC3339 }, { "epoch-s", TPO_EPOCH_S },
		{ "epoch-ms", TPO_EPOCH_MS }, { "epoch-us", TPO_EPOCH_US },
		{ "epoch-ns", TPO_EPOCH_NS }
	};
	char q[QUOTE_BUF];
	size_t k;

	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		if (strcmp(spec, names[k].name) == 0) {
			*out = names[k].out;
			return 0;
		}
	quote(q, spec, strlen(spec));
	return fault_set(f, EX_USAGE, "unknown time output \"%s\": use "
	    "rfc3339, epoch-s, epoch-ms, epoch-us or epoch-ns", q);
}

/* ---- Strings in: the forms auto knows ---------------------------- */

/*
 * auto tells a string's form by its first bytes: four digits and a '-'
 * go straight to RFC 3339, so that form costs what it did alone, and the
 * others are read only when their first bytes say so.  A string that
 * fails is reported with the form it came closest to.
 */
enum form {
	FORM_NONE, FORM_ISO, FORM_CLF, FORM_RFC2822, FORM_CTIME, FORM_SYSLOG,
	FORM_NUMBER
};

static const char *const form_desc[] = {
	[FORM_NONE] = "",
	[FORM_ISO] = "RFC 3339 (2015-05-17T10:05:03Z)",
	[FORM_CLF] = "Common Log Format (17/May/2015:10:05:03 +0000)",
	[FORM_RFC2822] = "RFC 2822 (Sun, 17 May 2015 10:05:03 +0000)",
	[FORM_CTIME] = "ctime (Sun May 17 10:05:03 +0000 2015)",
	[FORM_SYSLOG] = "syslog (May 17 10:05:03)",
	[FORM_NUMBER] = "an epoch number (1431857103)"
};

#define GUESS_MAX	48	/* a suggested pattern, NUL included */
#define WEEK_NS		(7 * SECS_PER_DAY * NS_PER_S)

static inline int
isalph(int c)
{
	c = lower(c);
	return c >= 'a' && c <= 'z';
}

/* Spaces and tabs (RFC 2822's folding white space on one line). */
static int
blanks(const char *s, size_t len, size_t *i)
{
	size_t st = *i;

	while (*i < len && (s[*i] == ' ' || s[*i] == '\t'))
		++*i;
	return *i > st;
}

/* The w letters at s are one of names, in full or its first three. */
static int
is_name(const char *const *names, int n, const char *s, size_t w)
{
	int k;

	for (k = 0; k < n; k++)
		if ((w == 3 || w == strlen(names[k])) &&
		    ci_prefix(s, w, names[k], w))
			return 1;
	return 0;
}

/*
 * A zone after a time: an offset, UTC, GMT, UT, Z, or one of the North
 * American names that RFC 2822 (4.3) defines, as it defines them (CST is
 * -0600).  Other names are refused: many name several zones (IST is
 * India's, Ireland's and Israel's), and a wrong offset is worse than an
 * error that says to give a pattern.
 */
static const char *
zone_any(const char *s, size_t len, size_t *i, int32_t *off)
{
	static const struct {
		char		name[4];
		signed char	hours;
	} names[] = {
		{ "ut", 0 }, { "utc", 0 }, { "gmt", 0 }, { "z", 0 },
		{ "est", -5 }, { "edt", -4 }, { "cst", -6 }, { "cdt", -5 },
		{ "mst", -7 }, { "mdt", -6 }, { "pst", -8 }, { "pdt", -7 }
	};
	size_t w, k;

	if (*i < len && (s[*i] == '+' || s[*i] == '-'))
		return utc_offset(s, len, i, off);
	for (w = 0; *i + w < len && isalph(s[*i + w]); w++)
		continue;
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		if (strlen(names[k].name) == w &&
		    ci_prefix(s + *i, w, names[k].name, w)) {
			*i += w;
			*off = names[k].hours * 3600;
			return NULL;
		}
	return "expected a zone (+hhmm, UTC or GMT)";
}

/* 17/May/2015:10:05:03 +0000, perhaps in a log line's brackets. */
static const char *
clf_fields(const char *s, size_t len, struct civil *c)
{
	const char *why;
	size_t i = 0;
	int d, m, y;

	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		s++;
		len -= 2;
	}
	if ((d = num_field(s, len, &i, 1, 2)) < 0 || !lit(s, len, &i, '/'))
		return "expected a day and '/'";
	if ((m = name_match(month_names, 12, s, len, &i)) < 0)
		return "expected a month name after the day";
	if (!lit(s, len, &i, '/'))
		return "expected '/' after the month";
	if ((y = num_field(s, len, &i, 4, 4)) < 0)
		return "expected a 4-digit year after the month";
	if (!lit(s, len, &i, ':'))
		return "expected ':' after the year";
	c->year = y;
	c->mon = m + 1;
	c->day = d;
	if ((why = rfc_clock(s, len, &i, c)) != NULL)
		return why;
	if (i < len) {
		if (!blanks(s, len, &i))
			return "expected a space before the zone";
		if ((why = zone_any(s, len, &i, &c->off_s)) != NULL)
			return why;
	}
	return i == len ? NULL : "has trailing characters";
}

/* RFC 2822 4.3: two-digit years 00-49 are 20xx, 50-99 19xx; three +1900. */
static int
year_2822(const char *s, size_t len, size_t *i, int64_t *year)
{
	size_t st = *i;
	int y;

	if ((y = num_field(s, len, i, 2, 4)) < 0)
		return -1;
	if (*i - st == 2)
		y += y < 50 ? 2000 : 1900;
	else if (*i - st == 3)
		y += 1900;
	*year = y;
	return 0;
}

/* [Sun,] 31 Aug 2014 00:29[:15] [zone] [(comment)] */
static const char *
rfc2822_fields(const char *s, size_t len, struct civil *c)
{
	const char *why;
	size_t i = 0;
	int d, m;

	if (isalph(s[0])) {
		if (name_match(wday_names, 7, s, len, &i) < 0)
			return "expected a weekday name";
		if (!lit(s, len, &i, ','))
			return "expected ',' after the weekday";
	}
	blanks(s, len, &i);
	if ((d = num_field(s, len, &i, 1, 2)) < 0)
		return "expected a day";
	if (!blanks(s, len, &i) ||
	    (m = name_match(month_names, 12, s, len, &i)) < 0)
		return "expected a month name after the day";
	if (!blanks(s, len, &i) || year_2822(s, len, &i, &c->year) == -1)
		return "expected a year after the month";
	if (!blanks(s, len, &i))
		return "expected a time hh:mm:ss after the year";
	c->mon = m + 1;
	c->day = d;
	if ((why = rfc_clock(s, len, &i, c)) != NULL)
		return why;
	if (blanks(s, len, &i) && i < len && s[i] != '(' &&
	    (why = zone_any(s, len, &i, &c->off_s)) != NULL)
		return why;
	/* A comment, "(PDT)", says nothing that the offset does not. */
	blanks(s, len, &i);
	if (i < len && s[i] == '(' && s[len - 1] == ')')
		i = len;
	return i == len ? NULL : "has trailing characters";
}

/* Sun Aug 31 00:29:15 [+0000 ]2014: ctime, with the zone Twitter adds. */
static const char *
ctime_fields(const char *s, size_t len, struct civil *c)
{
	const char *why;
	size_t i = 0;
	int d, m, y;

	if (name_match(wday_names, 7, s, len, &i) < 0)
		return "expected a weekday name";
	if (!blanks(s, len, &i) ||
	    (m = name_match(month_names, 12, s, len, &i)) < 0)
		return "expected a month name after the weekday";
	if (!blanks(s, len, &i) || (d = num_field(s, len, &i, 1, 2)) < 0)
		return "expected a day after the month";
	if (!blanks(s, len, &i))
		return "expected a time hh:mm:ss after the day";
	c->mon = m + 1;
	c->day = d;
	if ((why = rfc_clock(s, len, &i, c)) != NULL)
		return why;
	if (!blanks(s, len, &i))
		return "expected a year after the time";
	if (i < len && !isdig(s[i])) {
		if ((why = zone_any(s, len, &i, &c->off_s)) != NULL)
			return why;
		if (!blanks(s, len, &i))
			return "expected a year after the zone";
	}
	if ((y = num_field(s, len, &i, 4, 4)) < 0)
		return "expected a 4-digit year";
	c->year = y;
	return i == len ? NULL : "has trailing characters";
}

/* Mar 24 17:15:20, or "Mar  4" space-padded (RFC 3164); no year. */
static const char *
syslog_fields(const char *s, size_t len, struct civil *c)
{
	const char *why;
	size_t i = 0;
	int d, m;

	if ((m = name_match(month_names, 12, s, len, &i)) < 0)
		return "expected a month name";
	if (!blanks(s, len, &i) || (d = num_field(s, len, &i, 1, 2)) < 0)
		return "expected a day after the month";
	if (!blanks(s, len, &i))
		return "expected a time hh:mm:ss after the day";
	c->mon = m + 1;
	c->day = d;
	if ((why = rfc_clock(s, len, &i, c)) != NULL)
		return why;
	return i == len ? NULL : "has trailing characters";
}

/* The wall clock; source.c's wall_ns() is a floor above this one. */
static int64_t
clock_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

/*
 * A syslog time has no year: --year gives it, else the clock's year, or
 * the one before when the clock's would put the time more than 7 days
 * ahead of the clock (a December log read in January).  A Feb 29 that
 * the clock's year lacks is taken from the year before when it has one.
 */
static const char *
syslog_year(const struct timefmt *tf, struct civil *c, int64_t *ns)
{
	const char *why = NULL;
	int64_t now, t, y, limit;
	unsigned m, d;
	int k;

	if (tf->year != 0) {
		c->year = tf->year;
		return civil_finish(c, ns);
	}
	now = tf->clock_ns != 0 ? tf->clock_ns : clock_now_ns();
	tp_civil_from_days(tp_floordiv(now, SECS_PER_DAY * NS_PER_S), &y, &m,
	    &d);
	if (__builtin_add_overflow(now, WEEK_NS, &limit))
		limit = INT64_MAX;
	for (k = 0; k < 2; k++) {
		c->year = y - k;
		if ((why = civil_finish(c, &t)) != NULL)
			continue;
		if (k == 1 || t <= limit) {
			*ns = t;
			return NULL;
		}
	}
	if (strcmp(why, "day out of range") == 0)
		return "day out of range in this year and the last "
		    "(use --year)";
	return why;
}

/* The form that the first bytes announce. */
static enum form
form_of(const char *s, size_t len)
{
	size_t n;

	if (len == 0)
		return FORM_NONE;
	if (s[0] == '[')
		return FORM_CLF;
	if (s[0] == '-')
		return FORM_NUMBER;
	if (isdig(s[0])) {
		for (n = 1; n < len && isdig(s[n]); n++)
			continue;
		if (n == len)
			return FORM_NUMBER;
		if (n == 8 && (s[n] == 'T' || s[n] == 't'))
			return FORM_ISO;
		if (n <= 2 && s[n] == '/')
			return FORM_CLF;
		if (n <= 2 && (s[n] == ' ' || s[n] == '\t'))
			return FORM_RFC2822;
		if (n == 4 && s[n] != '.' && s[n] != 'e' && s[n] != 'E')
			return FORM_ISO;
		return FORM_NUMBER;
	}
	for (n = 0; n < len && isalph(s[n]); n++)
		continue;
	if (n == 0 || n == len)
		return FORM_NONE;
	if (is_name(wday_names, 7, s, n))
		return s[n] == ',' ? FORM_RFC2822 : FORM_CTIME;
	if (is_name(month_names, 12, s, n))
		return FORM_SYSLOG;
	return FORM_NONE;
}

/* ---- A --time-format pattern to suggest --------------------------- */

/*
 * A bad time's message suggests the pattern that would read it, found
 * by naming each run of the string: four digits a year, digits around
 * ':' a time, a month name %b, and so on.  The guess is offered only
 * when the pattern passes tp_format_parse and reads the string.
 */
struct guess {
	char	p[GUESS_MAX];
	size_t	n;
	int	year, mon, day;
	int	tf;		/* time fields named: 0 to 3 */
	int	hpos;		/* where %H's 'H' is, for %p */
	int	mon_word;	/* with a month name, numbers are days */
};

static int
g_put(struct guess *g, const char *x, size_t l)
{
	if (g->n + l >= GUESS_MAX)
		return -1;
	memcpy(g->p + g->n, x, l);
	g->n += l;
	g->p[g->n] = '\0';
	return 0;
}

/* A day or a month: by a month name elsewhere, by order, by value. */
static int
g_date_number(struct guess *g, int v)
{
	if (!g->day && (g->mon_word || (g->mon && !g->year) ||
	    (!g->mon && !g->year && v > 12))) {
		g->day = 1;
		return g_put(g, "%d", 2);
	}
	if (!g->mon && !g->mon_word) {
		g->mon = 1;
		return g_put(g, "%m", 2);
	}
	if (!g->day) {
		g->day = 1;
		return g_put(g, "%d", 2);
	}
	if (!g->year) {
		g->year = 1;
		return g_put(g, "%y", 2);
	}
	return -1;
}

/* The digits s[i..j). */
static int
g_number(struct guess *g, const char *s, size_t len, size_t i, size_t j)
{
	size_t n = j - i;
	int prev = i > 0 ? s[i - 1] : 0, next = j < len ? s[j] : 0;

	if (g->tf == 3 && (prev == '.' || prev == ','))
		return g_put(g, "%f", 2);
	if (g->tf > 0 && g->tf < 3 && prev == ':' && n <= 2)
		return g_put(g, ++g->tf == 2 ? "%M" : "%S", 2);
	if (g->tf == 0 && (next == ':' || ((n == 6 || n == 4) &&
	    (prev == 'T' || prev == 't')))) {
		if (n > 2 && next == ':')
			return -1;
		g->hpos = (int)g->n + 1;
		g->tf = n == 6 ? 3 : n == 4 ? 2 : 1;
		return g_put(g, n == 6 ? "%H%M%S" : n == 4 ? "%H%M" : "%H",
		    n > 2 ? n : 2);
	}
	if (n == 8 && !g->year && !g->mon && !g->day) {
		g->year = g->mon = g->day = 1;
		return g_put(g, "%Y%m%d", 6);
	}
	if (n == 4 && !g->year) {
		g->year = 1;
		return g_put(g, "%Y", 2);
	}
	if (n > 2)
		return -1;
	return g_date_number(g, n == 1 ? s[i] - '0' :
	    (s[i] - '0') * 10 + (s[i + 1] - '0'));
}

/* The letters w[0..n): names become conversions; others end the guess. */
static int
g_word(struct guess *g, const char *w, size_t n)
{
	if (is_name(month_names, 12, w, n)) {
		if (g->mon)
			return -1;
		g->mon = 1;
		return g_put(g, "%b", 2);
	}
	if (is_name(wday_names, 7, w, n))
		return g_put(g, "%a", 2);
	if (g->tf > 0 && ((n == 3 && (ci_prefix(w, n, "utc", 3) ||
	    ci_prefix(w, n, "gmt", 3))) || (n == 1 && lower(w[0]) == 'z')))
		return g_put(g, "%Z", 2);
	if (g->tf > 0 && g->hpos >= 0 && n == 2 &&
	    (ci_prefix(w, n, "am", 2) || ci_prefix(w, n, "pm", 2))) {
		g->p[g->hpos] = 'I';
		return g_put(g, "%p", 2);
	}
	/* A 'T' between date and time; any other word is no time's. */
	if (g->tf == 0 && n == 1 && lower(w[0]) == 't')
		return g_put(g, w, 1);
	return -1;
}

/* Past a zone offset's digits: hh, hhmm or hh:mm. */
static size_t
g_offset_end(const char *s, size_t len, size_t j)
{
	size_t k = j;

	while (k < len && k - j < 4 && isdig(s[k]))
		k++;
	if (k - j == 2 && k + 2 < len && s[k] == ':' && isdig(s[k + 1]) &&
	    isdig(s[k + 2]))
		k += 3;
	return k;
}

static int
g_step(struct guess *g, const char *s, size_t len, size_t i, size_t *j)
{
	unsigned char c = (unsigned char)s[i];

	*j = i + 1;
	if (isdig(c)) {
		while (*j < len && isdig(s[*j]))
			++*j;
		return g_number(g, s, len, i, *j);
	}
	if (isalph(c)) {
		while (*j < len && isalph(s[*j]))
			++*j;
		return g_word(g, s + i, *j - i);
	}
	if ((c == '+' || c == '-') && g->tf > 0 && *j < len && isdig(s[*j])) {
		*j = g_offset_end(s, len, *j);
		return g_put(g, "%z", 2);
	}
	if (isspc(c)) {
		while (*j < len && isspc(s[*j]))
			++*j;
		return g_put(g, " ", 1);
	}
	if (c == '%')
		return g_put(g, "%%", 2);
	if (c > 0x20 && c < 0x7f && c != '\'')
		return g_put(g, s + i, 1);
	return -1;
}

static int
guess_pattern(const char *s, size_t len, char out[GUESS_MAX])
{
	struct timefmt tf;
	struct guess g;
	size_t i, j;
	int64_t t;

	if (len > GUESS_MAX * 2)
		return 0;
	memset(&g, 0, sizeof(g));
	g.hpos = -1;
	for (i = 0; i < len; i = j) {
		for (j = i; j < len && isalph(s[j]); j++)
			continue;
		if (j > i && is_name(month_names, 12, s + i, j - i))
			g.mon_word = 1;
		if (j == i)
			j++;
	}
	for (i = 0; i < len; i = j)
		if (g_step(&g, s, len, i, &j) == -1)
			return 0;
	if (tp_format_parse(&tf, g.p, NULL) == -1 ||
	    stp_parse(g.p, s, len, &t, NULL) == -1)
		return 0;
	memcpy(out, g.p, g.n + 1);
	return 1;
}

/*
 * A string auto cannot read.  A value out of range is said plainly; a
 * string of another shape gets the closest form, what broke it, and a
 * pattern for --time-format when one can be found.
 */
static int
auto_bad(struct fault *f, const char *s, size_t len, enum form fm,
    const char *why)
{
	char q[QUOTE_BUF], pat[GUESS_MAX], use[GUESS_MAX + 24];
	int guessed;

	if (f == NULL)
		return -1;
	if (strstr(why, "out of range") != NULL)
		return bad_time(f, s, len, why);
	quote(q, s, len);
	guessed = guess_pattern(s, len, pat);
	for (;;) {
		if (guessed)
			snprintf(use, sizeof(use), "--time-format '%s'", pat);
		else
			snprintf(use, sizeof(use), "--time-format with a "
			    "pattern");
		if (fm == FORM_NONE)
			fault_set(f, EX_DATAERR, "bad time \"%s\": not a form "
			    "auto knows (RFC 3339, CLF, RFC 2822, ctime, "
			    "syslog, epoch); use %s", q, use);
		else
			fault_set(f, EX_DATAERR, "bad time \"%s\": looks like "
			    "%s but %s; use %s", q, form_desc[fm], why, use);
		/* A pattern cut short would mislead: then suggest none. */
		if (!guessed || strlen(f->msg) < sizeof(f->msg) - 1)
			return -1;
		guessed = 0;
	}
}

/* Every form but the RFC 3339 that tp_from_string tries first. */
static int
auto_string(const struct timefmt *tf, const char *s, size_t len,
    int64_t *ns, struct fault *f)
{
	struct civil c;
	const char *why;
	enum form fm;

	civil_init(&c);
	switch ((fm = form_of(s, len))) {
	case FORM_NUMBER:
		why = num_parse(-1, s, len, ns);
		break;
	case FORM_ISO:
		why = iso_parse(s, len, ns);
		break;
	case FORM_CLF:
		if ((why = clf_fields(s, len, &c)) == NULL)
			why = civil_finish(&c, ns);
		break;
	case FORM_RFC2822:
		if ((why = rfc2822_fields(s, len, &c)) == NULL)
			why = civil_finish(&c, ns);
		break;
	case FORM_CTIME:
		if ((why = ctime_fields(s, len, &c)) == NULL)
			why = civil_finish(&c, ns);
		break;
	case FORM_SYSLOG:
		if ((why = syslog_fields(s, len, &c)) == NULL)
			why = syslog_year(tf, &c, ns);
		break;
	default:
		why = "";
		break;
	}
	return why == NULL ? 0 : auto_bad(f, s, len, fm, why);
}

/* Four digits and a '-' can only start a date, never a JSON number. */
static int
looks_like_date(const char *s, size_t len)
{
	return len >= 5 && isdig(s[0]) && isdig(s[1]) && isdig(s[2]) &&
	    isdig(s[3]) && s[4] == '-';
}

int
tp_from_string(const struct timefmt *tf, const char *s, size_t len,
    int64_t *ns, struct fault *f)
{
	const char *why;

	switch (tf->kind) {
	case TP_RFC3339:
		return tp_parse_rfc3339(s, len, ns, f);
	case TP_STRPTIME:
		return stp_parse(tf->pattern, s, len, ns, f);
	case TP_AUTO:
		if (looks_like_date(s, len)) {
			if ((why = iso_parse(s, len, ns)) == NULL)
				return 0;
			return auto_bad(f, s, len, FORM_ISO, why);
		}
		return auto_string(tf, s, len, ns, f);
	default:
		return tp_from_number(tf, s, len, ns, f);
	}
}

/* ---- Durations ---------------------------------------------------- */

/* Each unit is mant * 10^exp10 ns, which keeps fractions exact. */
static const struct dunit {
	const char	*name;
	uint64_t	 ns;
	uint64_t	 mant;
	int		 exp10;
	unsigned	 bit;
} dunits[] = {
	{ "ns", 1, 1, 0, 0x01 },
	{ "us", 1000, 1, 3, 0x02 },
	{ "\xc2\xb5s", 1000, 1, 3, 0x02 },	/* U+00B5 micro sign */
	{ "\xce\xbcs", 1000, 1, 3, 0x02 },	/* U+03BC Greek mu */
	{ "ms", 1000000, 1, 6, 0x04 },
	{ "s", 1000000000, 1, 9, 0x08 },
	{ "m", 60000000000, 6, 10, 0x10 },
	{ "h", 3600000000000, 36, 11, 0x20 },
	{ "d", 86400000000000, 864, 11, 0x40 }
};

/*
 * k fraction digits F of a unit, floored: F * mant * 10^(exp10 - k).
 * With at most 18 digits, mant * (the digits below 1 ns) stays < 2^63.
 */
static uint64_t
dur_frac(uint64_t fr, size_t k, const struct dunit *u)
{
	uint64_t p, hi, lo;

	if (k <= (size_t)u->exp10)
		return u->mant * fr * pow10_tab[(size_t)u->exp10 - k];
	p = pow10_tab[k - (size_t)u->exp10];
	hi = fr / p;
	lo = fr % p;
	return u->mant * hi + u->mant * lo / p;
}

static const struct dunit *
dur_unit(const char *s, size_t *i)
{
	size_t k, n;

	for (k = 0; k < sizeof(dunits) / sizeof(dunits[0]); k++) {
		n = strlen(dunits[k].name);
		if (strncmp(s + *i, dunits[k].name, n) == 0) {
			*i += n;
			return &dunits[k];
		}
	}
	return NULL;
}

/* One <number><unit> part, added to *sum. */
static const char *
dur_part(const char *s, size_t *i, uint64_t *sum, unsigned *seen)
{
	const struct dunit *u;
	uint64_t ip, fr, v;
	size_t k;
	int over;

	if (!isdig(s[*i]))
		return "expected a number";
	for (ip = 0, over = 0; isdig(s[*i]); ++*i) {
		over |= __builtin_mul_overflow(ip, 10, &ip);
		over |= __builtin_add_overflow(ip, (uint64_t)(s[*i] - '0'),
		    &ip);
	}
	fr = 0;
	k = 0;
	if (s[*i] == '.') {
		for (++*i; isdig(s[*i]); ++*i, k++)
			if (k < DUR_FRAC_MAX)
				fr = fr * 10 + (uint64_t)(s[*i] - '0');
		if (k == 0)
			return "expected digits after '.'";
		if (k > DUR_FRAC_MAX)
			return "too many fraction digits (at most 18)";
	}
	u = dur_unit(s, i);
	if (u == NULL && s[*i] == '\0')
		return "missing unit (e.g. 10s)";
	/* "1sec" must not read as 1s followed by a bad part "ec". */
	if (u == NULL || (s[*i] != '\0' && !isdig(s[*i])))
		return "unknown unit (use ns, us, ms, s, m, h or d)";
	if (*seen & u->bit)
		return "a unit appears twice";
	*seen |= u->bit;
	if (over || __builtin_mul_overflow(ip, u->ns, &v) ||
	    __builtin_add_overflow(v, dur_frac(fr, k, u), &v) ||
	    __builtin_add_overflow(*sum, v, sum))
		return "duration out of range";
	return NULL;
}

int
tp_duration(const char *s, int allow_sign, int64_t *ns, struct fault *f)
{
	const char *why;
	uint64_t sum;
	unsigned seen;
	size_t i;
	int neg;

	if (*s == '\0')
		return bad_duration(f, s, "empty");
	for (i = 0; s[i] != '\0'; i++)
		if (isspc((unsigned char)s[i]))
			return bad_duration(f, s, "spaces are not allowed");
	i = 0;
	neg = s[0] == '-';
	if (neg || s[0] == '+') {
		if (!allow_sign)
			return bad_duration(f, s, neg ? "negative durations "
			    "are not allowed here" : "a sign is not allowed "
			    "here");
		i++;
	}
	if (strcmp(s + i, "0") == 0) {
		*ns = 0;
		return 0;
	}
	sum = 0;
	seen = 0;
	do {
		if ((why = dur_part(s, &i, &sum, &seen)) != NULL)
			return bad_duration(f, s, why);
	} while (s[i] != '\0');
	if (signed_ns(sum, neg, 0, ns) == -1)
		return bad_duration(f, s, "duration out of range");
	return 0;
}

/* ---- Output ------------------------------------------------------- */

static size_t
put_u64(char *p, uint64_t v)
{
	char tmp[20];
	size_t n, k;

	n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (k = 0; k < n; k++)
		p[k] = tmp[n - 1 - k];
	p[n] = '\0';
	return n;
}

static size_t
put_i64(char *p, int64_t v)
{
	if (v >= 0)
		return put_u64(p, (uint64_t)v);
	*p = '-';
	return 1 + put_u64(p + 1, (uint64_t)0 - (uint64_t)v);
}

/* Exactly w digits, zero-padded. */
static void
put_fixed(char *p, unsigned v, int w)
{
	while (w-- > 0) {
		p[w] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* Milliseconds, floored: a window ending at .9999 still shows .999. */
static size_t
put_rfc3339(char *p, int64_t ns)
{
	int64_t ms, secs, days, sod, y;
	unsigned m, d;

	ms = tp_floordiv(ns, NS_PER_MS);
	secs = tp_floordiv(ms, 1000);
	days = tp_floordiv(secs, SECS_PER_DAY);
	sod = tp_mod(secs, SECS_PER_DAY);
	tp_civil_from_days(days, &y, &m, &d);
	assert(y >= 0 && y <= 9999);
	put_fixed(p, (unsigned)y, 4);
	p[4] = '-';
	put_fixed(p + 5, m, 2);
	p[7] = '-';
	put_fixed(p + 8, d, 2);
	p[10] = 'T';
	put_fixed(p + 11, (unsigned)(sod / 3600), 2);
	p[13] = ':';
	put_fixed(p + 14, (unsigned)(sod / 60 % 60), 2);
	p[16] = ':';
	put_fixed(p + 17, (unsigned)(sod % 60), 2);
	p[19] = '.';
	put_fixed(p + 20, (unsigned)tp_mod(ms, 1000), 3);
	p[23] = 'Z';
	p[24] = '\0';
	return 24;
}

size_t
tp_format(int64_t ns, enum tp_out out, char buf[TP_BUF])
{
	switch (out) {
	case TPO_EPOCH_S:
		return put_i64(buf, tp_floordiv(ns, NS_PER_S));
	case TPO_EPOCH_MS:
		return put_i64(buf, tp_floordiv(ns, NS_PER_MS));
	case TPO_EPOCH_US:
		return put_i64(buf, tp_floordiv(ns, NS_PER_US));
	case TPO_EPOCH_NS:
		return put_i64(buf, ns);
	default:
		return put_rfc3339(buf, ns);
	}
}

size_t
tp_format_json(int64_t ns, enum tp_out out, char buf[TP_BUF])
{
	size_t n;

	if (out != TPO_RFC3339)
		return tp_format(ns, out, buf);
	buf[0] = '"';
	n = 1 + put_rfc3339(buf + 1, ns);
	buf[n++] = '"';
	buf[n] = '\0';
	return n;
}

/*
 * Largest units first, no fractions, and every unit from the largest
 * part to the smallest written, zeros included (SPEC 3: "4h0m22s", never
 * "4h22s", which reads as 4 h 22 s to no one).  The longest, INT64_MIN,
 * is "-106751d23h47m16s854ms775us808ns", 32 bytes, and every output
 * reads back through tp_duration(s, 1, ...) to the same value.
 */
size_t
tp_format_duration(int64_t ns, char buf[TP_BUF])
{
	static const size_t order[] = { 8, 7, 6, 5, 4, 1, 0 };
	const struct dunit *u;
	uint64_t mag, q;
	size_t n, k, l;

	if (ns == 0) {
		memcpy(buf, "0s", 3);
		return 2;
	}
	n = 0;
	if (ns < 0)
		buf[n++] = '-';
	mag = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
	for (k = 0; k < sizeof(order) / sizeof(order[0]) && mag != 0; k++) {
		u = &dunits[order[k]];
		q = mag / u->ns;
		if (q == 0 && (n == 0 || buf[n - 1] == '-'))
			continue;	/* above the largest part */
		mag -= q * u->ns;
		n += put_u64(buf + n, q);
		l = strlen(u->name);
		memcpy(buf + n, u->name, l);
		n += l;
	}
	buf[n] = '\0';
	return n;
}
