/*
 * sketch.c - DDSketch, HyperLogLog and Space-Saving.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hash.h"
#include "jcur.h"
#include "key.h"
#include "sat.h"
#include "sketch.h"
#include "value.h"
#include "xmalloc.h"

/* Expect the next member of an object we wrote, in its fixed order. */
static int
member(struct jcur *j, const char *key)
{
	char msg[64];

	if (jc_more(j) != 1) {
		snprintf(msg, sizeof(msg), "missing key \"%s\"", key);
		return jc_fail(j, msg);
	}
	return jc_expect_key(j, key);
}

/* --- DDSketch --- */

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
 */
#define DDS_SHIFT	44
#define DDS_CNT_MAX	(((uint64_t)1 << DDS_SHIFT) - 1)
#define DDS_IOFF	65536		/* indexes lie in (-IOFF, IOFF) */
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

static double dds_gamma, dds_inv_ln;

static void
dds_setup(void)
{
	if (dds_gamma == 0) {
		dds_gamma = (1 + DDS_ALPHA) / (1 - DDS_ALPHA);
		dds_inv_ln = 1 / log(dds_gamma);
	}
}

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
	struct dds *d = *pp;
	uint64_t key;
	uint32_t lo;

	dds_setup();
	key = dds_key(x);
	if (d == NULL)
		d = *pp = dds_alloc(4);
	d->n = sat_add_u64(d->n, 1);
	if (x < d->min)
		d->min = x;
	if (x > d->max)
		d->max = x;
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
double
dds_rank(const struct dds *d, uint64_t k)
{
	uint64_t cum = 0;
	uint32_t i;
	double v;

	dds_setup();
	if (d == NULL || d->n == 0)
		return NAN;
	if (k <= 1)
		return d->min;
	if (k >= d->n)
		return d->max;
	for (i = 0; i < d->nbins; i++) {
		cum += DDS_CNT(d->bins[i]);
		if (cum >= k)
			break;
	}
	if (i == d->nbins)
		return d->max;
	v = dds_value(DDS_KEY(d->bins[i]));
	return v < d->min ? d->min : v > d->max ? d->max : v;
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
	d->min = a->min < s->min ? a->min : s->min;
	d->max = a->max > s->max ? a->max : s->max;
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

	if (jc_begin_object(j) == -1 || member(j, "n") == -1 ||
	    jc_uint(j, &n) == -1 || member(j, "min") == -1 ||
	    jc_double(j, &d->min) == -1 || member(j, "max") == -1 ||
	    jc_double(j, &d->max) == -1 || member(j, "zero") == -1 ||
	    jc_uint(j, &zero) == -1)
		return -1;
	if (!isfinite(d->min) || !isfinite(d->max) || d->min > d->max)
		return jc_fail(j, "DDSketch min and max out of order");
	if (n == 0 || zero > DDS_CNT_MAX)
		return jc_fail(j, "DDSketch count out of range");
	d->n = n;
	sum = zero;
	sat = zero == DDS_CNT_MAX;
	if (member(j, "pos") == -1 || dds_read_bins(j, pp, 0, &sum,
	    &sat) == -1)
		return -1;
	npos = (*pp)->nbins;
	if (member(j, "neg") == -1 || dds_read_bins(j, pp, 1, &sum,
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
	dds_setup();
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

/* --- HyperLogLog --- */

/*
 * Flajolet et al.'s registers with p = HLL_P over XXH64 hashes: the top
 * p bits pick a register, which keeps the largest rank (leading zeros
 * + 1) of the other q = 64 - p bits.  The estimate is Ertl's improved
 * one ("New cardinality estimation algorithms for HyperLogLog
 * sketches", 2017; as in Redis): it needs no empirical bias table and
 * turns into linear counting where few registers are set.  Standard
 * error 1.04 / sqrt(2^p), 0.81% for p = 14.  Small sets stay sparse: a
 * sorted array of the hashes themselves, counted exactly, until it would
 * pass HLL_SPARSE_MAX (a quarter of the dense registers' size).  Both
 * forms are functions of the set of hashes alone, so a merge equals a
 * single run over the union, bit for bit.
 */
#define HLL_M		((uint32_t)1 << HLL_P)
#define HLL_Q		(64 - HLL_P)
#define HLL_B64		(4 * ((HLL_M + 2) / 3))

/* hll_get_b64() expects one register in the last base64 quantum. */
_Static_assert(HLL_M % 3 == 1, "HLL_P must be even");

struct hll {
	uint32_t	 n;		/* sparse: hashes held */
	uint32_t	 cap;		/* sparse: room; 0 when dense */
	uint64_t	 h[];		/* sparse hashes, or HLL_M registers */
};

static struct hll *
hll_sparse(uint32_t cap)
{
	struct hll *s = xmalloc(sizeof(*s) + cap * sizeof(uint64_t));

	s->n = 0;
	s->cap = cap;
	return s;
}

static void
hll_set(uint8_t *reg, uint64_t h)
{
	uint64_t w = h << HLL_P;
	uint8_t r = w == 0 ? HLL_Q + 1 : (uint8_t)(__builtin_clzll(w) + 1);

	if (reg[h >> HLL_Q] < r)
		reg[h >> HLL_Q] = r;
}

static struct hll *
hll_densify(struct hll *s)
{
	struct hll *d = xmalloc(sizeof(*d) + HLL_M);
	uint32_t i;

	d->n = 0;
	d->cap = 0;
	memset(d->h, 0, HLL_M);
	for (i = 0; s != NULL && i < s->n; i++)
		hll_set((uint8_t *)d->h, s->h[i]);
	free(s);
	return d;
}

/* Position of h in the sparse array, or where it would go. */
static uint32_t
hll_find(const struct hll *s, uint64_t h)
{
	uint32_t lo = 0, hi = s->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->h[mid] < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void
hll_add(struct hll **pp, uint64_t h)
{
	struct hll *s = *pp;
	uint32_t at;

	if (s == NULL)
		s = *pp = hll_sparse(4);
	if (s->cap == 0) {
		hll_set((uint8_t *)s->h, h);
		return;
	}
	at = hll_find(s, h);
	if (at < s->n && s->h[at] == h)
		return;
	if (s->n == HLL_SPARSE_MAX) {
		s = *pp = hll_densify(s);
		hll_set((uint8_t *)s->h, h);
		return;
	}
	if (s->n == s->cap) {
		s->cap = s->cap * 2 > HLL_SPARSE_MAX ? HLL_SPARSE_MAX :
		    s->cap * 2;
		s = *pp = xrealloc(s, sizeof(*s) + s->cap * sizeof(uint64_t));
	}
	memmove(s->h + at + 1, s->h + at, (s->n - at) * sizeof(uint64_t));
	s->h[at] = h;
	s->n++;
}

void
hll_merge(struct hll **pp, const struct hll *s)
{
	const uint8_t *sr;
	uint8_t *dr;
	uint32_t i;

	if (s == NULL)
		return;
	if (s->cap != 0) {
		for (i = 0; i < s->n; i++)
			hll_add(pp, s->h[i]);
		return;
	}
	if (*pp == NULL || (*pp)->cap != 0)
		*pp = hll_densify(*pp);
	dr = (uint8_t *)(*pp)->h;
	sr = (const uint8_t *)s->h;
	for (i = 0; i < HLL_M; i++)
		if (dr[i] < sr[i])
			dr[i] = sr[i];
}

static double
hll_sigma(double x)
{
	double y = 1, z = x, zp;

	if (x == 1)
		return INFINITY;
	do {
		x *= x;
		zp = z;
		z += x * y;
		y += y;
	} while (zp != z);
	return z;
}

static double
hll_tau(double x)
{
	double y = 1, z, zp;

	if (x == 0 || x == 1)
		return 0;
	z = 1 - x;
	do {
		x = sqrt(x);
		zp = z;
		y *= 0.5;
		z -= (1 - x) * (1 - x) * y;
	} while (zp != z);
	return z / 3;
}

uint64_t
hll_estimate(const struct hll *s)
{
	const uint8_t *reg;
	uint32_t c[HLL_Q + 2] = { 0 }, i;
	double m = HLL_M, z;
	int k;

	if (s == NULL)
		return 0;
	if (s->cap != 0)
		return s->n;
	reg = (const uint8_t *)s->h;
	for (i = 0; i < HLL_M; i++)
		c[reg[i]]++;
	z = m * hll_tau((m - c[HLL_Q + 1]) / m);
	for (k = HLL_Q; k >= 1; k--)
		z = 0.5 * (z + c[k]);
	z += m * hll_sigma(c[0] / m);
	return (uint64_t)llround(0.5 / log(2) * m * m / z);
}

int
hll_is_dense(const struct hll *s)
{
	return s != NULL && s->cap == 0;
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void
hll_put_b64(struct buf *b, const uint8_t *p, size_t n)
{
	char o[4];
	uint32_t v;
	size_t i;

	for (i = 0; i < n; i += 3) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		o[0] = b64[v >> 18];
		o[1] = b64[(v >> 12) & 63];
		o[2] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		o[3] = i + 2 < n ? b64[v & 63] : '=';
		buf_add(b, o, 4);
	}
}

/* {"sparse":[h,...]} (ascending) or {"dense":"<base64 registers>"}. */
void
hll_encode(const struct hll *s, struct buf *b)
{
	uint32_t i;

	if (s == NULL) {
		buf_adds(b, "null");
		return;
	}
	if (s->cap == 0) {
		buf_adds(b, "{\"dense\":\"");
		hll_put_b64(b, (const uint8_t *)s->h, HLL_M);
		buf_adds(b, "\"}");
		return;
	}
	buf_adds(b, "{\"sparse\":[");
	for (i = 0; i < s->n; i++) {
		if (i > 0)
			buf_addc(b, ',');
		buf_json_u64(b, s->h[i]);
	}
	buf_adds(b, "]}");
}

static int
b64_val(char c)
{
	const char *p = c != '\0' ? strchr(b64, c) : NULL;

	return p == NULL ? -1 : (int)(p - b64);
}

/* Exactly HLL_M registers, canonical padding, each at most q + 1. */
static int
hll_get_b64(struct jcur *j, const char *s, size_t n, uint8_t *reg)
{
	size_t i, o = 0;
	int k, v[4];
	uint32_t w;

	if (n != HLL_B64)
		return jc_fail(j, "HyperLogLog registers of the wrong size");
	for (i = 0; i < n; i += 4) {
		for (k = 0; k < 4; k++)
			v[k] = b64_val(s[i + k]);
		if (v[0] < 0 || v[1] < 0 || (o + 1 < HLL_M && v[2] < 0) ||
		    (o + 2 < HLL_M && v[3] < 0))
			return jc_fail(j, "bad base64 in HyperLogLog");
		w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 |
		    (uint32_t)(v[2] < 0 ? 0 : v[2]) << 6 |
		    (uint32_t)(v[3] < 0 ? 0 : v[3]);
		reg[o++] = (uint8_t)(w >> 16);
		if (o < HLL_M)
			reg[o++] = (uint8_t)(w >> 8);
		else if (s[i + 2] != '=' || s[i + 3] != '=' || (w & 0xffff))
			return jc_fail(j, "bad base64 padding in HyperLogLog");
		if (o < HLL_M)
			reg[o++] = (uint8_t)w;
	}
	for (o = 0; o < HLL_M; o++)
		if (reg[o] > HLL_Q + 1)
			return jc_fail(j, "HyperLogLog register out of range");
	return 0;
}

static int
hll_read_sparse(struct jcur *j, struct hll **pp)
{
	struct hll *s;
	uint64_t h;

	if (jc_begin_array(j) == -1)
		return -1;
	while (jc_more(j) == 1) {
		if (jc_uint(j, &h) == -1)
			return -1;
		s = *pp;
		if (s->n == HLL_SPARSE_MAX)
			return jc_fail(j, "too many sparse HyperLogLog hashes");
		if (s->n > 0 && h <= s->h[s->n - 1])
			return jc_fail(j, "HyperLogLog hashes not increasing");
		if (s->n == s->cap) {
			s->cap *= 2;
			s = *pp = xrealloc(s, sizeof(*s) +
			    s->cap * sizeof(uint64_t));
		}
		s->h[s->n++] = h;
	}
	if (!j->failed && (*pp)->n == 0)
		return jc_fail(j, "empty sparse HyperLogLog");
	return j->failed ? -1 : 0;
}

static int
hll_read(struct jcur *j, struct hll **pp)
{
	struct buf tmp;
	const char *k;
	size_t n;
	int rc;

	if (jc_begin_object(j) == -1 || jc_element(j, "empty HyperLogLog") ||
	    jc_key(j, &k, &n) == -1)
		return -1;
	if (n == 6 && memcmp(k, "sparse", 6) == 0) {
		*pp = hll_sparse(4);
		rc = hll_read_sparse(j, pp);
	} else if (n == 5 && memcmp(k, "dense", 5) == 0) {
		*pp = hll_densify(NULL);
		buf_init(&tmp);
		rc = jc_string(j, &tmp);
		if (rc == 0)
			rc = hll_get_b64(j, tmp.data, tmp.len,
			    (uint8_t *)(*pp)->h);
		buf_release(&tmp);
	} else {
		return jc_fail(j, "expected \"sparse\" or \"dense\"");
	}
	if (rc == -1)
		return -1;
	return jc_closing(j, "unexpected key in HyperLogLog");
}

int
hll_decode(struct hll **pp, struct jcur *j)
{
	if (jc_peek(j) == 'n')
		return jc_null(j);
	if (hll_read(j, pp) == -1) {
		free(*pp);
		*pp = NULL;
		return -1;
	}
	return 0;
}

size_t
hll_bytes(const struct hll *s)
{
	if (s == NULL)
		return 0;
	return sizeof(*s) + (s->cap == 0 ? HLL_M : s->cap * sizeof(uint64_t));
}

void
hll_free(struct hll *s)
{
	free(s);
}

/* --- Space-Saving --- */

/*
 * Metwally, Agrawal and El Abbadi, "Efficient computation of frequent
 * and top-k elements in data streams" (2005).  m counters; a value
 * that is not monitored takes over the smallest counter (count min + 1,
 * error min), so every count is an upper bound and exceeds the true
 * count by at most N / m; with fewer than m distinct values it is exact.
 * Counts saturate at 2^64 - 1, so err <= count holds in any state.
 * Items keep their place in one array; a min-heap of item numbers finds
 * the smallest counter in O(log m) and an open-addressing index finds a
 * value (linear probing, deletion by backward shift).  All three grow
 * on demand up to m, so a small group stays small.
 */
#define SS_INLINE	16

struct ss_item {
	uint64_t	 count;
	uint64_t	 err;
	uint64_t	 hash;
	uint32_t	 len;
	uint32_t	 heap;		/* position in ss.heap */
	union {
		char	 in[SS_INLINE];
		char	*out;
	} k;
};

struct ss {
	uint32_t	 m;		/* counters at most */
	uint32_t	 n;		/* counters in use */
	uint32_t	 cap;		/* counters allocated */
	uint32_t	 mask;		/* index slots - 1 */
	struct ss_item	*items;
	uint32_t	*heap;		/* item numbers, min-heap by count */
	uint32_t	*index;		/* item number + 1; 0: empty */
	size_t		 keybytes;	/* out-of-line value bytes */
};

uint32_t
ss_capacity(int k)
{
	return (uint32_t)(k * 8 > 64 ? k * 8 : 64);
}

static const char *
ss_key(const struct ss_item *it)
{
	return it->len <= SS_INLINE ? it->k.in : it->k.out;
}

static void
ss_set_key(struct ss *s, struct ss_item *it, const char *key, size_t len,
    uint64_t h)
{
	if (it->len > SS_INLINE) {
		free(it->k.out);
		s->keybytes -= it->len;
	}
	it->len = (uint32_t)len;
	it->hash = h;
	if (len <= SS_INLINE) {
		memcpy(it->k.in, key, len);
		return;
	}
	it->k.out = xmalloc(len);
	memcpy(it->k.out, key, len);
	s->keybytes += len;
}

static int64_t
ss_find(const struct ss *s, const char *key, size_t len, uint64_t h)
{
	const struct ss_item *it;
	uint32_t i;

	for (i = (uint32_t)h & s->mask; s->index[i] != 0;
	    i = (i + 1) & s->mask) {
		it = &s->items[s->index[i] - 1];
		if (it->hash == h && it->len == len &&
		    memcmp(ss_key(it), key, len) == 0)
			return s->index[i] - 1;
	}
	return -1;
}

static void
ss_index(struct ss *s, uint32_t x)
{
	uint32_t i;

	for (i = (uint32_t)s->items[x].hash & s->mask; s->index[i] != 0;
	    i = (i + 1) & s->mask)
		;
	s->index[i] = x + 1;
}

static void
ss_unindex(struct ss *s, uint32_t x)
{
	uint32_t i, j, home;

	for (i = (uint32_t)s->items[x].hash & s->mask; s->index[i] != x + 1;
	    i = (i + 1) & s->mask)
		;
	for (j = i;;) {
		j = (j + 1) & s->mask;
		if (s->index[j] == 0)
			break;
		home = (uint32_t)s->items[s->index[j] - 1].hash & s->mask;
		if (j > i ? home <= i || home > j : home <= i && home > j) {
			s->index[i] = s->index[j];
			i = j;
		}
	}
	s->index[i] = 0;
}

static void
ss_swap(struct ss *s, uint32_t a, uint32_t b)
{
	uint32_t t = s->heap[a];

	s->heap[a] = s->heap[b];
	s->heap[b] = t;
	s->items[s->heap[a]].heap = a;
	s->items[s->heap[b]].heap = b;
}

static uint64_t
ss_hcount(const struct ss *s, uint32_t pos)
{
	return s->items[s->heap[pos]].count;
}

static void
ss_up(struct ss *s, uint32_t pos)
{
	while (pos > 0 && ss_hcount(s, (pos - 1) / 2) > ss_hcount(s, pos)) {
		ss_swap(s, pos, (pos - 1) / 2);
		pos = (pos - 1) / 2;
	}
}

static void
ss_down(struct ss *s, uint32_t pos)
{
	uint32_t c;

	for (;;) {
		c = 2 * pos + 1;
		if (c >= s->n)
			return;
		if (c + 1 < s->n && ss_hcount(s, c + 1) < ss_hcount(s, c))
			c++;
		if (ss_hcount(s, pos) <= ss_hcount(s, c))
			return;
		ss_swap(s, pos, c);
		pos = c;
	}
}

/* Room for cap counters, the index at most half full. */
static void
ss_grow(struct ss *s, uint32_t cap)
{
	uint32_t size = 16, i;

	while (size < 2 * cap)
		size *= 2;
	s->items = xrealloc(s->items, cap * sizeof(*s->items));
	s->heap = xrealloc(s->heap, cap * sizeof(*s->heap));
	s->cap = cap;
	if (size == s->mask + 1)
		return;
	free(s->index);
	s->index = xmalloc(size * sizeof(*s->index));
	memset(s->index, 0, size * sizeof(*s->index));
	s->mask = size - 1;
	for (i = 0; i < s->n; i++)
		ss_index(s, i);
}

static struct ss *
ss_new(uint32_t m)
{
	struct ss *s = xmalloc(sizeof(*s));

	memset(s, 0, sizeof(*s));
	s->m = m;
	ss_grow(s, m < 8 ? m : 8);
	return s;
}

/* A new counter (n < m), not yet in the heap's order. */
static uint32_t
ss_append(struct ss *s, const char *key, size_t len, uint64_t h,
    uint64_t count, uint64_t err)
{
	struct ss_item *it;
	uint32_t x;

	if (s->n == s->cap)
		ss_grow(s, s->cap * 2 > s->m ? s->m : s->cap * 2);
	x = s->n++;
	it = &s->items[x];
	it->len = 0;
	ss_set_key(s, it, key, len, h);
	it->count = count;
	it->err = err;
	it->heap = x;
	s->heap[x] = x;
	ss_index(s, x);
	return x;
}

void
ss_add(struct ss **pp, uint32_t m, const char *key, size_t len)
{
	struct ss *s = *pp;
	struct ss_item *it;
	uint64_t h = hash_bytes(key, len), min;
	int64_t x;

	if (s == NULL)
		s = *pp = ss_new(m);
	if ((x = ss_find(s, key, len, h)) >= 0) {
		s->items[x].count = sat_add_u64(s->items[x].count, 1);
		ss_down(s, s->items[x].heap);
		return;
	}
	if (s->n < s->m) {
		x = ss_append(s, key, len, h, 1, 0);
		ss_up(s, (uint32_t)x);
		return;
	}
	it = &s->items[s->heap[0]];
	min = it->count;
	ss_unindex(s, s->heap[0]);
	ss_set_key(s, it, key, len, h);
	it->count = sat_add_u64(min, 1);
	it->err = min;
	ss_index(s, s->heap[0]);
	ss_down(s, 0);
}

struct ss_cand {
	const char	*key;
	uint32_t	 len;
	uint64_t	 hash;
	uint64_t	 count;
	uint64_t	 err;
};

static int
ss_cand_cmp(const void *a, const void *b)
{
	const struct ss_cand *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return key_cmp(x->key, x->len, y->key, y->len);
}

/* The smallest count, which an unmonitored value may have had. */
static uint64_t
ss_floor(const struct ss *s)
{
	return s->n == s->m ? s->items[s->heap[0]].count : 0;
}

static void
ss_build(struct ss *s, const struct ss_cand *c, size_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		ss_append(s, c[i].key, c[i].len, c[i].hash, c[i].count,
		    c[i].err);
	for (i = s->n / 2; i > 0; i--)
		ss_down(s, i - 1);
}

/*
 * The mergeable summary of Agarwal et al. ("Mergeable summaries", 2012)
 * in its Space-Saving form: a value missing from one side may have
 * occurred there up to that side's smallest count (0 when the side is
 * not full), so it is charged that much, which keeps every count an
 * upper bound; then the m largest counters stay.
 */
void
ss_merge(struct ss **pp, const struct ss *b, uint32_t m)
{
	const struct ss *a = *pp;
	struct ss_cand *c;
	struct ss *d;
	size_t n = 0;
	uint64_t fa, fb;
	uint32_t i;
	int64_t x;

	if (b == NULL || b->n == 0)
		return;
	fa = a != NULL ? ss_floor(a) : 0;
	fb = ss_floor(b);
	c = xmalloc(((size_t)(a != NULL ? a->n : 0) + b->n) *
	    sizeof(*c));
	for (i = 0; a != NULL && i < a->n; i++) {
		const struct ss_item *it = &a->items[i];

		x = ss_find(b, ss_key(it), it->len, it->hash);
		c[n++] = (struct ss_cand){ ss_key(it), it->len, it->hash,
		    sat_add_u64(it->count, x >= 0 ? b->items[x].count : fb),
		    sat_add_u64(it->err, x >= 0 ? b->items[x].err : fb) };
	}
	for (i = 0; i < b->n; i++) {
		const struct ss_item *it = &b->items[i];

		if (a != NULL && ss_find(a, ss_key(it), it->len, it->hash) >= 0)
			continue;
		c[n++] = (struct ss_cand){ ss_key(it), it->len, it->hash,
		    sat_add_u64(it->count, fa), sat_add_u64(it->err, fa) };
	}
	qsort(c, n, sizeof(*c), ss_cand_cmp);
	d = ss_new(m);
	ss_build(d, c, n < m ? n : m);
	free(c);
	ss_free(*pp);
	*pp = d;
}

static int
ss_item_cmp(const void *a, const void *b)
{
	const struct ss_item *x = *(const struct ss_item *const *)a;
	const struct ss_item *y = *(const struct ss_item *const *)b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return key_cmp(ss_key(x), x->len, ss_key(y), y->len);
}

void
ss_result(const struct ss *s, int k, struct buf *b)
{
	const struct ss_item **v;
	uint32_t i, n;

	if (s == NULL || s->n == 0) {
		buf_adds(b, "[]");
		return;
	}
	v = xmalloc(s->n * sizeof(*v));
	for (i = 0; i < s->n; i++)
		v[i] = &s->items[i];
	qsort(v, s->n, sizeof(*v), ss_item_cmp);
	n = s->n < (uint32_t)k ? s->n : (uint32_t)k;
	buf_addc(b, '[');
	for (i = 0; i < n; i++) {
		buf_adds(b, i > 0 ? ",{\"value\":" : "{\"value\":");
		key_canon_json(b, ss_key(v[i]), v[i]->len);
		buf_adds(b, ",\"count\":");
		buf_json_u64(b, v[i]->count);
		buf_addc(b, '}');
	}
	buf_addc(b, ']');
	free(v);
}

/* {"m":M,"items":[[value,count,err],...]} in counter order; null. */
void
ss_encode(const struct ss *s, struct buf *b)
{
	uint32_t i;

	if (s == NULL || s->n == 0) {
		buf_adds(b, "null");
		return;
	}
	buf_adds(b, "{\"m\":");
	buf_json_u64(b, s->m);
	buf_adds(b, ",\"items\":[");
	for (i = 0; i < s->n; i++) {
		buf_adds(b, i > 0 ? ",[" : "[");
		key_canon_json(b, ss_key(&s->items[i]), s->items[i].len);
		buf_addc(b, ',');
		buf_json_u64(b, s->items[i].count);
		buf_addc(b, ',');
		buf_json_u64(b, s->items[i].err);
		buf_addc(b, ']');
	}
	buf_adds(b, "]}");
}

static int
ss_read_item(struct jcur *j, struct ss *s, struct buf *key,
    struct buf *scratch)
{
	uint64_t count, err, h;

	if (jc_begin_array(j) == -1 || jc_element(j, "short top item") ||
	    key_canon_read(j, key, scratch) == -1 ||
	    jc_element(j, "short top item") || jc_uint(j, &count) == -1 ||
	    jc_element(j, "short top item") || jc_uint(j, &err) == -1 ||
	    jc_closing(j, "long top item") != 0)
		return -1;
	if (count == 0 || err > count)
		return jc_fail(j, "top count or error out of range");
	if (s->n == s->m)
		return jc_fail(j, "more top items than counters");
	h = hash_bytes(key->data, key->len);
	if (ss_find(s, key->data, key->len, h) >= 0)
		return jc_fail(j, "duplicate top item");
	ss_append(s, key->data, key->len, h, count, err);
	return 0;
}

static int
ss_read(struct jcur *j, struct ss *s, uint32_t m)
{
	struct buf key, scratch;
	uint64_t mm;
	uint32_t i;
	int rc = 0;

	if (jc_begin_object(j) == -1 || member(j, "m") == -1 ||
	    jc_uint(j, &mm) == -1)
		return -1;
	if (mm != m)
		return jc_fail(j, "top capacity does not match k");
	if (member(j, "items") == -1 || jc_begin_array(j) == -1)
		return -1;
	buf_init(&key);
	buf_init(&scratch);
	while (rc == 0 && jc_more(j) == 1)
		rc = ss_read_item(j, s, &key, &scratch);
	buf_release(&key);
	buf_release(&scratch);
	if (rc == -1 || j->failed)
		return -1;
	if (s->n == 0)
		return jc_fail(j, "no top items");
	if (jc_closing(j, "unexpected key in top") != 0)
		return -1;
	for (i = s->n / 2; i > 0; i--)
		ss_down(s, i - 1);
	return 0;
}

int
ss_decode(struct ss **pp, uint32_t m, struct jcur *j)
{
	if (jc_peek(j) == 'n')
		return jc_null(j);
	*pp = ss_new(m);
	if (ss_read(j, *pp, m) == -1) {
		ss_free(*pp);
		*pp = NULL;
		return -1;
	}
	return 0;
}

size_t
ss_bytes(const struct ss *s)
{
	if (s == NULL)
		return 0;
	return sizeof(*s) + s->cap * (sizeof(*s->items) + sizeof(*s->heap)) +
	    (s->mask + 1) * sizeof(*s->index) + s->keybytes;
}

void
ss_free(struct ss *s)
{
	uint32_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		if (s->items[i].len > SS_INLINE)
			free(s->items[i].k.out);
	free(s->items);
	free(s->heap);
	free(s->index);
	free(s);
}
