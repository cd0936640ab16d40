/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * stream-filter: copy out, byte for byte, the records where EXPR holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "dedupe.h"
#include "diag.h"
#include "expr.h"
#include "hash.h"
#include "key.h"
#include "opts.h"
#include "out.h"
#include "par.h"
#include "project.h"
#include "record.h"
#include "run.h"
#include "source.h"
#include "stage.h"
#include "xmalloc.h"

struct filter {
	struct opts	 o;
	struct fields	*fl;
	struct expr	*ex;
	struct keyspec	 key;		/* --by: --shard, --sample */
	struct keyspec	 dkey;		/* --dedupe */
	struct dedupe	*dd;
	struct projection *proj;
	struct source	*src;
	struct run	 run;
	struct buf	 kb;
	uint64_t	 sample_max;	/* keep when hash <= this */
	uint64_t	 matched;
	struct par_tool	 tool;		/* -j N: prepare() on the workers */
};

/* A decode thread's own: PCRE2's match data, scratch, a buffer. */
struct wctx {
	struct expr_run	*run;
	struct arena	*a;
	struct buf	 b;
	struct buf	 work;		/* proj_write_work()'s */
};

static void
compile(struct filter *F)
{
	struct opts *o = &F->o;
	struct fault f;
	int col;

	F->ex = expr_compile(o->args[0], F->fl, o->vars, o->nvars, &col, &f);
	if (F->ex == NULL) {
		if (f.code != EX_USAGE)
			diag_die(&f);
		buf_init(&F->kb);
		expr_caret(&F->kb, o->args[0], col);
		fprintf(stderr, "%s: syntax error in EXPR: %s\n%s", o->prog,
		    f.msg, buf_cstr(&F->kb));
		exit(EX_USAGE);
	}
	if (key_init(&F->key, o->by, F->fl, &f) == -1 ||
	    key_init(&F->dkey, o->dedupe, F->fl, &f) == -1)
		opt_usage_error(o, "%s", f.msg);
	if (o->keep != NULL && o->drop != NULL)
		opt_usage_error(o, "--keep and --drop exclude each other");
	if ((o->keep != NULL || o->drop != NULL) &&
	    (F->proj = proj_new(o->keep, o->drop, F->fl, &f)) == NULL)
		opt_usage_error(o, "%s", f.msg);
	if (o->dedupe != NULL) {
		if (!o->within_set)
			opt_usage_error(o, "--dedupe needs --within D");
		F->dd = dd_new(o->within_ns);
	} else if (o->within_set) {
		opt_usage_error(o, "--within needs --dedupe");
	}
	if (o->state != NULL && F->dd == NULL)
		opt_usage_error(o, "--state keeps the --dedupe set; "
		    "without --dedupe there is no state");
	if (o->sample >= 0)
		F->sample_max = o->sample >= 1 ? UINT64_MAX :
		    (uint64_t)(o->sample * 18446744073709551616.0);
}

/* --shard and --sample's hash: of the key, or of the line p[0..n). */
static uint64_t
hash_of(const struct filter *F, const struct record *rec, const char *p,
    size_t n, struct buf *kb)
{
	if (F->key.n == 0)
		return hash_bytes(p, n);
	buf_clear(kb);
	key_encode(&F->key, rec, kb);
	return hash_bytes(kb->data, kb->len);
}

/* --shard and --sample: a stable hash of the key, or of the line. */
static int
selected(struct filter *F, const struct src_event *ev)
{
	uint64_t h;

	if (F->o.shard_n == 0 && F->o.sample < 0)
		return 1;
	if (ev->prep != NULL)
		h = ev->prep->hash;
	else
		h = hash_of(F, &ev->rec, ev->out_p, ev->out_len, &F->kb);
	if (!key_shard_keeps(h, F->o.shard_i, F->o.shard_n))
		return 0;
	return F->o.sample < 0 || h <= F->sample_max;
}

/* --dedupe: 1 when the record goes (a repeat, or late). */
static int
repeated(struct filter *F, const struct src_event *ev)
{
	struct fault f;
	int r;

	if (F->dd == NULL)
		return 0;
	if (wm_is_late(src_wm(F->src), ev->rec.time_ns)) {
		src_late(F->src, ev);
		return 1;
	}
	if ((r = dd_record(F->dd, &F->dkey, &ev->rec, &f)) == -1)
		diag_die(&f);
	return r;
}

/*
 * -j N, on a decode thread: EXPR's verdict, the hash selected() asks
 * for and the projection of a match, for event() to take in order.  The
 * source reads no kcat envelope with -j N: the line is the record.
 */
static void *
wctx_new(void *arg)
{
	struct filter *F = arg;
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
	const struct filter *F = arg;
	struct wctx *c = ctx;
	char *o;

	arena_reset(c->a);
	/* The hash first: selected() reads it whatever EXPR says. */
	if (F->o.shard_n > 0 || F->o.sample >= 0)
		p->hash = hash_of(F, rec, rec->p, rec->len, &c->b);
	if ((p->verdict = expr_run_holds(c->run, rec, c->a, f)) == -1)
		return -1;
	if (F->proj != NULL && p->verdict != F->o.invert &&
	    !F->o.count_only) {
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

static void
event(void *ctx, struct src_event *ev)
{
	struct filter *F = ctx;
	struct fault f;
	int h;

	if (!selected(F, ev))
		return;
	if (ev->prep_fault != NULL) {
		f = *ev->prep_fault;
		h = -1;
	} else if (ev->prep != NULL) {
		h = ev->prep->verdict;
	} else {
		h = expr_holds(F->ex, &ev->rec, src_arena(F->src), &f);
	}
	if (h == -1) {
		f.line = ev->rec.lineno;
		src_bad(F->src, ev, &f);
		return;
	}
	if (h == F->o.invert || repeated(F, ev))
		return;
	F->matched++;
	if (F->o.exit_status) {
		out_flush(out_stdout);
		exit(0);
	}
	if (F->o.count_only)
		return;
	if (ev->prep != NULL && ev->prep->out != NULL) {
		out_line(out_stdout, ev->prep->out, ev->prep->outlen);
	} else if (F->proj != NULL) {
		proj_write(F->proj, &ev->rec, out_buf(out_stdout));
		buf_addc(out_buf(out_stdout), '\n');
		out_commit(out_stdout);
	} else {
		out_line(out_stdout, ev->out_p, ev->out_len);
	}
	src_counters(F->src)->out++;
}

static int
may_forward(void *ctx, int64_t wm, int tick)
{
	struct filter *F = ctx;

	return !F->o.count_only && !F->o.exit_status;
}

static void
stats(void *ctx, struct buf *b)
{
	struct filter *F = ctx;

	buf_printf(b, ", matched %llu", (unsigned long long)F->matched);
}

int
main(int argc, char *argv[])
{
	static struct filter F;
	static struct run_hooks h = { .event = event,
	    .may_forward = may_forward, .stats = stats };
	struct src_side side;
	char **files;
	int rc;

	diag_init("stream-filter");
	opt_parse(&F.o, T_FILTER, argc, argv);
	if (F.o.nargs < 1)
		opt_usage_error(&F.o, "missing EXPR");
	F.fl = rec_fields_new();
	compile(&F);
	memset(&side, 0, sizeof(side));
	side.fields = F.fl;
	side.kcat = F.o.kcat;
	F.tool.ctx_new = wctx_new;
	F.tool.ctx_free = wctx_free;
	F.tool.prep = prepare;
	F.tool.arg = &F;
	side.tool = &F.tool;
	side.need_time = expr_uses_time(F.ex) || F.dd != NULL ||
	    F.o.max_delay_ns >= 0 || F.o.idle_ns > 0 || F.o.processing_time ?
	    SRC_TIME_NEEDED : SRC_TIME_NONE;
	files = F.o.args + 1;
	F.run.o = &F.o;
	run_open(&F.run, &files, &side, 1);
	F.src = F.run.src;
	buf_init(&F.kb);
	if (F.dd != NULL) {
		F.run.stage = &dd_stage;
		F.run.obj = F.dd;
	}
	F.run.h = &h;
	F.run.ctx = &F;
	rc = run_loop(&F.run);
	if (F.o.count_only)
		printf("%llu\n", (unsigned long long)F.matched);
	fflush(stdout);
	src_free(F.src);
	expr_free(F.ex);
	key_release(&F.key);
	key_release(&F.dkey);
	dd_free(F.dd);
	proj_free(F.proj);
	rec_fields_free(F.fl);
	buf_release(&F.kb);
	opt_release(&F.o);
	if (F.o.exit_status && F.matched == 0 && rc == 0)
		return 1;
	return rc;
}
