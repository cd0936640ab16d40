/*
 * stream-filter: copy out, byte for byte, the records where EXPR holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "expr.h"
#include "hash.h"
#include "opts.h"
#include "out.h"
#include "record.h"
#include "source.h"

struct filter {
	struct opts	 o;
	struct fields	*fl;
	struct expr	*ex;
	struct keyspec	 key;
	struct source	*src;
	struct buf	 kb;
	uint64_t	 sample_max;	/* keep when hash <= this */
	uint64_t	 matched;
};

static void
setup(struct filter *F, int argc, char **argv)
{
	struct opts *o = &F->o;
	struct src_side side;
	struct fault f;
	char **files;
	int col;

	opt_parse(o, T_FILTER, argc, argv);
	if (o->nargs < 1)
		opt_usage_error(o, "missing EXPR");
	if ((F->fl = rec_fields_new()) == NULL)
		diag_fatal(EX_SOFTWARE, "out of memory");
	F->ex = expr_compile(o->args[0], F->fl, o->vars, o->nvars, &col, &f);
	if (F->ex == NULL) {
		if (f.code != EX_USAGE)
			diag_die(&f);
		expr_show_error(o->prog, o->args[0], col, f.msg);
		exit(EX_USAGE);
	}
	if (key_init(&F->key, o->by, F->fl, &f) == -1)
		opt_usage_error(o, "%s", f.msg);
	if (o->sample >= 0)
		F->sample_max = o->sample >= 1 ? UINT64_MAX :
		    (uint64_t)(o->sample * 18446744073709551616.0);
	memset(&side, 0, sizeof(side));
	side.fields = F->fl;
	side.kcat = o->kcat;
	side.need_time = expr_uses_time(F->ex) || o->time_set ||
	    o->max_delay_ns >= 0 || o->idle_ns > 0 || o->processing_time;
	files = o->args + 1;
	if ((F->src = src_open(o, &files, &side, 1, &f)) == NULL)
		diag_die(&f);
	buf_init(&F->kb);
}

/* --shard and --sample: a stable hash of the key, or of the line. */
static int
selected(struct filter *F, const struct src_event *ev)
{
	uint64_t h;

	if (F->o.shard_n == 0 && F->o.sample < 0)
		return 1;
	buf_clear(&F->kb);
	if (F->key.n > 0) {
		key_encode(&F->key, &ev->rec, &F->kb);
		h = hash_bytes(F->kb.data, F->kb.len);
	} else {
		h = hash_bytes(ev->out_p, ev->out_len);
	}
	if (F->o.shard_n > 0 && h % (uint64_t)F->o.shard_n !=
	    (uint64_t)F->o.shard_i)
		return 0;
	return F->o.sample < 0 || h <= F->sample_max;
}

static void
event(struct filter *F, const struct src_event *ev)
{
	struct fault f;
	int h;

	if (!selected(F, ev))
		return;
	h = expr_holds(F->ex, &ev->rec, src_arena(F->src), &f);
	if (h == -1) {
		f.line = ev->rec.lineno;
		src_bad(F->src, ev, &f);
		diag_bad(&f);
		return;
	}
	if (h == F->o.invert)
		return;
	F->matched++;
	if (F->o.exit_status) {
		out_flush(out_stdout);
		exit(0);
	}
	if (F->o.count_only)
		return;
	out_line(out_stdout, ev->out_p, ev->out_len);
	src_counters(F->src)->out++;
}

int
main(int argc, char *argv[])
{
	struct filter F;
	struct src_event ev;
	struct fault f;
	int rc;

	diag_init("stream-filter");
	memset(&F, 0, sizeof(F));
	setup(&F, argc, argv);
	while ((rc = src_next(F.src, &ev, &f)) != SRC_EOF) {
		if (rc == SRC_FATAL)
			diag_die(&f);
		if (rc == SRC_STOP)
			break;
		if (rc == SRC_BAD)
			diag_bad(&f);
		else if (rc == SRC_EVENT)
			event(&F, &ev);
		else if (rc == SRC_PARTIAL && !F.o.count_only)
			out_line(out_stdout, ev.out_p, ev.out_len);
		if (!F.o.count_only)
			src_forward_wm(F.src, out_stdout);
	}
	if (F.o.count_only)
		printf("%llu\n", (unsigned long long)F.matched);
	fflush(stdout);
	out_flush(out_stdout);
	src_free(F.src);
	expr_free(F.ex);
	key_release(&F.key);
	rec_fields_free(F.fl);
	buf_release(&F.kb);
	opt_release(&F.o);
	rc = diag_finish();
	if (F.o.exit_status && F.matched == 0 && rc == 0)
		return 1;
	return rc;
}
