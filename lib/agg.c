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
 *   too; of equal values the integer wins, and -0.0 is below 0.0).
 *   Other numbers are summed exactly too; a sum with any of them is the
 *   double nearest the exact total, rounded once.
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
#include <assert.h>
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
#include "sat.h"
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
	/* ORD_*: what does not depend on the order of adds and merges. */
	unsigned	 order;
};

#define ORD_RESULT	1	/* the result */
#define ORD_STATE	2	/* the encoded state */
#define ORD_ALL		(ORD_RESULT | ORD_STATE)

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
 * A sum is exact, and so the same whatever the order of its values and
 * merges.  It keeps its integers and its other numbers apart:
 * - the integers (JSON integers within int64) in an int128, modulo
 *   2^128: when it wraps, the 2^128 it lost goes to the terms below;
 * - the other numbers, where they can, in a fixed-point int128 in units
 *   of 2^-SUM_FIX (x is m 2^e: m shifted into place, one integer
 *   addition; it wraps as the integers do).  That takes every double
 *   from about 2e-6 to 3e16 with no bits below 2^-72: the decimals of
 *   metrics and latencies, at the cost of an integer addition.
 * - the rest (smaller or larger numbers, the wraps) as Shewchuk's
 *   non-overlapping expansion ("Adaptive precision floating-point
 *   arithmetic", 1997), the method of Python's math.fsum: doubles by
 *   increasing magnitude whose exact sum is the exact sum of every
 *   number added.  Adding x runs x through the terms with Knuth's
 *   two-sum, keeping each rounding error as a term (zeros dropped).
 *   SUM_INLINE terms sit in the block.  When they are full, Shewchuk's
 *   compression renormalises them (exactly); only when that leaves no
 *   room do the terms move to the heap (sum_heap), which release frees
 *   and aggset_bytes() counts.
 * - A term at or past 2^960 gives its multiples of 2^960 to an int128
 *   count q (on the heap, made then), so no two-sum can overflow: every
 *   total of finite numbers is held exactly, however large.
 * A superaccumulator (fixed point over the whole range of doubles)
 * would need some 2100 bits a group; the expansion alone costs twice
 * Neumaier's time on decimals, the fixed point less than it.
 * The result is an integer when every value was one and the total fits
 * an int128 (written as a JSON integer however large, as SQL's HUGEINT),
 * else the double nearest the exact total of both parts, ties to even,
 * rounded once: Python's fsum(), which is what the tests compare with.
 * A total past the doubles (2^1024) rounds to infinity, written null as
 * before.  avg is the same state with its count: that rounded total
 * divided by the count, one division (never a running mean).
 * The encoding is canonical (sum_put()): equal totals write the same
 * text, whatever the terms held.
 */
__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

#define SUM_INT		1	/* an integer was added */
#define SUM_DBL		2	/* another number was */
#define SUM_N_MAX	(UINT64_MAX >> 2)
#define SUM_INLINE	3	/* terms in the block */
#define SUM_FIX		72	/* the fixed point's unit is 2^-SUM_FIX */
#define SUM_BIG		0x1p960	/* terms from here give multiples to q */
#define SUM_Q_MAX	((i128)1 << 120)	/* q saturates: 2^1080 */

struct sum_heap {
	uint64_t	 qlo;		/* q, the multiples of 2^960 */
	uint64_t	 qhi;
	double		 t[];
};

struct st_sum {
	uint64_t	 lo;		/* the integers mod 2^128, low word */
	uint64_t	 hi;		/* and high word */
	uint64_t	 flo;		/* the fixed point mod 2^128, low */
	uint64_t	 fhi;		/* and high word */
	uint64_t	 nf;		/* values << 2 | SUM_INT | SUM_DBL */
	uint32_t	 len;		/* terms of the expansion */
	uint32_t	 cap;		/* 0: inline; else the heap's room */
	union {
		double		 in[SUM_INLINE];
		struct sum_heap	*h;
	} x;
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

static i128
sum_f(const struct st_sum *s)
{
	return (i128)((u128)s->fhi << 64 | s->flo);
}

static void
sum_set_f(struct st_sum *s, i128 v)
{
	s->flo = (uint64_t)(u128)v;
	s->fhi = (uint64_t)((u128)v >> 64);
}

static const double *
sum_terms(const struct st_sum *s)
{
	return s->cap > 0 ? s->x.h->t : s->x.in;
}

static i128
sum_q(const struct st_sum *s)
{
	return s->cap > 0 ? (i128)((u128)s->x.h->qhi << 64 | s->x.h->qlo) :
	    0;
}

/*
 * x into the expansion p[0..n) (increasing magnitude, non-overlapping),
 * exactly; p has room for n + 1.  Returns the new length.  Knuth's
 * two-sum needs no comparison; hi - x and friends are exact.
 */
static inline uint32_t
xp_grow(double *p, uint32_t n, double x)
{
	double y, hi, yy, lo;
	uint32_t i, k = 0;

	for (i = 0; i < n; i++) {
		y = p[i];
		hi = x + y;
		yy = hi - x;
		lo = (x - (hi - yy)) + (y - yy);
		p[k] = lo;
		k += lo != 0;
		x = hi;
	}
	p[k] = x;
	return k + (x != 0);
}

/*
 * Shewchuk's Compress, in place: the same value in as few terms as his
 * renormalisation gives (usually two for data of a few digits), still
 * increasing and non-overlapping.
 */
static uint32_t
xp_compress(double *p, uint32_t n)
{
	double q, big, nq;
	uint32_t i, top = 0, bottom;

	if (n < 2)
		return n;
	bottom = n - 1;
	big = p[bottom];
	for (i = n - 1; i-- > 0;) {
		nq = big + p[i];
		q = p[i] - (nq - big);
		if (q != 0) {
			p[bottom--] = nq;
			big = q;
		} else {
			big = nq;
		}
	}
	for (i = bottom + 1; i < n; i++) {
		nq = p[i] + big;
		q = big - (nq - p[i]);
		if (q != 0)
			p[top++] = q;
		big = nq;
	}
	p[top] = big;
	return top + (big != 0);
}

/* The terms on the heap with room for cap (>= len). */
static double *
sum_to_heap(struct st_sum *s, uint32_t cap)
{
	struct sum_heap *h;

	if (s->cap == 0) {
		h = xmalloc(sizeof(*h) + cap * sizeof(double));
		memcpy(h->t, s->x.in, s->len * sizeof(double));
		h->qlo = h->qhi = 0;
	} else {
		h = xrealloc(s->x.h, sizeof(*h) + cap * sizeof(double));
	}
	s->x.h = h;
	s->cap = cap;
	return h->t;
}

/* Room for one more term: compress, else grow onto the heap. */
static double *
sum_room(struct st_sum *s)
{
	uint32_t cap = s->cap > 0 ? s->cap : SUM_INLINE;
	double *p = (double *)sum_terms(s);

	if (s->len < cap)
		return p;
	s->len = xp_compress(p, s->len);
	if (s->len < cap)
		return p;
	return sum_to_heap(s, cap * 2);
}

static void
sum_add_q(struct st_sum *s, i128 q)
{
	i128 v;

	if (s->cap == 0)
		sum_to_heap(s, SUM_INLINE * 2);
	if (__builtin_add_overflow(sum_q(s), q, &v) || v > SUM_Q_MAX ||
	    v < -SUM_Q_MAX)
		v = q > 0 ? SUM_Q_MAX : -SUM_Q_MAX;
	s->x.h->qlo = (uint64_t)(u128)v;
	s->x.h->qhi = (uint64_t)((u128)v >> 64);
}

/*
 * The top term's multiples of 2^960 to q: trunc(top / 2^960) is below
 * 2^64, and top less them is exact (top's bits under 2^960), still
 * above the other terms.
 */
static void
sum_carry(struct st_sum *s)
{
	double top = sum_terms(s)[s->len - 1], q = trunc(top * 0x1p-960);

	top -= q * SUM_BIG;
	sum_add_q(s, (i128)q);
	if (top == 0)
		s->len--;
	else
		s->x.h->t[s->len - 1] = top;
}

/* One finite double into the expansion, exactly. */
static inline void
sum_term(struct st_sum *s, double x)
{
	double *p = s->len < (s->cap > 0 ? s->cap : SUM_INLINE) ?
	    (double *)sum_terms(s) : sum_room(s);

	s->len = xp_grow(p, s->len, x);
	if (s->len > 0 && fabs(p[s->len - 1]) >= SUM_BIG)
		sum_carry(s);
}

/*
 * v units of 2^-SUM_FIX into the fixed point; a wrap gives the 2^128
 * units it lost, 2^(128 - SUM_FIX), to the terms.
 */
static void
sum_fix_add(struct st_sum *s, i128 v)
{
	i128 r;

	if (__builtin_add_overflow(sum_f(s), v, &r))
		sum_term(s, v > 0 ? 0x1p56 : -0x1p56);
	sum_set_f(s, r);
}

/*
 * x = m 2^(e - 1075) (a normal double): into the fixed point when it has
 * no bit below 2^-SUM_FIX and m fits shifted into place (below 2^127),
 * else into the terms.  Zeros add nothing.
 */
static inline void
sum_dbl(struct st_sum *s, double x)
{
	uint64_t u, m;
	int sh;
	i128 v;

	memcpy(&u, &x, sizeof(u));
	m = (u & (((uint64_t)1 << 52) - 1)) | (uint64_t)1 << 52;
	sh = (int)(u >> 52 & 0x7ff) - 1075 + SUM_FIX;
	if (sh < 0 && sh > -53 && (m & (((uint64_t)1 << -sh) - 1)) == 0) {
		m >>= -sh;
		sh = 0;
	}
	if (sh < 0 || sh > 127 - 53 || (u << 1 >> 53) == 0) {
		if (x != 0)
			sum_term(s, x);
		return;
	}
	v = (i128)((u128)m << sh);
	sum_fix_add(s, u >> 63 ? -v : v);
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

	if (__builtin_add_overflow(sum_i(s), v, &r))
		sum_term(s, v > 0 ? 0x1p128 : -0x1p128);
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
		sum_dbl(s, v->d);
		sum_count(s, 1, SUM_DBL);
	}
}

static void
sum_merge(const struct agg_spec *sp, void *dst, const void *src)
{
	struct st_sum *d = dst;
	const struct st_sum *s = src;
	uint32_t i;

	if (s->nf == 0)
		return;
	sum_int128(d, sum_i(s));
	sum_fix_add(d, sum_f(s));
	for (i = 0; i < s->len; i++)
		sum_term(d, sum_terms(s)[i]);
	if (sum_q(s) != 0)
		sum_add_q(d, sum_q(s));
	sum_count(d, s->nf >> 2, (unsigned)(s->nf & 3));
}

static void
sum_release(const struct agg_spec *sp, void *st)
{
	struct st_sum *s = st;

	if (s->cap > 0)
		free(s->x.h);
	memset(s, 0, sizeof(*s));
}

static size_t
sum_bytes(const struct agg_spec *sp, const void *st)
{
	const struct st_sum *s = st;

	return s->cap > 0 ? sizeof(struct sum_heap) + s->cap *
	    sizeof(double) : 0;
}

/*
 * A copy of an expansion and its q to work on (results, encoding): its
 * terms may grow past 2^960 there, for its value stays far from 2^1024.
 */
struct xp {
	double		*p;
	uint32_t	 n;
	uint32_t	 cap;
	i128		 q;
	double		 small[32];
};

static void
xp_free(struct xp *w)
{
	if (w->p != w->small)
		free(w->p);
}

static void
xp_add(struct xp *w, double x)
{
	if (w->n == w->cap) {
		w->cap *= 2;
		if (w->p == w->small) {
			w->p = xmalloc(w->cap * sizeof(double));
			memcpy(w->p, w->small, sizeof(w->small));
		} else {
			w->p = xrealloc(w->p, w->cap * sizeof(double));
		}
	}
	w->n = xp_grow(w->p, w->n, x);
}

/* The sign of the expansion's value: its largest term's. */
static int
xp_sign(const struct xp *w)
{
	return w->n == 0 ? 0 : w->p[w->n - 1] > 0 ? 1 : -1;
}

/* v 2^e exactly, in pieces of 52 bits. */
static void
xp_add_i128(struct xp *w, i128 v, int e)
{
	u128 u = v < 0 ? -(u128)v : (u128)v;
	const u128 m = ((u128)1 << 52) - 1;
	double sg = v < 0 ? -1 : 1;

	if (v == 0)
		return;
	xp_add(w, sg * ldexp((double)(uint64_t)(u & m), e));
	xp_add(w, sg * ldexp((double)(uint64_t)(u >> 52 & m), e + 52));
	xp_add(w, sg * ldexp((double)(uint64_t)(u >> 104), e + 104));
}

static void
xp_init(struct xp *w, const struct st_sum *s)
{
	w->p = w->small;
	w->cap = sizeof(w->small) / sizeof(w->small[0]);
	if (s->len + 8 > w->cap) {
		w->cap = s->len + 8;
		w->p = xmalloc(w->cap * sizeof(double));
	}
	memcpy(w->p, sum_terms(s), s->len * sizeof(double));
	w->n = s->len;
	w->q = sum_q(s);
	xp_add_i128(w, sum_f(s), -SUM_FIX);
}

/*
 * The one form of a value q 2^960 + terms: the terms of q's sign (or
 * none) and below 2^960, q = trunc(value / 2^960).  Two values are equal
 * exactly when their q and their terms' value are.
 */
static void
xp_normalize(struct xp *w)
{
	int sg;

	assert(w->n == 0 || isfinite(w->p[w->n - 1]));
	/* The usual case: no q, the value plainly below 2^960. */
	if (w->q == 0 && (w->n == 0 || fabs(w->p[w->n - 1]) < 0x1p959))
		return;
	for (;;) {
		sg = xp_sign(w);
		if (w->q > 0 && sg < 0) {
			xp_add(w, SUM_BIG);
			w->q--;
		} else if (w->q < 0 && sg > 0) {
			xp_add(w, -SUM_BIG);
			w->q++;
		} else {
			break;
		}
	}
	sg = w->q > 0 ? 1 : w->q < 0 ? -1 : xp_sign(w);
	while (sg != 0) {
		xp_add(w, -sg * SUM_BIG);
		if (xp_sign(w) == -sg) {
			xp_add(w, sg * SUM_BIG);	/* it was below */
			break;
		}
		w->q += sg;
	}
}

/*
 * The terms' value rounded once, ties to even: fsum's last step (from
 * the top, until a rounding error shows; then half-way cases are
 * settled by the sign of the next term).
 */
static double
xp_round(const struct xp *w)
{
	double hi = 0, lo = 0, x, y, yr;
	uint32_t n = w->n;

	if (n == 0)
		return 0;
	hi = w->p[--n];
	while (n > 0) {
		x = hi;
		y = w->p[--n];
		hi = x + y;
		yr = hi - x;
		lo = y - yr;
		if (lo != 0)
			break;
	}
	if (n > 0 && ((lo < 0 && w->p[n - 1] < 0) ||
	    (lo > 0 && w->p[n - 1] > 0))) {
		y = lo * 2;
		x = hi + y;
		yr = x - hi;
		if (y == yr)
			hi = x;
	}
	return hi;
}

/*
 * A normalised q 2^960 + terms, rounded once.  While q < 2^53, q 2^960
 * is one more term.  Past it the result's last place is above 2^960 and
 * the terms (of q's sign, below 2^960) only say "a little more": q is
 * rounded to 53 bits as an integer, which gives infinity past the
 * doubles as the hardware would.
 */
static double
xp_value(struct xp *w)
{
	u128 u = w->q < 0 ? -(u128)w->q : (u128)w->q, half, rem;
	uint64_t m;
	int bits, shift;

	if (u < (u128)1 << 53) {
		if (u != 0)
			xp_add(w, ldexp((double)w->q, 960));
		return xp_round(w);
	}
	bits = 128 - (u >> 64 != 0 ? __builtin_clzll((uint64_t)(u >> 64)) :
	    64 + __builtin_clzll((uint64_t)u));
	shift = bits - 53;
	m = (uint64_t)(u >> shift);
	rem = u & (((u128)1 << shift) - 1);
	half = (u128)1 << (shift - 1);
	if (rem > half || (rem == half && (w->n > 0 || (m & 1))))
		m++;
	return (w->q < 0 ? -1 : 1) * ldexp((double)m, 960 + shift);
}

/* The exact total, integers included, rounded once. */
static double
sum_double(const struct st_sum *s)
{
	struct xp w;
	double r;

	xp_init(&w, s);
	xp_add_i128(&w, sum_i(s), 0);
	xp_normalize(&w);
	r = xp_value(&w);
	xp_free(&w);
	return r;
}

/* Do the terms (and q) hold anything? Exactly when their value is not 0. */
static int
sum_has_terms(const struct st_sum *s)
{
	return s->len > 0 || sum_q(s) != 0 || sum_f(s) != 0;
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

/*
 * A sum of integers only, whose total passed the int128 (the terms hold
 * its multiples of 2^128), is the double nearest the total.
 */
static void
sum_result(const struct agg_spec *sp, const void *st, struct buf *b)
{
	const struct st_sum *s = st;

	if (s->nf == 0)
		buf_adds(b, "null");
	else if (!(s->nf & SUM_DBL) && !sum_has_terms(s))
		put_i128(b, sum_i(s));
	else
		buf_json_dbl(b, sum_double(s));
}

/*
 * sum / count.  An integer total and count below 2^53 are doubles
 * exactly, so one division rounds once; a larger integer total is split
 * into quotient and remainder first, so its low digits still count.
 * Otherwise the total rounded once, divided once.
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
	else if ((s->nf & SUM_DBL) || sum_has_terms(s))
		buf_json_dbl(b, sum_double(s) / (double)n);
	else if (v > -lim && v < lim && n < ((uint64_t)1 << 53))
		buf_json_dbl(b, (double)v / (double)n);
	else
		buf_json_dbl(b, (double)(v / (i128)n) +
		    (double)(v % (i128)n) / (double)n);
}

/* An int128: a JSON integer within int64, else its digits as a string. */
static void
put_sum_int(struct buf *b, i128 v)
{
	if (v >= INT64_MIN && v <= INT64_MAX) {
		buf_json_i64(b, (int64_t)v);
	} else {
		buf_addc(b, '"');
		put_i128(b, v);
		buf_addc(b, '"');
	}
}

/*
 * The terms' value as its greedy expansion, largest first: each term the
 * double nearest what the ones before it left (so one value, one text).
 */
static void
put_terms(struct buf *b, struct xp *w)
{
	double t;
	int first = 1;

	buf_addc(b, '[');
	while (w->n > 0) {
		t = xp_round(w);
		assert(isfinite(t));	/* terms stay below 2^961 */
		if (!first)
			buf_addc(b, ',');
		first = 0;
		buf_json_dbl(b, t);
		xp_add(w, -t);
	}
	buf_addc(b, ']');
}

/*
 * Integers only, past the int128: "w":W, the total less I in units of
 * 2^128, when W is a double's integer; 0 when that does not hold (W past
 * 2^53 takes 2^53 states merged at the int128's end: then the "f" form).
 */
static int
sum_wraps(struct xp *w, int64_t *wr)
{
	double t, u;
	int one;

	if (w->q != 0 || w->n == 0)
		return 0;
	t = xp_round(w);
	xp_add(w, -t);
	one = w->n == 0;
	xp_add(w, t);
	u = t * 0x1p-128;
	if (!one || u != trunc(u) || fabs(u) > 0x1p53)
		return 0;
	*wr = (int64_t)u;
	return 1;
}

/*
 * null when empty; else an object: "n":N (avg only), "i":I when an
 * integer was added (the integers' sum modulo 2^128, as put_sum_int()),
 * then "w":W when only integers were and their total passed the int128
 * (it is I + W 2^128), or "f":[T,...] when other numbers were: the exact
 * total of those (and of 2^128 for each wrap) as greedy terms, largest
 * first, and "q":Q when that total passed 2^960 (it is Q 2^960 + the
 * terms, the terms below 2^960 and of Q's sign).  Equal states, one
 * text.
 */
static void
sum_put(const struct st_sum *s, int with_n, struct buf *b)
{
	struct xp w;
	int64_t wr;
	int comma = 0;

	if (s->nf == 0) {
		buf_adds(b, "null");
		return;
	}
	buf_addc(b, '{');
	if (with_n) {
		buf_adds(b, "\"n\":");
		buf_json_u64(b, s->nf >> 2);
		comma = 1;
	}
	if (s->nf & SUM_INT) {
		buf_adds(b, comma ? ",\"i\":" : "\"i\":");
		put_sum_int(b, sum_i(s));
		comma = 1;
	}
	xp_init(&w, s);
	xp_normalize(&w);
	if (!(s->nf & SUM_DBL) && w.n == 0 && w.q == 0) {
		/* nothing more */
	} else if (!(s->nf & SUM_DBL) && sum_wraps(&w, &wr)) {
		buf_adds(b, ",\"w\":");
		buf_json_i64(b, wr);
	} else {
		buf_adds(b, comma ? ",\"f\":" : "\"f\":");
		if (w.q != 0) {
			put_terms(b, &w);
			buf_adds(b, ",\"q\":");
			put_sum_int(b, w.q);
		} else {
			put_terms(b, &w);
		}
	}
	xp_free(&w);
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

/* A JSON integer in int64 or an int128's digits as a string. */
static int
read_sum_int(struct jcur *j, i128 *v)
{
	int64_t i;

	if (jc_peek(j) == '"')
		return read_i128(j, v);
	if (jc_int(j, &i) == -1)
		return -1;
	*v = i;
	return 0;
}

/* "w":W, the int128's wraps. */
static int
read_sum_wraps(struct jcur *j, struct st_sum *s)
{
	int64_t w;

	if (!(s->nf & SUM_INT))
		return jc_fail(j, "\"w\" without \"i\" in sum");
	if (jc_int(j, &w) == -1)
		return -1;
	if (w == 0 || w > ((int64_t)1 << 53) || w < -((int64_t)1 << 53))
		return jc_fail(j, "sum wraps out of range");
	sum_term(s, ldexp((double)w, 128));
	return jc_closing(j, "unexpected key in sum");
}

/* "f":[T,...] and maybe "q":Q. */
static int
read_sum_terms(struct jcur *j, struct st_sum *s)
{
	const char *k;
	size_t n;
	double t;
	i128 q;
	int r;

	s->nf |= SUM_DBL;
	if (jc_begin_array(j) == -1)
		return -1;
	while ((r = jc_more(j)) == 1) {
		if (jc_double(j, &t) == -1)
			return -1;
		if (!isfinite(t))
			return jc_fail(j, "sum term out of range");
		sum_term(s, t);
	}
	if (r == -1 || (r = jc_more(j)) != 1)
		return r == -1 ? -1 : 0;
	if (jc_key(j, &k, &n) == -1)
		return -1;
	if (!(n == 1 && *k == 'q'))
		return jc_fail(j, "unexpected key in sum");
	if (read_sum_int(j, &q) == -1)
		return -1;
	if (q == 0 || q > SUM_Q_MAX || q < -SUM_Q_MAX)
		return jc_fail(j, "sum out of range");
	sum_add_q(s, q);
	return jc_closing(j, "unexpected key in sum");
}

/*
 * Version 2's "d":D,"c":C, Neumaier's sum and compensation: D + C is
 * their total and [C, D] holds it exactly.  A sum that had overflowed
 * (D infinite) reads as 2^1024 of its sign, which prints null as it
 * did; NaN cannot be read.
 */
static int
read_sum_v2(struct jcur *j, struct st_sum *s)
{
	double d, c;

	s->nf |= SUM_DBL;
	if (jc_double(j, &d) == -1 ||
	    jc_element(j, "missing key \"c\"") == -1 ||
	    jc_expect_key(j, "c") == -1 || jc_double(j, &c) == -1)
		return -1;
	if (isnan(d) || isnan(c) || (isinf(d) && isinf(c) && d != c))
		return jc_fail(j, "sum is not a number");
	if (isinf(d) || isinf(c))
		sum_add_q(s, (isinf(d) ? d : c) > 0 ? (i128)1 << 64 :
		    -((i128)1 << 64));
	else {
		sum_term(s, c);
		sum_term(s, d);
	}
	return jc_closing(j, "unexpected key in sum");
}

/* The keys after "n": "i", then "w", "f" (and "q") or "d" and "c". */
static int
read_sum_parts(struct jcur *j, struct st_sum *s, const char *k, size_t n)
{
	i128 v;

	if (n == 1 && *k == 'i') {
		if (read_sum_int(j, &v) == -1)
			return -1;
		sum_set_i(s, v);
		s->nf |= SUM_INT;
		if (jc_more(j) != 1)
			return j->failed ? -1 : 0;
		if (jc_key(j, &k, &n) == -1)
			return -1;
	}
	if (n == 1 && *k == 'w')
		return read_sum_wraps(j, s);
	if (n == 1 && *k == 'f')
		return read_sum_terms(j, s);
	if (n == 1 && *k == 'd')
		return read_sum_v2(j, s);
	return jc_fail(j, s->nf & SUM_INT ? "unexpected key in sum" :
	    "expected key \"i\", \"f\" or \"d\"");
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
	    jc_element(j, "missing key \"i\", \"f\" or \"d\"") == -1))
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

/*
 * Between equal values of other spellings, one is chosen whatever the
 * order they came in: an integer before a double (5 before 5.0, 0
 * before -0.0), and of the zeros min takes -0.0, max 0.0.
 */
static int
ext_tie(const struct st_ext *e, int mode, double d, int want)
{
	if (mode != e->mode)
		return mode == NUM_INT;
	if (mode == NUM_INT || !signbit(d) == !signbit(e->v.d))
		return 0;
	return want < 0 ? signbit(d) != 0 : signbit(d) == 0;
}

/* Take (mode, i, d) when it beats the state; want -1 for min, 1 for max. */
static void
ext_offer(struct st_ext *e, int mode, int64_t i, double d, int want)
{
	int c;

	if (e->mode != NUM_NONE && (c = ext_cmp(mode, i, d, e->mode, e->v.i,
	    e->v.d)) != want && (c != 0 || !ext_tie(e, mode, d, want)))
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

/*
 * A total order, so the k-th smallest is one value whatever order they
 * came in: equal values of other spellings go integer (past 2^53) before
 * double, -0.0 before 0.0.
 */
static int
qval_cmp(const void *a, const void *b)
{
	const struct qval *x = a, *y = b;
	int c;

	if (x->i != 0 && y->i != 0)
		return x->i < y->i ? -1 : x->i > y->i;
	if (x->i != 0)
		return (c = cmp_int_dbl(x->i, y->d)) != 0 ? c : -1;
	if (y->i != 0)
		return (c = -cmp_int_dbl(y->i, x->d)) != 0 ? c : 1;
	if (x->d != y->d)
		return x->d < y->d ? -1 : 1;
	return (signbit(y->d) != 0) - (signbit(x->d) != 0);
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
	NULL, NULL, NULL, ORD_ALL };
static const struct agg_fn fn_sum = { "sum", A_PATH, 1,
	sizeof(struct st_sum), sum_add, sum_merge, sum_result, sum_encode,
	sum_decode, sum_release, sum_bytes, NULL, ORD_ALL };
static const struct agg_fn fn_avg = { "avg", A_PATH, 1,
	sizeof(struct st_sum), sum_add, sum_merge, avg_result, avg_encode,
	avg_decode, sum_release, sum_bytes, NULL, ORD_ALL };
static const struct agg_fn fn_min = { "min", A_PATH, 1,
	sizeof(struct st_ext), min_add, min_merge, ext_result, ext_result,
	ext_decode, NULL, NULL, NULL, ORD_ALL };
static const struct agg_fn fn_max = { "max", A_PATH, 1,
	sizeof(struct st_ext), max_add, max_merge, ext_result, ext_result,
	ext_decode, NULL, NULL, NULL, ORD_ALL };
static const struct agg_fn fn_first = { "first", A_PATH, 0,
	sizeof(struct st_pick), first_add, first_merge, pick_result,
	pick_encode, pick_decode, pick_release, pick_bytes, NULL, ORD_ALL };
static const struct agg_fn fn_last = { "last", A_PATH, 0,
	sizeof(struct st_pick), last_add, last_merge, pick_result,
	pick_encode, pick_decode, pick_release, pick_bytes, NULL, ORD_ALL };
static const struct agg_fn fn_var = { "var", A_PATH, 1,
	sizeof(struct st_var), var_add, var_merge, var_result, var_encode,
	var_decode, NULL, NULL, NULL, 0 };
static const struct agg_fn fn_stddev = { "stddev", A_PATH, 1,
	sizeof(struct st_var), var_add, var_merge, stddev_result, var_encode,
	var_decode, NULL, NULL, NULL, 0 };
#define SKETCH	sketch_add, sketch_merge, sketch_result, sketch_encode, \
		sketch_decode, sketch_release, sketch_bytes

static const struct agg_fn fn_quantile = { "quantile", A_Q, 1, PTR, SKETCH,
	&dds_ops, ORD_ALL };
static const struct agg_fn fn_distinct = { "distinct", A_PATH, 0, PTR, SKETCH,
	&dset_ops, ORD_RESULT };
static const struct agg_fn fn_approx = { "approx_distinct", A_PATH, 0, PTR,
	SKETCH, &hll_ops, ORD_ALL };
static const struct agg_fn fn_top = { "top", A_K, 0, PTR, SKETCH, &freq_ops,
	0 };
static const struct agg_fn fn_approx_top = { "approx_top", A_K, 0, PTR,
	SKETCH, &ss_ops, 0 };
static const struct agg_fn fn_collect = { "collect", A_PATH, 0, PTR,
	collect_add, collect_merge, collect_result, collect_result,
	collect_decode, ptr_release, collect_bytes, NULL, 0 };

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

/*
 * ORD_RESULT, by aggregate, and why:
 * - yes: count; sum and avg (exact); min and max (ties between
 *   spellings broken one way, ext_tie()); first and last (event time,
 *   then arrival); quantiles (DDSketch bins are a function of the
 *   values, -0.0 below 0.0; --exact sorts by a total order); distinct;
 *   approx_distinct (HyperLogLog: the set of hashes).
 * - no: var and stddev (Welford and Chan in doubles round differently
 *   in another order); top (its result is, but which value it refuses
 *   past FREQ_VALUES_MAX, and so whether it fails, is not); approx_top
 *   (Space-Saving evicts by arrival); collect (arrival order).
 * ORD_STATE as well, but for distinct (first-seen order) and --exact
 * quantiles (the values in arrival order).
 */
static int
order_free(const struct aggset *as, unsigned want)
{
	const struct agg_spec *sp;
	int i;

	for (i = 0; i < as->n; i++) {
		sp = &as->specs[i];
		if ((sp->fn->order & want) != want ||
		    (sp->exact && (want & ORD_STATE)))
			return 0;
	}
	return 1;
}

int
aggset_order_free(const struct aggset *as)
{
	return order_free(as, ORD_RESULT);
}

int
aggset_states_order_free(const struct aggset *as)
{
	return order_free(as, ORD_ALL);
}

/* The lower spec of two that refused: one answer whatever the merges. */
void
aggset_counts_merge(struct aggset *dst, const struct aggset *src)
{
	dst->nonnumeric = sat_add_u64(dst->nonnumeric, src->nonnumeric);
	if (src->refused != 0 && (dst->refused == 0 ||
	    src->refused < dst->refused))
		dst->refused = src->refused;
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
