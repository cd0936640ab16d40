/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * agg.c - parsing AGG arguments, the per-group block, exact aggregates.
 *
 * The contract, which streamkit(7) repeats:
 * - count counts every record added.  Every other aggregate skips a
 *   record whose path is missing.
 * - Numeric aggregates (sum, avg, min, max, var, stddev, quantiles) also
 *   skip null silently, and skip any other non-number (and numbers too
 *   large for a double, like 1e999) counting each skip in
 *   aggset.nonnumeric.  Over no numbers they are null.
 * - Integers stay integers: count, sum of integers (exact in an
 *   int128, past int64 written as a JSON integer) and min/max (the
 *   winning value keeps its kind; int64 compare exactly, with doubles
 *   too).  Other numbers are summed with Neumaier's compensation; a mix
 *   gives the double nearest the total of the two parts.
 * - avg is that sum divided by the count, once (never a running mean);
 *   var and stddev are Welford's sample statistics (n - 1), null below
 *   two values; merge by Chan et al.'s formula.
 * - first/last go by event time, ties by arrival (seq), and keep the
 *   value's text in jq -c's form (null included; SPEC 3's one string
 *   form, numbers with their digits), as does collect.
 * - Quantiles are nearest-rank: the k-th smallest, k = max(1,
 *   ceil(q n)); DDSketch within DDS_ERROR, printed in the digits that
 *   error supports, or exact with --exact (all values kept, integers
 *   past 2^53 as integers).
 * - distinct counts distinct values exactly by their canonical bytes
 *   (hash.h: 1 and 1.0 are one value; null is a value); approx_distinct
 *   is HyperLogLog; top(P, k) counts every value exactly (freq.h, up to
 *   FREQ_VALUES_MAX per group), approx_top(P, k) is Space-Saving;
 *   collect keeps the values in arrival order.
 * Every state starts as zero bytes (aggset_init is a memset), which is
 * also what "nothing seen" looks like.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "buf.h"
#include "dds.h"
#include "fault.h"
#include "freq.h"
#include "hash.h"
#include "hll.h"
#include "jcur.h"
#include "key.h"
#include "record.h"
#include "sketch.h"
#include "ss.h"
#include "table.h"
#include "xmalloc.h"

enum agg_args { A_NONE, A_PATH, A_Q, A_K };

struct agg_fn {
	const char	*name;
	enum agg_args	 args;
	int		 numeric;	/* skips non-numbers, counts them */
	size_t		 size;		/* state bytes, a multiple of 8 */
	void	(*add)(const struct agg_spec *, void *, const struct value *,
		    int64_t, uint64_t);
	void	(*merge)(const struct agg_spec *, void *, const void *);
	void	(*result)(const struct agg_spec *, const void *, struct buf *);
	void	(*encode)(const struct agg_spec *, const void *, struct buf *);
	int	(*decode)(const struct agg_spec *, void *, struct jcur *);
	/* Both may be NULL: nothing on the heap. */
	void	(*release)(const struct agg_spec *, void *);
	size_t	(*bytes)(const struct agg_spec *, const void *);
	/* The summary behind the sketch_* calls (sketch.h), or NULL. */
	const struct sketch_ops *sketch;
};

/*
 * Sums, means and squared deviations can overflow to infinity (1e308 +
 * 1e308), and then turn NaN; their state must still round-trip, so it
 * writes them as 1e999, -1e999 and null (which read back as such).
 * Results write them as null, JSON having no infinity.
 */
static void
put_any_double(struct buf *b, double d)
{
	if (isnan(d))
		buf_adds(b, "null");
	else if (isinf(d))
		buf_adds(b, d > 0 ? "1e999" : "-1e999");
	else
		buf_json_dbl(b, d);
}

/* --- count --- */

static void
count_add(const struct agg_spec *sp, void *st, const struct value *v,
    int64_t t, uint64_t seq)
{
	(*(uint64_t *)st)++;
}

static void
count_merge(const struct agg_spec *sp, void *dst, const void *src)
{
	*(uint64_t *)dst += *(const uint64_t *)src;
}

static void
count_result(const struct agg_spec *sp, const void *st, struct buf *b)
{
	buf_json_u64(b, *(const uint64_t *)st);
}

static int
count_decode(const struct agg_spec *sp, void *st, struct jcur *j)
{
	return jc_uint(j, st);
}

/* --- sum and avg --- */

/*
 * A sum keeps its integers and its other numbers apart: the integers
 * (JSON integers within int64) exactly in an int128, the rest in a
 * double with Neumaier's compensation.  The result is an integer when
 * every value was one (beyond int64 it is still written as a JSON
 * integer, as SQL's HUGEINT), else the double nearest the total of the
 * two parts, as Miller and SQL give a float once a float is in.  An
 * int128 that would overflow (2^64 values at int64's ends) pours into the
 * double part and starts again from zero; the sum is a double from then
 * on.  avg is the same state with its count: sum / count, one division
 * of the same total (never a running mean).
 */
__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

#define SUM_INT		1	/* an integer was added */
#define SUM_DBL		2	/* a non-integer was, or the int128 spilled */
#define SUM_N_MAX	(UINT64_MAX >> 2)

struct st_sum {
	uint64_t	 lo;		/* the integers' int128, low word */
	uint64_t	 hi;		/* and high word */
	double		 d;		/* the other numbers */
	double		 c;		/* Neumaier's compensation */
	uint64_t	 nf;		/* values << 2 | SUM_INT | SUM_DBL */
};

static i128
sum_i(const struct st_sum *s)
{
	return (i128)((u128)s->hi << 64 | s->lo);
}

static void
sum_set_i(struct st_sum *s, i128 v)
{
	s->lo = (uint64_t)(u128)v;
	s->hi = (uint64_t)((u128)v >> 64);
}

static void
neumaier(struct st_sum *s, double x)
{
	double t = s->d + x;

	if (fabs(s->d) >= fabs(x))
		s->c += (s->d - t) + x;
	else
		s->c += (x - t) + s->d;
	s->d = t;
}

/*
 * v into the double part exactly, as four 32-bit pieces (each a double
 * without rounding), the largest first.
 */
static void
neumaier_i128(struct st_sum *s, i128 v)
{
	u128 u = (u128)v;
	int neg = v < 0, k;
	double x;

	if (neg)
		u = -u;
	for (k = 3; k >= 0; k--) {
		x = ldexp((double)(uint32_t)(u >> (32 * k)), 32 * k);
		neumaier(s, neg ? -x : x);
	}
}

static void
sum_count(struct st_sum *s, uint64_t more, unsigned flags)
{
	uint64_t n = s->nf >> 2;

	n = more > SUM_N_MAX - n ? SUM_N_MAX : n + more;
	s->nf = n << 2 | (s->nf & 3) | flags;
}

static void
sum_int128(struct st_sum *s, i128 v)
{
	i128 r;

	if (__builtin_add_overflow(sum_i(s), v, &r)) {
		neumaier_i128(s, sum_i(s));
		s->nf |= SUM_DBL;
		r = v;
	}
	sum_set_i(s, r);
}

static void
sum_add(const struct agg_spec *sp, void *st, const struct value *v,
    int64_t t, uint64_t seq)
{
	struct st_sum *s = st;

	if (v->isint) {
		sum_int128(s, v->i);
		sum_count(s, 1, SUM_INT);
	} else {
		neumaier(s, v->d);
		sum_count(s, 1, SUM_DBL);
	}
}

static void
sum_merge(const struct agg_spec *sp, void *dst, const void *src)
{
	struct st_sum *d = dst;
	const struct st_sum *s = src;

	if (s->nf == 0)
		return;
	sum_int128(d, sum_i(s));
	neumaier(d, s->d);
	d->c += s->c;
	sum_count(d, s->nf >> 2, (unsigned)(s->nf & 3));
}

/* The total as a double: both parts, rounded once at the end. */
static double
sum_double(const struct st_sum *s)
{
	struct st_sum t = *s;

	neumaier_i128(&t, sum_i(s));
	return t.d + t.c;
}

static void
put_i128(struct buf *b, i128 v)
{
	char tmp[48], *p = tmp + sizeof(tmp);
	u128 u = (u128)v;

	if (v < 0)
		u = -u;
	do
		*--p = (char)('0' + (int)(u % 10));
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	buf_add(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

static void
sum_result(const struct agg_spec *sp, const void *st, struct buf *b)
{
	const struct st_sum *s = st;

	if (s->nf == 0)
		buf_adds(b, "null");
	else if (!(s->nf & SUM_DBL))
		put_i128(b, sum_i(s));
	else
		buf_json_dbl(b, sum_double(s));
}

/*
 * sum / count.  An integer total and count below 2^53 are doubles
 * exactly, so one division rounds once; a larger integer total is split
 * into quotient and remainder first, so its low digits still count.
 */
static void
avg_result(const struct agg_spec *sp, const void *st, struct buf *b)
{
	const struct st_sum *s = st;
	uint64_t n = s->nf >> 2;
	const i128 lim = (i128)1 << 53;
	i128 v = sum_i(s);

	if (n == 0)
		buf_adds(b, "null");
	else if (s->nf & SUM_DBL)
		buf_json_dbl(b, sum_double(s) / (double)n);
	else if (v > -lim && v < lim && n < ((uint64_t)1 << 53))
		buf_json_dbl(b, (double)v / (double)n);
	else
		buf_json_dbl(b, (double)(v / (i128)n) +
		    (double)(v % (i128)n) / (double)n);
}

/*
 * {"i":I}, {"d":D,"c":C} or both in one object ({"i":I,"d":D,"c":C});
 * null when empty.  I is a JSON integer within int64, else its decimal
 * digits as a string.  avg puts "n":N first.
 */
static void
sum_put(const struct st_sum *s, int with_n, struct buf *b)
{
	i128 v = sum_i(s);

	if (s->nf == 0) {
		buf_adds(b, "null");
		return;
	}
	buf_addc(b, '{');
	if (with_n) {
		buf_adds(b, "\"n\":");
		buf_json_u64(b, s->nf >> 2);
	}
	if (s->nf & SUM_INT) {
		buf_adds(b, with_n ? ",\"i\":" : "\"i\":");
		if (v >= INT64_MIN && v <= INT64_MAX)
			buf_json_i64(b, (int64_t)v);
		else {
			buf_addc(b, '"');
			put_i128(b, v);
			buf_addc(b, '"');
		}
	}
	if (s->nf & SUM_DBL) {
		buf_adds(b, (s->nf & SUM_INT) || with_n ? ",\"d\":" : "\"d\":");
		put_any_double(b, s->d);
		buf_adds(b, ",\"c\":");
		put_any_double(b, s->c);
	}
	buf_addc(b, '}');
}

static void
sum_encode(const struct agg_spec *sp, const void *st, struct buf *b)
{
	sum_put(st, 0, b);
}

static void
avg_encode(const struct agg_spec *sp, const void *st, struct buf *b)
{
	sum_put(st, 1, b);
}

/* An int128 written as decimal digits (no sign but '-', no zeros ahead). */
static int
read_i128(struct jcur *j, i128 *v)
{
	struct buf s;
	size_t k;
	int neg, r = 0;
	i128 x = 0;

	buf_init(&s);
	if (jc_string(j, &s) == -1) {
		buf_release(&s);
		return -1;
	}
	neg = s.len > 0 && s.data[0] == '-';
	if (s.len == (size_t)neg || (s.data[neg] == '0' && s.len > 1u +
	    (size_t)neg))
		r = -1;
	for (k = (size_t)neg; r == 0 && k < s.len; k++) {
		if (s.data[k] < '0' || s.data[k] > '9' ||
		    __builtin_mul_overflow(x, 10, &x) ||
		    __builtin_add_overflow(x, neg ? -(s.data[k] - '0') :
		    s.data[k] - '0', &x))
			r = -1;
	}
	buf_release(&s);
	*v = x;
	return r == 0 ? 0 : jc_fail(j, "expected an integer sum");
}

static int
read_sum_int(struct jcur *j, struct st_sum *s)
{
	int64_t i;
	i128 v;

	if (jc_peek(j) == '"') {
		if (read_i128(j, &v) == -1)
			return -1;
	} else {
		if (jc_int(j, &i) == -1)
			return -1;
		v = i;
	}
	sum_set_i(s, v);
	s->nf |= SUM_INT;
	return 0;
}

/* The keys after "n": "i", then "d" and "c", at least one of the two. */
static int
read_sum_parts(struct jcur *j, struct st_sum *s, const char *k, size_t n)
{
	if (n == 1 && *k == 'i') {
		if (read_sum_int(j, s) == -1)
			return -1;
		if (jc_more(j) != 1)
			return j->failed ? -1 : 0;
		if (jc_key(j, &k, &n) == -1)
			return -1;
	}
	if (!(n == 1 && *k == 'd'))
		return jc_fail(j, s->nf & SUM_INT ? "unexpected key in sum" :
		    "expected key \"i\" or \"d\"");
	s->nf |= SUM_DBL;
	if (jc_double(j, &s->d) == -1 ||
	    jc_element(j, "missing key \"c\"") == -1 ||
	    jc_expect_key(j, "c") == -1 || jc_double(j, &s->c) == -1)
		return -1;
	return jc_closing(j, "unexpected key in sum");
}

static int
sum_get(struct st_sum *s, int with_n, struct jcur *j)
{
	uint64_t n = 1;
	const char *k;
	size_t kn;

	if (jc_peek(j) == 'n')
		return jc_null(j);
	if (jc_begin_object(j) == -1 || jc_element(j, "empty sum") == -1)
		return -1;
	if (with_n && (jc_expect_key(j, "n") == -1 || jc_uint(j, &n) == -1 ||
	    jc_element(j, "missing key \"i\" or \"d\"") == -1))
		return -1;
	if (with_n && (n == 0 || n > SUM_N_MAX))
		return jc_fail(j, "count out of range");
	if (jc_key(j, &k, &kn) == -1 || read_sum_parts(j, s, k, kn) == -1)
		return -1;
	s->nf |= n << 2;
	return 0;
}

static int
sum_decode(const struct agg_spec *sp, void *st, struct jcur *j)
{
	return sum_get(st, 0, j);
}

static int
avg_decode(const struct agg_spec *sp, void *st, struct jcur *j)
{
	return sum_get(st, 1, j);
}

/* --- min and max --- */

enum { NUM_NONE, NUM_INT, NUM_DBL };

struct st_ext {
	union {
		int64_t	 i;
		double	 d;
	} v;
	int		 mode;
};

/*
 * An int64 against a finite double, exactly.  Rounding is monotonic, so
 * when (double)i differs from d it orders them; when equal, d is an
 * integer in [-2^63, 2^63] and converts back exactly (but for 2^63).
 */
static int
cmp_int_dbl(int64_t i, double d)
{
	double di = (double)i;

	if (di != d)
		return di < d ? -1 : 1;
	if (d >= 9223372036854775808.0)
		return -1;
	return i < (int64_t)d ? -1 : i > (int64_t)d;
}

static int
ext_cmp(int amode, int64_t ai, double ad, int bmode, int64_t bi, double bd)
{
	if (amode == NUM_INT && bmode == NUM_INT)
		return ai < bi ? -1 : ai > bi;
	if (amode == NUM_INT)
		return cmp_int_dbl(ai, bd);
	if (bmode == NUM_INT)
		return -cmp_int_dbl(bi, ad);
	return ad < bd ? -1 : ad > bd;
}

/* Take (mode, i, d) when it beats the state; want -1 for min, 1 for max. */
static void
ext_offer(struct st_ext *e, int mode, int64_t i, double d, int want)
{
	if (e->mode != NUM_NONE && ext_cmp(mode, i, d, e->mode, e->v.i,
	    e->v.d) != want)
		return;
	e->mode = mode;
	if (mode == NUM_INT)
		e->v.i = i;
	else
		e->v.d = d;
}

static void
min_add(const struct agg_spec *sp, void *st, const struct value *v,
    int64_t t, uint64_t seq)
{
	ext_offer(st, v->isint ? NUM_INT : NUM_DBL, v->i, v->d, -1);
}

static void
max_add(const struct agg_spec *sp, void *st, const struct value *v,
    int64_t t, uint64_t seq)
{
	ext_offer(st, v->isint ? NUM_INT : NUM_DBL, v->i, v->d, 1);
}

static void
min_merge(const struct agg_spec *sp, void *dst, const void *src)
{
	const struct st_ext *s = src;

	if (s->mode != NUM_NONE)
		ext_offer(dst, s->mode, s->v.i, s->v.d, -1);
}

static void
max_merge(const struct agg_spec *sp, void *dst, const void *src)
{
	const struct st_ext *s = src;

	if (s->mode != NUM_NONE)
		ext_offer(dst, s->mode, s->v.i, s->v.d, 1);
}

/* The value itself, or null: also its encoding. */
static void
ext_result(const struct agg_spec *sp, const void *st, struct buf *b)
{
	const struct st_ext *e = st;

	if (e->mode == NUM_NONE)
		buf_adds(b, "null");
	else if (e->mode == NUM_INT)
		buf_json_i64(b, e->v.i);
	else
		buf_json_dbl(b, e->v.d);
}

/* "-0" reads as an integer but was written for the double -0.0. */
static int
ext_decode(const struct agg_spec *sp, void *st, struct jcur *j)
{
	struct st_ext *e = st;
	struct value v;

	if (jc_peek(j) == 'n')
		return jc_null(j);
	if (jc_number(j, &v) == -1)
		return -1;
	if (v.isint && !(v.i == 0 && v.raw[0] == '-')) {
		e->mode = NUM_INT;
		e->v.i = v.i;
	} else if (isfinite(v.d)) {
		e->mode = NUM_DBL;
		e->v.d = v.d;
	} else {
		return jc_fail(j, "number out of range");
	}
	return 0;
}

/* --- var and stddev (Welford) --- */

struct st_var {
	int64_t		 n;
	double		 mean;
	double		 m2;		/* sum of squared deviations */
};

/*
 * Counts saturate at INT64_MAX rather than overflow: no stream gets
 * there, but a decoded state may claim to have.
 */
static void
welford_count(int64_t *n, int64_t more)
{
	*n = more > INT64_MAX - *n ? INT64_MAX : *n + more;
}

static void
var_add(const struct agg_spec *sp, void *st, const struct value *v,
    int64_t t, uint64_t seq)
{
	struct st_var *a = st;
	double delta = v->d - a->mean;

	welford_count(&a->n, 1);
	a->mean += delta / (double)a->n;
	a->m2 += delta * (v->d - a->mean);
}

/* Chan, Golub and LeVeque's pairwise update. */
static void
chan(int64_t *n, double *mean, double *m2, int64_t nb, double meanb,
    double m2b)
{
	double na = (double)*n, delta = meanb - *mean, tot;

	if (nb == 0)
		return;
	tot = na + (double)nb;
	*mean += delta * ((double)nb / tot);
	*m2 += m2b + delta * delta * (na * (double)nb / tot);
	welford_count(n, nb);
}

static void
var_merge(const struct agg_spec *sp, void *dst, const void *src)
{
	struct st_var *a = dst;
	const struct st_var *b = src;

	chan(&a->n, &a->mean, &a->m2, b->n, b->mean, b->m2);
}

static double
var_of(const struct st_var *a)
{
	return a->m2 > 0 ? a->m2 / (double)(a->n - 1) : 0;
}

static void
var_result(const struct agg_spec *sp, const void *st, struct buf *b)
{
	const struct st_var *a = st;

	if (a->n < 2)
		buf_adds(b, "null");
	else
		buf_json_dbl(b, var_of(a));
}

static void
stddev_result(const struct agg_spec *sp, const void *st, struct buf *b)
{
	const struct st_var *a = st;

	if (a->n < 2)
		buf_adds(b, "null");
	else
		buf_json_dbl(b, sqrt(var_of(a)));
}

/* [n,mean,m2]; [0,0,0] when empty. */
static void
var_encode(const struct agg_spec *sp, const void *st, struct buf *b)
{
	const struct st_var *a = st;

	buf_addc(b, '[');
	buf_json_i64(b, a->n);
	buf_addc(b, ',');
	put_any_double(b, a->mean);
	buf_addc(b, ',');
	put_any_double(b, a->m2);
	buf_addc(b, ']');
}

static int
welford_decode(struct jcur *j, int64_t *n, double *mean, double *m2)
{
	if (jc_begin_array(j) == -1 || jc_element(j, "short mean") == -1 ||
	    jc_int(j, n) == -1 || jc_element(j, "short mean") == -1 ||
	    jc_double(j, mean) == -1)
		return -1;
	if (m2 != NULL && (jc_element(j, "short variance") == -1 ||
	    jc_double(j, m2) == -1))
		return -1;
	if (jc_closing(j, "long mean or variance") != 0)
		return -1;
	if (*n < 0)
		return jc_fail(j, "negative count");
	if (*n == 0 && *mean != 0)
		return jc_fail(j, "mean without values");
	if (m2 != NULL && (*m2 < 0 || (*n < 2 && *m2 != 0)))
		return jc_fail(j, "variance out of range");
	return 0;
}

static int
var_decode(const struct agg_spec *sp, void *st, struct jcur *j)
{
	struct st_var *a = st;

	return welford_decode(j, &a->n, &a->mean, &a->m2);
}

/* --- values as text in jq -c's form --- */

/* Copy JSON text without insignificant white space; returns the length. */
static size_t
compact_into(char *dst, const char *s, size_t n)
{
	size_t i, o = 0;
	int instr = 0;

	for (i = 0; i < n; i++) {
		if (instr) {
			dst[o++] = s[i];
			if (s[i] == '\\' && i + 1 < n)
				dst[o++] = s[++i];
			else if (s[i] == '"')
				instr = 0;
			continue;
		}
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
			continue;
		instr = s[i] == '"';
		dst[o++] = s[i];
	}
	return o;
}

/*
 * The text of v in jq -c's form (SPEC 3: one string form, numbers with
 * their digits): literals and numbers as written; strings and
 * containers as written when they hold no escape (containers then need
 * compact_into(): returns 1), else decoded and written again into heap
 * (buf_json_canon).  Values without text (made by hand, not by
 * record.c) are written into tmp (numbers, 32 bytes) or heap.
 */
static int
val_text(const struct value *v, char *tmp, struct buf *heap,
    const char **p, size_t *n)
{
	switch (v->type) {
	case V_MISSING:
	case V_NULL:
		*p = "null";
		*n = 4;
		return 0;
	case V_TRUE:
		*p = "true";
		*n = 4;
		return 0;
	case V_FALSE:
		*p = "false";
		*n = 5;
		return 0;
	default:
		break;
	}
	if (v->raw != NULL && v->type != V_NUMBER &&
	    buf_json_escaped(v->raw, v->rawlen)) {
		buf_clear(heap);
		buf_json_canon(heap, v->raw, v->rawlen);
		*p = heap->data;
		*n = heap->len;
		return 0;
	}
	if (v->raw != NULL) {
		*p = v->raw;
		*n = v->rawlen;
		return v->type == V_ARRAY || v->type == V_OBJECT;
	}
	*p = tmp;
	if (v->type == V_NUMBER && v->isint)
		*n = (size_t)snprintf(tmp, 32, "%lld", (long long)v->i);
	else if (v->type == V_NUMBER)
		*n = buf_fmt_double(v->d, tmp);
	else {
		buf_clear(heap);
		val_write_json(heap, v);
		*p = heap->data;
		*n = heap->len;
	}
	return 0;
}

/*
 * Text read back from a state or a partial (which other tools may have
 * rewritten), brought to the same form: as it is (1: it needs
 * compact_into()), or written into b (0).
 */
static int
canon_text(const char **p, size_t *n, struct buf *b)
{
	if (!buf_json_escaped(*p, *n))
		return 1;
	buf_json_canon(b, *p, *n);
	*p = b->data;
	*n = b->len;
	return 0;
}

/* --- first and last --- */

#define PICK_INLINE	16

/* len 0: nothing yet; cap > 0: the text is on the heap at x.p. */
struct st_pick {
	int64_t		 t;
	uint64_t	 seq;
	uint32_t	 len;
	uint32_t	 cap;
	union {
		char	 in[PICK_INLINE];
		char	*p;
	} x;
};

static const char *
pick_text(const struct st_pick *s)
{
	return s->cap > 0 ? s->x.p : s->x.in;
}

/* Room for n bytes; a heap buffer is kept and reused once made. */
static char *
pick_room(struct st_pick *s, size_t n)
{
	if (s->cap >= n)
		return s->x.p;
	if (s->cap == 0 && n <= PICK_INLINE)
		return s->x.in;
	s->x.p = xrealloc(s->cap > 0 ? s->x.p : NULL, n);
	s->cap = (uint32_t)n;
	return s->x.p;
}

static void
pick_store(struct st_pick *s, const char *p, size_t n, int compact)
{
	char *d = pick_room(s, n);

	if (compact)
		s->len = (uint32_t)compact_into(d, p, n);
	else {
		memcpy(d, p, n);
		s->len = (uint32_t)n;
	}
}

/* Does (t, seq) come before the state's pick? */
static int
pick_before(const struct st_pick *s, int64_t t, uint64_t seq)
{
	return t < s->t || (t == s->t && seq < s->seq);
}

static void
pick_take(struct st_pick *s, const struct value *v, int64_t t,
    uint64_t seq)
{
	struct buf heap;
	char tmp[32];
	const char *p;
	size_t n;
	int compact;

	buf_init(&heap);
	compact = val_text(v, tmp, &heap, &p, &n);
	if (n > UINT32_MAX)
		n = 0;		/* cannot happen: lines are far shorter */
	pick_store(s, p, n, compact);
	s->t = t;
	s->seq = seq;
	buf_release(&heap);
}

static void
first_add(const struct agg_spec *sp, void *st, const struct value *v,
    int64_t t, uint64_t seq)
{
	struct st_pick *s = st;

	if (s->len == 0 || pick_before(s, t, seq))
		pick_take(s, v, t, seq);
}

static void
last_add(const struct agg_spec *sp, void *st, const struct value *v,
    int64_t t, uint64_t seq)
{
	struct st_pick *s = st;

	if (s->len == 0 || !pick_before(s, t, seq))
		pick_take(s, v, t, seq);
}

static void
pick_copy(struct st_pick *d, const struct st_pick *s)
{
	pick_store(d, pick_text(s), s->len, 0);
	d->t = s->t;
	d->seq = s->seq;
}

static void
first_merge(const struct agg_spec *sp, void *dst, const void *src)
{
	struct st_pick *d = dst;
	const struct st_pick *s = src;

	if (s->len > 0 && (d->len == 0 || pick_before(d, s->t, s->seq)))
		pick_copy(d, s);
}

static void
last_merge(const struct agg_spec *sp, void *dst, const void *src)
{
	struct st_pick *d = dst;
	const struct st_pick *s = src;

	if (s->len > 0 && (d->len == 0 || !pick_before(d, s->t, s->seq)))
		pick_copy(d, s);
}

static void
pick_result(const struct agg_spec *sp, const void *st, struct buf *b)
{
	const struct st_pick *s = st;

	if (s->len == 0)
		buf_adds(b, "null");
	else
		buf_add(b, pick_text(s), s->len);
}

/* null or [t_ns,seq,value]. */
static void
pick_encode(const struct agg_spec *sp, const void *st, struct buf *b)
{
	const struct st_pick *s = st;

	if (s->len == 0) {
		buf_adds(b, "null");
		return;
	}
	buf_addc(b, '[');
	buf_json_i64(b, s->t);
	buf_addc(b, ',');
	buf_json_u64(b, s->seq);
	buf_addc(b, ',');
	buf_add(b, pick_text(s), s->len);
	buf_addc(b, ']');
}

static int
pick_decode(const struct agg_spec *sp, void *st, struct jcur *j)
{
	struct st_pick *s = st;
	struct buf b;
	const char *p;
	size_t n;
	int compact;

	if (jc_peek(j) == 'n')
		return jc_null(j);
	if (jc_begin_array(j) == -1 || jc_element(j, "short pick") == -1 ||
	    jc_int(j, &s->t) == -1 || jc_element(j, "short pick") == -1 ||
	    jc_uint(j, &s->seq) == -1 || jc_element(j, "short pick") == -1 ||
	    jc_raw(j, &p, &n) == -1 || jc_closing(j, "long pick") != 0)
		return -1;
	if (n > UINT32_MAX)
		return jc_fail(j, "value too long");
	buf_init(&b);
	compact = canon_text(&p, &n, &b);
	pick_store(s, p, n, compact);
	buf_release(&b);
	return 0;
}

static void
pick_release(const struct agg_spec *sp, void *st)
{
	struct st_pick *s = st;

	if (s->cap > 0)
		free(s->x.p);
	memset(s, 0, sizeof(*s));
}

static size_t
pick_bytes(const struct agg_spec *sp, const void *st)
{
	return ((const struct st_pick *)st)->cap;
}

/* --- exact quantiles: the values themselves (--exact) --- */

/*
 * A value is the integer i when i is not 0 (an integer past 2^53, which
 * a double would round), else the double d: so an answer keeps the
 * digits it came with, ids and nanosecond times included.
 */
struct qval {
	double		 d;
	int64_t		 i;
};

struct qexact {
	uint64_t	 n;
	uint64_t	 cap;
	int		 sorted;
	struct qval	 v[];
};

#define QX_EXACT_MAX	((int64_t)1 << 53)

static struct qval
qx_of(const struct value *v)
{
	struct qval x = { v->d, 0 };

	if (v->isint && (v->i > QX_EXACT_MAX || v->i < -QX_EXACT_MAX))
		x.i = v->i;
	return x;
}

static void
qx_push(struct qexact **pp, struct qval x)
{
	struct qexact *q = *pp;

	if (q == NULL || q->n == q->cap) {
		uint64_t cap = q == NULL ? 4 : q->cap * 2;

		q = xrealloc(q, sizeof(*q) + cap * sizeof(struct qval));
		if (*pp == NULL)
			q->n = 0;
		q->cap = cap;
		*pp = q;
	}
	q->v[q->n++] = x;
	q->sorted = 0;
}

/* agg.c adds the value itself (qx_add_value); this is the table's. */
static void
qx_add(void **pp, double x)
{
	struct qexact *q = *pp;

	qx_push(&q, (struct qval){ x, 0 });
	*pp = q;
}

static void
qx_add_value(void **pp, const struct value *v)
{
	struct qexact *q = *pp;

	qx_push(&q, qx_of(v));
	*pp = q;
}

static void
qx_merge(void **pp, const void *src, int k)
{
	const struct qexact *s = src;
	struct qexact *q = *pp;
	uint64_t i;

	for (i = 0; s != NULL && i < s->n; i++)
		qx_push(&q, s->v[i]);
	*pp = q;
}

static int
qval_cmp(const void *a, const void *b)
{
	const struct qval *x = a, *y = b;

	if (x->i != 0 && y->i != 0)
		return x->i < y->i ? -1 : x->i > y->i;
	if (x->i != 0)
		return cmp_int_dbl(x->i, y->d);
	if (y->i != 0)
		return -cmp_int_dbl(y->i, x->d);
	return x->d < y->d ? -1 : x->d > y->d;
}

static void
qval_put(struct buf *b, const struct qval *x)
{
	if (x->i != 0)
		buf_json_i64(b, x->i);
	else
		buf_json_dbl(b, x->d);
}

/* Sorting the kept values changes no value, only their order. */
static void
qx_result(void *p, double qv, int k, struct buf *b)
{
	struct qexact *q = p;

	if (q == NULL || q->n == 0) {
		buf_adds(b, "null");
		return;
	}
	if (!q->sorted) {
		qsort(q->v, q->n, sizeof(struct qval), qval_cmp);
		q->sorted = 1;
	}
	qval_put(b, &q->v[sketch_rank(qv, q->n) - 1]);
}

/* [v,...], [] when empty. */
static void
qx_encode(const void *p, struct buf *b)
{
	const struct qexact *q = p;
	uint64_t i;

	buf_addc(b, '[');
	for (i = 0; q != NULL && i < q->n; i++) {
		if (i > 0)
			buf_addc(b, ',');
		qval_put(b, &q->v[i]);
	}
	buf_addc(b, ']');
}

/* Integers past 2^53 come back as integers (qx_of), the rest as doubles. */
static int
qx_decode(void **pp, int k, struct jcur *j)
{
	struct qexact *q = *pp;
	struct value v;
	int r = 0;

	if (jc_begin_array(j) == -1)
		return -1;
	while (r == 0 && jc_more(j) == 1) {
		if ((r = jc_number(j, &v)) == 0 && !isfinite(v.d))
			r = jc_fail(j, "number out of range");
		if (r == 0)
			qx_push(&q, qx_of(&v));
	}
	*pp = q;
	return j->failed ? -1 : 0;
}

static size_t
qx_bytes(const void *p)
{
	const struct qexact *q = p;

	return q == NULL ? 0 : sizeof(*q) + q->cap * sizeof(struct qval);
}

static const struct sketch_ops qexact_ops = {
	qx_add, NULL, qx_merge, qx_result, qx_encode, qx_decode, qx_bytes,
	free, NULL, NULL
};

/* --- distinct --- */

/*
 * Canonical values back to back while there are few (a linear scan of
 * a few hundred bytes beats hashing, and a table costs kilobytes), then
 * a table.h set.  Both keep first-seen order, which the encoding
 * follows.
 */
#define DSET_SMALL_N	16
#define DSET_SMALL_BYTES 1024

struct dset {
	struct table	*t;		/* NULL while small */
	uint64_t	 n;		/* values */
	uint32_t	 len;		/* bytes in small */
	uint32_t	 cap;
	char		 small[];
};

static int
dset_small_has(const struct dset *s, const char *k, size_t n)
{
	size_t off = 0, m;

	while (off < s->len) {
		m = key_canon_len(s->small + off, s->len - off);
		if (m == n && memcmp(s->small + off, k, n) == 0)
			return 1;
		off += m;
	}
	return 0;
}

static int
dset_table_put(struct dset *s, const char *k, size_t n)
{
	int created;

	/* A set full at TAB_MAX values has outgrown memory all the same. */
	if (tab_put(s->t, k, n, hash_bytes(k, n), &created) == -1)
		xmalloc_oom(n);
	s->n += (uint64_t)created;
	return created;
}

static struct dset *
dset_to_table(struct dset *s)
{
	size_t off = 0, m;

	s->t = tab_new(0);
	s->n = 0;
	for (off = 0; off < s->len; off += m) {
		m = key_canon_len(s->small + off, s->len - off);
		dset_table_put(s, s->small + off, m);
	}
	s->len = s->cap = 0;
	return xrealloc(s, sizeof(*s));
}

/* Add k; 1 when it is new. */
static int
dset_put(struct dset **pp, const char *k, size_t n)
{
	struct dset *s = *pp;
	uint32_t cap;

	if (s == NULL) {
		s = *pp = xmalloc(sizeof(*s) + 64);
		memset(s, 0, sizeof(*s));
		s->cap = 64;
	}
	if (s->t != NULL)
		return dset_table_put(s, k, n);
	if (dset_small_has(s, k, n))
		return 0;
	if (s->n == DSET_SMALL_N || s->len + n > DSET_SMALL_BYTES) {
		s = *pp = dset_to_table(s);
		return dset_table_put(s, k, n);
	}
	if (s->len + n > s->cap) {
		for (cap = s->cap; cap < s->len + n; cap *= 2)
			;
		s = *pp = xrealloc(s, sizeof(*s) + cap);
		s->cap = cap;
	}
	memcpy(s->small + s->len, k, n);
	s->len += (uint32_t)n;
	s->n++;
	return 1;
}

/* Call fn for each value in first-seen order. */
static void
dset_each(const struct dset *s, void (*fn)(void *, const char *, size_t),
    void *arg)
{
	size_t off, m, n;
	int64_t e;
	const char *k;

	if (s == NULL)
		return;
	if (s->t == NULL) {
		for (off = 0; off < s->len; off += m) {
			m = key_canon_len(s->small + off, s->len - off);
			fn(arg, s->small + off, m);
		}
		return;
	}
	for (e = tab_next(s->t, -1); e >= 0; e = tab_next(s->t, e)) {
		k = tab_key(s->t, e, &n);
		fn(arg, k, n);
	}
}

static int
dset_add(void **pp, const char *key, size_t n, int k)
{
	struct dset *s = *pp;

	dset_put(&s, key, n);
	*pp = s;
	return 0;
}

static void
dset_put_cb(void *arg, const char *k, size_t n)
{
	dset_put(arg, k, n);
}

static void
dset_merge(void **pp, const void *src, int k)
{
	struct dset *s = *pp;

	dset_each(src, dset_put_cb, &s);
	*pp = s;
}

static void
dset_result(void *p, double q, int k, struct buf *b)
{
	const struct dset *s = p;

	buf_json_u64(b, s == NULL ? 0 : s->n);
}

struct list_out {
	struct buf	*b;
	int		 first;
};

static void
canon_json_cb(void *arg, const char *k, size_t n)
{
	struct list_out *o = arg;

	if (!o->first)
		buf_addc(o->b, ',');
	o->first = 0;
	key_canon_json(o->b, k, n);
}

/* [v,...] in first-seen order, each value in canonical JSON. */
static void
dset_encode(const void *p, struct buf *b)
{
	struct list_out o = { b, 1 };

	buf_addc(b, '[');
	dset_each(p, canon_json_cb, &o);
	buf_addc(b, ']');
}

static int
dset_decode(void **pp, int k, struct jcur *j)
{
	struct dset *s = *pp;
	struct buf key, scratch;
	int rc = 0;

	if (jc_begin_array(j) == -1)
		return -1;
	buf_init(&key);
	buf_init(&scratch);
	while (rc == 0 && jc_more(j) == 1) {
		if ((rc = key_canon_read(j, &key, &scratch)) == 0 &&
		    !dset_put(&s, key.data, key.len))
			rc = jc_fail(j, "duplicate distinct value");
	}
	buf_release(&key);
	buf_release(&scratch);
	*pp = s;
	return j->failed ? -1 : 0;
}

static size_t
dset_bytes(const void *p)
{
	const struct dset *s = p;

	if (s == NULL)
		return 0;
	return sizeof(*s) + s->cap + (s->t != NULL ? tab_bytes(s->t) : 0);
}

static void
dset_free(void *p)
{
	struct dset *s = p;

	if (s != NULL)
		tab_free(s->t);
	free(s);
}

static const struct sketch_ops dset_ops = {
	NULL, dset_add, dset_merge, dset_result, dset_encode, dset_decode,
	dset_bytes, dset_free, NULL, NULL
};

/* --- every summary, through its table --- */

/* -1 when a bounded summary refused the value (freq.h). */
static int
sketch_add_value(const struct agg_spec *sp, void *st, const struct value *v)
{
	char tmp[KEY_CANON_TMP];
	struct buf heap;
	const char *k;
	size_t n;
	int r;

	if (sp->exact) {
		qx_add_value(st, v);
		return 0;
	}
	if (sp->sketch->add_num != NULL) {
		sp->sketch->add_num(st, v->d);
		return 0;
	}
	buf_init(&heap);
	key_canon(v, tmp, &heap, &k, &n);
	r = sp->sketch->add_canon(st, k, n, sp->k);
	buf_release(&heap);
	return r;
}

/* aggset_add() calls sketch_add_value() itself, to see a refusal. */
static void
sketch_add(const struct agg_spec *sp, void *st, const struct value *v,
    int64_t t, uint64_t seq)
{
	sketch_add_value(sp, st, v);
}

static void
sketch_merge(const struct agg_spec *sp, void *dst, const void *src)
{
	sp->sketch->merge(dst, *(void *const *)src, sp->k);
}

static void
sketch_result(const struct agg_spec *sp, const void *st, struct buf *b)
{
	sp->sketch->result(*(void *const *)st, sp->q, sp->k, b);
}

static void
sketch_encode(const struct agg_spec *sp, const void *st, struct buf *b)
{
	sp->sketch->encode(*(void *const *)st, b);
}

static int
sketch_decode(const struct agg_spec *sp, void *st, struct jcur *j)
{
	return sp->sketch->decode(st, sp->k, j);
}

static void
sketch_release(const struct agg_spec *sp, void *st)
{
	sp->sketch->free(*(void **)st);
	*(void **)st = NULL;
}

static size_t
sketch_bytes(const struct agg_spec *sp, const void *st)
{
	return sp->sketch->bytes(*(void *const *)st);
}

/* --- collect --- */

/* The values' texts joined by commas: the JSON array minus brackets. */
struct clist {
	uint64_t	 n;
	size_t		 len;
	size_t		 cap;
	char		 d[];
};

static char *
clist_room(struct clist **pp, size_t more)
{
	struct clist *c = *pp;
	size_t cap;

	if (c == NULL) {
		cap = more < 32 ? 32 : more;
		c = *pp = xmalloc(sizeof(*c) + cap);
		c->n = c->len = 0;
		c->cap = cap;
	} else if (c->cap - c->len < more) {
		for (cap = c->cap * 2; cap - c->len < more; cap *= 2)
			;
		c = *pp = xrealloc(c, sizeof(*c) + cap);
		c->cap = cap;
	}
	if (c->n > 0)
		c->d[c->len++] = ',';
	c->n++;
	return c->d + c->len;
}

static void
clist_push(struct clist **pp, const char *p, size_t n, int compact)
{
	char *d = clist_room(pp, n + 1);

	if (compact)
		n = compact_into(d, p, n);
	else
		memcpy(d, p, n);
	(*pp)->len += n;
}

static void
collect_add(const struct agg_spec *sp, void *st, const struct value *v,
    int64_t t, uint64_t seq)
{
	struct buf heap;
	char tmp[32];
	const char *p;
	size_t n;
	int compact;

	buf_init(&heap);
	compact = val_text(v, tmp, &heap, &p, &n);
	clist_push(st, p, n, compact);
	buf_release(&heap);
}

/* Appends all of src as one element, then fixes the count. */
static void
collect_merge(const struct agg_spec *sp, void *dst, const void *src)
{
	const struct clist *s = *(struct clist *const *)src;

	if (s == NULL || s->n == 0)
		return;
	clist_push(dst, s->d, s->len, 0);
	(*(struct clist **)dst)->n += s->n - 1;
}

/* The result and the encoding: [v,...] in arrival order. */
static void
collect_result(const struct agg_spec *sp, const void *st, struct buf *b)
{
	const struct clist *c = *(struct clist *const *)st;

	buf_addc(b, '[');
	if (c != NULL)
		buf_add(b, c->d, c->len);
	buf_addc(b, ']');
}

static int
collect_decode(const struct agg_spec *sp, void *st, struct jcur *j)
{
	struct buf b;
	const char *p;
	size_t n;
	int compact;

	if (jc_begin_array(j) == -1)
		return -1;
	while (jc_more(j) == 1) {
		if (jc_raw(j, &p, &n) == -1)
			return -1;
		buf_init(&b);
		compact = canon_text(&p, &n, &b);
		clist_push(st, p, n, compact);
		buf_release(&b);
	}
	return j->failed ? -1 : 0;
}

static void
ptr_release(const struct agg_spec *sp, void *st)
{
	free(*(void **)st);
	*(void **)st = NULL;
}

static size_t
collect_bytes(const struct agg_spec *sp, const void *st)
{
	const struct clist *c = *(struct clist *const *)st;

	return c == NULL ? 0 : sizeof(*c) + c->cap;
}

/* --- the table of aggregates --- */

#define PTR	sizeof(void *)

static const struct agg_fn fn_count = { "count", A_NONE, 0, 8,
	count_add, count_merge, count_result, count_result, count_decode,
	NULL, NULL, NULL };
static const struct agg_fn fn_sum = { "sum", A_PATH, 1,
	sizeof(struct st_sum), sum_add, sum_merge, sum_result, sum_encode,
	sum_decode, NULL, NULL, NULL };
static const struct agg_fn fn_avg = { "avg", A_PATH, 1,
	sizeof(struct st_sum), sum_add, sum_merge, avg_result, avg_encode,
	avg_decode, NULL, NULL, NULL };
static const struct agg_fn fn_min = { "min", A_PATH, 1,
	sizeof(struct st_ext), min_add, min_merge, ext_result, ext_result,
	ext_decode, NULL, NULL, NULL };
static const struct agg_fn fn_max = { "max", A_PATH, 1,
	sizeof(struct st_ext), max_add, max_merge, ext_result, ext_result,
	ext_decode, NULL, NULL, NULL };
static const struct agg_fn fn_first = { "first", A_PATH, 0,
	sizeof(struct st_pick), first_add, first_merge, pick_result,
	pick_encode, pick_decode, pick_release, pick_bytes, NULL };
static const struct agg_fn fn_last = { "last", A_PATH, 0,
	sizeof(struct st_pick), last_add, last_merge, pick_result,
	pick_encode, pick_decode, pick_release, pick_bytes, NULL };
static const struct agg_fn fn_var = { "var", A_PATH, 1,
	sizeof(struct st_var), var_add, var_merge, var_result, var_encode,
	var_decode, NULL, NULL, NULL };
static const struct agg_fn fn_stddev = { "stddev", A_PATH, 1,
	sizeof(struct st_var), var_add, var_merge, stddev_result, var_encode,
	var_decode, NULL, NULL, NULL };
#define SKETCH	sketch_add, sketch_merge, sketch_result, sketch_encode, \
		sketch_decode, sketch_release, sketch_bytes

static const struct agg_fn fn_quantile = { "quantile", A_Q, 1, PTR, SKETCH,
	&dds_ops };
static const struct agg_fn fn_distinct = { "distinct", A_PATH, 0, PTR, SKETCH,
	&dset_ops };
static const struct agg_fn fn_approx = { "approx_distinct", A_PATH, 0, PTR,
	SKETCH, &hll_ops };
static const struct agg_fn fn_top = { "top", A_K, 0, PTR, SKETCH, &freq_ops };
static const struct agg_fn fn_approx_top = { "approx_top", A_K, 0, PTR,
	SKETCH, &ss_ops };
static const struct agg_fn fn_collect = { "collect", A_PATH, 0, PTR,
	collect_add, collect_merge, collect_result, collect_result,
	collect_decode, ptr_release, collect_bytes, NULL };

static const struct agg_fn *const fns[] = {
	&fn_count, &fn_sum, &fn_avg, &fn_min, &fn_max, &fn_first, &fn_last,
	&fn_var, &fn_stddev, &fn_quantile, &fn_distinct, &fn_approx, &fn_top,
	&fn_approx_top, &fn_collect
};

#define FN_LIST	"count, sum, avg, min, max, first, last, var, stddev, " \
		"pNN, quantile, distinct, approx_distinct, top, approx_top " \
		"or collect"

/* --- parsing AGG arguments --- */

static const double pow10tab[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9
};

static const char *
skip_ws(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

static int
is_ident(int c)
{
	return isalnum(c) || c == '_';
}

static int
bad(struct fault *f, const char *arg, const char *why)
{
	return fault_set(f, EX_USAGE, "bad aggregate \"%.80s\": %s", arg, why);
}

/*
 * The function named id[0..n).  pNN is a quantile: one or two digits
 * are hundredths (p5 0.05, p99 0.99), more are a decimal fraction with
 * that many digits (p999 0.999, p001 0.001), and p100 is 1.
 */
static const struct agg_fn *
fn_lookup(const char *id, size_t n, double *q)
{
	uint64_t num = 0;
	size_t i;

	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		if (strlen(fns[i]->name) == n &&
		    memcmp(fns[i]->name, id, n) == 0)
			return fns[i];
	if (n < 2 || n > 10 || id[0] != 'p')
		return NULL;
	for (i = 1; i < n; i++) {
		if (!isdigit((unsigned char)id[i]))
			return NULL;
		num = num * 10 + (uint64_t)(id[i] - '0');
	}
	if (n <= 3)
		*q = (double)num / 100;
	else if (n == 4 && num == 100)
		*q = 1;
	else
		*q = (double)num / pow10tab[n - 1];
	return &fn_quantile;
}

/* The name pNN would give q ("p99", "p999"), or "quantile". */
static void
quantile_name(double q, char *out, size_t size)
{
	long long m;
	int d;

	for (d = 2; d <= 9; d++) {
		m = llround(q * pow10tab[d]);
		if ((double)m / pow10tab[d] != q)
			continue;
		if (d == 2)
			snprintf(out, size, "p%lld", m);
		else
			snprintf(out, size, "p%0*lld", d, m);
		return;
	}
	snprintf(out, size, "quantile");
}

static char *
make_name(const char *fname, size_t flen, const struct path *p)
{
	const char *pn = NULL;
	size_t pl = 0;
	char *s;

	if (p != NULL)
		path_name(p, &pn, &pl);
	s = xmalloc(flen + pl + 2);
	memcpy(s, fname, flen);
	s[flen] = '\0';
	if (p != NULL) {
		s[flen] = '_';
		memcpy(s + flen + 1, pn, pl);
		s[flen + 1 + pl] = '\0';
	}
	return s;
}

/* ", q" or ", k" after the path. */
static int
parse_param(struct agg_spec *sp, const char **sp_s, const char *arg,
    struct fault *f)
{
	const char *s = skip_ws(*sp_s);
	char *end;
	long k = 0;

	if (*s != ',')
		return bad(f, arg, sp->fn->args == A_Q ?
		    "expected \", q\" after the path" :
		    "expected \", k\" after the path");
	s = skip_ws(s + 1);
	if (sp->fn->args == A_Q) {
		if (!isdigit((unsigned char)*s) && *s != '.')
			return bad(f, arg, "q must be a number from 0 to 1");
		sp->q = strtod(s, &end);
		if (end == s || !(sp->q >= 0 && sp->q <= 1))
			return bad(f, arg, "q must be a number from 0 to 1");
		s = end;
	} else {
		for (; isdigit((unsigned char)*s); s++)
			if ((k = k * 10 + (*s - '0')) > AGG_TOP_MAX)
				break;
		if (k < 1 || k > AGG_TOP_MAX || isdigit((unsigned char)*s))
			return bad(f, arg, "k must be an integer from 1 to "
			    "10000");
		sp->k = (int)k;
	}
	*sp_s = s;
	return 0;
}

/* "(P)", "(P, q)" or "(P, k)"; *s ends past the ')'. */
static int
parse_call(struct agg_spec *sp, int param, const char **s, const char *arg,
    struct fault *f)
{
	char what[128];
	size_t used;

	if (**s != '(')
		return bad(f, arg, "expected '(' after the function name");
	*s = skip_ws(*s + 1);
	if (path_parse_prefix(&sp->path, *s, &used, f) == -1) {
		snprintf(what, sizeof(what), "bad aggregate \"%.80s\"", arg);
		fault_prefix(f, what);
		return -1;
	}
	*s += used;
	if (param && parse_param(sp, s, arg, f) == -1)
		return -1;
	*s = skip_ws(*s);
	if (**s != ')')
		return bad(f, arg, "missing ')'");
	*s = skip_ws(*s + 1);
	return 0;
}

/* What follows the call: nothing, or "as NAME". */
static int
parse_as(struct agg_spec *sp, const char *s, const char *arg,
    struct fault *f)
{
	const char *e;

	if (*s == '\0')
		return 0;
	if (strncmp(s, "as", 2) != 0 || (s[2] != '\0' &&
	    !isspace((unsigned char)s[2])))
		return bad(f, arg, "unexpected text after the aggregate");
	s = skip_ws(s + 2);
	for (e = s + strlen(s); e > s && isspace((unsigned char)e[-1]); e--)
		;
	if (e == s)
		return bad(f, arg, "missing NAME after \"as\"");
	free(sp->name);
	sp->name = make_name(s, (size_t)(e - s), NULL);
	return 1;
}

/* One AGG argument into sp; 1 when it named itself with "as". */
static int
parse_spec(struct agg_spec *sp, const char *arg, int exact,
    struct fields *fl, struct fault *f)
{
	const char *s = skip_ws(arg), *id = s;
	char fname[16];
	size_t idlen;
	int named, pnn;

	memset(sp, 0, sizeof(*sp));
	sp->slot = -1;
	while (is_ident((unsigned char)*s))
		s++;
	idlen = (size_t)(s - id);
	if ((sp->fn = fn_lookup(id, idlen, &sp->q)) == NULL)
		return fault_set(f, EX_USAGE, "unknown aggregate \"%.80s\": "
		    "expected " FN_LIST, arg);
	s = skip_ws(s);
	if (sp->fn->args == A_NONE) {
		if (*s == '(') {
			s = skip_ws(s + 1);
			if (*s != ')')
				return bad(f, arg, "count takes no path");
			s = skip_ws(s + 1);
		}
		sp->name = make_name(id, idlen, NULL);
	} else {
		pnn = sp->fn == &fn_quantile && id[0] == 'p';
		if (parse_call(sp, sp->fn->args != A_PATH && !pnn, &s, arg,
		    f) == -1)
			return -1;
		if (sp->fn == &fn_quantile && !pnn)
			quantile_name(sp->q, fname, sizeof(fname));
		else
			snprintf(fname, sizeof(fname), "%.*s", (int)idlen, id);
		sp->name = make_name(fname, strlen(fname), &sp->path);
		sp->exact = sp->fn == &fn_quantile && exact;
		sp->sketch = sp->exact ? &qexact_ops : sp->fn->sketch;
	}
	if ((named = parse_as(sp, s, arg, f)) == -1)
		return -1;
	if (sp->fn->args != A_NONE && fl != NULL &&
	    (sp->slot = rec_fields_add(fl, &sp->path, f)) == -1)
		return -1;
	return named;
}

/*
 * An aggregate is a known function name alone or before '(' or "as"
 * ("sum" alone is a mistake to report, not a file), or any identifier
 * before '(' (reported as unknown).  "count.ndjson" and "./count" are
 * files.
 */
int
agg_looks_like(const char *a)
{
	const char *s = skip_ws(a), *id = s, *e;
	double q;

	while (is_ident((unsigned char)*s))
		s++;
	if (s == id || isdigit((unsigned char)*id))
		return 0;
	e = skip_ws(s);
	if (*e == '(')
		return 1;
	return fn_lookup(id, (size_t)(s - id), &q) != NULL &&
	    (*s == '\0' || isspace((unsigned char)*s));
}

static int
check_names(const struct aggset *as, struct fault *f)
{
	int i, k;

	for (i = 0; i < as->n; i++)
		for (k = 0; k < i; k++)
			if (strcmp(as->specs[i].name, as->specs[k].name) == 0)
				return fault_set(f, EX_USAGE, "two aggregates "
				    "named \"%.80s\" (rename one with 'as "
				    "NAME')", as->specs[i].name);
	return 0;
}

int
aggset_parse(struct aggset *as, char **args, int nargs, int *used,
    int exact, struct fields *fl, struct fault *f)
{
	struct agg_spec *sp;
	int i = 0, named;

	memset(as, 0, sizeof(*as));
	while (i < nargs && agg_looks_like(args[i])) {
		if (as->n == AGG_MAX) {
			fault_set(f, EX_USAGE, "more than %d aggregates",
			    AGG_MAX);
			goto fail;
		}
		sp = &as->specs[as->n++];
		if ((named = parse_spec(sp, args[i], exact, fl, f)) == -1)
			goto fail;
		if (++i < nargs && strcmp(args[i], "as") == 0) {
			if (named || i + 1 == nargs || args[i + 1][0] == '\0') {
				bad(f, args[i - 1], named ? "named twice" :
				    "missing NAME after \"as\"");
				goto fail;
			}
			free(sp->name);
			sp->name = make_name(args[i + 1], strlen(args[i + 1]),
			    NULL);
			i += 2;
		}
		sp->offset = as->state_size;
		as->state_size += sp->fn->size;
	}
	if (as->n == 0) {
		fault_set(f, EX_USAGE, "expected an aggregate (" FN_LIST ")");
		goto fail;
	}
	if (check_names(as, f) == -1)
		goto fail;
	*used = i;
	return 0;
fail:
	aggset_release_specs(as);
	return -1;
}

int
aggset_uses_time(const struct aggset *as)
{
	int i;

	for (i = 0; i < as->n; i++)
		if (as->specs[i].fn == &fn_first || as->specs[i].fn == &fn_last)
			return 1;
	return 0;
}

void
aggset_release_specs(struct aggset *as)
{
	int i;

	for (i = 0; i < as->n; i++) {
		path_release(&as->specs[i].path);
		free(as->specs[i].name);
	}
	memset(as, 0, sizeof(*as));
}

/* --- the block --- */

void
aggset_init(const struct aggset *as, void *block)
{
	memset(block, 0, as->state_size);
}

void
aggset_release(const struct aggset *as, void *block)
{
	const struct agg_spec *sp;
	int i;

	for (i = 0; i < as->n; i++) {
		sp = &as->specs[i];
		if (sp->fn->release != NULL)
			sp->fn->release(sp, (char *)block + sp->offset);
	}
}

/*
 * Numbers go to numeric aggregates only when finite; null and missing
 * are skipped quietly, anything else is counted as non-numeric.  The
 * others skip a missing path (count has none).
 */
void
aggset_add(struct aggset *as, void *block, const struct value *v,
    int64_t t_ns, uint64_t seq)
{
	aggset_add_in(as, block, v, NULL, t_ns, seq);
}

/* Is spec sp's work on a value one that aggset_prepare() can do? */
static int
keyed(const struct agg_spec *sp)
{
	return sp->fn->add == sketch_add && !sp->exact &&
	    sp->sketch->add_num != NULL && sp->sketch->num_key != NULL;
}

int
aggset_preparable(const struct aggset *as)
{
	int i;

	for (i = 0; i < as->n; i++)
		if (keyed(&as->specs[i]))
			return 1;
	return 0;
}

void
aggset_prepare(const struct aggset *as, const struct value *v,
    struct agg_in *in)
{
	const struct agg_spec *sp;
	const struct value *x;
	int i;

	for (i = 0; i < as->n; i++) {
		sp = &as->specs[i];
		in[i].ready = 0;
		if (!keyed(sp) || sp->slot < 0)
			continue;
		x = &v[sp->slot];
		if (x->type != V_NUMBER || !isfinite(x->d))
			continue;
		in[i].key = sp->sketch->num_key(x->d);
		in[i].ready = 1;
	}
}

void
aggset_add_in(struct aggset *as, void *block, const struct value *v,
    const struct agg_in *in, int64_t t_ns, uint64_t seq)
{
	static const struct value missing;
	const struct agg_spec *sp;
	const struct value *x;
	int i;

	for (i = 0; i < as->n; i++) {
		sp = &as->specs[i];
		x = sp->slot >= 0 ? &v[sp->slot] : &missing;
		if (sp->fn->numeric) {
			if (x->type != V_NUMBER || !isfinite(x->d)) {
				if (x->type != V_MISSING && x->type != V_NULL)
					as->nonnumeric++;
				continue;
			}
		} else if (x->type == V_MISSING && sp->fn->args != A_NONE) {
			continue;
		}
		if (sp->fn->add == sketch_add) {
			if (in != NULL && in[i].ready) {
				sp->sketch->add_keyed((void **)((char *)block +
				    sp->offset), x->d, in[i].key);
				continue;
			}
			if (sketch_add_value(sp, (char *)block + sp->offset,
			    x) == -1 && as->refused == 0)
				as->refused = i + 1;
			continue;
		}
		sp->fn->add(sp, (char *)block + sp->offset, x, t_ns, seq);
	}
}

int
aggset_check(const struct aggset *as, struct fault *f)
{
	const struct agg_spec *sp;

	if (as->refused == 0)
		return 0;
	sp = &as->specs[as->refused - 1];
	return fault_set(f, EX_DATAERR, "%s: more than %d distinct values in "
	    "one group (approx_top counts the most frequent ones in bounded "
	    "memory)", sp->name, FREQ_VALUES_MAX);
}

void
aggset_merge(const struct aggset *as, void *dst, const void *src)
{
	const struct agg_spec *sp;
	int i;

	for (i = 0; i < as->n; i++) {
		sp = &as->specs[i];
		sp->fn->merge(sp, (char *)dst + sp->offset,
		    (const char *)src + sp->offset);
	}
}

/* A comma before each pair, always: the caller has written "{...". */
void
aggset_result(const struct aggset *as, const void *block, struct buf *b)
{
	const struct agg_spec *sp;
	int i;

	for (i = 0; i < as->n; i++) {
		sp = &as->specs[i];
		buf_addc(b, ',');
		buf_json_cstr(b, sp->name);
		buf_addc(b, ':');
		sp->fn->result(sp, (const char *)block + sp->offset, b);
	}
}

void
aggset_encode(const struct aggset *as, const void *block, struct buf *b)
{
	const struct agg_spec *sp;
	int i;

	buf_addc(b, '[');
	for (i = 0; i < as->n; i++) {
		sp = &as->specs[i];
		if (i > 0)
			buf_addc(b, ',');
		sp->fn->encode(sp, (const char *)block + sp->offset, b);
	}
	buf_addc(b, ']');
}

static int
decode_all(const struct aggset *as, void *block, struct jcur *j, int *at)
{
	const struct agg_spec *sp;
	char msg[64];
	int i, r;

	if (jc_begin_array(j) == -1)
		return -1;
	for (i = 0; i < as->n; i++) {
		sp = &as->specs[i];
		if ((r = jc_more(j)) != 1) {
			snprintf(msg, sizeof(msg), "expected %d aggregate "
			    "states, got %d", as->n, i);
			return r == -1 ? -1 : jc_fail(j, msg);
		}
		*at = i;
		if (sp->fn->decode(sp, (char *)block + sp->offset, j) == -1)
			return -1;
	}
	*at = -1;
	if ((r = jc_more(j)) == 1) {
		snprintf(msg, sizeof(msg), "expected %d aggregate states, "
		    "got more", as->n);
		return jc_fail(j, msg);
	}
	return r;
}

/*
 * Errors come through the cursor, pointed at f for the call, and name
 * the aggregate whose state was bad.  A failed decode leaves the block
 * empty, as aggset_init() made it.
 */
int
aggset_decode(const struct aggset *as, void *block, struct jcur *j,
    struct fault *f)
{
	struct fault *saved = j->f;
	char what[128];
	int at = -1, rc;

	if (j->failed)
		return fault_set(f, EX_DATAERR, "unreadable aggregate states");
	if (f != NULL)
		j->f = f;
	rc = decode_all(as, block, j, &at);
	j->f = saved;
	if (rc == 0)
		return 0;
	if (at >= 0 && f != NULL) {
		snprintf(what, sizeof(what), "state of \"%.80s\"",
		    as->specs[at].name);
		fault_prefix(f, what);
	}
	aggset_release(as, block);
	aggset_init(as, block);
	return -1;
}

size_t
aggset_bytes(const struct aggset *as, const void *block)
{
	const struct agg_spec *sp;
	size_t n = 0;
	int i;

	for (i = 0; i < as->n; i++) {
		sp = &as->specs[i];
		if (sp->fn->bytes != NULL)
			n += sp->fn->bytes(sp, (const char *)block +
			    sp->offset);
	}
	return n;
}

static void
path_canon(struct buf *b, const struct path *p)
{
	const struct path_step *st;
	size_t k;
	int i, plain;

	if (p->nsteps == 0)
		buf_addc(b, '.');
	for (i = 0; i < p->nsteps; i++) {
		st = &p->steps[i];
		if (st->key == NULL) {
			buf_printf(b, "[%lld]", (long long)st->index);
			continue;
		}
		plain = st->keylen > 0 && !isdigit((unsigned char)st->key[0]);
		for (k = 0; k < st->keylen; k++)
			plain &= is_ident((unsigned char)st->key[k]) ||
			    st->key[k] == '@';
		if (plain) {
			buf_addc(b, '.');
			buf_add(b, st->key, st->keylen);
		} else {
			buf_adds(b, ".[");
			buf_json_str(b, st->key, st->keylen);
			buf_addc(b, ']');
		}
	}
}

/* fn(path[,q|,k]) [exact] as "name", space separated, in order. */
void
aggset_describe(const struct aggset *as, struct buf *b)
{
	const struct agg_spec *sp;
	char q[32];
	int i;

	for (i = 0; i < as->n; i++) {
		sp = &as->specs[i];
		if (i > 0)
			buf_addc(b, ' ');
		buf_adds(b, sp->fn->name);
		if (sp->fn->args != A_NONE) {
			buf_addc(b, '(');
			path_canon(b, &sp->path);
			if (sp->fn->args == A_Q) {
				buf_addc(b, ',');
				buf_add(b, q, buf_fmt_double(sp->q, q));
			}
			else if (sp->fn->args == A_K)
				buf_printf(b, ",%d", sp->k);
			buf_addc(b, ')');
		}
		if (sp->exact)
			buf_adds(b, " exact");
		buf_adds(b, " as ");
		buf_json_cstr(b, sp->name);
	}
}
