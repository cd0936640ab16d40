/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dds.c - DDSketch.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dds.h"
#include "jcur.h"
#include "sat.h"
#include "xmalloc.h"

/*
 * Masson, Rim and Lee, "DDSketch" (VLDB 2019).  A value x > 0 falls in
 * bucket i = ceil(log_gamma(x)), gamma = (1 + a) / (1 - a), which holds
 * (gamma^(i-1), gamma^i]; the bucket's representative 2 gamma^i /
 * (gamma + 1) is within a of every value in it.  Negative values use a
 * mirrored index, zero its own bin.  A bin is one uint64: key << 44 |
 * count, where the key orders negative bins, the zero bin and positive
 * bins by value, so one sorted array serves add (binary search) and
 * rank (one walk).  Counts saturate at 2^44 - 1 per bin.  Over
 * DDS_BINS_MAX bins the lowest ones collapse into their neighbour,
 * which keeps the upper quantiles (the ones people watch) accurate.
 * The bins kept are the DDS_BINS_MAX highest keys ever seen and the
 * lowest of them holds the counts of every key below: like the rest of
 * the sketch, a function of the values alone, whatever their order and
 * however the sketches merged (saturating counts are so too).
 */
#define DDS_SHIFT	44
#define DDS_CNT_MAX	(((uint64_t)1 << DDS_SHIFT) - 1)
#define DDS_IOFF	131072		/* indexes in (-IOFF, IOFF): all doubles */
#define DDS_KZERO	((uint64_t)2 * DDS_IOFF)
#define DDS_KEY(b)	((b) >> DDS_SHIFT)
#define DDS_CNT(b)	((b) & DDS_CNT_MAX)

struct dds {
	uint64_t	 n;
	double		 min;
	double		 max;
	uint32_t	 nbins;
	uint32_t	 cap;
	uint64_t	 bins[];
};

static const double dds_gamma = DDS_GAMMA;
static const double dds_inv_ln = DDS_INV_LN;

static uint64_t
dds_key_of(int64_t i, int neg)
{
	if (i <= -DDS_IOFF)
		i = -DDS_IOFF + 1;
	if (i >= DDS_IOFF)
		i = DDS_IOFF - 1;
	if (neg)
		return DDS_KZERO - 1 - (uint64_t)(i + DDS_IOFF);
	return DDS_KZERO + 1 + (uint64_t)(i + DDS_IOFF);
}

static uint64_t
dds_key(double x)
{
	if (x == 0)
		return DDS_KZERO;
	return dds_key_of((int64_t)ceil(log(fabs(x)) * dds_inv_ln), x < 0);
}

/* The index of a non-zero key, and its sign. */
static int64_t
dds_index(uint64_t key, int *neg)
{
	*neg = key < DDS_KZERO;
	if (*neg)
		return (int64_t)(DDS_KZERO - 1 - key) - DDS_IOFF;
	return (int64_t)(key - DDS_KZERO - 1) - DDS_IOFF;
}

static double
dds_value(uint64_t key)
{
	double v;
	int neg;

	if (key == DDS_KZERO)
		return 0;
	v = 2 * pow(dds_gamma, (double)dds_index(key, &neg)) /
	    (dds_gamma + 1);
	return neg ? -v : v;
}

/*
 * min and max, -0.0 below 0.0: so which zero is kept does not depend on
 * the order of the values.
 */
static double
dds_lower(double a, double b)
{
	return a < b || (a == b && signbit(a)) ? a : b;
}

static double
dds_higher(double a, double b)
{
	return a > b || (a == b && !signbit(a)) ? a : b;
}

static struct dds *
dds_alloc(uint32_t cap)
{
	struct dds *d;

	d = xmalloc(sizeof(*d) + (size_t)cap * sizeof(uint64_t));
	d->n = 0;
	d->min = INFINITY;
	d->max = -INFINITY;
	d->nbins = 0;
	d->cap = cap;
	return d;
}

/* Fold the lowest bins into the first one kept. */
static void
dds_collapse(struct dds *d)
{
	uint32_t c, i;
	uint64_t sum;

	if (d->nbins <= DDS_BINS_MAX)
		return;
	c = d->nbins - DDS_BINS_MAX;
	sum = DDS_CNT(d->bins[c]);
	for (i = 0; i < c; i++)
		sum += DDS_CNT(d->bins[i]);
	if (sum > DDS_CNT_MAX)
		sum = DDS_CNT_MAX;
	d->bins[c] = DDS_KEY(d->bins[c]) << DDS_SHIFT | sum;
	memmove(d->bins, d->bins + c, DDS_BINS_MAX * sizeof(uint64_t));
	d->nbins = DDS_BINS_MAX;
}

/*
 * The first bin whose key is not below key.  Branch-free (the compiler
 * makes the halving a conditional move): on random data a branchy
 * search mispredicts about every other step, which cost more than the
 * log().  Comparing whole bins works since the count sits below the key.
 */
static uint32_t
dds_search(const struct dds *d, uint64_t key)
{
	const uint64_t *base = d->bins, k = key << DDS_SHIFT;
	uint32_t n = d->nbins, half;

	if (n == 0)
		return 0;
	while (n > 1) {
		half = n / 2;
		base = base[half] < k ? base + half : base;
		n -= half;
	}
	return (uint32_t)(base - d->bins) + (*base < k);
}

void
dds_add(struct dds **pp, double x)
{
	dds_add_keyed(pp, x, dds_key(x));
}

uint64_t
dds_bin(double x)
{
	return dds_key(x);
}

void
dds_add_keyed(struct dds **pp, double x, uint64_t key)
{
	struct dds *d = *pp;
	uint32_t lo;

	if (d == NULL)
		d = *pp = dds_alloc(4);
	d->n = sat_add_u64(d->n, 1);
	d->min = dds_lower(x, d->min);
	d->max = dds_higher(x, d->max);
	lo = dds_search(d, key);
	if (lo < d->nbins && DDS_KEY(d->bins[lo]) == key) {
		if (DDS_CNT(d->bins[lo]) < DDS_CNT_MAX)
			d->bins[lo]++;
		return;
	}
	if (d->nbins == d->cap) {
		d->cap = d->cap * 2 > DDS_BINS_MAX + 1 ? DDS_BINS_MAX + 1 :
		    d->cap * 2;
		d = *pp = xrealloc(d, sizeof(*d) + d->cap * sizeof(uint64_t));
	}
	memmove(d->bins + lo + 1, d->bins + lo,
	    (d->nbins - lo) * sizeof(uint64_t));
	d->bins[lo] = key << DDS_SHIFT | 1;
	d->nbins++;
	dds_collapse(d);
}

uint64_t
dds_count(const struct dds *d)
{
	return d == NULL ? 0 : d->n;
}

/*
 * The k-th smallest lies in the bin where the running count reaches k.
 * The first and last are known exactly, and no estimate may leave
 * [min, max].
 */
/* The bin holding the k-th smallest, or -1 when it is min or max. */
static int64_t
dds_bin_of(const struct dds *d, uint64_t k)
{
	uint64_t cum = 0;
	uint32_t i;

	if (k <= 1 || k >= d->n)
		return -1;
	for (i = 0; i < d->nbins; i++) {
		cum += DDS_CNT(d->bins[i]);
		if (cum >= k)
			return i;
	}
	return -1;
}

static double
clamp(const struct dds *d, double v)
{
	return v < d->min ? d->min : v > d->max ? d->max : v;
}

double
dds_rank(const struct dds *d, uint64_t k)
{
	int64_t i;

	if (d == NULL || d->n == 0)
		return NAN;
	if ((i = dds_bin_of(d, k)) < 0)
		return k <= 1 ? d->min : d->max;
	return clamp(d, dds_value(DDS_KEY(d->bins[i])));
}

/*
 * The k-th smallest x lies in its bin, (gamma^(i-1), gamma^i] (widened
 * by a hair for log()'s rounding, mirrored for negative bins), and in
 * [min, max].  The first and last are exact, and printed in full.  A
 * printed p is within
 * DDS_ERROR of every such x when, for x > 0, xhi (1 - e) <= p <= xlo
 * (1 + e), and mirrored below zero.  A bin at the index range's end
 * holds values beyond it, whose bounds are not known: the estimate
 * alone, then.
 */
double
dds_rank_span(const struct dds *d, uint64_t k, double *lo, double *hi)
{
	double v = dds_rank(d, k), xl = v, xh = v, g;
	int64_t i, idx;
	int neg;

	*lo = *hi = v;
	if (d == NULL || d->n == 0 || (i = dds_bin_of(d, k)) < 0)
		return v;	/* none, or min or max: exact */
	if (DDS_KEY(d->bins[i]) == DDS_KZERO)
		return v;
	idx = dds_index(DDS_KEY(d->bins[i]), &neg);
	if (idx <= -DDS_IOFF + 1 || idx >= DDS_IOFF - 1)
		return v;
	g = pow(dds_gamma, (double)idx);
	xl = g / dds_gamma * (1 - 1e-9);
	xh = g * (1 + 1e-9);
	if (neg) {
		g = xl;
		xl = -xh;
		xh = -g;
	}
	xl = clamp(d, xl);
	xh = clamp(d, xh);
	if (xl > 0) {
		*lo = xh * (1 - DDS_ERROR);
		*hi = xl * (1 + DDS_ERROR);
	} else if (xh < 0) {
		*lo = xh * (1 + DDS_ERROR);
		*hi = xl * (1 - DDS_ERROR);
	}
	if (*lo > v || *hi < v)
		*lo = *hi = v;
	return v;
}

static struct dds *
dds_copy(const struct dds *s)
{
	struct dds *d = dds_alloc(s->nbins < 4 ? 4 : s->nbins);

	d->n = s->n;
	d->min = s->min;
	d->max = s->max;
	d->nbins = s->nbins;
	memcpy(d->bins, s->bins, s->nbins * sizeof(uint64_t));
	return d;
}

void
dds_merge(struct dds **pp, const struct dds *s)
{
	const struct dds *a = *pp;
	struct dds *d;
	uint32_t i = 0, j = 0;
	uint64_t c;

	if (s == NULL || s->n == 0)
		return;
	if (a == NULL) {
		*pp = dds_copy(s);
		return;
	}
	d = dds_alloc(a->nbins + s->nbins);
	while (i < a->nbins || j < s->nbins) {
		if (j == s->nbins || (i < a->nbins &&
		    DDS_KEY(a->bins[i]) < DDS_KEY(s->bins[j]))) {
			d->bins[d->nbins++] = a->bins[i++];
		} else if (i == a->nbins ||
		    DDS_KEY(s->bins[j]) < DDS_KEY(a->bins[i])) {
			d->bins[d->nbins++] = s->bins[j++];
		} else {
			c = DDS_CNT(a->bins[i]) + DDS_CNT(s->bins[j]);
			if (c > DDS_CNT_MAX)
				c = DDS_CNT_MAX;
			d->bins[d->nbins++] = DDS_KEY(a->bins[i]) << DDS_SHIFT |
			    c;
			i++;
			j++;
		}
	}
	dds_collapse(d);
	d->n = sat_add_u64(a->n, s->n);
	d->min = dds_lower(a->min, s->min);
	d->max = dds_higher(a->max, s->max);
	free(*pp);
	*pp = d;
}

static void
dds_put_bin(struct buf *b, uint64_t bin, int *first)
{
	int neg;

	if (!*first)
		buf_addc(b, ',');
	*first = 0;
	buf_addc(b, '[');
	buf_json_i64(b, dds_index(DDS_KEY(bin), &neg));
	buf_addc(b, ',');
	buf_json_u64(b, DDS_CNT(bin));
	buf_addc(b, ']');
}

/*
 * {"n":N,"min":X,"max":Y,"zero":Z,"pos":[[i,c],...],"neg":[[i,c],...]},
 * both lists by ascending index i (so "neg" runs from the smallest
 * magnitude up); null when empty.
 */
void
dds_encode(const struct dds *d, struct buf *b)
{
	uint32_t i, z;
	uint64_t zero = 0;
	int first;

	if (d == NULL || d->n == 0) {
		buf_adds(b, "null");
		return;
	}
	for (z = 0; z < d->nbins && DDS_KEY(d->bins[z]) < DDS_KZERO; z++)
		;
	buf_adds(b, "{\"n\":");
	buf_json_u64(b, d->n);
	buf_adds(b, ",\"min\":");
	buf_json_dbl(b, d->min);
	buf_adds(b, ",\"max\":");
	buf_json_dbl(b, d->max);
	i = z;
	if (i < d->nbins && DDS_KEY(d->bins[i]) == DDS_KZERO)
		zero = DDS_CNT(d->bins[i++]);
	buf_adds(b, ",\"zero\":");
	buf_json_u64(b, zero);
	buf_adds(b, ",\"pos\":[");
	for (first = 1; i < d->nbins; i++)
		dds_put_bin(b, d->bins[i], &first);
	buf_adds(b, "],\"neg\":[");
	for (first = 1, i = z; i > 0; i--)
		dds_put_bin(b, d->bins[i - 1], &first);
	buf_adds(b, "]}");
}

/* One list of [i,c] bins into d, keys ascending as read. */
static int
dds_read_bins(struct jcur *j, struct dds **pp, int neg, uint64_t *sum,
    int *saturated)
{
	struct dds *d;
	int64_t i, last = INT64_MIN;
	uint64_t c;

	if (jc_begin_array(j) == -1)
		return -1;
	while (jc_more(j) == 1) {
		if (jc_begin_array(j) == -1 || jc_element(j, "short bin") ||
		    jc_int(j, &i) == -1 || jc_element(j, "short bin") ||
		    jc_uint(j, &c) == -1 || jc_closing(j, "long bin") != 0)
			return -1;
		if (i <= -DDS_IOFF || i >= DDS_IOFF)
			return jc_fail(j, "DDSketch index out of range");
		if (i <= last)
			return jc_fail(j, "DDSketch indexes not increasing");
		if (c == 0 || c > DDS_CNT_MAX)
			return jc_fail(j, "DDSketch bin count out of range");
		last = i;
		d = *pp;
		if (d->nbins == DDS_BINS_MAX)
			return jc_fail(j, "too many DDSketch bins");
		if (d->nbins == d->cap) {
			d->cap = d->cap * 2 > DDS_BINS_MAX ? DDS_BINS_MAX :
			    d->cap * 2;
			d = *pp = xrealloc(d, sizeof(*d) +
			    d->cap * sizeof(uint64_t));
		}
		d->bins[d->nbins++] = dds_key_of(i, neg) << DDS_SHIFT | c;
		*saturated |= c == DDS_CNT_MAX;
		*sum += c;
	}
	return j->failed ? -1 : 0;
}

/*
 * Positive bins are read first, so the negative ones (read in
 * descending key order) are reversed and rotated in front of the zero
 * bin and the positive ones.
 */
static void
dds_order(struct dds *d, uint32_t npos, uint64_t zero)
{
	uint32_t nneg = d->nbins - npos, i;
	uint64_t *tmp, t;

	for (i = 0; i < nneg / 2; i++) {
		t = d->bins[npos + i];
		d->bins[npos + i] = d->bins[d->nbins - 1 - i];
		d->bins[d->nbins - 1 - i] = t;
	}
	tmp = xmalloc(((size_t)npos + 1) * sizeof(uint64_t));
	memcpy(tmp, d->bins, npos * sizeof(uint64_t));
	memmove(d->bins, d->bins + npos, nneg * sizeof(uint64_t));
	if (zero > 0)
		d->bins[nneg++] = DDS_KZERO << DDS_SHIFT | zero;
	memcpy(d->bins + nneg, tmp, npos * sizeof(uint64_t));
	d->nbins = nneg + npos;
	free(tmp);
}

static int
dds_read(struct jcur *j, struct dds **pp)
{
	struct dds *d = *pp;
	uint64_t n, zero, sum;
	uint32_t npos;
	int sat = 0;

	if (jc_begin_object(j) == -1 || jc_member(j, "n") == -1 ||
	    jc_uint(j, &n) == -1 || jc_member(j, "min") == -1 ||
	    jc_double(j, &d->min) == -1 || jc_member(j, "max") == -1 ||
	    jc_double(j, &d->max) == -1 || jc_member(j, "zero") == -1 ||
	    jc_uint(j, &zero) == -1)
		return -1;
	if (!isfinite(d->min) || !isfinite(d->max) || d->min > d->max)
		return jc_fail(j, "DDSketch min and max out of order");
	if (n == 0 || zero > DDS_CNT_MAX)
		return jc_fail(j, "DDSketch count out of range");
	d->n = n;
	sum = zero;
	sat = zero == DDS_CNT_MAX;
	if (jc_member(j, "pos") == -1 || dds_read_bins(j, pp, 0, &sum,
	    &sat) == -1)
		return -1;
	npos = (*pp)->nbins;
	if (jc_member(j, "neg") == -1 || dds_read_bins(j, pp, 1, &sum,
	    &sat) == -1 || jc_closing(j, "unexpected key in DDSketch") != 0)
		return -1;
	d = *pp;
	if (zero > 0 && d->nbins == DDS_BINS_MAX)
		return jc_fail(j, "too many DDSketch bins");
	if (sum > n || (sum < n && !sat))
		return jc_fail(j, "DDSketch counts do not add up to n");
	if (zero > 0 && d->nbins == d->cap) {
		d->cap++;
		d = *pp = xrealloc(d, sizeof(*d) + d->cap * sizeof(uint64_t));
	}
	dds_order(d, npos, zero);
	return 0;
}

int
dds_decode(struct dds **pp, struct jcur *j)
{
	if (jc_peek(j) == 'n')
		return jc_null(j);
	*pp = dds_alloc(4);
	if (dds_read(j, pp) == -1) {
		free(*pp);
		*pp = NULL;
		return -1;
	}
	return 0;
}

size_t
dds_bytes(const struct dds *d)
{
	return d == NULL ? 0 : sizeof(*d) + d->cap * sizeof(uint64_t);
}

void
dds_free(struct dds *d)
{
	free(d);
}

/* --- as a quantile summary (sketch.h) --- */

static void
ops_add(void **pp, double x)
{
	struct dds *d = *pp;

	dds_add(&d, x);
	*pp = d;
}

static void
ops_add_keyed(void **pp, double x, uint64_t key)
{
	struct dds *d = *pp;

	dds_add_keyed(&d, x, key);
	*pp = d;
}

static void
ops_merge(void **pp, const void *s, int k)
{
	struct dds *d = *pp;

	dds_merge(&d, s);
	*pp = d;
}

static void
ops_result(void *p, double q, int k, struct buf *b)
{
	const struct dds *d = p;

	if (dds_count(d) == 0)
		buf_adds(b, "null");
	else {
		double lo, hi, v = dds_rank_span(d, sketch_rank(q,
		    dds_count(d)), &lo, &hi);

		buf_json_dbl_within(b, lo, hi, v);
	}
}

static void
ops_encode(const void *p, struct buf *b)
{
	dds_encode(p, b);
}

static int
ops_decode(void **pp, int k, struct jcur *j)
{
	struct dds *d = *pp;
	int r = dds_decode(&d, j);

	*pp = d;
	return r;
}

static size_t
ops_bytes(const void *p)
{
	return dds_bytes(p);
}

static void
ops_free(void *p)
{
	dds_free(p);
}

const struct sketch_ops dds_ops = {
	ops_add, NULL, ops_merge, ops_result, ops_encode, ops_decode,
	ops_bytes, ops_free, dds_bin, ops_add_keyed
};
