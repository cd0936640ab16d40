/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ss.c - Space-Saving.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hash.h"
#include "jcur.h"
#include "key.h"
#include "sat.h"
#include "ss.h"
#include "xmalloc.h"

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
		buf_adds(b, ",\"error\":");
		buf_json_u64(b, v[i]->err);
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

	if (jc_begin_object(j) == -1 || jc_member(j, "m") == -1 ||
	    jc_uint(j, &mm) == -1)
		return -1;
	if (mm != m)
		return jc_fail(j, "top capacity does not match k");
	if (jc_member(j, "items") == -1 || jc_begin_array(j) == -1)
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

/* --- as approx_top's summary (sketch.h) --- */

static int
ops_add(void **pp, const char *key, size_t n, int k)
{
	struct ss *s = *pp;

	ss_add(&s, ss_capacity(k), key, n);
	*pp = s;
	return 0;
}

static void
ops_merge(void **pp, const void *src, int k)
{
	struct ss *s = *pp;

	ss_merge(&s, src, ss_capacity(k));
	*pp = s;
}

static void
ops_result(void *p, double q, int k, struct buf *b)
{
	ss_result(p, k, b);
}

static void
ops_encode(const void *p, struct buf *b)
{
	ss_encode(p, b);
}

static int
ops_decode(void **pp, int k, struct jcur *j)
{
	struct ss *s = *pp;
	int r = ss_decode(&s, ss_capacity(k), j);

	*pp = s;
	return r;
}

static size_t
ops_bytes(const void *p)
{
	return ss_bytes(p);
}

static void
ops_free(void *p)
{
	ss_free(p);
}

const struct sketch_ops ss_ops = {
	NULL, ops_add, ops_merge, ops_result, ops_encode, ops_decode,
	ops_bytes, ops_free, NULL, NULL
};
