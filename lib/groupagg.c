/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * groupagg.c - one aggregate block per key over the whole stream.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "buf.h"
#include "fault.h"
#include "groupagg.h"
#include "hash.h"
#include "jcur.h"
#include "key.h"
#include "result.h"
#include "sat.h"
#include "table.h"
#include "timeparse.h"
#include "watermark.h"
#include "xmalloc.h"

#define G_HDR	8	/* a changed flag before the block */

struct groupagg {
	struct aggset	*aggs;
	const struct result_out *out;
	enum ga_emit	 emit;
	int64_t		 every_ns;
	int64_t		 next_every;	/* --emit every: next boundary */
	struct table	*keys;		/* key -> flag, block */
};

static void *
block(const struct groupagg *G, int64_t id)
{
	return (char *)tab_value(G->keys, id) + G_HDR;
}

static uint8_t *
changed(const struct groupagg *G, int64_t id)
{
	return tab_value(G->keys, id);
}

struct groupagg *
ga_new(struct aggset *aggs, const struct result_out *out, enum ga_emit emit,
    int64_t every_ns)
{
	struct groupagg *G = xcalloc(1, sizeof(*G));

	G->aggs = aggs;
	G->out = out;
	G->emit = emit;
	G->every_ns = every_ns;
	G->next_every = INT64_MIN;
	G->keys = tab_new(G_HDR + aggs->state_size);
	return G;
}

void
ga_free(struct groupagg *G)
{
	int64_t it;

	if (G == NULL)
		return;
	for (it = tab_next(G->keys, -1); it >= 0; it = tab_next(G->keys, it))
		aggset_release(G->aggs, block(G, it));
	tab_free(G->keys);
	free(G);
}

/* The block of key, made on first sight; -1 when the table is full. */
static int64_t
key_block(struct groupagg *G, const char *key, size_t keylen, uint64_t h)
{
	int64_t id;
	int created;

	if ((id = tab_put(G->keys, key, keylen, h, &created)) < 0)
		return -1;
	if (created)
		aggset_init(G->aggs, block(G, id));
	return id;
}

int
ga_add(struct groupagg *G, const char *key, size_t keylen, uint64_t h,
    const struct value *v, const struct agg_in *in, int64_t t, uint64_t seq,
    struct fault *f)
{
	int64_t id;

	if ((id = key_block(G, key, keylen, h)) < 0)
		return fault_set(f, EX_SOFTWARE, "out of memory (%zu keys)",
		    tab_count(G->keys));
	aggset_add_in(G->aggs, block(G, id), v, in, t, seq);
	if (aggset_check(G->aggs, f) == -1)
		return -1;
	*changed(G, id) = 1;
	if (G->emit == GA_UPDATES)
		result_key(G->out, key, keylen, block(G, id));
	return 0;
}

int
ga_merge(struct groupagg *G, const char *key, size_t keylen,
    const void *blk, struct fault *f)
{
	int64_t id;

	if ((id = key_block(G, key, keylen, hash_bytes(key, keylen))) < 0)
		return fault_set(f, EX_SOFTWARE, "out of memory");
	aggset_merge(G->aggs, block(G, id), blk);
	*changed(G, id) = 1;
	return 0;
}

static int
key_order(const void *a, const void *b, void *arg)
{
	const struct groupagg *G = arg;
	size_t na, nb;
	const char *ka = tab_key(G->keys, *(const int64_t *)a, &na);
	const char *kb = tab_key(G->keys, *(const int64_t *)b, &nb);

	return key_cmp(ka, na, kb, nb);
}

/* Every key (or every changed key), in key order. */
static void
emit_all(struct groupagg *G, int changed_only)
{
	int64_t *ids, it;
	size_t n = 0, i, klen;
	const char *k;

	ids = xmalloc((tab_count(G->keys) + 1) * sizeof(*ids));
	for (it = tab_next(G->keys, -1); it >= 0; it = tab_next(G->keys, it))
		if (!changed_only || *changed(G, it))
			ids[n++] = it;
	qsort_r(ids, n, sizeof(*ids), key_order, G);
	for (i = 0; i < n; i++) {
		k = tab_key(G->keys, ids[i], &klen);
		result_key(G->out, k, klen, block(G, ids[i]));
		*changed(G, ids[i]) = 0;
	}
	free(ids);
}

void
ga_advance(struct groupagg *G, int64_t wm)
{
	int64_t d = G->every_ns;

	if (G->emit != GA_EVERY || wm == WM_MAX)
		return;
	if (G->next_every != INT64_MIN && wm >= G->next_every)
		emit_all(G, 1);
	if (G->next_every == INT64_MIN || wm >= G->next_every)
		G->next_every = sat_add_ns(sat_sub_ns(wm,
		    tp_mod(wm, d)), d);
}

void
ga_finish(struct groupagg *G, int flush)
{
	if (!flush)
		return;
	if (G->emit == GA_FINAL)
		emit_all(G, 0);
	else if (G->emit == GA_EVERY)
		emit_all(G, 1);
}

uint64_t
ga_bytes(const struct groupagg *G)
{
	uint64_t n = tab_bytes(G->keys);
	int64_t it;

	for (it = tab_next(G->keys, -1); it >= 0; it = tab_next(G->keys, it))
		n += aggset_bytes(G->aggs, block(G, it));
	return n;
}

void
ga_save(const struct groupagg *G, struct buf *b)
{
	const char *k;
	size_t n;
	int64_t it;
	int first = 1;

	buf_printf(b, "{\"next_every\":%lld,\"keys\":[",
	    (long long)G->next_every);
	for (it = tab_next(G->keys, -1); it >= 0;
	    it = tab_next(G->keys, it), first = 0) {
		k = tab_key(G->keys, it, &n);
		buf_adds(b, first ? "\n[\"" : ",\n[\"");
		buf_hex(b, k, n);
		buf_printf(b, "\",%u,", *changed(G, it));
		aggset_encode(G->aggs, block(G, it), b);
		buf_addc(b, ']');
	}
	buf_adds(b, "]}\n");
}

int
ga_load(struct groupagg *G, const char *p, size_t n, int nkeys,
    struct fault *f)
{
	struct buf hx, key;
	struct jcur jc;
	int64_t flag, id;
	int created, r = -1;

	buf_init(&hx);
	buf_init(&key);
	jc_init(&jc, p, n, f);
	if (jc_begin_object(&jc) == -1 || jc_more(&jc) != 1 ||
	    jc_expect_key(&jc, "next_every") == -1 ||
	    jc_int(&jc, &G->next_every) == -1 || jc_more(&jc) != 1 ||
	    jc_expect_key(&jc, "keys") == -1 || jc_begin_array(&jc) == -1)
		goto out;
	while (jc_more(&jc) == 1) {
		if (jc_begin_array(&jc) == -1 || jc_more(&jc) != 1 ||
		    jc_string(&jc, &hx) == -1 ||
		    buf_unhex(&key, hx.data, hx.len) == -1)
			goto bad;
		if (!key_valid(key.data, key.len, nkeys) ||
		    jc_more(&jc) != 1 || jc_int(&jc, &flag) == -1 ||
		    jc_more(&jc) != 1)
			goto bad;
		id = tab_put(G->keys, key.data, key.len,
		    hash_bytes(key.data, key.len), &created);
		if (id < 0 || !created)
			goto bad;
		aggset_init(G->aggs, block(G, id));
		*changed(G, id) = flag != 0;
		if (aggset_decode(G->aggs, block(G, id), &jc, f) == -1 ||
		    jc_more(&jc) != 0)
			goto out;
	}
	if (jc_more(&jc) != 0 || jc_end(&jc) != 0)
		goto bad;
	r = 0;
	goto out;
bad:
	jc_fail(&jc, "bad aggregate key");
out:
	buf_release(&hx);
	buf_release(&key);
	return r;
}

/* --- parts: a block's aggregates, made on a decode thread --- */

#define PART_DENSE_LINES	1024	/* judged after this many records */
#define PART_DENSE_SHARE	4	/* dense: a key per 4 records or more */

struct ga_part {
	struct ga_part	*prev, *next;	/* the registry's, under mu */
	struct aggset	 aggs;		/* the part's own counters */
	struct groupagg	*g;
	uint64_t	 n;		/* records added */
};

struct ga_parts {
	struct aggset	 proto;		/* a part's aggset: the one thread's
					   as it was, counters zeroed (its
					   own go on changing) */
	pthread_mutex_t	 mu;
	struct ga_part	*live;		/* made, not yet absorbed */
	int		 stopped;	/* atomic: make no more */
};

struct ga_parts *
ga_parts_new(const struct aggset *aggs)
{
	struct ga_parts *R = xcalloc(1, sizeof(*R));

	R->proto = *aggs;
	R->proto.nonnumeric = 0;
	R->proto.refused = 0;
	pthread_mutex_init(&R->mu, NULL);
	return R;
}

static void
part_free(struct ga_part *p)
{
	ga_free(p->g);
	free(p);
}

static void
part_unlink(struct ga_parts *R, struct ga_part *p)
{
	pthread_mutex_lock(&R->mu);
	if (p->prev != NULL)
		p->prev->next = p->next;
	else
		R->live = p->next;
	if (p->next != NULL)
		p->next->prev = p->prev;
	pthread_mutex_unlock(&R->mu);
}

void
ga_parts_free(struct ga_parts *R)
{
	struct ga_part *p, *next;

	if (R == NULL)
		return;
	for (p = R->live; p != NULL; p = next) {
		next = p->next;
		part_free(p);
	}
	pthread_mutex_destroy(&R->mu);
	free(R);
}

struct ga_part *
ga_part_begin(struct ga_parts *R)
{
	struct ga_part *p = xcalloc(1, sizeof(*p));

	p->aggs = R->proto;
	p->g = ga_new(&p->aggs, NULL, GA_FINAL, 0);
	pthread_mutex_lock(&R->mu);
	p->next = R->live;
	if (R->live != NULL)
		R->live->prev = p;
	R->live = p;
	pthread_mutex_unlock(&R->mu);
	return p;
}

int
ga_part_add(struct ga_part *p, const char *key, size_t keylen, uint64_t h,
    const struct value *v, const struct agg_in *in, struct fault *f)
{
	uint64_t n;
	int64_t id;

	/* Refusals stay in the part's counters: absorbing checks them. */
	if ((id = key_block(p->g, key, keylen, h)) < 0)
		return fault_set(f, EX_SOFTWARE, "out of memory (%zu keys)",
		    tab_count(p->g->keys));
	p->n++;
	aggset_add_in(&p->aggs, block(p->g, id), v, in, 0, p->n);
	/* The header counts the key's records (the changed flag's room). */
	memcpy(&n, tab_value(p->g->keys, id), sizeof(n));
	n++;
	memcpy(tab_value(p->g->keys, id), &n, sizeof(n));
	return 0;
}

int
ga_part_dense(const struct ga_part *p)
{
	return p->n >= PART_DENSE_LINES &&
	    tab_count(p->g->keys) * PART_DENSE_SHARE >= p->n;
}

int64_t
ga_part_next(const struct ga_part *p, int64_t it, const char **key,
    size_t *keylen, const void **blk, uint64_t *n)
{
	const struct groupagg *S = p->g;

	if ((it = tab_next(S->keys, it)) < 0)
		return -1;
	*key = tab_key(S->keys, it, keylen);
	*blk = block(S, it);
	memcpy(n, tab_value(S->keys, it), sizeof(*n));
	return it;
}

void
ga_part_done(struct ga_parts *R, struct ga_part *p, struct aggset *into)
{
	if (into != NULL)
		aggset_counts_merge(into, &p->aggs);
	part_unlink(R, p);
	part_free(p);
}

void
ga_parts_stop(struct ga_parts *R)
{
	__atomic_store_n(&R->stopped, 1, __ATOMIC_RELAXED);
}

int
ga_parts_stopped(const struct ga_parts *R)
{
	return __atomic_load_n(&R->stopped, __ATOMIC_RELAXED);
}

int
ga_absorb(struct groupagg *G, struct ga_parts *R, struct ga_part *p,
    struct fault *f)
{
	const void *blk;
	const char *k;
	size_t klen;
	uint64_t n;
	int64_t it;
	int r = 0;

	for (it = ga_part_next(p, -1, &k, &klen, &blk, &n); it >= 0 && r == 0;
	    it = ga_part_next(p, it, &k, &klen, &blk, &n))
		r = ga_merge(G, k, klen, blk, f);
	ga_part_done(R, p, G->aggs);
	if (r == 0)
		r = aggset_check(G->aggs, f);
	return r;
}
