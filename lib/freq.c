/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * freq.c - exact counts of values.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "freq.h"
#include "hash.h"
#include "jcur.h"
#include "key.h"
#include "sat.h"
#include "table.h"
#include "xmalloc.h"

/* A table.h table of canonical values to uint64 counts. */
struct freq {
	struct table	*t;
};

static struct freq *
freq_new(void)
{
	struct freq *q = xmalloc(sizeof(*q));

	q->t = tab_new(sizeof(uint64_t));
	return q;
}

/* Add n to key's count; a table full at TAB_MAX has outgrown memory. */
static void
freq_put(struct freq *q, const char *key, size_t len, uint64_t h,
    uint64_t n)
{
	uint64_t *c;
	int64_t e;
	int created;

	if ((e = tab_put(q->t, key, len, h, &created)) < 0)
		xmalloc_oom(len);
	c = tab_value(q->t, e);
	*c = sat_add_u64(*c, n);
}

int
freq_add(struct freq **pp, const char *key, size_t len)
{
	struct freq *q = *pp;
	uint64_t h = hash_bytes(key, len);
	int64_t e;

	if (q == NULL)
		q = *pp = freq_new();
	if ((e = tab_find(q->t, key, len, h)) >= 0) {
		uint64_t *c = tab_value(q->t, e);

		*c = sat_add_u64(*c, 1);
		return 0;
	}
	if (tab_count(q->t) >= FREQ_VALUES_MAX)
		return -1;
	freq_put(q, key, len, h, 1);
	return 0;
}

void
freq_merge(struct freq **pp, const struct freq *s)
{
	const char *k;
	size_t n;
	int64_t e;

	if (s == NULL || tab_count(s->t) == 0)
		return;
	if (*pp == NULL)
		*pp = freq_new();
	for (e = tab_next(s->t, -1); e >= 0; e = tab_next(s->t, e)) {
		k = tab_key(s->t, e, &n);
		freq_put(*pp, k, n, tab_hash(s->t, e),
		    *(const uint64_t *)tab_value(s->t, e));
	}
}

struct freq_item {
	const char	*key;
	size_t		 len;
	uint64_t	 count;
};

static int
item_cmp(const void *a, const void *b)
{
	const struct freq_item *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return key_cmp(x->key, x->len, y->key, y->len);
}

/* Sorting all n is O(n log n) once per result: cheap next to adding n. */
void
freq_result(const struct freq *q, int k, struct buf *b)
{
	struct freq_item *v;
	size_t i, n;
	int64_t e;

	n = q == NULL ? 0 : tab_count(q->t);
	if (n == 0) {
		buf_adds(b, "[]");
		return;
	}
	v = xmalloc(n * sizeof(*v));
	i = 0;
	for (e = tab_next(q->t, -1); e >= 0; e = tab_next(q->t, e), i++) {
		v[i].key = tab_key(q->t, e, &v[i].len);
		v[i].count = *(const uint64_t *)tab_value(q->t, e);
	}
	qsort(v, n, sizeof(*v), item_cmp);
	if (n > (size_t)k)
		n = (size_t)k;
	buf_addc(b, '[');
	for (i = 0; i < n; i++) {
		buf_adds(b, i > 0 ? ",{\"value\":" : "{\"value\":");
		key_canon_json(b, v[i].key, v[i].len);
		buf_adds(b, ",\"count\":");
		buf_json_u64(b, v[i].count);
		buf_addc(b, '}');
	}
	buf_addc(b, ']');
	free(v);
}

void
freq_encode(const struct freq *q, struct buf *b)
{
	const char *k;
	size_t n;
	int64_t e;
	int first = 1;

	buf_addc(b, '[');
	for (e = q == NULL ? -1 : tab_next(q->t, -1); e >= 0;
	    e = tab_next(q->t, e), first = 0) {
		k = tab_key(q->t, e, &n);
		buf_adds(b, first ? "[" : ",[");
		key_canon_json(b, k, n);
		buf_addc(b, ',');
		buf_json_u64(b, *(const uint64_t *)tab_value(q->t, e));
		buf_addc(b, ']');
	}
	buf_addc(b, ']');
}

static int
read_item(struct jcur *j, struct freq **pp, struct buf *key,
    struct buf *scratch)
{
	uint64_t count, h;

	if (jc_begin_array(j) == -1 || jc_element(j, "short top item") ||
	    key_canon_read(j, key, scratch) == -1 ||
	    jc_element(j, "short top item") || jc_uint(j, &count) == -1 ||
	    jc_closing(j, "long top item") != 0)
		return -1;
	if (count == 0)
		return jc_fail(j, "top count out of range");
	if (*pp == NULL)
		*pp = freq_new();
	h = hash_bytes(key->data, key->len);
	if (tab_find((*pp)->t, key->data, key->len, h) >= 0)
		return jc_fail(j, "duplicate top item");
	freq_put(*pp, key->data, key->len, h, count);
	return 0;
}

int
freq_decode(struct freq **pp, struct jcur *j)
{
	struct buf key, scratch;
	int rc = 0;

	if (jc_begin_array(j) == -1)
		return -1;
	buf_init(&key);
	buf_init(&scratch);
	while (rc == 0 && jc_more(j) == 1)
		rc = read_item(j, pp, &key, &scratch);
	buf_release(&key);
	buf_release(&scratch);
	return j->failed ? -1 : 0;
}

size_t
freq_bytes(const struct freq *q)
{
	return q == NULL ? 0 : sizeof(*q) + tab_bytes(q->t);
}

void
freq_free(struct freq *q)
{
	if (q == NULL)
		return;
	tab_free(q->t);
	free(q);
}

/* --- as top's summary (sketch.h) --- */

static int
ops_add(void **pp, const char *key, size_t n, int k)
{
	struct freq *q = *pp;
	int r = freq_add(&q, key, n);

	*pp = q;
	return r;
}

static void
ops_merge(void **pp, const void *src, int k)
{
	struct freq *q = *pp;

	freq_merge(&q, src);
	*pp = q;
}

static void
ops_result(void *p, double q, int k, struct buf *b)
{
	freq_result(p, k, b);
}

static void
ops_encode(const void *p, struct buf *b)
{
	freq_encode(p, b);
}

static int
ops_decode(void **pp, int k, struct jcur *j)
{
	struct freq *q = *pp;
	int r = freq_decode(&q, j);

	*pp = q;
	return r;
}

static size_t
ops_bytes(const void *p)
{
	return freq_bytes(p);
}

static void
ops_free(void *p)
{
	freq_free(p);
}

const struct sketch_ops freq_ops = {
	NULL, ops_add, ops_merge, ops_result, ops_encode, ops_decode,
	ops_bytes, ops_free, NULL, NULL
};
