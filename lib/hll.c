/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hll.c - HyperLogLog.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hash.h"
#include "hll.h"
#include "jcur.h"
#include "xmalloc.h"

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

/* --- as approx_distinct's summary (sketch.h) --- */

static int
ops_add(void **pp, const char *key, size_t n, int k)
{
	struct hll *s = *pp;

	hll_add(&s, hash_bytes(key, n));
	*pp = s;
	return 0;
}

static void
ops_merge(void **pp, const void *src, int k)
{
	struct hll *s = *pp;

	hll_merge(&s, src);
	*pp = s;
}

static void
ops_result(void *p, double q, int k, struct buf *b)
{
	buf_json_u64(b, hll_estimate(p));
}

static void
ops_encode(const void *p, struct buf *b)
{
	hll_encode(p, b);
}

static int
ops_decode(void **pp, int k, struct jcur *j)
{
	struct hll *s = *pp;
	int r = hll_decode(&s, j);

	*pp = s;
	return r;
}

static size_t
ops_bytes(const void *p)
{
	return hll_bytes(p);
}

static void
ops_free(void *p)
{
	hll_free(p);
}

const struct sketch_ops hll_ops = {
	NULL, ops_add, ops_merge, ops_result, ops_encode, ops_decode,
	ops_bytes, ops_free, NULL, NULL
};
