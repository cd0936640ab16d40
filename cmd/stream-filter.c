/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * stream-filter: copy out, byte for byte, the records where EXPR holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dedupe.h"
#include "diag.h"
#include "expr.h"
#include "filter.h"
#include "key.h"
#include "opts.h"
#include "out.h"
#include "par.h"
#include "project.h"
#include "record.h"
#include "run.h"
#include "source.h"
#include "stage.h"

struct filter {
	struct opts	 o;
	struct fields	*fl;
	struct flt	 flt;		/* verdict, hash, projection */
	struct expr	*ex;
	struct keyspec	 key;		/* --by: --shard, --sample */
	struct keyspec	 dkey;		/* --dedupe */
	struct dedupe	*dd;
	struct projection *proj;
	struct source	*src;
	struct run	 run;
	struct buf	 kb;
	uint64_t	 matched;
	struct par_tool	 tool;		/* -j N: flt's work on the workers */
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
	F->flt = (struct flt){ .ex = F->ex, .key = &F->key, .proj = F->proj,
	    .shard_i = o->shard_i, .shard_n = o->shard_n,
	    .sampled = o->sample >= 0, .invert = o->invert,
	    .project = !o->count_only };
	if (o->sample >= 0)
		F->flt.sample_max = flt_sample_max(o->sample);
	flt_par_tool(&F->flt, &F->tool);
}

/* --shard and --sample: a stable hash of the key, or of the line. */
static int
selected(struct filter *F, const struct src_event *ev)
{
	uint64_t h;

	if (!flt_hashes(&F->flt))
		return 1;
	if (ev->prep != NULL)
		h = ev->prep->hash;
	else
		h = flt_hash(&F->flt, &ev->rec, ev->out_p, ev->out_len, &F->kb);
	return flt_selected(&F->flt, h);
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
