/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * reorder.c - the --sort heap and the pace of the marks.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fault.h"
#include "jcur.h"
#include "reorder.h"
#include "sat.h"
#include "stage.h"
#include "watermark.h"
#include "xmalloc.h"

/* A record held back by --sort. */
struct held {
	int64_t		 t;
	uint64_t	 seq;
	char		*p;
	size_t		 n;
};

struct reorder {
	struct reorder_config cfg;
	uint64_t	 seq;
	struct held	*heap;		/* min-heap by (t, seq) */
	size_t		 nheap, capheap, heldbytes;
	int64_t		 last_wm;	/* last written, for the pace */
	uint64_t	 since;		/* events since then */
};

struct reorder *
reorder_new(const struct reorder_config *c)
{
	struct reorder *R = xcalloc(1, sizeof(*R));

	R->cfg = *c;
	R->last_wm = WM_MIN;
	return R;
}

void
reorder_free(struct reorder *R)
{
	if (R == NULL)
		return;
	while (R->nheap > 0)
		free(R->heap[--R->nheap].p);	/* kept in --state */
	free(R->heap);
	free(R);
}

static int
before(const struct held *a, const struct held *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void
hold(struct reorder *R, int64_t t, uint64_t seq, const char *p, size_t n)
{
	struct held x;
	size_t i;

	if (R->nheap == R->capheap) {
		size_t cap = R->capheap ? R->capheap * 2 : 1024;

		R->heap = xrealloc(R->heap, cap * sizeof(*R->heap));
		R->capheap = cap;
	}
	x.t = t;
	x.seq = seq;
	x.n = n;
	x.p = xmalloc(n ? n : 1);
	memcpy(x.p, p, n);
	R->heldbytes += n;
	for (i = R->nheap++; i > 0 && before(&x, &R->heap[(i - 1) / 2]);
	    i = (i - 1) / 2)
		R->heap[i] = R->heap[(i - 1) / 2];
	R->heap[i] = x;
}

static struct held
unhold(struct reorder *R)
{
	struct held top = R->heap[0], last = R->heap[--R->nheap];
	size_t i = 0, c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= R->nheap)
			break;
		if (c + 1 < R->nheap && before(&R->heap[c + 1], &R->heap[c]))
			c++;
		if (!before(&R->heap[c], &last))
			break;
		R->heap[i] = R->heap[c];
		i = c;
	}
	if (R->nheap > 0)
		R->heap[i] = last;
	R->heldbytes -= top.n;
	return top;
}

void
reorder_arrival(struct reorder *R)
{
	R->seq++;
	R->since++;
}

void
reorder_event(struct reorder *R, int64_t t, const char *p, size_t n)
{
	if (R->cfg.sort)
		hold(R, t, R->seq, p, n);
	else
		R->cfg.write(R->cfg.arg, p, n, t);
}

/* Write, in time order, what W has passed. */
static void
release(struct reorder *R, int64_t wm)
{
	struct held h;

	while (R->nheap > 0 && R->heap[0].t < wm) {
		h = unhold(R);
		R->cfg.write(R->cfg.arg, h.p, h.n, h.t);
		free(h.p);
	}
}

int
reorder_may_mark(struct reorder *R, int64_t wm, int tick)
{
	int64_t every = R->cfg.every_ns > 0 ? R->cfg.every_ns : 1000000000;

	if (wm == WM_MIN || wm == WM_MAX || wm <= R->last_wm)
		return 0;
	if (!tick && R->last_wm != WM_MIN) {
		if (R->cfg.every_n > 0 &&
		    R->since < (uint64_t)R->cfg.every_n)
			return 0;
		if (R->cfg.every_n == 0 && sat_sub_ns(wm, R->last_wm) < every)
			return 0;
	}
	R->last_wm = wm;
	R->since = 0;
	return 1;
}

/* --- the stage --- */

static void
stage_advance(void *p, int64_t wm)
{
	struct reorder *R = p;

	if (R->cfg.sort)
		release(R, wm);
}

static void
stage_flush(void *p)
{
	release(p, WM_MAX);
}

static uint64_t
stage_bytes(void *p)
{
	struct reorder *R = p;

	return R->heldbytes + R->capheap * sizeof(struct held);
}

static void
stage_save(void *p, struct buf *b)
{
	struct reorder *R = p;
	size_t i;

	buf_printf(b, "{\"last_wm\":%lld,\"held\":[", (long long)R->last_wm);
	for (i = 0; i < R->nheap; i++) {
		buf_printf(b, "%s\n[%lld,%llu,", i ? "," : "",
		    (long long)R->heap[i].t,
		    (unsigned long long)R->heap[i].seq);
		buf_json_str(b, R->heap[i].p, R->heap[i].n);
		buf_addc(b, ']');
	}
	buf_adds(b, "]}\n");
}

static int
stage_load(void *p, const char *text, size_t n, struct fault *f)
{
	struct reorder *R = p;
	struct jcur jc;
	struct buf s;
	int64_t t;
	uint64_t seq;
	int r = -1;

	buf_init(&s);
	jc_init(&jc, text, n, f);
	if (jc_begin_object(&jc) == -1 || jc_more(&jc) != 1 ||
	    jc_expect_key(&jc, "last_wm") == -1 ||
	    jc_int(&jc, &R->last_wm) == -1 || jc_more(&jc) != 1 ||
	    jc_expect_key(&jc, "held") == -1 || jc_begin_array(&jc) == -1)
		goto out;
	while (jc_more(&jc) == 1) {
		if (jc_begin_array(&jc) == -1 || jc_more(&jc) != 1 ||
		    jc_int(&jc, &t) == -1 || jc_more(&jc) != 1 ||
		    jc_uint(&jc, &seq) == -1 || jc_more(&jc) != 1 ||
		    jc_string(&jc, &s) == -1 || jc_more(&jc) != 0)
			goto out;
		hold(R, t, seq, s.data, s.len);
		if (seq > R->seq)
			R->seq = seq;
	}
	if (jc_more(&jc) != 0 || jc_end(&jc) != 0)
		goto out;
	r = 0;
out:
	if (r == -1 && !jc.failed)
		jc_fail(&jc, "bad held records");
	buf_release(&s);
	return r;
}

const struct stage_ops reorder_stage = {
	stage_advance, stage_flush, stage_bytes, stage_save, stage_load, NULL
};
