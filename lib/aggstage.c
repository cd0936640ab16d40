/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * aggstage.c - stream-agg's windows, totals and finals as one stage.
 */
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "aggstage.h"
#include "buf.h"
#include "fault.h"
#include "groupagg.h"
#include "hash.h"
#include "jcur.h"
#include "merge.h"
#include "result.h"
#include "source.h"
#include "stage.h"
#include "watermark.h"
#include "window.h"
#include "xmalloc.h"

struct aggstage {
	struct aggset		*aggs;
	const struct result_out	*out;
	struct windows		*w;	/* windowed, or --merge's */
	struct groupagg		*g;	/* windowless, or --merge's */
	struct merge		*m;
	struct win_ops		 ops;	/* of the windowed blocks */
	int			 nkeys;
	uint64_t		 seq;	/* records that arrived */
	const struct agg_in	*in;	/* the record's, prepared */
};

/* --- an aggregate block as a window's payload --- */

static void
a_init(void *ctx, void *p)
{
	struct aggstage *S = ctx;

	aggset_init(S->aggs, p);
}

static void
a_add(void *ctx, void *p, const void *event, int64_t t)
{
	struct aggstage *S = ctx;
	const struct src_event *ev = event;

	aggset_add_in(S->aggs, p, ev->rec.v, S->in, t, S->seq);
}

static void
a_merge(void *ctx, void *dst, const void *src)
{
	struct aggstage *S = ctx;

	aggset_merge(S->aggs, dst, src);
}

static void
a_release(void *ctx, void *p)
{
	struct aggstage *S = ctx;

	aggset_release(S->aggs, p);
}

static void
a_emit(void *ctx, const struct win_fired *wf, const void *p)
{
	struct aggstage *S = ctx;

	result_window(S->out, wf, p);
}

static void
a_encode(void *ctx, const void *p, struct buf *b)
{
	struct aggstage *S = ctx;

	aggset_encode(S->aggs, p, b);
}

static int
a_decode(void *ctx, void *p, struct jcur *jc, struct fault *f)
{
	struct aggstage *S = ctx;

	return aggset_decode(S->aggs, p, jc, f);
}

static size_t
a_bytes(void *ctx, const void *p)
{
	struct aggstage *S = ctx;

	return aggset_bytes(S->aggs, p);
}

struct aggstage *
aggstage_new(const struct aggstage_config *c, struct fault *f)
{
	struct aggstage *S = xcalloc(1, sizeof(*S));
	const struct win_ops ops = { 0, a_init, a_add, a_merge, a_release,
	    a_emit, a_encode, a_decode, a_bytes };

	S->aggs = c->aggs;
	S->out = c->out;
	S->nkeys = c->nkeys;
	if (c->merge > 0) {
		S->g = ga_new(c->aggs, c->out, c->emit, c->every_ns);
		S->m = merge_new(c->aggs, c->out, c->src, S->g, c->merge,
		    c->nkeys, c->lateness_ns);
		S->w = merge_windows(S->m);
		return S;
	}
	if (c->win == NULL) {
		S->g = ga_new(c->aggs, c->out, c->emit, c->every_ns);
		return S;
	}
	S->ops = ops;
	S->ops.size = c->aggs->state_size;
	if ((S->w = win_new(c->win, &S->ops, S, f)) == NULL) {
		free(S);
		return NULL;
	}
	return S;
}

void
aggstage_free(struct aggstage *S)
{
	if (S == NULL)
		return;
	if (S->m != NULL)
		merge_free(S->m);
	else
		win_free(S->w);
	ga_free(S->g);
	free(S);
}

struct windows *
aggstage_windows(struct aggstage *S)
{
	return S->w;
}

int
aggstage_absorb(struct aggstage *S, struct ga_parts *R, struct ga_part *p,
    int64_t wm, struct fault *f)
{
	const void *blk;
	const char *k;
	size_t klen;
	uint64_t n;
	int64_t it, t;
	int r = 0;

	if (S->w == NULL)
		return ga_absorb(S->g, R, p, f);
	for (it = ga_part_next(p, -1, &k, &klen, &blk, &n); it >= 0 && r >= 0;
	    it = ga_part_next(p, it, &k, &klen, &blk, &n)) {
		memcpy(&t, k, sizeof(t));
		r = win_merge_pane(S->w, k + sizeof(t), klen - sizeof(t),
		    hash_bytes(k + sizeof(t), klen - sizeof(t)), t, blk, n, wm,
		    f);
	}
	ga_part_done(R, p, S->aggs);
	if (r < 0)
		return -1;
	return aggset_check(S->aggs, f);
}

struct groupagg *
aggstage_groups(struct aggstage *S)
{
	return S->g;
}

struct merge *
aggstage_merge(struct aggstage *S)
{
	return S->m;
}

uint64_t
aggstage_arrival(struct aggstage *S)
{
	return ++S->seq;
}

void
aggstage_set_in(struct aggstage *S, const struct agg_in *in)
{
	S->in = in;
}

/* --- the stage --- */

/*
 * Windows fire as W passes them; --merge's finished results follow
 * them out; per-key totals write what --emit every says (not under
 * --merge, whose totals wait for the end).
 */
static void
advance(void *p, int64_t wm)
{
	struct aggstage *S = p;

	if (S->w != NULL)
		win_advance(S->w, wm);
	if (S->m != NULL)
		merge_advance(S->m, wm);
	else if (S->g != NULL)
		ga_advance(S->g, wm);
}

static void
flush(void *p)
{
	struct aggstage *S = p;

	if (S->w != NULL)
		win_flush(S->w);
	if (S->m != NULL)
		merge_finish(S->m, 1);
	if (S->g != NULL)
		ga_finish(S->g, 1);
}

static uint64_t
bytes(void *p)
{
	struct aggstage *S = p;

	return (S->m != NULL ? merge_bytes(S->m) : 0) +
	    (S->w != NULL ? win_bytes(S->w) : 0) +
	    (S->g != NULL ? ga_bytes(S->g) : 0);
}

static void
save(void *p, struct buf *b)
{
	struct aggstage *S = p;

	buf_printf(b, "{\"aggs\":%d,\"windows\":", AGG_STATES_VERSION);
	if (S->w != NULL)
		win_save(S->w, b);
	else
		buf_adds(b, "null");
	buf_adds(b, ",\"totals\":");
	if (S->g != NULL)
		ga_save(S->g, b);
	else
		buf_adds(b, "null");
	if (S->m != NULL)
		merge_save(S->m, b);
	buf_adds(b, "}\n");
}

/*
 * "aggs":V first; a section without it was written by a stream-agg
 * whose states were version 1.  Versions from AGG_STATES_OLDEST on are
 * read (agg.c reads each encoding by its keys); another is EX_CONFIG:
 * the file is sound, this build cannot continue it.
 */
static int
states_version(struct jcur *jc, struct fault *f)
{
	const char *k;
	size_t kn;
	int64_t v = 1;

	if (jc_begin_object(jc) == -1 || jc_element(jc, "empty section") ==
	    -1 || jc_key(jc, &k, &kn) == -1)
		return -1;
	if (kn == 4 && memcmp(k, "aggs", 4) == 0 && jc_int(jc, &v) == -1)
		return -1;
	if (v < AGG_STATES_OLDEST || v > AGG_STATES_VERSION)
		return fault_set(f, EX_CONFIG, "the state file holds aggregate "
		    "states of version %lld; this stream-agg reads versions %d "
		    "to %d (finish it with the streamkit that wrote it, or "
		    "start fresh with --state-reset)", (long long)v,
		    AGG_STATES_OLDEST, AGG_STATES_VERSION);
	return 0;
}

static int
load(void *p, const char *text, size_t n, struct fault *f)
{
	struct aggstage *S = p;
	struct jcur jc;
	const char *raw;
	size_t rn;

	jc_init(&jc, text, n, f);
	if (states_version(&jc, f) == -1 || jc_more(&jc) != 1 ||
	    jc_expect_key(&jc, "windows") == -1)
		return -1;
	if (S->w != NULL ? win_load(S->w, &jc, f) == -1 :
	    jc_null(&jc) == -1)
		return -1;
	if (jc_more(&jc) != 1 || jc_expect_key(&jc, "totals") == -1)
		return -1;
	if (S->g != NULL) {
		if (jc_raw(&jc, &raw, &rn) == -1 ||
		    ga_load(S->g, raw, rn, S->nkeys, f) == -1)
			return -1;
	} else if (jc_null(&jc) == -1) {
		return -1;
	}
	if (S->m != NULL && jc_more(&jc) == 1 &&
	    (jc_expect_key(&jc, "finals") == -1 ||
	    merge_load(S->m, &jc, f) == -1))
		return -1;
	return jc_more(&jc) == 0 && jc_end(&jc) == 0 ? 0 :
	    jc_fail(&jc, "trailing data");
}

static void
stats(void *p, struct buf *b)
{
	struct aggstage *S = p;

	if (S->w != NULL)
		win_stats(S->w, b);
}

const struct stage_ops aggstage_ops = {
	advance, flush, bytes, save, load, stats
};
