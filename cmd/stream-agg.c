/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * stream-agg: incremental aggregates per key, per window or overall.
 */
#include <string.h>

#include "agg.h"
#include "aggstage.h"
#include "buf.h"
#include "diag.h"
#include "groupagg.h"
#include "merge.h"
#include "opts.h"
#include "out.h"
#include "partial.h"
#include "result.h"
#include "run.h"
#include "source.h"
#include "watermark.h"
#include "window.h"
#include "wintool.h"

struct atool {
	struct wintool	 wt;		/* options, --by, source, run */
	struct aggset	 aggs;
	struct result_out out;		/* how results are written */
	struct aggstage	*S;		/* windows, totals or --merge */
	uint64_t	 absorbed;	/* the last block whose part is in */
	uint64_t	 dropped;	/* and whose part was not taken */
	int		 from[2];	/* --instance I/N */
};

/*
 * The record is in its block's part, made on a decode thread: the part
 * is merged in at the block's first such record (1: nothing more to
 * do).  Windows take it only while no watermark has moved: after one,
 * records may be late or refire windows, so the one thread adds each
 * record itself (0), and the workers make no more parts.
 */
static int
from_part(struct atool *A, struct ga_part *part, uint64_t bseq)
{
	int64_t wm = src_wm(A->wt.src)->wm_ns;
	struct fault f;

	if (bseq == A->absorbed)
		return 1;
	if (bseq == A->dropped)
		return 0;
	if (A->wt.w != NULL && wm != WM_MIN) {
		ga_part_done(A->wt.parts, part, NULL);
		ga_parts_stop(A->wt.parts);
		A->dropped = bseq;
		return 0;
	}
	if (aggstage_absorb(A->S, A->wt.parts, part, wm, &f) == -1)
		diag_die(&f);
	A->absorbed = bseq;
	return 1;
}

static void
event(void *ctx, struct src_event *ev)
{
	struct atool *A = ctx;
	uint64_t seq = aggstage_arrival(A->S), h, bseq;
	struct ga_part *part;
	struct fault f;

	if (A->wt.o.merge) {
		merge_event(aggstage_merge(A->S), ev);
		return;
	}
	if ((part = wintool_part(ev, &bseq)) != NULL && from_part(A, part,
	    bseq))
		return;
	if (A->wt.w != NULL) {
		aggstage_set_in(A->S, wintool_in(ev));
		wintool_event(&A->wt, ev);
		aggstage_set_in(A->S, NULL);
		if (aggset_check(&A->aggs, &f) == -1)
			diag_die(&f);
		return;
	}
	h = wintool_keyof(&A->wt, ev);
	if (key_shard_keeps(h, A->wt.o.shard_i, A->wt.o.shard_n) &&
	    ga_add(aggstage_groups(A->S), A->wt.kp, A->wt.kn, h,
	    ev->rec.v, wintool_in(ev), ev->rec.time_ns, seq, &f) == -1)
		diag_die(&f);
}

/* --merge: a shard's {"@partial"}. */
static void
partial(void *ctx, struct src_event *ev)
{
	struct atool *A = ctx;
	struct fault f;

	if (merge_partial(aggstage_merge(A->S), ev, &f) == -1)
		diag_die(&f);
}

static void
fingerprint(void *ctx, struct buf *b)
{
	struct atool *A = ctx;

	buf_adds(b, "aggregates=");
	aggset_describe(&A->aggs, b);
	buf_printf(b, "\nmerge=%d\n", A->wt.o.merge);
}

/* The aggregates, then what the flags allow together. */
static int
parse_aggs(struct atool *A)
{
	struct opts *o = &A->wt.o;
	struct fault f;
	int used;

	if (aggset_parse(&A->aggs, o->args, o->nargs, &used, o->exact,
	    A->wt.fl, &f) == -1)
		opt_usage_error(o, "%s", f.msg);
	if (used == 0)
		opt_usage_error(o, "no aggregate given (e.g. count, "
		    "'avg(.latency_ms)', 'p99(.latency_ms) as p99')");
	if (o->win == WIN_NONE && o->lateness_ns > 0 && !o->merge)
		opt_usage_error(o, "--lateness needs a window");
	if (o->part_n > 0 && !o->merge && (o->emit != EMIT_PARTIAL ||
	    o->win == WIN_NONE))
		opt_usage_error(o, "--partition is for --emit partial "
		    "with a window, or for --merge");
	if ((o->kafka_key > 0 || o->inst_n > 0) &&
	    (o->emit != EMIT_PARTIAL || o->merge))
		opt_usage_error(o, "--kafka-key and --instance are for the "
		    "instances: --emit partial without --merge");
	if (o->kafka_key > 0 && o->by == NULL)
		opt_usage_error(o, "--kafka-key needs --by (the key of each "
		    "partial)");
	if (o->instances > 0 && (!o->merge || !o->kcat))
		opt_usage_error(o, "--instances is for --merge --kcat");
	if (o->instances > 0 && o->partitions > 0 &&
	    (int64_t)o->instances * o->partitions > 65536)
		opt_usage_error(o, "--instances N times --partitions P: at "
		    "most 65536 watermark channels");
	/*
	 * A count window is N records of one key as one process saw them:
	 * two shards' windows of a key are different windows, and without
	 * time two windows of one shard share the same (empty) bounds.
	 * Only an instance that owns its keys (--shard, --partition) can
	 * emit them: it writes finished results, and the merge orders them.
	 */
	if (o->win == WIN_COUNT && o->emit == EMIT_PARTIAL &&
	    o->shard_n == 0 && o->part_n == 0)
		opt_usage_error(o, "count windows cannot be merged unless "
		    "each instance owns its keys (--shard I/N or "
		    "--partition I/N)");
	if (o->win != WIN_NONE && (o->emit == EMIT_UPDATES ||
	    o->emit == EMIT_EVERY))
		opt_usage_error(o, "--emit updates and --emit every "
		    "are for aggregates without a window");
	return used;
}

/*
 * Can the decode threads aggregate (-j N)?  Without a window, or in
 * tumbling or hopping windows with no watermark source but in-band
 * marks (so that, until a mark, every window is open and a pane's
 * records may be merged in at once), with nothing written before the
 * end, no state to snapshot at a record and no key to test, when no
 * aggregate's result (or, for partials, its state) depends on the order
 * it saw its values in.
 */
static int
by_blocks(const struct atool *A)
{
	const struct opts *o = &A->wt.o;

	return (o->win == WIN_NONE || ((o->win == WIN_TUMBLING ||
	    o->win == WIN_HOPPING) && o->max_delay_ns < 0 &&
	    o->idle_ns == 0 && !o->processing_time && o->max_events == 0)) &&
	    !o->merge && o->state == NULL &&
	    !o->kcat && o->shard_n == 0 && o->part_n == 0 &&
	    ((o->emit == EMIT_FINAL && aggset_order_free(&A->aggs)) ||
	    (o->emit == EMIT_PARTIAL && aggset_states_order_free(&A->aggs))) &&
	    !aggset_uses_time(&A->aggs);
}

/*
 * Results, or partials; a shard that owns its keys (--shard, or an
 * instance on a --partition keyed by --by) has nothing to merge and
 * writes its windows' results as final partials.
 */
static void
result_out(struct atool *A)
{
	const struct opts *o = &A->wt.o;
	struct result_out *r = &A->out;

	r->aggs = &A->aggs;
	r->key = &A->wt.key;
	r->time_out = o->time_out;
	r->partial = o->emit == EMIT_PARTIAL;
	r->owned = r->partial && (o->shard_n > 0 || o->part_n > 0) &&
	    (o->win != WIN_NONE || o->merge);
	r->partition = o->part_n > 0;
	r->part_i = o->part_n > 0 ? o->part_i : o->shard_i;
	r->part_n = o->part_n > 0 ? o->part_n : o->shard_n;
	r->kafka_key = o->kafka_key > 0;
	A->from[0] = o->inst_i;
	A->from[1] = o->inst_n;
	r->from = o->inst_n > 0 ? A->from : NULL;
	r->sig = partial_sig(&A->aggs);
	r->out = out_sink(out_stdout);
	r->count = &src_counters(A->wt.src)->out;
}

int
main(int argc, char *argv[])
{
	static struct atool A;
	static struct run_hooks h;
	struct aggstage_config c;
	struct win_config wc;
	struct fault f;
	char **files;
	int rc;

	diag_init("stream-agg");
	wintool_parse(&A.wt, T_AGG, argc, argv);
	files = A.wt.o.args + parse_aggs(&A);
	if (aggset_preparable(&A.aggs))
		A.wt.aggs = &A.aggs;
	A.wt.time_used = aggset_uses_time(&A.aggs);
	if (by_blocks(&A))
		A.wt.parts = ga_parts_new(&A.aggs);
	wintool_open(&A.wt, files);
	result_out(&A);
	memset(&c, 0, sizeof(c));
	c.aggs = &A.aggs;
	c.out = &A.out;
	wintool_config(&A.wt, &wc);
	c.win = A.wt.o.win != WIN_NONE ? &wc : NULL;
	c.emit = A.wt.o.emit == EMIT_UPDATES ? GA_UPDATES :
	    A.wt.o.emit == EMIT_EVERY ? GA_EVERY : GA_FINAL;
	c.every_ns = A.wt.o.emit_every_agg_ns;
	for (c.merge = 0; A.wt.o.merge && files[c.merge] != NULL; c.merge++)
		;
	/*
	 * From a partials topic: one input per partition, or per instance
	 * when they publish keyed by group key (--instances).
	 */
	if (A.wt.o.merge && A.wt.o.kcat)
		c.merge = A.wt.o.instances > 0 ? A.wt.o.instances :
		    A.wt.o.partitions;
	c.src = A.wt.src;
	c.nkeys = A.wt.key.n;
	c.lateness_ns = A.wt.o.lateness_ns;
	if ((A.S = aggstage_new(&c, &f)) == NULL)
		diag_die(&f);
	A.wt.w = aggstage_windows(A.S);
	if (A.wt.o.merge)
		merge_set_inputs(aggstage_merge(A.S), A.wt.o.instances > 0,
		    A.wt.o.part_i, A.wt.o.part_n);
	if (A.wt.o.emit == EMIT_PARTIAL)
		src_set_forwarding(A.wt.src, 1);
	h.event = event;
	h.fingerprint = fingerprint;
	if (A.wt.o.merge) {
		h.partial = partial;
		src_set_raw(A.wt.src, merge_raw_line, aggstage_merge(A.S));
	}
	A.wt.run.h = &h;
	A.wt.run.ctx = &A;
	A.wt.run.stage = &aggstage_ops;
	A.wt.run.obj = A.S;
	rc = wintool_run(&A.wt);
	ga_parts_free(A.wt.parts);
	aggstage_free(A.S);
	aggset_release_specs(&A.aggs);
	return rc;
}
