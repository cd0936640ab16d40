/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dedupe.c - keys kept within a time horizon, evicted by watermark.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dedupe.h"
#include "fault.h"
#include "hash.h"
#include "jcur.h"
#include "key.h"
#include "record.h"
#include "sat.h"
#include "stage.h"
#include "table.h"
#include "watermark.h"
#include "xmalloc.h"

struct dedupe {
	struct table	*t;		/* key -> int64 time kept */
	int64_t		 within;
	int64_t		 swept;		/* W at the last eviction */
	uint64_t	 dropped;
	struct buf	 kb;		/* dd_record()'s key */
};

struct dedupe *
dd_new(int64_t within)
{
	struct dedupe *d = xcalloc(1, sizeof(*d));

	d->t = tab_new(sizeof(int64_t));
	d->within = within;
	d->swept = WM_MIN;
	return d;
}

int
dd_record(struct dedupe *d, const struct keyspec *k, const struct record *r,
    struct fault *f)
{
	buf_clear(&d->kb);
	key_encode(k, r, &d->kb);
	return dd_seen(d, d->kb.data, d->kb.len, hash_bytes(d->kb.data,
	    d->kb.len), r->time_ns, f);
}

void
dd_free(struct dedupe *d)
{
	if (d == NULL)
		return;
	tab_free(d->t);
	buf_release(&d->kb);
	free(d);
}

int
dd_seen(struct dedupe *d, const char *key, size_t n, uint64_t h, int64_t t,
    struct fault *f)
{
	int64_t id, *t0, gap;
	int created;

	if ((id = tab_put(d->t, key, n, h, &created)) < 0)
		return fault_set(f, EX_SOFTWARE, "out of memory (%zu keys)",
		    tab_count(d->t));
	t0 = tab_value(d->t, id);
	if (!created) {
		/* 9e18 and -9e18 are far apart, not a wrapped repeat. */
		gap = sat_dist_ns(t, *t0);
		if (gap <= d->within) {
			d->dropped++;
			return 1;
		}
	}
	*t0 = t;
	return 0;
}

/* A sweep costs the table size; run one per D of watermark progress. */
void
dd_evict(struct dedupe *d, int64_t wm)
{
	int64_t it, next, t0;

	if (d->swept != WM_MIN && sat_sub_ns(wm, d->swept) < d->within &&
	    wm != WM_MAX)
		return;
	d->swept = wm;
	for (it = tab_next(d->t, -1); it >= 0; it = next) {
		next = tab_next(d->t, it);
		memcpy(&t0, tab_value(d->t, it), sizeof(t0));
		if (wm == WM_MAX || sat_add_ns(t0, d->within) < wm)
			tab_del(d->t, it);
	}
}

size_t
dd_count(const struct dedupe *d)
{
	return tab_count(d->t);
}

size_t
dd_bytes(const struct dedupe *d)
{
	return tab_bytes(d->t);
}

uint64_t
dd_dropped(const struct dedupe *d)
{
	return d->dropped;
}

void
dd_save(const struct dedupe *d, struct buf *b)
{
	const char *k;
	size_t n;
	int64_t it, t0;
	int first = 1;

	buf_printf(b, "{\"dropped\":%llu,\"keys\":[",
	    (unsigned long long)d->dropped);
	for (it = tab_next(d->t, -1); it >= 0;
	    it = tab_next(d->t, it), first = 0) {
		k = tab_key(d->t, it, &n);
		memcpy(&t0, tab_value(d->t, it), sizeof(t0));
		buf_adds(b, first ? "\n[\"" : ",\n[\"");
		buf_hex(b, k, n);
		buf_printf(b, "\",%lld]", (long long)t0);
	}
	buf_adds(b, "]}\n");
}

int
dd_load(struct dedupe *d, struct jcur *jc)
{
	struct buf hx, key;
	int64_t t0, id;
	uint64_t dropped;
	int created, r = -1;

	buf_init(&hx);
	buf_init(&key);
	if (jc_begin_object(jc) == -1 || jc_more(jc) != 1 ||
	    jc_expect_key(jc, "dropped") == -1 ||
	    jc_uint(jc, &dropped) == -1 || jc_more(jc) != 1 ||
	    jc_expect_key(jc, "keys") == -1 || jc_begin_array(jc) == -1)
		goto out;
	while (jc_more(jc) == 1) {
		if (jc_begin_array(jc) == -1 || jc_more(jc) != 1 ||
		    jc_string(jc, &hx) == -1 || jc_more(jc) != 1 ||
		    jc_int(jc, &t0) == -1 || jc_more(jc) != 0 ||
		    buf_unhex(&key, hx.data, hx.len) == -1)
			goto out;
		id = tab_put(d->t, key.data, key.len,
		    hash_bytes(key.data, key.len), &created);
		if (id < 0 || !created)
			goto out;
		memcpy(tab_value(d->t, id), &t0, sizeof(t0));
	}
	if (jc_more(jc) != 0 || jc_end(jc) != 0)
		goto out;
	d->dropped = dropped;
	r = 0;
out:
	if (r == -1 && !jc->failed)
		jc_fail(jc, "bad dedupe state");
	buf_release(&hx);
	buf_release(&key);
	return r;
}

/* --- as stream-filter's stage (stage.h) --- */

static void
stage_advance(void *d, int64_t wm)
{
	dd_evict(d, wm);
}

static uint64_t
stage_bytes(void *d)
{
	return dd_bytes(d);
}

static void
stage_save(void *d, struct buf *b)
{
	dd_save(d, b);
}

static int
stage_load(void *d, const char *p, size_t n, struct fault *f)
{
	struct jcur jc;

	jc_init(&jc, p, n, f);
	return dd_load(d, &jc);
}

static void
stage_stats(void *d, struct buf *b)
{
	buf_printf(b, ", repeats dropped %llu, keys %zu",
	    (unsigned long long)dd_dropped(d), dd_count(d));
}

const struct stage_ops dd_stage = {
	stage_advance, NULL, stage_bytes, stage_save, stage_load, stage_stats
};
