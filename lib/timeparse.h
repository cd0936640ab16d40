/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_TIMEPARSE_H
#define SK_TIMEPARSE_H
/*
 * timeparse.h - event times and durations to int64 nanoseconds, and back.
 *
 * Time inside streamkit is int64 nanoseconds since the Unix epoch, UTC
 * (1677-09-21 to 2262-04-11).  This module reads event times (epoch
 * numbers by magnitude or by declared unit; RFC 3339 / ISO 8601, Common
 * Log Format, RFC 2822, ctime and syslog strings; strptime-style
 * patterns; our own implementation so that no locale or TZ variable
 * changes a result), reads durations ("1h30m", "-250ms") and
 * writes times as RFC 3339 with milliseconds or as epoch numbers.  It
 * knows nothing of records or JSON: callers hand it the text of a JSON
 * number or the decoded bytes of a JSON string.  No allocation; struct
 * timefmt is plain data owned by the caller.
 */
#include <stddef.h>
#include <stdint.h>

struct fault;

#define TP_PATTERN_MAX	128	/* a --time-format strptime pattern */
#define TP_BUF		40	/* room for any tp_format output + NUL */

enum tp_kind {
	TP_AUTO,		/* numbers by magnitude, strings by form */
	TP_RFC3339,
	TP_EPOCH_S,
	TP_EPOCH_MS,
	TP_EPOCH_US,
	TP_EPOCH_NS,
	TP_STRPTIME		/* pattern holds a '%' */
};

struct timefmt {
	enum tp_kind	kind;
	char		pattern[TP_PATTERN_MAX];
	int		year;		/* --year (syslog); 0: none */
	int64_t		clock_ns;	/* syslog year clock; 0: real */
};

#define TP_YEAR_MIN	1677	/* years that int64 nanoseconds reach */
#define TP_YEAR_MAX	2262

/* --time-output: how streamkit writes times. */
enum tp_out {
	TPO_RFC3339,		/* "2024-11-12T10:00:00.000Z", truncated */
	TPO_EPOCH_S,		/* whole units, floored toward the past */
	TPO_EPOCH_MS,
	TPO_EPOCH_US,
	TPO_EPOCH_NS
};

/*
 * Parse a --time-format argument ("auto", "epoch-ms", "%d/%b/%Y:%T %z")
 * into kind and pattern; year and clock_ns are cleared.
 */
int	tp_format_parse(struct timefmt *, const char *spec, struct fault *);
/* Parse a --time-output argument. */
int	tp_out_parse(enum tp_out *, const char *spec, struct fault *);

/*
 * A time from the text of a JSON number ("1731405600123", "1.7e9").
 * TP_AUTO picks the unit by magnitude (|v| < 1e11 s, < 1e14 ms, < 1e17 us,
 * else ns); fractions are kept to the nanosecond.  A number under
 * TP_RFC3339 or TP_STRPTIME is an error.
 */
int	tp_from_number(const struct timefmt *, const char *text, size_t len,
	    int64_t *ns, struct fault *);
/*
 * A time from the decoded bytes of a JSON string.  TP_AUTO tells the form
 * by its first bytes: RFC 3339 / ISO 8601 (as tp_parse_rfc3339), Common
 * Log Format "17/May/2015:10:05:03 +0000", RFC 2822 "Sun, 31 Aug 2014
 * 00:29:15 +0000", ctime "Sun Aug 31 00:29:15 +0000 2014", syslog "Mar 24
 * 17:15:20" (year: tf->year, else the clock's year, less one when that
 * is more than 7 days ahead of the clock), or a numeric string (then as
 * tp_from_number).  A string of no form gets a message that names the
 * closest form and suggests a --time-format pattern.  TP_EPOCH_* take a
 * numeric string.  TP_STRPTIME applies the pattern; UTC when it has no
 * %z.
 */
int	tp_from_string(const struct timefmt *, const char *s, size_t len,
	    int64_t *ns, struct fault *);
/*
 * RFC 3339 / ISO 8601 alone, as tp_from_string under TP_RFC3339: date
 * YYYY-MM-DD, then 'T', 't' or ' ' and hh:mm[:ss[(.|,)fraction]], then
 * Z, +hh:mm, +hhmm, +hh, " UTC", " GMT" or nothing (UTC); or the basic
 * form YYYYMMDDThhmm[ss][fraction][zone].
 */
int	tp_parse_rfc3339(const char *s, size_t len, int64_t *ns,
	    struct fault *);

/*
 * A duration: one or more <number><unit> parts, units ns us ms s m h d,
 * "1h30m", "1.5s", "250ms"; "0" alone is zero.  A leading '-' or '+' only
 * when allow_sign.  Overflow and a missing unit are errors.
 */
int	tp_duration(const char *s, int allow_sign, int64_t *ns,
	    struct fault *);

/*
 * Write a time.  Returns the length; buf gets a NUL-terminated text that
 * is a JSON string body for TPO_RFC3339 (no quotes) or a JSON integer for
 * the epoch forms.  tp_format_json adds the quotes where JSON needs them.
 */
size_t	tp_format(int64_t ns, enum tp_out, char buf[TP_BUF]);
size_t	tp_format_json(int64_t ns, enum tp_out, char buf[TP_BUF]);
/*
 * Write a duration: "1h30m", "250ms", "0s", "-5s", and "4h0m22s": the
 * units from the largest to the smallest part, zeros between included.
 */
size_t	tp_format_duration(int64_t ns, char buf[TP_BUF]);

/* Civil UTC date to days since 1970-01-01 (proleptic Gregorian). */
int64_t	tp_days_from_civil(int64_t y, unsigned m, unsigned d);
void	tp_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

/* Floor division and non-negative modulus, for window alignment. */
int64_t	tp_floordiv(int64_t a, int64_t b);
int64_t	tp_mod(int64_t a, int64_t b);
#endif
