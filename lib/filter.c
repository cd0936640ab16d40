/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * filter.c - stream-filter's per-record decisions, on any thread.
 */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "expr.h"
#include "filter.h"
#include "hash.h"
#include "par.h"
#include "project.h"
#include "record.h"
#include "xmalloc.h"

/* A decode thread's own: PCRE2's match data, scratch, buffers. */
struct wctx {
	struct expr_run	*run;
	struct arena	*a;
	struct buf	 b;
	struct buf	 work;		/* proj_write_work()'s */
};

uint64_t
flt_sample_max(double fraction)
{
	return fraction >= 1 ? UINT64_MAX :
	    (uint64_t)(fraction * 18446744073709551616.0);
}

uint64_t
flt_hash(const struct flt *F, const struct record *rec, const char *p,
    size_t n, struct buf *kb)
{
	if (F->key == NULL || F->key->n == 0)
		return hash_bytes(p, n);
	buf_clear(kb);
	key_encode(F->key, rec, kb);
	return hash_bytes(kb->data, kb->len);
}

static void *
wctx_new(void *arg)
{
	struct flt *F = arg;
	struct wctx *c = xcalloc(1, sizeof(*c));

	c->run = expr_run_new(F->ex);
	c->a = arena_new();
	buf_init(&c->b);
	buf_init(&c->work);
	return c;
}

static void
wctx_free(void *arg, void *ctx)
{
	struct wctx *c = ctx;

	(void)arg;
	expr_run_free(c->run);
	arena_free(c->a);
	buf_release(&c->b);
	buf_release(&c->work);
	free(c);
}

static int
prepare(void *arg, void *ctx, const struct record *rec, struct arena *keep,
    struct par_prep *p, struct fault *f)
{
	const struct flt *F = arg;
	struct wctx *c = ctx;
	char *o;

	arena_reset(c->a);
	/* The hash first: the shard and sample read it whatever EXPR says. */
	if (flt_hashes(F))
		p->hash = flt_hash(F, rec, rec->p, rec->len, &c->b);
	if ((p->verdict = expr_run_holds(c->run, rec, c->a, f)) == -1)
		return -1;
	if (F->proj != NULL && p->verdict != F->invert && F->project) {
		buf_clear(&c->b);
		proj_write_work(F->proj, rec, &c->b, &c->work);
		if ((o = arena_alloc(keep, c->b.len + 1)) != NULL) {
			memcpy(o, c->b.data, c->b.len);
			p->out = o;
			p->outlen = c->b.len;
		}
	}
	return 0;
}

void
flt_par_tool(struct flt *F, struct par_tool *t)
{
	memset(t, 0, sizeof(*t));
	t->ctx_new = wctx_new;
	t->ctx_free = wctx_free;
	t->prep = prepare;
	t->arg = F;
}
