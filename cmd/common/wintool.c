/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * wintool.c - shared setup of the windowed tools.
 */
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "arena.h"
#include "buf.h"
#include "diag.h"
#include "fault.h"
#include "groupagg.h"
#include "hash.h"
#include "par.h"
#include "record.h"
#include "source.h"
#include "window.h"
#include "wintool.h"
#include "xmalloc.h"

void
wintool_parse(struct wintool *wt, enum tool t, int argc, char **argv)
{
	struct fault f;

	opt_parse(&wt->o, t, argc, argv);
	wt->fl = rec_fields_new();
	if (key_init(&wt->key, wt->o.by, wt->fl, &f) == -1)
		opt_usage_error(&wt->o, "%s", f.msg);
	buf_init(&wt->kb);
}

void
wintool_config(const struct wintool *wt, struct win_config *c)
{
	const struct opts *o = &wt->o;

	memset(c, 0, sizeof(*c));
	c->kind = o->win;
	c->size_ns = o->size_ns;
	c->slide_ns = o->slide_ns;
	c->offset_ns = o->offset_ns;
	c->count_n = o->count_n;
	c->count_slide = o->count_slide;
	c->lateness_ns = o->lateness_ns;
	c->max_events = o->max_events;
	c->sliced = o->tool == T_AGG;
}

/*
 * Is event time read (SPEC 3)?  Time windows, watermark sources, --emit
 * every and the tool's own use need it; count windows show the times
 * they saw when there are some; a plain GROUP BY needs none, and --merge
 * takes its times from the partials.
 */
static int
time_need(const struct wintool *wt)
{
	const struct opts *o = &wt->o;

	if (o->merge)
		return SRC_TIME_NONE;
	if ((o->win != WIN_NONE && o->win != WIN_COUNT) ||
	    o->max_delay_ns >= 0 || o->idle_ns > 0 || o->processing_time ||
	    (o->tool == T_AGG && o->emit == EMIT_EVERY) || wt->time_used)
		return SRC_TIME_NEEDED;
	return o->win == WIN_COUNT ? SRC_TIME_OPTIONAL : SRC_TIME_NONE;
}

/*
 * -j N, on a decode thread: the --by key's canonical bytes and their
 * hash, for wintool_keyof() to take in order.
 */
struct wctx {
	struct buf	 b;		/* the key */
	struct buf	 pk;		/* a pane's start and the key */
	uint64_t	 seq;		/* the block's */
	struct ga_part	*part;		/* its aggregates, made here */
	int		 marked;	/* a watermark line came in it */
	int		 dense;		/* parts did not pay: stopped */
	struct agg_in	 in[AGG_MAX];	/* a record's, worked out */
};

static void *
wctx_new(void *arg)
{
	struct wctx *c = xcalloc(1, sizeof(*c));

	(void)arg;
	buf_init(&c->b);
	buf_init(&c->pk);
	return c;
}

static void
wctx_free(void *arg, void *ctx)
{
	struct wctx *c = ctx;

	(void)arg;
	buf_release(&c->b);
	buf_release(&c->pk);
	free(c);
}

static void
wctx_block(void *arg, void *ctx, uint64_t seq)
{
	struct wctx *c = ctx;

	(void)arg;
	c->seq = seq;
	c->part = NULL;
	c->marked = 0;
}

/* What follows a watermark in the block is the one thread's to add. */
static void
wctx_mark(void *arg, void *ctx)
{
	struct wctx *c = ctx;

	(void)arg;
	c->marked = 1;
}

#define PREP_PART	1	/* verdict: in the block's part */

/*
 * Into the block's part: 1, or 0 when the record is the one thread's
 * to add (the part could not take it, or parts have stopped paying).
 */
static int
into_part(const struct wintool *wt, struct wctx *c, const struct record *rec,
    const char *k, size_t kn, const struct agg_in *in, struct par_prep *p)
{
	struct fault f;
	int64_t pane;

	if (c->dense || c->marked || ga_parts_stopped(wt->parts) ||
	    (rec->time_ns == PAR_NO_TIME && time_need(wt) != SRC_TIME_NONE))
		return 0;
	if (wt->w != NULL) {
		/* Windowed: the pane's start before the key. */
		pane = win_pane_of(wt->w, rec->time_ns);
		buf_clear(&c->pk);
		buf_add(&c->pk, &pane, sizeof(pane));
		buf_add(&c->pk, k, kn);
		k = c->pk.data;
		kn = c->pk.len;
	}
	if (c->part == NULL)
		c->part = ga_part_begin(wt->parts);
	if (ga_part_add(c->part, k, kn, hash_bytes(k, kn), rec->v, in,
	    &f) == -1)
		return 0;
	if (ga_part_dense(c->part))
		c->dense = 1;
	p->verdict = PREP_PART;
	p->aux = c->part;
	p->auxn = (size_t)c->seq;
	return 1;
}

/*
 * A record taken into its block's part keeps nothing in the block: were
 * the part not taken, wintool_keyof() and aggset_add() work the key and
 * the inputs out again.
 */
static int
prepare(void *arg, void *ctx, const struct record *rec, struct arena *keep,
    struct par_prep *p, struct fault *f)
{
	const struct wintool *wt = arg;
	struct wctx *c = ctx;
	struct buf *b = &c->b;
	struct agg_in *in = NULL, *kin;
	uint64_t h;
	char *k;

	buf_clear(b);
	key_encode(&wt->key, rec, b);
	if (wt->aggs != NULL) {
		aggset_prepare(wt->aggs, rec->v, c->in);
		in = c->in;
	}
	if (wt->parts != NULL && into_part(wt, c, rec, b->data, b->len, in, p))
		return 0;
	h = hash_bytes(b->data, b->len);
	/* No room: wintool_keyof() encodes it again. */
	if ((k = arena_alloc(keep, b->len + 1)) == NULL)
		return fault_set(f, EX_SOFTWARE, "no room for the key");
	if (b->len > 0)		/* no --by: no bytes */
		memcpy(k, b->data, b->len);
	p->key = k;
	p->keylen = b->len;
	p->hash = h;
	/* No room: aggset_add() works them out itself. */
	if (in != NULL && (kin = arena_alloc(keep, (size_t)wt->aggs->n *
	    sizeof(*kin))) != NULL) {
		memcpy(kin, in, (size_t)wt->aggs->n * sizeof(*kin));
		p->aux = kin;
		p->auxn = (size_t)wt->aggs->n;
	}
	return 0;
}

/*
 * One side over all files, read one after another; with --merge one side
 * per file, read concurrently, each its own watermark channel.
 */
void
wintool_open(struct wintool *wt, char **files)
{
	struct src_side *sides;
	char ***streams;
	int i, n = 0;

	if (wt->o.count_slide > 0 && wt->o.count_slide > wt->o.count_n)
		opt_usage_error(&wt->o, "--slide must not exceed --count");
	while (files[n] != NULL)
		n++;
	if (wt->o.merge && wt->o.kcat && wt->o.partitions == 0 &&
	    wt->o.instances == 0)
		opt_usage_error(&wt->o, "--merge --kcat needs --partitions N "
		    "(the partials topic's partitions are the inputs) or "
		    "--instances N");
	if (!wt->o.merge || wt->o.kcat)
		n = 1;
	else if (n == 0)
		opt_usage_error(&wt->o, "--merge needs the shards' outputs as "
		    "FILE arguments, or --kcat and a partials topic");
	sides = xcalloc((size_t)n, sizeof(*sides));
	streams = xcalloc((size_t)n, sizeof(*streams));
	wt->merge_files = xcalloc((size_t)n * 2, sizeof(char *));
	if (!wt->o.merge) {
		wt->tool = xcalloc(1, sizeof(*wt->tool));
		wt->tool->ctx_new = wctx_new;
		wt->tool->ctx_free = wctx_free;
		wt->tool->prep = prepare;
		wt->tool->arg = wt;
		if (wt->parts != NULL) {
			wt->tool->block = wctx_block;
			wt->tool->mark = wctx_mark;
		}
	}
	for (i = 0; i < n; i++) {
		sides[i].tool = wt->tool;
		sides[i].fields = wt->fl;
		sides[i].kcat = wt->o.kcat;
		sides[i].need_time = time_need(wt);
		if (wt->o.merge && !wt->o.kcat) {
			wt->merge_files[2 * i] = files[i];
			streams[i] = &wt->merge_files[2 * i];
		} else {
			streams[i] = files;
		}
	}
	wt->run.o = &wt->o;
	run_open(&wt->run, streams, sides, n);
	wt->src = wt->run.src;
	if (wt->parts != NULL)
		src_set_whole_blocks(wt->src, 1);
	free(sides);
	free(streams);
}

int
wintool_run(struct wintool *wt)
{
	int rc;

	wt->run.forward_on_fire = wt->w != NULL;
	rc = run_loop(&wt->run);
	src_free(wt->src);
	key_release(&wt->key);
	rec_fields_free(wt->fl);
	buf_release(&wt->kb);
	free(wt->tool);
	free(wt->merge_files);
	opt_release(&wt->o);
	return rc;
}

uint64_t
wintool_keyof(struct wintool *wt, const struct src_event *ev)
{
	if (ev->prep != NULL && ev->prep_fault == NULL &&
	    ev->prep->key != NULL) {
		wt->kp = ev->prep->key;
		wt->kn = ev->prep->keylen;
		return ev->prep->hash;
	}
	buf_clear(&wt->kb);
	key_encode(&wt->key, &ev->rec, &wt->kb);
	wt->kp = wt->kb.data;
	wt->kn = wt->kb.len;
	return hash_bytes(wt->kb.data, wt->kb.len);
}

const struct agg_in *
wintool_in(const struct src_event *ev)
{
	if (ev->prep == NULL || ev->prep_fault != NULL ||
	    ev->prep->verdict == PREP_PART)
		return NULL;
	return ev->prep->aux;
}

struct ga_part *
wintool_part(const struct src_event *ev, uint64_t *seq)
{
	if (ev->prep == NULL || ev->prep_fault != NULL ||
	    ev->prep->verdict != PREP_PART)
		return NULL;
	*seq = (uint64_t)ev->prep->auxn;
	return (struct ga_part *)(uintptr_t)ev->prep->aux;
}

void
wintool_event(struct wintool *wt, struct src_event *ev)
{
	struct fault f;
	uint64_t h = wintool_keyof(wt, ev);
	int r;

	if (!key_shard_keeps(h, wt->o.shard_i, wt->o.shard_n))
		return;
	r = win_add(wt->w, wt->kp, wt->kn, h, ev->rec.time_ns, ev,
	    src_wm(wt->src)->wm_ns, &f);
	if (r == -1)
		diag_die(&f);
	if (r == 0)
		src_late(wt->src, ev);
}
